"""Fixed layouts of ``refine_matrix_v0``: the flat observation, and the lookup tables that let one numpy gather write
a whole block of observations, masks or refined payoff matrices (built once per configuration).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

REFINE, PLAY, DONE = 0, 1, 2
PHASES: tuple[str, ...] = ("refine", "play", "done")
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ObsLayout:
    """Sections of one agent's flat observation (own-first frame), after ``prefix`` leading entries.

    Sections that change together are adjacent, so a step writes few blocks: ``status`` (exists, phase, budget)
    changes on refinements and phase changes, ``last`` in play.
    """

    M: int
    prefix: int = 0

    def sections(self) -> dict[str, slice]:
        """Name -> slice of each section, in order, plus the groups "payoffs", "status" and "last"."""
        M, MM = self.M, self.M * self.M
        sizes = [("own_payoffs", MM), ("other_payoffs", MM), ("own_exists", M), ("other_exists", M),
                 ("phase", 3), ("budget", 2), ("own_last", M), ("other_last", M), ("round", 1), ("belief", 6)]
        out, at = {}, self.prefix
        for name, size in sizes:
            out[name] = slice(at, at + size)
            at += size
        out["payoffs"] = slice(out["own_payoffs"].start, out["other_payoffs"].stop)
        out["status"] = slice(out["own_exists"].start, out["budget"].stop)
        out["last"] = slice(out["own_last"].start, out["other_last"].stop)
        return out

    @property
    def size(self) -> int:
        return self.prefix + 2 * self.M * self.M + 4 * self.M + 12


def status_tables(M: int, base_counts: IntArray, budgets: IntArray) -> tuple[np.ndarray, np.ndarray]:
    """Status block (codes, 2, 2M + 5) and action mask (codes, 2, 1 + 2M) of each agent, by
    ``code = (r0 (budget_1 + 1) + r1) * 3 + phase`` where r_i is the number of refinements player i made."""
    ar, b0, b1 = np.arange(M), int(budgets[0]), int(budgets[1])
    eye = np.eye(3)
    status = np.zeros(((b0 + 1) * (b1 + 1) * 3, 2, 2 * M + 5), dtype=np.float32)
    masks = np.zeros((status.shape[0], 2, 1 + 2 * M), dtype=np.int8)
    for r0 in range(b0 + 1):
        for r1 in range(b1 + 1):
            cnt, bud = base_counts + (r0, r1), budgets - (r0, r1)
            for phase in (REFINE, PLAY, DONE):
                code = (r0 * (b1 + 1) + r1) * 3 + phase
                for i in (0, 1):
                    own, other = ar < cnt[i], ar < cnt[1 - i]
                    status[code, i] = np.concatenate([own, other, eye[phase], [bud[i], bud[1 - i]]])
                    masks[code, i] = np.concatenate([[phase == REFINE], own & (phase == REFINE) & (bud[i] > 0),
                                                     own & (phase == PLAY)])
    return status, masks


def last_table(M: int) -> np.ndarray:
    """Last-round one-hots (own, other) of each agent (codes, 2, 2M), by ``code = (a0 + 1)(M + 1) + a1 + 1``
    (an action of -1: none yet)."""
    onehot = np.vstack([np.zeros(M), np.eye(M)])
    out = np.zeros(((M + 1) ** 2, 2, 2 * M), dtype=np.float32)
    for l0 in range(M + 1):
        for l1 in range(M + 1):
            out[l0 * (M + 1) + l1, 0] = np.concatenate([onehot[l0], onehot[l1]])
            out[l0 * (M + 1) + l1, 1] = np.concatenate([onehot[l1], onehot[l0]])
    return out


def split_tables(M: int, layers: int, own_layers: tuple[tuple[int, ...], tuple[int, ...]],
                 ) -> tuple[IntArray, IntArray, IntArray]:
    """Flat index tables of a refinement inside one copy's payoff block W (layers, 2, M, M).

    Returns ``gather[p, k]`` (layers * 2 * M * M,): the source of every entry after player p splits its action k
    (variant 1 at k, variant 2 at k + 1, later actions shifted, the last padded one dropped); ``add[p, k]``
    (items, M): the entries that receive offsets; ``field[p]`` (items,): which offset each item gets (0 own1,
    1 own2, 2 other1, 3 other2). Player p's own payoffs move in ``own_layers[p]``, the other's in layer 0 only.
    """
    ar = np.arange(M)
    MM = M * M
    items = [[(layer, p, v, v) for layer in own_layers[p] for v in (0, 1)] + [(0, 1 - p, v, 2 + v) for v in (0, 1)]
             for p in (0, 1)]
    n_items = len(items[0])
    gather = np.zeros((2, M, layers * 2 * MM), dtype=np.int64)
    add = np.zeros((2, M, n_items, M), dtype=np.int64)
    field = np.array([[f for *_, f in items[p]] for p in (0, 1)], dtype=np.int64)
    block = (np.arange(layers * 2) * MM)[:, None, None]
    for k in range(M - 1):
        src = ar - (ar > k)
        gather[0, k] = (block + src[None, :, None] * M + ar[None, None, :]).ravel()    # rows
        gather[1, k] = (block + ar[None, :, None] * M + src[None, None, :]).ravel()    # columns
        for p in (0, 1):
            for t, (layer, mat, v, _) in enumerate(items[p]):
                start = (layer * 2 + mat) * MM
                add[p, k, t] = start + ((k + v) * M + ar if p == 0 else ar * M + (k + v))
    return gather, add, field


def history_observations(observation: np.ndarray, M: int, agent: int, rounds_played: IntArray, last: IntArray,
                         prefix: int = 0) -> np.ndarray:
    """Play observations (N, D) of ``agent`` (0 or 1) after ``rounds_played[t]`` rounds with ``last[t]`` = (a0, a1),
    the actions player_0 and player_1 took in the last round (-1: none yet), from one play ``observation`` (D,) of
    the same episode: what the env shows at those states (only the round and last-action sections differ; the payoff
    tables and status stay fixed during play)."""
    rounds_played, last = np.asarray(rounds_played, dtype=np.int64), np.asarray(last, dtype=np.int64)
    s = ObsLayout(M, prefix).sections()
    out = np.repeat(np.asarray(observation, dtype=np.float32)[None], len(rounds_played), axis=0)
    out[:, s["last"]] = last_table(M)[(last[:, 0] + 1) * (M + 1) + last[:, 1] + 1, agent]
    out[:, s["round"].start] = rounds_played
    return out
