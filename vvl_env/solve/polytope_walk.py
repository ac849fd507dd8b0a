"""Vertices of a best-response polytope by a pivoting walk over its feasible bases only (model.md §2).

Algorithm: the polytope ``P = {v >= 0 : M^T v <= 1}`` (M of shape (d, c), entries in [1, 2]) has constraints
``g_l v <= h_l`` with ``G = [-I; M^T]``, ``h = [0; 1]`` and label l (``l < d``: ``v_l = 0``; ``d + j``:
``(M^T v)_j = 1``). A basis is a set of d labels whose constraints are tight at a point of P (a vertex). Starting from
``v = 0`` (labels 0..d-1), a breadth-first walk leaves each basis along each of its d edges: dropping label r moves
along ``delta = -G_L^{-1} e_r`` until the first constraint becomes tight (the ratio test); every constraint tight there
(a tie: a degenerate vertex) gives a neighbouring feasible basis. The graph of feasible bases of a polytope is
connected (Gal's degeneracy graphs; also the basis of reverse search, Avis and Fukuda 1992), so the walk visits every
vertex while never touching an infeasible basis, unlike enumerating all ``C(d + c, d)`` of them. One frontier level is
processed as a batch (one ``inv`` per basis, vectorised ratio tests), in chunks that bound memory.

Exactness: floating point; a constraint counts as tight (a label) when its slack is at most ``LABEL_TOL`` on the
normalised polytope, and a pivot needs a scale-free cosine ``g_l delta / (|g_l| |delta|)`` above ``PIVOT_TOL`` (no fixed
determinant cutoff). Callers certify what they take from it (see :mod:`vvl_env.solve.exact`). Practical size: the work
is proportional to the number of feasible bases (random games: about 900 vertices at 10 x 10, 4,600 at 12 x 12, 42,000
at 15 x 15); ``max_bases`` refuses before memory runs out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LABEL_TOL = 1e-9
"""A constraint of the normalised polytope is tight when its slack is at most this."""
PIVOT_TOL = 1e-11
"""Smallest cosine between an edge direction and a constraint normal for the constraint to stop the edge."""
MAX_BASES = 3_000_000
"""Default bound on the feasible bases one walk may visit (about 1 GB of work arrays at 15 x 15)."""
_CHUNK = 4096
"""Bases per vectorised step."""


class EnumerationLimitError(RuntimeError):
    """The walk would visit more feasible bases than allowed."""


class IllConditionedError(ArithmeticError):
    """A basis met by the float walk is singular to working precision (payoffs spanning too many orders of
    magnitude); callers fall back to exact arithmetic."""


def relative_gaps(R: FloatArray) -> FloatArray:
    """Smallest gap between distinct entries of each row (last axis) of R, relative to that row's span (inf for a
    constant row); shape ``R.shape[:-1]``.

    The float walk resolves best-response ties on :func:`row_normalised` payoffs to ``LABEL_TOL``; a gap near or
    below it (payoffs spanning about 9 or more orders of magnitude within a row) makes its labels unreliable.
    """
    S = np.sort(R, axis=-1)
    gaps = np.diff(S, axis=-1)
    span = S[..., -1:] - S[..., :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(gaps > 0, gaps / span, np.inf).min(axis=-1, initial=np.inf)


def row_normalised(R: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``M = 1 + (R - row min) / row span`` (rows, the last axis, in [1, 2]; a constant row maps to ones) and the
    spans used (1 for a constant row); batched over leading axes.

    Adding a constant to a row of the player's payoffs leaves the equilibria unchanged and scaling row i by
    ``c_i > 0`` maps the opponent's equilibrium strategy v to ``v / c`` (renormalised); so a vertex v of the
    normalised polytope is ``v / span`` of the original game, computed to full relative precision in every row.
    """
    lo = R.min(axis=-1, keepdims=True)
    span = R.max(axis=-1, keepdims=True) - lo
    span = np.where(span > 0, span, 1.0)
    return 1.0 + (R - lo) / span, span[..., 0]


