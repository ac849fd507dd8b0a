"""Tests of vvl_env.solve.dynamics against independent oracles.

Oracles: matching pennies and RPS (value 0, uniform equilibrium, by hand); random zero-sum games (value by the HiGHS
LP of ``vvl_env.solve.zero_sum_value``, which shares no code with the dynamics); a refined 4x4 exact potential game
(equilibria enumerated by ``vvl_env.solve.equilibria``); Shapley's (1964) game, where the classic dynamics cycle;
closed-form invariants (RM+'s regret bound, the replicator's conserved KL divergence, MMD's logit fixed point).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vvl_env.model import Game, PerturbationModel, matching_pennies, refine, rock_paper_scissors
from vvl_env.solve import equilibria, zero_sum_value
from vvl_env.solve.dynamics import METHODS, baseline_curve, learn
from vvl_env.solve.exploitability import nash_conv_batch

TARGET = 1e-3


def _padded_zero_sum(n3: int, n5: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MP, RPS, n3 random 3x3 and n5 random 5x5 zero-sum games (entries U[-1, 1], seed 2026) padded with junk to the
    largest shape."""
    rng = np.random.default_rng(2026)
    games = [matching_pennies().R1, rock_paper_scissors().R1]
    games += list(rng.uniform(-1, 1, (n3, 3, 3))) + list(rng.uniform(-1, 1, (n5, 5, 5)))
    k = max(g.shape[0] for g in games)
    R = np.full((len(games), k, k), 7.0)  # junk padding: a best response if masks were ignored
    rows = np.zeros((len(games), k), dtype=bool)
    for b, g in enumerate(games):
        R[b, :g.shape[0], :g.shape[1]] = g
        rows[b, :g.shape[0]] = True
    return R, rows, rows.copy()


