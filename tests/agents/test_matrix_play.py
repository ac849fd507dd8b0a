"""NashConv of the whole play phase of refine_matrix_v0 with several rounds (agents.matrix_play, through evaluate):
the observations it builds are the env's own, and its values match a walk of the game tree over whole histories
and Monte Carlo play of the env."""

from __future__ import annotations

import numpy as np
import pytest

from agents.analytic import make_agent
from agents.evaluate import evaluate
from tests.solve.test_repeated_play import tree_walk
from vvl_env.envs.refine_matrix.layout import history_observations
from vvl_env.envs.refine_matrix_v0 import parallel_env
from vvl_env.model import rock_paper_scissors

AGENTS = ("player_0", "player_1")


class HistoryPolicy:
    """Plays ``rule(i, round, own last, other last)`` over its own play actions, reading the observation by the
    layout the env documents (own last action at 2M² + 2M + 5, the other's after it, rounds played at 2M² + 4M + 5)."""

    def __init__(self, i: int, M: int, rule) -> None:
        self.name, self.i, self.M, self.rule = f"history_{i}", i, M, rule

    def action_probabilities(self, observation, action_mask):
        o, M = np.asarray(observation["observation"]), self.M
        at = 2 * M * M + 2 * M + 5
        own = int(o[at:at + M].argmax()) if o[at:at + M].any() else -1
        other = int(o[at + M:at + 2 * M].argmax()) if o[at + M:at + 2 * M].any() else -1
        p = np.zeros(len(action_mask))
        if action_mask[0]:      # refinement phase: pass
            p[0] = 1.0
            return p
        p[1 + M:1 + 2 * M] = self.rule(self.i, int(o[at + 2 * M]), own, other)
        return p * action_mask / (p * action_mask).sum()

    def act(self, observation, action_mask, *, rng):
        p = self.action_probabilities(observation, action_mask)
        return int(rng.choice(len(p), p=p))


def rule(i: int, rnd: int, own: int, other: int) -> np.ndarray:
    """Round-dependent, history-dependent play in rock-paper-scissors: a lean at round 0, then each player leans
    towards what beats the other's last action, more for player 0."""
    if rnd == 0:
        return np.array([0.5, 0.3, 0.2]) if i == 0 else np.array([0.2, 0.2, 0.6])
    p = np.full(3, 0.2)
    p[(other + 1) % 3] += 0.4 if i == 0 else 0.2
    return p / p.sum()


def test_history_observations_are_the_envs_own():
    env = parallel_env(game="rock_paper_scissors", budget=(1, 1), rounds=3)
    obs, _ = env.reset(seed=4)
    obs, *_ = env.step({"player_0": 2, "player_1": 0})        # player_0 refines its action 1, player_1 passes
    obs, *_ = env.step({"player_0": 0, "player_1": 0})
    M = env.config.max_actions
    first = {a: obs[a]["observation"].copy() for a in AGENTS}
    for rnd, (a, b) in enumerate([(3, 1), (0, 2)], start=1):
        obs, *_ = env.step({"player_0": 1 + M + a, "player_1": 1 + M + b})
        for i, agent in enumerate(AGENTS):
            built = history_observations(first[agent], M, i, [rnd], [[a, b]])[0]
            np.testing.assert_array_equal(built, obs[agent]["observation"])


def test_evaluate_nash_conv_is_that_of_the_whole_play_phase():
    H = 3
    config = dict(game="rock_paper_scissors", budget=(0, 0), rounds=H)
    policies = {a: HistoryPolicy(i, 3, rule) for i, a in enumerate(AGENTS)}
    report = evaluate("refine_matrix_v0", config, policies, episodes=4000, seed=0)
    game = rock_paper_scissors()
    x, y = np.zeros((H, 10, 3)), np.zeros((H, 10, 3))
    for t in range(H):
        for s in range(10):
            a, b = divmod(s - 1, 3) if s else (-1, -1)
            x[t, s], y[t, s] = rule(0, t, a, b), rule(1, t, b, a)
    value, best, gap, _ = tree_walk(game.R1, game.R2, x, y, H)
    recs = report.records
    assert recs[0]["nash_conv"] == pytest.approx((best - value).sum(), abs=1e-12)
    for i, a in enumerate(AGENTS):
        assert recs[0][f"nash_conv/{a}"] == pytest.approx(best[i] - value[i], abs=1e-12)
    assert recs[0]["spe_gap"] == pytest.approx(gap, abs=1e-12)
    assert len({r["nash_conv"] for r in recs}) == 1        # one game, one profile
    # the exact values are what the env pays: 4000 episodes, within 4 standard errors
    for i, a in enumerate(AGENTS):
        paid = np.array([r[f"payoff/{a}"] for r in recs])
        assert abs(paid.mean() - value[i]) < 4 * paid.std() / np.sqrt(len(paid))


def test_analytic_play_is_an_equilibrium_of_the_repeated_game_and_episodes_can_be_limited():
    config = dict(game="matching_pennies", budget=(1, 1), rounds=3, cost=0.05)
    analytic = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=config, role=a) for a in AGENTS}
    report = evaluate("refine_matrix_v0", config, analytic, episodes=40, seed=1, nash_conv_episodes=30)
    recs = report.records
    assert all(abs(r["nash_conv"]) < 1e-6 and abs(r["spe_gap"]) < 1e-6 for r in recs[:30])
    assert all("nash_conv" not in r and "spe_gap" not in r for r in recs[30:])
    uniform = {a: HistoryPolicy(i, 2, lambda *_: np.full(2, 0.5)) for i, a in enumerate(AGENTS)}
    report = evaluate("refine_matrix_v0", config | {"budget": (0, 0)}, uniform, episodes=2, seed=1)
    assert report.records[0]["nash_conv"] == pytest.approx(0.0, abs=1e-12)   # pennies' stage equilibrium, thrice
    leaning = {a: HistoryPolicy(i, 2, lambda i, *_: np.array([0.7, 0.3])) for i, a in enumerate(AGENTS)}
    report = evaluate("refine_matrix_v0", config | {"budget": (0, 0)}, leaning, episodes=2, seed=1)
    # stationary (0.7, 0.3) against (0.7, 0.3), x R1 y = 0.16: player 0 gains 0.4 - 0.16 a round by best-responding,
    # player 1 0.4 + 0.16; over three rounds three times that
    assert report.records[0]["nash_conv/player_0"] == pytest.approx(3 * 0.24)
    assert report.records[0]["nash_conv/player_1"] == pytest.approx(3 * 0.56)
