"""Malformed model inputs (generated): every one is refused with a ValueError whose message starts with the field;
well-formed ones are accepted and computed exactly."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vvl_env.model import DecisionProblem, Game, PerturbationModel, matching_pennies, refine
from vvl_env.solve.results import Estimate

# entries that are not real numbers, or not finite, or not representable as a float
BAD_ENTRIES = st.one_of(st.text(max_size=3), st.booleans(), st.none(), st.just(float("nan")), st.just(float("inf")),
                        st.just(-float("inf")), st.just(10**400), st.complex_numbers(min_magnitude=1e-3),
                        st.just(np.bool_(True)), st.just({"x": 2}), st.just(b"1"))
GOOD_ENTRIES = st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6), st.fractions(max_denominator=50))


@st.composite
def matrix_with_a_bad_entry(draw: st.DrawFn) -> list[list[Any]]:
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rows = [[draw(GOOD_ENTRIES) for _ in range(n)] for _ in range(m)]
    rows[draw(st.integers(0, m - 1))][draw(st.integers(0, n - 1))] = draw(BAD_ENTRIES)
    return rows


@given(rows=matrix_with_a_bad_entry(), which=st.sampled_from(["R1", "R2"]))
@settings(max_examples=150, deadline=None)
def test_games_with_a_malformed_entry_are_refused(rows: list[list[Any]], which: str) -> None:
    good = np.zeros((len(rows), len(rows[0])))
    kwargs = {"R1": rows, "R2": good} if which == "R1" else {"R1": good, "R2": rows}
    with pytest.raises(ValueError, match=rf"^{which}: (must be an array of real numbers|all entries must be finite)"):
        Game(**kwargs)


@given(m=st.integers(1, 3), n=st.integers(1, 3), data=st.data())
@settings(max_examples=100, deadline=None)
def test_well_formed_entries_are_exact(m: int, n: int, data: st.DataObject) -> None:
    rows = [[data.draw(GOOD_ENTRIES) for _ in range(n)] for _ in range(m)]
    game = Game(rows)
    assert game.R1.tolist() == [[float(v) for v in row] for row in rows]
    np.testing.assert_array_equal(game.R2, -game.R1)


@given(labels=st.one_of(st.text(min_size=2, max_size=2),                      # a string is not split into labels
                        st.tuples(st.integers(), st.text()), st.tuples(st.text(), st.none()),
                        st.tuples(st.text(), st.dictionaries(st.text(), st.integers())),
                        st.lists(st.text(), min_size=3, max_size=4), st.lists(st.text(), max_size=1),
                        st.text(max_size=3).map(lambda s: (s, s)), st.integers(), st.sets(st.text(), min_size=2,
                                                                                           max_size=2)),
       field=st.sampled_from(["row_labels", "col_labels"]))
@settings(max_examples=150, deadline=None)
def test_malformed_labels_are_refused(labels: Any, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: "):
        Game([[1.0, 2.0], [3.0, 4.0]], **{field: labels})
    with pytest.raises(ValueError, match=r"^labels: "):
        DecisionProblem([1.0, 2.0], labels=labels)


def test_labels_as_lists_tuples_and_string_arrays_are_accepted() -> None:
    assert Game([[1.0, 2.0]], row_labels=["a"], col_labels=np.array(["x", "y"])).col_labels == ("x", "y")
    assert DecisionProblem([1.0, 2.0], labels=("A", "C")).labels == ("A", "C")


@given(x=st.lists(st.floats(0, 1), min_size=0, max_size=4), y=st.lists(st.floats(0, 1), min_size=0, max_size=4))
@settings(max_examples=100, deadline=None)
def test_payoffs_need_one_weight_per_action(x: list[float], y: list[float]) -> None:
    game = Game([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]], [[2.0, 0.0, 1.0], [1.0, 3.0, 0.0]])
    if len(x) == 2 and len(y) == 3:
        expected = [sum(x[i] * game.R1[i, j] * y[j] for i in range(2) for j in range(3)),
                    sum(x[i] * game.R2[i, j] * y[j] for i in range(2) for j in range(3))]
        np.testing.assert_allclose(game.payoffs(x, y), expected, rtol=1e-12, atol=1e-12)
    else:
        with pytest.raises(ValueError, match=r"^[xy]: (must have|must not be empty)"):
            game.payoffs(x, y)


def test_payoffs_refuse_non_numbers() -> None:
    with pytest.raises(ValueError, match=r"^x: must be an array of real numbers, got strings"):
        matching_pennies().payoffs(["1", "0"], [1, 0])
    with pytest.raises(ValueError, match=r"^y: all entries must be finite"):
        matching_pennies().payoffs([1, 0], [np.nan, 1])


COUNTS = st.one_of(st.integers(max_value=-1), st.floats(), st.text(max_size=2), st.booleans(), st.just(1.5),
                   st.just("3"), st.just(np.float64(2.0)), st.just([2]))


@given(n=COUNTS)
@settings(max_examples=80, deadline=None)
def test_perturbation_sample_refuses_malformed_counts(n: Any) -> None:
    law, rng = PerturbationModel(), np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"^size: must be an integer >= 0"):
        law.sample(rng=rng, size=n)
    with pytest.raises(ValueError, match=r"^size: must be an integer >= 0"):
        law.sample_own(rng=rng, size=n)
    with pytest.raises(ValueError, match=r"^n_opposing: must be an integer >= 1"):
        law.sample(rng=rng, n_opposing=n)


def test_perturbation_sample_names_its_arguments() -> None:
    law = PerturbationModel(sigma_own=2.0)
    with pytest.raises(ValueError, match=r"^n_opposing: must be an integer >= 1, got 0"):
        law.sample(rng=np.random.default_rng(0), n_opposing=0)
    with pytest.raises(ValueError, match=r"^rng: must be a numpy.random.Generator"):
        law.sample(rng=0)                                                    # type: ignore[arg-type]
    new = law.sample(rng=np.random.default_rng(3), n_opposing=4, size=5)
    assert new.own1.shape == (5, 4) and law.sample(rng=np.random.default_rng(0), size=0).own1.shape == (0, 1)
    with pytest.warns(DeprecationWarning, match="n_opposing"):
        old = law.sample(rng=np.random.default_rng(3), n=4, size=5)         # the former name, same draws
    np.testing.assert_array_equal(old.own1, new.own1)


@pytest.mark.parametrize("outcome", [None, 0.5, {"q": 0.5}, (0.1, -0.1)])
def test_refine_refuses_a_missing_or_foreign_outcome(outcome: Any) -> None:
    with pytest.raises(ValueError, match=r"^outcome: must be a RefinementOutcome"):
        refine(matching_pennies(), 0, 0, outcome)
    with pytest.raises(ValueError, match=r"^outcome: must be a RefinementOutcome"):
        refine(DecisionProblem([1.0, 2.0]), 0, 0, outcome)


def test_decision_refine_refuses_a_batched_outcome() -> None:
    batch = PerturbationModel().sample(rng=np.random.default_rng(0), size=3)
    with pytest.raises(ValueError, match=r"^outcome: must be one unbatched RefinementOutcome"):
        DecisionProblem([1.0, 2.0]).refine(0, batch)


def test_exact_fractions_are_kept_to_float_precision() -> None:
    game = Game([[Fraction(1, 3), Fraction(2, 7)]])
    assert game.R1.tolist() == [[1 / 3, 2 / 7]]


def test_estimate_formats_like_a_number() -> None:
    mc = Estimate.from_samples([0.1, 0.2, 0.3, 0.4])
    lo, hi = mc.ci
    assert f"{mc:.3f}" == f"{0.25:.3f} [{lo:.3f}, {hi:.3f}]"
    assert f"{Estimate.exact(1 / 3):.2f}" == "0.33" and f"{mc}" == str(mc)
    assert "{:>8.1%}".format(Estimate.exact(0.5)) == "   50.0%"
