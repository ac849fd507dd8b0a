"""OpenSpiel as a second opinion on vvl_env.solve.dynamics (skipped where the `openspiel` extra is not installed).

OpenSpiel is the field's reference implementation: its ``exploitability.nash_conv`` walks the game tree of the
turn-based matrix game, its XFP (Heinrich, Lanctot and Silver 2015) is fictitious play from uniform beliefs, and its
``regret_matching`` is Hart and Mas-Colell's regret matching (not RM+) with a uniform average.
"""

from __future__ import annotations

import numpy as np
import pytest

pyspiel = pytest.importorskip("pyspiel", reason="OpenSpiel is not installed (pip install 'vvl[openspiel]')")
from open_spiel.python import policy as os_policy  # noqa: E402
from open_spiel.python.algorithms import exploitability, fictitious_play, regret_matching  # noqa: E402

from vvl_env.model import matching_pennies, rock_paper_scissors  # noqa: E402
from vvl_env.solve.dynamics import learn  # noqa: E402
from vvl_env.solve.exploitability import nash_conv_batch  # noqa: E402


def _turn_based(R1: np.ndarray, R2: np.ndarray):
    return pyspiel.convert_to_turn_based(pyspiel.create_matrix_game(R1.tolist(), R2.tolist()))


def _openspiel_nash_conv(R1: np.ndarray, R2: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """OpenSpiel's per-player improvements of the profile (x, y) in the turn-based matrix game."""
    game = _turn_based(R1, R2)
    policy = os_policy.TabularPolicy(game)
    policy.action_probability_array[:] = 0.0  # rows are as wide as the larger action set
    policy.action_probability_array[0, :len(x)] = x  # player 0's only information state
    policy.action_probability_array[1, :len(y)] = y  # player 1 does not see player 0's move
    return exploitability.nash_conv(game, policy, return_only_nash_conv=False).player_improvements


def test_nash_conv_batch_agrees_with_openspiel(rng: np.random.Generator) -> None:
    R1, R2 = rng.normal(size=(2, 8, 3, 4))
    x, y = rng.dirichlet(np.ones(3), size=8), rng.dirichlet(np.ones(4), size=8)
    _, ours = nash_conv_batch(R1, R2, x, y)
    for b in range(8):
        np.testing.assert_allclose(ours[b], _openspiel_nash_conv(R1[b], R2[b], x[b], y[b]), atol=1e-12)


def test_fictitious_play_reproduces_openspiel_xfp() -> None:
    # Both: simultaneous best responses to the average of (uniform, BR_1, ..., BR_t). Random general-sum payoffs
    # have no ties, so the trajectories must coincide to rounding.
    R1, R2 = np.random.default_rng(21).uniform(-1, 1, size=(2, 3, 3, 4))
    ours = learn(R1, R2, "fictitious_play", 150, rng=np.random.default_rng(0), init="uniform", record_every=150)
    for b in range(3):
        xfp = fictitious_play.XFPSolver(_turn_based(R1[b], R2[b]))
        for _ in range(150):
            xfp.iteration()
        tables = [next(iter(t.values())) for t in xfp.average_policy_tables()]
        np.testing.assert_allclose(ours.avg_x[b], [tables[0][a] for a in range(3)], atol=1e-12)
        np.testing.assert_allclose(ours.avg_y[b], [tables[1][a] for a in range(4)], atol=1e-12)


@pytest.mark.parametrize("game", [matching_pennies(), rock_paper_scissors()], ids=["pennies", "rps"])
def test_regret_matching_averages_agree_with_openspiel(game) -> None:
    # Different algorithms (RM vs RM+), same unique equilibrium: both averages end within their NashConv of it,
    # and OpenSpiel's tree-walking NashConv of our average matches ours.
    R1, R2 = np.asarray(game.R1), np.asarray(game.R2)
    ours = learn(R1, R2, "rm+_alternating", 4_000, rng=np.random.default_rng(2), record_every=4_000)
    theirs = regret_matching.regret_matching([R1, R2], iterations=4_000)
    nc_theirs = _openspiel_nash_conv(R1, R2, *theirs).sum()
    nc_ours = _openspiel_nash_conv(R1, R2, ours.avg_x[0], ours.avg_y[0]).sum()
    assert nc_ours == pytest.approx(ours.nash_conv_avg[-1, 0], abs=1e-12)
    assert nc_ours < 1e-3 and nc_theirs < 5e-2
    np.testing.assert_allclose(ours.avg_x[0], theirs[0], atol=nc_theirs + nc_ours)
