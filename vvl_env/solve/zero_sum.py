"""Value and optimal strategies of two-player zero-sum games (model.md §2).

Exactness: :func:`zero_sum_value` solves the minimax linear program with scipy's HiGHS (von Neumann's theorem);
every answer is verified: ``x`` guarantees at least ``value - tol`` and ``y`` concedes at most ``value + tol`` against
every pure reply, ``tol = 1e-9 * (max R1 - min R1)``. Both functions solve the game normalised to payoffs in [0, 1],
``(R1 - min R1) / (max R1 - min R1)`` (the same optimal strategies; the value maps back affinely), so the tolerance is
relative to the payoffs' range at every scale (an absolute one certified nothing for payoffs of 1e-9) and no
intermediate overflows for payoffs near 1e300. :func:`zero_sum_values` is batched: exact closed forms for
2 x n and m x 2 games (the 2 x 2 case included) vectorised over the batch; up to ``ENUMERATION_BASES`` bases (5 x 5)
the batched vertex enumeration of the game (R, -R) (any equilibrium of a zero-sum game is a pair of optimal
strategies), each game's pair certified by its security levels; the LP for the rest.

Practical size: HiGHS costs a few ms per call up to ~32 x 32 (Python overhead); the batched closed form solves
~10^5 2 x 2 games in tens of ms. Degenerate input (ties, dominated rows, constant matrices) is handled: the value is
unique, the strategies returned are one optimal pair among possibly many.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array, readonly
from vvl_env.model.game import Game

FloatArray = npt.NDArray[np.float64]

ENUMERATION_BASES = 252
"""Largest ``C(m + n, m)`` (5 x 5) solved by batched vertex enumeration in :func:`zero_sum_values` (beyond, the
per-game cost of listing every basis approaches the LP's few milliseconds)."""


@dataclass(frozen=True, slots=True)
class ZeroSumSolution:
    """Value of the row player and an optimal (maximin, minimax) pair of mixed strategies."""

    value: float
    x: FloatArray
    y: FloatArray
    method: str


TOL = 1e-9
"""Verification tolerance on the normalised game (payoffs in [0, 1]): a fraction of the payoffs' range."""


def _normalise(R: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(S, low, half)`` for games R (..., m, n): ``S = (R - low) / (2 half)`` in [0, 1] with ``low = min R`` and
    ``half = (max R - min R) / 2`` per game (computed as halves, so no range overflows); a constant game has S = 0.
    A value v of S is the value ``low + 2 half v`` of R (:func:`_denormalise`)."""
    low, high = R.min(axis=(-2, -1)), R.max(axis=(-2, -1))
    half = high / 2 - low / 2
    safe = np.where(half > 0, half, 1.0)[..., None, None]
    S = np.where(half[..., None, None] > 0, (R / 2 - low[..., None, None] / 2) / safe, 0.0)
    return np.clip(S, 0.0, 1.0), low, half


def _denormalise(v: FloatArray | float, low: FloatArray, half: FloatArray) -> FloatArray:
    """The value of R from the value v of its normalised game: ``low + 2 half v`` (summed in halves)."""
    return (low + half * v) + half * v


def _payoff_matrix(game_or_R1: Game | npt.ArrayLike) -> FloatArray:
    if isinstance(game_or_R1, Game):
        if not game_or_R1.is_zero_sum():
            raise ValueError(f"game: must be zero-sum (R2 = -R1), got a general-sum game {game_or_R1.name!r} with "
                             f"max |R1 + R2| = {np.max(np.abs(game_or_R1.R1 + game_or_R1.R2)):.3g}")
        return np.asarray(game_or_R1.R1, dtype=np.float64)
    return as_finite_array("R1", game_or_R1, ndim=2)


_HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
"""HiGHS' default feasibility tolerance (1e-7) leaves the security levels up to ~1e-7 apart on games with tiny
payoff differences (found by hypothesis: an entry of 1.19e-7); 1e-10 certifies them to the verification tolerance."""


def _maximin(R: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Row player's LP ``max v s.t. x R >= v, sum x = 1, x >= 0``; returns (x, y) with y from the duals."""
    from scipy.optimize import linprog

    m, n = R.shape
    c = np.zeros(m + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-R.T, np.ones((n, 1))])
    A_eq = np.ones((1, m + 1))
    A_eq[0, -1] = 0.0
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=[1.0],
                  bounds=[(0, None)] * m + [(None, None)], method="highs", options=_HIGHS_OPTIONS)
    if res.status != 0:  # pragma: no cover - a bounded feasible LP; HiGHS failing is a bug worth seeing
        raise RuntimeError(f"HiGHS failed on the zero-sum LP: {res.message}")
    return _simplex(res.x[:m]), _simplex(-res.ineqlin.marginals)


def _simplex(p: FloatArray) -> FloatArray:
    p = np.clip(p, 0.0, None)
    return p / p.sum()