def _check_zero_sum_limit(R: np.ndarray, rm: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    """NashConv < TARGET and the profile's payoff within TARGET of the LP value of each (unpadded) game."""
    total, _ = nash_conv_batch(R, -R, x, y, rm, rm)
    assert np.all(total < TARGET), total.max()
    for b in range(len(R)):
        k = int(rm[b].sum())
        value = zero_sum_value(R[b, :k, :k]).value
        assert x[b, :k] @ R[b, :k, :k] @ y[b, :k] == pytest.approx(value, abs=TARGET)
        assert np.all(x[b, k:] == 0) and np.all(y[b, k:] == 0)


# Zero-sum games: iterate and iterations for which theory promises convergence (module docstrings); budgets
# measured on these seeded games (benchmarks/dynamics.py has the figures for more games).
@pytest.mark.parametrize(("method", "iterate", "iterations", "n5"), [
    ("rm+_alternating", "avg", 5_000, 10),   # Tammelin et al. 2015: linear average of CFR+ converges
    ("mmd_reset", "last", 25_000, 10),       # Perolat et al. 2021, Abe et al. 2024: last iterate converges
    ("omwu", "last", 45_000, 0),             # Daskalakis & Panageas 2019; 5x5 games can need > 1e5 iterations
])
def test_zero_sum_games_reach_target(method: str, iterate: str, iterations: int, n5: int) -> None:
    R, rm, cm = _padded_zero_sum(10, n5)
    res = learn(R, -R, method, iterations, rng=np.random.default_rng(3), record_every=iterations // 20,
                row_mask=rm, col_mask=cm, target=TARGET)
    x, y = (res.last_x, res.last_y) if iterate == "last" else (res.avg_x, res.avg_y)
    _check_zero_sum_limit(R, rm, x, y)
    assert np.all(res.converged_last if iterate == "last" else res.converged_avg)
    assert np.all(res.converged)


def test_replicator_average_obeys_the_continuous_regret_bound() -> None:
    # Replicator = continuous FTRL with the entropy (Mertikopoulos et al. 2018): from the uniform start each player's
    # regret up to time tau is <= log(actions), so in a zero-sum game NashConv(time average) <=
    # range (log m + log n) / tau, tau = t dt; the average of the t + 1 samples differs from the time integral by
    # the two end points' half steps, at most dt in normalised payoffs: bound range (log m + log n + dt) / (t dt).
    R, rm, cm = _padded_zero_sum(10, 10)
    R, rm, cm = R[2:], rm[2:], cm[2:]
    dt = METHODS["replicator"].defaults["dt"]
    res = learn(R, -R, "replicator", 2_000, rng=np.random.default_rng(3), record_every=100, row_mask=rm,
                col_mask=cm, init="uniform")
    k = rm.sum(axis=1)
    span = np.array([np.ptp(R[b, :k[b], :k[b]]) for b in range(len(R))])
    bound = span * (2 * np.log(k) + dt) / (res.steps[:, None] * dt)
    assert np.all(res.nash_conv_avg <= bound)


def test_replicator_conserves_kl_divergence_to_interior_equilibrium() -> None:
    # Hofbauer & Sigmund (1998) §11: in a zero-sum game with interior equilibrium (x*, y*),
    # KL(x*, x) + KL(y*, y) is constant along every orbit, so the last iterate never converges.
    rps = rock_paper_scissors()
    star = np.full(3, 1 / 3)
    kl = lambda p: np.sum(star * np.log(star / p), axis=-1)  # noqa: E731
    rng = np.random.default_rng(9)
    ref = learn(rps.R1, rps.R2, "replicator", 1, rng=rng, record_every=1)
    start = kl(ref.last_x) + kl(ref.last_y)
    res = learn(rps.R1, rps.R2, "replicator", 2_001, rng=np.random.default_rng(9), record_every=1)
    assert kl(res.last_x) + kl(res.last_y) == pytest.approx(start, rel=1e-5)
    assert np.min(res.nash_conv_last) > 0.05


@pytest.mark.parametrize("method", ["rm+", "fictitious_play"])
def test_simultaneous_rm_plus_and_fictitious_play_average(method: str) -> None:
    # RM+ regret <= range sqrt(k T) (Tammelin 2014, as regret matching's), so in a zero-sum game
    # NashConv(avg_T) <= range (sqrt(m) + sqrt(n)) / sqrt(T) at every T: a bound that holds for every run.
    # Fictitious play has no such bound (Robinson 1951: convergence, no rate); both converge like T^{-1/2}, so
    # NashConv 1e-3 takes ~10^6 iterations (benchmarks/dynamics.py): here we check the bound and the trend only.
    R, rm, cm = _padded_zero_sum(10, 10)
    res = learn(R, -R, method, 8_000, rng=np.random.default_rng(3), record_every=100, row_mask=rm, col_mask=cm)
    k = rm.sum(axis=1)
    span = np.array([np.ptp(R[b, :k[b], :k[b]]) for b in range(len(R))])
    if method == "rm+":
        bound = span * 2 * np.sqrt(k) / np.sqrt(res.steps[:, None] + 1)
        assert np.all(res.nash_conv_avg <= bound)
    assert np.all(res.nash_conv_avg[-1] < 0.05)
    assert np.median(res.nash_conv_avg[-1]) < np.median(res.nash_conv_avg[9]) / 2  # T = 1000 -> 8000 (~ 1 / 2.8)


def test_mmd_last_iterate_is_the_logit_qre_not_nash() -> None:
    # Sokota et al. 2023: with a uniform magnet the fixed point is x ∝ exp(A1 y / alpha), y ∝ exp(x A2 / alpha)
    # on normalised payoffs A = R / range; a random game's QRE is not a Nash equilibrium, so it is not converged.
    R, rm, cm = _padded_zero_sum(10, 0)
    R, rm = R[2:, :3, :3], rm[2:, :3]
    alpha = 0.05
    res = learn(R, -R, "mmd", 4_000, rng=np.random.default_rng(3), alpha=alpha, record_every=500)
    A = R / np.ptp(R, axis=(1, 2))[:, None, None]
    logit = lambda u: np.exp(u / alpha) / np.exp(u / alpha).sum(-1, keepdims=True)  # noqa: E731
    np.testing.assert_allclose(res.last_x, logit(np.einsum("bmn,bn->bm", A, res.last_y)), atol=1e-9)
    np.testing.assert_allclose(res.last_y, logit(-np.einsum("bm,bmn->bn", res.last_x, A)), atol=1e-9)
    assert np.all(res.nash_conv_last[-1] > TARGET) and not np.any(res.converged)


def _refined_potential_game() -> Game:
    """A 3x3 exact potential game (R1 = phi + f(col), R2 = phi + g(row)) refined once by each player with E = D
    (rho = 1, equal scales): the refined 4x4 game is still an exact potential game, and general-sum."""
    rng = np.random.default_rng(7)
    phi, f, g = rng.uniform(-1, 1, (3, 3)), rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3)
    law = PerturbationModel(sigma_own=0.5, sigma_other=0.5, rho=1.0)
    base = Game(phi + f[None, :], phi + g[:, None])
    return refine(refine(base, 0, 0, law.sample(rng=rng, n_opposing=3)), 1, 1, law.sample(rng=rng, n_opposing=4))


