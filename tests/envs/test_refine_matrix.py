"""refine_matrix_v0: PettingZoo API and seeding contracts, rewards against the model layer, masks, visibility."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from vvl_env.envs import refine_matrix_v0
from vvl_env.envs.refine_matrix.core import EPISODES_PER_DRAW
from vvl_env.envs.refine_matrix.env import trusted_game
from vvl_env.envs.refine_matrix.layout import ObsLayout
from vvl_env.model import Game, PerturbationModel, RefinementOutcome, refine

AGENTS = ("player_0", "player_1")
CONFIGS = {
    "pennies": dict(),
    "rps_22_own": dict(game="rock_paper_scissors", budget=(2, 2), visibility="own",
                       perturbation={"sigma_own": 1.0, "sigma_other": 0.7, "rho": -0.5}),
    "dilemma_10_r3": dict(game="prisoners_dilemma", budget=(1, 0), rounds=3),
    "general_00": dict(R1=[[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]], R2=[[2.0, 0.0, 1.0], [1.0, 3.0, 0.0]], budget=(0, 0)),
    "zero_sum_uniform_cost": dict(R1=[[0.5, -1.0], [-0.2, 0.3]], budget=(2, 1), cost={"law": "uniform", "low": 0.0,
                                                                                       "high": 0.3}),
    "private_exp_own_r3": dict(game="matching_pennies", budget=(1, 2), rounds=3, visibility="own",
                               cost=({"law": "exponential", "scale": 0.1}, 0.05),
                               perturbation=({"sigma_own": 1.0, "q": {"a": 2.0, "b": 3.0}},
                                             {"sigma_own": 0.5, "sigma_other": 0.5, "rrp": "expectation"}),
                               beliefs=({"sigma_own": 2.0}, PerturbationModel(0.1, 0.2, 0.3))),
}


def play(env, seed: int, rng: np.random.Generator, hook=None):
    """Random masked play of one episode; ``hook(actions, rewards, infos, obs)`` after every step."""
    obs, infos = env.reset(seed=seed)
    while env.agents:
        actions = {a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"]))) for a in env.agents}
        obs, rewards, _, _, infos = env.step(actions)
        if hook is not None:
            hook(actions, rewards, infos, obs)
    return obs, infos


# --- PettingZoo contracts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONFIGS)
def test_pettingzoo_api_and_seeding(name: str) -> None:
    config = CONFIGS[name]
    api_test(refine_matrix_v0.env(**config), num_cycles=100)
    parallel_api_test(refine_matrix_v0.parallel_env(**config), num_cycles=100)
    seed_test(lambda: refine_matrix_v0.env(**config), num_cycles=30)
    # PettingZoo's parallel seed test samples unmasked actions: masked ones end the episode with a penalty
    parallel_seed_test(lambda: refine_matrix_v0.parallel_env(**config, invalid_action="penalize"), num_cycles=30)


def test_metadata_spaces_and_render(capsys) -> None:
    env = refine_matrix_v0.parallel_env(render_mode="ansi", budget=(1, 0))
    assert env.metadata == {"name": "refine_matrix_v0", "render_modes": ["human", "ansi"], "is_parallelizable": True}
    for agent in AGENTS:
        assert env.action_space(agent) is env.action_space(agent)
        assert env.observation_space(agent) is env.observation_space(agent)
    M = env.config.max_actions
    assert M == 3 and env.action_space("player_0").n == 1 + 2 * M
    assert env.observation_space("player_0")["observation"].shape == (ObsLayout(M).size,)
    env.reset(seed=0)
    env.step({"player_0": 1, "player_1": 0})
    text = env.render()
    assert "H.1" in text and "H.2" in text and "phase: play" in text  # budget spent: play
    human = refine_matrix_v0.parallel_env(render_mode="human")
    human.reset(seed=0)
    assert human.render() is None
    assert str(human.config.game) in capsys.readouterr().out


# --- rewards and the realised game against the model layer ----------------------------------------------------


@pytest.mark.parametrize("name", CONFIGS)
def test_rewards_are_model_payoffs_minus_costs(name: str) -> None:
    env = refine_matrix_v0.parallel_env(**CONFIGS[name])
    rng = np.random.default_rng(1)
    cfg = env.config
    for seed in range(40):
        steps = []
        _, infos = play(env, seed, rng, lambda a, r, i, o: steps.append((a, r, i["player_0"])))
        final = infos["player_0"]
        game = final["base_game"]
        for event in final["refinements"]:
            game = refine(game, event.player, event.action, event.outcome)
        assert game == final["game"]
        n_events = 0
        for actions, rewards, info in steps:
            new = info["refinements"][n_events:]
            n_events += len(new)
            for p, agent in enumerate(AGENTS):
                mine = [e for e in new if e.player == p]
                if mine:            # a refinement turn: minus the cost drawn for it, from the configured law
                    assert rewards[agent] == -mine[0].cost and mine[0].action == actions[agent] - 1
                    law = cfg.cost[p]
                    assert law.low <= mine[0].cost <= law.high if law.law == "uniform" else mine[0].cost >= 0
                elif actions[agent] > cfg.max_actions:   # play: the true realised payoff of the chosen cell
                    a0, a1 = actions["player_0"] - 1 - cfg.max_actions, actions["player_1"] - 1 - cfg.max_actions
                    assert rewards[agent] == game.payoff_matrix(p)[a0, a1]
                else:
                    assert rewards[agent] == 0.0
        plays = sum(1 for a, _, _ in steps if a["player_0"] > cfg.max_actions)
        assert plays == cfg.rounds and n_events == len(final["refinements"])


def test_trusted_game_equals_validated_game(rng) -> None:
    R1, R2 = rng.normal(size=(2, 3, 2))
    g = trusted_game(R1, R2, ("a", "b", "c"), ("x", "y"), "custom")
    assert {f.name for f in dataclasses.fields(Game)} == {"R1", "R2", "row_labels", "col_labels", "name"}
    assert g == Game(R1, R2, ("a", "b", "c"), ("x", "y")) and not g.R1.flags.writeable and str(g)


# --- masks ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rps_22_own", "zero_sum_uniform_cost", "private_exp_own_r3"])
def test_masks_allow_exactly_the_legal_actions(name: str) -> None:
    env = refine_matrix_v0.parallel_env(**CONFIGS[name])
    cfg, M = env.config, env.config.max_actions
    rng = np.random.default_rng(2)

    def check(obs, info):
        game, phase = info["player_0"]["game"], info["player_0"]["phase"]
        made = [sum(e.player == p for e in info["player_0"]["refinements"]) for p in (0, 1)]
        for p, agent in enumerate(AGENTS):
            n_own = game.shape[p]
            legal = np.zeros(1 + 2 * M, dtype=np.int8)
            legal[0] = phase == "refine"
            if phase == "refine" and made[p] < cfg.budget[p]:
                legal[1:1 + n_own] = 1
            if phase == "play":
                legal[1 + M:1 + M + n_own] = 1
            np.testing.assert_array_equal(obs[agent]["action_mask"], legal)

    for seed in range(40):
        obs, infos = env.reset(seed=seed)
        check(obs, infos)
        while env.agents:
            actions = {a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"]))) for a in env.agents}
            obs, _, _, _, infos = env.step(actions)
            check(obs, infos)


def test_masked_actions_raise_and_leave_the_env_unchanged() -> None:
    config = dict(game="rock_paper_scissors", budget=(1, 1))
    M = 4
    a, b = refine_matrix_v0.parallel_env(**config), refine_matrix_v0.parallel_env(**config)
    a.reset(seed=3)
    b.reset(seed=3)
    with pytest.raises(ValueError, match=r"^player_0: action 7 is not legal in the refine phase \(legal actions: "
                                         r"\[0, 1, 2, 3\]"):
        a.step({"player_0": 1 + M + 2, "player_1": 0})     # play in the refinement phase
    with pytest.raises(ValueError, match=r"^player_1: action 4 is not legal in the refine phase"):
        a.step({"player_0": 1, "player_1": 4})             # refine a missing action (and player_0 a legal one)
    for actions in ({"player_0": 1, "player_1": 0}, {"player_0": 0, "player_1": 0}):
        oa, ob = a.step(actions), b.step(actions)
        assert oa[1] == ob[1] and a.game == b.game and a.refinements == b.refinements
    with pytest.raises(ValueError, match=r"^player_1: action 0 is not legal in the play phase \(legal actions: "
                                         r"\[5, 6, 7\]"):
        a.step({"player_0": 1 + M, "player_1": 0})         # pass in the play phase


# --- observations and visibility ------------------------------------------------------------------------------


def _payoffs(obs: np.ndarray, M: int) -> tuple[np.ndarray, np.ndarray]:
    s = ObsLayout(M).sections()
    return obs[s["own_payoffs"]].reshape(M, M), obs[s["other_payoffs"]].reshape(M, M)


def test_public_observation_is_the_game_in_own_first_frame() -> None:
    env = refine_matrix_v0.parallel_env(game="rock_paper_scissors", budget=(2, 1), rounds=2)
    M = env.config.max_actions
    rng = np.random.default_rng(4)

    def check(_a, _r, infos, obs):
        g = infos["player_0"]["game"]
        m, n = g.shape
        for p, agent in enumerate(AGENTS):
            own, other = _payoffs(obs[agent]["observation"], M)
            mine, theirs = (g.R1, g.R2) if p == 0 else (g.R2.T, g.R1.T)
            rows, cols = mine.shape
            np.testing.assert_allclose(own[:rows, :cols], mine, rtol=1e-6)
            np.testing.assert_allclose(other[:rows, :cols], theirs, rtol=1e-6)
            assert not own[rows:].any() and not own[:, cols:].any()

    for seed in range(20):
        play(env, seed, rng, check)


def test_own_visibility_hides_the_other_players_offsets() -> None:
    """player_0 refines H; player_1 sees the coarse parent (whatever the offsets), player_0 only its own offsets."""
    env = refine_matrix_v0.parallel_env(budget=(1, 0), visibility="own",
                                        perturbation={"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.3})
    M = env.config.max_actions
    seen_by_1, seen_by_0 = [], []
    for seed in range(5):
        env.reset(seed=seed)
        obs, _, _, _, infos = env.step({"player_0": 1, "player_1": 0})
        event = infos["player_0"]["refinements"][0]
        base = infos["player_0"]["base_game"]
        coarse = refine(base, 0, 0, RefinementOutcome(event.outcome.q, *np.zeros((4, 2))))
        own_only = refine(base, 0, 0, dataclasses.replace(event.outcome, other1=np.zeros(2), other2=np.zeros(2)))
        own1, other1 = _payoffs(obs["player_1"]["observation"], M)
        np.testing.assert_array_equal(own1[:2, :3], coarse.R2.T.astype(np.float32))
        np.testing.assert_array_equal(other1[:2, :3], coarse.R1.T.astype(np.float32))
        own0, other0 = _payoffs(obs["player_0"]["observation"], M)
        np.testing.assert_array_equal(own0[:3, :2], own_only.R1.astype(np.float32))
        np.testing.assert_array_equal(other0[:3, :2], coarse.R2.astype(np.float32))
        assert not np.array_equal(infos["player_0"]["game"].R2, coarse.R2)      # the truth did move
        seen_by_1.append(obs["player_1"]["observation"])
        seen_by_0.append(obs["player_0"]["observation"])
    assert all(np.array_equal(o, seen_by_1[0]) for o in seen_by_1)             # offsets differ, view does not
    assert not all(np.array_equal(o, seen_by_0[0]) for o in seen_by_0)


def test_own_visibility_mutual_refinement_matches_filtered_refine() -> None:
    env = refine_matrix_v0.parallel_env(game="rock_paper_scissors", budget=(1, 1), visibility="own",
                                        perturbation={"sigma_own": 1.0, "sigma_other": 0.8})
    M = env.config.max_actions
    for seed in range(5):
        env.reset(seed=seed)
        obs, _, _, _, infos = env.step({"player_0": 2, "player_1": 3})       # both refine in one turn
        ev0, ev1 = infos["player_0"]["refinements"]
        zero = lambda o, keep_own: dataclasses.replace(  # noqa: E731
            o, other1=0 * o.other1, other2=0 * o.other2,
            own1=o.own1 if keep_own else 0 * o.own1, own2=o.own2 if keep_own else 0 * o.own2)
        base = infos["player_0"]["base_game"]
        view0 = refine(refine(base, 0, 1, zero(ev0.outcome, True)), 1, 2, zero(ev1.outcome, False))
        view1 = refine(refine(base, 0, 1, zero(ev0.outcome, False)), 1, 2, zero(ev1.outcome, True))
        own0, other0 = _payoffs(obs["player_0"]["observation"], M)
        own1, other1 = _payoffs(obs["player_1"]["observation"], M)
        np.testing.assert_array_equal(own0[:4, :4], view0.R1.astype(np.float32))
        np.testing.assert_array_equal(other0[:4, :4], view0.R2.astype(np.float32))
        np.testing.assert_array_equal(own1[:4, :4], view1.R2.T.astype(np.float32))
        np.testing.assert_array_equal(other1[:4, :4], view1.R1.T.astype(np.float32))


def test_observation_sections() -> None:
    env = refine_matrix_v0.parallel_env(game="prisoners_dilemma", budget=(2, 1), rounds=2, cost=0.25,
                                        beliefs=({"sigma_own": 2.0, "rho": 0.5}, {"sigma_other": 3.0, "q": 0.25}))
    M = env.config.max_actions
    s = ObsLayout(M).sections()
    obs, _ = env.reset(seed=0)
    o0, o1 = obs["player_0"]["observation"], obs["player_1"]["observation"]
    np.testing.assert_array_equal(o0[s["belief"]], np.float32([2.0, 0.0, 0.5, 0.5, 0.25, 0.0]))
    np.testing.assert_array_equal(o1[s["belief"]], np.float32([1.0, 3.0, 0.0, 0.25, 0.25, 0.0]))
    np.testing.assert_array_equal(o0[s["budget"]], [2, 1])
    np.testing.assert_array_equal(o1[s["budget"]], [1, 2])
    np.testing.assert_array_equal(o0[s["phase"]], [1, 0, 0])
    obs, *_ = env.step({"player_0": 1, "player_1": 0})
    o0, o1 = obs["player_0"]["observation"], obs["player_1"]["observation"]
    np.testing.assert_array_equal(o0[s["own_exists"]], [1, 1, 1, 0])
    np.testing.assert_array_equal(o1[s["other_exists"]], [1, 1, 1, 0])
    np.testing.assert_array_equal(o0[s["budget"]], [1, 1])
    obs, *_ = env.step({"player_0": 0, "player_1": 0})                         # both pass: play
    assert obs["player_0"]["observation"][s["phase"]].tolist() == [0, 1, 0]
    obs, *_ = env.step({"player_0": 1 + M + 2, "player_1": 1 + M + 1})
    o0, o1 = obs["player_0"]["observation"], obs["player_1"]["observation"]
    assert o0[s["round"]][0] == 1 and o0[s["own_last"]].tolist() == [0, 0, 1, 0]
    assert o1[s["other_last"]].tolist() == [0, 0, 1, 0] and o1[s["own_last"]].tolist() == [0, 1, 0, 0]


# --- seeding --------------------------------------------------------------------------------------------------


def test_reset_seed_determines_episodes_across_the_draw_block() -> None:
    config = dict(game="rock_paper_scissors", budget=(1, 1), cost={"law": "uniform", "low": 0.0, "high": 1.0})

    def run(seed: int, episodes: int) -> list:
        env, rng, out = refine_matrix_v0.parallel_env(**config), np.random.default_rng(0), []
        obs, _ = env.reset(seed=seed)
        for _ in range(episodes):
            while env.agents:
                actions = {a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"]))) for a in env.agents}
                obs, rewards, *_ = env.step(actions)
                out.append((obs["player_0"]["observation"].tobytes(), tuple(rewards.values())))
            obs, _ = env.reset()
        return out

    n = EPISODES_PER_DRAW + 3
    assert run(7, n) == run(7, n)
    assert run(7, 3) != run(8, 3)


# --- configuration errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    (dict(game="chess"), "game: must be one of 'matching_pennies'"),
    (dict(game="matching_pennies", R1=[[1.0]]), "game: give either a game or R1"),
    (dict(R2=[[1.0]]), "R2: needs R1"),
    (dict(R1=[[1.0, np.nan]]), "R1: all entries must be finite"),
    (dict(budget=-1), r"budget\[0\]: must be an integer >= 0, got -1"),
    (dict(budget=(1, 2, 3)), "budget: must be one value for both agents or a pair"),
    (dict(budget=1.5), r"budget\[0\]: must be an integer >= 0"),
    (dict(rounds=0), "rounds: must be an integer >= 1, got 0"),
    (dict(cost=-0.1), r"cost\[0\]: must be a finite number in \[0.0, inf\]"),
    (dict(cost={"law": "gamma"}), r"cost\[0\].law: must be one of 'fixed', 'uniform', 'exponential'; got 'gamma'"),
    (dict(cost={"law": "uniform", "low": 0.0}), r"cost\[0\]: the 'uniform' cost law takes keys"),
    (dict(cost={"law": "uniform", "low": 0.5, "high": 0.1}), "cost.high: must be >= cost.low"),
    (dict(perturbation={"sigma": 1.0}), r"perturbation\[0\]: unknown fields \['sigma'\]"),
    (dict(perturbation={"rho": 2.0}), r"perturbation\[0\].rho: must be a finite number in \[-1.0, 1.0\]"),
    (dict(perturbation="normal"), r"perturbation\[0\]: must be a PerturbationModel"),
    (dict(beliefs="private"), "beliefs: must be one of 'common'"),
    (dict(beliefs=(PerturbationModel(),)), "beliefs: must be 'common' or a pair of priors"),
    (dict(visibility="hidden"), "visibility: must be one of 'public', 'own'; got 'hidden'"),
    (dict(max_actions=2), "max_actions: must be an integer >= 3, got 2"),
    (dict(render_mode="rgb_array"), "render_mode: must be one of"),
    (dict(horizon=3), "horizon: unknown configuration field; allowed: game, R1"),
])
def test_bad_config_raises_value_error_naming_the_field(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        refine_matrix_v0.parallel_env(**kwargs)
