"""Bayes-Nash reference under private information (model.md §4): verified independently per type."""

from __future__ import annotations

import numpy as np
import pytest

from vvl_env.model import Game, PerturbationModel, matching_pennies, refine, rock_paper_scissors
from vvl_env.model.perturbation import RefinementOutcome
from vvl_env.solve import equilibria, zero_sum_value
from vvl_env.solve.bayes_nash import bayes_nash_refined, bayes_nash_welfare, expected_other_offsets


def _type_game(game: Game, informed: int, action: int, prior: PerturbationModel, types: RefinementOutcome,
               k: int) -> Game:
    """Type k's game built independently with `refine`, the other offsets at their conditional mean."""
    o1, o2 = expected_other_offsets(prior, types[k])
    t = types[k]
    return refine(game, informed, action, RefinementOutcome(t.q, t.own1, t.own2, o1, o2))


@pytest.mark.parametrize("informed, action", [(0, 0), (1, 1)])
@pytest.mark.parametrize("prior", [PerturbationModel(1.0, 1.0, 0.0), PerturbationModel(1.0, 0.7, 0.6, q=0.3)])
def test_no_type_gains_by_deviating(informed: int, action: int, prior: PerturbationModel) -> None:
    game = rock_paper_scissors()
    r = bayes_nash_refined(game, informed, action, prior, n_types=4, rng=np.random.default_rng(2))
    y = r.uninformed_strategy
    mix = np.zeros_like(r.uninformed_strategy)
    for k in range(r.n_types):
        g = _type_game(game, informed, action, prior, r.types, k)
        own = g.R1 if informed == 0 else g.R2.T
        other = g.R2 if informed == 0 else g.R1.T
        x = r.type_strategies[k]
        assert x.min() >= -1e-12 and x.sum() == pytest.approx(1.0)
        assert (own @ y).max() - x @ own @ y <= 1e-7 * np.ptp(own)  # type k best-responds
        mix += x @ other / r.n_types
    assert mix.max() - mix @ y <= 1e-7 * 2  # the uninformed player best-responds to the type mixture
    assert r.max_regret <= 1e-7


def test_informed_never_below_base_value() -> None:
    """Pointwise RRP: every type can mix its variants (q, 1-q) back into the old row, so it secures the value."""
    for seed in range(3):
        r = bayes_nash_refined(matching_pennies(), 0, 1, PerturbationModel(1.0, 1.0, 0.0), n_types=5,
                               rng=np.random.default_rng(seed))
        assert r.type_payoffs[:, 0].min() >= zero_sum_value(matching_pennies()).value - 1e-9


def test_knife_edge_private_information_stays_zero_sum() -> None:
    r = bayes_nash_refined(matching_pennies(), 0, 0, PerturbationModel(1.0, 1.0, -1.0), n_types=5,
                           rng=np.random.default_rng(0))
    assert abs(r.welfare) < 1e-9


def test_one_type_is_the_nash_equilibrium_of_that_game() -> None:
    prior = PerturbationModel(1.0, 0.5, 0.5)
    r = bayes_nash_refined(matching_pennies(), 0, 0, prior, n_types=1, rng=np.random.default_rng(4))
    g = _type_game(matching_pennies(), 0, 0, prior, r.types, 0)
    eq = equilibria(g)
    assert any(np.allclose(r.type_strategies[0], x, atol=1e-7) and np.allclose(r.uninformed_strategy, y, atol=1e-7)
               for x, y in eq.profiles)


def test_no_information_gives_the_value() -> None:
    """sigma_own = 0: every type is the parent row twice, so the informed player's payoff is the game's value."""
    r = bayes_nash_refined(rock_paper_scissors(), 0, 2, PerturbationModel(0.0, 1.0, 0.0), n_types=3,
                           rng=np.random.default_rng(1))
    assert r.payoffs[0] == pytest.approx(0.0, abs=1e-9)


def test_welfare_states_the_sampling_error_and_is_seeded() -> None:
    prior = PerturbationModel(1.0, 1.0, 0.0)
    a = bayes_nash_welfare(matching_pennies(), 0, 0, prior, replications=4, n_types=3, rng=np.random.default_rng(9))
    b = bayes_nash_welfare(matching_pennies(), 0, 0, prior, replications=4, n_types=3, rng=np.random.default_rng(9))
    assert a == b and a[0].n == 4 and a[0].stderr > 0


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"informed": 2}, r"informed: must be an integer in \[0, 1\]"),
        ({"action": 3}, r"action: must be an integer in \[0, 1\], got 3"),
        ({"n_types": 20}, r"n_types: must be an integer in \[1, 7\]"),
    ],
)
def test_bad_input(kwargs: dict, fragment: str) -> None:
    args = {"informed": 0, "action": 0} | kwargs
    with pytest.raises(ValueError, match=fragment):
        bayes_nash_refined(matching_pennies(), args.pop("informed"), args.pop("action"), PerturbationModel(),
                           rng=np.random.default_rng(0), **args)
    with pytest.raises(ValueError, match="replications: must be an integer >= 2"):
        bayes_nash_welfare(matching_pennies(), 0, 0, PerturbationModel(), replications=1, rng=np.random.default_rng(0))
