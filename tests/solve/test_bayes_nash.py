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


# --- the continuum-type equilibrium of a 2 x 2 game -------------------------------------------------------------------

def test_continuum_matches_the_closed_form_in_matching_pennies() -> None:
    """Matching pennies, player 0 privately refines H (sigmas 1, rho 0, q = 1/2). By hand: with S = y D_0 +
    (1-y) D_1 ~ N(0, s^2), s^2 = y^2 + (1-y)^2, a type plays its better variant iff |S| > 4 - 8y; the column player
    is indifferent iff that has probability 1/2, so (4 - 8y*) = z s with z = Phi^-1(3/4), and the welfare is the
    chosen variant's expected offset, s phi(z): y* = 0.43995, W = 0.22632. The stated interval covers it (the
    K = 6 sampled-type equilibrium gave 0.217)."""
    from scipy import optimize, stats

    from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum

    z = stats.norm.ppf(0.75)
    y = optimize.brentq(lambda v: 4 - 8 * v - z * np.hypot(v, 1 - v), 0.0, 0.5)
    welfare = np.hypot(y, 1 - y) * stats.norm.pdf(z)
    for seed in range(3):
        r = bayes_nash_continuum(matching_pennies(), 0, 0, PerturbationModel(1.0, 1.0, 0.0), n=10_000,
                                 replications=16, rng=np.random.default_rng(seed))
        assert abs(r.welfare.mean - welfare) <= 4 * r.welfare.stderr and r.welfare.stderr < 1e-3
        assert abs(r.y.mean - y) <= 4 * r.y.stderr + 1e-9
        assert r.payoffs[1].mean == pytest.approx(0.0, abs=4e-4)  # indifferent at value 0, up to one type (2/n)


def test_continuum_equilibrium_holds_on_fresh_types() -> None:
    """A general-sum 2 x 2 game, the column player privately refining (rho 0.6, q = 0.3): at the solver's y*, fresh
    independent type draws leave the uninformed player indifferent within Monte Carlo error (or at its corner)."""
    from vvl_env.solve.bayes_nash import _type_games
    from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum

    game = Game([[3.0, 0.0], [1.0, 2.0]], [[1.0, 2.0], [3.0, 0.0]])
    prior = PerturbationModel(1.5, 1.0, 0.6, q=0.3)
    r = bayes_nash_continuum(game, 1, 1, prior, n=20_000, replications=4, rng=np.random.default_rng(1))
    y = r.y.mean
    types = prior.sample(rng=np.random.default_rng(99), n_opposing=2, size=200_000)
    A, B = _type_games(game.R2.T, game.R1.T, 1, prior, types)
    choice = np.argmax(A @ np.array([y, 1 - y]), axis=1)
    diff = B[np.arange(len(choice)), choice, 0] - B[np.arange(len(choice)), choice, 1]
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    assert 0.0 < y < 1.0 and abs(diff.mean()) <= 4 * se + 4 * r.y.stderr * np.ptp(B)


def test_continuum_needs_a_two_by_two_game() -> None:
    from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum

    with pytest.raises(ValueError, match="^game: must be a 2x2 Game"):
        bayes_nash_continuum(rock_paper_scissors(), 0, 0, PerturbationModel(), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="^replications"):
        bayes_nash_continuum(matching_pennies(), 0, 0, PerturbationModel(), replications=1,
                             rng=np.random.default_rng(0))
