"""Nash bargaining solution and alternating-offers equilibrium of refined bargaining problems (model.md §3).

Exactness: both are exact closed forms on the Pareto frontier (no optimiser). The frontier of ``{(u1, u2)}`` over
x in [0, 1]^K gives party 1 a prefix of the dimensions sorted by ``w1_k / w2_k`` (descending; ``atan2(w1_k, w2_k)``
handles zero weights), with at most one split dimension. Practical size: any K; the batched NBS solves 10^6 draws
of K <= 5 in 1.5-3 s here (memory ~ 20 K floats per draw: chunk larger runs). Degenerate input: ties in the ratio or
zero weights give several optimal x with the same u (one is returned); if no feasible allocation gives u >= d, the
parties disagree (x is NaN, u = d).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array, check_index, check_real, readonly
from vvl_env.model.bargaining import WEIGHT_TOL, BargainingProblem, check_disagreement

FloatArray = npt.NDArray[np.float64]
_FEAS_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class BargainingSolution:
    """An allocation ``x`` (K,) with utilities ``u = (u1, u2)``; ``agreement`` False means u = d and x is NaN."""

    x: FloatArray
    u: FloatArray
    agreement: bool
    method: str


def _ratio_order(W1: FloatArray, W2: FloatArray) -> npt.NDArray[np.intp]:
    """Dimensions sorted by w1_k / w2_k descending (party 1's relatively most valued first), stable on ties."""
    return np.argsort(-np.arctan2(W1, W2), axis=1, kind="stable")


def _check_batch(W1: npt.ArrayLike, W2: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    W1, W2 = as_finite_array("W1", W1, ndim=2), as_finite_array("W2", W2, ndim=2)
    if W1.shape != W2.shape:
        raise ValueError(f"W2: must have the shape of W1 {W1.shape}, got {W2.shape}")
    for name, W in (("W1", W1), ("W2", W2)):
        bad = np.flatnonzero(np.any(W < 0, axis=1) | (np.abs(W.sum(axis=1) - 1.0) > WEIGHT_TOL))
        if bad.size:
            raise ValueError(f"{name}: every row must be nonnegative and summing to 1, row {bad[0]} is {W[bad[0]]!r}")
    return W1, W2


def nash_bargaining_batch(W1: npt.ArrayLike, W2: npt.ArrayLike,
                          d: npt.ArrayLike = (0.0, 0.0)) -> tuple[FloatArray, FloatArray]:
    """Nash bargaining solutions of B problems at once.

    Parameters
    ----------
    W1, W2 : array_like, shape (B, K)
        Weights of the two parties, each row nonnegative and summing to 1.
    d : array_like, shape (2,) or (B, 2)
        Disagreement point(s).

    Returns
    -------
    X : ndarray (B, K)
        NBS allocations (party 1's share of each dimension); NaN rows where the parties disagree.
    U : ndarray (B, 2)
        Utilities (u1, u2); equal to d where they disagree.

    Notes
    -----
    Nash (1950): maximise ``(u1 - d1)(u2 - d2)`` subject to u >= d. The maximiser lies on the Pareto frontier. With
    the dimensions in ratio order, segment k gives party 1 the dimensions before k and a share t of dimension k:
    ``u1 = A_k + t a_k``, ``u2 = B_k - t b_k``, ``a_k = w1_k``, ``b_k = w2_k``. On it the product is a concave
    quadratic in t with vertex ``t* = (a (B - d2) - b (A - d1)) / (2 a b)``; within the feasible part (both factors
    >= 0) its maximum is at ``clip(t*, 0, 1)`` or an end. All 3K candidates are scored and the best kept (an interior
    stationary point among candidates tied to rounding). Example (model.md §3): w1 = (0.4, 0.6), w2 = (0.2, 0.8) gives u = (0.5, 2/3).
    """
    W1, W2 = _check_batch(W1, W2)
    if np.ndim(d) == 2:
        d = as_finite_array("d", d)
        if d.shape not in ((1, 2), (W1.shape[0], 2)):
            raise ValueError(f"d: must have shape (2,) or ({W1.shape[0]}, 2) for {W1.shape[0]} problems, got "
                             f"{d.shape}")
        d = np.broadcast_to(d, (W1.shape[0], 2))
    else:
        d = check_disagreement(d)
    B, K = W1.shape
    order = _ratio_order(W1, W2)
    a, b = np.take_along_axis(W1, order, 1), np.take_along_axis(W2, order, 1)
    A = np.cumsum(a, axis=1) - a                      # party 1's utility before segment k
    Bu = b.sum(axis=1, keepdims=True) - (np.cumsum(b, axis=1) - b)  # party 2's utility before segment k
    d1, d2 = np.reshape(d[..., 0], (-1, 1)), np.reshape(d[..., 1], (-1, 1))
    P, Q = A - d1, Bu - d2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ts = np.clip((a * Q - b * P) / (2 * a * b), 0.0, 1.0)
    T = np.stack([np.nan_to_num(ts, nan=0.0), np.zeros_like(a), np.ones_like(a)], axis=2)  # (B, K, 3)
    F1, F2 = P[..., None] + T * a[..., None], Q[..., None] - T * b[..., None]
    g = np.where((F1 >= -_FEAS_TOL) & (F2 >= -_FEAS_TOL), np.maximum(F1, 0) * np.maximum(F2, 0), -np.inf)
    g = g.reshape(B, 3 * K)
    # Near the optimum the product is flat to within rounding (a 1e-10 shift of t changes it by ~1e-20), so
    # candidates tied to a few ulps are told apart by the first-order condition: an interior stationary point wins.
    gmax = g.max(axis=1, keepdims=True)
    interior = np.zeros((B, K, 3), dtype=bool)
    interior[..., 0] = (T[..., 0] > 0.0) & (T[..., 0] < 1.0)
    preferred = (g >= gmax - 8 * np.finfo(np.float64).eps * np.abs(gmax)) & interior.reshape(B, 3 * K)
    best = np.where(preferred.any(axis=1), preferred.argmax(axis=1), g.argmax(axis=1))
    rows = np.arange(B)
    k, t = best // 3, T.reshape(B, 3 * K)[rows, best]
    pos = np.arange(K)[None, :]
    xs = np.where(pos < k[:, None], 1.0, 0.0)
    xs[rows, k] = t
    X = np.empty((B, K))
    np.put_along_axis(X, order, xs, axis=1)
    U = np.stack([(W1 * X).sum(axis=1), (W2 * (1.0 - X)).sum(axis=1)], axis=1)
    disagree = ~np.isfinite(g[rows, best])
    X[disagree] = np.nan
    U[disagree] = np.broadcast_to(d, (B, 2))[disagree]
    return X, U


def nash_bargaining(problem: BargainingProblem) -> BargainingSolution:
    """The exact Nash bargaining solution of one problem (see :func:`nash_bargaining_batch` for the method).

    Coarse problem: x = (1/2,), u = (1/2, 1/2). In every problem with d = 0 each party gets >= 1/2 (model.md §3):
    the supporting line at the NBS meets the axes at (2 u1, 0), (0, 2 u2), and (1, 0), (0, 1) lie below it.
    """
    if not isinstance(problem, BargainingProblem):
        raise ValueError(f"problem: must be a BargainingProblem, got {problem!r}")
    X, U = nash_bargaining_batch(problem.w1[None], problem.w2[None], problem.d)
    agreement = bool(np.isfinite(X[0, 0]))
    return BargainingSolution(readonly(X[0]), readonly(U[0]), agreement,
                              "ratio-order frontier enumeration (exact)" if agreement else "disagreement: no u >= d")


# --- alternating offers -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlternatingOffersSPE:
    """Backward-induction record of finite-horizon alternating offers (stage t = 0 .. horizon - 1).

    ``proposers[t]`` proposes ``offers[t]`` (K,) at stage t; the responder accepts iff its utility is at least
    ``thresholds[t]`` (its continuation value, in stage-t units). ``values[t]`` (2,) are the SPE utilities of the
    subgame starting at t; ``agreed[t]`` is False where the proposer prefers delay (then ``offers[t]`` is NaN).
    ``x``, ``u`` are the stage-0 outcome: agreement is immediate when ``agreed[0]``.
    """

    x: FloatArray
    u: FloatArray
    offers: FloatArray
    values: FloatArray
    thresholds: FloatArray
    proposers: npt.NDArray[np.int64]
    agreed: npt.NDArray[np.bool_]
    delta: float
    horizon: int
    method: str


def _best_acceptable(a: FloatArray, b: FloatArray, proposer: int, c: float) -> FloatArray:
    """Proposer's best x (in ratio order) subject to the responder's utility >= c; ties go to the responder.

    Party 1 proposing keeps a ratio-order prefix until party 2's utility would drop below c; party 2 proposing
    concedes the prefix until party 1's utility reaches c. Dimensions worthless to the proposer go to the responder.
    """
    if proposer == 0:
        budget = b.sum() - c - (np.cumsum(b) - b)  # how much of u2 may still be taken before each dimension
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.clip(budget / b, 0.0, 1.0)
        x = np.where(b == 0, (budget >= 0).astype(np.float64), x)
        return np.where(a == 0, 0.0, x)
    need = c - (np.cumsum(a) - a)  # how much of u1 is still owed before each dimension
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.clip(need / a, 0.0, 1.0)
    x = np.where(a == 0, 0.0, x)
    return np.where((b == 0) & (a > 0), 1.0, x)


def _best_on_grid(X: FloatArray, w1: FloatArray, w2: FloatArray, proposer: int, c: float) -> FloatArray | None:
    """The grid offer (row of X) best for the proposer with the responder's utility >= c (ties: the responder's
    best), or None when no grid offer is acceptable."""
    U = np.stack([X @ w1, (1.0 - X) @ w2], axis=1)
    ok = U[:, 1 - proposer] >= c - _FEAS_TOL
    if not ok.any():
        return None
    mine = np.where(ok, U[:, proposer], -np.inf)
    best = np.flatnonzero(mine >= mine.max() - _FEAS_TOL)
    return X[best[np.argmax(U[best, 1 - proposer])]]


def alternating_offers_spe(problem: BargainingProblem, delta: float, horizon: int,
                           first_proposer: int = 0, offers: npt.ArrayLike | None = None) -> AlternatingOffersSPE:
    """Subgame-perfect equilibrium of finite-horizon alternating offers over a refined bargaining problem.

    Parameters
    ----------
    problem : BargainingProblem
    delta : float in (0, 1]
        Common discount factor per stage.
    horizon : int >= 1
        Number of stages; proposers alternate, ``first_proposer`` (0 or 1) at stage 0.
    offers : array_like (G, K), optional
        A finite set of allowed allocations (e.g. the grid of ``refine_bargain_v0``): each stage then picks the best
        acceptable allocation of the set (ties go to the responder) instead of the continuum's. Default: any x.

    Notes
    -----
    Backward induction (Rubinstein 1982, finite horizon; model.md §3), each stage's values in that stage's units
    (an agreement at stage t pays ``delta**t`` times them). After a rejection at the last stage both get d, not
    discounted (our convention, and the env's): in the last stage's units that is ``d / delta**(horizon - 1)``, so
    the last proposer offers the responder that much. At stage t < horizon - 1 the responder's threshold is
    ``delta * values[t + 1, r]``. The stage
    problem, max ``u_p`` s.t. ``u_r >= threshold``, is an LP in x whose solution is a point of the Pareto frontier
    (ratio order, at most one split dimension). The proposer agrees iff it gets at least its own continuation value.

    Limits: K = 1, d = 0: ``u1 -> 1 / (1 + delta)`` as the horizon grows. For any K, once the horizon is long the
    stage-0 outcome approaches the infinite-horizon Rubinstein SPE on the frontier, which tends to the NBS *with
    disagreement point (0, 0)* as delta -> 1 (Binmore, Rubinstein and Wolinsky 1986): perpetual delay is worth 0,
    so the limit equals :func:`nash_bargaining` only when d = (0, 0). The error is O(1 - delta) + O(delta^horizon).
    """
    if not isinstance(problem, BargainingProblem):
        raise ValueError(f"problem: must be a BargainingProblem, got {problem!r}")
    delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon: must be an integer >= 1, got {horizon!r}")
    first = check_index("first_proposer", first_proposer, 2)
    grid = None
    if offers is not None:
        grid = as_finite_array("offers", offers, ndim=2)
        if grid.shape[1] != problem.K or grid.min() < 0.0 or grid.max() > 1.0:
            raise ValueError(f"offers: must be allocations in [0, 1]^K of shape (G, {problem.K}), got shape "
                             f"{grid.shape}")
    order = _ratio_order(problem.w1[None], problem.w2[None])[0]
    a, b = problem.w1[order], problem.w2[order]
    T, K = int(horizon), problem.K
    offers_, values = np.full((T, K), np.nan), np.empty((T, 2))
    thresholds, agreed = np.empty(T), np.zeros(T, dtype=bool)
    proposers = (first + np.arange(T)) % 2
    with np.errstate(divide="ignore", invalid="ignore"):       # d, paid undiscounted, in the last stage's units
        breakdown = np.where(problem.d == 0.0, 0.0, problem.d / delta ** (T - 1))
    for t in range(T - 1, -1, -1):
        p = int(proposers[t])
        cont = breakdown if t == T - 1 else delta * values[t + 1]
        thresholds[t] = cont[1 - p]
        if grid is None:
            x = np.empty(K)
            x[order] = _best_acceptable(a, b, p, float(cont[1 - p]))
        else:
            x = _best_on_grid(grid, problem.w1, problem.w2, p, float(cont[1 - p]))
        u = None if x is None else np.array([problem.w1 @ x, problem.w2 @ (1.0 - x)])
        if u is not None and u[1 - p] >= cont[1 - p] - _FEAS_TOL and u[p] >= cont[p] - _FEAS_TOL:
            offers_[t] = x
            values[t], agreed[t] = u, True
        else:
            values[t] = cont
    method = ("backward induction, ratio-order stage LP (exact)" if grid is None else
              f"backward induction over {len(grid)} allowed offers (exact)")
    return AlternatingOffersSPE(readonly(offers_[0]), readonly(values[0]), readonly(offers_), readonly(values),
                                readonly(thresholds), readonly(proposers), readonly(agreed), delta, T, method)