def test_refined_potential_game_fictitious_play_and_replicator_reach_an_equilibrium() -> None:
    # Monderer & Shapley (1996): fictitious play converges in games with identical interests, hence in exact
    # potential games (best-response equivalent); replicator dynamics increase the potential along every orbit and
    # interior orbits converge to rest points (Hofbauer & Sigmund 1998). The limits must be enumerated equilibria.
    game = _refined_potential_game()
    R1, R2 = game.R1, game.R2
    d = (R1 - R2)
    assert np.allclose(d - d[:, :1] - d[:1, :] + d[0, 0], 0.0)  # R1 - R2 = f(col) - g(row): exact potential game
    assert game.shape == (4, 4) and not np.allclose(R1 + R2, 0)
    profiles = equilibria(game).profiles
    B = 10
    for method, iterate in (("fictitious_play", "avg"), ("replicator", "last")):
        res = learn(np.stack([R1] * B), np.stack([R2] * B), method, 3_000, rng=np.random.default_rng(1),
                    record_every=100)
        x, y = (res.avg_x, res.avg_y) if iterate == "avg" else (res.last_x, res.last_y)
        assert np.all(res.converged), (method, res.nash_conv_avg[-1], res.nash_conv_last[-1])
        for b in range(B):
            gaps = [max(np.abs(x[b] - ex).max(), np.abs(y[b] - ey).max()) for ex, ey in profiles]
            assert min(gaps) < 5e-3, (method, b, x[b], y[b])


SHAPLEY = (np.eye(3), np.roll(np.eye(3), 1, axis=1))
"""Shapley (1964), 'Some topics in two-person games': player 0 wants to match, player 1 to be one ahead; the unique
equilibrium is uniform, and fictitious play from pure starts cycles for ever (the Shapley triangle)."""


@pytest.mark.parametrize("method", list(METHODS))
def test_shapley_game_is_never_reported_converged_where_it_cycles(method: str) -> None:
    B = 20
    R1, R2 = np.stack([SHAPLEY[0]] * B), np.stack([SHAPLEY[1]] * B)
    res = learn(R1, R2, method, 3_000, rng=np.random.default_rng(11), record_every=100)
    assert not np.any(res.converged_last)  # no last iterate reaches and holds the equilibrium
    if method in ("mmd", "mmd_reset"):
        # MMD settles on a limit cycle that the game's cyclic symmetry (i -> i + 1 for both players) maps to itself,
        # so its time average tends to the uniform equilibrium: there "average" converging is the truth. Break the
        # symmetry (a few payoffs moved by <= 0.3) and the average plateaus away from the equilibrium.
        P1 = R1 + np.array([[0.3, 0, 0], [0, 0, 0], [0, 0, -0.2]])
        P2 = R2 + np.array([[0, 0, 0.2], [0, 0, 0], [0, 0.1, 0]])
        res = learn(P1[:10], P2[:10], method, 5_000, rng=np.random.default_rng(11), record_every=100)
        assert not np.any(res.converged) and np.all(res.nash_conv_avg[-1] > 3 * TARGET)
        return
    assert not np.any(res.converged) and np.all(res.best == np.where(
        res.nash_conv_last[-1] <= res.nash_conv_avg[-1], "last", "average"))
    assert np.all(res.nash_conv_avg[-1] > TARGET)


