"""Batched vertex enumeration of the best-response polytopes: all extreme Nash equilibria (model.md §2).

Algorithm (von Stengel, "Computing equilibria for two-person games", Handbook of Game Theory 3, 2002, §3; Avis,
Rosenberg, Savani and von Stengel, Economic Theory 42, 2010; Nisan et al. 2007, Alg. 3.5, as nashpy's
``vertex_enumeration``). Each row of R2 and each column of R1 is first shifted and scaled to ``[1, 2]``
(:func:`vvl_env.solve.polytope_walk.row_normalised`: the equilibria are unchanged up to rescaling the strategies, undone
at the end, so every best-response comparison keeps full relative precision). The best-response polytopes are
``P = {x >= 0 : B^T x <= 1}`` and ``Q = {y >= 0 : A y <= 1}``, with labels ``i`` for ``x_i = 0`` / ``(A y)_i = 1`` and
``m + j`` for ``(B^T x)_j = 1`` / ``y_j = 0``. A vertex of P is fixed by a basis: a support ``I`` and tight columns
``T`` with ``|I| = |T| = k`` and ``B[I, T]^T x_I = 1``. All ``C(m + n, m)`` bases are listed once per shape and the
linear systems solved for the whole batch at once (Cramer's rule up to k = 4, LAPACK for ill-conditioned 4 x 4
bases and beyond); infeasible and singular
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


Entries = list[list[FloatArray]]
"""A stack of k x k matrices as its entries: ``a[i][j]`` the array of entry (i, j) over the stack."""


def _cross(u: list[FloatArray], v: list[FloatArray]) -> list[FloatArray]:
    """The cross product ``u x v`` of two stacks of 3-vectors given by their components."""
    return [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]


def _left_sum(terms: list[FloatArray]) -> FloatArray:
    """``((t_0 + t_1) + t_2) + ...``: the order of numpy's reductions over a short axis, so sums agree bit for bit."""
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def _hadamard(a: Entries) -> FloatArray:
    """``prod_i ||row i||_2``, the Hadamard bound on ``|det|`` (``np.prod(np.linalg.norm(M, axis=-1), axis=-1)``,
    summed and multiplied in the same order)."""
    norms = [np.sqrt(_left_sum([x * x for x in row])) for row in a]
    out = norms[0]
    for x in norms[1:]:
        out = out * x
    return out


def _stacked(a: Entries, where: npt.NDArray[np.bool_] | slice = slice(None)) -> FloatArray:
    """The matrices ``(..., k, k)`` of the entries ``a`` (those selected by ``where``)."""
    return np.stack([np.stack([x[where] for x in row], axis=-1) for row in a], axis=-2)


