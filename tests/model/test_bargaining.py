"""Tests of bargaining problems and weight laws (vvl_env/model/bargaining.py, model.md §3)."""

from __future__ import annotations

import numpy as np
import pytest

from vvl_env.model.bargaining import (BargainingLaw, BargainingProblem, DirichletWeights, FixedWeights, UniformWeights,
                                      WeightLaw)


def test_problem_fields_readonly_and_utilities() -> None:
    p = BargainingProblem([0.4, 0.6], (0.2, 0.8))
    assert p.K == 2
    np.testing.assert_array_equal(p.d, [0.0, 0.0])
    for arr in (p.w1, p.w2, p.d):
        assert arr.dtype == np.float64 and not arr.flags.writeable
    np.testing.assert_allclose(p.utilities([1.0, 1 / 6]), [0.5, 2 / 3])
    np.testing.assert_allclose(p.utilities([[0.0, 0.0], [1.0, 1.0]]), [[0.0, 1.0], [1.0, 0.0]])
    assert p == BargainingProblem([0.4, 0.6], [0.2, 0.8]) and hash(p) == hash(BargainingProblem([0.4, 0.6], [0.2, 0.8]))


def test_coarse_problem() -> None:
    c = BargainingProblem.coarse()
    assert c.K == 1 and c.w1.tolist() == [1.0] and c.w2.tolist() == [1.0]
    np.testing.assert_allclose(c.utilities([0.5]), [0.5, 0.5])
    assert BargainingProblem([0.3, 0.7], [0.5, 0.5], d=(0.1, 0.2)).coarsened() == BargainingProblem.coarse((0.1, 0.2))


@pytest.mark.parametrize("kwargs, field", [
    (dict(w1=[-0.1, 1.1], w2=[0.5, 0.5]), "w1"),
    (dict(w1=[0.5, 0.6], w2=[0.5, 0.5]), "w1"),
    (dict(w1=[0.5, np.nan], w2=[0.5, 0.5]), "w1"),
    (dict(w1=[[0.5, 0.5]], w2=[0.5, 0.5]), "w1"),
    (dict(w1=[], w2=[]), "w1"),
    (dict(w1=[0.5, 0.5], w2=[0.2, 0.2, 0.6]), "w2"),
    (dict(w1=[0.5, 0.5], w2=[0.5, 0.4]), "w2"),
    (dict(w1=[0.5, 0.5], w2=[1.5, -0.5]), "w2"),
    (dict(w1=[1.0], w2=[1.0], d=(0.0, 0.0, 0.0)), "d"),
    (dict(w1=[1.0], w2=[1.0], d=(np.inf, 0.0)), "d"),
    (dict(w1=[1.0], w2=[1.0], d="x"), "d"),
])
def test_problem_bad_inputs(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        BargainingProblem(**kwargs)


def test_weights_error_message_names_rule() -> None:
    with pytest.raises(ValueError, match=r"w1: must be nonnegative and summing to 1.*0\.6"):
        BargainingProblem([0.5, 0.6], [0.5, 0.5])


@pytest.mark.parametrize("x", [[0.5], [1.5, 0.0], [[0.5, -0.1]], [np.nan, 0.0]])
def test_utilities_bad_x(x: list) -> None:
    with pytest.raises(ValueError, match="^x:"):
        BargainingProblem([0.4, 0.6], [0.2, 0.8]).utilities(x)


# --- weight laws ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("law", [DirichletWeights([0.5, 2.0, 3.5]), UniformWeights(4), DirichletWeights([1.0, 1.0])])
def test_dirichlet_moments(law: DirichletWeights | UniformWeights) -> None:
    """Sample mean and variance within 5 standard errors of the Dirichlet moments."""
    alpha = np.asarray(law.alpha) if isinstance(law, DirichletWeights) else np.ones(law.K)
    a0 = alpha.sum()
    mean = alpha / a0
    var = alpha * (a0 - alpha) / (a0**2 * (a0 + 1))
    W = law.sample(40_000, rng=np.random.default_rng(1))
    assert isinstance(law, WeightLaw)
    assert W.shape == (40_000, law.K) and np.all(W >= 0)
    np.testing.assert_allclose(W.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(law.mean(), mean, atol=1e-15)
    se_mean = np.sqrt(var / len(W))
    assert np.all(np.abs(W.mean(axis=0) - mean) < 5 * se_mean)
    se_var = np.sqrt(((W - mean) ** 2).var(axis=0) / len(W))
    assert np.all(np.abs(W.var(axis=0) - var) < 5 * se_var)


def test_sampling_reproducible_and_fixed() -> None:
    law = DirichletWeights([1.0, 2.0])
    a, b = law.sample(5, rng=np.random.default_rng(3)), law.sample(5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    f = FixedWeights([0.25, 0.75])
    np.testing.assert_array_equal(f.sample(3, rng=np.random.default_rng(0)), [[0.25, 0.75]] * 3)
    np.testing.assert_array_equal(f.mean(), [0.25, 0.75])
    assert f.K == 2 and law.K == 2 and UniformWeights(3).K == 3
    assert UniformWeights(2).sample(0, rng=np.random.default_rng(0)).shape == (0, 2)


def test_bargaining_law() -> None:
    law = BargainingLaw(UniformWeights(3), DirichletWeights([1.0, 2.0, 3.0]), d=(0.1, 0.0))
    W1, W2 = law.sample(100, rng=np.random.default_rng(2))
    assert W1.shape == W2.shape == (100, 3) and law.K == 3
    W1b, W2b = law.sample(100, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(W1, W1b)
    np.testing.assert_array_equal(W2, W2b)
    p = law.sample_problem(rng=np.random.default_rng(4))
    assert p.K == 3 and p.d.tolist() == [0.1, 0.0]


@pytest.mark.parametrize("make, field", [
    (lambda: DirichletWeights([1.0, 0.0]), "alpha"),
    (lambda: DirichletWeights([1.0, -1.0]), "alpha"),
    (lambda: DirichletWeights([[1.0]]), "alpha"),
    (lambda: DirichletWeights([np.nan]), "alpha"),
    (lambda: UniformWeights(0), "K"),
    (lambda: UniformWeights(2.0), "K"),  # type: ignore[arg-type]
    (lambda: UniformWeights(True), "K"),
    (lambda: FixedWeights([0.5, 0.6]), "w"),
    (lambda: DirichletWeights([1.0]).sample(-1, rng=np.random.default_rng(0)), "size"),
    (lambda: UniformWeights(2).sample(2.5, rng=np.random.default_rng(0)), "size"),  # type: ignore[arg-type]
    (lambda: BargainingLaw(UniformWeights(2), UniformWeights(3)), "law2"),
    (lambda: BargainingLaw("uniform", UniformWeights(3)), "law1"),  # type: ignore[arg-type]
    (lambda: BargainingLaw(UniformWeights(2), UniformWeights(2), d=(0.0,)), "d"),
])
def test_law_bad_inputs(make, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=f"^{field}:"):
        make()
