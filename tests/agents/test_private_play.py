"""Interim NashConv under visibility "own" (agents.private_play, through evaluate) against independent oracles:
Monte Carlo over the perturbation law's own sampler (conditional means of the cross offsets, with and without a
type-revealing second refinement), and the continuum-type Bayes-Nash equilibrium of vvl_env.solve.bayes_nash_continuum,
where the interim NashConv is 0 and the full-information regret is not."""

from __future__ import annotations

import numpy as np
import pytest

from agents.analytic.matrix_value import parse_view
from agents.evaluate import evaluate
from agents.private_play import interim_gains
from vvl_env.envs.refine_matrix.core import MatrixCore
from vvl_env.envs.refine_matrix_v0 import parallel_env
from vvl_env.model import Game, PerturbationModel
from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum

LAW = {"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.8}
PENNIES = np.array([[1.0, -1.0], [-1.0, 1.0]])


class Rule:
    """A policy over the parsed view: ``refine(view)`` gives the own action to refine (None: pass) while refining
    is legal, ``play(view)`` the probabilities of its own actions."""

    def __init__(self, name, play, refine=lambda view: None) -> None:
        self.name, self._play, self._refine = name, play, refine

    def action_probabilities(self, observation, action_mask):
        view, mask = parse_view(observation["observation"]), np.asarray(action_mask)
        p = np.zeros(mask.size)
        M = (mask.size - 1) // 2
        if mask[0]:
            k = self._refine(view)
            p[0 if k is None or not mask[1 + k] else 1 + k] = 1.0
            return p
        q = np.asarray(self._play(view), dtype=float)
        p[1 + M:1 + M + q.size] = q
        return p

    def action_probabilities_batch(self, observations, masks):
        return np.stack([self.action_probabilities(o, m) for o, m in zip(observations, masks)])

    def act(self, observation, action_mask, *, rng):
        p = self.action_probabilities(observation, action_mask)
        return int(rng.choice(p.size, p=p))


def play_episode(config: dict, policies, seed: int):
    """Deterministic refine actions (the rules are point masses there): the joint refine actions and the play
    probabilities of one episode."""
    env = parallel_env(**config)
    obs, info = env.reset(seed=seed)
    joint = []
    while info["player_0"]["phase"] == "refine":
        acts = {a: int(np.argmax(p.action_probabilities(obs[a], obs[a]["action_mask"])))
                for a, p in zip(("player_0", "player_1"), policies)}
        joint.append((acts["player_0"], acts["player_1"]))
        obs, _, _, _, info = env.step(acts)
    probs = [p.action_probabilities(obs[a], obs[a]["action_mask"]) for a, p in zip(("player_0", "player_1"), policies)]
    return env, joint, probs


def test_restart_with_the_episode_draws_replays_the_episode():
    config = dict(game="rock_paper_scissors", budget=(2, 1), visibility="own", perturbation=LAW, cost=0.1)
    env = parallel_env(**config)
    env.reset(seed=11)
    for acts in ({"player_0": 1, "player_1": 2}, {"player_0": 3, "player_1": 0}):
        env.step(acts)
    one = MatrixCore(env.config, 1)
    one.reset(np.array([0]), [11])
    many = MatrixCore(env.config, 3)
    many.restart(np.arange(3), [tuple(np.broadcast_to(a, (3, *a.shape)) for a in d) for d in one.episode_draws(0)])
    for act in ((1, 2), (3, 0)):
        many.step(np.tile(act, (3, 1)))
    np.testing.assert_array_equal(many.W, np.broadcast_to(env._core.W, many.W.shape))
    np.testing.assert_array_equal(many.obs, np.broadcast_to(env._core.obs, many.obs.shape))


def chosen_variant(view) -> list[float]:
    """Player_0 plays H.1 iff its own payoff of H.1 against H beats H.2's (its type decides)."""
    return [1.0, 0.0, 0.0] if view.own[0, 0] > view.own[1, 0] else [0.0, 1.0, 0.0]


@pytest.mark.parametrize("chunked", [False, True])
def test_the_uninformed_players_gain_is_the_conditional_mean_of_its_payoffs(chunked, monkeypatch):
    """Player_1 plays y = (0.3, 0.7) and sees nothing of player_0's refinement of H. Its interim action values are
    R2[H, b] plus the mean cross offset of the variant player_0's type picks; the oracle draws the law directly.
    ``chunked``: the draws replayed 3,000 at a time (a replay core of bounded memory)."""
    import agents.private_play as private_play
    config = dict(game="matching_pennies", budget=(1, 0), visibility="own", perturbation=LAW, cost=0.0)
    if chunked:
        monkeypatch.setattr(private_play, "REPLAY_BYTES",
                            3_000 * MatrixCore.bytes_per_copy(parallel_env(**config).config))
    policies = [Rule("p0", chosen_variant, refine=lambda v: 0), Rule("p1", lambda v: [0.3, 0.7])]
    env, joint, probs = play_episode(config, policies, seed=5)
    gains = interim_gains(env.config, policies, [5], [joint], [probs], types=20_000, seed=1)
    d = PerturbationModel(**LAW).sample(rng=np.random.default_rng(2), n_opposing=2, size=1_000_000)
    pick = d.own1[:, 0] > d.own2[:, 0]
    Q = -PENNIES[0] + np.where(pick[:, None], d.other1, d.other2).mean(axis=0)    # R2[H, :] = -R1[H, :]
    oracle = Q.max() - np.array([0.3, 0.7]) @ Q
    assert gains[0, 1] == pytest.approx(oracle, abs=0.02)
    assert oracle > 0.3                                   # a real gain, far from the noise


def test_a_type_revealing_refinement_conditions_the_other_players_expectation():
    """Player_0 (budget 2) refines H, then refines H.1 again only if H.1 beat the parent against H (own1 > 0): a
    second refinement tells player_1 that. It plays H.1.1 always; player_1's interim values are the cross offset of
    H.1 given own1 > 0 (the second refinement's own mean is 0). The estimator's weights must find that."""
    config = dict(game="matching_pennies", budget=(2, 0), visibility="own", perturbation=LAW, cost=0.0)

    def refine(view):
        if view.own.shape[0] == 2:
            return 0                                    # first: H
        return 0 if view.own[0, 0] > 1.0 else None      # again, iff H.1 beats the parent's payoff 1 against H

    policies = [Rule("p0", lambda v: np.eye(v.own.shape[0])[0], refine=refine), Rule("p1", lambda v: [0.7, 0.3])]
    seed = next(s for s in range(100) if len(play_episode(config, policies, s)[1]) == 2)
    env, joint, probs = play_episode(config, policies, seed)
    gains = interim_gains(env.config, policies, [seed], [joint], [probs], types=20_000, seed=1)
    d = PerturbationModel(**LAW).sample(rng=np.random.default_rng(3), n_opposing=2, size=1_000_000)
    Q = -PENNIES[0] + d.other1[d.own1[:, 0] > 0].mean(axis=0)
    oracle = Q.max() - np.array([0.7, 0.3]) @ Q
    blind = 0.7 * 2.0                                   # ignoring the signal: Q = R2[H, :]
    assert gains[0, 1] == pytest.approx(oracle, abs=0.03)
    assert abs(oracle - blind) > 0.15


def test_the_continuum_bayes_nash_equilibrium_has_interim_nash_conv_zero():
    """Player_0 privately refines H; at the continuum-type Bayes-Nash equilibrium player_1 mixes y* and every type of
    player_0 best-responds to it. Interim NashConv ~ 0 (Monte Carlo), while the full-information regret of player_1
    (it best-responds to the realised game) is large."""
    law = PerturbationModel(**LAW)
    bne = bayes_nash_continuum(Game(PENNIES, -PENNIES), 0, 0, law, n=50_000, replications=4,
                               rng=np.random.default_rng(0))
    y = bne.y.mean
    assert 0.05 < y < 0.95
    config = dict(game="matching_pennies", budget=(1, 0), visibility="own", perturbation=LAW, cost=0.0)
    policies = {"player_0": Rule("br", lambda v: np.eye(v.own.shape[0])[np.argmax(v.own @ [y, 1 - y])],
                                 refine=lambda v: 0),
                "player_1": Rule("y*", lambda v: [y, 1 - y])}
    s = evaluate("refine_matrix_v0", config, policies, episodes=20, seed=0).summary()
    assert s["eval/nash_conv/player_0"]["mean"] == pytest.approx(0.0, abs=1e-12)
    assert s["eval/nash_conv/player_1"]["mean"] < 0.03
    assert s["eval/regret/player_1"]["mean"] > 0.3


def test_evaluate_reports_interim_nash_conv_and_leaves_it_undefined_with_several_rounds():
    config = dict(game="matching_pennies", budget=(1, 0), visibility="own", perturbation=LAW, cost=0.0)
    policies = {"player_0": Rule("p0", chosen_variant, refine=lambda v: 0),
                "player_1": Rule("p1", lambda v: [0.3, 0.7])}
    recs = evaluate("refine_matrix_v0", config, policies, episodes=3, seed=0).records
    for e, rec in enumerate(recs):
        assert rec["nash_conv"] == pytest.approx(rec["nash_conv/player_0"] + rec["nash_conv/player_1"])
        assert rec["nash_conv/player_1"] != pytest.approx(rec["regret/player_1"])     # not the ex-post regret
    recs = evaluate("refine_matrix_v0", {**config, "rounds": 2}, policies, episodes=2, seed=0).records
    assert all("nash_conv" not in rec and "regret/player_1" in rec for rec in recs)


@pytest.mark.parametrize("informed", [0, 1])
def test_analytic_agents_play_the_continuum_bayes_nash_equilibrium_under_own(informed):
    """One player privately refines once in matching pennies: the analytic agents' payoffs over 3,000 env episodes
    are the continuum-type Bayes-Nash equilibrium's (its solver, 4 standard errors), and their interim NashConv is
    ~0, where playing the equilibrium of one's own view (public-style) leaves it clearly positive."""
    from agents.analytic import make_agent
    budget = (1, 0) if informed == 0 else (0, 1)
    config = dict(game="matching_pennies", budget=budget, visibility="own", perturbation=LAW, cost=0.0)
    kinds = ("always_refine", "never_refine") if informed == 0 else ("never_refine", "always_refine")
    agents = {a: make_agent(k, "refine_matrix_v0", env_config=config, role=a)
              for a, k in zip(("player_0", "player_1"), kinds)}
    s = evaluate("refine_matrix_v0", config, agents, episodes=3_000, seed=0, nash_conv_episodes=40).summary()
    refined = 0                                     # always_refine: its action of largest weight, the first on a tie
    bne = bayes_nash_continuum(Game(PENNIES, -PENNIES), informed, refined, PerturbationModel(**LAW), n=50_000,
                               replications=8, rng=np.random.default_rng(1))
    for i, a in enumerate(("player_0", "player_1")):
        got = s[f"eval/payoff/{a}"]
        assert got["mean"] == pytest.approx(bne.payoffs[i].mean, abs=4 * got["stderr"] + 4 * bne.payoffs[i].stderr)
    assert s["eval/nash_conv"]["mean"] < 0.03
    own_view = {a: make_agent(k, "refine_matrix_v0", env_config=config, role=a, private=None)
                for a, k in zip(("player_0", "player_1"), kinds)}
    t = evaluate("refine_matrix_v0", config, own_view, episodes=40, seed=0).summary()
    assert t["eval/nash_conv"]["mean"] > 0.1


def test_the_refine_decision_values_the_bayes_nash_play_that_follows():
    """Pennies, player_0 alone may refine once at cost 0.19: refining is worth 0.155 with public play (so it passes
    under "public") but 0.226 at the Bayes-Nash equilibrium of private play (so it refines under "own"); its decision
    values are the solver's informed payoff minus the cost."""
    from agents.analytic import make_agent
    from agents.refine_gap import decision_values
    results = {}
    for visibility in ("public", "own"):
        config = dict(game="matching_pennies", budget=(1, 0), visibility=visibility, perturbation=LAW, cost=0.19)
        agents = {a: make_agent("bayes_myopic", "refine_matrix_v0", env_config=config, role=a)
                  for a in ("player_0", "player_1")}
        s = evaluate("refine_matrix_v0", config, agents, episodes=100, seed=0, nash_conv_episodes=0).summary()
        results[visibility] = s["eval/refine_rate/player_0"]["mean"]
        if visibility == "own":
            obs, _ = parallel_env(**config).reset(seed=0)
            stop, q, _ = decision_values(agents["player_0"], obs["player_0"])
            bne = bayes_nash_continuum(Game(PENNIES, -PENNIES), 0, 0, PerturbationModel(**LAW), n=50_000,
                                       replications=8, rng=np.random.default_rng(2))
            err = agents["player_0"].evaluate(parse_view(obs["player_0"]["observation"])).stderr[0]
            assert stop == pytest.approx(0.0, abs=1e-9)
            assert q[0] == pytest.approx(bne.payoffs[0].mean - 0.19, abs=4 * err + 4 * bne.payoffs[0].stderr)
    assert results == {"public": 0.0, "own": 1.0}


def test_an_episodes_estimate_does_not_depend_on_the_other_episodes_in_the_call():
    config = dict(game="matching_pennies", budget=(1, 0), visibility="own", perturbation=LAW, cost=0.0)
    policies = [Rule("p0", chosen_variant, refine=lambda v: 0), Rule("p1", lambda v: [0.3, 0.7])]
    episodes = [play_episode(config, policies, seed) for seed in (3, 4)]
    cfg = episodes[0][0].config
    both = interim_gains(cfg, policies, [3, 4], [e[1] for e in episodes], [e[2] for e in episodes], types=500)
    alone = interim_gains(cfg, policies, [4], [episodes[1][1]], [episodes[1][2]], types=500)
    np.testing.assert_array_equal(both[1], alone[0])


def test_the_plug_in_and_cross_fitted_interim_nash_conv_bracket_a_bayes_nash_equilibrium():
    """At the analytic agents' Bayes-Nash play (matching pennies, player_0 refines privately) the uninformed player_1
    mixes between two actions of equal interim value. The plug-in ``max_a Q(a)`` over 2,048 draws reads that tie as
    a gain of about ``sd(Q(H) - Q(T)) / sqrt(2 pi)`` (0.018 per episode: biased up), the cross-fitted estimate
    (``nash_conv_lower``) averages to 0 within its Monte Carlo error over 150 episodes (exact at a tie)."""
    from agents.analytic import make_agent

    config = dict(game="matching_pennies", budget=(1, 0), visibility="own", cost=0.0, perturbation=LAW)
    policies = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=config, role=a)
                for a in ("player_0", "player_1")}
    s = evaluate("refine_matrix_v0", config, policies, episodes=150, seed=0, selection="max_welfare").summary()
    low, up = s["eval/nash_conv_lower/player_1"], s["eval/nash_conv/player_1"]
    assert abs(low["mean"]) < 3 * low["stderr"] + 0.002, low
    assert up["mean"] > 0.01 and up["mean"] > low["mean"] + 5 * low["stderr"]
    assert s["eval/nash_conv/player_0"]["mean"] == s["eval/nash_conv_lower/player_0"]["mean"] == 0.0  # saw all


def test_the_cross_fitted_maximum_values_each_halfs_pick_by_the_other_half():
    from agents.private_play import _best_value

    Q = np.array([0.5, 0.5])
    halves = [[np.array([3.0, 1.0]), 2.0], [np.array([1.0, 2.0]), 2.0]]       # A: (1.5, 0.5), B: (0.5, 1.0)
    assert _best_value(Q, halves) == pytest.approx(0.5 * (0.5 + 0.5))         # B values A's pick, A values B's
    assert _best_value(Q, [[np.array([2.0, 0.0]), 2.0], [np.array([0.0, 2.0]), 2.0]]) == pytest.approx(0.0)
    assert _best_value(np.array([0.2, 0.7]), None) == 0.7                         # nothing hidden: exact
    assert _best_value(np.array([0.2, 0.7]), [[np.zeros(2), 0.0], [np.ones(2), 3.0]]) == 0.7   # an empty half
