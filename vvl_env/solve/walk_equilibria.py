"""All extreme equilibria of one game: vertices of both best-response polytopes by a pivoting walk, matched by labels
and certified exactly (model.md §2).

Algorithm (von Stengel 2002, §3; Avis, Rosenberg, Savani and von Stengel 2010): the extreme equilibria are the
completely labelled pairs (x, y) of vertices of ``P = {x >= 0 : B^T x <= 1}`` and ``Q = {y >= 0 : A y <= 1}``.
Both vertex sets come from :func:`vvl_env.solve.polytope_walk.walk_vertices` on payoffs normalised per row of R2 and
per column of R1 (the transformations that leave the equilibria unchanged up to a known rescaling of the strategies,
so every best-response comparison keeps full relative precision whatever the magnitudes). A vertex with exactly the
dimension's number of labels matches only the vertex carrying the complementary labels (a hash look-up); vertices with
more labels (degeneracy) are compared with every vertex of the other polytope. Each matched pair is then certified in
exact rational arithmetic (:mod:`vvl_env.solve.exact`) on the payoffs as given, and the game is degenerate iff some
vertex has more labels than its dimension, decided exactly.
Games with at most ``EXACT_BASES`` bases (2 x 2 to 2 x 4) skip the float polytopes: every vertex is computed exactly
(:func:`vvl_env.solve.exact.all_vertices`) and the equilibria are the pairs that pass the exact test, same sets.
The same exact enumeration is the fallback (``method`` says so) for games up to ``EXACT_FALLBACK_BASES`` bases (8 x 8)
where the float walk cannot be trusted: payoffs whose within-row gaps fall below ``GAP_TOL`` of the row's span
(badly scaled), a basis singular to working precision, a candidate failing exact certification, or no equilibrium
found. Beyond that size such a result is returned with ``complete=False`` (or the walk's error is raised).

Exactness: every returned profile is exactly an extreme equilibrium (profiles are the exact rationals rounded to
float). Completeness rests on the float walk finding every vertex with labels at ``LABEL_TOL`` on the normalised
polytopes. Practical size: random 12 x 12 games in under a second, 15 x 15 in 6-8 s at under 0.3 GB (see
``benchmarks/results/solvers.json``); ``max_bases`` bounds the walk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.solve.exact import ExactStrategy, all_vertices, exact_strategies, integer_matrix, is_equilibrium
from vvl_env.solve.polytope_walk import MAX_BASES, IllConditionedError, relative_gaps, row_normalised, walk_vertices
from vvl_env.solve.vertex_enumeration import n_bases, polytope_vertices

FloatArray = npt.NDArray[np.float64]
SMALL_BASES = 70
"""Polytopes with at most this many bases ``C(d + c, d)`` (4 x 4) list every basis in one vectorised pass instead of
walking (fewer numpy calls for tiny games)."""
EXACT_BASES = 15
"""Games with at most this many bases ``C(m + n, m)`` (2 x 2, 2 x 3, 2 x 4) skip the float polytopes: every vertex is
computed exactly (:func:`vvl_env.solve.exact.all_vertices`), cheaper than the numpy calls at this size."""
EXACT_FALLBACK_BASES = 12_870
"""Largest ``C(m + n, m)`` (8 x 8) for which an untrustworthy float walk is replaced by exact enumeration (about a
second at 6 x 6; see the module docstring)."""
GAP_TOL = 1e-6
"""Smallest gap between distinct payoffs of a row of R2 (column of R1), relative to its span, that the float walk is
trusted with (10x its label tolerance)."""
WALK = "vertex_enumeration"
EXACT_METHOD = "vertex_enumeration (exact rational enumeration of every support)"
_DEGENERACY_CHECKS = 200
"""Float-degenerate vertices checked exactly (until one confirms) when no equilibrium shows degeneracy itself."""


@dataclass(frozen=True, slots=True)
class CertifiedEquilibria:
    """Exact extreme equilibria ``xs`` (K, m), ``ys`` (K, n) (rounded to float), the exact degeneracy flag, the
    number of label-matched pairs that failed exact certification (``rejected``), whether the set is all extreme
    equilibria (``complete``) and how it was found (``method``)."""

    xs: FloatArray
    ys: FloatArray
    degenerate: bool
    rejected: int
    complete: bool = True
    method: str = WALK


def _bits(mask: int, lo: int, count: int, want: int) -> list[int]:
    return [k for k in range(count) if (mask >> (lo + k)) & 1 == want]


def vertex_labels(M: FloatArray, max_bases: int = MAX_BASES) -> npt.NDArray[np.int64]:
    """Label masks of the vertices ``v != 0`` of ``{v >= 0 : M^T v <= 1}`` (see :mod:`vvl_env.solve.polytope_walk`)."""
    d, c = M.shape
    if n_bases(d, c) > SMALL_BASES:
        return walk_vertices(M, max_bases=max_bases)[1]
    return _enumerated_labels(M[None])[0]


def _enumerated_labels(Ms: FloatArray) -> list[npt.NDArray[np.int64]]:
    """:func:`vertex_labels` of a stack of small polytopes (B, d, c) by listing every basis in one vectorised pass;
    points of bases singular to rounding are dropped where a polytope is degenerate."""
    _, labels, feasible, ill = polytope_vertices(Ms)
    degenerate = np.any(feasible & ~ill & (np.bitwise_count(labels) > Ms.shape[1]), axis=1)
    keep = feasible & ~(ill & degenerate[:, None])
    return [np.unique(lab[k]) for lab, k in zip(labels, keep)]


def _pairs(lx: list[int], ly: list[int], m: int, n: int) -> set[tuple[int, int]]:
    """Index pairs of completely labelled vertices (``lx | ly == all labels``), global label numbering."""
    full = (1 << (m + n)) - 1
    where = {lab: k for k, lab in enumerate(lx)}
    out = {(where[full ^ b], q) for q, b in enumerate(ly) if full ^ b in where}
    deg_x = [p for p, a in enumerate(lx) if a.bit_count() > m]
    deg_y = [q for q, b in enumerate(ly) if b.bit_count() > n]
    ax, ay = np.array(lx, dtype=np.int64), np.array(ly, dtype=np.int64)
    for p in deg_x:
        out |= {(p, int(q)) for q in np.flatnonzero((ax[p] | ay) == full)}
    for q in deg_y:
        out |= {(int(p), q) for p in np.flatnonzero((ax | ay[q]) == full)}
    return out


def certified_equilibria(R1: FloatArray, R2: FloatArray, *, max_bases: int = MAX_BASES) -> CertifiedEquilibria:
    """Every extreme equilibrium of ``(R1, R2)`` (m, n), each certified exactly; see the module docstring.

    Raises :class:`vvl_env.solve.polytope_walk.EnumerationLimitError` when a polytope has more than ``max_bases``
    feasible bases, :class:`vvl_env.solve.polytope_walk.IllConditionedError` when the walk meets a singular basis in a
    game too large for the exact fallback.
    """
    m, n = R1.shape
    if n_bases(m, n) <= EXACT_BASES:
        return _tiny(R1, R2)
    fallback = n_bases(m, n) <= EXACT_FALLBACK_BASES
    if fallback and badly_scaled(R1, R2):
        return _tiny(R1, R2, EXACT_METHOD)
    try:
        found = _walked(R1, R2, max_bases)
    except IllConditionedError:
        if fallback:
            return _tiny(R1, R2, EXACT_METHOD)
        raise
    scaled = not fallback and bool(badly_scaled(R1, R2))
    if found.rejected or not len(found.xs) or scaled:
        if fallback:
            return _tiny(R1, R2, EXACT_METHOD)
        why = (f"{found.rejected} candidate(s) failed exact certification" if found.rejected else
               f"payoffs within a row of R2 or column of R1 closer than {GAP_TOL:g} of its span")
        return CertifiedEquilibria(found.xs, found.ys, found.degenerate, found.rejected, False,
                                   f"vertex_enumeration (float walk, each profile certified exactly; {why}, so "
                                   f"some equilibria may be missing)")
    return found


def badly_scaled(R1: FloatArray, R2: FloatArray) -> npt.NDArray[np.bool_]:
    """Whether some row of R2 or column of R1 has two distinct payoffs closer than ``GAP_TOL`` of its span; batched
    over leading axes (one flag per game)."""
    gap = np.minimum(relative_gaps(R2).min(axis=-1), relative_gaps(np.swapaxes(R1, -1, -2)).min(axis=-1))
    return gap < GAP_TOL


def _walked(R1: FloatArray, R2: FloatArray, max_bases: int) -> CertifiedEquilibria:
    """The float walk's label-matched vertex pairs, each certified exactly (the rejected ones counted)."""
    m, n = R1.shape
    if m == n and n_bases(m, n) <= SMALL_BASES:  # both polytopes in one vectorised pass
        lx, ly = _enumerated_labels(row_normalised(np.stack([R2, R1.T]))[0])
    else:
        lx = vertex_labels(row_normalised(R2)[0], max_bases)
        ly = vertex_labels(row_normalised(R1.T)[0], max_bases)
    ly = ((ly & ((1 << n) - 1)) << m) | (ly >> n)  # Q's labels (y_j = 0 first) in the global numbering
    lx_l, ly_l = lx.tolist(), ly.tolist()
    I2, I1t = integer_matrix(R2), integer_matrix(R1.T)
    cache: dict[tuple[int, int], list[ExactStrategy]] = {}

    def strategies(side: int, k: int) -> list[ExactStrategy]:
        if (side, k) not in cache:
            if side == 0:
                cache[side, k] = exact_strategies(I2, _bits(lx_l[k], 0, m, 0), _bits(lx_l[k], m, n, 1))
            else:
                cache[side, k] = exact_strategies(I1t, _bits(ly_l[k], m, n, 0), _bits(ly_l[k], 0, m, 1))
        return cache[side, k]

    found: dict[tuple, tuple[ExactStrategy, ExactStrategy]] = {}
    rejected = 0
    for p, q in sorted(_pairs(lx_l, ly_l, m, n)):
        ok = [(x, y) for x in strategies(0, p) for y in strategies(1, q) if is_equilibrium(x, y)]
        rejected += not ok
        for x, y in ok:
            found.setdefault((x.num, x.den, y.num, y.den), (x, y))
    degenerate = any(x.labels > m or y.labels > n for x, y in found.values())
    if not degenerate:
        suspects = [(0, k) for k, a in enumerate(lx_l) if a.bit_count() > m]
        suspects += [(1, k) for k, b in enumerate(ly_l) if b.bit_count() > n]
        for side, k in suspects[:_DEGENERACY_CHECKS]:
            if any(min(s.num) >= 0 and s.labels > (m if side == 0 else n) for s in strategies(side, k)):
                degenerate = True
                break
        else:
            degenerate = len(suspects) > _DEGENERACY_CHECKS
    return _certified(list(found.values()), m, n, degenerate, rejected)


def _tiny(R1: FloatArray, R2: FloatArray, method: str = WALK) -> CertifiedEquilibria:
    """All vertices of both polytopes exactly; the equilibria are the pairs that pass :func:`is_equilibrium` (listed
    by label masks, the walk's order). Complete: every support is tried."""
    m, n = R1.shape
    X = sorted(all_vertices(integer_matrix(R2)), key=lambda s: s.mask)
    Y = sorted(all_vertices(integer_matrix(R1.T)), key=lambda s: s.mask)
    degenerate = any(x.labels > m for x in X) or any(y.labels > n for y in Y)
    return _certified([(x, y) for x in X for y in Y if is_equilibrium(x, y)], m, n, degenerate, 0, method)


def _certified(pairs: list[tuple[ExactStrategy, ExactStrategy]], m: int, n: int, degenerate: bool,
               rejected: int, method: str = WALK) -> CertifiedEquilibria:
    xs = np.array([x.as_float() for x, _ in pairs]).reshape(len(pairs), m)
    ys = np.array([y.as_float() for _, y in pairs]).reshape(len(pairs), n)
    return CertifiedEquilibria(xs, ys, degenerate, rejected, True, method)
