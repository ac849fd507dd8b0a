"""Markov play in finitely repeated matrix games (vvl_env.solve.repeated_play) against a walk of the game tree over
whole histories, the stage NashConv of vvl_env.solve.exploitability, and a hand-built non-subgame-perfect
equilibrium."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vvl_env.model import Game
from vvl_env.solve.exploitability import nash_conv
from vvl_env.solve.repeated_play import repeated_play_values


def random_profile(rng: np.random.Generator, B: int, H: int, M: int, m: int, n: int) -> tuple[np.ndarray, ...]:
    """Random strategies on the first m rows / n columns, padded to M."""
    x, y = np.zeros((B, H, 1 + M * M, M)), np.zeros((B, H, 1 + M * M, M))
    x[..., :m] = rng.dirichlet(np.ones(m), size=(B, H, 1 + M * M))
    y[..., :n] = rng.dirichlet(np.ones(n), size=(B, H, 1 + M * M))
    return x, y


def tree_walk(R1: np.ndarray, R2: np.ndarray, x: np.ndarray, y: np.ndarray, H: int) -> tuple[np.ndarray, ...]:
    """Values, best-response values and the largest one-shot gain (with where: round, player, state) by recursion
    over whole histories (tuples of cells), each player's strategy read at the state its last cell gives; a best
    response may use the whole history."""
    m, n = R1.shape
    M = x.shape[-1]
    R = (R1, R2)
    gap: list = [0.0, (-1, -1, -1)]

    def state(history: tuple[tuple[int, int], ...]) -> int:
        return 0 if not history else 1 + history[-1][0] * M + history[-1][1]

    def strategies(history: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
        return x[len(history), state(history), :m], y[len(history), state(history), :n]

    def value(history: tuple[tuple[int, int], ...]) -> np.ndarray:
        if len(history) == H:
            return np.zeros(2)
        xs, ys = strategies(history)
        cell = np.array([[np.array([R1[a, b], R2[a, b]]) + value(history + ((a, b),)) for b in range(n)]
                         for a in range(m)])                      # (m, n, 2)
        v = np.einsum("a,b,abk->k", xs, ys, cell)
        for i, gain in enumerate(((cell[..., 0] @ ys).max() - v[0], (xs @ cell[..., 1]).max() - v[1])):
            if gain > gap[0] + 1e-12:
                gap[:] = gain, (len(history), i, state(history))
        return v

    def best(history: tuple[tuple[int, int], ...], i: int) -> float:
        if len(history) == H:
            return 0.0
        xs, ys = strategies(history)
        cell = np.array([[R[i][a, b] + best(history + ((a, b),), i) for b in range(n)] for a in range(m)])
        return float((cell @ ys).max() if i == 0 else (xs @ cell).max())

    v = value(())
    return v, np.array([best((), 0), best((), 1)]), gap[0], gap[1]


@pytest.mark.parametrize("m, n, M, H, seed", [(2, 2, 2, 2, 0), (2, 3, 3, 3, 1), (3, 2, 4, 3, 2), (1, 3, 3, 2, 3)])
def test_values_best_responses_and_gap_match_the_game_tree(m, n, M, H, seed):
    rng = np.random.default_rng(seed)
    B = 3
    R1, R2 = np.zeros((B, M, M)), np.zeros((B, M, M))
    R1[:, :m, :n], R2[:, :m, :n] = rng.normal(size=(B, m, n)), rng.normal(size=(B, m, n))
    R1[:, m:], R2[:, :, n:] = 99.0, -99.0     # padding must never count
    x, y = random_profile(rng, B, H, M, m, n)
    rm, cm = np.arange(M) < m, np.arange(M) < n
    pv = repeated_play_values(R1, R2, x, y, row_mask=np.tile(rm, (B, 1)), col_mask=np.tile(cm, (B, 1)))
    for b in range(B):
        v, br, gap, at = tree_walk(R1[b, :m, :n], R2[b, :m, :n], x[b], y[b], H)
        np.testing.assert_allclose(pv.value[b], v, atol=1e-12)
        np.testing.assert_allclose(pv.best_response[b], br, atol=1e-12)
        assert pv.one_shot_gap[b] == pytest.approx(gap, abs=1e-12)
        assert tuple(pv.one_shot_at[b]) == at
        assert (pv.gains[b] >= -1e-12).all()


def test_one_round_is_the_stage_nash_conv_and_a_stationary_profile_scales_with_the_rounds():
    rng = np.random.default_rng(5)
    game = Game(rng.normal(size=(3, 3)), rng.normal(size=(3, 3)))
    xs, ys = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3))
    stage = nash_conv(game, xs, ys)
    for H in (1, 4):
        x = np.broadcast_to(xs, (1, H, 10, 3))
        y = np.broadcast_to(ys, (1, H, 10, 3))
        pv = repeated_play_values(game.R1[None], game.R2[None], x, y)
        assert pv.nash_conv[0] == pytest.approx(H * stage.total, rel=1e-12)
        np.testing.assert_allclose(pv.gains[0], H * np.asarray(stage.per_player), rtol=1e-12)
        np.testing.assert_allclose(pv.value[0], H * np.array([xs @ game.R1 @ ys, xs @ game.R2 @ ys]), rtol=1e-12)


def test_a_nash_equilibrium_held_by_an_off_path_mistake_has_nash_conv_zero_and_a_positive_gap():
    """Prisoner's dilemma twice (C = 0, D = 1): both defect on the path; after player 1's own deviation (D, C) it
    cooperates in round 1 (a stage mistake). Deviating does not pay (0 + 0 < 1 + 1), so the profile is a Nash
    equilibrium, but not subgame perfect: at that state player 1 loses 1 by the mistake."""
    R1 = np.array([[3.0, 0.0], [5.0, 1.0]])
    R2 = R1.T.copy()
    H = 2
    x, y = np.zeros((1, H, 5, 2)), np.zeros((1, H, 5, 2))
    x[..., 1] = 1.0
    y[..., 1] = 1.0
    after_dc = 1 + 1 * 2 + 0
    y[0, 1, after_dc] = (1.0, 0.0)
    pv = repeated_play_values(R1[None], R2[None], x, y)
    np.testing.assert_allclose(pv.value[0], (2.0, 2.0))
    assert pv.nash_conv[0] == pytest.approx(0.0, abs=1e-12)
    assert pv.one_shot_gap[0] == pytest.approx(1.0)
    assert tuple(pv.one_shot_at[0]) == (1, 1, after_dc)      # round 1, player 1, after (D, C)
    y[0, 1, after_dc] = (0.0, 1.0)
    pv = repeated_play_values(R1[None], R2[None], x, y)
    assert pv.one_shot_gap[0] == pytest.approx(0.0, abs=1e-12)


def test_matching_pennies_best_response_exploits_a_predictable_second_round():
    """Uniform in round 0, then player 1 repeats its last action: player 0 wins round 1 for sure (gain 1), and
    player 1 loses nothing (player 0 stays uniform)."""
    R1 = np.array([[1.0, -1.0], [-1.0, 1.0]])
    x, y = np.full((1, 2, 5, 2), 0.5), np.full((1, 2, 5, 2), 0.5)
    for a, b in itertools.product(range(2), range(2)):
        y[0, 1, 1 + a * 2 + b] = np.eye(2)[b]
    pv = repeated_play_values(R1[None], -R1[None], x, y)
    np.testing.assert_allclose(pv.gains[0], (1.0, 0.0), atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(R1=np.zeros((1, 2, 3))), "R1, R2"),
    (dict(x=np.full((1, 2, 4, 2), 0.5)), "x, y"),
    (dict(x=np.full((1, 2, 5, 2), -0.5)), "x: probabilities"),
    (dict(row_mask=np.array([[True, False]])), "x: probabilities"),
    (dict(col_mask=np.zeros((1, 2), bool)), "col_mask"),
    (dict(R2=np.full((1, 2, 2), np.nan)), "R2"),
])
def test_bad_input_names_the_argument(kwargs, match):
    args = dict(R1=np.zeros((1, 2, 2)), R2=np.zeros((1, 2, 2)), x=np.full((1, 2, 5, 2), 0.5),
                y=np.full((1, 2, 5, 2), 0.5))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        repeated_play_values(**args)
