"""Evaluation statistics against hand computations on tiny configurations."""

from __future__ import annotations

import numpy as np
import pytest

from agents.analytic import RefineOrActAgent, make_agent
from agents.evaluate import evaluate
from agents.policy import sample_action
from vvl_env.model import PerturbationModel

S = 1.0 / np.sqrt(2.0)


class PlayFixed:
    """Passes while refining, then plays own action ``k`` (a fixed pure strategy)."""

    def __init__(self, k: int, M: int) -> None:
        self.k, self.M, self.name = k, M, f"fixed_{k}"

    def action_probabilities(self, observation, action_mask):
        p = np.zeros(len(action_mask))
        p[1 + self.M + self.k if action_mask[1 + self.M + self.k] else 0] = 1.0
        return p

    def act(self, observation, action_mask, *, rng):
        return sample_action(self.action_probabilities(observation, action_mask), rng)


def test_refine_or_act_deterministic_payoffs_and_regret():
    """sigma 0: refining splits option 0 (value 1) into two copies; never: 1.0, always: 1.0 - 0.1 (cost)."""
    cfg = dict(values=[1.0, 0.5], perturbation={"sigma_own": 0.0}, cost=0.1, budget=1)
    never, always = make_agent("never_refine", "refine_or_act"), make_agent("always_refine", "refine_or_act")
    rep = evaluate("refine_or_act", cfg, {"agent": always}, episodes=20, seed=5, reference={"agent": never})
    s = rep.summary()
    assert s["eval/payoff/agent"]["mean"] == pytest.approx(0.9) and s["eval/payoff/agent"]["ci"] == pytest.approx(
        [0.9, 0.9])
    assert s["eval/refine_rate/agent"]["mean"] == 1.0 and s["eval/refine_rate/agent/action_0"]["mean"] == 1.0
    assert s["eval/refine_rate/agent/turn_0"]["mean"] == 1.0
    # against the never-refining reference the payoff falls short by the cost; acting on the best option (value 1
    # after refining a sigma-0 option) leaves no regret against the agent's own best deviation
    assert s["eval/shortfall/agent"]["mean"] == pytest.approx(0.1) and s["eval/shortfall/agent"]["n"] == 20
    assert s["eval/regret/agent"]["mean"] == 0.0
    assert s["eval/nash_conv"]["mean"] == 0.0 and s["eval/cost/agent"]["mean"] == pytest.approx(0.1)
    rows = rep.table()
    assert {"metric", "mean", "ci_low", "ci_high", "n"} <= set(rows[0]) and len(rep.records) == 20


def test_random_agent_refine_rate_and_optimal_beats_myopic():
    """Uniform random on 2 options with budget 1 refines with probability 2/4 at the first step."""
    rep = evaluate("refine_or_act", dict(values=[0.0, 0.0], budget=1), {"agent": make_agent("random", "refine_or_act")},
                   episodes=400, seed=0)
    est = rep.summary()["eval/refine_rate/agent"]
    assert est["ci"][0] - 0.02 <= 0.5 <= est["ci"][1] + 0.02
    # constructed case (test_analytic): myopic stops (value 0); optimal's expected payoff is 7s/8 - 3c/2
    model = PerturbationModel(1.0, rrp="expectation", gap_law="rademacher")
    cfg = dict(values=[0.0], perturbation=model, cost=0.37, budget=2)
    opt, my = RefineOrActAgent("optimal", model=model), RefineOrActAgent("myopic", model=model)
    rep = evaluate("refine_or_act", cfg, {"agent": opt}, episodes=3000, seed=1, reference={"agent": my})
    s = rep.summary()
    assert s["eval/reference_payoff/agent"]["mean"] == 0.0
    pay = s["eval/payoff/agent"]
    assert pay["ci"][0] - pay["stderr"] <= 7 * S / 8 - 1.5 * 0.37 <= pay["ci"][1] + pay["stderr"]
    assert s["eval/refine_rate/agent"]["mean"] == 1.0 and 0.4 < s["eval/refinements/agent"]["mean"] - 1.0 < 0.6


