"""The refine stage of refine_bargain_v0 as a game (agents.analytic.bargain.BargainAgent.refine_stage): both parties
decide at once whether to reveal their weights, and what refining is worth to one depends on whether the other's
weights are revealed too. Checked against direct SPE computations and the env's own episodes (paired seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from agents.analytic import make_agent
from agents.evaluate import evaluate
from vvl_env.envs import refine_bargain_v0
from vvl_env.envs.refine_bargain.config import make_config
from vvl_env.model.bargaining import BargainingProblem
from vvl_env.solve.bargaining import alternating_offers_spe

# K = 2, two rounds: player_0 gains 0.050 from refining if player_1 does not, 0.020 if it does; player_1 gains about
# 0.01 either way (the agent's estimates at its default 2,000 draws, asserted below; README). At costs (0.03, 0.005) player_1 refines, so player_0 should not; the one-party rule, which values
# player_0's refinement against player_1's prior mean, refines.
CONFIG = dict(K=2, weights="uniform", cost=(0.03, 0.005), grid=21, delta=0.9, horizon=2, visibility="public",
              budget=1)
AGENTS = ("player_0", "player_1")


def first_step(config, kind, **options):
    agents = {a: make_agent(kind, "refine_bargain_v0", env_config=config, role=a, **options) for a in AGENTS}
    obs, _ = refine_bargain_v0.parallel_env(**config).reset(seed=0)
    return agents, {a: agents[a].action_probabilities(obs[a], obs[a]["action_mask"]) for a in AGENTS}, obs


def test_stage_values_and_the_equilibrium_played():
    agents, probs, obs = first_step(CONFIG, "bayes_optimal")
    V, x, y = agents["player_0"].refine_stage(np.asarray(obs["player_0"]["observation"], np.float64))
    cfg = make_config(**CONFIG)
    spe = alternating_offers_spe(BargainingProblem(*(law.mean() for law in cfg.weights), cfg.d), cfg.delta,
                                 cfg.horizon, cfg.first_proposer, cfg.offers)
    assert np.allclose(V[0, 0], spe.u)                                     # nothing revealed: the SPE of the means
    assert V[1, 0, 0] > V[0, 0, 0] and V[0, 1, 0] > V[1, 1, 0]             # player_0 refines only if 1 does not
    gains = (V[1, 0, 0] - V[0, 0, 0] + 0.03, V[1, 1, 0] - V[0, 1, 0] + 0.03)
    assert gains == pytest.approx((0.050, 0.020), abs=0.0005)
    assert V[0, 1, 1] > V[0, 0, 1] and V[1, 1, 1] > V[1, 0, 1]             # player_1 refines either way
    assert np.allclose(x, [1, 0]) and np.allclose(y, [0, 1])
    assert np.allclose(probs["player_0"][:2], [1, 0]) and np.allclose(probs["player_1"][:2], [0, 1])
    _, old, _ = first_step(CONFIG, "bayes_myopic")                         # the one-party rule: both refine
    assert old["player_0"][1] == 1 and old["player_1"][1] == 1
    B, _, _ = make_agent("bayes_optimal", "refine_bargain_v0", env_config=CONFIG, role="player_1").refine_stage(
        np.asarray(obs["player_1"]["observation"], np.float64))
    assert np.array_equal(B, V)                                            # both parties build the same game


def test_env_episodes_confirm_that_player_0_does_better_passing():
    """Paired seeds: player_0 passing (the stage equilibrium) against refining (the one-party rule), player_1 refining
    in both: the env's payoff difference agrees with the stage game's within 4 standard errors and is positive."""
    agents, _, obs = first_step(CONFIG, "bayes_optimal")
    V, _, _ = agents["player_0"].refine_stage(np.asarray(obs["player_0"]["observation"], np.float64))
    deviating = {"player_0": make_agent("bayes_myopic", "refine_bargain_v0", env_config=CONFIG, role="player_0"),
                 "player_1": agents["player_1"]}
    runs = [evaluate("refine_bargain_v0", CONFIG, pols, episodes=600, seed=3).records for pols in (agents, deviating)]
    diff = np.array([a["payoff/player_0"] - b["payoff/player_0"] for a, b in zip(*runs)])
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    assert diff.mean() > 0
    assert abs(diff.mean() - (V[0, 1, 0] - V[1, 1, 0])) <= 4 * np.hypot(se, 0.004)   # 0.004: the stage's own error


def test_benchmark_case_keeps_its_reference_and_the_stage_applies_only_where_it_should():
    bench = dict(K=2, weights="uniform", cost=0.02, grid=21, delta=0.95, horizon=4, visibility="public", budget=1)
    _, probs, _ = first_step(bench, "bayes_optimal", n=500)
    assert probs["player_0"][1] == 1 and probs["player_1"][0] == 1         # (refine, pass), as the one-party rule
    for config, kind in (({**CONFIG, "visibility": "own"}, "bayes_optimal"), (CONFIG, "bayes_myopic"),
                         ({**CONFIG, "budget": (1, 0)}, "bayes_optimal"),
                         ({**CONFIG, "beliefs": ("uniform", {"law": "dirichlet", "alpha": [2.0, 1.0]})},
                          "bayes_optimal")):
        agents, _, obs = first_step(config, kind)
        assert agents["player_0"].refine_stage(np.asarray(obs["player_0"]["observation"], np.float64)) is None


@pytest.mark.parametrize("player", AGENTS)
def test_batch_probabilities_agree(player):
    agents, probs, obs = first_step(CONFIG, "bayes_optimal")
    batch = agents[player].action_probabilities_batch([obs[player]] * 3, np.stack([obs[player]["action_mask"]] * 3))
    assert np.array_equal(batch, np.stack([probs[player]] * 3))


def test_refine_nash_conv_of_the_one_party_rule():
    """The one-party rule's pair (both refine) is off the stage's equilibrium by player_0's loss from refining;
    the equilibrium pair scores 0."""
    from agents.refine_gap import stage_nash_conv

    agents, probs, obs = first_step(CONFIG, "bayes_optimal")
    V, _, _ = agents["player_0"].refine_stage(np.asarray(obs["player_0"]["observation"], np.float64))
    firsts = lambda p: {a: (obs[a], obs[a]["action_mask"], p[a]) for a in AGENTS}  # noqa: E731
    assert stage_nash_conv("refine_bargain_v0", agents, firsts(probs)) == pytest.approx(0.0, abs=1e-12)
    _, old, _ = first_step(CONFIG, "bayes_myopic")
    assert stage_nash_conv("refine_bargain_v0", agents, firsts(old)) == pytest.approx(V[0, 1, 0] - V[1, 1, 0])