def test_padded_games_give_the_same_iterates_as_the_games_alone() -> None:
    # init="uniform" draws nothing, so the padded run and the per-game runs must agree to rounding
    R, rm, cm = _padded_zero_sum(3, 2)
    for method in ("rm+", "omwu", "mmd_reset", "replicator"):
        res = learn(R, -R, method, 300, rng=np.random.default_rng(0), init="uniform", row_mask=rm, col_mask=cm)
        for b in range(len(R)):
            k = int(rm[b].sum())
            alone = learn(R[b, :k, :k], -R[b, :k, :k], method, 300, rng=np.random.default_rng(0), init="uniform")
            np.testing.assert_allclose(res.last_x[b, :k], alone.last_x[0], atol=1e-12)
            np.testing.assert_allclose(res.avg_y[b, :k], alone.avg_y[0], atol=1e-12)
            np.testing.assert_allclose(res.nash_conv_last[:, b], alone.nash_conv_last[:, 0], atol=1e-12)
            assert np.all(res.last_x[b, k:] == 0) and np.all(res.avg_y[b, k:] == 0)


@pytest.mark.parametrize("method", list(METHODS))
def test_seeded_and_result_shapes(method: str) -> None:
    R, rm, cm = _padded_zero_sum(2, 2)
    a, b, c = (learn(R, -R, method, 250, rng=np.random.default_rng(s), record_every=100, row_mask=rm, col_mask=cm)
               for s in (5, 5, 6))
    assert a.steps.tolist() == [100, 200, 250] and a.nash_conv_last.shape == a.nash_conv_avg.shape == (3, 6)
    assert a.last_x.shape == a.avg_x.shape == (6, 5) and a.converged.shape == a.best.shape == (6,)
    for field in ("last_x", "last_y", "avg_x", "avg_y", "nash_conv_last", "nash_conv_avg"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.avg_x, c.avg_x)
    assert a.method == method and a.params == {**METHODS[method].defaults, **{k: a.params[k] for k in ("averaging",
                                                                                                         "init")}}


def test_baseline_curve_counts_game_evaluations() -> None:
    R, rm, cm = _padded_zero_sum(2, 2)
    for method, per_iteration in (("rm+_alternating", 1), ("replicator", 4)):
        curve = baseline_curve(R, -R, method, [0, 3, 40, 400], rng=np.random.default_rng(4), row_mask=rm,
                               col_mask=cm)
        assert curve.iterations.tolist() == [0, 3 // per_iteration, 40 // per_iteration, 400 // per_iteration]
        res = learn(R, -R, method, 400 // per_iteration, rng=np.random.default_rng(4), record_every=1,
                    row_mask=rm, col_mask=cm)
        k = 400 // per_iteration - 1
        assert curve.nash_conv_avg[-1] == pytest.approx(res.nash_conv_avg[k].mean(), rel=1e-12)
        assert curve.nash_conv_last[2] == pytest.approx(res.nash_conv_last[40 // per_iteration - 1].mean(), rel=1e-12)
    uniform = baseline_curve(R, -R, "omwu", [0], rng=np.random.default_rng(4), row_mask=rm, col_mask=cm,
                             init="uniform")
    x0 = rm / rm.sum(1, keepdims=True)
    assert uniform.nash_conv_last[0] == pytest.approx(nash_conv_batch(R, -R, x0, x0, rm, cm)[0].mean(), rel=1e-12)
    full = baseline_curve(R, -R, "omwu", 1000, rng=np.random.default_rng(4), row_mask=rm, col_mask=cm)
    assert full.evaluations[0] == 1 and full.evaluations[-1] == 1000 and len(full.evaluations) <= 50


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"method": "sgd"}, "method: must be one of"),
    ({"eta": 0.1, "method": "rm+"}, r"eta: not a parameter of method 'rm\+'"),
    ({"eta": -1.0, "method": "omwu"}, "eta: must be a finite number in"),
    ({"reset_every": 0, "method": "mmd_reset"}, "reset_every: must be an integer >= 1"),
    ({"averaging": "exponential"}, "averaging: must be one of"),
    ({"iterations": 0}, "iterations: must be an integer >= 1"),
    ({"record_every": 2.5}, "record_every: must be an integer >= 1"),
    ({"target": 0.0}, "target: must be a finite number"),
    ({"rng": 3}, "rng: must be a numpy.random.Generator"),
    ({"row_mask": np.zeros((1, 2), dtype=bool)}, "row_mask: every game must keep at least one action"),
    ({"R2": np.zeros((1, 3, 2))}, "R2: must have the shape of R1"),
])
def test_bad_input_names_the_argument(kwargs: dict, match: str) -> None:
    args = {"R1": np.eye(2)[None], "R2": -np.eye(2)[None], "method": "rm+", "iterations": 10,
            "rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(ValueError, match=match):
        learn(**args)


def test_converged_means_reached_and_held_over_the_last_tenth_of_the_records() -> None:
    # hand-made trajectories, 20 records: game 0's last iterate dips below the target only at the final record (a
    # cycle passing the equilibrium), game 1's holds for the last 2 records, game 2's average holds, game 3 neither
    from vvl_env.solve.dynamics import DynamicsResult
    last = np.full((20, 4), 0.5)
    avg = np.full((20, 4), 0.01)
    last[-1, 0] = 1e-4
    last[-2:, 1] = 1e-4
    avg[-2:, 2] = 5e-4
    avg[-1, 3] = 0.2
    z = np.zeros((4, 2))
    res = DynamicsResult("rm+", {}, 1e-3, z, z, z, z, np.arange(1, 21) * 10, last, avg, 1)
    assert res.converged_last.tolist() == [False, True, False, False]
    assert res.converged_avg.tolist() == [False, False, True, False]
    assert res.converged.tolist() == [False, True, True, False]
    assert res.best.tolist() == ["last", "last", "average", "average"]  # else: the lower final NashConv
    assert res.evaluations.tolist() == list(range(10, 201, 10))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), method=st.sampled_from(list(METHODS)), general_sum=st.booleans())
