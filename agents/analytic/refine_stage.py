"""The refine stage of ``refine_matrix_v0`` as a game, where both players may still refine (model.md §2, public
visibility).

Refine turns are simultaneous: each player passes or refines one own action; two passes end the phase, and a
player that passed while the other refined decides again on the refined game. The one-player lookahead
(:mod:`agents.analytic.matrix_value`) values a refinement as if the other never refined again, which is wrong exactly
where the other's refinement changes what one's own is worth (costs between the two values). Here each player's
first-turn options ``a_0`` in {pass, refine row k}, ``a_1`` in {pass, refine column l} get both players' expected
episode payoffs, net of costs (``e(G)``: the equilibrium payoffs of G under the selection rule, times ``rounds``):

* ``V(pass, pass) = e(G)``;
* ``V(k, l) = E[e(refine_1(refine_0(G, k), l))] - (c_0, c_1)`` (the env applies player 0's split first);
* ``V(k, pass) = E_G'[ the other's answer ] - (c_0, 0)`` with ``G' = refine_0(G, k)``: player 1 then refines its
  best column l iff ``E[e_1(refine_1(G', l))] - e_1(G') > c_1`` (one-step rule: it has one refinement in view), and
  both get the payoffs of what it does; ``V(pass, l)`` likewise.

Monte Carlo: ``n_outer`` draws of G' (common across k), each with ``n_inner`` draws of the answer of its own (nested:
the outer means are independent, so the standard error falls as ``1 / sqrt(n_outer)``; a crossed design, inner draws
shared by all outer draws, gave 2.5x the standard error for the same work); ``V(k, l)`` is read off the same draws as
``V(k, pass)``. The refine stage is played at an equilibrium of this (m + 1) x (n + 1) bimatrix game
(:func:`vvl_env.solve.equilibria.equilibria`, the welfare rule of ``selection``; the rules "all" and Lemke-Howson
pick the welfare-maximising one), possibly mixed. The values are estimates, and near-ties are common (matching
pennies: one player refines at once, the other waits, and either can be the one): among the equilibria whose
welfare is within two standard errors of the selected one's, the reference plays the one whose refine-or-pass
choices hold by the widest margin, so that noise does not choose (:func:`solve_stage`). Measured on matching pennies
(sigma 1, rho 0, cost 0.05; ``benchmarks/refine_stage_selection.py``, seeds 0-9): at the default 800 x 100 draws
all ten seeds pick "player_0 refines at once, player_1 waits" (player_1 gains about 0.015 by waiting, player_0 is
within the errors of indifferent in the other one), where the welfare rule alone picks it in four. Both players build
the same game from the public view, the common laws and the same seed, so they play the same equilibrium. Solved
where it is exact and cheap: the first turn of budgets (1, 1), where nothing has been refined yet
(:meth:`StageBeliefs.applies`); the game is the same in every episode, so it is solved once per process (cached; on 2
cores about 8 s for matching pennies and 40 s for rock-paper-scissors at the default 800 x 100 draws). Elsewhere
(larger budgets, base games of more than :data:`MAX_CELLS` cells) the agents keep the one-player lookahead, which
assumes the other refines no further.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from agents.analytic._common import LRUCache, array_key
from vvl_env.model.perturbation import PerturbationModel, RefinementOutcome
from vvl_env.model.refine import refine_arrays
from vvl_env.solve.equilibria import equilibria
from vvl_env.solve.equilibria_batch import equilibrium_payoffs
from vvl_env.solve.selection import SelectionRule

FloatArray = npt.NDArray[np.float64]
MAX_CELLS = 9
"""Largest base game (m x n cells) whose refine stage is solved: 3 x 3 takes about 40 s at 800 x 100 draws, a 4 x 4
game about 300 s (the work grows as ``m n (m + 1) (n + 1)``, and each solve with the size)."""


@dataclass(frozen=True, slots=True)
class StageBeliefs:
    """What both players take as common knowledge in the refine stage: each player's law of its own refinements
    (its belief: the true law under ``beliefs = "common"``), its mean cost per refinement, and the base game's
    shape (the stage game is solved where nothing has been refined yet)."""

    laws: tuple[PerturbationModel, PerturbationModel]
    costs: tuple[float, float]
    shape: tuple[int, int]
    draws: tuple[int, int] = (800, 100)
    """Monte Carlo sizes of the stage's values: outer draws of the first split x nested draws of the answer."""

    @classmethod
    def from_config(cls, config: Any) -> StageBeliefs:
        """From a :class:`~vvl_env.envs.refine_matrix.config.RefineMatrixConfig`."""
        laws = config.belief_models
        return cls((laws[0], laws[1]), (float(config.cost[0].mean), float(config.cost[1].mean)),
                   tuple(config.game.shape))

    def applies(self, shape: tuple[int, int], budget: int, other_budget: int) -> bool:
        """Whether a refine state is the one this module solves exactly: nothing refined yet (the base game's
        ``shape``), one refinement left to each player, and a base game of at most :data:`MAX_CELLS` cells."""
        return (tuple(shape) == self.shape and budget == 1 and other_budget == 1
                and shape[0] * shape[1] <= MAX_CELLS)


