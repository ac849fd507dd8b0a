"""Value of refinement: closed forms of model.md §1, exact vs Monte Carlo, Jensen (gain >= 0), bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vvl_env.model import Beta, DecisionProblem, PerturbationModel
from vvl_env.solve.refinement_value import value_of_refinement

FAR = DecisionProblem([0.0, -1e6])  # the other option far below


@pytest.mark.parametrize("sigma", [0.1, 1.0, 3.7])
@pytest.mark.parametrize("rrp", ["pointwise", "expectation"])
def test_gain_sigma_over_sqrt_2pi(sigma: float, rrp: str) -> None:
    """model.md §1: q = 1/2, D ~ N(0, sigma^2), other options far below: gain = sigma / sqrt(2 pi) (both forms)."""
    v = value_of_refinement(FAR, 0, PerturbationModel(sigma, rrp=rrp))
    assert v.gain.n == 0
    assert v.gain.mean == pytest.approx(sigma / np.sqrt(2 * np.pi), rel=1e-9)


def test_toy_dilemma_gain_one() -> None:
    """model.md §1: U(A) = U(C) = 0, variants (+1, -1) or (-1, +1) with prob 1/2 each: gain = 1."""
    pm = PerturbationModel(2.0, gap_law="rademacher", q=0.5)  # gap D = ±2 -> variants ±1
    v = value_of_refinement(DecisionProblem([0.0, 0.0], labels=("A", "C")), 0, pm)
    assert v.gain.mean == pytest.approx(1.0, abs=1e-12)
    assert v.v0 == 0.0 and v.worth_refining


CASES = [
    ([0.0, 0.3], PerturbationModel(1.0, q=0.2)),
    ([0.0, 0.3], PerturbationModel(1.0, rrp="expectation")),
    ([0.0, 1.5], PerturbationModel(0.8, rrp="expectation")),
    ([0.0, -0.4], PerturbationModel(1.0, q=Beta(2.0, 3.0))),
    ([0.2, 0.5, -1.0], PerturbationModel(1.3, q=Beta(0.5, 0.5))),
    ([0.0, 0.0], PerturbationModel(2.0, gap_law="rademacher", rrp="expectation")),
    ([0.0, 0.4], PerturbationModel(2.0, gap_law="rademacher", q=0.3)),
]


@pytest.mark.parametrize("values, model", CASES)
def test_exact_matches_monte_carlo(values: list[float], model: PerturbationModel) -> None:
    """Independent check of each exact branch: Monte Carlo with 2e6 draws, within 5 standard errors."""
    problem = DecisionProblem(values)
    exact = value_of_refinement(problem, 0, model)
    mc = value_of_refinement(problem, 0, model, method="monte_carlo", rng=np.random.default_rng(11), n=2_000_000)
    assert exact.gain.n == 0 and mc.gain.n == 2_000_000
    assert abs(exact.gain.mean - mc.gain.mean) <= 5 * mc.gain.stderr + 1e-12


def test_monte_carlo_only_law_is_seeded() -> None:
    pm = PerturbationModel(1.0, gap_law="uniform")
    a = value_of_refinement(FAR, 0, pm, rng=np.random.default_rng(3), n=100_000)
    b = value_of_refinement(FAR, 0, pm, rng=np.random.default_rng(3), n=100_000)
    assert a == b and a.gain.method == "monte carlo"
    # pointwise, q = 1/2: gain = E|D| / 2 = (sqrt(3)/2) / 2 for the uniform gap of unit sd
    assert abs(a.gain.mean - np.sqrt(3) / 4) <= 5 * a.gain.stderr
    with pytest.raises(ValueError, match="method: no exact form"):
        value_of_refinement(FAR, 0, pm, method="exact")


@given(u=st.floats(-3, 3), m=st.floats(-3, 3), sigma=st.floats(0, 5), q=st.floats(0.01, 0.99),
       rrp=st.sampled_from(["pointwise", "expectation"]))
@settings(max_examples=200, deadline=None)
def test_gain_is_nonnegative_and_monotone_in_sigma(u: float, m: float, sigma: float, q: float, rrp: str) -> None:
    """Jensen + RRP: V1 >= V0; a larger scale never lowers the gain (convexity of max)."""
    p = DecisionProblem([u, m])
    g1 = value_of_refinement(p, 0, PerturbationModel(sigma, q=q, rrp=rrp)).gain.mean
    g2 = value_of_refinement(p, 0, PerturbationModel(sigma * 1.5 + 0.1, q=q, rrp=rrp)).gain.mean
    assert g1 >= -1e-12
    assert g2 >= g1 - 1e-9


def test_zero_scale_gains_nothing_and_cost_rule() -> None:
    v = value_of_refinement(DecisionProblem([1.0, 0.0]), 0, PerturbationModel(0.0), cost=0.1)
    assert v.gain.mean == 0.0 and not v.worth_refining and v.net == pytest.approx(-0.1)
    w = value_of_refinement(FAR, 0, PerturbationModel(1.0), cost=0.39)
    assert w.worth_refining  # 0.3989 > 0.39


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"option": 5}, r"option: must be an integer in \[0, 1\], got 5"),
        ({"cost": -1.0}, r"cost: must be a finite number in \[0.0, inf\]"),
        ({"method": "guess"}, "method: must be one of"),
        ({"method": "monte_carlo"}, "rng: a numpy Generator is required"),
        ({"method": "monte_carlo", "rng": np.random.default_rng(0), "n": 1}, "n: must be an integer >= 2"),
    ],
)
def test_bad_input(kwargs: dict, fragment: str) -> None:
    args = {"option": 0} | kwargs
    with pytest.raises(ValueError, match=fragment):
        value_of_refinement(FAR, args.pop("option"), PerturbationModel(), **args)


@pytest.mark.parametrize("bias", [-0.5, 0.3])
@pytest.mark.parametrize("rrp", ["pointwise", "expectation"])
def test_biased_law_exact_matches_monte_carlo(bias: float, rrp: str) -> None:
    """A law violating the RRP by `bias` (model.md §4 miscalibrated beliefs): exact form vs Monte Carlo."""
    model = PerturbationModel(1.0, rrp=rrp, bias=bias)
    problem = DecisionProblem([0.0, 0.2])
    exact = value_of_refinement(problem, 0, model)
    mc = value_of_refinement(problem, 0, model, method="monte_carlo", rng=np.random.default_rng(5), n=1_000_000)
    assert abs(exact.gain.mean - mc.gain.mean) <= 5 * mc.gain.stderr
    # far below: the gain is sigma/sqrt(2 pi) + bias
    far = value_of_refinement(FAR, 0, model)
    assert far.gain.mean == pytest.approx(1 / np.sqrt(2 * np.pi) + bias, rel=1e-9)
