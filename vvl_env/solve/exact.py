"""Exact certification of extreme equilibria in rational arithmetic (model.md §2).

Every float payoff is a dyadic rational, so ``R * 2^e`` is an integer matrix for one common ``e``
(:func:`integer_matrix`) and the equilibria of the game are unchanged (a positive common scale). A candidate is given
combinatorially: the support ``I`` of x and the columns ``T`` that are x's pure best replies (its labels, read off a
float vertex). Then x is the unique solution of ``sum_{i in I} x_i = 1`` and ``(x R2)_j`` equal for all j in T
(fraction-free Bareiss-Jordan elimination in Python integers); uniqueness
makes x an extreme point. The pair (x, y) is an equilibrium iff, exactly, ``x, y >= 0``, every column in ``supp y`` is
a best reply to x and every row in ``supp x`` is a best reply to y (model.md §2). The labels counted exactly (zeros of
x plus x's best replies) decide degeneracy: more than m labels at a vertex of P (or n at one of Q) means the game is
degenerate.

Exactness: exact (no tolerance). Practical size: integer work polynomial in the support size; tens of microseconds
per profile at 2 x 2, about a millisecond at 12 x 12. Degenerate input: over-determined systems are checked for
consistency; a rank-deficient label set (not a vertex) is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import gcd, lcm

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def integer_matrix(R: FloatArray) -> list[list[int]]:
    """``R * 2^e`` as Python integers, exactly, for the smallest common ``e >= 0`` that makes every entry integral."""
    fr = [[float(a).as_integer_ratio() for a in row] for row in R.tolist()]
    den = lcm(*(q for row in fr for _, q in row))
    return [[p * (den // q) for p, q in row] for row in fr]


def _solve(rows: list[list[int]]) -> tuple[list[int], int] | None:
    """Unique solution ``x = num / den`` (den > 0) of the consistent system ``[A | b]`` (r x (k + 1), r >= k), or None
    (rank < k, inconsistent).

    Fraction-free Gauss-Jordan elimination (Bareiss): after eliminating column c every entry is a (c + 1)-minor of
    ``[A | b]``, so each division is exact; at the end the diagonal holds ``det`` and column k holds ``det * x``
    (Cramer's rule) and the rows below k must be 0. Python integers only, no fractions.
    """
    r, k = len(rows), len(rows[0]) - 1
    if r < k:
        return None
    rows = [list(a) for a in rows]
    prev = 1
    for c in range(k):
        p = next((i for i in range(c, r) if rows[i][c] != 0), None)
        if p is None:
            return None
        rows[c], rows[p] = rows[p], rows[c]
        pr, pv = rows[c], rows[c][c]
        for i in range(r):
            f = rows[i][c]
            if i != c:
                ri = rows[i]
                rows[i] = [(ri[j] * pv - f * pr[j]) // prev for j in range(k + 1)]
        prev = pv
    if any(rows[i][k] != 0 for i in range(k, r)):
        return None
    sign = 1 if prev > 0 else -1
    return [sign * rows[c][k] for c in range(k)], sign * prev


@dataclass(frozen=True, slots=True)
class ExactStrategy:
    """A mixed strategy ``p = num / den`` in lowest common terms and the opponent's payoffs ``pay = num_pay / den``
    (integer-scaled) against it; ``labels``: zeros of p plus the opponent's best replies."""

    num: tuple[int, ...]
    den: int
    pay: tuple[int, ...]
    labels: int

    @property
    def best(self) -> int:
        return max(self.pay)

    @property
    def mask(self) -> int:
        """Label bit mask: bit i for ``p_i = 0``, bit ``len(p) + j`` for the opponent's best reply j."""
        d, best = len(self.num), max(self.pay)
        return (sum(1 << i for i, a in enumerate(self.num) if a == 0) +
                sum(1 << (d + j) for j, p in enumerate(self.pay) if p == best))

    def as_float(self) -> FloatArray:
        return np.array([a / self.den for a in self.num])  # int / int rounds correctly


def _strategy(R: list[list[int]], support: list[int], tight: list[int]) -> ExactStrategy | None:
    j0 = tight[0]
    rows = [[R[i][j] - R[i][j0] for i in support] + [0] for j in tight[1:]]
    rows.append([1] * len(support) + [1])
    sol = _solve(rows)
    if sol is None:
        return None
    xs, den = sol
    g = gcd(den, *xs)
    num = [0] * len(R)
    for i, a in zip(support, xs):
        num[i] = a // g
    den //= g
    pay = tuple(sum(num[i] * R[i][j] for i in support) for j in range(len(R[0])))
    best = max(pay)
    if any(pay[j] != best for j in tight):
        return None
    labels = sum(1 for a in num if a == 0) + sum(1 for p in pay if p == best)
    return ExactStrategy(tuple(num), den, pay, labels)


def exact_strategies(R: list[list[int]], support: list[int], tight: list[int]) -> list[ExactStrategy]:
    """The vertex strategies on rows ``support`` of the integer payoffs R (the opponent's, shape (d, c)) that make
    the columns ``tight`` the opponent's best replies, each determined uniquely by its equations.

    The opponent's payoff ``(p R)_j`` must be the same for all j in ``tight`` (and maximal) and the probabilities
    sum to 1. Where that system is inconsistent (a float label was a near-tie, not a tie), up to two of the tight
    columns are dropped in turn: every distinct vertex so found is returned (two vertices 1e-9 apart look like one
    degenerate vertex to the float walk).
    """
    if not support or not tight:
        return []
    one = _strategy(R, support, tight)
    if one is not None:
        return [one]
    out: dict[tuple[tuple[int, ...], int], ExactStrategy] = {}
    for drop in range(1, min(2, len(tight) - len(support)) + 1):
        for kept in combinations(tight, len(tight) - drop):
            s = _strategy(R, support, list(kept))
            if s is not None:
                out.setdefault((s.num, s.den), s)
        if out:
            break
    return list(out.values())


def is_equilibrium(x: ExactStrategy, y: ExactStrategy) -> bool:
    """Exactly: both nonnegative, every column played by y a best reply to x and every row played by x one to y.

    ``x`` is the row player's strategy with ``pay`` the column player's payoffs; ``y`` the reverse.
    """
    if min(x.num) < 0 or min(y.num) < 0:
        return False
    bx, by = x.best, y.best
    return (all(x.pay[j] == bx for j, q in enumerate(y.num) if q) and
            all(y.pay[i] == by for i, p in enumerate(x.num) if p))


def all_vertices(R: list[list[int]]) -> list[ExactStrategy]:
    """Every vertex strategy of the integer payoffs R (the opponent's, shape (d, c)), exactly: each distinct
    nonnegative solution of :func:`_strategy` over all supports I and tight sets T with ``|I| = |T|``.

    Every nonzero vertex of the best-response polytope has d independent tight constraints, so some such (I, T)
    determines it uniquely. Pure strategies (``|I| = 1``) are read off directly. ``sum_k C(d, k) C(c, k)`` systems:
    meant for tiny games (one player with two or three actions).
    """
    d, c = len(R), len(R[0])
    out: dict[tuple[tuple[int, ...], int], ExactStrategy] = {}
    for i, row in enumerate(R):
        best = max(row)
        num = tuple(int(a == i) for a in range(d))
        out[num, 1] = ExactStrategy(num, 1, tuple(row), d - 1 + row.count(best))
    for k in range(2, min(d, c) + 1):
        for support in combinations(range(d), k):
            for tight in combinations(range(c), k):
                s = _strategy(R, list(support), list(tight))
                if s is not None and min(s.num) >= 0:
                    out.setdefault((s.num, s.den), s)
    return list(out.values())



def certify_profile(R1: FloatArray, R2: FloatArray, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray] | None:
    """The exact extreme equilibrium with the supports of the float profile (x, y), or None.

    x is solved from its support and ``supp y`` as the column player's best replies (and y likewise); the pair is
    returned (rounded to float) only if :func:`is_equilibrium` holds exactly. Meant for Lemke-Howson ends (generic
    supports, ``|supp x| = |supp y|``); others fail.
    """
    sx, sy = np.flatnonzero(x > 0).tolist(), np.flatnonzero(y > 0).tolist()
    I2, I1t = integer_matrix(R2), integer_matrix(R1.T)
    for ex in exact_strategies(I2, sx, sy):
        for ey in exact_strategies(I1t, sy, sx):
            if is_equilibrium(ex, ey):
                return ex.as_float(), ey.as_float()
    return None