def zero_sum_value(game_or_R1: Game | npt.ArrayLike) -> ZeroSumSolution:
    """Solve a zero-sum game by linear programming (scipy HiGHS).

    Parameters
    ----------
    game_or_R1 : Game or array_like, shape (m, n)
        A zero-sum :class:`Game` (a general-sum one raises ``ValueError``) or the row player's payoffs R1.

    Returns
    -------
    ZeroSumSolution
        ``value = max_x min_y x R1 y``, an optimal ``x`` (m,) of the row player, an optimal ``y`` (n,) of the column
        player, both verified to guarantee the value within ``1e-9 * payoff range`` (module docstring).

    Notes
    -----
    Primal: maximise v subject to ``(x R1)_j >= v`` for every column j, ``x`` in the simplex. The column player's
    strategy is the dual vector of the n inequality constraints (``-res.ineqlin.marginals``). If the dual fails the
    check (it never has in our tests), the column player's own LP on ``-R1^T`` is solved instead. The reported value
    is the midpoint of the certified interval ``[min_j (x R1)_j, max_i (R1 y)_i]``.
    """
    S, low, half = _normalise(_payoff_matrix(game_or_R1))
    x, y = _maximin(S)
    method = "linprog-highs"
    if (S @ y).max() - (x @ S).min() > TOL:
        y = _maximin(1.0 - S.T)[0]
        method = "linprog-highs (primal and dual)"
    lo, hi = float((x @ S).min()), float((S @ y).max())
    if hi - lo > TOL:  # pragma: no cover
        raise RuntimeError(f"zero-sum LP not verified: the security levels of the game normalised to [0, 1] are "
                           f"{lo:.3g} and {hi:.3g}, more than {TOL:.0e} apart")
    return ZeroSumSolution(float(_denormalise((lo + hi) / 2, low, half)), readonly(x), readonly(y), method)


# --- batched closed forms ---------------------------------------------------------------------------------------