def test_iterates_stay_on_the_simplex_of_unmasked_actions(seed: int, method: str, general_sum: bool) -> None:
    rng = np.random.default_rng(seed)
    R1, R2 = rng.normal(scale=10.0 ** rng.integers(-3, 4), size=(2, 6, 4, 3))
    R2 = R2 if general_sum else -R1
    rm, cm = rng.random((6, 4)) < 0.7, rng.random((6, 3)) < 0.7
    rm[:, 0] = cm[:, 1] = True
    res = learn(R1, R2, method, 60, rng=rng, record_every=20, row_mask=rm, col_mask=cm)
    for p, mask in ((res.last_x, rm), (res.last_y, cm), (res.avg_x, rm), (res.avg_y, cm)):
        assert np.all(p >= 0) and np.allclose(p.sum(-1), 1.0, atol=1e-12) and np.all(p[~mask] == 0)
    assert np.all(np.isfinite(res.nash_conv_last)) and np.all(res.nash_conv_avg >= -1e-9 * np.abs(R1).max())


def test_fictitious_play_breaks_exact_ties_at_random_in_long_runs():
    """Matching pennies with payoffs 0.3 / -0.7: the cumulative payoffs tie exactly every few steps. Fictitious play
    with exact (rational) sums and the same random draws for the ties gives the same average after 8,000 steps;
    with a fixed tolerance of 1e-12 the float sums' rounding (2e-12 by step 2,690) broke the ties instead."""
    from fractions import Fraction

    R1 = np.array([[0.3, -0.7], [-0.7, 0.3]])
    rng = np.random.default_rng(1)
    A = [[Fraction(v) for v in row] for row in R1]
    i, j = int(np.argmax(rng.random(2))), int(np.argmax(rng.random(2)))     # the pure initial strategies
    ux, uy = [A[a][j] for a in range(2)], [-A[i][b] for b in range(2)]
    count = [0, 0]
    count[i] += 1
    for _ in range(8000):
        rx, ry = rng.random(2), rng.random(2)
        i = max((a for a in range(2) if ux[a] == max(ux)), key=lambda a: rx[a])
        j = max((b for b in range(2) if uy[b] == max(uy)), key=lambda b: ry[b])
        ux, uy = [ux[a] + A[a][j] for a in range(2)], [uy[b] - A[i][b] for b in range(2)]
        count[i] += 1
    result = learn(R1, -R1, "fictitious_play", 8000, rng=np.random.default_rng(1))
    np.testing.assert_allclose(result.avg_x[0], np.array(count) / 8001, atol=1e-12)


def test_a_one_dimensional_mask_of_the_wrong_length_is_named():
    with pytest.raises(ValueError, match="^col_mask: a flag per action must have length 2, got 5"):
        learn(np.eye(2), -np.eye(2), "rm+", 5, rng=np.random.default_rng(0), col_mask=np.ones(5, bool))
