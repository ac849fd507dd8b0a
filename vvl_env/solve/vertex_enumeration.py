"""Batched vertex enumeration of the best-response polytopes: all extreme Nash equilibria (model.md §2).

Algorithm (von Stengel, "Computing equilibria for two-person games", Handbook of Game Theory 3, 2002, §3; Avis,
Rosenberg, Savani and von Stengel, Economic Theory 42, 2010; Nisan et al. 2007, Alg. 3.5, as nashpy's
``vertex_enumeration``). Each row of R2 and each column of R1 is first shifted and scaled to ``[1, 2]``
(:func:`vvl_env.solve.polytope_walk.row_normalised`: the equilibria are unchanged up to rescaling the strategies, undone
at the end, so every best-response comparison keeps full relative precision). The best-response polytopes are
``P = {x >= 0 : B^T x <= 1}`` and ``Q = {y >= 0 : A y <= 1}``, with labels ``i`` for ``x_i = 0`` / ``(A y)_i = 1`` and
``m + j`` for ``(B^T x)_j = 1`` / ``y_j = 0``. A vertex of P is fixed by a basis: a support ``I`` and tight columns
``T`` with ``|I| = |T| = k`` and ``B[I, T]^T x_I = 1``. All ``C(m + n, m)`` bases are listed once per shape and the
linear systems solved for the whole batch at once (Cramer's rule up to k = 3, LAPACK beyond); infeasible and singular
bases are masked. Completely labelled vertex pairs ``(x, y) != (0, 0)``, normalised to sum 1, are the extreme
equilibria. This suits batches of small games; one large game is better served by walking the feasible bases only
(:mod:`vvl_env.solve.walk_equilibria`).

Exactness: exact up to floating point (labels at tolerance ``LABEL_TOL`` on the normalised payoffs; a basis that is
singular to rounding, by the scale-free test ``SINGULAR_TOL``, is trusted only in nondegenerate games). Practical
size: batches of 10^4 games up to 4 x 4 in well under a second.
Degenerate input: a vertex with more labels than its dimension flags the game degenerate; the same vertex may then
come from several bases, so callers deduplicate (see :mod:`vvl_env.solve.components`).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np
import numpy.typing as npt

from vvl_env.solve.polytope_walk import row_normalised

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

LABEL_TOL = 1e-9
"""Tolerance on payoffs normalised to [1, 2] for a constraint to count as tight (a label) or violated."""
SINGULAR_TOL = 1e-14
"""A basis is singular to rounding when ``|det| / prod(row norms)`` (Hadamard ratio, in [0, 1], invariant under scaling
any row) is at most this (about 50 units of rounding). Such bases are not dropped: in a nondegenerate game their
points are kept when feasible (von Stengel's 6 x 6 game with 75 equilibria has a valid one at 1e-16), in a degenerate
one dropped (a singular basis may then describe a face, not a vertex)."""
_CHUNK = 100_000
"""Bases x games solved per chunk, to bound memory."""


def n_bases(m: int, n: int) -> int:
    """Number of bases of the polytope P of an m x n game: ``C(m + n, m)`` (the work of one enumeration)."""
    return comb(m + n, m)


@lru_cache(maxsize=64)
def _bases(d: int, c: int) -> tuple[tuple[int, IntArray, IntArray], ...]:
    """Per k = 1..min(d, c): all (support I, tight constraints T) index pairs, arrays of shape (N_k, k)."""
    out = []
    for k in range(1, min(d, c) + 1):
        rows = np.array(list(combinations(range(d), k)), dtype=np.int64)
        cols = np.array(list(combinations(range(c), k)), dtype=np.int64)
        out.append((k, np.repeat(rows, len(cols), axis=0), np.tile(cols, (len(rows), 1))))
    return tuple(out)


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross product over the last axis (np.cross without its axis bookkeeping)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def _solve_block(G: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Solve ``G^T v = 1`` for a stack of k x k matrices G (..., k, k); returns (v, Hadamard ratio
    ``|det| / prod(row norms)`` in [0, 1]). An exactly singular matrix gives v = 1 and ratio 0."""
    k = G.shape[-1]
    if k == 1:
        return 1.0 / G[..., 0], np.ones(G.shape[:-2])
    M = np.swapaxes(G, -1, -2)
    hadamard = np.prod(np.linalg.norm(M, axis=-1), axis=-1)
    if k == 2:  # Cramer's rule, vectorised
        a, b, c, d = M[..., 0, 0], M[..., 0, 1], M[..., 1, 0], M[..., 1, 1]
        det = a * d - b * c
        safe = np.where(det != 0, det, 1.0)
        return np.stack([(d - b) / safe, (a - c) / safe], axis=-1), np.abs(det) / hadamard
    if k == 3:  # Cramer's rule: v_i = det(M with column i replaced by 1) / det(M), via cross products of rows
        r0, r1, r2 = M[..., 0, :], M[..., 1, :], M[..., 2, :]
        c12, c20, c01 = _cross(r1, r2), _cross(r2, r0), _cross(r0, r1)
        det = np.einsum("...i,...i->...", r0, c12)
        return (c12 + c20 + c01) / np.where(det != 0, det, 1.0)[..., None], np.abs(det) / hadamard
    det = np.linalg.det(M)
    M = np.where((det != 0)[..., None, None], M, np.eye(k))
    return np.linalg.solve(M, np.ones(M.shape[:-1] + (1,)))[..., 0], np.abs(det) / hadamard


def polytope_vertices(M: FloatArray, tol: float = LABEL_TOL) -> tuple[FloatArray, IntArray, BoolArray, BoolArray]:
    """All vertices ``v != 0`` of ``{v >= 0 : M^T v <= 1}`` for a batch of positive matrices M (B, d, c).

    Returns ``V`` (B, N, d) basic solutions, ``labels`` (B, N) bit masks (bit ``i < d``: ``v_i = 0``; bit ``d + j``:
    ``(M^T v)_j = 1``), ``feasible`` (B, N): the point lies in the polytope, and ``ill`` (B, N): the basis is
    singular to rounding (Hadamard ratio at most ``SINGULAR_TOL``), its point to be trusted only in a nondegenerate
    game (where d tight facets of a simple polytope meet in a vertex or not at all).
    """
    B, d, c = M.shape
    blocks = _bases(d, c)
    total = sum(len(rows) for _, rows, _ in blocks)
    V = np.zeros((B, total, d))
    ratio = np.zeros((B, total))
    off = 0
    for _, rows, cols in blocks:
        N = len(rows)
        G = M[:, rows[:, :, None], cols[:, None, :]]  # (B, N, k, k): G[b, t, a, e] = M[b, rows[t, a], cols[t, e]]
        sol, ratio[:, off:off + N] = _solve_block(G)
        V[:, off + np.arange(N)[:, None], rows] = sol
        off += N
    slack = 1.0 - V @ M
    feasible = (ratio > 0) & np.all(V >= -tol, axis=-1) & np.all(slack >= -tol, axis=-1)
    bits = np.concatenate([V <= tol, np.abs(slack) <= tol], axis=-1)
    labels = bits.astype(np.int64) @ (np.int64(1) << np.arange(d + c, dtype=np.int64))
    return V, labels, feasible, ratio <= SINGULAR_TOL


def _compact(V: FloatArray, labels: IntArray, feasible: BoolArray, ill: BoolArray, d: int) -> tuple[
        FloatArray, IntArray, BoolArray, BoolArray]:
    """Drop ill-conditioned points of degenerate games; move the feasible vertices of each game to the front and drop
    the columns no game needs. Also returns whether a well-conditioned vertex has more than d labels (degenerate)."""
    degenerate = np.any(feasible & ~ill & (np.bitwise_count(labels) > d), axis=1)
    feasible = feasible & ~(ill & degenerate[:, None])
    K = max(int(feasible.sum(axis=1).max(initial=0)), 1)
    order = np.argsort(~feasible, axis=1, kind="stable")[:, :K]
    return (np.take_along_axis(V, order[:, :, None], axis=1), np.take_along_axis(labels, order, axis=1),
            np.take_along_axis(feasible, order, axis=1), degenerate)


def _enumerate_chunk(A: FloatArray, B: FloatArray, tol: float) -> tuple[IntArray, FloatArray, FloatArray,
                                                                          BoolArray]:
    Bn, m, n = A.shape
    Vx, lx, fx, dx = _compact(*polytope_vertices(B, tol), m)
    Vy, ly, fy, dy = _compact(*polytope_vertices(np.swapaxes(A, -1, -2), tol), n)
    degenerate = dx | dy
    ly = ((ly & ((1 << n) - 1)) << m) | (ly >> n)  # Q's local labels (y_j = 0 first) -> global numbering
    full = (1 << (m + n)) - 1
    match = ((lx[:, :, None] | ly[:, None, :]) == full) & fx[:, :, None] & fy[:, None, :]
    g, p, q = np.nonzero(match)
    x = Vx[g, p]
    y = Vy[g, q]
    return g, x / x.sum(axis=1, keepdims=True), y / y.sum(axis=1, keepdims=True), degenerate


def extreme_equilibria(R1: FloatArray, R2: FloatArray, tol: float = LABEL_TOL) -> tuple[IntArray, FloatArray,
                                                                                            FloatArray, BoolArray]:
    """Extreme equilibria of a batch of games ``(R1, R2)`` (G, m, n), payoffs of any magnitude.

    Returns ``game`` (K,) the game index of each equilibrium (sorted), ``x`` (K, m), ``y`` (K, n), and
    ``degenerate`` (G,). In degenerate games an equilibrium may be listed more than once.
    """
    G, m, n = R1.shape
    B, sx = row_normalised(R2)
    At, sy = row_normalised(np.swapaxes(R1, -1, -2))
    step = max(1, _CHUNK // n_bases(m, n))
    parts = [_enumerate_chunk(np.swapaxes(At[s:s + step], -1, -2), B[s:s + step], tol) for s in range(0, G, step)]
    g = np.concatenate([p[0] + s for p, s in zip(parts, range(0, G, step))])
    x = np.concatenate([p[1] for p in parts]) / sx[g]
    y = np.concatenate([p[2] for p in parts]) / sy[g]
    return (g, x / x.sum(axis=1, keepdims=True), y / y.sum(axis=1, keepdims=True),
            np.concatenate([p[3] for p in parts]))
