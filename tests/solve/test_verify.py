"""Tests of vvl_env.solve.verify: regrets worked by hand, relative scaling, batching, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vvl_env.model import Game
from vvl_env.solve.verify import is_epsilon_equilibrium, max_regret


def test_matching_pennies_by_hand(pennies: Game) -> None:
    assert max_regret(pennies, [0.5, 0.5], [0.5, 0.5]) == 0.0
    # (H, H): player 1 (payoffs -1 .. 1, range 2) gains 2 by T; relative regret 2 / 2 = 1
    assert max_regret(pennies, [1, 0], [1, 0], relative=False) == pytest.approx(2.0)
    assert max_regret(pennies, [1, 0], [1, 0]) == pytest.approx(1.0)
    assert is_epsilon_equilibrium(pennies, [0.5, 0.5], [0.5, 0.5], 1e-12)
    assert not is_epsilon_equilibrium(pennies, [0.6, 0.4], [0.5, 0.5], 1e-12)
    # x = (0.6, 0.4): player 1's payoffs (-0.2, 0.2) against H/T, current 0 -> gains 0.2 (relative 0.1)
    assert max_regret(pennies, [0.6, 0.4], [0.5, 0.5], relative=False) == pytest.approx(0.2)
    assert is_epsilon_equilibrium(pennies, [0.6, 0.4], [0.5, 0.5], 0.1 + 1e-12)


def test_prisoners_dilemma_cooperation_is_not_equilibrium(dilemma: Game) -> None:
    # (C, C): each gains 5 - 3 = 2 by defecting; payoff range 5 -> relative 0.4
    assert max_regret(dilemma, [1, 0], [1, 0], relative=False) == pytest.approx(2.0)
    assert max_regret(dilemma, [1, 0], [1, 0]) == pytest.approx(0.4)
    assert max_regret(dilemma, [0, 1], [0, 1]) == 0.0


def test_batched_and_broadcast(pennies: Game) -> None:
    R1 = np.stack([pennies.R1, 3 * pennies.R1])
    R2 = -R1
    x = np.array([[1.0, 0.0], [0.5, 0.5]])
    y = np.array([[1.0, 0.0], [0.5, 0.5]])
    np.testing.assert_allclose(max_regret((R1, R2), x, y), [1.0, 0.0])
    np.testing.assert_array_equal(is_epsilon_equilibrium((R1, R2), x, y, 1e-9), [False, True])
    # K profiles of one game broadcast against it
    np.testing.assert_allclose(max_regret(pennies, x, y), [1.0, 0.0])


def test_constant_game_has_zero_regret() -> None:
    R = np.full((2, 3), 1e10)
    assert max_regret((R, R), [0.3, 0.7], [0.2, 0.3, 0.5]) == 0.0


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), exp=st.floats(-6, 10), shift=st.floats(-10, 10))
def test_relative_regret_is_affine_invariant(seed: int, exp: float, shift: float) -> None:
    rng = np.random.default_rng(seed)
    R1, R2 = rng.uniform(-1, 1, size=(2, 3, 4))
    x, y = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(4))
    s = 10.0 ** exp
    base = max_regret((R1, R2), x, y)
    assert max_regret((s * R1 + shift * s, s * R2 - shift * s), x, y) == pytest.approx(base, rel=1e-7, abs=1e-12)


@pytest.mark.parametrize("x,y,match", [
    ([1.0, 0.0, 0.0], [0.5, 0.5], "x"),
    ([1.2, -0.2], [0.5, 0.5], "x"),
    ([0.5, 0.5], [0.6, 0.6], "y"),
    ([0.5, np.nan], [0.5, 0.5], "x"),
])
def test_bad_profiles(pennies: Game, x: list, y: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        max_regret(pennies, x, y)


def test_bad_game_and_eps(pennies: Game) -> None:
    with pytest.raises(ValueError, match="game"):
        max_regret("pennies", [0.5, 0.5], [0.5, 0.5])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="R2"):
        max_regret((np.zeros((2, 2)), np.zeros((3, 2))), [0.5, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="eps"):
        is_epsilon_equilibrium(pennies, [0.5, 0.5], [0.5, 0.5], -1.0)


def test_decisive_regret_is_not_hidden_by_a_huge_payoff() -> None:
    from vvl_env.solve.verify import decisive_regrets

    # Issue 12's minimal game: row 0 strictly dominates. At (row 1, col 0) player 0 loses 1 - 0 = 1 in column 0,
    # whose range is 1: decisive regret 1. Scaled by the whole range (1 + 1e9) it would read 1e-9 and pass a 1e-9 test.
    R1, R2 = np.array([[1.0, 1.0], [0.0, -1e9]]), np.array([[1.0, 0.0], [1.0, 0.0]])
    x, y = np.array([0.0, 1.0]), np.array([1.0, 0.0])
    np.testing.assert_allclose(decisive_regrets(R1, R2, x, y), [1.0, 0.0])
    assert max_regret((R1, R2), x, y) == pytest.approx(1 / (1 + 1e9))
    # invariant under scaling column 1 of R1 by 1e6 with y rescaled (y has no weight there: unchanged), and under a
    # constant added to a row of R2
    np.testing.assert_allclose(decisive_regrets(R1 * [1.0, 1e6], R2 + [[5.0], [0.0]], x, y), [1.0, 0.0])
    # matching pennies, x = H, y = (1/2, 1/2): player 0 indifferent (0); player 1 gets (-1, 1) against H, so gains
    # 1 - 0 = 1 over the span 2 of that row of R2: 1/2
    P = np.array([[1.0, -1.0], [-1.0, 1.0]])
    np.testing.assert_allclose(decisive_regrets(P, -P, np.array([1.0, 0.0]), np.array([0.5, 0.5])), [0.0, 0.5])
