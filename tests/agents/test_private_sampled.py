"""Bayes-Nash play of the analytic matrix agents under visibility "own" beyond the one-sided 2 x 2 case
(agents.analytic.matrix_private: the public history read off a view, the separable type games, the sampled-type
equilibrium polished to the continuum), checked against the env's own replays and against the interim NashConv of
agents.private_play, which estimates each player's gain by Monte Carlo over the other's true law without the solver."""

from __future__ import annotations

import numpy as np
import pytest

from agents.analytic import make_agent
from agents.analytic.matrix_private import public_history, sampled_equilibrium, type_games
from agents.analytic.matrix_value import own_payoff, parse_view
from agents.evaluate import evaluate
from vvl_env.envs.refine_matrix.config import make_config
from vvl_env.envs.refine_matrix.core import MatrixCore
from vvl_env.solve.bayes_nash import expected_other_offsets

LAW = {"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.8}


def own_config(game, budget):
    return make_config(game=game, budget=budget, visibility="own", cost=0.0, perturbation=LAW)


SEQUENCES = {
    "simultaneous": [(2, 1)],
    "player_0 first": [(2, 0), (0, 1)],
    "player_1 first": [(0, 1), (2, 0)],
    "player_0 alone": [(3, 0), (0, 0)],
    "player_1 alone": [(0, 3), (0, 0)],
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_public_history_replays_to_the_same_game(name):
    """Each player's view names a history that, replayed on the episode's draws, gives the same truth and views."""
    config = own_config("rock_paper_scissors", (1, 1))
    base = (config.game.R1, config.game.R2)
    for seed in range(3):
        core = MatrixCore(config, 1)
        core.reset(np.array([0]), [seed])
        draws = core.episode_draws(0)
        for joint in SEQUENCES[name]:
            core.step(np.array([joint]))
        for player in (0, 1):
            history = public_history(*core.game_arrays(0, 1 + player), *base, player)
            again = MatrixCore(config, 1)
            again.restart(np.array([0]), draws)
            for joint in history:
                again.step(np.array([joint]))
            assert np.array_equal(again.W, core.W) and np.array_equal(again.cnt, core.cnt), (name, player, history)


def test_public_history_refuses_views_that_fit_nothing():
    R = np.array([[1.0, -1.0], [-1.0, 1.0]])
    assert public_history(R, -R, R, -R, 0) is None                      # nobody refined
    odd = np.arange(6.0).reshape(3, 2)
    assert public_history(odd, -odd, R, -R, 0) is None                  # not a split of the base game


def test_type_games_are_additive():
    """R1(k, l) = V0[k] + X0[l] and R2(k, l) = V1[l] + X1[k]: the truth of a replay pairing k with l."""
    config = own_config("rock_paper_scissors", (1, 1))
    for history in (((2, 1),), ((0, 1), (2, 0))):
        V0, X0, V1, X1 = type_games(config, history, 6, np.random.default_rng(4))
        rng = np.random.default_rng(4)                                  # the same draws, paired (k, l)
        core = MatrixCore(config, 6)
        draws = []
        for i in (0, 1):
            law = config.perturbation[i]
            out = law.sample(rng=rng, n_opposing=config.max_actions, size=6)
            off = np.stack([out.own1, out.own2, *expected_other_offsets(law, out)], axis=1)
            draws.append([out.q.reshape(6, 1), off.reshape(6, 1, 4, -1), np.zeros((6, 1))])
        perm = np.array([3, 5, 0, 1, 4, 2])                            # l = perm[k]
        draws[1] = [a[perm] for a in draws[1]]
        core.restart(np.arange(6), draws)
        for joint in history:
            core.step(np.broadcast_to(np.array(joint), (6, 2)).copy())
        for k in range(6):
            T1, T2 = core.game_arrays(k)
            assert np.allclose(T1, V0[k] + X0[perm[k]], atol=1e-12)
            assert np.allclose(T2, V1[perm[k]] + X1[k], atol=1e-12)


@pytest.mark.parametrize("game, budget", [("matching_pennies", (1, 1)), ("rock_paper_scissors", (1, 0)),
                                          ("rock_paper_scissors", (1, 1))])
def test_analytic_agents_play_a_bayes_nash_equilibrium(game, budget):
    """Interim NashConv near its Monte Carlo floor (about 0.01 per player at 2,048 draws), where the equilibrium of
    one's own view scores 0.26 (mutual pennies) to 0.65 (one-sided rock-paper-scissors)."""
    env = {"game": game, "budget": budget, "visibility": "own", "cost": 0.0, "perturbation": LAW}
    agents = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=env, role=a)
              for a in ("player_0", "player_1")}
    report = evaluate("refine_matrix_v0", env, agents, episodes=12, seed=2)
    summary = report.summary()
    assert summary["eval/refine_rate/player_0"]["mean"] == 1.0
    assert summary["eval/nash_conv"]["mean"] < 0.04
    refined = [next(k for k in range(3) if summary.get(f"eval/refine_rate/player_{i}/action_{k}", {}).get("mean"))
               for i in range(sum(b > 0 for b in budget))]
    history = ((1 + refined[0], 0),) if len(refined) == 1 else ((1 + refined[0], 1 + refined[1]),)
    solved = sampled_equilibrium(make_config(**env), history)
    assert solved is not None and "continuum polish (hybr" in solved.method


