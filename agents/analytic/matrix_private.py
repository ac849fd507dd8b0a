"""Bayes-Nash play of the analytic matrix agents under ``visibility = "own"`` (model.md §4).

Under "own" a refinement is private: the refiner (the *informed* player) alone sees its own offsets, its *type*, and
the other (*uninformed*) player sees the refined action's variants at their parent's payoffs. Playing the equilibrium
of one's own view is then not an equilibrium of the Bayesian play game (its interim NashConv, :mod:`agents.private_play`,
is positive). Where the continuum-type Bayes-Nash equilibrium is solved,
:func:`vvl_env.solve.bayes_nash_continuum.bayes_nash_continuum` (a 2 x 2 base game refined once, by one player,
one round of play), both players play it instead: the uninformed player mixes ``y*`` over its two actions, and the
informed player plays its best action against ``y*`` in its own view (a threshold rule in its type). ``y*`` depends
only on the base game, the refined action and the informed player's law, so it is solved once per case (and cached).
The refine decision follows the same equilibrium: where the agent alone may refine, once, refining action k is worth
``E_t[max_r U_t(r, y*_k)]`` (its types from its own belief) against the base game's equilibrium payoff
(:meth:`PrivatePlay.refine_values`).

The common prior is the informed player's *true* law (``perturbation`` of the env config): this is the
common-knowledge reference. Where the informed player could refine again (budget > 1), its later decision could
reveal its type, a game this equilibrium does not cover; there, and in every case not covered (mutual refinement,
larger games, several rounds, a law with atoms), the agents play the equilibrium of their own view as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from vvl_env.envs.refine_matrix.config import RefineMatrixConfig
from vvl_env.model.game import Game
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum

FloatArray = npt.NDArray[np.float64]
TYPE_DRAWS, REPLICATIONS = 50_000, 8
"""The continuum solver's sample of the type integral (y* to about 1e-4)."""


@dataclass(frozen=True)
class PrivatePlay:
    """The refine_matrix_v0 facts Bayes-Nash play needs: the base game, each player's true law and budget, the
    rounds (from the env config: the observation does not carry them)."""

    R1: FloatArray = field(compare=False)
    R2: FloatArray = field(compare=False)
    laws: tuple[PerturbationModel, PerturbationModel]
    budget: tuple[int, int]
    rounds: int

    @classmethod
    def from_config(cls, config: RefineMatrixConfig) -> PrivatePlay | None:
        """From a validated configuration; None unless its visibility is "own"."""
        if config.visibility != "own":
            return None
        p0, p1 = config.perturbation
        b0, b1 = config.budget
        return cls(np.asarray(config.game.R1, float), np.asarray(config.game.R2, float), (p0, p1), (int(b0), int(b1)),
                   int(config.rounds))

    def strategy(self, R1: FloatArray, R2: FloatArray, player: int) -> FloatArray | None:
        """``player``'s Bayes-Nash play in the realised view ``(R1, R2)`` (canonical frame), or None where the case
        is not covered (module docstring)."""
        m0, n0 = self.R1.shape
        if self.rounds != 1 or (m0, n0) != (2, 2):
            return None
        extra = (R1.shape[0] - m0, R1.shape[1] - n0)
        if sorted(extra) != [0, 1]:
            return None
        informed = 0 if extra[0] == 1 else 1
        if self.budget[informed] != 1:
            return None
        k = _refined_action(R1, R2, self.R1, self.R2, informed, player)
        if k is None:
            return None
        y = _uninformed_first(self.R1.tobytes(), self.R2.tobytes(), informed, k, self.laws[informed])
        if y is None:
            return None
        if player != informed:
            return np.array([y, 1.0 - y])
        own = R1 @ np.array([y, 1.0 - y]) if player == 0 else np.array([y, 1.0 - y]) @ R2
        return np.eye(own.size)[int(np.argmax(own))]


    def refine_values(self, R1: FloatArray, R2: FloatArray, player: int, model: PerturbationModel, *, n: int,
                      seed: int) -> tuple[FloatArray, FloatArray] | None:
        """Where ``player`` alone may refine, once, the base game ``(R1, R2)`` (canonical frame; no refinement yet):
        the value of refining each own action k at the Bayes-Nash equilibrium that follows, ``E_t[max_r U_t(r, y*_k)]``
        with the types t drawn from ``model`` (the agent's belief; ``n`` draws, ``seed``) and ``y*_k`` the
        uninformed player's equilibrium mix (common prior: the true law), and its standard errors. None where not
        covered."""
        if (self.rounds != 1 or R1.shape != (2, 2) or self.R1.shape != (2, 2) or self.budget[player] != 1
                or self.budget[1 - player] != 0):
            return None
        own = R1 if player == 0 else R2.T                # own payoffs: own actions are rows
        types = model.sample(rng=np.random.default_rng(seed), n_opposing=2, size=int(n))
        values, errs = np.empty(2), np.empty(2)
        for k in (0, 1):
            y = _uninformed_first(self.R1.tobytes(), self.R2.tobytes(), player, k, self.laws[player])
            if y is None:
                return None
            mix = np.array([y, 1.0 - y])
            best = np.maximum(np.maximum((own[k] + types.own1) @ mix, (own[k] + types.own2) @ mix), own[1 - k] @ mix)
            values[k], errs[k] = best.mean(), best.std(ddof=1) / np.sqrt(len(best))
        return values, errs


def _refined_action(R1: FloatArray, R2: FloatArray, B1: FloatArray, B2: FloatArray, informed: int, player: int
                    ) -> int | None:
    """Which base action (0 or 1) the informed player split, from the view of ``player``: the uninformed player
    sees the two variants as copies of each other; the informed one sees the base game's other action unchanged.
    None where the view does not fit the base game."""
    if informed == 1:
        R1, R2, B1, B2 = R1.T, R2.T, B1.T, B2.T

    def same(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> bool:
        return bool(np.array_equal(a, b) and np.array_equal(c, d))

    for k, (a, b) in enumerate(((0, 1), (1, 2))):
        if player != informed and same(R1[a], R1[b], R2[a], R2[b]):
            return k
        unchanged, base = (2, 1) if k == 0 else (0, 0)
        if player == informed and same(R1[unchanged], B1[base], R2[unchanged], B2[base]):
            return k
    return None


@lru_cache(maxsize=256)
def _uninformed_first(R1: bytes, R2: bytes, informed: int, action: int, law: PerturbationModel) -> float | None:
    """``y*``, the uninformed player's probability of its first action (None: the law has atoms, no mixing point)."""
    game = Game(np.frombuffer(R1).reshape(2, 2), np.frombuffer(R2).reshape(2, 2))
    try:
        out = bayes_nash_continuum(game, informed, action, law, n=TYPE_DRAWS, replications=REPLICATIONS,
                                   rng=np.random.default_rng(0))
    except RuntimeError:
        return None
    return float(out.y.mean)