@dataclass(frozen=True, slots=True)
class StageGame:
    """The first-turn game: ``values[a0, a1, i]`` player i's expected episode payoff (index 0: pass, 1 + k: refine
    own action k), ``stderr`` of each, and the equilibrium ``x`` (player 0's mix over its options), ``y``."""

    values: FloatArray
    stderr: FloatArray
    x: FloatArray
    y: FloatArray

    def option_values(self, player: int) -> tuple[float, FloatArray, FloatArray]:
        """``player``'s values of passing and of refining each own action against the other's equilibrium mix,
        and the standard errors of the latter."""
        if player == 0:
            v, se = self.values[:, :, 0] @ self.y, np.sqrt((self.stderr[:, :, 0] ** 2) @ self.y ** 2)
        else:
            v, se = self.x @ self.values[:, :, 1], np.sqrt(self.x ** 2 @ self.stderr[:, :, 1] ** 2)
        return float(v[0]), v[1:], se[1:]

    def mix(self, player: int) -> FloatArray:
        """``player``'s equilibrium probabilities of (pass, refine own action 0, 1, ...)."""
        return self.x if player == 0 else self.y


def _payoffs(A1: FloatArray, A2: FloatArray, rounds: int, selection: str) -> FloatArray:
    """Both players' equilibrium payoffs (..., 2) of the games (..., m, n), times ``rounds``; each distinct game solved
    once (laws with atoms repeat games)."""
    lead, shape = A1.shape[:-2], A1.shape[-2:]
    flat = np.concatenate([A1.reshape(-1, shape[0] * shape[1]), A2.reshape(-1, shape[0] * shape[1])], axis=1)
    uniq, inverse = np.unique(flat, axis=0, return_inverse=True)
    size = shape[0] * shape[1]
    pay = equilibrium_payoffs(uniq[:, :size].reshape((-1,) + shape), uniq[:, size:].reshape((-1,) + shape),
                              selection)
    return rounds * pay[np.ravel(inverse)].reshape(lead + (2,))


def answer_values(G1: FloatArray, G2: FloatArray, mover: int, law: PerturbationModel, cost: float, *,
                  n_inner: int, rng: np.random.Generator, rounds: int, selection: str
                  ) -> tuple[FloatArray, FloatArray]:
    """When ``mover`` answers in each game ``(G1[b], G2[b])``: it refines its own action of largest expected gain (over
    ``n_inner`` draws of its own, independent across the games) once iff that gain exceeds ``cost`` (paying it), else
    the game is played as it is. Returns both players' payoffs per game and inner draw (B, n_inner, 2; constant over
    the draws where it does not refine) and the payoffs after refining each own action k (K, B, n_inner, 2; before its
    cost)."""
    B = G1.shape[0]
    now = _payoffs(G1, G2, rounds, selection)
    flat = law.sample(rng=rng, n_opposing=G1.shape[2 - mover], size=B * n_inner)
    outcome = RefinementOutcome(*(np.reshape(a, (B, n_inner) + np.shape(a)[1:])
                                  for a in (flat.q, flat.own1, flat.own2, flat.other1, flat.other2)))
    wide1 = np.broadcast_to(G1[:, None], (B, n_inner) + G1.shape[1:])
    wide2 = np.broadcast_to(G2[:, None], (B, n_inner) + G1.shape[1:])
    after = np.stack([_payoffs(*refine_arrays(wide1, wide2, mover, k, outcome), rounds, selection)
                      for k in range(G1.shape[1 + mover])])                      # (K, B, n_inner, 2)
    gains = after[:, :, :, mover].mean(axis=2) - now[:, mover]
    best = gains.argmax(axis=0)
    chosen = after[best, np.arange(B)].copy()
    chosen[:, :, mover] -= cost
    refines = gains[best, np.arange(B)] > cost
    return np.where(refines[:, None, None], chosen, np.broadcast_to(now[:, None], chosen.shape)), after


