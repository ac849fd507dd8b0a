"""Batched evaluation: it reproduces the sequential evaluator's records; regret, shortfall and the refine-decision gap
against hand computations."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from agents.analytic import make_agent
from agents.evaluate import evaluate
from tests.agents.eval_cases import Mixed, cases
from vvl_env.model.game import named_game

RECORDED = json.loads((Path(__file__).parent / "data" / "evaluate_records.json").read_text())
RENAMED = {"regret/": "shortfall/"}  # the sequential code's "regret" is the payoff shortfall against the reference


def _renamed(key: str) -> str:
    for old, new in RENAMED.items():
        if key.startswith(old):
            return new + key[len(old):]
    return key


@pytest.mark.parametrize("name", sorted(cases()))
def test_batched_records_equal_sequential(name):
    """The sequential evaluator recorded refine_matrix_v0's NashConv at the first play step only; with several
    rounds it is now that of the whole play phase, which for these stationary policies is ``rounds`` times it."""
    case = cases()[name]
    report = evaluate(**case)
    old = RECORDED[name]
    rounds = case["env_config"].get("rounds", 1) if case["env_id"] == "refine_matrix_v0" else 1
    assert len(report.records) == len(old)
    for new, rec in zip(report.records, old):
        for key, value in rec.items():
            got = new[_renamed(key)]
            if key.startswith("nash_conv") and value is not None:
                value *= rounds
            if value is None:
                assert math.isnan(got), (name, rec["episode"], key)
            else:
                assert got == pytest.approx(value, rel=1e-12, abs=1e-12), (name, rec["episode"], key)


def test_refine_gap_closed_form():
    """Options 1 and -10 (far apart), normal gaps sigma 1, cost 0.1: refining option 0 gains g = 1/sqrt(2 pi) in
    expectation (model.md §1), refining option 1 gains ~0. Against the myopic reference: never refining loses
    g - c; the uniform policy (refine 0, refine 1, act 0, act 1 with 1/4 each) loses 0.75 g - 0.5 c."""
    cfg = dict(values=[1.0, -10.0], perturbation={"sigma_own": 1.0}, cost=0.1, budget=1)
    g, c = 1.0 / np.sqrt(2.0 * np.pi), float(np.float32(0.1))  # the agent reads the cost from a float32 observation
    ref = {"agent": make_agent("bayes_myopic", "refine_or_act")}
    expect = {"never_refine": (g - c, -1.0), "always_refine": (0.0, 0.0), "random": (0.75 * g - 0.5 * c, -0.5)}
    for kind, (gap, rate_gap) in expect.items():
        s = evaluate("refine_or_act", cfg, {"agent": make_agent(kind, "refine_or_act")}, episodes=20, seed=0,
                     reference=ref).summary()
        assert s["eval/refine_gap/agent"]["mean"] == pytest.approx(gap, abs=1e-9), kind
        assert s["eval/refine_rate_gap/agent"]["mean"] == pytest.approx(rate_gap, abs=1e-12), kind


def test_regret_is_own_best_deviation_gain_per_round():
    """Matching pennies, no refinement, 2 rounds, fixed mixed play x = (0.7, 0.3), y = (0.4, 0.6): per round
    player_0 gains max(R1 y) - x R1 y by its best deviation and player_1 max(x R2) - x R2 y (by hand from the
    payoff matrices); the regret sums the rounds; shortfall is the payoff difference to the reference profile."""
    cfg = dict(game="matching_pennies", budget=0, rounds=2)
    R1, R2 = (np.asarray(m, dtype=float) for m in (named_game("matching_pennies").R1,
                                                    named_game("matching_pennies").R2))
    x, y = np.array([0.7, 0.3]), np.array([0.4, 0.6])
    gains = (float(np.max(R1 @ y) - x @ R1 @ y), float(np.max(x @ R2) - x @ R2 @ y))
    M = 2
    pol = {"player_0": Mixed([0.0] * (1 + M) + list(x)), "player_1": Mixed([0.0] * (1 + M) + list(y))}
    ref = {"player_1": Mixed([0.0] * (1 + M) + [1.0, 0.0])}
    rep = evaluate("refine_matrix_v0", cfg, pol, episodes=50, seed=0, reference=ref, selection="max_welfare")
    for i, a in enumerate(("player_0", "player_1")):
        assert all(r[f"regret/{a}"] == pytest.approx(2 * gains[i], abs=1e-12) for r in rep.records)
        assert all(r[f"nash_conv/{a}"] == pytest.approx(2 * gains[i], abs=1e-12) for r in rep.records)
        assert all(r[f"shortfall/{a}"] == r[f"reference_payoff/{a}"] - r[f"payoff/{a}"] for r in rep.records)
    # stationary play: the best deviation at any state gains one round's stage gain
    assert all(r["spe_gap"] == pytest.approx(max(gains), abs=1e-12) for r in rep.records)
    assert "refine_gap/player_0" not in rep.records[0]  # no refinement budget: no refine decision to judge


def test_reference_report_shared_and_replayed():
    """Passing the reference profile's report pairs exactly as passing its policies; the reference's own
    evaluation replays the report (no second play) and has zero shortfall and refine gap."""
    kw = cases()["refine_or_act"]
    ref_pol = {"agent": make_agent("bayes_myopic", "refine_or_act")}
    ref = evaluate(kw["env_id"], kw["env_config"], ref_pol, episodes=kw["episodes"], seed=kw["seed"])
    a = evaluate(**{**kw, "reference": ref_pol})
    b = evaluate(**{**kw, "reference": ref})
    assert a.records == b.records
    self_eval = evaluate(kw["env_id"], kw["env_config"], ref_pol, episodes=kw["episodes"], seed=kw["seed"],
                         reference=ref)
    s = self_eval.summary()
    assert s["eval/shortfall/agent"]["mean"] == 0.0 and s["eval/refine_gap/agent"]["mean"] == 0.0
    with pytest.raises(ValueError, match="reference"):
        evaluate(kw["env_id"], kw["env_config"], kw["policies"], episodes=kw["episodes"], seed=kw["seed"] + 1,
                 reference=ref)


def test_learned_policy_batch_equals_single_calls():
    """One network call over many observations gives each observation's probabilities (float32 network)."""
    from sb3_contrib import MaskablePPO

    from agents.learning import SB3Policy
    from vvl_env.envs.refine_or_act_vector import RefineOrActVecEnv

    venv = RefineOrActVecEnv(16, seed=0, values=[0.5, 0.0, -0.5], cost={"law": "uniform", "low": 0.0, "high": 0.6},
                             budget=2)
    model = MaskablePPO("MlpPolicy", venv, seed=0, device="cpu", n_steps=8, batch_size=16)
    policy = SB3Policy("mppo", model.policy, "maskable_ppo")
    obs, masks = venv.reset(), venv.action_masks().astype(np.int8)
    batch = policy.action_probabilities_batch(list(obs), masks)
    single = np.stack([policy.action_probabilities(o, m) for o, m in zip(obs, masks)])
    assert batch.shape == single.shape and np.allclose(batch, single, rtol=1e-5, atol=1e-7)
    assert np.all(batch[masks == 0] == 0.0) and np.allclose(batch.sum(axis=1), 1.0)


