"""Badly scaled games (payoffs spanning many orders of magnitude within a row or column): no numpy error, never an
empty or wrong equilibrium set, honest labels; :func:`equilibria` and :func:`batch_equilibria` against the exact
oracle of ``tests/solve/test_equilibria.py`` run on the payoffs read as exact binary fractions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from vvl_env.solve.equilibria import batch_equilibria, equilibria
from vvl_env.solve.equilibrium_set import EXACT
from vvl_env.solve.exact import certify_profile, integer_matrix
from vvl_env.solve.polytope_walk import IllConditionedError, relative_gaps, row_normalised, walk_vertices

from tests.solve.test_certified import exact_regret
from tests.solve.test_equilibria import exact_extreme_equilibria, same_profiles

# 4 x 5 degenerate game on which the float walk met a singular basis (numpy's LinAlgError before).
R1 = np.array([[0, 0, 0, 0, 1e3], [0, 1e-3, 10, 0, 10], [1e10, 0, 0, 0, 1e11], [0, 0, 1e11, 0, 0]])
R2 = np.array([[0, .01, 0, 0, 1e6], [0, 0, 0, 0, 1e4], [1e-6, .01, 1, 0, .01], [0, 1e-3, 0, 1e5, 10]])


def oracle(A: np.ndarray, B: np.ndarray) -> list:
    """Exact extreme equilibria of the float game (payoffs as exact binary fractions, scaled to integers)."""
    return exact_extreme_equilibria(np.array(integer_matrix(A), dtype=object),
                                    np.array(integer_matrix(B), dtype=object))


def column_scaled(rng: np.random.Generator, m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Small-integer payoffs (many ties: degenerate) with column j of both players' payoffs times 10^k_j,
    k_j in -6 ... 11."""
    f = 10.0 ** rng.integers(-6, 12, n)
    return rng.integers(-5, 6, (m, n)) * f, rng.integers(-5, 6, (m, n)) * f


def test_singular_basis_is_an_ill_conditioned_error_not_linalg() -> None:
    with pytest.raises(IllConditionedError, match="singular"):
        walk_vertices(row_normalised(R1.T)[0])


def test_reproducer_gives_the_exact_set() -> None:
    eq = equilibria((R1, R2), method="vertex_enumeration")
    assert eq.complete and "exact rational" in eq.method
    assert len(eq) > 0 and same_profiles(list(eq.profiles), oracle(R1, R2), atol=1e-12)
    b = batch_equilibria(R1[None], R2[None])
    assert same_profiles(list(zip(b.xs[0][:b.count[0]], b.ys[0][:b.count[0]])), oracle(R1, R2), atol=1e-12)
    assert bool(b.degenerate[0]) == eq.degenerate


@pytest.mark.parametrize("seed", range(6))
def test_column_scaled_games_match_the_exact_oracle(seed: int) -> None:
    rng = np.random.default_rng(seed)
    games = [column_scaled(rng, m, n) for m, n in [(6, 6), (5, 5), (5, 5), (4, 5)]]
    batch = batch_equilibria(np.array([g[0] for g in games[1:3]]), np.array([g[1] for g in games[1:3]]))
    for k, (A, B) in enumerate(games):
        want = oracle(A, B)
        assert want, "every finite game has an equilibrium"
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no 'dropped' warnings: the fallback is silent and exact
            eq = equilibria((A, B))
        assert eq.complete and same_profiles(list(eq.profiles), want, atol=1e-12), (seed, k)
        if 1 <= k <= 2:
            c = batch.count[k - 1]
            assert same_profiles(list(zip(batch.xs[k - 1][:c], batch.ys[k - 1][:c])), want, atol=1e-12), (seed, k)


def test_batch_routes_only_the_games_that_need_it() -> None:
    rng = np.random.default_rng(7)
    A, B = rng.random((5, 4, 4)), rng.random((5, 4, 4))
    A[2], B[2] = column_scaled(rng, 4, 4)
    b = batch_equilibria(A, B)
    for g in range(5):
        assert same_profiles(list(zip(b.xs[g][:b.count[g]], b.ys[g][:b.count[g]])), oracle(A[g], B[g]), atol=1e-9)
        assert b.count[g] >= 1


@pytest.mark.parametrize(("seed", "path"), [(5, "vertex_enumeration (float walk"), (6, "lemke_howson_all")])
def test_beyond_the_exact_fallback_the_set_is_labelled_partial_and_exact(seed: int, path: str) -> None:
    # 9 x 9 is past EXACT_FALLBACK_BASES: whatever comes back is exactly certified and not claimed complete (seed 6:
    # the walk meets a singular basis, so Lemke-Howson ends certified in rational arithmetic).
    A, B = column_scaled(np.random.default_rng(seed), 9, 9)
    with pytest.warns(RuntimeWarning):
        eq = equilibria((A, B))
    assert len(eq) >= 1 and not eq.complete and "some" in eq.describe() and eq.method.startswith(path)
    assert eq.certification == EXACT
    for x, y in zip(eq.xs, eq.ys):  # exact regret of the float profile: only the rounding of x and y to float
        assert exact_regret(A, B, x, y) <= 1e-15 * np.abs(np.concatenate([A, B])).max()


def test_relative_gaps_by_hand() -> None:
    R = np.array([[0.0, 1.0, 1.0, 4.0], [3.0, 3.0, 3.0, 3.0], [1e-9, 0.0, 1.0, 1.0]])
    np.testing.assert_allclose(relative_gaps(R), [0.25, np.inf, 1e-9])


def test_batch_of_column_scaled_6x6_games_matches_the_oracle() -> None:
    # before: 'equilibria' by the hundred per game here (float vertex pairs passing a relative regret test)
    rng = np.random.default_rng(11)
    games = [column_scaled(rng, 6, 6) for _ in range(4)]
    b = batch_equilibria(np.array([g[0] for g in games]), np.array([g[1] for g in games]))
    for k, (A, B) in enumerate(games):
        assert same_profiles(list(zip(b.xs[k][:b.count[k]], b.ys[k][:b.count[k]])), oracle(A, B), atol=1e-12), k


def test_certify_profile_accepts_equilibria_and_rejects_near_misses() -> None:
    A, B = np.array([[3.0, 0.0], [0.0, 1e-9]]), np.array([[1e-9, 0.0], [0.0, 3.0]])
    # mixed equilibrium: x = (3 / (1e-9 + 3), ...) makes column 0 and 1 indifferent; exactly solved, then rounded
    x, y = certify_profile(A, B, np.array([0.5, 0.5]), np.array([0.5, 0.5]))
    assert abs(x[0] - 3 / (3 + 1e-9)) < 1e-15 and abs(y[1] - 3 / (3 + 1e-9)) < 1e-15
    assert certify_profile(A, B, np.array([1.0, 0.0]), np.array([0.0, 1.0])) is None  # (row 0, col 1): not one
    assert certify_profile(A, B, np.array([1.0, 0.0]), np.array([1.0, 0.0])) is not None
