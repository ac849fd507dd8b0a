"""Bayes-Nash equilibrium of a two-player Bayesian game with finitely many types per player (model.md §4).

Player 0 has types k = 1..K with probabilities p_k, player 1 types l = 1..L with q_l, drawn independently (a common
prior); when of types (k, l) the players' payoff matrices are ``R1[k, l], R2[k, l]`` (m x n). A strategy is one mixed
action per type, ``x_k`` and ``y_l``. A profile is a Bayes-Nash equilibrium when every type best-responds in
expectation over the other's type:

    x_k  in  argmax  x . Q_k,    Q_k = sum_l q_l R1[k, l] y_l          (each k with p_k > 0)
    y_l  in  argmax  P_l . y,    P_l = sum_k p_k x_k R2[k, l]          (each l with q_l > 0)

Method: complementary pivoting along the linear tracing path (Lemke's algorithm with the covering vector of a prior,
as Koller, Megiddo and von Stengel 1996 run it on the sequence form; Howson 1972 for polymatrix games, of which this
is one, every type an agent). With the best-response slacks ``w_x = E^T u - A y - z0 e_s >= 0`` and
``w_y = F^T v - B^T x - z0 e_t >= 0``, ``x . w_x = y . w_y = 0``, ``E x = 1``, ``F y = 1`` (``A[(k,a),(l,b)] =
q_l R1[k,l,a,b]``, ``B[(k,a),(l,b)] = p_k R2[k,l,a,b]``, E and F summing each type's probabilities, u and v free),
a bonus z0 on each type's *prior* action (``s_k``, ``t_l``: its best reply to the other's uniform mix) makes the
prior profile the unique solution for large z0. The path starts where the prior stops being one, z0 = z0*, and
pivots complementarily (the variable whose complement just left enters; the free u, v never leave) until z0 leaves
the basis at 0: a Bayes-Nash equilibrium. Each type's payoffs are first mapped to [0, 1] over its own range (a
positive affine map of one agent's payoffs changes neither its best replies nor its prior action; the normalization
makes the bonus z0 count alike for every type, and the path, hence the equilibrium found, independent of each type's
units), so types in very different units are solved and judged alike.

Degeneracy (ties in the ratio tests, common with small integer payoffs) is resolved by the lexicographic rule, i.e.
by following the path of the game with right-hand side perturbed by ``(eps, eps^2, ...)``: the perturbation block is
set to the identity *in the starting basis* (so every row is lexicographically positive there, even where a prior
action ties with another and its slack is 0), z0 enters in the lexicographically largest of the rows that need it,
and every later ratio test takes the lexicographic minimum; the rows stay lexicographically positive, the perturbed
path is nondegenerate and cannot cycle. (Breaking ties on the basis inverse of the starting basis instead, whose rows
need not be lexicographically positive, cycled on about 1 in 200 small integer games.)

Exactness: the end point is verified, every type's regret relative to its *own* payoff range (over the other's types
of positive probability) at most ``tol`` (RuntimeError otherwise: a ray or the pivot watchdog). Size: D = K (m + 1) +
L (n + 1) unknowns, a dense tableau of 3 D^2 floats, O(D^2) per pivot (rows the pivot column leaves at 0 are
skipped); K = L = 128 types of a refined 3 x 3 game (D = 1,024) take about 500 pivots and a few seconds on one core
here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BayesianEquilibrium:
    """Type strategies ``x`` (K, m) and ``y`` (L, n), ex-ante ``payoffs`` (2,), the largest type regret relative to
    that type's own payoff range, Lemke's pivots and the method."""

    x: FloatArray
    y: FloatArray
    payoffs: FloatArray
    max_regret: float
    pivots: int
    method: str


def _weights(name: str, w: npt.ArrayLike | None, size: int) -> FloatArray:
    if w is None:
        return np.full(size, 1.0 / size)
    arr = as_finite_array(name, w)
    if arr.shape != (size,) or np.any(arr < 0) or not np.isclose(arr.sum(), 1.0):
        raise ValueError(f"{name}: must be {size} probabilities summing to 1, got {arr!r}")
    return arr


def _type_units(R: FloatArray, other: FloatArray, axis: int) -> FloatArray:
    """``R`` with each type of the player whose types run along ``axis`` (0: player 0, 1: player 1) shifted and
    scaled to its own payoff range, over the other player's types of positive probability (``other``): ``(R - lo) /
    (hi - lo)`` in [0, 1]. A positive affine map of one type's payoffs leaves its best replies and its prior action
    unchanged; a type whose payoffs are all equal is left at 0 (every action a best reply)."""
    seen = np.compress(other > 0, R, axis=1 - axis)
    lo, hi = (np.moveaxis(f(np.moveaxis(seen, axis, 0).reshape(R.shape[axis], -1), axis=1)[:, None, None, None], 0,
                          axis) for f in (np.min, np.max))
    span = hi - lo
    return np.where(span > 0, (R - lo) / np.where(span > 0, span, 1.0), 0.0)


def type_regrets(R1: FloatArray, R2: FloatArray, x: FloatArray, y: FloatArray, p: FloatArray, q: FloatArray
                 ) -> tuple[FloatArray, FloatArray]:
    """Each type's best-response gain in expectation over the other's type: (K,) for player 0, (L,) for player 1."""
    Q = np.einsum("l,klab,lb->ka", q, R1, y)
    P = np.einsum("k,ka,klab->lb", p, x, R2)
    return Q.max(axis=1) - (x * Q).sum(axis=1), P.max(axis=1) - (y * P).sum(axis=1)


def bayesian_equilibrium(R1: npt.ArrayLike, R2: npt.ArrayLike, p: npt.ArrayLike | None = None,
                         q: npt.ArrayLike | None = None, *, tol: float = 1e-7, max_pivots: int = 100_000
                         ) -> BayesianEquilibrium:
    """A verified Bayes-Nash equilibrium of the finite Bayesian game (module docstring).

    Parameters
    ----------
    R1, R2 : (K, L, m, n) payoffs of player 0 and player 1 when of types (k, l).
    p, q : type probabilities of player 0 (K,) and player 1 (L,); default uniform.
    tol : verification tolerance on each type's regret relative to its own payoff range (the range of its payoffs
        against the other player's types of positive probability; a type whose payoffs are all equal has regret 0).
    """
    R1 = as_finite_array("R1", R1)
    R2 = as_finite_array("R2", R2)
    if R1.ndim != 4 or R1.shape != R2.shape or 0 in R1.shape:
        raise ValueError(f"R1, R2: must be two (K, L, m, n) arrays of one shape, got {R1.shape} and {R2.shape}")
    K, L, m, n = R1.shape
    p, q = _weights("p", p, K), _weights("q", q, L)
    U1, U2 = _type_units(R1, q, axis=0), _type_units(R2, p, axis=1)           # each type in its own units
    A = (U1 * q[None, :, None, None]).transpose(0, 2, 1, 3).reshape(K * m, L * n)
    B = (U2 * p[:, None, None, None]).transpose(0, 2, 1, 3).reshape(K * m, L * n)
    s = (A @ np.full(L * n, 1.0 / n)).reshape(K, m).argmax(axis=1)              # prior: best reply to uniform
    t = (np.full(K * m, 1.0 / m) @ B).reshape(L, n).argmax(axis=1)
    traced = _trace(A, B, (K, L, m, n), s, t, max_pivots)
    if traced is None:
        raise RuntimeError("Bayes-Nash: the tracing path lost feasibility or hit the pivot watchdog")
    x, y, pivots = traced
    x = x / np.maximum(x.sum(axis=1, keepdims=True), 1e-300)
    y = y / np.maximum(y.sum(axis=1, keepdims=True), 1e-300)
    g1, g2 = type_regrets(U1, U2, x, y, p, q)                                 # relative to each type's range
    regret = float(max(g1.max(), g2.max(), 0.0))
    if regret > tol:
        raise RuntimeError(f"Bayes-Nash verification failed: relative type regret {regret:.2e} > tol {tol:.1e}")
    pay = np.array([np.einsum("k,l,ka,klab,lb->", p, q, x, R, y) for R in (R1, R2)])
    return BayesianEquilibrium(x, y, pay, regret, pivots, f"tracing (Lemke, prior best replies to uniform), "
                               f"{K} x {L} types, {pivots} pivots")


def _ratio(T: FloatArray, col: int, free: npt.NDArray[np.bool_], lex: slice) -> int:
    """Lexicographic minimum-ratio row for entering column ``col`` among the rows of non-free basic variables
    (-1: none, a ray): ties in ``rhs / T[r, col]`` are broken on the rows of the perturbation block (``lex``:
    the current basis inverse times the starting basis, rows lexicographically positive)."""
    colv = T[:, col]
    rows = np.flatnonzero((colv > 1e-12) & ~free)
    if rows.size <= 1:
        return int(rows[0]) if rows.size else -1
    ratios = T[rows, -1] / colv[rows]
    cand = rows[ratios <= ratios.min() + 1e-11 * max(1.0, abs(ratios.min()))]
    if cand.size > 1:
        keys = T[cand, lex] / colv[cand, None]
        for j in range(keys.shape[1]):
            v = keys[:, j]
            keep = v <= v.min() + 1e-11 * max(1.0, abs(v.min()))
            cand, keys = cand[keep], keys[keep]
            if cand.size == 1:
                break
    return int(cand[0])


def _first_row(T: FloatArray, col: int, free: npt.NDArray[np.bool_], lex: slice) -> int:
    """The row z0 (column ``col``) enters in: the non-free row that needs the largest bonus to stay feasible,
    ``rhs / T[r, col]`` over rows with ``T[r, col] < 0``, ties broken lexicographically (largest) on the perturbation
    block ``lex``, so that after the pivot every non-free row is lexicographically positive."""
    colv = T[:, col]
    rows = np.flatnonzero((colv < -1e-12) & ~free)
    keys = np.column_stack([T[rows, -1], T[rows, lex]]) / colv[rows, None]
    cand = np.arange(rows.size)
    for j in range(keys.shape[1]):
        v = keys[cand, j]
        cand = cand[v >= v.max() - 1e-11 * max(1.0, abs(v.max()))]
        if cand.size == 1:
            break
    return int(rows[cand[0]])


def _trace(A: FloatArray, B: FloatArray, shape: tuple[int, int, int, int], s: npt.NDArray[np.int64],
           t: npt.NDArray[np.int64], max_pivots: int) -> tuple[FloatArray, FloatArray, int] | None:
    """Follow the tracing path (module docstring) from the prior (s, t); (x, y, pivots) or None."""
    K, L, m, n = shape
    X, Y = K * m, L * n
    D = X + Y + K + L
    ux, vx, Z = 2 * X + 2 * Y, 2 * X + 2 * Y + K, 2 * X + 2 * Y + K + L        # columns of u, v and z0
    T = np.zeros((D, Z + 1 + D + 1))                                         # vars | perturbation | rhs
    rx, ry = np.arange(X), X + np.arange(Y)
    T[rx, X + Y + rx] = 1.0                                                   # w_x
    T[rx, ux + rx // m] = -1.0                                                # - E^T u
    T[:X, X:X + Y] = A                                                        # + A y
    T[np.arange(K) * m + s, Z] = 1.0                                          # + z0 e_s
    T[ry, X + Y + ry] = 1.0                                                   # w_y (columns 2X+Y+j)
    T[ry, vx + (ry - X) // n] = -1.0
    T[X:X + Y, :X] = B.T
    T[X + np.arange(L) * n + t, Z] = 1.0
    T[X + Y + np.arange(K), :X] = np.kron(np.eye(K), np.ones(m))             # E x = 1
    T[X + Y + K + np.arange(L), X:X + Y] = np.kron(np.eye(L), np.ones(n))     # F y = 1
    T[X + Y:, -1] = 1.0
    T[:, Z + 1:Z + 1 + D] = np.eye(D)
    prior_x, prior_y = np.arange(K) * m + s, X + np.arange(L) * n + t
    wx = np.setdiff1d(np.arange(X), prior_x) + X + Y
    wy = np.setdiff1d(np.arange(Y), prior_y - X) + 2 * X + Y
    basis = np.concatenate([prior_x, prior_y, wx, wy, ux + np.arange(K), vx + np.arange(L)])
    try:
        T = np.linalg.solve(T[:, basis], T)
    except np.linalg.LinAlgError:
        return None
    free = basis >= ux                                                        # u, v: never leave
    lex = slice(Z + 1, Z + 1 + D)
    T[:, lex] = np.eye(D)        # perturb rhs by (eps, eps^2, ..) in *this* basis: every row lexicographically positive
    rhs, col = T[:, -1], T[:, Z]
    low = ~free & (rhs < -1e-12)
    if not low.any():                                                         # the prior is an equilibrium
        row = -1
    else:
        if np.any(col[low] >= 0):
            return None
        row = _first_row(T, Z, free, lex)
    entering, pivots = Z, 0
    while row >= 0:
        pivots += 1
        if pivots > max_pivots:
            return None
        T[row] /= T[row, entering]
        c = T[:, entering].copy()
        c[row] = 0.0
        nz = np.flatnonzero(c)
        T[nz] -= c[nz, None] * T[row]
        leaving, basis[row] = int(basis[row]), entering
        if leaving == Z:
            break
        entering = leaving + X + Y if leaving < X + Y else leaving - X - Y   # the complement enters
        row = _ratio(T, entering, free, lex)
        if row < 0:
            return None
    z = np.zeros(Z + 1)
    z[basis] = T[:, -1]
    return np.clip(z[:X], 0.0, None).reshape(K, m), np.clip(z[X:X + Y], 0.0, None).reshape(L, n), pivots


@dataclass(frozen=True, slots=True)
class ContinuumPlay:
    """Bayes-Nash play of a *separable* Bayesian game with a continuum of types (:func:`continuum_play`).

    Player_0 best-responds to ``(y_bar, c0)``: of type k its action values are ``Q = V0[k] y_bar + c0``; player_1
    to ``(x_bar, c1)``: ``P = x_bar V1[l] + c1``. ``pools[i]`` are player i's actions whose payoffs do not depend on
    its type and that it plays in equilibrium, ``weights[i]`` how it mixes over them whenever one of them is its
    best action (they tie there); otherwise a type plays its best action. ``residual``: the largest violation of
    the equilibrium equations (probabilities, and payoffs in units of the payoff range).
    """

    y_bar: FloatArray
    c0: FloatArray
    x_bar: FloatArray
    c1: FloatArray
    pools: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
    weights: tuple[FloatArray, FloatArray]
    residual: float
    method: str

    def play(self, values: FloatArray, player: int, scale: float, view: FloatArray | None = None,
             tie: float = 1e-6) -> FloatArray:
        """The mixed action of a type with action values ``values`` (its Q or P): the pool's mix where the pool's
        value is within ``tie * scale`` of the best (the polish's tolerance), else the best action. ``view`` (the
        type's own payoffs) is not needed here: :meth:`AtomicPlay.play` takes the same arguments."""
        pool, w = self.pools[player], self.weights[player]
        if pool.size and values[pool].mean() >= values.max() - tie * scale:
            out = np.zeros(values.size)
            out[pool] = w
            return out
        return np.eye(values.size)[int(np.argmax(values))]


def continuum_play(V0: FloatArray, X0: FloatArray, V1: FloatArray, X1: FloatArray, start: BayesianEquilibrium,
                   start_games: tuple[FloatArray, FloatArray, FloatArray, FloatArray], *, temperature: float = 1e-3,
                   tol: float = 1e-6) -> ContinuumPlay:
    """Polish a sampled-type equilibrium into the equilibrium of the type *law* a large sample stands for.

    The game is separable: ``R1(k, l) = V0[k] + X0[l]`` and ``R2(k, l) = V1[l] + X1[k]`` (a refined game under
    private offsets: each player's view plus what the other's refinement adds, :mod:`agents.analytic.matrix_private`),
    with K types of player_0 (V0, X1 of shape (K, m, n)) and L of player_1 (V1, X0: (L, m, n)) drawn from their
    laws; K = 1 or L = 1 is a player without private types. Player_0's expected payoffs depend on player_1's play
    only through ``y_bar = E_l[y_l]`` and ``c0 = E_l[X0[l] y_l]``, and player_1's on ``x_bar``, ``c1`` likewise.
    A player's actions split into *typed* ones (payoffs that move with its type: its refined variants), where
    continuous types make best replies pure except on a null set, and *pooled* ones (payoffs alike for all types),
    which tie for every type at once and so are mixed in a common proportion, solved for like an uninformed
    player's mix: the pool is the set of such actions ``start`` plays, and the other player's summary must make them
    indifferent. Unknowns: each player's summary (``x_bar, c1``; ``y_bar, c0``) and pool weights; equations: the
    summary a player's types produce by best-responding (the best reply softened to a logit reply at ``temperature``
    times the payoff range over the typed actions and the pool, which makes the sample average smooth; the hard
    reply is what is played), the pool's indifference and its weights summing to 1. Solved by Powell's hybrid method
    (``scipy.optimize.root``) from the summaries of ``start``, a :func:`bayesian_equilibrium` of a smaller sample
    ``start_games = (V0, X0, V1, X1)``. Where it does not converge (residual above ``tol`` of the range), a weight
    is negative, or an unused pooled action pays more than the pool, it returns ``start``'s own summaries (its
    ``method`` says so, ``residual`` is NaN).
    """
    from scipy.optimize import root

    m, n = V0.shape[1:]
    scale = max(float(np.ptp(V0)), float(np.ptp(V1)), 1e-300)              # solved in units of the payoff range
    V0, X0, V1, X1 = (a / scale for a in (V0, X0, V1, X1))
    sV0, sX0, sV1, sX1 = (a / scale for a in start_games)
    tau = temperature
    # per player: its own values arrays (types, actions, opposing) and cross arrays, in "own actions first" frame
    own = [V0, V1.transpose(0, 2, 1)]
    cross = [X1, X0.transpose(0, 2, 1)]                        # what a player's refinement adds to the other's
    typed = [np.ptp(own[i], axis=0).max(axis=1) + np.ptp(cross[i], axis=0).max(axis=1) > 0 for i in (0, 1)]
    starts = [start.x, start.y]
    pools = [np.flatnonzero(~typed[i] & (starts[i].sum(axis=0) > 1e-9)) for i in (0, 1)]
    sizes = (m, n)
    summary0 = [np.concatenate([start.x.mean(axis=0), np.einsum("ka,kab->b", start.x, sX1) / len(start.x)]),
                np.concatenate([start.y.mean(axis=0), np.einsum("lab,lb->a", sX0, start.y) / len(start.y)])]
    weights0 = [starts[i].sum(axis=0)[pools[i]] / max(starts[i].sum(axis=0)[pools[i]].sum(), 1e-300)
                for i in (0, 1)]
    has_types = [own[i].shape[0] > 1 for i in (0, 1)]
    layout = []                                                 # per player: (summary size, pool size)
    z0 = []
    for i in (0, 1):
        k = sizes[i] + sizes[1 - i] if has_types[i] else 0
        layout.append((k, pools[i].size))
        z0 += [summary0[i]] if has_types[i] else []
        z0 += [weights0[i]]

    def unpack(z: FloatArray) -> list[tuple[FloatArray, FloatArray, FloatArray]]:
        out, at = [], 0
        for i in (0, 1):
            k, p = layout[i]
            summ, w = z[at:at + k], z[at + k:at + k + p]
            at += k + p
            if not has_types[i]:                                # summary = the pool's mix
                mix = np.zeros(sizes[i])
                mix[pools[i]] = w
                summ = np.concatenate([mix, mix @ cross[i][0]])
            out.append((summ[:sizes[i]], summ[sizes[i]:], w))
        return out

    def values(parts: list[tuple[FloatArray, FloatArray, FloatArray]], i: int) -> FloatArray:
        """(types, actions) values of player i against the other's summary."""
        bar, c, _ = parts[1 - i]
        return own[i] @ bar + c

    def reply(Q: FloatArray, i: int, w: FloatArray) -> FloatArray:
        """Soft best reply (types, actions) over the typed actions and the pool (its value: the mean over it)."""
        cols = np.flatnonzero(typed[i])
        if pools[i].size:
            cand = np.column_stack([Q[:, cols], Q[:, pools[i]].mean(axis=1)])
        else:
            cand = Q[:, cols]
        e = np.exp((cand - cand.max(axis=1, keepdims=True)) / tau)
        e /= e.sum(axis=1, keepdims=True)
        out = np.zeros_like(Q)
        out[:, cols] = e[:, :cols.size]
        if pools[i].size:
            out[:, pools[i]] = e[:, -1:] * w
        return out

    def residual(z: FloatArray) -> FloatArray:
        parts = unpack(z)
        res = []
        for i in (0, 1):
            bar, c, w = parts[i]
            Q = values(parts, i)
            if has_types[i]:
                s = reply(Q, i, w)
                res.append(bar - s.mean(axis=0))
                res.append(c - np.einsum("ka,kab->b", s, cross[i]) / len(s))
            if pools[i].size:
                q = Q[0, pools[i]]
                res.append(q[1:] - q[0])
                res.append([w.sum() - 1.0])
        return np.concatenate(res)

    def result(z: FloatArray, worst: float, method: str) -> ContinuumPlay:
        parts = unpack(z)
        w0, w1 = (np.clip(parts[i][2], 0.0, None) / max(np.clip(parts[i][2], 0.0, None).sum(), 1e-300)
                  for i in (0, 1))
        return ContinuumPlay(parts[1][0], parts[1][1] * scale, parts[0][0], parts[0][1] * scale, (pools[0], pools[1]),
                             (w0, w1), worst, method)

    fallback = result(np.concatenate(z0), float("nan"), f"{start.method}; continuum polish failed")
    sol = root(residual, np.concatenate(z0), method="hybr", options={"xtol": 1e-12})
    worst = float(np.abs(residual(sol.x)).max())
    if not sol.success or worst > tol:
        return fallback
    parts = unpack(sol.x)
    for i in (0, 1):
        w = parts[i][2]
        if w.size and w.min() < -tol:
            return fallback
        if pools[i].size:
            Q = values(parts, i)[0]
            others = np.flatnonzero(~typed[i])
            if Q[others].max() > Q[pools[i]].mean() + tol:
                return fallback
    return result(sol.x, worst, f"{start.method}; continuum polish (hybr, {len(V0)} x {len(V1)} types, logit "
                                f"{temperature:g}, residual {worst:.1e})")


@dataclass(frozen=True, slots=True)
class AtomicPlay:
    """Bayes-Nash play of a separable Bayesian game whose types take finitely many values (:func:`atomic_play`).

    ``types[i]`` are player i's distinct types (player_0: its view V0, (K, m, n); player_1: V1, (L, m, n)),
    ``weights[i]`` their probabilities, ``strategies[i]`` each one's equilibrium mix; ``y_bar, c0, x_bar, c1`` the
    summaries each player best-responds to, as in :class:`ContinuumPlay`.
    """

    y_bar: FloatArray
    c0: FloatArray
    x_bar: FloatArray
    c1: FloatArray
    types: tuple[FloatArray, FloatArray]
    weights: tuple[FloatArray, FloatArray]
    strategies: tuple[FloatArray, FloatArray]
    method: str

    def play(self, values: FloatArray, player: int, scale: float, view: FloatArray | None = None) -> FloatArray:
        """The mix of the type whose view (own payoffs) is ``view``, compared in float32, the precision of
        observations; a best action against the summaries (``values``) for a view that is none of the types
        (``scale`` is unused: the signature of :meth:`ContinuumPlay.play`)."""
        if view is not None:
            same = (np.float32(self.types[player]) == np.float32(view)).all(axis=(1, 2))
            if same.any():
                return self.strategies[player][int(np.argmax(same))]
        return np.eye(values.size)[int(np.argmax(values))]


def atomic_play(V0: FloatArray, X0: FloatArray, V1: FloatArray, X1: FloatArray, *, max_types: int = 64,
                tol: float = 1e-7) -> AtomicPlay | None:
    """The Bayes-Nash equilibrium of the separable game ``R1(k, l) = V0[k] + X0[l]``, ``R2(k, l) = V1[l] + X1[k]``
    when the drawn types repeat: a law with atoms (e.g. Rademacher gaps) has finitely many types, and best replies
    tie *within* a type, so the continuum polish, which plays one action per type, cannot represent its equilibrium.
    The distinct types (a player's type: its view and what its refinement adds to the other's payoffs) get their
    sample frequencies as probabilities and :func:`bayesian_equilibrium` solves that finite game exactly. None where a
    player has more than ``max_types`` distinct types (a continuous law: :func:`continuum_play`). Error: the
    frequencies of N draws, O(1 / sqrt(N)) each."""
    found = []
    for V, X in ((V0, X1), (V1, X0)):
        flat = np.concatenate([V.reshape(len(V), -1), X.reshape(len(X), -1)], axis=1)
        uniq, index, counts = np.unique(flat, axis=0, return_index=True, return_counts=True)
        if len(uniq) > max_types:
            return None
        found.append((index, counts / counts.sum()))
    (i0, p), (i1, q) = found
    A, B = V0[i0][:, None] + X0[i1][None], V1[i1][None] + X1[i0][:, None]
    eq = bayesian_equilibrium(A, B, p, q, tol=tol)
    y_bar, x_bar = q @ eq.y, p @ eq.x
    c0 = np.einsum("l,lab,lb->a", q, X0[i1], eq.y)
    c1 = np.einsum("k,ka,kab->b", p, eq.x, X1[i0])
    return AtomicPlay(y_bar, c0, x_bar, c1, (V0[i0], V1[i1]), (p, q), (eq.x, eq.y),
                      f"{len(i0)} x {len(i1)} distinct types of {len(V0)} x {len(V1)} draws, {eq.method}")
