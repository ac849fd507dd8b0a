"""Equilibrium welfare and payoffs before and after refinement of a game, by batched Monte Carlo (model.md §2).

Each draw applies the listed refinements in order (a row split by player 0, a column split by player 1, ...; the
second refinement sees the game the first made), solves every realised game with the batched equilibrium solver and
records each player's equilibrium payoff under the named selection rule. Statistics are means with CLT intervals over
the draws; the per-draw samples are kept, since the claims of model.md §2 hold in expectation, not in every draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import check_index
from vvl_env.model.game import Game
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.model.refine import refine_arrays
from vvl_env.solve.equilibria_batch import equilibrium_payoffs
from vvl_env.solve.results import Estimate

FloatArray = npt.NDArray[np.float64]
Refinement = tuple[int, int]  # (player, action)
_CHUNK = 8192


@dataclass(frozen=True, slots=True)
class RefinementEffect:
    """Equilibrium outcomes of a base game and of its refinements.

    ``before`` are the base game's equilibrium payoffs (2,), ``samples`` the refined games' (n, 2) under
    ``selection``; ``best_joint`` is, per draw, the largest ``R1 + R2`` over the cells of the refined game.
    """

    refinements: tuple[Refinement, ...]
    selection: str
    before: FloatArray
    samples: FloatArray
    best_joint: FloatArray

    @property
    def welfare_samples(self) -> FloatArray:
        return self.samples.sum(axis=1)

    @property
    def welfare(self) -> Estimate:
        """Expected equilibrium welfare ``E[x R1 y + x R2 y]`` after refinement."""
        return Estimate.from_samples(self.welfare_samples)

    def payoff(self, player: int) -> Estimate:
        return Estimate.from_samples(self.samples[:, player])

    def gain(self, player: int) -> Estimate:
        """Expected change of ``player``'s equilibrium payoff."""
        return Estimate.from_samples(self.samples[:, player] - self.before[player])

    @property
    def p_negative_welfare(self) -> Estimate:
        """Probability that a single draw has negative equilibrium welfare (tolerance 1e-9)."""
        return Estimate.from_samples(self.welfare_samples < -1e-9)

    @property
    def expected_best_joint(self) -> Estimate:
        return Estimate.from_samples(self.best_joint)


def _models(models: PerturbationModel | Sequence[PerturbationModel], k: int) -> tuple[PerturbationModel, ...]:
    if isinstance(models, PerturbationModel):
        return (models,) * k
    models = tuple(models)
    if len(models) != k or not all(isinstance(m, PerturbationModel) for m in models):
        raise ValueError(f"models: must be one PerturbationModel or one per refinement ({k}), got {models!r}")
    return models


def refinement_effect(game: Game, refinements: Sequence[Refinement],
                      models: PerturbationModel | Sequence[PerturbationModel], *, n: int,
                      rng: np.random.Generator, selection: str = "all") -> RefinementEffect:
    """Monte Carlo of equilibrium payoffs after ``refinements`` (each ``(player, action)``, applied in order).

    Parameters
    ----------
    game : the base game.
    refinements : e.g. ``[(0, 0)]`` (player 0 refines row 0: unilateral) or ``[(0, 0), (1, 0)]`` (mutual).
    models : one perturbation model for all refinements, or one per refinement (the refiner's law).
    n : number of draws; rng : the Generator all draws come from; selection : the equilibrium selection rule.

    Notes
    -----
    Draws are made in chunks of 8192 games; each refinement draws its whole chunk at once.
    """
    if not isinstance(game, Game):
        raise ValueError(f"game: must be a Game, got {type(game).__name__}")
    refinements = tuple((check_index("player", p, 2), int(a)) for p, a in refinements)
    laws = _models(models, len(refinements))
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n: must be an integer >= 2, got {n!r}")
    shape = list(game.shape)
    for i, (player, action) in enumerate(refinements):
        check_index(f"refinements[{i}].action", action, shape[player])
        shape[player] += 1
    before = equilibrium_payoffs(game.R1[None], game.R2[None], selection)[0]
    payoffs, joint = [], []
    for start in range(0, n, _CHUNK):
        b = min(_CHUNK, n - start)
        R1 = np.broadcast_to(game.R1, (b,) + game.shape)
        R2 = np.broadcast_to(game.R2, (b,) + game.shape)
        for (player, action), law in zip(refinements, laws):
            outcome = law.sample(rng=rng, n_opposing=R1.shape[2 - player], size=b)
            R1, R2 = refine_arrays(R1, R2, player, action, outcome)
        payoffs.append(equilibrium_payoffs(R1, R2, selection))
        joint.append((R1 + R2).reshape(b, -1).max(axis=1))
    return RefinementEffect(refinements, str(selection), np.asarray(before, dtype=np.float64),
                            np.concatenate(payoffs), np.concatenate(joint))