def _mean_and_stderr(pay: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean over outer draws x nested inner draws (B, n_inner, 2) and its standard error, ``sqrt(var(outer means) /
    B)`` (each outer draw has inner draws of its own, so the outer means are independent)."""
    return pay.mean(axis=(0, 1)), pay.mean(axis=1).std(axis=0, ddof=1) / np.sqrt(pay.shape[0])


def stage_values(R1: FloatArray, R2: FloatArray, laws: tuple[PerturbationModel, PerturbationModel],
                 costs: tuple[float, float], *, rounds: int = 1, selection: str = "max_welfare",
                 n_outer: int = 800, n_inner: int = 100, seed: int = 0) -> tuple[FloatArray, FloatArray]:
    """``(values, stderr)``, each (m + 1, n + 1, 2): the first-turn game of the module docstring. ``V(k, l)`` comes
    from the same draws as ``V(k, pass)`` (player 0's split, then player 1's as in the env), so player 1's choice
    between them is compared on common draws. Standard errors of the nested design (:func:`_mean_and_stderr`);
    they leave out the answer's decision error where its gain is within the inner estimate's error of its cost."""
    m, n_cols = R1.shape
    values, stderr = np.zeros((m + 1, n_cols + 1, 2)), np.zeros((m + 1, n_cols + 1, 2))
    values[0, 0] = _payoffs(R1[None], R2[None], rounds, selection)[0]
    cost = np.asarray(costs, dtype=np.float64)
    for first in (0, 1):
        outcome = laws[first].sample(rng=np.random.default_rng([seed, 2, first]), n_opposing=R1.shape[1 - first],
                                     size=n_outer)
        O1, O2 = np.broadcast_to(R1, (n_outer,) + R1.shape), np.broadcast_to(R2, (n_outer,) + R1.shape)
        for k in range(R1.shape[first]):
            G1, G2 = refine_arrays(O1, O2, first, k, outcome)
            pay, after = answer_values(G1, G2, 1 - first, laws[1 - first], float(cost[1 - first]), n_inner=n_inner,
                                       rng=np.random.default_rng([seed, 3, first]), rounds=rounds,
                                       selection=selection)
            pay[:, :, first] -= cost[first]
            at = (1 + k, 0) if first == 0 else (0, 1 + k)
            values[at], stderr[at] = _mean_and_stderr(pay)
            if first == 0:                                           # simultaneous splits: player 0's first
                for col in range(n_cols):
                    values[1 + k, 1 + col], stderr[1 + k, 1 + col] = _mean_and_stderr(after[col] - cost)
    return values, stderr


def _kind_margin(v: FloatArray, mix: FloatArray) -> float:
    """How clearly a player's mix picks its kind of option (pass, or refine some action) against the other's mix:
    its value minus the best value of the other kind (option values ``v``: pass first); 0 where it mixes kinds."""
    kinds, used = (float(v[0]), float(v[1:].max())), (mix[0] > 1e-9, mix[1:].sum() > 1e-9)
    if all(used):
        return 0.0
    return kinds[0] - kinds[1] if used[0] else kinds[1] - kinds[0]


def solve_stage(values: FloatArray, selection: str = "max_welfare", stderr: FloatArray | None = None
                ) -> tuple[FloatArray, FloatArray]:
    """An equilibrium ``(x, y)`` of the first-turn game ``values``: the welfare rule of ``selection`` (the rules
    "all" and Lemke-Howson take the welfare-maximising one). With the values' standard errors ``stderr``, the
    equilibria whose welfare the estimates cannot tell from the best (within two standard errors of the
    difference) are all candidates, and the reference plays the one whose refine-or-pass choices hold by the widest
    margin (:func:`_kind_margin`, the smaller of the two players'): the equilibrium the estimates support most
    clearly, so that Monte Carlo noise does not pick between near-ties (module docstring)."""
    kind = SelectionRule.parse(selection).kind
    sign = -1.0 if kind == "min_welfare" else 1.0
    eqs = equilibria((values[:, :, 0], values[:, :, 1]))
    xs = [np.clip(x, 0.0, None) / np.clip(x, 0.0, None).sum() for x in eqs.xs]
    ys = [np.clip(y, 0.0, None) / np.clip(y, 0.0, None).sum() for y in eqs.ys]
    welfare = np.array([sign * (x @ (values[:, :, 0] + values[:, :, 1]) @ y) for x, y in zip(xs, ys)])
    best = int(welfare.argmax())
    if stderr is None:
        return xs[best], ys[best]
    var = stderr[:, :, 0] ** 2 + stderr[:, :, 1] ** 2
    se = np.array([np.sqrt((x ** 2) @ var @ (y ** 2)) for x, y in zip(xs, ys)])
    tied = welfare >= welfare[best] - 2.0 * np.sqrt(se ** 2 + se[best] ** 2)
    margins = np.array([min(_kind_margin(values[:, :, 0] @ y, x), _kind_margin(x @ values[:, :, 1], y))
                        for x, y in zip(xs, ys)])
    pick = max(np.flatnonzero(tied), key=lambda e: (margins[e], welfare[e]))
    return xs[pick], ys[pick]


_STAGES = LRUCache(256)  # shared by both players: they build the same game


def refine_stage(R1: FloatArray, R2: FloatArray, laws: tuple[PerturbationModel, PerturbationModel],
                 costs: tuple[float, float], *, rounds: int = 1, selection: str = "max_welfare",
                 n_outer: int = 800, n_inner: int = 100, seed: int = 0) -> StageGame:
    """The first-turn game of ``(R1, R2)`` (canonical frame) and the equilibrium both players play (cached)."""
    key = (tuple(laws), tuple(float(c) for c in costs), int(rounds), selection, int(n_outer), int(n_inner),
           int(seed)) + array_key(R1, R2)

    def solve() -> StageGame:
        values, stderr = stage_values(R1, R2, laws, costs, rounds=rounds, selection=selection, n_outer=n_outer,
                                      n_inner=n_inner, seed=seed)
        x, y = solve_stage(values, selection, stderr)
        return StageGame(values, stderr, x, y)

    return _STAGES.get(key, solve)
