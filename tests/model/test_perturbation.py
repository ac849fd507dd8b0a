"""PerturbationModel: validation, the RRP in both forms, moments of the gaps (Monte Carlo, tolerance from stderr)."""

from __future__ import annotations

import re
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vvl_env.model import Beta, PerturbationModel

N = 200_000


@given(sigma_own=st.floats(0, 10), sigma_other=st.floats(0, 10), rho=st.floats(-1, 1), q=st.floats(0.01, 0.99),
       n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), law=st.sampled_from(["normal", "rademacher", "uniform"]))
@settings(max_examples=200, deadline=None)
def test_pointwise_rrp_holds_in_every_draw(sigma_own, sigma_other, rho, q, n, seed, law) -> None:
    pm = PerturbationModel(sigma_own, sigma_other, rho, q=q, gap_law=law)
    o = pm.sample(rng=np.random.default_rng(seed), n_opposing=n, size=50)
    qc = o.q[:, None]
    assert np.max(np.abs(qc * o.own1 + (1 - qc) * o.own2)) <= 1e-12 * max(1.0, sigma_own)
    assert np.max(np.abs(qc * o.other1 + (1 - qc) * o.other2)) <= 1e-12 * max(1.0, sigma_other)


def test_pointwise_rrp_with_beta_q() -> None:
    pm = PerturbationModel(2.0, 1.0, 0.3, q=Beta(2.0, 5.0))
    o = pm.sample(rng=np.random.default_rng(0), n_opposing=3, size=10_000)
    assert np.all((o.q > 0) & (o.q < 1))
    assert o.q.mean() == pytest.approx(2 / 7, abs=5 * np.sqrt(2 * 5 / (49 * 8)) / np.sqrt(10_000))
    qc = o.q[:, None]
    assert np.max(np.abs(qc * o.own1 + (1 - qc) * o.own2)) < 1e-12


@pytest.mark.parametrize("rrp", ["pointwise", "expectation"])
@pytest.mark.parametrize("law", ["normal", "uniform", "rademacher"])
def test_gap_scale_and_correlation(rrp: str, law: str) -> None:
    """sigma is the standard deviation of the gap between the variants; rho the correlation of (D, E)."""
    pm = PerturbationModel(1.5, 0.5, -0.6, q=0.3, rrp=rrp, gap_law=law)
    o = pm.sample(rng=np.random.default_rng(1), n_opposing=1, size=N)
    D, E = (o.own1 - o.own2).ravel(), (o.other1 - o.other2).ravel()
    # 6 standard errors of a sample sd / correlation of N draws
    assert D.std() == pytest.approx(1.5, rel=6 * np.sqrt(2 / N) + 1e-3)
    assert E.std() == pytest.approx(0.5, rel=6 * np.sqrt(2 / N) + 1e-3)
    assert np.corrcoef(D, E)[0, 1] == pytest.approx(-0.6, abs=6 / np.sqrt(N) + 1e-3)
    # RRP in expectation for both forms: E[q x1 + (1-q) x2] = 0 within 6 standard errors
    mix = (0.3 * o.own1 + 0.7 * o.own2).ravel()
    assert abs(mix.mean()) <= 6 * mix.std() / np.sqrt(N) + 1e-15


def test_expectation_form_breaks_pointwise_rrp() -> None:
    pm = PerturbationModel(1.0, rrp="expectation")
    o = pm.sample(rng=np.random.default_rng(2), n_opposing=4, size=100)
    assert np.max(np.abs(0.5 * o.own1 + 0.5 * o.own2)) > 0.1


def test_knife_edge_gives_opposite_offsets() -> None:
    pm = PerturbationModel(1.3, 1.3, -1.0)
    assert pm.is_knife_edge and not PerturbationModel(1.3, 1.0, -1.0).is_knife_edge
    o = pm.sample(rng=np.random.default_rng(3), n_opposing=5, size=100)
    np.testing.assert_allclose(o.other1, -o.own1, atol=1e-15)
    np.testing.assert_allclose(o.other2, -o.own2, atol=1e-15)


def test_same_seed_same_draws_and_batch_shapes() -> None:
    pm = PerturbationModel(1.0, 1.0, 0.5, q=Beta(1, 1))
    a = pm.sample(rng=np.random.default_rng(7), n_opposing=3, size=4)
    b = pm.sample(rng=np.random.default_rng(7), n_opposing=3, size=4)
    np.testing.assert_array_equal(a.own1, b.own1)
    assert a.q.shape == (4,) and a.own1.shape == (4, 3) and a[1].own1.shape == (3,)
    single = pm.sample(rng=np.random.default_rng(7), n_opposing=3)
    assert single.batch_shape == () and single.own2.shape == (3,)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"sigma_own": -1.0}, r"sigma_own: must be a finite number in \[0.0, inf\], got -1.0"),
        ({"sigma_other": float("nan")}, "sigma_other: must be a finite number"),
        ({"rho": 1.5}, r"rho: must be a finite number in \[-1.0, 1.0\], got 1.5"),
        ({"q": 0.0}, r"q: must be a finite number in \(0.0, 1.0\), got 0.0"),
        ({"q": 1.0}, r"q: must be a finite number in \(0.0, 1.0\)"),
        ({"q": "half"}, "q: must be a real number, got 'half'"),
        ({"rrp": "sometimes"}, "rrp: must be one of 'pointwise', 'expectation'; got 'sometimes'"),
        ({"gap_law": "cauchy"}, "gap_law: must be one of"),
    ],
)
def test_bad_parameters(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        PerturbationModel(**kwargs)


def test_bad_beta() -> None:
    with pytest.raises(ValueError, match="q.a: must be a finite number"):
        Beta(0.0, 1.0)


def test_bias_violates_rrp_by_bias() -> None:
    pm = PerturbationModel(1.0, 1.0, 0.0, q=0.3, bias=0.25)
    assert not pm.satisfies_rrp and PerturbationModel().satisfies_rrp
    o = pm.sample(rng=np.random.default_rng(0), n_opposing=3, size=100)
    np.testing.assert_allclose(0.3 * o.own1 + 0.7 * o.own2, 0.25, atol=1e-12)
    np.testing.assert_allclose(0.3 * o.other1 + 0.7 * o.other2, 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="bias: must be a finite number"):
        PerturbationModel(bias=float("inf"))


@pytest.mark.parametrize("q, got", [({"a": 1.0}, "['a']"), ({"a": 1.0, "b": 2.0, "c": 3.0}, "['a', 'b', 'c']")])
def test_a_beta_law_of_q_with_missing_or_extra_keys_is_named(q, got):
    from vvl_env.model.perturbation import parse_perturbation

    message = rf"^belief.q: a Beta law takes exactly the keys \['a', 'b'\], got {re.escape(got)}"
    with pytest.raises(ValueError, match=message):
        parse_perturbation({"q": q}, "belief")