@pytest.mark.parametrize("refiner", [0, 1])
def test_one_sided_refine_values_are_the_payoffs_of_bayes_nash_play(refiner):
    """Rock-paper-scissors, one player alone refines: the value its refine decision gives each action equals,
    within 4 standard errors, its mean payoff over env episodes (the env's truth) in which it refines that action
    and both agents play from their views."""
    budget = (1, 0) if refiner == 0 else (0, 1)
    env = {"game": "rock_paper_scissors", "budget": budget, "visibility": "own", "cost": 0.0, "perturbation": LAW}
    config = make_config(**env)
    agents = [make_agent("bayes_optimal", "refine_matrix_v0", env_config=env, role=a)
              for a in ("player_0", "player_1")]
    values, errs, stop = agents[refiner].private.refine_values(config.game.R1, config.game.R2, refiner,
                                                         config.perturbation[refiner], n=4000, seed=3)
    assert stop is None and np.all(values > 0.0)                         # refining beats the base game's value 0
    episodes = 1500
    for k in range(3):
        core = MatrixCore(config, episodes)
        core.reset(np.arange(episodes), list(range(100 * k, 100 * k + episodes)))
        joint = [1 + k, 0] if refiner == 0 else [0, 1 + k]
        core.step(np.broadcast_to(np.array(joint), (episodes, 2)).copy())
        pay = np.empty(episodes)
        for c in range(episodes):
            x = agents[0].private.strategy(*core.game_arrays(c, 1), 0)
            y = agents[1].private.strategy(*core.game_arrays(c, 2), 1)
            pay[c] = x @ core.game_arrays(c, 0)[refiner] @ y
        se = np.hypot(pay.std(ddof=1) / np.sqrt(episodes), errs[k])
        assert pay.mean() == pytest.approx(values[k], abs=4 * se)


def test_refine_values_after_the_other_refined_are_the_payoffs_of_bayes_nash_play():
    """Matching pennies, budgets (1, 1): player_1 refined T first. player_0's decision values, not refining and
    refining each action, equal its mean payoffs over env episodes that continue that way (within 4 standard
    errors), where its own-view equilibrium (the public lookahead's 'stop') would not."""
    env = {"game": "matching_pennies", "budget": (1, 1), "visibility": "own", "cost": 0.0, "perturbation": LAW}
    config = make_config(**env)
    agents = [make_agent("bayes_optimal", "refine_matrix_v0", env_config=env, role=a)
              for a in ("player_0", "player_1")]
    episodes, first = 1500, (0, 2)
    core = MatrixCore(config, 1)
    core.reset(np.array([0]), [0])
    core.step(np.array([first]))
    values, errs, stop = agents[0].private.refine_values(*core.game_arrays(0, 1), 0, config.perturbation[0],
                                                         n=4000, seed=5)
    for k, target in ((None, stop), (0, values[0]), (1, values[1])):
        core = MatrixCore(config, episodes)
        core.reset(np.arange(episodes), list(range(7000, 7000 + episodes)))
        core.step(np.broadcast_to(np.array(first), (episodes, 2)).copy())
        core.step(np.broadcast_to(np.array([0 if k is None else 1 + k, 0]), (episodes, 2)).copy())
        pay = np.empty(episodes)
        for c in range(episodes):
            x = agents[0].private.strategy(*core.game_arrays(c, 1), 0)
            y = agents[1].private.strategy(*core.game_arrays(c, 2), 1)
            pay[c] = x @ core.game_arrays(c, 0)[0] @ y
        se = np.hypot(pay.std(ddof=1) / np.sqrt(episodes), 0.0 if k is None else errs[k])
        assert pay.mean() == pytest.approx(target, abs=4 * se), k
        if k is None:
            assert abs(own_payoff(*core.game_arrays(0, 1), 0, "max_welfare") - pay.mean()) > 4 * se


@pytest.mark.parametrize("budget, joint", [((1, 0), (1, 0)), ((0, 1), (0, 2)), ((1, 1), (2, 1))])
def test_views_from_float32_observations_are_covered(budget, joint):
    """A base game whose payoffs float32 cannot hold exactly: the agents' views come from float32 observations and
    still name their history (one-sided 2 x 2: the continuum solver's case; mutual: the sampled one)."""
    game = {"R1": [[0.3, -0.7], [-0.1, 0.45]], "R2": None}
    env = {**game, "budget": budget, "visibility": "own", "cost": 0.0, "perturbation": LAW}
    config = make_config(**env)
    core = MatrixCore(config, 1)
    core.reset(np.array([0]), [1])
    core.step(np.array([joint]))
    for p, role in enumerate(("player_0", "player_1")):
        agent = make_agent("bayes_optimal", "refine_matrix_v0", env_config=env, role=role)
        view = parse_view(core.obs[0, p]).canonical(p)
        assert agent.private.strategy(*view, p) is not None


def test_rademacher_types_are_enumerated_and_played_exactly():
    """Rademacher gaps: finitely many, equally likely types (every sign pattern), ties within a type. The agents play
    the exact equilibrium of those types (AtomicPlay), interim NashConv near the estimator's floor."""
    law = {"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.0, "gap_law": "rademacher"}
    env = {"game": "matching_pennies", "budget": (1, 1), "visibility": "own", "cost": 0.0, "perturbation": law}
    solved = sampled_equilibrium(make_config(**env), ((2, 1),))
    assert "4 x 8 distinct types of 8 x 8 draws" in solved.method           # 2^2 and 2^3 sign patterns
    assert np.allclose(solved.weights[0], 0.25) and np.allclose(solved.weights[1], 0.125)
    agents = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=env, role=a)
              for a in ("player_0", "player_1")}
    summary = evaluate("refine_matrix_v0", env, agents, episodes=30, seed=1).summary()
    assert summary["eval/nash_conv"]["mean"] < 0.04
