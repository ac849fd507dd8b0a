"""Refinement of games by Monte Carlo: the invariants of model.md §2 in every draw, and its claims in expectation."""

from __future__ import annotations

import numpy as np
import pytest

from vvl_env.model import PerturbationModel, matching_pennies, random_zero_sum, refine, rock_paper_scissors
from vvl_env.solve import equilibria, refinement_effect, zero_sum_value


def test_knife_edge_keeps_welfare_zero_in_every_draw(rng: np.random.Generator) -> None:
    law = PerturbationModel(0.8, 0.8, -1.0)
    effect = refinement_effect(rock_paper_scissors(), [(0, 1), (1, 2)], law, n=500, rng=rng)
    assert np.max(np.abs(effect.welfare_samples)) < 1e-9


def test_refiner_never_falls_below_base_value(rng: np.random.Generator) -> None:
    """Pointwise RRP: the refiner can mix its variants (q, 1-q) and recover the old row, so in every draw and for
    every equilibrium its payoff is at least its security level in the base game (the value)."""
    law = PerturbationModel(1.5, 1.0, 0.3, q=0.3)
    for game in (matching_pennies(), rock_paper_scissors(), random_zero_sum(3, 4, rng=rng)):
        value = zero_sum_value(game).value
        for rule in ("all", "min_welfare", "max_welfare"):
            effect = refinement_effect(game, [(0, 0)], law, n=300, rng=rng, selection=rule)
            assert effect.samples[:, 0].min() >= value - 1e-9


def test_only_own_payoffs_move_welfare_nonnegative_in_every_draw(rng: np.random.Generator) -> None:
    effect = refinement_effect(matching_pennies(), [(0, 0)], PerturbationModel(1.0, 0.0), n=2000, rng=rng)
    assert effect.welfare_samples.min() >= -1e-9
    assert effect.welfare.ci[0] > 0


def test_positive_sum_in_expectation_not_every_draw(rng: np.random.Generator) -> None:
    effect = refinement_effect(matching_pennies(), [(0, 0), (1, 0)], PerturbationModel(1.0, 1.0, 0.0), n=4000,
                               rng=rng)
    assert effect.welfare.ci[0] > 0  # positive in expectation
    assert effect.p_negative_welfare.mean > 0.05  # but negative in a fair share of draws
    assert effect.payoff(0).ci[0] > 0 and effect.payoff(1).ci[0] > 0  # mutual: both gain
    assert effect.expected_best_joint.mean > 0


def test_samples_equal_solving_each_draw_by_hand() -> None:
    """The batched path equals refining each draw with `refine` and solving it with `equilibria` (same draws)."""
    law = PerturbationModel(1.0, 0.5, 0.2)
    effect = refinement_effect(matching_pennies(), [(0, 1), (1, 0)], law, n=20, rng=np.random.default_rng(3))
    rng = np.random.default_rng(3)
    r1 = law.sample(rng=rng, n_opposing=2, size=20)
    r2 = law.sample(rng=rng, n_opposing=3, size=20)
    for b in range(20):
        g = refine(refine(matching_pennies(), 0, 1, r1[b]), 1, 0, r2[b])
        np.testing.assert_allclose(effect.samples[b], equilibria(g).mean_payoffs(), atol=1e-9)
        assert effect.best_joint[b] == pytest.approx((g.R1 + g.R2).max())


def test_seeded_and_chunked_reproducible() -> None:
    law = PerturbationModel(1.0, 1.0, 0.0)
    a = refinement_effect(matching_pennies(), [(0, 0)], law, n=9000, rng=np.random.default_rng(1))
    b = refinement_effect(matching_pennies(), [(0, 0)], law, n=9000, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a.samples, b.samples)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"refinements": [(2, 0)]}, r"player: must be an integer in \[0, 1\], got 2"),
        ({"refinements": [(0, 5)]}, r"refinements\[0\].action: must be an integer in \[0, 1\], got 5"),
        ({"n": 1}, "n: must be an integer >= 2"),
        ({"models": [PerturbationModel(), PerturbationModel()]}, "models: must be one PerturbationModel or one per"),
    ],
)
def test_bad_input(kwargs: dict, fragment: str) -> None:
    args = {"refinements": [(0, 0)], "models": PerturbationModel(), "n": 10} | kwargs
    with pytest.raises(ValueError, match=fragment):
        refinement_effect(matching_pennies(), args["refinements"], args["models"], n=args["n"],
                          rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="game: must be a Game"):
        refinement_effect(np.eye(2), [(0, 0)], PerturbationModel(), n=10, rng=np.random.default_rng(0))  # type: ignore


# --- the sign of the value of refinement (issue 11, item 7) ----------------------------------------------------------

@pytest.mark.parametrize("selection", ["all", "max_welfare"])
def test_refiner_never_loses_in_zero_sum_games_under_common_pointwise_beliefs(selection: str) -> None:
    """Zero-sum base, common pointwise-RRP law (any rho, q): the refiner can mix its variants back into the old
    action, so in *every* draw its equilibrium payoff is at least the old value (the value is unique, so every
    selection agrees)."""
    from vvl_env.model.game import random_zero_sum

    rng = np.random.default_rng(3)
    for i in range(8):
        m, n = rng.integers(2, 4, size=2)
        game = random_zero_sum(int(m), int(n), rng=rng)
        sigma_other, rho, q = (float(v) for v in rng.uniform([0.2, -1.0, 0.2], [2.0, 1.0, 0.8]))
        law = PerturbationModel(1.0, sigma_other, rho, q=q)
        player = i % 2
        for k in range(game.shape[player]):
            e = refinement_effect(game, [(player, k)], law, n=200, rng=rng, selection=selection)
            assert (e.samples[:, player] - e.before[player]).min() >= -1e-9 * max(1.0, np.abs(game.R1).max())


def test_refining_hurts_the_refiner_in_the_stag_hunt() -> None:
    """A named general-sum game where the refiner's value is negative in expectation: stag hunt (Stag 4/0,
    Hare 3/3), player 0 refines Hare, max_welfare selection. A Hare variant above 4 against Stag breaks the
    (Stag, Stag) equilibrium the refiner enjoyed; the 95% interval of E[value to the refiner] lies below 0."""
    from vvl_env.paper.refinement_sign import stag_hunt

    e = refinement_effect(stag_hunt(), [(0, 1)], PerturbationModel(1.0, 1.0, 0.0), n=3000,
                          rng=np.random.default_rng(0), selection="max_welfare")
    assert e.gain(0).ci[1] < 0.0, e.gain(0)
    assert np.mean(e.samples[:, 0] < e.before[0] - 1e-9) > 0.02  # the loss happens in single draws
