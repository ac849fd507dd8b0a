"""refine: pure, adds one row or column, changes nothing else, keeps lineage; knife-edge stays zero-sum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vvl_env.model import DecisionProblem, Game, PerturbationModel, matching_pennies, refine, refine_arrays
from vvl_env.model.perturbation import RefinementOutcome

payoffs = st.floats(-100, 100, allow_nan=False)


@st.composite
def games(draw: st.DrawFn) -> Game:
    m, n = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    return Game(draw(arrays(np.float64, (m, n), elements=payoffs)), draw(arrays(np.float64, (m, n), elements=payoffs)))


@given(game=games(), player=st.integers(0, 1), data=st.data(), seed=st.integers(0, 2**31))
@settings(max_examples=150, deadline=None)
def test_refine_adds_variants_and_changes_nothing_else(game: Game, player: int, data, seed: int) -> None:
    m, n = game.shape
    action = data.draw(st.integers(0, (m if player == 0 else n) - 1))
    pm = PerturbationModel(1.0, 0.7, 0.2, q=0.3)
    o = pm.sample(rng=np.random.default_rng(seed), n_opposing=n if player == 0 else m)
    g = refine(game, player, action, o)
    if player == 0:
        assert g.shape == (m + 1, n)
        keep = [i for i in range(m + 1) if i not in (action, action + 1)]
        np.testing.assert_array_equal(g.R1[keep], np.delete(game.R1, action, axis=0))
        np.testing.assert_allclose(g.R1[action], game.R1[action] + o.own1)
        np.testing.assert_allclose(g.R2[action + 1], game.R2[action] + o.other2)
        # pointwise RRP: the q-mix of the variants is the old row, for both players
        np.testing.assert_allclose(0.3 * g.R1[action] + 0.7 * g.R1[action + 1], game.R1[action], atol=1e-9)
        np.testing.assert_allclose(0.3 * g.R2[action] + 0.7 * g.R2[action + 1], game.R2[action], atol=1e-9)
        assert g.row_labels[action: action + 2] == (game.row_labels[action] + ".1", game.row_labels[action] + ".2")
        assert g.col_labels == game.col_labels
    else:
        assert g.shape == (m, n + 1)
        np.testing.assert_allclose(g.R2[:, action], game.R2[:, action] + o.own1)
        np.testing.assert_allclose(g.R1[:, action + 1], game.R1[:, action] + o.other2)
        np.testing.assert_array_equal(np.delete(g.R1, [action, action + 1], axis=1), np.delete(game.R1, action, 1))
        assert g.row_labels == game.row_labels


@given(seed=st.integers(0, 2**31), sigma=st.floats(0.01, 10), q=st.floats(0.05, 0.95))
@settings(max_examples=100, deadline=None)
def test_knife_edge_refinement_stays_zero_sum(seed: int, sigma: float, q: float) -> None:
    rng = np.random.default_rng(seed)
    pm = PerturbationModel(sigma, sigma, -1.0, q=q)
    g = matching_pennies()
    for player, action in [(0, 0), (1, 1), (0, 2), (1, 0)]:
        g = refine(g, player, action, pm.sample(rng=rng, n_opposing=g.shape[1 - player]))
        assert g.is_zero_sum(tol=1e-12)
    assert g.shape == (4, 4)


def test_off_knife_edge_not_zero_sum() -> None:
    """rho = -1 alone (unequal scales) does not keep the game zero-sum."""
    outcome = PerturbationModel(1.0, 0.5, -1.0).sample(rng=np.random.default_rng(0), n_opposing=2)
    g = refine(matching_pennies(), 0, 0, outcome)
    assert not g.is_zero_sum()


def test_refining_twice_is_refining_the_result_and_pure() -> None:
    rng = np.random.default_rng(4)
    pm = PerturbationModel(1.0, 1.0, 0.0)
    g0 = matching_pennies()
    o1, o2 = pm.sample(rng=rng, n_opposing=2), pm.sample(rng=rng, n_opposing=3)
    g2 = refine(refine(g0, 0, 0, o1), 1, 1, o2)
    assert g0 == matching_pennies()
    assert g2.row_labels == ("H.1", "H.2", "T") and g2.col_labels == ("H", "T.1", "T.2")
    g1 = refine(g0, 0, 0, o1)
    assert refine(g1, 1, 1, o2) == g2
    o = pm.sample(rng=np.random.default_rng(0), n_opposing=2)
    assert refine(refine(g1, 0, 1, o), 0, 0, o).row_labels == ("H.1.1", "H.1.2", "H.2.1", "H.2.2", "T")


def test_batched_refine_equals_single() -> None:
    rng = np.random.default_rng(5)
    pm = PerturbationModel(1.0, 2.0, 0.4)
    g = Game(rng.normal(size=(3, 2)), rng.normal(size=(3, 2)))
    batch = pm.sample(rng=rng, n_opposing=3, size=6)
    R1, R2 = refine_arrays(np.broadcast_to(g.R1, (6, 3, 2)), np.broadcast_to(g.R2, (6, 3, 2)), 1, 1, batch)
    for b in range(6):
        single = refine(g, 1, 1, batch[b])
        np.testing.assert_array_equal(R1[b], single.R1)
        np.testing.assert_array_equal(R2[b], single.R2)


def test_decision_problem_refine() -> None:
    d = DecisionProblem([1.0, 0.5], labels=("A", "C"))
    o = RefinementOutcome(np.asarray(0.5), np.array([1.0]), np.array([-1.0]), np.zeros(1), np.zeros(1))
    r = refine(d, 0, 0, o)
    np.testing.assert_array_equal(r.values, [2.0, 0.0, 0.5])
    assert r.labels == ("A.1", "A.2", "C") and r.value == 2.0 and d.value == 1.0
    assert r.best_other(0) == 0.5
    with pytest.raises(ValueError, match="player: a decision problem has one player"):
        refine(d, 1, 0, o)


@pytest.mark.parametrize(
    "player, action, n, fragment",
    [
        (2, 0, 2, r"player: must be an integer in \[0, 1\], got 2"),
        (0, 2, 2, r"action: must be an integer in \[0, 1\], got 2"),
        (1, -1, 2, r"action: must be an integer in \[0, 1\], got -1"),
        (0, 0, 3, "outcome: must be one unbatched outcome against 2 opposing actions"),
    ],
)
def test_refine_bad_input(player: int, action: int, n: int, fragment: str) -> None:
    o = PerturbationModel().sample(rng=np.random.default_rng(0), n_opposing=n)
    with pytest.raises(ValueError, match=fragment):
        refine(matching_pennies(), player, action, o)
    with pytest.raises(ValueError, match="option: must be an integer"):
        DecisionProblem([1.0]).refine(3, o)
