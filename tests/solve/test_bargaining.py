"""Tests of the Nash bargaining solution and alternating offers (vvl_env/solve/bargaining.py, model.md §3)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog, minimize

from vvl_env.model.bargaining import BargainingLaw, BargainingProblem, DirichletWeights, FixedWeights, UniformWeights
from vvl_env.solve.bargaining import alternating_offers_spe, nash_bargaining, nash_bargaining_batch
from vvl_env.solve.results import Estimate


def weights(K: int) -> st.SearchStrategy[np.ndarray]:
    """Weight vectors on the simplex, with exact zeros and ties likely."""
    raw = st.lists(st.sampled_from([0.0, 0.0, 0.5, 1.0]) | st.floats(0.0, 1.0), min_size=K, max_size=K)
    return raw.filter(lambda v: sum(v) > 1e-3).map(lambda v: np.asarray(v) / np.sum(v))


problems = st.integers(1, 5).flatmap(lambda K: st.tuples(weights(K), weights(K)))


def _scipy_nbs(p: BargainingProblem) -> tuple[float, np.ndarray]:
    """Max of log(u1 - d1) + log(u2 - d2) (concave in x) by SLSQP from several starts."""
    def neg(x: np.ndarray) -> float:
        u = p.utilities(np.clip(x, 0, 1)) - p.d
        return -np.log(max(u[0], 1e-300)) - np.log(max(u[1], 1e-300))
    best = None
    for x0 in (np.full(p.K, 0.5), np.linspace(0.1, 0.9, p.K), np.linspace(0.9, 0.1, p.K)):
        r = minimize(neg, x0, method="SLSQP", bounds=[(0, 1)] * p.K, options={"ftol": 1e-15, "maxiter": 500})
        if best is None or r.fun < best.fun:
            best = r
    u = p.utilities(np.clip(best.x, 0, 1))
    return float(np.prod(u - p.d)), u


# --- oracles (model.md §3) ------------------------------------------------------------------------------------


def test_coarse_nbs() -> None:
    sol = nash_bargaining(BargainingProblem.coarse())
    assert sol.agreement
    np.testing.assert_allclose(sol.x, [0.5], atol=1e-15)
    np.testing.assert_allclose(sol.u, [0.5, 0.5], atol=1e-15)


@pytest.mark.parametrize("w", [[1.0], [0.5, 0.5], [0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])
def test_equal_weights_change_nothing(w: list[float]) -> None:
    np.testing.assert_allclose(nash_bargaining(BargainingProblem(w, w)).u, [0.5, 0.5], atol=1e-15)


@pytest.mark.parametrize("w1, w2, u", [
    ([0.8, 0.2], [0.2, 0.8], [0.8, 0.8]),
    ([0.4, 0.6], [0.2, 0.8], [0.5, 2 / 3]),
    ([1.0, 0.0], [0.0, 1.0], [1.0, 1.0]),
])
def test_model_examples(w1: list[float], w2: list[float], u: list[float]) -> None:
    sol = nash_bargaining(BargainingProblem(w1, w2))
    np.testing.assert_allclose(sol.u, u, atol=1e-15)
    np.testing.assert_allclose(BargainingProblem(w1, w2).utilities(sol.x), sol.u, atol=1e-15)


def test_disagreement_point() -> None:
    s = nash_bargaining(BargainingProblem([1.0], [1.0], d=(0.5, 0.0)))  # max (u1 - 1/2)(1 - u1): u1 = 3/4
    np.testing.assert_allclose(s.u, [0.75, 0.25], atol=1e-15)
    s = nash_bargaining(BargainingProblem([1.0], [1.0], d=(0.5, 0.5)))  # d on the frontier: only d itself
    assert s.agreement and np.allclose(s.u, [0.5, 0.5])
    s = nash_bargaining(BargainingProblem([1.0], [1.0], d=(0.6, 0.5)))  # d beyond the frontier
    assert not s.agreement and np.all(np.isnan(s.x)) and s.u.tolist() == [0.6, 0.5]
    s = nash_bargaining(BargainingProblem([1.0, 0.0], [0.0, 1.0], d=(0.9, 0.9)))
    assert s.agreement and np.allclose(s.u, [1.0, 1.0])


# --- properties -----------------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(problems)
def test_each_party_gets_half_and_pareto_optimal(ws: tuple[np.ndarray, np.ndarray]) -> None:
    p = BargainingProblem(*ws)
    sol = nash_bargaining(p)
    assert sol.agreement and np.all(sol.u >= 0.5 - 1e-12)
    assert np.all((sol.x >= 0) & (sol.x <= 1))
    np.testing.assert_allclose(p.utilities(sol.x), sol.u, atol=1e-12)
    # Pareto optimal: the most party 1 can get while party 2 keeps u2 is u1 (an LP over x)
    res = linprog(-p.w1, A_ub=[p.w2], b_ub=[p.w2.sum() - sol.u[1]], bounds=[(0, 1)] * p.K, method="highs")
    assert -res.fun <= sol.u[0] + 1e-9


@settings(max_examples=40, deadline=None)
@given(problems, st.tuples(st.floats(0, 0.45), st.floats(0, 0.45)))
def test_matches_scipy_optimisation(ws: tuple[np.ndarray, np.ndarray], d: tuple[float, float]) -> None:
    p = BargainingProblem(*ws, d=d)
    sol = nash_bargaining(p)
    assert sol.agreement  # d <= (1/2, 1/2) is always feasible
    prod, u = _scipy_nbs(p)
    ours = float(np.prod(sol.u - p.d))
    assert ours >= prod - 1e-12  # never beaten
    assert ours == pytest.approx(prod, abs=1e-6)
    np.testing.assert_allclose(sol.u, u, atol=1e-6)


def test_matches_grid_k2() -> None:
    rng = np.random.default_rng(8)
    g = np.linspace(0, 1, 401)
    X = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)
    for _ in range(20):
        p = BargainingProblem(*rng.dirichlet([1.0, 1.0], size=2))
        grid = np.prod(p.utilities(X), axis=1).max()
        ours = np.prod(nash_bargaining(p).u)
        assert grid - 1e-12 <= ours <= grid + 1e-4


def test_batch_equals_single() -> None:
    rng = np.random.default_rng(9)
    B, K = 300, 4
    W1 = rng.dirichlet(np.full(K, 0.3), size=B)
    W2 = rng.dirichlet(np.full(K, 0.3), size=B)
    W1[:50] = W2[:50]  # equal weights
    W1[50:80, 0], W1[50:80, 1:] = 1.0, 0.0  # zeros
    D = rng.uniform(0, 0.5, size=(B, 2))
    X, U = nash_bargaining_batch(W1, W2, D)
    for i in range(B):
        s = nash_bargaining(BargainingProblem(W1[i], W2[i], D[i]))
        np.testing.assert_allclose(U[i], s.u, atol=1e-15)
        np.testing.assert_allclose(X[i], s.x, atol=1e-15)


def test_monte_carlo_gain() -> None:
    """E[u1 + u2] > 1 when the weights differ with positive probability; = 1 with equal weights (model.md §3)."""
    law = BargainingLaw(UniformWeights(3), DirichletWeights([2.0, 1.0, 1.0]))
    W1, W2 = law.sample(20_000, rng=np.random.default_rng(10))
    _, U = nash_bargaining_batch(W1, W2)
    est = Estimate.from_samples(U.sum(axis=1))
    assert est.ci[0] > 1.0 and np.all(U >= 0.5 - 1e-12)
    W = FixedWeights([0.2, 0.8]).sample(100, rng=np.random.default_rng(0))
    np.testing.assert_allclose(nash_bargaining_batch(W, W)[1].sum(axis=1), 1.0, atol=1e-15)


@pytest.mark.parametrize("args, field", [
    (([[0.5, 0.5]], [[0.5, 0.3, 0.2]]), "W2"),
    (([[0.5, 0.6]], [[0.5, 0.5]]), "W1"),
    (([[0.5, 0.5]], [[1.5, -0.5]]), "W2"),
    (([0.5, 0.5], [0.5, 0.5]), "W1"),
    (([[0.5, 0.5]], [[0.5, 0.5]], (0.0, 0.0, 0.0)), "d"),
    (([[0.5, 0.5]], [[0.5, 0.5]], [[0.0, np.nan]]), "d"),
])
def test_batch_bad_inputs(args: tuple, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        nash_bargaining_batch(*args)


# --- alternating offers -----------------------------------------------------------------------------------------


def test_spe_k1_by_hand() -> None:
    p, dl = BargainingProblem.coarse(), 0.9
    np.testing.assert_allclose(alternating_offers_spe(p, dl, 1).u, [1.0, 0.0])
    np.testing.assert_allclose(alternating_offers_spe(p, dl, 1, first_proposer=1).u, [0.0, 1.0])
    s = alternating_offers_spe(p, dl, 2)  # party 2 would get all at stage 1, worth delta now
    np.testing.assert_allclose(s.u, [1 - dl, dl], atol=1e-15)
    np.testing.assert_allclose(s.x, [1 - dl], atol=1e-15)
    np.testing.assert_allclose(s.values, [[1 - dl, dl], [0.0, 1.0]], atol=1e-15)
    np.testing.assert_allclose(s.thresholds, [dl, 0.0], atol=1e-15)
    assert s.proposers.tolist() == [0, 1] and s.agreed.all()
    np.testing.assert_allclose(alternating_offers_spe(p, dl, 3).u, [1 - dl + dl**2, dl - dl**2], atol=1e-15)


@pytest.mark.parametrize("dl", [0.5, 0.9, 0.99])
def test_spe_rubinstein_limit(dl: float) -> None:
    u = alternating_offers_spe(BargainingProblem.coarse(), dl, 4000).u  # error delta^T / (1 + delta)
    np.testing.assert_allclose(u, [1 / (1 + dl), dl / (1 + dl)], atol=1e-12 + dl**4000)


@pytest.mark.parametrize("w1, w2", [([0.4, 0.6], [0.2, 0.8]), ([0.8, 0.2], [0.2, 0.8]),
                                    ([0.3, 0.5, 0.2], [0.1, 0.3, 0.6])])
def test_spe_approaches_nbs(w1: list[float], w2: list[float]) -> None:
    """Long horizon, delta -> 1: the SPE tends to the NBS with d = 0 (Binmore-Rubinstein-Wolinsky 1986)."""
    p = BargainingProblem(w1, w2)
    nbs = nash_bargaining(p).u
    for first in (0, 1):
        np.testing.assert_allclose(alternating_offers_spe(p, 0.99, 400, first).u, nbs, atol=0.01)
    if len(w1) == 2:  # closer with delta nearer 1 and a longer horizon: error O(1 - delta) + O(delta^horizon)
        np.testing.assert_allclose(alternating_offers_spe(p, 0.999, 8000).u, nbs, atol=2e-3)


def test_spe_stage_offers_solve_stage_lp() -> None:
    rng = np.random.default_rng(12)
    for _ in range(10):
        p = BargainingProblem(*rng.dirichlet(np.ones(3), size=2), d=rng.uniform(0, 0.05, size=2))
        s = alternating_offers_spe(p, 0.8, 6)
        assert s.agreed.all()
        for t in range(6):
            pr, r = int(s.proposers[t]), 1 - int(s.proposers[t])
            u = p.utilities(s.offers[t])
            assert u[r] >= s.thresholds[t] - 1e-12
            # the stage LP: max u_p s.t. u_r >= threshold
            c, A = (-p.w1, [p.w2]) if pr == 0 else (p.w2, [-p.w1])
            b = [p.w2.sum() - s.thresholds[t]] if pr == 0 else [-s.thresholds[t]]
            res = linprog(c, A_ub=A, b_ub=b, bounds=[(0, 1)] * 3, method="highs")
            best = -res.fun if pr == 0 else p.w2.sum() - res.fun
            assert u[pr] == pytest.approx(best, abs=1e-9)
        last_responder = 1 - s.proposers[-1]                   # d is paid undiscounted: d / delta^5 at stage 5
        np.testing.assert_allclose(s.values[-1][last_responder], p.d[last_responder] / 0.8 ** 5, atol=1e-12)


def test_spe_delay_when_d_infeasible() -> None:
    s = alternating_offers_spe(BargainingProblem([1.0], [1.0], d=(0.7, 0.7)), 0.9, 1)
    assert not s.agreed[0] and np.all(np.isnan(s.x)) and s.u.tolist() == [0.7, 0.7]


@pytest.mark.parametrize("kwargs, field", [
    (dict(delta=0.0, horizon=3), "delta"), (dict(delta=1.5, horizon=3), "delta"),
    (dict(delta=np.nan, horizon=3), "delta"),
    (dict(delta=0.9, horizon=0), "horizon"), (dict(delta=0.9, horizon=2.0), "horizon"),
    (dict(delta=0.9, horizon=True), "horizon"), (dict(delta=0.9, horizon=3, first_proposer=2), "first_proposer"),
])
def test_spe_bad_inputs(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        alternating_offers_spe(BargainingProblem.coarse(), **kwargs)
    with pytest.raises(ValueError, match="^problem:"):
        alternating_offers_spe([1.0], 0.9, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^problem:"):
        nash_bargaining([[1.0], [1.0]])  # type: ignore[arg-type]


def _brute_force_grid_spe(p: BargainingProblem, delta: float, T: int, X: np.ndarray) -> np.ndarray:
    """Stage-0 utilities of the finite game on the offers X by plain backward induction (loops, no shortcuts), in
    absolute payoffs: an agreement at stage t pays ``delta**t`` times the utilities, the last rejection pays d."""
    cont = np.array(p.d, dtype=float)
    for t in range(T - 1, -1, -1):
        prop = t % 2
        best = None
        for x in X:
            u = delta ** t * np.array([p.w1 @ x, p.w2 @ (1 - x)])
            if u[1 - prop] >= cont[1 - prop] - 1e-12 and (best is None or u[prop] > best[prop] + 1e-12 or (
                    abs(u[prop] - best[prop]) <= 1e-12 and u[1 - prop] > best[1 - prop])):
                best = u
        cont = best if best is not None and best[prop] >= cont[prop] - 1e-12 else cont
    return cont


@pytest.mark.parametrize("grid", [3, 5])
@pytest.mark.parametrize("T", [1, 2, 3, 4])
@pytest.mark.parametrize("delta, d", [(0.9, (0.0, 0.0)), (0.9, (0.3, 0.1)), (0.5, (0.1, 0.25)), (0.7, (0.3, 0.3))])
def test_spe_on_a_grid_of_offers_matches_brute_force(grid: int, T: int, delta: float, d: tuple[float, float]) -> None:
    """The SPE restricted to the environment's grid (refine_bargain_v0) equals a brute-force backward induction,
    also where the undiscounted disagreement payoff d binds in later stages."""
    levels = np.linspace(0, 1, grid)
    X = np.stack(np.meshgrid(levels, levels, indexing="ij"), axis=-1).reshape(-1, 2)
    for w1, w2 in [((0.8, 0.2), (0.2, 0.8)), ((0.4, 0.6), (0.2, 0.8)), ((0.5, 0.5), (0.5, 0.5))]:
        p = BargainingProblem(w1, w2, d=d)
        s = alternating_offers_spe(p, delta, T, offers=X)
        np.testing.assert_allclose(s.u, _brute_force_grid_spe(p, delta, T, X), atol=1e-9)
        assert "allowed offers" in s.method


def test_spe_by_hand_with_a_binding_disagreement_point() -> None:
    """Equal weights, d = (0.3, 0.3), delta 0.5, two stages, player_0 first, offers in steps of 0.1. At stage 1
    player_0 accepts only 0.5 u_0 >= 0.3 (u_0 >= 0.6), leaving player_1 at most 0.5 x 0.4 = 0.2 < 0.3: breakdown.
    So at stage 0 player_0 leaves player_1 its d, 0.3, and keeps 0.7 (d discounted as a stage-1 payoff gave 0.65)."""
    levels = np.linspace(0, 1, 11)
    X = np.stack(np.meshgrid(levels, levels, indexing="ij"), axis=-1).reshape(-1, 2)
    s = alternating_offers_spe(BargainingProblem([0.5, 0.5], [0.5, 0.5], d=(0.3, 0.3)), 0.5, 2, offers=X)
    np.testing.assert_allclose(s.u, [0.7, 0.3], atol=1e-12)
    assert s.agreed.tolist() == [True, False]


def test_fine_grid_approaches_the_continuous_spe() -> None:
    p = BargainingProblem([0.8, 0.2], [0.2, 0.8])
    X = np.stack(np.meshgrid(np.linspace(0, 1, 201), np.linspace(0, 1, 201), indexing="ij"), -1).reshape(-1, 2)
    np.testing.assert_allclose(alternating_offers_spe(p, 0.9, 6, offers=X).u, alternating_offers_spe(p, 0.9, 6).u,
                               atol=2 * 0.005 * 6)
    with pytest.raises(ValueError, match=r"offers: must be allocations in \[0, 1\]\^K of shape"):
        alternating_offers_spe(p, 0.9, 2, offers=[[0.5, 0.5, 0.5]])


def test_batch_disagreement_of_the_wrong_shape_is_named() -> None:
    with pytest.raises(ValueError, match=r"d: must have shape \(2,\) or \(1, 2\) for 1 problems, got \(2, 2\)"):
        nash_bargaining_batch([[0.4, 0.6]], [[0.2, 0.8]], [[0.0, 0.0], [0.1, 0.1]])
