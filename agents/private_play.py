"""Interim (Bayes-Nash) NashConv of play in ``refine_matrix_v0`` under ``visibility = "own"`` (model.md §4).

Under "own" each player sees the offsets of its own payoffs from its own refinements and nothing of the other's: its
*type*. A player that did not see the realised game cannot best-respond to it, so NashConv in the true realised game
(the full-information yardstick of public visibility) is positive even at a Bayes-Nash equilibrium. The yardstick
here is player i's *interim* best-response gain at what it saw, its play observation ``o_i``:

    g_i(o_i) = max_a E[(R_i y_j(o_j))_a | o_i]  -  E[x_i(o_i) R_i y_j(o_j) | o_i],

the expectation over what i does not see: the other player j's refinement draws (its own offsets, which set j's
observation ``o_j`` and so j's play ``y_j``, and its cross offsets, which move i's true payoffs ``R_i`` on j's
variants). ``g_0 + g_1`` is 0 at a Bayes-Nash equilibrium of play and, averaged over episodes, is the ex-ante
NashConv of the Bayesian play game. Where j did not refine, i saw its true payoffs and ``g_i`` is the ordinary
best-response gain.

Estimation (Monte Carlo, ``types`` draws per episode and player): the episode is replayed in a
:class:`~vvl_env.envs.refine_matrix.core.MatrixCore` of ``types`` copies with the episode's own draws for i
(its base game, its own refinements, every cost) and fresh draws for j from j's *true* law
(``config.perturbation[j]``), stepping the episode's recorded refine actions; the env's own code applies every
refinement (order, alignment, padding). j's cross offsets (those of i's payoffs) enter at their conditional mean
given j's own, ``rho sigma_other / sigma_own (own - bias)`` (:func:`vvl_env.solve.bayes_nash.expected_other_offsets`):
i's payoffs are linear in them and nobody sees them, so the expectation is unchanged and their noise is gone. Where
j refined before one of its later refine decisions, that decision tells i something about j's type: each copy is
weighted by the probability j's policy gives the recorded action there (the posterior over j's type given what i
saw). Error: each expectation is a weighted mean over ``types``
draws, and the maximum over actions of noisy means (the plug-in ``max_a Q(a)``) is biased upward: ``E[max_a Qhat(a)]
>= max_a Q(a)`` (Jensen), by about ``sd(Qhat(a) - Qhat(b)) / sqrt(2 pi)`` where two actions tie, which they do at a
Bayes-Nash equilibrium where a player mixes (0.018 per episode in matching pennies with one private refinement and
2,048 draws). The cross-fitted (double) estimate splits the draws into halves A and B (even and
odd), lets each pick its best action and the other value it, ``(Q_B(argmax Q_A) + Q_A(argmax Q_B)) / 2``; its mean
``sum_a P(pick a) Q(a)`` is at most ``max_a Q(a)``: exact where the best action is clear or where actions tie, below
it by the expected loss of a wrong pick between near-tied actions (a pure play at a near-tie reads a negative gain).
So the two bracket the true gain in expectation: at the analytic agents' Bayes-Nash play of matching pennies with
one private refinement 0.018 / 0.001 (+- 0.002), with mutual refinements at cost 0.05 0.004 / -0.012 (+- 0.002,
200 episodes). ``evaluate`` reports both (``nash_conv``, ``nash_conv_lower``). Cost: ``types`` observations of the
other's policy per episode and player (one batched call; the analytic agents best-respond in each view to their
solved Bayes-Nash summaries, tens of microseconds a view, or, where that equilibrium is not covered, solve each
view's own equilibrium, about 1 ms where both players refined: their views are degenerate games). Defined for
``rounds = 1`` (with more rounds the play itself reveals types, a game this estimator does not cover).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agents.policy import Policy, probabilities_batch
from vvl_env.envs.refine_matrix.config import RefineMatrixConfig
from vvl_env.envs.refine_matrix.core import MatrixCore
from vvl_env.model.perturbation import PerturbationModel, RefinementOutcome
from vvl_env.solve.bayes_nash import expected_other_offsets

FloatArray = npt.NDArray[np.float64]
TYPES = 2048
"""Draws of the other player's refinements per episode and player (module docstring: error)."""
REPLAY_BYTES = 256 << 20
"""Memory of one replay core; more draws are replayed in chunks of that size."""


