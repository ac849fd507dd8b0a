"""Lemke-Howson from one label for a batch of games of one shape, in lockstep, bit for bit as
:func:`vvl_env.solve.lemke_howson.lemke_howson` (model.md §2).

Why: the refine stage and the lookahead solve tens of thousands of small games per decision; under the rule
``lemke_howson:k`` each was one Python path (about 0.2 ms a game: 660,000 paths, 140 s, for the refine stage of
matching pennies). Here every game of the batch takes its next pivot in the same numpy step.

Exactness: each step repeats the scalar path's floating-point operations element for element, without reductions
that could reorder a sum: the tableaux of :class:`vvl_env.solve.lemke_howson._State` (same normalisation), the
lexicographic minimum-ratio test (the same divisions, and the same tie threshold ``v_min + 1e-11 max(1, |v_min|)``
column by column; once one candidate is left the later columns keep it, so running them all changes nothing), the
pivot ``T[r] /= T[r, e]``, ``T[i] -= T[i, e] T[r]`` and the end point's read-out and normalisation. A game whose path
meets a column without a positive entry, runs past ``steps`` pivots, or whose end point's decisive regret is not
clearly below ``tol`` (above ``tol / 2``: the batched regret differs from the scalar one by rounding, about 1e-16,
not by 5e-10) is handed to the scalar :func:`~vvl_env.solve.lemke_howson.lemke_howson` in full, with its label
fallback; so every game gets what the scalar function returns (tests compare them bit for bit, also on degenerate
games).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vvl_env.solve.lemke_howson import _EPS, MAX_PIVOTS, lemke_howson
from vvl_env.solve.polytope_walk import row_normalised
from vvl_env.solve.verify import decisive_regrets

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
TIE_RATIO = 1e-11
"""The scalar ratio test's tie threshold (relative, at least absolute)."""


def _tableaux(R1: FloatArray, R2: FloatArray) -> tuple[list[FloatArray], list[IntArray], FloatArray, FloatArray]:
    """The scalar path's starting tableaux per game: ``B^T x + s = 1`` (G, n, m + n + 1) and ``r + A y = 1``
    (G, m, m + n + 1), their bases (slack labels) and the row spans ``sx`` (G, m), ``sy`` (G, n) that undo the
    normalisation."""
    G, m, n = R1.shape
    B, sx = row_normalised(R2)
    At, sy = row_normalised(R1.transpose(0, 2, 1))
    tab0 = np.concatenate([B.transpose(0, 2, 1), np.broadcast_to(np.eye(n), (G, n, n)), np.ones((G, n, 1))], axis=2)
    tab1 = np.concatenate([np.broadcast_to(np.eye(m), (G, m, m)), At.transpose(0, 2, 1), np.ones((G, m, 1))], axis=2)
    bases = [np.tile(np.arange(m, m + n), (G, 1)), np.tile(np.arange(m), (G, 1))]
    return [tab0, tab1], bases, sx, sy


def _ratio_rows(T: FloatArray, entering: IntArray, lex: slice) -> IntArray:
    """The scalar lexicographic minimum-ratio row of each tableau ``T[g]`` (G, r, c) for its entering column
    ``entering[g]`` (-1 where the column has no entry above ``_EPS``): keys ``[rhs, lex columns] / column`` compared
    column by column, keeping the rows within the tie threshold of the smallest, then the first row left."""
    g = np.arange(len(T))
    col = T[g, :, entering]                                                  # (G, r)
    cand = col > _EPS
    safe = np.where(cand, col, 1.0)
    keys = np.concatenate([T[:, :, -1:], T[:, :, lex]], axis=2) / safe[:, :, None]
    for j in range(keys.shape[2]):
        v = np.where(cand, keys[:, :, j], np.inf)
        low = v.min(axis=1)
        cand &= v <= (low + TIE_RATIO * np.maximum(1.0, np.abs(low)))[:, None]
    return np.where(cand.any(axis=1), cand.argmax(axis=1), -1)


def _pivot(T: FloatArray, row: IntArray, entering: IntArray) -> FloatArray:
    """The tableaux after pivoting on ``(row[g], entering[g])`` in each ``T[g]``, as the scalar path does:
    ``T[r] /= T[r, e]``, then ``T[i] -= T[i, e] * T[r]`` for every other row i."""
    g = np.arange(len(T))
    top = T[g, row] / T[g, row, entering][:, None]                             # (G, c)
    out = T - T[g, :, entering][:, :, None] * top[:, None, :]
    out[g, row] = top
    return out