def test_matrix_fixed_pure_play_by_hand():
    """Prisoner's dilemma, no refinement: (C, D) pays (0, 5) every episode; welfare 5."""
    cfg = dict(game="prisoners_dilemma", budget=0)
    M = 2
    rep = evaluate("refine_matrix_v0", cfg, {"player_0": PlayFixed(0, M), "player_1": PlayFixed(1, M)},
                   episodes=10, seed=0, selection="max_welfare")
    s = rep.summary()
    assert s["eval/payoff/player_0"]["mean"] == 0.0 and s["eval/payoff/player_1"]["mean"] == 5.0
    assert s["eval/welfare"]["mean"] == 5.0 and s["eval/refine_rate/player_0"]["mean"] == 0.0
    # (D, D) is the equilibrium: payoffs (1, 1); NashConv of (C, D): player_0 gains 1 by D, player_1 0
    assert s["eval/eq_payoff/player_0"]["mean"] == 1.0 and s["eval/eq_gap/player_0"]["mean"] == -1.0
    assert s["eval/nash_conv/player_0"]["mean"] == 1.0 and s["eval/nash_conv/player_1"]["mean"] == 0.0


def test_matrix_refine_rate_of_fixed_rules_and_costs():
    cfg = dict(game="matching_pennies", perturbation={"sigma_own": 1.0}, budget=(1, 0), cost=0.25)
    pol = {"player_0": make_agent("always_refine", "refine_matrix_v0", env_config=cfg, role="player_0"),
           "player_1": make_agent("never_refine", "refine_matrix_v0", env_config=cfg, role="player_1")}
    s = evaluate("refine_matrix_v0", cfg, pol, episodes=30, seed=2).summary()
    assert s["eval/refine_rate/player_0"]["mean"] == 1.0 and s["eval/refine_rate/player_1"]["mean"] == 0.0
    assert s["eval/cost/player_0"]["mean"] == 0.25 and s["eval/refine_rate/player_0/turn_0"]["mean"] == 1.0


def test_nash_conv_zero_for_analytic_positive_for_random():
    knife = {"sigma_own": 1.0, "sigma_other": 1.0, "rho": -1.0}  # keeps the game zero-sum in every draw
    cfg = dict(game="rock_paper_scissors", perturbation=knife, budget=1, cost=0.05)
    pol = {a: make_agent("bayes_myopic", "refine_matrix_v0", env_config=cfg, role=a, n=300)
           for a in ("player_0", "player_1")}
    rep = evaluate("refine_matrix_v0", cfg, pol, episodes=40, seed=0)
    nc = [r["nash_conv"] for r in rep.records]
    assert len(nc) == 40 and max(nc) < 1e-5
    assert all(abs(r["welfare"] + r["cost/player_0"] + r["cost/player_1"]) < 1e-9 for r in rep.records)
    rnd = {a: make_agent("random", "refine_matrix_v0") for a in ("player_0", "player_1")}
    s = evaluate("refine_matrix_v0", dict(game="prisoners_dilemma", budget=0), rnd, episodes=5, seed=0).summary()
    assert s["eval/nash_conv"]["mean"] == pytest.approx(1.5)  # uniform in PD: each gains 3 - 2.25 by defecting


def test_bargain_spe_agents_reach_spe():
    """Fixed weights, horizon 1: player_0 keeps everything (x = (1, 1)), so the play payoff equals the SPE."""
    cfg = dict(K=2, weights=({"law": "fixed", "w": [0.8, 0.2]}, {"law": "fixed", "w": [0.2, 0.8]}), horizon=1,
               budget=0)
    pol = {a: make_agent("bayes_myopic", "refine_bargain_v0", env_config=cfg) for a in ("player_0", "player_1")}
    s = evaluate("refine_bargain_v0", cfg, pol, episodes=5, seed=0).summary()
    assert s["eval/payoff/player_0"]["mean"] == pytest.approx(1.0) and s["eval/payoff/player_1"]["mean"] == 0.0
    assert s["eval/eq_gap/player_0"]["mean"] == pytest.approx(0.0, abs=1e-12)
    assert s["eval/invalid"]["mean"] == 0.0


