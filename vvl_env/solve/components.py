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

DEDUP_ATOL = 1e-7
"""Two strategies closer than this in max-norm are the same point."""


def dedupe(points: FloatArray, atol: float = DEDUP_ATOL) -> tuple[FloatArray, IntArray]:
    """Distinct rows of ``points`` (K, d) in first-seen order and the index of each input row among them."""
    unique: list[FloatArray] = []
    index = np.empty(len(points), dtype=np.int64)
    for i, p in enumerate(points):
        for j, u in enumerate(unique):
            if np.max(np.abs(p - u)) <= atol:
                index[i] = j
                break
        else:
            index[i] = len(unique)
            unique.append(p)
    d = points.shape[1] if points.ndim == 2 else 0
    return (np.array(unique) if unique else np.empty((0, d))), index


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


def canonical(x: FloatArray, y: FloatArray, atol: float = DEDUP_ATOL) -> tuple[FloatArray, FloatArray, IntArray,
                                                                             IntArray, FloatArray, FloatArray]:
    """Deduplicate the equilibria ``(x[k], y[k])`` of one game.

    Returns the distinct equilibria ``xs, ys`` and, for each, the index of its x among the distinct extreme x's and of
    its y among the distinct extreme y's, then those extreme x's and y's themselves.
    """
    ex, ix = dedupe(x, atol)
    ey, iy = dedupe(y, atol)
    keep = sorted({(int(a), int(b)): k for k, (a, b) in reversed(list(enumerate(zip(ix, iy))))}.values())
    return x[keep], y[keep], ix[keep], iy[keep], ex, ey