def _cramer4(a: Entries, hadamard: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``M v = 1`` for a stack of 4 x 4 matrices (entries ``a``) by the adjugate from 2 x 2 minors (Laplace expansion
    along the first two rows): determinant and solution from one set of products, no LAPACK call per matrix."""
    s = [a[0][i] * a[1][j] - a[1][i] * a[0][j] for i, j in _PAIRS4]   # minors of rows 0, 1 (columns i < j)
    c = [a[2][i] * a[3][j] - a[3][i] * a[2][j] for i, j in _PAIRS4]   # minors of rows 2, 3
    det = s[0] * c[5] - s[1] * c[4] + s[2] * c[3] + s[3] * c[2] - s[4] * c[1] + s[5] * c[0]
    # row sums of the adjugate (adj M) 1, grouped by the complementary minors
    u = [a[1][1] - a[0][1], a[1][2] - a[0][2], a[1][3] - a[0][3], a[1][0] - a[0][0]]
    w = [a[3][1] - a[2][1], a[3][2] - a[2][2], a[3][3] - a[2][3], a[3][0] - a[2][0]]
    adj1 = np.stack([u[0] * c[5] - u[1] * c[4] + u[2] * c[3] + w[0] * s[5] - w[1] * s[4] + w[2] * s[3],
                     -u[3] * c[5] + u[1] * c[2] - u[2] * c[1] - w[3] * s[5] + w[1] * s[2] - w[2] * s[1],
                     u[3] * c[4] - u[0] * c[2] + u[2] * c[0] + w[3] * s[4] - w[0] * s[2] + w[2] * s[0],
                     -u[3] * c[3] + u[0] * c[1] - u[1] * c[0] - w[3] * s[3] + w[0] * s[1] - w[1] * s[0]])
    singular = det == 0
    v = np.where(singular, 1.0, adj1 / np.where(singular, 1.0, det))
    ratio = np.abs(det) / hadamard
    redo = ratio < _CRAMER_MIN_RATIO  # Cramer's rule is not backward stable: LAPACK where ill-conditioned
    if redo.any():
        sol, ratio[redo] = _lapack(_stacked(a, redo), hadamard[redo])
        v[:, redo] = sol.T
    return v, ratio


def _lapack(M: FloatArray, hadamard: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``M v = 1`` and the Hadamard ratio by LAPACK (det, then solve where nonsingular; v = 1 where singular)."""
    det = np.linalg.det(M)
    M = np.where((det != 0)[..., None, None], M, np.eye(M.shape[-1]))
    return np.linalg.solve(M, np.ones(M.shape[:-1] + (1,)))[..., 0], np.abs(det) / hadamard


_PAIRS4 = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
_CRAMER_MIN_RATIO = 1e-4
"""4 x 4 bases with a smaller Hadamard ratio are re-solved by LU with pivoting (the closed form loses about
``1 / ratio`` units of rounding)."""


def _solve_block(G: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Solve ``G^T v = 1`` for a stack of k x k matrices stored entries first, ``G[a, e, ...]`` (the stack's axes
    last and contiguous, so every step is one pass over long vectors); returns (v (k, ...), Hadamard ratio
    ``|det| / prod(row norms)`` of ``G^T``, in [0, 1]). An exactly singular matrix gives v = 1 and ratio 0. Closed
    forms up to k = 4 (Cramer's rule; LAPACK for ill-conditioned 4 x 4 bases), LAPACK beyond."""
    k = G.shape[0]
    a = [[G[j, i] for j in range(k)] for i in range(k)]  # a[i][j] = (G^T)[i, j]
    if k == 1:
        return 1.0 / G[:, 0], np.ones(G.shape[2:])
    if k > 4:
        M = np.moveaxis(G, (0, 1), (-1, -2))
        sol, ratio = _lapack(M, np.prod(np.linalg.norm(M, axis=-1), axis=-1))
        return np.moveaxis(sol, -1, 0), ratio
    hadamard = _hadamard(a)
    if k == 2:  # Cramer's rule, vectorised
        det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
        safe = np.where(det != 0, det, 1.0)
        return np.stack([(a[1][1] - a[0][1]) / safe, (a[0][0] - a[1][0]) / safe]), np.abs(det) / hadamard
    if k == 3:  # Cramer's rule: v_i = det(M with column i replaced by 1) / det(M), via cross products of rows
        c12, c20, c01 = _cross(a[1], a[2]), _cross(a[2], a[0]), _cross(a[0], a[1])
        det = _left_sum([x * y for x, y in zip(a[0], c12)])
        safe = np.where(det != 0, det, 1.0)
        return np.stack([(x + y + z) / safe for x, y, z in zip(c12, c20, c01)]), np.abs(det) / hadamard
    return _cramer4(a, hadamard)


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
    Mt = np.ascontiguousarray(np.moveaxis(M, 0, -1))  # (d, c, B): the batch last, so each entry is one vector
    for _, rows, cols in blocks:
        N = len(rows)
        G = Mt[rows.T[:, None], cols.T[None]]  # (k, k, N, B): G[a, e, t, b] = M[b, rows[t, a], cols[t, e]]
        sol, block_ratio = _solve_block(G)
        ratio[:, off:off + N] = block_ratio.T
        V[:, off + np.arange(N)[:, None], rows] = sol.T
        off += N
    slack = 1.0 - V @ M
    feasible = (ratio > 0) & _all_set(_flag_words(V, slack, np.greater_equal, -tol, pad=True))
    labels = _bit_masks(_flag_words(V, np.abs(slack), np.less_equal, tol, pad=False))
    return V, labels, feasible, ratio <= SINGULAR_TOL


_BYTE_ONES = np.uint64(0x0101010101010101)
"""A 64-bit word whose 8 bytes are each 1: eight true flags."""
_GATHER_BITS = np.uint64(0x0102040810204080)
"""``sum_j 2^(8 j + 7 - j)``: multiplying a word of 0/1 bytes ``b_i`` (at bits 8 i) by it puts ``b_i`` at bit 56 + i
(the partial products ``b_i 2^(8 (i + j) + 7 - j)`` fall on distinct bits, so nothing carries)."""


def _flag_words(left: FloatArray, right: FloatArray, test: np.ufunc, bound: float,
                pad: bool) -> npt.NDArray[np.uint64]:
    """The flags ``test(left, bound) ++ test(right, bound)`` of each row (last axes d and c) as bytes, padded with
    ``pad`` to W whole 64-bit words: (..., W) words, flag i in byte ``i % 8`` (little-endian) of word ``i // 8``."""
    d, c = left.shape[-1], right.shape[-1]
    W = -(-(d + c) // 8)
    flags = np.full(left.shape[:-1] + (8 * W,), pad, dtype=bool)
    test(left, bound, out=flags[..., :d])
    test(right, bound, out=flags[..., d:d + c])
    return flags.view("<u8")


def _all_set(words: npt.NDArray[np.uint64]) -> BoolArray:
    """Whether every flag of each row of :func:`_flag_words` (padded with true) holds: ``np.all`` over the flags."""
    out = words[..., 0] == _BYTE_ONES
    for w in range(1, words.shape[-1]):
        out &= words[..., w] == _BYTE_ONES
    return out


def _bit_masks(words: npt.NDArray[np.uint64]) -> IntArray:
    """``sum_i flag_i 2^i`` of each row of :func:`_flag_words` (padded with false, at most 63 flags), gathered 8 flags
    at a time by :data:`_GATHER_BITS`."""
    out = np.zeros(words.shape[:-1], dtype=np.int64)
    for w in range(words.shape[-1]):
        out |= ((words[..., w] * _GATHER_BITS) >> np.uint64(56)).astype(np.int64) << (8 * w)
    return out


def _compact(labels: IntArray, feasible: BoolArray, ill: BoolArray, d: int) -> tuple[
        IntArray, IntArray, BoolArray, BoolArray]:
    """The feasible vertices of each game, in basis order, padded to K per game: their basis indices (B, K), labels
    (B, K) and validity (B, K); points of bases singular to rounding are dropped in degenerate games, those with a
    well-conditioned vertex of more than d labels (also returned, (B,))."""
    b, t = np.nonzero(feasible)
    lab = labels[b, t]
    degenerate = np.zeros(len(feasible), dtype=bool)
    degenerate[b[~ill[b, t] & (np.bitwise_count(lab) > d)]] = True
    keep = ~(ill[b, t] & degenerate[b])
    b, t, lab = b[keep], t[keep], lab[keep]
    count = np.bincount(b, minlength=len(feasible))
    K = max(int(count.max(initial=0)), 1)
    pos = np.arange(len(b)) - (np.cumsum(count) - count)[b]
    index, compact, valid = np.zeros((len(feasible), K), np.int64), np.zeros((len(feasible), K), np.int64), \
        np.zeros((len(feasible), K), bool)
    index[b, pos], compact[b, pos], valid[b, pos] = t, lab, True
    return index, compact, valid, degenerate


def _enumerate_chunk(A: FloatArray, B: FloatArray, tol: float) -> tuple[IntArray, FloatArray, FloatArray,
                                                                          BoolArray]:
    Bn, m, n = A.shape
    Vx, *px = polytope_vertices(B, tol)
    Vy, *py = polytope_vertices(np.swapaxes(A, -1, -2), tol)
    tx, lx, fx, dx = _compact(*px, m)
    ty, ly, fy, dy = _compact(*py, n)
    degenerate = dx | dy
    ly = ((ly & ((1 << n) - 1)) << m) | (ly >> n)  # Q's local labels (y_j = 0 first) -> global numbering
    full = (1 << (m + n)) - 1
    match = ((lx[:, :, None] | ly[:, None, :]) == full) & fx[:, :, None] & fy[:, None, :]
    g, p, q = np.nonzero(match)
    x = Vx[g, tx[g, p]]
    y = Vy[g, ty[g, q]]
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
