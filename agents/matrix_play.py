"""NashConv of the whole play phase of ``refine_matrix_v0`` episodes with several rounds, for any pair of policies.

Once play starts, what an agent observes is fixed (payoff tables, status) except for the round and the cell played
in the round before, so its play is a Markov profile in the sense of :mod:`vvl_env.solve.repeated_play`. For each
episode this module builds every observation of that state space (round 0 with nothing played; each later round
after each cell of the realised game), asks each policy for its action probabilities in batched calls, and solves
the profile's values and best responses exactly in the true realised game
(:func:`vvl_env.solve.repeated_play.repeated_play_values`). With one round this is the stage NashConv the rollout
computes directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agents.policy import Policy, probabilities_batch
from vvl_env.envs.refine_matrix.layout import history_observations
from vvl_env.solve.bargaining_play import PlayValues
from vvl_env.solve.repeated_play import repeated_play_values

FloatArray = npt.NDArray[np.float64]
MAX_ROWS = 20_000
"""Policy rows per batch (episodes are grouped so that their play states stay under it)."""


def _states(m: int, n: int, rounds: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(rounds played, last cell (a0, a1)) of every play state of an m x n game: round 0, then each cell."""
    a, b = np.divmod(np.arange(m * n), n)
    later = rounds - 1
    played = np.concatenate([[0], np.repeat(np.arange(1, rounds), m * n)])
    last = np.concatenate([[[-1, -1]], np.stack([np.tile(a, later), np.tile(b, later)], axis=1)]).astype(np.int64)
    return played.astype(np.int64), last


def play_nash_conv(games: Sequence[Any], policies: Sequence[Policy], observations: Sequence[Sequence[Any]],
                   masks: Sequence[Sequence[np.ndarray]], public_seeds: Sequence[int], M: int,
                   rounds: int) -> PlayValues:
    """Values, best responses, NashConv (``.nash_conv``, ``.gains``) and the subgame-perfection gap
    (``.one_shot_gap``; where it sits: ``.one_shot_at``) of the play of ``policies`` (player_0, player_1) over ``rounds`` rounds in B episodes.

    ``games[e]`` is episode e's true realised game (``info["game"]``), ``observations[e][i]`` and ``masks[e][i]``
    agent i's first play observation (a dict with "observation", as the PettingZoo env gives it) and action mask,
    ``public_seeds[e]`` the seed policies that read one get (:mod:`agents.policy`), M the env's ``max_actions``.
    """
    B = len(games)
    per_episode = [1 + (rounds - 1) * g.shape[0] * g.shape[1] for g in games]
    parts, lo = [], 0
    while lo < B:
        hi, rows = lo + 1, per_episode[lo]
        while hi < B and rows + per_episode[hi] <= MAX_ROWS:
            rows += per_episode[hi]
            hi += 1
        parts.append(_solve(games[lo:hi], policies, observations[lo:hi], masks[lo:hi], public_seeds[lo:hi], M,
                            rounds))
        lo = hi
    return PlayValues.concatenate(parts)


def _solve(games: Sequence[Any], policies: Sequence[Policy], observations: Sequence[Sequence[Any]],
           masks: Sequence[Sequence[np.ndarray]], public_seeds: Sequence[int], M: int, rounds: int) -> PlayValues:
    B, S = len(games), 1 + M * M
    R = np.zeros((2, B, M, M))
    row_mask, col_mask = np.zeros((B, M), bool), np.zeros((B, M), bool)
    where: list[tuple[npt.NDArray[np.int64], ...]] = []   # (rounds played, state, last cell) of each row
    for e, g in enumerate(games):
        m, n = g.shape
        R[0, e, :m, :n], R[1, e, :m, :n] = g.R1, g.R2
        row_mask[e, :m], col_mask[e, :n] = True, True
        played, last = _states(m, n, rounds)
        state = np.where(played == 0, 0, 1 + np.maximum(last[:, 0], 0) * M + np.maximum(last[:, 1], 0))
        where.append((played, state, last))
    strategies = np.zeros((2, B, rounds, S, M))
    for i, policy in enumerate(policies):
        rows, row_masks, seeds = [], [], []
        for e, (played, _, last) in enumerate(where):
            obs = observations[e][i]
            flat = history_observations(obs["observation"], M, i, played, last)
            rows += [{**obs, "observation": o} for o in flat]
            row_masks.append(np.repeat(np.asarray(masks[e][i])[None], len(played), axis=0))
            seeds += [public_seeds[e]] * len(played)
        probs = probabilities_batch(policy, rows, np.concatenate(row_masks), public_seeds=seeds)[:, 1 + M:1 + 2 * M]
        total = probs.sum(axis=1, keepdims=True)
        probs = np.divide(probs, total, out=np.zeros_like(probs), where=total > 0)
        at = 0
        for e, (played, state, _) in enumerate(where):
            strategies[i, e, played, state] = probs[at:at + len(played)]
            at += len(played)
    return repeated_play_values(R[0], R[1], strategies[0], strategies[1], row_mask=row_mask, col_mask=col_mask)
