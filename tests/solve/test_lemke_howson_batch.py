"""The lockstep Lemke-Howson of vvl_env.solve.lemke_howson_batch returns, game by game and bit for bit, what the scalar
path returns (the old per-game loop of select_profiles): random, integer (degenerate), duplicated-row, scaled and
refined games, every label, and paths handed back to the scalar function."""

from __future__ import annotations

import numpy as np
import pytest

from vvl_env.solve.equilibria_batch import equilibrium_payoffs
from vvl_env.solve.lemke_howson import EquilibriumNotFoundError, lemke_howson
from vvl_env.solve.lemke_howson_batch import lemke_howson_batch


def scalar(R1: np.ndarray, R2: np.ndarray, label: int, **kw: object) -> tuple[np.ndarray, np.ndarray]:
    """The old path: one scalar ``lemke_howson`` per game."""
    paths = [lemke_howson(R1[b], R2[b], label, **kw) for b in range(len(R1))]
    return np.array([p.x for p in paths]), np.array([p.y for p in paths])


def games(kind: str, shape: tuple[int, int], G: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``G`` games of ``shape``: normal payoffs, small integers (ties: degenerate), or normal with the first row
    copied (the games a zero own-sigma law makes), scaled by 1e-6 .. 1e6."""
    rng = np.random.default_rng(seed)
    m, n = shape
    if kind == "integer":
        return rng.integers(-2, 3, (G, m, n)).astype(float), rng.integers(-2, 3, (G, m, n)).astype(float)
    R1, R2 = rng.normal(size=(G, m, n)), rng.normal(size=(G, m, n))
    if kind == "copies":
        R1[:, -1], R2[:, -1] = R1[:, 0], R2[:, 0]
    if kind == "scaled":
        R1 *= 10.0 ** rng.integers(-6, 7, (G, 1, 1))
    return R1, R2


@pytest.mark.parametrize("kind", ["normal", "integer", "copies", "scaled"])
@pytest.mark.parametrize("shape", [(2, 2), (3, 2), (2, 3), (3, 3), (4, 3), (4, 4)])
def test_the_batch_equals_the_scalar_path_bit_for_bit(kind: str, shape: tuple[int, int]) -> None:
    R1, R2 = games(kind, shape, 300, hash((kind, shape)) % 2**32)
    for label in range(sum(shape)):
        x, y = lemke_howson_batch(R1, R2, label)
        u, v = scalar(R1, R2, label)
        assert np.array_equal(x, u) and np.array_equal(y, v), (kind, shape, label)


def test_paths_cut_short_and_unverified_ends_go_to_the_scalar_function() -> None:
    R1, R2 = games("integer", (3, 3), 200, 7)
    for steps in (0, 1, 2):                  # the lockstep walk stops early: the scalar function finishes
        x, y = lemke_howson_batch(R1, R2, 1, steps=steps)
        u, v = scalar(R1, R2, 1)
        assert np.array_equal(x, u) and np.array_equal(y, v)
    for b in range(40):                      # the scalar watchdog and label fallback, unchanged
        try:
            u, v = scalar(R1[b:b + 1], R2[b:b + 1], 2, max_pivots=2)
        except EquilibriumNotFoundError:
            with pytest.raises(EquilibriumNotFoundError):
                lemke_howson_batch(R1[b:b + 1], R2[b:b + 1], 2, max_pivots=2)
            continue
        x, y = lemke_howson_batch(R1[b:b + 1], R2[b:b + 1], 2, max_pivots=2)
        assert np.array_equal(x, u) and np.array_equal(y, v)


def test_equilibrium_payoffs_under_lemke_howson_are_those_of_the_scalar_paths() -> None:
    R1, R2 = games("normal", (3, 3), 500, 3)
    pay = equilibrium_payoffs(R1, R2, "lemke_howson:4")
    x, y = scalar(R1, R2, 4, tol=1e-9)
    old = np.stack([np.einsum("bm,bmn,bn->b", x, R1, y), np.einsum("bm,bmn,bn->b", x, R2, y)], axis=-1)
    assert np.array_equal(pay, old)
    assert lemke_howson_batch(R1[:0], R2[:0], 0)[0].shape == (0, 3)