def test_refine_gap_once_per_distinct_decision_equals_per_episode():
    """compare_with_reference computes the refine-decision gap once per distinct first decision: every record's gap
    equals refine_gap of that episode's own first decision (costs drawn per episode, so decisions differ); and a
    replayed reference report hands out copies, never its own records."""
    from agents.refine_gap import refine_gap

    roa = dict(values=[0.5, 0.0], cost={"law": "uniform", "low": 0.0, "high": 0.6}, budget=1,
               perturbation={"sigma_own": 1.0})
    mp = dict(game="matching_pennies", budget=(1, 1), cost={"law": "uniform", "low": 0.0, "high": 0.2})
    for env_id, cfg, agents in (("refine_or_act", roa, ("agent",)), ("refine_matrix_v0", mp, ("player_0", "player_1"))):
        ref_pol = {a: make_agent("bayes_myopic", env_id, env_config=cfg, role=a) for a in agents}
        ref = evaluate(env_id, cfg, ref_pol, episodes=40, seed=2)
        pol = {a: make_agent("random", env_id, role=a) for a in agents}
        rep = evaluate(env_id, cfg, pol, episodes=40, seed=2, reference=ref)
        seen = 0
        for rec, first in zip(rep.records, rep.firsts):
            for a in agents:
                want = refine_gap(env_id, ref_pol[a], *first[a])
                assert {k: rec.get(f"{k}/{a}") for k in want} == want
                seen += bool(want)
        assert seen >= 40
        replay = evaluate(env_id, cfg, ref_pol, episodes=40, seed=2, reference=ref)
        assert replay.records[0] is not ref.records[0] and "shortfall/" + agents[0] not in ref.records[0]


