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

Everywhere else where every player that refined could refine only once (budget 1: mutual refinement, larger games,
one round of play), both play the Bayes-Nash equilibrium of the play game under the type law. The public history
(who split which action, in which order) is read off the view (:func:`public_history`): the other player's payoffs in
one's own view are the base game with the split actions copied, and one's own offsets are copied across the other's
variants exactly when one's own refinement came first. The type games are the env's own: a
:class:`~vvl_env.envs.refine_matrix.core.MatrixCore` replays that history on types drawn from the true laws with a
fixed seed, so both players solve the same game (cross offsets at their conditional mean, as
:mod:`agents.private_play`; :func:`type_games`). Each player's view carries only its own offsets, so the truth is
additive, ``R1(k, l) = V_0(k) + X_0(l)`` (player_0's view when of type k, plus what player_1's refinement of type l
adds to player_0's payoffs), likewise R2, and player_0 best-responds to two summaries of player_1's play,
``y_bar = E[y_l]`` and ``c_0 = E[X_0(l) y_l]``: ``argmax_a (V y_bar + c_0)_a`` in its *actual* view (player_1 alike).
:func:`sampled_equilibrium` finds them: a verified equilibrium of ``SAMPLED_TYPES`` types per refiner
(:func:`vvl_env.solve.bayes_nash_types.bayesian_equilibrium`) starts the fixed-point polish over ``CONTINUUM_TYPES``
types (:func:`~vvl_env.solve.bayes_nash_types.continuum_play`), where actions whose payoffs do not move with the type
(all of a player that did not refine) are mixed in the common proportion that makes the other indifferent. Error:
the summaries are means over 8,192 drawn types, about 1 % of the payoff scale; a typed player's loss from that is
second order (only types near a threshold switch), a pooled mix's first order. A law with atoms (Rademacher gaps) has
finitely many equally likely types: all of them are replayed and that finite game is solved exactly
(:func:`~vvl_env.solve.bayes_nash_types.atomic_play`; a player mixes within its type where it ties). A player that may
refine once values its refine decision against this play (:meth:`PrivatePlay.refine_values`), the other assumed to
refine no further, as in the public lookahead.

The common prior is the informed player's *true* law (``perturbation`` of the env config): this is the
common-knowledge reference. Where a refiner could refine again (budget > 1), its later decision could reveal its
type, a game these equilibria do not cover; there, and with several rounds or where the solver fails, the agents
play the equilibrium of their own view as before.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from agents.private_play import private_draws
from vvl_env.envs.refine_matrix.config import RefineMatrixConfig
from vvl_env.envs.refine_matrix.core import MatrixCore
from vvl_env.model.game import Game
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum
from vvl_env.solve.bayes_nash_types import (AtomicPlay, ContinuumPlay, atomic_play, bayesian_equilibrium,
                                             continuum_play)

FloatArray = npt.NDArray[np.float64]
TYPE_DRAWS, REPLICATIONS = 50_000, 8
"""The continuum solver's sample of the type integral (y* to about 1e-4)."""
SAMPLED_TYPES, CONTINUUM_TYPES, TYPES_SEED = 64, 8192, 0
"""Types per refiner of the sampled Bayes-Nash equilibrium, of the sample its continuum polish averages over, and
the seed they are drawn with. The sampled equilibrium only starts the polish (its support and pools): 32 and 64
types gave the same interim NashConv in mutual rock-paper-scissors."""
REPLAY_COPIES = 2048
"""Copies of one replay core (memory)."""
History = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class PrivatePlay:
    """The refine_matrix_v0 facts Bayes-Nash play needs: the base game, each player's true law and budget, the
    rounds (from the env config: the observation does not carry them)."""

    R1: FloatArray = field(compare=False)
    R2: FloatArray = field(compare=False)
    laws: tuple[PerturbationModel, PerturbationModel]
    budget: tuple[int, int]
    rounds: int
    config: RefineMatrixConfig | None = field(default=None, compare=False)
    n_types: int = SAMPLED_TYPES

    @classmethod
    def from_config(cls, config: RefineMatrixConfig) -> PrivatePlay | None:
        """From a validated configuration; None unless its visibility is "own"."""
        if config.visibility != "own":
            return None
        p0, p1 = config.perturbation
        b0, b1 = config.budget
        return cls(np.asarray(config.game.R1, float), np.asarray(config.game.R2, float), (p0, p1), (int(b0), int(b1)),
                   int(config.rounds), config)

    def strategy(self, R1: FloatArray, R2: FloatArray, player: int) -> FloatArray | None:
        """``player``'s Bayes-Nash play in the realised view ``(R1, R2)`` (canonical frame), or None where the case
        is not covered (module docstring)."""
        m0, n0 = self.R1.shape
        if self.rounds != 1:
            return None
        extra = (R1.shape[0] - m0, R1.shape[1] - n0)
        if not all(e == 0 or (e == 1 and b == 1) for e, b in zip(extra, self.budget)) or extra == (0, 0):
            return None
        if (m0, n0) != (2, 2) or sum(extra) != 1:
            return self._sampled_strategy(R1, R2, player)
        informed = 0 if extra[0] == 1 else 1
        history = public_history(R1, R2, self.R1, self.R2, player)
        if history is None:
            return None
        k = history[0][informed] - 1
        y = _uninformed_first(self.R1.tobytes(), self.R2.tobytes(), informed, k, self.laws[informed])
        if y is None:
            return None
        if player != informed:
            return np.array([y, 1.0 - y])
        own = R1 @ np.array([y, 1.0 - y]) if player == 0 else np.array([y, 1.0 - y]) @ R2
        return np.eye(own.size)[int(np.argmax(own))]

    def refine_values(self, R1: FloatArray, R2: FloatArray, player: int, model: PerturbationModel, *, n: int,
                      seed: int) -> tuple[FloatArray, FloatArray, float | None] | None:
        """Where ``player`` may refine once and has not yet, in its view ``(R1, R2)`` (canonical frame): the value of
        refining each own action k at the Bayes-Nash equilibrium that follows, ``E_t[max_r U_t(r, y*_k)]`` with its
        types t drawn from ``model`` (its belief; ``n`` draws, ``seed``) and ``y*_k`` the other's equilibrium play
        (common prior: the true laws), their standard errors, and the value of not refining where that is a
        Bayes-Nash value too (the other refined before; None: the base game's equilibrium payoff). As the public
        lookahead (:mod:`agents.analytic.matrix_value`), the other is assumed to refine no further. One player
        alone refining a 2 x 2 game uses the continuum solver, everything else the polished sampled-type
        equilibrium (:func:`sampled_equilibrium`). None where not covered."""
        m0, n0 = self.R1.shape
        extra = (R1.shape[0] - m0, R1.shape[1] - n0)
        other = 1 - player
        if (self.rounds != 1 or self.budget[player] != 1 or extra[player] != 0 or extra[other] > 1
                or (extra[other] == 1 and self.budget[other] != 1)):
            return None
        if self.R1.shape != (2, 2) or self.budget[other] != 0:
            if self.config is None:
                return None
            history = () if extra == (0, 0) else public_history(R1, R2, self.R1, self.R2, player,
                                                                 _has_atoms(self.laws[player]))
            if history is None:
                return None
            return _sampled_refine_values(self.config, player, history, model, int(n), int(seed), self.n_types)
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
        return values, errs, None

    def _sampled_strategy(self, R1: FloatArray, R2: FloatArray, player: int) -> FloatArray | None:
        """Play at the sampled-type Bayes-Nash equilibrium of the history read off the view (module docstring)."""
        history = public_history(R1, R2, self.R1, self.R2, player, _has_atoms(self.laws[player]))
        if history is None or self.config is None:
            return None
        solved = sampled_equilibrium(self.config, history, self.n_types)
        if solved is None:
            return None
        values = R1 @ solved.y_bar + solved.c0 if player == 0 else solved.x_bar @ R2 + solved.c1
        return solved.play(values, player, float(np.ptp(self.R1) + np.ptp(self.R2)), R1 if player == 0 else R2)


_REFINE_VALUES: dict[tuple[object, ...], tuple[FloatArray, FloatArray, float | None] | None] = {}


def _sampled_refine_values(config: RefineMatrixConfig, player: int, history: History, model: PerturbationModel,
                           n: int, seed: int, n_types: int) -> tuple[FloatArray, FloatArray, float | None] | None:
    """:meth:`PrivatePlay.refine_values` after ``history`` (the other's refinement, if any) from the sampled-type
    equilibrium of each continuation (cached): the player's types drawn from its belief ``model``, each
    best-responding in its view to the other's equilibrium play (the pool's value where its pool is best: the same,
    as the pool ties); not refining is worth its Bayes-Nash payoff where the other refined."""
    key = (config_key(config), player, history, model, n, seed, n_types)
    if key not in _REFINE_VALUES:
        laws = tuple(model if i == player else config.perturbation[i] for i in (0, 1))
        believed = dataclasses.replace(config, perturbation=laws)

        def best(after: History) -> FloatArray | None:
            """The player's best play value in each of its drawn views after ``after`` (None: not solved)."""
            solved = sampled_equilibrium(config, after, n_types)
            if solved is None:
                return None
            V0, _, V1, _ = type_games(believed, after, n, np.random.default_rng(seed))
            return ((V0 @ solved.y_bar + solved.c0) if player == 0
                    else np.einsum("a,lab->lb", solved.x_bar, V1) + solved.c1).max(axis=1)

        out: tuple[FloatArray, FloatArray, float | None] | None = None
        stop = None if not history else best(history)
        if not history or stop is not None:
            rows = [best(history + (((1 + k, 0),) if player == 0 else ((0, 1 + k),)))
                    for k in range(config.game.shape[player])]
            if all(r is not None for r in rows):
                out = (np.array([r.mean() for r in rows]),
                       np.array([r.std(ddof=1) / np.sqrt(len(r)) for r in rows]),
                       None if stop is None else float(stop.mean()))
        _REFINE_VALUES[key] = out
    return _REFINE_VALUES[key]


@lru_cache(maxsize=64)
def _has_atoms(law: PerturbationModel) -> bool:
    """Whether ``law`` has finitely many values of the refiner's own offsets."""
    return law.own_atoms(1) is not None


@lru_cache(maxsize=64)
def _splits(base: bytes, shape: tuple[int, int], split_row: bool, split_col: bool
            ) -> tuple[list[tuple[int | None, int | None]], FloatArray]:
    """Every way to copy one row (if ``split_row``) and one column (if ``split_col``) of the base matrix: the
    (row, column) pairs and the stacked results, in float32 (the precision of observations, which views come from)."""
    B = np.frombuffer(base).reshape(shape)
    pairs = [(k, c) for k in (range(shape[0]) if split_row else [None])
             for c in (range(shape[1]) if split_col else [None])]
    out = []
    for k, c in pairs:
        S = B if k is None else np.insert(B, k, B[k], axis=0)
        out.append(S if c is None else np.insert(S, c, S[:, c], axis=1))
    return pairs, np.stack(out).astype(np.float32)


def public_history(R1: FloatArray, R2: FloatArray, B1: FloatArray, B2: FloatArray, player: int,
                   atoms: bool = False) -> History | None:
    """The joint refine actions behind ``player``'s view ``(R1, R2)`` (canonical frame) of the base game
    ``(B1, B2)``, each player having split at most one action: in one's view the *other's* payoffs are the base game
    with the split actions copied (their offsets are hidden), and one's own offsets are copied across the other's
    two variants exactly when one's own refinement came first (or at the same step: player_0's applies first).
    ``atoms``: the player's law has atoms, so its offsets on the other's two variants can agree by chance and agreeing
    offsets no longer prove that its refinement came first; player_1 then assumes the same step (player_0 first),
    the order in which both refine at once, as player_0 does when its offsets agree. None where nothing fits."""
    extra = (R1.shape[0] - B1.shape[0], R1.shape[1] - B1.shape[1])
    if extra not in ((0, 1), (1, 0), (1, 1)):
        return None
    theirs, base = (R2, B2) if player == 0 else (R1, B1)
    pairs, splits = _splits(np.ascontiguousarray(base, dtype=np.float64).tobytes(), base.shape, bool(extra[0]),
                            bool(extra[1]))
    match = np.flatnonzero((splits == np.float32(theirs)).all(axis=(1, 2)))
    if match.size == 0:
        return None
    k, c = pairs[int(match[0])]
    if k is None:
        return ((0, 1 + c),)
    if c is None:
        return ((1 + k, 0),)
    mine_first = np.array_equal(R1[:, c], R1[:, c + 1]) if player == 0 else np.array_equal(R2[k], R2[k + 1])
    p0_first = mine_first if player == 0 else not mine_first or atoms
    return ((1 + k, 1 + c),) if p0_first else ((0, 1 + c), (1 + k, 0))


def type_games(config: RefineMatrixConfig, history: History, n_types: int, rng: np.random.Generator,
               atoms: bool = False) -> tuple[FloatArray, ...]:
    """The sampled Bayesian game of ``history``: ``(V0, X0, V1, X1)``, each (N, m, n) for N = ``n_types`` drawn
    types of each player (its true law, cross offsets at their conditional mean): player_0's view of R1 and what
    player_1's refinement adds to R1, player_1's view of R2 and what player_0's adds to R2; then
    ``R1(k, l) = V0[k] + X0[l]`` and ``R2(k, l) = V1[l] + X1[k]``. With ``atoms``, a refiner's types are instead
    every equally likely value of its law (:meth:`~vvl_env.model.perturbation.PerturbationModel.own_atoms`, budget
    1), repeated to fill the N copies. Replayed in chunks of ``REPLAY_COPIES``."""
    M, parts = config.max_actions, []
    for start in range(0, int(n_types), REPLAY_COPIES):
        N = min(REPLAY_COPIES, int(n_types) - start)
        draws = []
        for i, b in enumerate(config.budget):
            law = config.perturbation[i]
            if b == 0:
                draws.append((np.zeros((N, 0)), np.zeros((N, 0, 4, M)), np.zeros((N, 0))))
                continue
            every = law.own_atoms(M) if atoms else None
            if every is not None:
                out = every[(start + np.arange(N * b)) % every.q.size]
            else:
                out = law.sample(rng=rng, n_opposing=M, size=N * b)
            draws.append(private_draws(law, out, N, 0.0))
        core = MatrixCore(config, N)
        core.restart(np.arange(N), draws)
        for joint in history:
            core.step(np.broadcast_to(np.asarray(joint, dtype=np.int64), (N, 2)).copy())
        m, n = (int(v) for v in core.cnt[0])
        W = core.W[:, :, :, :m, :n]
        parts.append((W[:, 1, 0], W[:, 0, 0] - W[:, 1, 0], W[:, 2, 1], W[:, 0, 1] - W[:, 2, 1]))
    return tuple(np.concatenate(arrays) for arrays in zip(*parts))


_SOLVED: dict[tuple[object, ...], ContinuumPlay | AtomicPlay | None] = {}


def config_key(config: RefineMatrixConfig) -> tuple[object, ...]:
    """What the Bayes-Nash play depends on: the base game, the true laws, the budgets and the padding."""
    return (np.asarray(config.game.R1, float).tobytes(), np.asarray(config.game.R2, float).tobytes(),
            config.game.shape, config.perturbation, config.budget, config.max_actions)


def sampled_equilibrium(config: RefineMatrixConfig, history: History, n_types: int = SAMPLED_TYPES
                        ) -> ContinuumPlay | AtomicPlay | None:
    """The Bayes-Nash play after ``history`` (module docstring), cached; None if the sampled game's solver fails."""
    key = (config_key(config), history, n_types)
    if key in _SOLVED:
        return _SOLVED[key]
    refined = [any(a[i] > 0 for a in history) for i in (0, 1)]

    def games(n: int, seed: int) -> tuple[FloatArray, ...]:
        V0, X0, V1, X1 = type_games(config, history, n, np.random.default_rng(seed))
        K, L = (n if r else 1 for r in refined)
        return V0[:K], X0[:L], V1[:L], X1[:K]

    every = [config.perturbation[i].own_atoms(config.max_actions) if r else None for i, r in enumerate(refined)]
    counts = [1 if not r else 0 if a is None else a.q.size for r, a in zip(refined, every)]
    try:
        if all(counts):                                                     # finitely many types: all of them
            V0, X0, V1, X1 = type_games(config, history, max(counts), np.random.default_rng(TYPES_SEED), atoms=True)
            _SOLVED[key] = atomic_play(V0[:counts[0]], X0[:counts[1]], V1[:counts[1]], X1[:counts[0]],
                                       max_types=max(counts))
            return _SOLVED[key]
        big = games(CONTINUUM_TYPES, TYPES_SEED + 1)
        small = games(n_types, TYPES_SEED)
        sV0, sX0, sV1, sX1 = small
        atomic = atomic_play(*big)                   # types that repeat (e.g. sigma_own 0): their frequencies
        _SOLVED[key] = atomic if atomic is not None else continuum_play(
            *big, bayesian_equilibrium(sV0[:, None] + sX0[None, :], sV1[None, :] + sX1[:, None]), small)
    except RuntimeError:
        _SOLVED[key] = None
    return _SOLVED[key]


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
