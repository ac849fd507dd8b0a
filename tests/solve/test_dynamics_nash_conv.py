"""Tests of vvl_env.solve.exploitability.nash_conv_batch: padded, masked games against the single-game nash_conv."""

from __future__ import annotations

import numpy as np
import pytest

from vvl_env.solve.exploitability import nash_conv, nash_conv_batch


def _padded_batch(rng: np.random.Generator, B: int, m: int, n: int):
    """B random games of random shapes (<= m x n) padded to (m, n) with junk payoffs, random profiles on them."""
    R1, R2 = rng.normal(size=(2, B, m, n))
    rows = rng.integers(1, m + 1, size=B)
    cols = rng.integers(1, n + 1, size=B)
    row_mask = np.arange(m) < rows[:, None]
    col_mask = np.arange(n) < cols[:, None]
    pad = ~(row_mask[:, :, None] & col_mask[:, None, :])
    R1[pad], R2[pad] = 50.0, 50.0  # junk that would dominate if a masked action were ever a best response
    x = np.where(row_mask, rng.dirichlet(np.ones(m), size=B), 0.0)
    y = np.where(col_mask, rng.dirichlet(np.ones(n), size=B), 0.0)
    return R1, R2, x / x.sum(1, keepdims=True), y / y.sum(1, keepdims=True), row_mask, col_mask, rows, cols


def test_padded_batch_matches_single_game_nash_conv(rng: np.random.Generator) -> None:
    R1, R2, x, y, rm, cm, rows, cols = _padded_batch(rng, 200, 4, 5)
    total, per_player = nash_conv_batch(R1, R2, x, y, row_mask=rm, col_mask=cm)
    assert total.shape == (200,) and per_player.shape == (200, 2)
    for b in range(200):
        k, l = rows[b], cols[b]
        single = nash_conv((R1[b, :k, :l], R2[b, :k, :l]), x[b, :k], y[b, :l])
        np.testing.assert_allclose(per_player[b], single.per_player, atol=1e-12)
        assert total[b] == pytest.approx(single.total, abs=1e-12)


def test_no_mask_equals_full_game_and_unbatched_input(pennies) -> None:
    total, per = nash_conv_batch(pennies.R1, pennies.R2, [1.0, 0.0], [1.0, 0.0])
    np.testing.assert_allclose(per, [[0.0, 2.0]])  # (H, H): player 1 gains 2 by T (worked by hand)
    assert total.shape == (1,) and total[0] == pytest.approx(2.0)


def test_one_dimensional_mask_applies_to_every_game() -> None:
    # matching pennies padded with a third row/column paying 9 to both: masked, so the equilibrium (1/2, 1/2) has gain 0
    R1 = np.array([[1.0, -1.0, 9.0], [-1.0, 1.0, 9.0], [9.0, 9.0, 9.0]])
    R = np.stack([R1, R1])
    half = np.array([[0.5, 0.5, 0.0]] * 2)
    total, _ = nash_conv_batch(R, -R + 18 * (R == 9), half, half, row_mask=[True, True, False],
                               col_mask=[True, True, False])
    np.testing.assert_allclose(total, 0.0, atol=1e-15)
    unmasked, _ = nash_conv_batch(R, -R + 18 * (R == 9), half, half)
    assert np.all(unmasked > 8)  # without the mask the padding row is a best response


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"x": [[0.5, 0.3, 0.2]]}, "x: masked actions must have probability 0"),
    ({"row_mask": [[False, False, False]]}, "row_mask: every game must keep at least one action"),
    ({"col_mask": [[1, 1, 0]]}, "col_mask: must be a bool array"),
    ({"col_mask": [[True, False]]}, r"col_mask: must have shape \(1, 3\)"),
    ({"y": [[0.5, 0.6, 0.0]]}, "y: probabilities must sum to 1"),
    ({"R2": np.zeros((1, 3, 2))}, "R2: must have the shape of R1"),
    ({"R1": np.full((1, 3, 3), np.nan)}, "R1: all entries must be finite"),
])
def test_bad_input_names_the_argument(kwargs: dict, match: str) -> None:
    args = {"R1": np.zeros((1, 3, 3)), "R2": np.zeros((1, 3, 3)), "x": [[0.5, 0.5, 0.0]], "y": [[0.5, 0.5, 0.0]],
            "row_mask": [[True, True, False]], "col_mask": [[True, True, False]]} | kwargs
    with pytest.raises(ValueError, match=match):
        nash_conv_batch(**args)
