"""Welfare cost of miscalibrated beliefs (model.md §4) against hand computations and Monte Carlo error."""

from __future__ import annotations

import numpy as np
import pytest

from vvl_env.model import DecisionProblem, PerturbationModel, matching_pennies
from vvl_env.solve import value_of_refinement
from vvl_env.solve.belief_cost import belief_costs

TRUTH = PerturbationModel(1.0, 1.0, 0.0)
PROBLEM = DecisionProblem([0.0, 0.2])
COSTS = np.linspace(0.0, 0.3, 3001)[1:]  # a uniform cost law on (0, 0.3], as a fine grid


def test_decision_problem_against_closed_forms() -> None:
    """Belief sigma = 0 (refinement worthless): never refines; under-refinement rate P(c < G) = G / 0.3 and regret
    E[(G - c) 1{c < G}] = G^2 / 0.6 for c uniform on (0, 0.3], with G the exact gain (model.md §1)."""
    G = value_of_refinement(PROBLEM, 0, TRUTH).gain.mean
    worthless, truth = belief_costs(PROBLEM, 0, 0, TRUTH, [PerturbationModel(0.0), TRUTH], COSTS, n=300_000, seed=3)
    assert worthless.believed_gain == 0.0
    assert worthless.over_refinement.mean == 0.0
    assert worthless.under_refinement.mean == pytest.approx(G / 0.3, abs=2e-3)
    assert worthless.regret.mean == pytest.approx(G**2 / 0.6, abs=2e-3)
    assert worthless.welfare_cost.ci[0] > 0
    # a belief equal to the truth decides as common knowledge: no errors, regret or welfare cost, exactly
    assert truth.believed_gain == pytest.approx(G, rel=1e-9)
    assert _costs_nothing(truth)


def _costs_nothing(point) -> bool:
    return (point.over_refinement.mean == point.under_refinement.mean == point.regret.mean == 0.0
            and point.welfare_cost.mean == 0.0 and point.welfare_cost.ci == (0.0, 0.0))


def test_game_truth_belief_costs_nothing_and_bias_over_refines() -> None:
    costs = np.random.default_rng(0).uniform(0.0, 0.3, size=4000)
    beliefs = [TRUTH, PerturbationModel(1.0, 1.0, 0.0, bias=0.3), PerturbationModel(0.0, 1.0, 0.0)]
    same, optimistic, worthless = belief_costs(matching_pennies(), 0, 0, TRUTH, beliefs, costs, n=4000, seed=1)
    assert _costs_nothing(same)          # the truth's decision gain and the belief's share one estimator and stream
    assert abs(same.believed_gain - same.true_gain.mean) <= 5 * same.true_gain.stderr
    assert optimistic.believed_gain > same.believed_gain + 0.1  # bias 0.3 on own offsets (the opponent adapts)
    assert optimistic.over_refinement.mean > 0.2 and optimistic.under_refinement.mean == 0.0
    assert worthless.over_refinement.mean == 0.0 and worthless.under_refinement.mean > 0.3
    for point in (optimistic, worthless):
        assert point.regret.ci[0] > 0 and point.payoff_cost[0].ci[0] > 0


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="costs: must be a nonempty array of finite costs >= 0"):
        belief_costs(PROBLEM, 0, 0, TRUTH, [TRUTH], [-1.0], n=10, seed=0)
    with pytest.raises(ValueError, match="n: must be an integer >= 2"):
        belief_costs(PROBLEM, 0, 0, TRUTH, [TRUTH], [0.1], n=1, seed=0)