def test_evaluation_reproducible_for_a_seed():
    cfg = dict(game="matching_pennies", perturbation={"sigma_own": 1.0, "sigma_other": 0.5}, budget=1,
               cost={"law": "uniform", "low": 0.0, "high": 0.2})
    pol = {a: make_agent("random", "refine_matrix_v0") for a in ("player_0", "player_1")}
    a = evaluate("refine_matrix_v0", cfg, pol, episodes=30, seed=7)
    b = evaluate("refine_matrix_v0", cfg, pol, episodes=30, seed=7)
    c = evaluate("refine_matrix_v0", cfg, pol, episodes=30, seed=8)
    assert a.records == b.records and a.summary() == b.summary()
    assert a.records != c.records
    with pytest.raises(ValueError, match="policies"):
        evaluate("refine_matrix_v0", cfg, {"player_0": pol["player_0"]}, episodes=1, seed=0)


def test_reference_by_name_is_the_analytic_agents_vvl_run_builds():
    """``reference="bayes_optimal"`` plays make_agent's agents with the evaluation's selection and seed as their
    defaults (as ``vvl run`` does): the same records as passing them by hand; a bad reference is a clear error."""
    cfg = dict(game="matching_pennies", budget=[1, 0], cost=0.05)
    pol = {a: make_agent("never_refine", "refine_matrix_v0", role=a) for a in ("player_0", "player_1")}
    by_hand = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=cfg, role=a,
                             default_selection="max_welfare", default_seed=3) for a in ("player_0", "player_1")}
    named = evaluate("refine_matrix_v0", cfg, pol, episodes=40, seed=3, reference="bayes_optimal",
                     selection="max_welfare")
    explicit = evaluate("refine_matrix_v0", cfg, pol, episodes=40, seed=3, reference=by_hand, selection="max_welfare")
    assert named.records == explicit.records
    assert named.summary()["eval/refine_rate_gap/player_0"]["mean"] == -1.0   # the reference always refines here
    with pytest.raises(ValueError, match="reference: kind"):
        evaluate("refine_matrix_v0", cfg, pol, episodes=1, seed=0, reference="bayes")
    with pytest.raises(TypeError, match="reference"):
        evaluate("refine_matrix_v0", cfg, pol, episodes=1, seed=0, reference=3)


class _Sticky:
    """Plays its two actions uniformly in round 0 and, if ``sticky``, repeats its own last action after that."""

    def __init__(self, sticky: bool) -> None:
        self.sticky, self.name = sticky, "sticky" if sticky else "uniform"

    def action_probabilities(self, obs, mask):
        from vvl_env.envs.refine_matrix.layout import ObsLayout

        s, o, p = ObsLayout(2).sections(), obs["observation"], np.zeros(len(mask))
        p[3:5] = o[s["own_last"]] if self.sticky and o[s["round"].start] > 0 else 0.5
        return p

    def act(self, obs, mask, *, rng):
        return sample_action(self.action_probabilities(obs, mask), rng)


def test_expected_welfare_over_rounds_is_unbiased_and_exact_without_history():
    """Common payoff 1 in the cell (0, 0), else 0, both players uniform in round 0: welfare 2 x 1/4 = 0.5 there.
    One round: every episode's expected welfare is exactly 0.5; two rounds of uniform play: exactly 1.0. Two rounds
    with player_0 repeating its sampled first action: round 1 is valued at the state that action reached, 1.0 after
    action 0 and 0 after action 1, so an episode reads 1.5 or 0.5, and the mean is the exact 1.0."""
    game = dict(R1=[[1.0, 0.0], [0.0, 0.0]], R2=[[1.0, 0.0], [0.0, 0.0]], budget=0)
    uniform = {"player_0": _Sticky(False), "player_1": _Sticky(False)}
    sticky = {"player_0": _Sticky(True), "player_1": _Sticky(False)}
    one = evaluate("refine_matrix_v0", {**game, "rounds": 1}, sticky, episodes=20, seed=0)
    assert [r["expected_welfare"] for r in one.records] == pytest.approx([0.5] * 20, abs=1e-12)
    two = evaluate("refine_matrix_v0", {**game, "rounds": 2}, uniform, episodes=20, seed=0)
    assert [r["expected_welfare"] for r in two.records] == pytest.approx([1.0] * 20, abs=1e-12)
    rep = evaluate("refine_matrix_v0", {**game, "rounds": 2}, sticky, episodes=400, seed=0)
    assert {round(r["expected_welfare"], 12) for r in rep.records} == {0.5, 1.5}
    ew = rep.summary()["eval/expected_welfare"]
    assert abs(ew["mean"] - 1.0) < 4 * ew["stderr"]
