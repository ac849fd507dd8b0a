"""Across-seed intervals: rates stay in [0, 1], within-seed noise is never ignored, the single-seed rate interval is
Jeffreys' (scipy's Beta quantiles as the oracle), and coverage in a two-level normal model is near 95%; the
refine_matrix reference says what the analytic agents compute there and whether it is an equilibrium."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from vvl_env.runs.summary import across_seeds, is_rate


def test_rate_interval_stays_in_unit_interval() -> None:
    # the case: Student t across two seeds gave 0.80 [0.41, 1.19]
    agg = across_seeds([0.95, 0.65], stderrs=[0.02, 0.05], ns=[100, 100], rate=True)
    assert 0.0 <= agg["ci"][0] <= agg["mean"] <= agg["ci"][1] <= 1.0
    assert across_seeds([1.0, 1.0], stderrs=[0.0, 0.0], ns=[50, 50], rate=True)["ci"][1] <= 1.0


def test_single_seed_rate_is_jeffreys_interval() -> None:
    for k, n in [(0, 50), (7, 40), (40, 40)]:
        lo, hi = across_seeds([k / n], stderrs=[0.0], ns=[n], rate=True)["ci"]
        exact = stats.beta.ppf([0.025, 0.975], k + 0.5, n - k + 0.5)
        # Monte Carlo quantiles of 4000 draws: a few thousandths at most here
        assert lo == pytest.approx(min(exact[0], k / n), abs=0.01) and hi == pytest.approx(max(exact[1], k / n),
                                                                                          abs=0.01)


def test_within_seed_noise_is_counted_when_seeds_agree_by_chance() -> None:
    # the case: two seeds with nearly equal means (t interval +-0.014) but a per-episode stderr of 0.023
    lo, hi = across_seeds([0.131, 0.133], stderrs=[0.023, 0.023], ns=[400, 400])["ci"]
    within = 1.96 * 0.023 / np.sqrt(2)  # the interval of the mean of two independent seed means, closed form
    assert hi - lo > 1.6 * within


def test_coverage_in_a_two_level_normal_model() -> None:
    rng = np.random.default_rng(7)
    hits, reps, seeds, n = 0, 300, 8, 100
    for _ in range(reps):
        data = [rng.normal(m, 1.0, n) for m in rng.normal(0.0, 0.1, seeds)]
        lo, hi = across_seeds([d.mean() for d in data], stderrs=[d.std(ddof=1) / np.sqrt(n) for d in data],
                              ns=[n] * seeds)["ci"]
        hits += lo <= 0.0 <= hi
    # 95% nominal; 300 replications have a binomial sd of 1.3 points: accept 0.88-0.995
    assert 0.88 <= hits / reps <= 0.995


def test_rates_named_and_missing_values_ignored() -> None:
    assert is_rate("eval/refine_rate/player_0") and is_rate("eval/invalid") and not is_rate("eval/welfare")
    assert not is_rate("eval/refine_rate_gap/player_0")  # a difference of two rates lies in [-1, 1]
    agg = across_seeds([None, 0.5], single_ci=[0.4, 0.6])
    assert agg["mean"] == 0.5 and agg["ci"] == [0.4, 0.6] and agg["n_seeds"] == 1


def test_the_matrix_reference_says_how_the_analytic_agents_decide_and_whether_it_is_an_equilibrium():
    from vvl_env.runs import execute
    from vvl_env.runs.schema import load_scenario

    root = Path(__file__).resolve().parents[2]
    exact = execute.reference_numbers(load_scenario(root / "scenarios" / "equilibrium_learning.toml", deep=False))
    assert exact["bayes_optimal is an equilibrium of the whole game"] is True
    assert "refine stage's first-turn game" in exact["bayes_optimal refine decisions"]
    welfare, net = exact["welfare"], exact["welfare_net_of_costs"]       # costs 0.05 each, both refine (budget 1, 1)
    assert net["mean"] == pytest.approx(welfare["mean"] - 0.1) and net["stderr"] == welfare["stderr"] > 0
    assert net["ci"] == pytest.approx([welfare["ci"][0] - 0.1, welfare["ci"][1] - 0.1])
    approx = execute.reference_numbers(load_scenario(root / "scenarios" / "equilibrium_learning.toml",
                                                     ["env.config.budget=[2, 2]"], deep=False))
    assert approx["bayes_optimal is an equilibrium of the whole game"] is False
    assert "one-player lookahead" in approx["bayes_optimal refine decisions"]