def _neighbours(G: FloatArray, h: FloatArray, basis: IntArray) -> tuple[FloatArray, IntArray, IntArray, IntArray]:
    """Vertices of the bases (F, d) and every feasible pivot from them: (v, from, dropped position, entering label)."""
    try:
        inv = np.linalg.inv(G[basis])                               # (F, d, d)
    except np.linalg.LinAlgError as exc:
        raise IllConditionedError("a basis of the float walk is singular to working precision") from exc
    if not np.all(np.isfinite(inv)):
        raise IllConditionedError("a basis of the float walk is singular to working precision")
    v = (inv @ h[basis][:, :, None])[:, :, 0]
    slack = np.maximum(h - v @ G.T, 0.0)                            # (F, L)
    slack[np.arange(len(basis))[:, None], basis] = 0.0
    gd = -(G @ inv)                                                 # (F, L, r): g_l . delta_r
    scale = np.linalg.norm(inv, axis=1)[:, None, :] * np.linalg.norm(G, axis=1)[:, None]
    hit = gd > PIVOT_TOL * scale
    t = np.full(gd.shape, np.inf)
    np.divide(slack[:, :, None], gd, out=t, where=hit)
    tmin = t.min(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        tight = hit & (slack[:, :, None] - tmin * gd <= LABEL_TOL)
    f, lab, r = np.nonzero(tight)
    return v, f, r, lab


def walk_vertices(M: FloatArray, *, max_bases: int = MAX_BASES) -> tuple[FloatArray, IntArray]:
    """Every vertex ``v != 0`` of ``{v >= 0 : M^T v <= 1}`` with its label bit mask (bit l: constraint l tight).

    Parameters
    ----------
    M : ndarray, shape (d, c)
        Positive constraint matrix (e.g. from :func:`row_normalised`); ``d + c <= 62``.
    max_bases : int
        Refuse (``EnumerationLimitError``) once the walk has met more feasible bases than this.

    Raises
    ------
    IllConditionedError
        When a basis on the walk is singular to working precision.

    Returns
    -------
    V : ndarray (N, d)
        Distinct vertices (the origin excluded).
    labels : ndarray of int64 (N,)
        Tight constraints of each, at slack tolerance ``LABEL_TOL``.
    """
    d, c = M.shape
    L = d + c
    if L > 62:
        raise EnumerationLimitError(f"a {d}x{c} game is beyond the enumeration (its bases are bit masks of at most 62 "
                                    f"constraints, d + c = {L}); use method='lemke_howson' or 'lemke_howson_all'")
    G = np.vstack([-np.eye(d), M.T])
    h = np.concatenate([np.zeros(d), np.ones(c)])
    bit = np.int64(1) << np.arange(L, dtype=np.int64)
    frontier = np.arange(d, dtype=np.int64)[None]
    seen = {int(bit[:d].sum())}
    found_v, found_b = [], []
    while len(frontier):
        nxt = []
        for s in range(0, len(frontier), _CHUNK):
            basis = frontier[s:s + _CHUNK]
            v, f, r, lab = _neighbours(G, h, basis)
            found_v.append(v)
            found_b.append(basis)
            masks = bit[basis].sum(axis=1)[f] - bit[basis[f, r]] + bit[lab]
            masks, first = np.unique(masks, return_index=True)
            new = np.array([k not in seen for k in masks.tolist()], dtype=bool)
            if not new.any():
                continue
            seen.update(masks[new].tolist())
            if len(seen) > max_bases:
                raise EnumerationLimitError(
                    f"the best-response polytope has more than max_bases={max_bases} feasible bases (a {d}x{c} "
                    f"game); raise max_bases or use method='lemke_howson'")
            nb = basis[f[first[new]]].copy()
            nb[np.arange(len(nb)), r[first[new]]] = lab[first[new]]
            nxt.append(np.sort(nb, axis=1))
        frontier = np.concatenate(nxt) if nxt else np.empty((0, d), np.int64)
    V = np.concatenate(found_v)
    V[np.abs(V) <= LABEL_TOL] = 0.0
    slack = np.concatenate([V, 1.0 - V @ M], axis=1)
    labels = (np.abs(slack) <= LABEL_TOL).astype(np.int64) @ bit
    labels, keep = np.unique(labels, return_index=True)
    V = V[keep]
    nonzero = V.sum(axis=1) > 0
    return V[nonzero], labels[nonzero]