def test_distinct_probabilities_one_call_per_distinct_row():
    """A row-by-row policy is asked once per distinct (observation, mask) and every row gets its own row's answer;
    a policy that reads the public seed is asked for every row."""
    from agents.rollout import distinct_probabilities

    class Counting(Mixed):
        def __init__(self, uses_public_seed: bool = False) -> None:
            super().__init__([1.0, 2.0, 3.0])
            self.calls, self.uses_public_seed = 0, uses_public_seed

        def action_probabilities(self, observation, action_mask, public_seed=None):
            self.calls += 1
            return super().action_probabilities(observation, action_mask)

    obs = [np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([2.0, 1.0]), np.array([0.0, 1.0])]
    masks = np.array([[1, 1, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=np.int8)
    pol = Counting()
    got = distinct_probabilities(pol, obs, masks, [0, 1, 2, 3])
    assert pol.calls == 3  # rows 0 and 1 are the same state
    want = np.stack([Mixed([1.0, 2.0, 3.0]).action_probabilities(o, m) for o, m in zip(obs, masks)])
    assert np.array_equal(got, want)
    seeded = Counting(uses_public_seed=True)
    assert np.array_equal(distinct_probabilities(seeded, obs, masks, [0, 1, 2, 3]), want) and seeded.calls == 4


def test_expected_welfare_is_the_play_value_net_of_costs_and_the_mean_of_realised_welfare():
    """refine_matrix_v0, fixed mixed policies: each episode's ``play_value/<a>`` is ``x R_a y`` in its realised game
    (recomputed here from the policies' own play probabilities and the realised game), ``expected_welfare`` their sum
    net of the costs paid, and over 4,000 episodes its mean agrees with the mean realised welfare within 4 standard
    errors (realised play is a draw from the same strategies)."""
    config = dict(game="prisoners_dilemma", budget=(1, 1), cost=0.05, rounds=2,
                  perturbation={"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.0})
    policies = {"player_0": Mixed([1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.7]),
                "player_1": Mixed([2.0, 1.0, 1.0, 0.5, 2.5, 1.0, 1.3])}
    report = evaluate("refine_matrix_v0", config, policies, episodes=4000, seed=7)
    from agents.rollout import run_episodes
    from agents.evaluate import make_env

    recs, games, _, _ = run_episodes("refine_matrix_v0", lambda: make_env("refine_matrix_v0", config), policies, 20, 7)
    for rec, game in zip(recs, games):
        m, n = game.shape
        M = 3                                                   # two actions plus one refinement each
        x = policies["player_0"].action_probabilities(None, np.r_[np.zeros(1 + M), np.ones(m), np.zeros(M - m)])[1 + M:]
        y = policies["player_1"].action_probabilities(None, np.r_[np.zeros(1 + M), np.ones(n), np.zeros(M - n)])[1 + M:]
        x, y = x[:m], y[:n]
        for a, R in (("player_0", game.R1), ("player_1", game.R2)):
            assert rec[f"play_value/{a}"] == pytest.approx(2 * x @ R @ y, abs=1e-12)     # two rounds, same game
        assert rec["expected_welfare"] == pytest.approx(
            rec["play_value/player_0"] + rec["play_value/player_1"] - rec["cost/player_0"] - rec["cost/player_1"])
    expected = np.array([r["expected_welfare"] for r in report.records])
    realised = np.array([r["welfare"] for r in report.records])
    diff = realised - expected
    assert abs(diff.mean()) < 4 * diff.std(ddof=1) / np.sqrt(len(diff))
    assert expected.std() < realised.std()