def _end_points(tabs: list[FloatArray], bases: list[IntArray], sx: FloatArray, sy: FloatArray,
                m: int) -> tuple[FloatArray, FloatArray]:
    """``(x, y)`` read off the final bases as :meth:`vvl_env.solve.lemke_howson._State.point` does: basic x and y
    values, clipped at 0, divided by the spans, normalised (zero vectors stay zero)."""
    G, n = len(sx), sy.shape[1]
    x, y = np.zeros((G, m)), np.zeros((G, n))
    g = np.arange(G)
    for r in range(bases[0].shape[1]):
        b = bases[0][:, r]
        at = b < m
        x[g[at], b[at]] = tabs[0][g[at], r, -1]
    for r in range(bases[1].shape[1]):
        b = bases[1][:, r]
        at = b >= m
        y[g[at], b[at] - m] = tabs[1][g[at], r, -1]
    x, y = np.clip(x, 0.0, None) / sx, np.clip(y, 0.0, None) / sy
    return x / np.maximum(x.sum(axis=1), 1e-300)[:, None], y / np.maximum(y.sum(axis=1), 1e-300)[:, None]


def _walk(R1: FloatArray, R2: FloatArray, label: int, steps: int
          ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Every game's path dropping ``label``, at most ``steps`` pivots: end points ``(x, y)`` and whether each
    path ended (the others: no positive entry in an entering column, or out of steps)."""
    G, m, n = R1.shape
    tabs, bases, sx, sy = _tableaux(R1, R2)
    lex = [slice(m, m + n), slice(0, m)]
    side = np.full(G, 0 if label < m else 1)
    entering = np.full(G, label)
    live, done = np.ones(G, bool), np.zeros(G, bool)
    for _ in range(steps):                                  # one pivot per live game and step
        for s, idx in enumerate([np.flatnonzero(live & (side == s)) for s in (0, 1)]):
            if idx.size == 0:
                continue
            T, e = tabs[s][idx], entering[idx]
            row = _ratio_rows(T, e, lex[s])
            stuck = row < 0
            live[idx[stuck]] = False
            idx, T, e, row = idx[~stuck], T[~stuck], e[~stuck], row[~stuck]
            tabs[s][idx] = _pivot(T, row, e)
            leaving = bases[s][idx, row]
            bases[s][idx, row] = e
            ended = leaving == label
            done[idx[ended]], live[idx[ended]] = True, False
            entering[idx], side[idx] = leaving, 1 - s
        if not live.any():
            break
    x, y = _end_points(tabs, bases, sx, sy, m)
    return x, y, done


def lemke_howson_batch(R1: FloatArray, R2: FloatArray, label: int = 0, *, max_pivots: int = MAX_PIVOTS,
                       tol: float = 1e-9, steps: int | None = None) -> tuple[FloatArray, FloatArray]:
    """``(x (G, m), y (G, n))``: for every game ``(R1[g], R2[g])`` of a batch of one shape, the profile of
    ``lemke_howson(R1[g], R2[g], label, max_pivots=max_pivots, tol=tol)``, bit for bit (module docstring).

    ``steps`` (default ``min(max_pivots, 4 (m + n) + 8)``) bounds the lockstep walk; paths still going then, and
    every game not clearly verified, are solved by the scalar function. Raises what it raises
    (:class:`~vvl_env.solve.lemke_howson.EquilibriumNotFoundError`).
    """
    R1, R2 = np.asarray(R1, dtype=np.float64), np.asarray(R2, dtype=np.float64)
    G, m, n = R1.shape
    if G == 0:
        return np.zeros((0, m)), np.zeros((0, n))
    bound = min(int(max_pivots), 4 * (m + n) + 8 if steps is None else int(steps))
    x, y, done = _walk(R1, R2, int(label), bound)
    with np.errstate(invalid="ignore"):
        clear = done & (decisive_regrets(R1, R2, x, y).max(axis=-1) <= tol / 2)
    for b in np.flatnonzero(~clear).tolist():
        path = lemke_howson(R1[b], R2[b], label, max_pivots=max_pivots, tol=tol)
        x[b], y[b] = path.x, path.y
    return x, y
