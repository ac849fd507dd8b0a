"""Deduplication of extreme equilibria and the maximal Nash subsets of a degenerate game (model.md §2).

Algorithm (Avis, Rosenberg, Savani and von Stengel, "Enumeration of Nash equilibria for two-player games", Economic
Theory 42, 2010, §5): the extreme equilibria ``(x_i, y_j)`` define a bipartite graph between the distinct extreme
strategies x and y. A *maximal Nash subset* is ``conv(X) x conv(Y)`` for a maximal biclique ``X x Y`` of that graph
(every convex combination is then an equilibrium, by convexity of the best-response conditions); every equilibrium
lies in one, and the topological components of the equilibrium set are the unions of overlapping maximal Nash subsets.

Exactness: combinatorial (exact) once the extreme equilibria are known; points closer than ``atol`` in max-norm are
identified. Practical size: the bicliques are the distinct nonempty intersections of the neighbourhoods N(x_i),
found by closing the family under pairwise intersection (bit masks), fine for the tens of extreme equilibria of games
up to ~10 x 10. A nondegenerate game gives one singleton subset per equilibrium.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEDUP_ATOL = 1e-10
"""Two strategies closer than this in max-norm are the same point (float paths: one vertex reached from several bases
differs by rounding only; distinct vertices of games scaled by up to 1e12 may be 1e-9 apart)."""
_PAIRS = 4_000_000
"""Point-pair coordinates compared per vectorised step (bounds memory)."""


def dedupe(points: FloatArray, atol: float = DEDUP_ATOL) -> tuple[FloatArray, IntArray]:
    """Distinct rows of ``points`` (K, d) in first-seen order and the index of each input row among them.

    Vectorised: each row points to the first row within ``atol`` (max-norm), followed to a fixed point.
    """
    d = points.shape[1] if points.ndim == 2 else 0
    if len(points) == 0:
        return np.empty((0, d)), np.empty(0, dtype=np.int64)
    if atol == 0.0:  # exact identity: hash the rows
        seen: dict[bytes, int] = {}
        index = np.array([seen.setdefault(p.tobytes(), len(seen)) for p in points], dtype=np.int64)
        _, first = np.unique(index, return_index=True)
        return points[first], index
    step = max(1, _PAIRS // max(len(points) * max(d, 1), 1))
    first = np.concatenate([np.argmax(np.abs(points[s:s + step, None, :] - points[None]).max(axis=-1) <= atol, axis=1)
                            for s in range(0, len(points), step)])
    while not np.array_equal(first[first], first):
        first = first[first]
    reps, index = np.unique(first, return_inverse=True)
    return points[reps], index.astype(np.int64)


def maximal_bicliques(pairs: list[tuple[int, int]]) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    """Maximal bicliques ``(X, Y)`` (sorted index tuples) of the bipartite graph with edges ``pairs``.

    Notes
    -----
    Y is the right side of a maximal biclique iff it is a nonempty intersection of neighbourhoods ``N(x)`` of left
    vertices; X is then ``{x : Y ⊆ N(x)}``. Sorted by (X, Y).
    """
    nbr: dict[int, int] = {}
    for i, j in pairs:
        nbr[i] = nbr.get(i, 0) | (1 << j)
    family = set(nbr.values())
    frontier = set(family)
    while frontier:
        new = {a & b for a in frontier for b in family} - family - {0}
        family |= new
        frontier = new
    out = []
    for ys in family:
        xs = tuple(sorted(i for i, mask in nbr.items() if mask & ys == ys))
        out.append((xs, tuple(j for j in range(ys.bit_length()) if ys >> j & 1)))
    return tuple(sorted(out))


def canonical_order(x: FloatArray, y: FloatArray, group: IntArray | None = None) -> IntArray:
    """Order of the profiles ``(x[k], y[k])``: by ``group`` (ascending), then x and y in decreasing lexicographic
    order (compared at 9 decimals, so rounding noise does not reorder them)."""
    keys = -np.round(np.hstack([x, y]), 9).T[::-1]
    return np.lexsort(keys if group is None else np.vstack([keys, group[None]]))


def distinct_pairs(x: FloatArray, y: FloatArray, atol: float = DEDUP_ATOL) -> tuple[IntArray, IntArray, IntArray,
                                                                                  FloatArray, FloatArray]:
    """First occurrences ``keep`` of the distinct equilibria ``(x[k], y[k])``, the index of each kept x among the
    distinct extreme x's (``ix``) and of each y (``iy``), and those extreme x's and y's."""
    ex, ix = dedupe(x, atol)
    ey, iy = dedupe(y, atol)
    _, keep = np.unique(ix * max(len(ey), 1) + iy, return_index=True)
    keep = np.sort(keep)
    return keep, ix[keep], iy[keep], ex, ey


def canonical(x: FloatArray, y: FloatArray, atol: float = DEDUP_ATOL) -> tuple[FloatArray, FloatArray, IntArray,
                                                                             IntArray, FloatArray, FloatArray]:
    """Deduplicate the equilibria ``(x[k], y[k])`` of one game.

    Returns the distinct equilibria ``xs, ys`` and, for each, the index of its x among the distinct extreme x's and of
    its y among the distinct extreme y's, then those extreme x's and y's themselves.
    """
    keep, ix, iy, ex, ey = distinct_pairs(x, y, atol)
    return x[keep], y[keep], ix, iy, ex, ey
