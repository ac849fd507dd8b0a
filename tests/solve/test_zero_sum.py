"""Tests of the zero-sum solvers (vvl_env/solve/zero_sum.py): hand values, nashpy oracle, batched vs LP, properties."""

from __future__ import annotations

import nashpy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vvl_env.model.game import Game, matching_pennies, random_zero_sum, rock_paper_scissors
from vvl_env.solve.zero_sum import security_levels, zero_sum_value, zero_sum_values

# --- hand-worked values -----------------------------------------------------------------------------------------


def test_matching_pennies() -> None:
    sol = zero_sum_value(matching_pennies())
    assert sol.value == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(sol.x, [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(sol.y, [0.5, 0.5], atol=1e-12)
    assert sol.method.startswith("linprog-highs")


def test_rock_paper_scissors() -> None:
    sol = zero_sum_value(rock_paper_scissors())
    assert sol.value == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(sol.x, np.full(3, 1 / 3), atol=1e-12)
    np.testing.assert_allclose(sol.y, np.full(3, 1 / 3), atol=1e-12)


def test_saddle_point() -> None:
    # row 0 dominates row 1; column 1 is the column player's best: saddle (0, 1) with value 2
    R = [[4.0, 2.0, 3.0], [1.0, 0.0, 5.0]]
    sol = zero_sum_value(R)
    assert sol.value == pytest.approx(2.0, abs=1e-12)
    np.testing.assert_allclose(sol.x, [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(sol.y, [0.0, 1.0, 0.0], atol=1e-12)
    v, x, y = zero_sum_values(np.array([R]))
    assert v[0] == pytest.approx(2.0, abs=1e-15)
    np.testing.assert_allclose(x[0], [1.0, 0.0])
    np.testing.assert_allclose(y[0], [0.0, 1.0, 0.0])


def test_mixed_2x2_by_hand() -> None:
    # [[a, b], [c, d]] = [[3, -1], [-2, 1]]: a - b - c + d = 7, v = (ad - bc)/7 = (3 - 2)/7,
    # p = (d - c)/7 = 3/7, y on column 0 = (d - b)/7 = 2/7
    R = [[3.0, -1.0], [-2.0, 1.0]]
    for v, x, y in [(s.value, s.x, s.y) for s in [zero_sum_value(R)]] + [tuple(a[0] for a in zero_sum_values([R]))]:
        assert v == pytest.approx(1 / 7, abs=1e-12)
        np.testing.assert_allclose(x, [3 / 7, 4 / 7], atol=1e-12)
        np.testing.assert_allclose(y, [2 / 7, 5 / 7], atol=1e-12)


@pytest.mark.parametrize("R, value", [
    ([[0.0, 0.0], [0.0, 0.0]], 0.0),    # all equal
    ([[1.0, 1.0], [0.0, 0.0]], 1.0),    # a dominated row with ties
    ([[1.0, 0.0], [1.0, 0.0]], 0.0),    # identical rows
    ([[1.0, -1.0], [1.0, -1.0]], -1.0),  # identical rows, column 1 dominant
    ([[0.0, 1.0], [1.0, 0.0]], 0.5),    # anti-diagonal
])
def test_degenerate_2x2(R: list[list[float]], value: float) -> None:
    assert zero_sum_value(R).value == pytest.approx(value, abs=1e-12)
    v, x, y = zero_sum_values(np.array([R]))
    assert v[0] == pytest.approx(value, abs=1e-15)
    lo, hi = security_levels(np.array([R]), x, y)
    assert lo[0] >= value - 1e-15 and hi[0] <= value + 1e-15


# --- oracle: nashpy -----------------------------------------------------------------------------------------------


def test_lp_matches_nashpy_on_random_games() -> None:
    rng = np.random.default_rng(20261101)
    shapes = [(2, 2), (2, 3), (3, 2), (3, 3), (3, 4), (4, 4), (5, 3), (6, 6)]
    for i in range(200):
        game = random_zero_sum(*shapes[i % len(shapes)], rng=rng)
        sol = zero_sum_value(game)
        xs, ys = nashpy.Game(np.array(game.R1)).linear_program()
        assert sol.value == pytest.approx(float(xs @ game.R1 @ ys), abs=1e-7)
        # our strategies certify the value exactly
        lo, hi = security_levels(game.R1[None], sol.x[None], sol.y[None])
        assert hi[0] - lo[0] <= 1e-9


# --- batched vs LP --------------------------------------------------------------------------------------------------


def _draw(rng: np.random.Generator, kind: str, B: int, m: int, n: int) -> np.ndarray:
    if kind == "uniform":
        return rng.uniform(-1.0, 1.0, size=(B, m, n))
    if kind == "ties":  # integer payoffs in {-1, 0, 1}: saddle points, dominated rows, all-equal games
        return rng.integers(-1, 2, size=(B, m, n)).astype(np.float64)
    return rng.integers(0, 2, size=(B, m, n)).astype(np.float64)  # {0, 1}: even more ties


@pytest.mark.parametrize("kind", ["uniform", "ties", "binary"])
def test_batched_2x2_equals_lp(kind: str) -> None:
    rng = np.random.default_rng(7)
    R = _draw(rng, kind, 300, 2, 2)
    v, _, _ = zero_sum_values(R)
    lp = np.array([zero_sum_value(r).value for r in R])
    np.testing.assert_allclose(v, lp, rtol=0, atol=1e-9)


@pytest.mark.parametrize("shape", [(2, 3), (2, 6), (3, 2), (7, 2), (1, 4), (4, 1)])
def test_batched_2xn_mx2_equals_lp(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(11)
    R = np.concatenate([_draw(rng, kind, 40, *shape) for kind in ("uniform", "ties", "binary")])
    v, x, y = zero_sum_values(R)
    lp = np.array([zero_sum_value(r).value for r in R])
    np.testing.assert_allclose(v, lp, rtol=0, atol=1e-9)
    assert x.shape == (len(R), shape[0]) and y.shape == (len(R), shape[1])


@pytest.mark.parametrize("kind", ["uniform", "ties", "binary"])
@pytest.mark.parametrize("shape", [(2, 2), (2, 5), (5, 2)])
def test_batched_certificates_many_games(kind: str, shape: tuple[int, int]) -> None:
    """On 20,000 games per case: x guarantees v and y concedes at most v, which proves v is the value."""
    rng = np.random.default_rng(3)
    R = _draw(rng, kind, 20_000, *shape)
    v, x, y = zero_sum_values(R)
    assert np.all(x >= 0) and np.all(y >= 0)
    np.testing.assert_allclose(x.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-12)
    lo, hi = security_levels(R, x, y)
    assert np.all(lo >= v - 1e-12) and np.all(hi <= v + 1e-12)


def test_batched_larger_games_loop_over_lp() -> None:
    rng = np.random.default_rng(5)
    R = rng.uniform(-1, 1, size=(5, 3, 4))
    v, x, y = zero_sum_values(R)
    np.testing.assert_allclose(v, [zero_sum_value(r).value for r in R], atol=1e-12)
    lo, hi = security_levels(R, x, y)
    assert np.all(hi - lo <= 1e-9)


# --- properties -----------------------------------------------------------------------------------------------------

payoffs = st.integers(1, 4).flatmap(lambda m: st.integers(1, 4).flatmap(
    lambda n: arrays(np.float64, (m, n), elements=st.floats(-10, 10, allow_nan=False))))


@settings(max_examples=40, deadline=None)
@given(R=payoffs, c=st.floats(-5, 5), a=st.floats(0.1, 10))
def test_value_affine_invariance(R: np.ndarray, c: float, a: float) -> None:
    v = zero_sum_value(R).value
    tol = 1e-8 * max(1.0, float(np.abs(R).max()))
    assert zero_sum_value(R + c).value == pytest.approx(v + c, abs=tol + 1e-8 * abs(c))
    assert zero_sum_value(a * R).value == pytest.approx(a * v, abs=a * tol)


@settings(max_examples=40, deadline=None)
@given(R=payoffs)
def test_strategies_guarantee_value(R: np.ndarray) -> None:
    sol = zero_sum_value(R)
    tol = 1e-9 * max(1.0, float(R.max() - R.min()))
    assert np.all(sol.x @ R >= sol.value - tol)
    assert np.all(R @ sol.y <= sol.value + tol)
    v, x, y = zero_sum_values(R[None])
    assert v[0] == pytest.approx(sol.value, abs=tol)


# --- bad input ------------------------------------------------------------------------------------------------------


def test_general_sum_game_rejected() -> None:
    with pytest.raises(ValueError, match="zero-sum"):
        zero_sum_value(Game([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]))


@pytest.mark.parametrize("bad", [[1.0, 2.0], [[1.0, np.nan]], [[1.0, np.inf]], [[]], "abc", [[1.0], [1.0, 2.0]]])
def test_bad_matrix(bad: object) -> None:
    with pytest.raises(ValueError, match="R1"):
        zero_sum_value(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [np.zeros((2, 2)), np.full((1, 2, 2), np.nan), np.zeros((0, 2, 2))])
def test_bad_batch(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="R:"):
        zero_sum_values(bad)


@pytest.mark.parametrize("shape,integers", [((3, 3), False), ((4, 5), False), ((5, 3), True), ((4, 4), True)])
def test_batched_enumeration_matches_the_lp(shape: tuple[int, int], integers: bool) -> None:
    """3 x 3 .. 5 x 5 go through batched vertex enumeration of (R, -R): values equal HiGHS' and both strategies
    guarantee them (security levels), also in degenerate integer games."""
    rng = np.random.default_rng(sum(shape))
    R = rng.integers(-2, 3, size=(60, *shape)).astype(float) if integers else rng.uniform(-1, 1, size=(60, *shape))
    v, x, y = zero_sum_values(R)
    lp = np.array([zero_sum_value(r).value for r in R])
    np.testing.assert_allclose(v, lp, atol=1e-9)
    lo, hi = security_levels(R, x, y)
    assert np.all(hi - lo <= 1e-9) and np.all(np.abs(x.sum(axis=1) - 1) < 1e-12) and np.all(x >= 0) and np.all(y >= 0)


# --- scale: the verification is relative to the payoffs' range --------------------------------------------------


@pytest.mark.parametrize("scale", [1e-12, 1e-9, 1e-7, 1.0, 1e6, 1e300])
def test_values_and_strategies_are_right_at_every_payoff_scale(scale: float) -> None:
    """Integer games times ``scale`` against nashpy's LP on the unscaled game (value times scale, relative 1e-9 of
    the range), and each returned pair certified on the scaled game to 1e-9 of its range: with an absolute
    tolerance, games at 1e-9 came back "verified" with values 25 % off (-1.056 for -1.25 below) and strategies
    conceding half the range; at 1e300 the 2 x 2 closed form overflowed to inf."""
    rng = np.random.default_rng(7)
    games = [np.array([[4, -3, -4], [-2, -1, 3], [-1, -4, -2]], float),
             np.array([[4, 2, 0], [-3, -2, -5], [-5, -5, -4]], float), np.eye(2),
             *(rng.integers(-5, 6, size=shape).astype(float) for shape in [(3, 3), (4, 5), (6, 6), (7, 4)] * 3)]
    for R in games:
        xs, ys = nashpy.Game(R).linear_program()
        value, span = float(xs @ R @ ys), float(R.max() - R.min())
        scaled = R * scale
        for v, x, y in [(s.value, s.x, s.y) for s in [zero_sum_value(scaled)]] + \
                       [(a[0], b[0], c[0]) for a, b, c in [zero_sum_values(scaled[None])]]:
            assert np.isfinite(v) and v / scale == pytest.approx(value, abs=1e-9 * span)
            lo, hi = security_levels(scaled[None], x[None], y[None])
            assert (hi[0] - lo[0]) / scale <= 1e-9 * span