def defined(config: RefineMatrixConfig) -> bool:
    """Whether the interim NashConv is the yardstick: visibility "own" and one round of play."""
    return config.visibility == "own" and config.rounds == 1


def interim_gains(config: RefineMatrixConfig, policies: Sequence[Policy], seeds: Sequence[int],
                  refine_actions: Sequence[Sequence[tuple[int, int]]], play_probabilities: Sequence[Sequence[Any]],
                  *, types: int = TYPES, seed: int = 0) -> FloatArray:
    """``g_i`` (B, 2) of B episodes, the plug-in estimate (biased up; with the cross-fitted one, biased down:
    :func:`interim_gain_bounds`)."""
    return interim_gain_bounds(config, policies, seeds, refine_actions, play_probabilities, types=types,
                               seed=seed)[0]


def interim_gain_bounds(config: RefineMatrixConfig, policies: Sequence[Policy], seeds: Sequence[int],
                        refine_actions: Sequence[Sequence[tuple[int, int]]],
                        play_probabilities: Sequence[Sequence[Any]], *, types: int = TYPES,
                        seed: int = 0) -> tuple[FloatArray, FloatArray]:
    """The plug-in and the cross-fitted ``g_i``, (B, 2) each, from one replay (module docstring).

    Parameters
    ----------
    config : the env's configuration (visibility "own", rounds 1).
    policies : (player_0, player_1).
    seeds : each episode's reset seed (also the public seed of policies that read one).
    refine_actions : each episode's joint actions (player_0, player_1) of its refine phase, in order.
    play_probabilities : each episode's two action-probability vectors at its play step (the whole action space).
    types : draws of the other player's refinements per episode and player.
    seed : the draws' seed (an episode of reset seed s, player i: ``default_rng([seed, s, i])``, so an episode's
        estimate does not depend on the others in the call).
    """
    if not defined(config):
        raise ValueError(f"visibility, rounds: the interim NashConv needs visibility 'own' and rounds 1, got "
                         f"{config.visibility!r} and {config.rounds}")
    if not len(seeds) == len(refine_actions) == len(play_probabilities):
        raise ValueError(f"seeds, refine_actions, play_probabilities: one per episode, got {len(seeds)}, "
                         f"{len(refine_actions)} and {len(play_probabilities)}")
    if isinstance(types, bool) or not isinstance(types, (int, np.integer)) or types < 1:
        raise ValueError(f"types: must be an integer >= 1, got {types!r}")
    M, budget = config.max_actions, config.budget
    chunk = max(1, min(int(types), REPLAY_BYTES // MatrixCore.bytes_per_copy(config)))
    one, many = MatrixCore(config, 1), MatrixCore(config, chunk)
    out, low = np.zeros((len(seeds), 2)), np.zeros((len(seeds), 2))
    for e, (reset_seed, actions) in enumerate(zip(seeds, refine_actions)):
        one.reset(np.array([0]), [int(reset_seed)])
        actual = one.episode_draws(0)
        joint = np.asarray(actions, dtype=np.int64).reshape(-1, 2)
        refines = (joint >= 1) & (joint <= M)
        for i in (0, 1):
            j, public = 1 - i, int(reset_seed)
            if not refines[:, j].any():                 # nothing hidden from i: one replay, its own draws
                one.restart(np.array([0]), actual)
                weight = _replay(one, joint, refines, policies[j], j, public)
                total, weights = weight @ _values(one, i, policies[j], public), float(weight.sum())
                halves = None
            else:
                rng, drawn, total, weights = np.random.default_rng([seed, public, i]), 0, 0.0, 0.0
                halves = [[0.0, 0.0], [0.0, 0.0]]       # (weighted sum of Q, sum of weights) of even / odd draws
                for _ in range(-(-int(types) // chunk)):
                    many.restart(np.arange(chunk), _redrawn(config, actual, j, chunk, rng))
                    weight = _replay(many, joint, refines, policies[j], j, public)
                    values = _values(many, i, policies[j], public)
                    total = total + weight @ values         # summed as before the halves existed: the
                    weights += float(weight.sum())          # plug-in estimate keeps its bits
                    for h, half in enumerate(halves):
                        rows = slice((h + drawn) % 2, None, 2)
                        half[0] = half[0] + weight[rows] @ values[rows]
                        half[1] += float(weight[rows].sum())
                    drawn += chunk
            x = np.asarray(play_probabilities[e][i], dtype=np.float64)[1 + M:1 + M + np.size(total)]
            if weights <= 0 or x.sum() <= 0:            # no draw explains j's actions, or no play probabilities
                out[e, i] = low[e, i] = np.nan
                continue
            Q = total / weights
            out[e, i] = float(Q.max() - x @ Q / x.sum())
            low[e, i] = float(_best_value(Q, halves) - x @ Q / x.sum())
    return out, low


def _best_value(Q: FloatArray, halves: list[list[Any]] | None) -> float:
    """``max_a Q(a)``: the plug-in maximum (exact without hidden draws, ``halves`` None); else the cross-fitted
    (double) estimate ``(Q_B(argmax Q_A) + Q_A(argmax Q_B)) / 2`` of the two halves of the draws (module docstring),
    or the plug-in maximum where a half has no weight."""
    if halves is None or min(half[1] for half in halves) <= 0:
        return float(Q.max())
    qa, qb = (half[0] / half[1] for half in halves)
    return 0.5 * float(qb[np.argmax(qa)] + qa[np.argmax(qb)])


def private_draws(law: PerturbationModel, outcome: RefinementOutcome, copies: int, costs: npt.ArrayLike
                  ) -> tuple[np.ndarray, ...]:
    """One player's refinement draws for ``copies`` copies of :meth:`MatrixCore.restart`, ``(q, offsets, costs)``,
    from ``copies * b`` outcomes of its law: its own offsets as drawn, the cross offsets (the other's payoffs) at
    their conditional mean given them (module docstring); ``costs`` broadcast to (copies, b)."""
    b = outcome.q.size // copies
    off = np.stack([outcome.own1, outcome.own2, *expected_other_offsets(law, outcome)], axis=1)
    return (np.reshape(outcome.q, (copies, b)), off.reshape(copies, b, 4, -1), np.broadcast_to(costs, (copies, b)))


def _redrawn(config: RefineMatrixConfig, actual: list[tuple[np.ndarray, ...]], j: int, copies: int,
             rng: np.random.Generator) -> list[tuple[np.ndarray, ...]]:
    """The episode's draws in ``copies`` copies, with player j's refinements drawn afresh (cross offsets at their
    conditional mean, module docstring)."""
    law = config.perturbation[j]
    fresh = law.sample(rng=rng, n_opposing=config.max_actions, size=copies * config.budget[j])
    draws = [tuple(np.broadcast_to(a, (copies, *a.shape)) for a in actual[k]) for k in (0, 1)]
    draws[j] = private_draws(law, fresh, copies, actual[j][2])
    return draws


def _rows(core: MatrixCore, j: int) -> tuple[list[dict[str, np.ndarray]], np.ndarray]:
    masks = core.mask[:, j].copy()
    return [{"observation": o, "action_mask": m} for o, m in zip(core.obs[:, j].copy(), masks)], masks


def _replay(core: MatrixCore, joint: np.ndarray, refines: np.ndarray, policy: Policy, j: int, public: int
            ) -> FloatArray:
    """Step every copy through the recorded refine actions; the weight of each copy: the probability of j's
    recorded actions at its decisions after its first refinement (its type known to it)."""
    weight = np.ones(core.B)
    for t, act in enumerate(joint):
        if refines[:t, j].any():
            rows, masks = _rows(core, j)
            weight *= probabilities_batch(policy, rows, masks, [public] * core.B)[:, act[j]]
        core.step(np.broadcast_to(act, (core.B, 2)).copy())
    return weight


def _values(core: MatrixCore, i: int, other: Policy, public: int) -> FloatArray:
    """(copies, k): player i's true payoff of each of its k actions against j's play, in each copy."""
    M = core.M
    m, n = (int(c) for c in core.cnt[0])
    rows, masks = _rows(core, 1 - i)
    y = probabilities_batch(other, rows, masks, [public] * core.B)[:, 1 + M:1 + M + (n if i == 0 else m)]
    y = y / np.maximum(y.sum(axis=1, keepdims=True), 1e-300)
    truth = core.W[:, 0, i, :m, :n]
    return np.einsum("cab,cb->ca", truth, y) if i == 0 else np.einsum("ca,cab->cb", y, truth)