def _solve_2x2(R: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Batched 2 x 2 closed form: a pure saddle point if the pure maximin equals the pure minimax, else mixed.

    For ``R = [[a, b], [c, d]]``: pure maximin ``lower = max(min(a, b), min(c, d))`` and minimax
    ``upper = min(max(a, c), max(b, d))`` are entries of R, so ``lower >= upper`` is an exact test for a saddle point
    (ties, dominated rows and constant games included). Without one, ``a - b - c + d != 0`` and
    ``v = (a d - b c) / (a - b - c + d)``, ``p = (d - c) / (a - b - c + d)``, ``q = (d - b) / (a - b - c + d)``.
    """
    a, b, c, d = R[:, 0, 0], R[:, 0, 1], R[:, 1, 0], R[:, 1, 1]
    r0, r1 = np.minimum(a, b), np.minimum(c, d)
    c0, c1 = np.maximum(a, c), np.maximum(b, d)
    lower, upper = np.maximum(r0, r1), np.minimum(c0, c1)
    saddle = lower >= upper
    den = a - b - c + d
    den[saddle] = 1.0
    v = np.where(saddle, lower, (a * d - b * c) / den)
    x = np.empty((len(R), 2))
    y = np.empty((len(R), 2))
    x[:, 0] = np.where(saddle, r0 >= r1, (d - c) / den)
    y[:, 0] = np.where(saddle, c0 <= c1, (d - b) / den)
    x[:, 1] = 1.0 - x[:, 0]
    y[:, 1] = 1.0 - y[:, 0]
    return v, x, y


def _solve_2xn(R: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Batched exact solution of 2 x n games ``R`` (B, 2, n) by the lower envelope.

    The row player mixing ``(p, 1 - p)`` gets ``f(p) = min_j (c_j + p (a_j - c_j))`` (rows ``a``, ``c``): concave and
    piecewise linear, so its maximum sits at p = 0, p = 1 or a crossing of two column lines. The column player has an
    optimal strategy on at most two columns {j, k}; on such a pair ``max`` of the two row lines is minimised at an end
    or at their crossing. Both candidate lists are scored exactly and the best kept.
    """
    B, _, n = R.shape
    a, c = R[:, 0, :], R[:, 1, :]
    s = a - c
    j, k = np.triu_indices(n, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (c[:, k] - c[:, j]) / (s[:, j] - s[:, k])
        t = (c[:, k] - a[:, k]) / (a[:, j] - a[:, k] - c[:, j] + c[:, k])
    p = np.where((p >= 0.0) & (p <= 1.0), p, 0.0)
    P = np.concatenate([np.zeros((B, 1)), np.ones((B, 1)), p], axis=1)
    f = (c[:, None, :] + P[:, :, None] * s[:, None, :]).min(axis=2)
    best = f.argmax(axis=1)
    rows = np.arange(B)
    pb = P[rows, best]
    x = np.stack([pb, 1.0 - pb], axis=1)
    t = np.where((t >= 0.0) & (t <= 1.0), t, 1.0)
    # column candidates: pure columns, then pair mixes t on j, 1 - t on k
    g_pure = np.maximum(a, c)
    g_pair = np.maximum(t * a[:, j] + (1 - t) * a[:, k], t * c[:, j] + (1 - t) * c[:, k])
    g = np.concatenate([g_pure, g_pair], axis=1)
    cbest = g.argmin(axis=1)
    y = np.zeros((B, n))
    pure = cbest < n
    y[rows[pure], cbest[pure]] = 1.0
    q = cbest[~pure] - n
    y[rows[~pure], j[q]] = t[rows[~pure], q]
    y[rows[~pure], k[q]] += 1.0 - t[rows[~pure], q]
    return f[rows, best], x, y


def zero_sum_values(R: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Batched values and optimal strategies of zero-sum games.

    Parameters
    ----------
    R : array_like, shape (B, m, n)
        Row-player payoffs of B games of one shape.

    Returns
    -------
    values : ndarray (B,)
    x : ndarray (B, m)
        Optimal row strategies.
    y : ndarray (B, n)
        Optimal column strategies.

    Notes
    -----
    ``min(m, n) == 1``: pure. 2 x 2: saddle-point test, else ``p = (d - c) / (a - b - c + d)``,
    ``v = (a d - b c) / (a - b - c + d)`` for ``R = [[a, b], [c, d]]`` (see ``_solve_2x2``). ``m == 2``: the
    lower-envelope closed form (``_solve_2xn``); ``n == 2``: the same on ``-R^T`` (the column player's game). Up to
    5 x 5: batched vertex enumeration, certified per game (``_by_enumeration``). Larger games: a loop over
    :func:`zero_sum_value`. Candidates are scored by exact evaluation, so ties and degenerate games
    (dominated rows, parallel lines, constant matrices) need no special case.
    """
    R = as_finite_array("R", R, ndim=3)
    B, m, n = R.shape
    if m == 1 or n == 1:
        return _pure_values(R)
    S, low, half = _normalise(R)                    # module docstring: solved in [0, 1], the value mapped back
    v, x, y = _normalised_values(S)
    return _denormalise(v, low, half), x, y


def _pure_values(R: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Games with one row or one column: the row player's best row, or the column player's best column."""
    B, m, n = R.shape
    if m == 1:
        col = R[:, 0, :].argmin(axis=1)
        x, y = np.ones((B, 1)), np.eye(n)[col]
    else:
        row = R[:, :, 0].argmax(axis=1)
        x, y = np.eye(m)[row], np.ones((B, 1))
    return np.einsum("bi,bij,bj->b", x, R, y), x, y


def _normalised_values(R: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`zero_sum_values` on games with payoffs in [0, 1] and at least two rows and columns."""
    B, m, n = R.shape
    if m == 2 and n == 2:
        return _solve_2x2(R)
    if m == 2:
        return _solve_2xn(R)
    if n == 2:
        v, y, x = _solve_2xn(-np.swapaxes(R, 1, 2))
        return -v, x, y
    if comb(m + n, m) <= ENUMERATION_BASES:
        return _by_enumeration(R)
    sols = [zero_sum_value(r) for r in R]
    return (np.array([s.value for s in sols]), np.array([s.x for s in sols]), np.array([s.y for s in sols]))


def _by_enumeration(R: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """First extreme equilibrium of each (R, -R) by batched vertex enumeration, certified by its security levels
    (``max_i (R y)_i - min_j (x R)_j <= tol``); games that fail (none so far) are solved by the LP."""
    from vvl_env.solve.vertex_enumeration import extreme_equilibria

    B, m, n = R.shape
    g, xs, ys, _ = extreme_equilibria(R, -R)
    first = np.minimum(np.searchsorted(g, np.arange(B)), max(len(g) - 1, 0))
    x, y = np.full((B, m), 1.0 / m), np.full((B, n), 1.0 / n)
    found = (g[first] == np.arange(B)) if len(g) else np.zeros(B, dtype=bool)
    x[found], y[found] = xs[first[found]], ys[first[found]]
    lo, hi = security_levels(R, x, y)
    v = (lo + hi) / 2
    for b in np.flatnonzero(hi - lo > TOL):                    # R is normalised: TOL of its range
        sol = zero_sum_value(R[b])
        v[b], x[b], y[b] = sol.value, sol.x, sol.y
    return v, x, y


def security_levels(R: npt.ArrayLike, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Batched ``(min_j (x R)_j, max_i (R y)_i)`` for R (B, m, n): both equal v certifies v is the value."""
    return np.einsum("bi,bij->bj", x, R).min(axis=1), np.einsum("bij,bj->bi", R, y).max(axis=1)
