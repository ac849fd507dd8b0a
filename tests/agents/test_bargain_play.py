"""Play NashConv of refine_bargain_v0 (agents.bargain_play) and its place in evaluate()."""

from __future__ import annotations

import numpy as np
import pytest

from agents.analytic import UniformRandom, make_agent
from agents.bargain_play import play_nash_conv, play_tables
from agents.evaluate import evaluate
from vvl_env.envs.refine_bargain.config import OFFSET, make_config

CFG = dict(K=2, weights="uniform", cost=0.02, grid=5, delta=0.9, horizon=3, visibility="public", budget=1)
AGENTS = ("player_0", "player_1")


def analytic(cfg=CFG):
    return {a: make_agent("bayes_optimal", "refine_bargain_v0", env_config=cfg, role=a) for a in AGENTS}


def play_starts(cfg, B, seed=0):
    """B play-start states: true weights drawn, each party refined with probability 1/2."""
    c = make_config(**cfg)
    rng = np.random.default_rng(seed)
    w = np.stack(c.law.sample(B, rng=rng)[:2], axis=1)
    revealed = rng.random((B, 2)) < 0.5
    means = np.stack([law.mean() for law in c.weights])
    return c, np.where(revealed[..., None], w, means[None]), revealed, np.where(revealed, 0, 1)


class Greedy:
    """Always proposes the offer giving itself everything and accepts nothing: a strategy far from equilibrium."""

    name = "greedy"

    def __init__(self, me, n_actions):
        self.me, self.n = me, n_actions

    def action_probabilities(self, observation, action_mask):
        mask = np.asarray(action_mask) > 0
        p = np.zeros(self.n)
        if mask[OFFSET:].any():
            p[OFFSET + (self.n - OFFSET - 1 if self.me == 0 else 0)] = 1.0
        elif mask[3]:
            p[3] = 1.0
        else:
            p[np.flatnonzero(mask)[0]] = 1.0
        return p

    def act(self, observation, action_mask, *, rng):
        return int(np.argmax(self.action_probabilities(observation, action_mask)))


@pytest.mark.parametrize("grid,horizon,first", [(5, 3, 0), (4, 2, 1), (21, 4, 0)])
def test_the_analytic_spe_agents_have_play_nash_conv_zero(grid, horizon, first):
    """The analytic agents play the grid SPE of the problem as they know it (vvl_env.solve.alternating_offers_spe,
    a separate backward induction), a Nash equilibrium of every play subgame: no best response gains."""
    cfg = {**CFG, "grid": grid, "horizon": horizon, "first_proposer": first}
    c, known, revealed, budget = play_starts(cfg, 12, seed=grid)
    pv = play_nash_conv(c, analytic(cfg), known, revealed, budget, chunk=5)
    np.testing.assert_allclose(pv.gains, 0.0, atol=1e-9)
    np.testing.assert_allclose(pv.one_shot_gap, 0.0, atol=1e-6)     # subgame perfect (float32 observations)


def test_a_greedy_deviation_is_exploited_and_measured():
    """player_1 (not the last proposer at horizon 3) claims everything and rejects everything: it then gets d = 0,
    where the SPE gives it a positive share, and the analytic player_0 cannot do better than 0 against it."""
    c, known, revealed, budget = play_starts(CFG, 10)
    ref = analytic()
    pv = play_nash_conv(c, {"player_0": ref["player_0"], "player_1": Greedy(1, c.n_actions)}, known, revealed,
                        budget)
    spe = play_nash_conv(c, ref, known, revealed, budget)
    np.testing.assert_allclose(pv.value[:, 1], 0.0, atol=1e-12)
    np.testing.assert_allclose(pv.gains[:, 1], spe.value[:, 1], atol=1e-9)   # its best response: the SPE share
    assert pv.gains[:, 1].max() > 0.05                                      # positive in some problems
    np.testing.assert_allclose(pv.gains[:, 0], 0.0, atol=1e-9)


def test_play_tables_hold_the_policies_probabilities():
    """Spot checks of the tables against single calls on the observations the env itself produces."""
    from vvl_env.envs import refine_bargain_v0

    env = refine_bargain_v0.parallel_env(**CFG)
    obs, _ = env.reset(seed=3)
    obs, *_ = env.step({"player_0": 1, "player_1": 0})                   # player_0 refines
    s = env.state
    rand = UniformRandom()
    ref = analytic()
    propose, accept = play_tables(env.config, [ref["player_0"], rand], s.known[None], s.revealed[None],
                                  s.budget_left[None])
    # round 0: player_0 proposes (no offer yet): its analytic offer, a point mass
    single = ref["player_0"].action_probabilities(obs["player_0"], obs["player_0"]["action_mask"])
    np.testing.assert_array_equal(propose[0, 0, 0], single[OFFSET:])
    obs, *_ = env.step({"player_0": int(np.argmax(single)), "player_1": 0})
    # round 0 response of player_1 (uniform): 1/2; round 1 proposal of player_1: uniform over the grid
    np.testing.assert_allclose(accept[0, 0], 0.5)
    np.testing.assert_allclose(propose[0, 1, 1:], 1.0 / env.config.n_offers)


def test_evaluate_records_play_nash_conv_and_its_expected_value_matches_the_episodes():
    """Monte Carlo check of the adapter: under uniform play, the mean realised play payoff of the episodes equals
    the mean of the exact values computed from the play-start states (4 standard errors)."""
    rand = {a: UniformRandom() for a in AGENTS}
    rep = evaluate("refine_bargain_v0", CFG, rand, episodes=400, seed=5)
    s = rep.summary()
    assert s["eval/nash_conv"]["mean"] > 0.1
    assert s["eval/nash_conv"]["n"] == 400
    assert s["eval/spe_gap"]["mean"] >= s["eval/nash_conv"]["mean"] / (2 * CFG["horizon"]) > 0
    ref = evaluate("refine_bargain_v0", CFG, analytic(), episodes=100, seed=5).summary()
    assert ref["eval/nash_conv"]["mean"] == pytest.approx(0.0, abs=1e-9)


def test_mean_value_matches_sampled_play_payoffs():
    c, known, revealed, budget = play_starts(CFG, 1, seed=11)
    rand = [UniformRandom(), UniformRandom()]
    pv = play_nash_conv(c, rand, known, revealed, budget)
    # sample the play phase from that state many times with the env's own transitions
    from vvl_env.envs.refine_bargain.batch import BargainBatch

    n = 4000
    batch = BargainBatch(c, n)
    batch.reset(slice(None), seeds=list(range(n)))
    w_means = np.stack([law.mean() for law in c.weights])
    w = np.where(revealed[0][:, None], known[0], w_means)          # expected utilities given knowledge
    batch.w[:] = w[:, None, :]
    batch.known[:], batch.revealed[:], batch.budget_left[:] = known[0], revealed[0], budget[0]
    batch.phase[:] = 1                                               # PROPOSE
    batch._refresh(batch._all)
    rng = np.random.default_rng(0)
    total, live = np.zeros((n, 2)), np.ones(n, dtype=bool)
    while live.any():
        m = batch.mask.astype(float)
        u = rng.random(m.shape) * m
        acts = u.argmax(axis=2)
        r, done = batch.step(acts)
        total[live] += r[live]
        live &= ~done
    stderr = total.std(axis=0) / np.sqrt(n)
    assert np.all(np.abs(total.mean(axis=0) - pv.value[0]) < 4 * stderr + 1e-12)


def test_own_visibility_is_refused_and_not_recorded():
    cfg = {**CFG, "visibility": "own"}
    c, known, revealed, budget = play_starts(cfg, 2)
    with pytest.raises(ValueError, match="visibility"):
        play_nash_conv(c, analytic(cfg), known, revealed, budget)
    s = evaluate("refine_bargain_v0", cfg, {a: UniformRandom() for a in AGENTS}, episodes=5, seed=0).summary()
    assert "eval/nash_conv" not in s


def test_analytic_batch_probabilities_equal_single_calls():
    """BargainAgent.action_probabilities_batch (grouped by everything but the offer on the table) against one
    action_probabilities call per row, on observations of random play in every phase, both visibilities."""
    from vvl_env.envs import refine_bargain_v0

    for vis in ("public", "own"):
        cfg = {**CFG, "visibility": vis}
        env = refine_bargain_v0.parallel_env(**cfg)
        rows = {a: [] for a in AGENTS}
        rng = np.random.default_rng(1)
        for ep in range(20):
            obs, _ = env.reset(seed=ep)
            while env.agents:
                for a in AGENTS:
                    rows[a].append(obs[a])
                acts = {a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"]))) for a in AGENTS}
                obs, *_ = env.step(acts)
        for a, agent in analytic(cfg).items():
            masks = np.stack([r["action_mask"] for r in rows[a]])
            batch = agent.action_probabilities_batch(rows[a], masks)
            single = np.stack([agent.action_probabilities(r, r["action_mask"]) for r in rows[a]])
            np.testing.assert_array_equal(batch, single)


def test_nash_conv_episodes_limits_the_costly_metric_to_the_first_episodes():
    rand = {a: UniformRandom() for a in AGENTS}
    full = evaluate("refine_bargain_v0", CFG, rand, episodes=30, seed=2)
    part = evaluate("refine_bargain_v0", CFG, rand, episodes=30, seed=2, nash_conv_episodes=10)
    assert [r.get("nash_conv") for r in part.records[:10]] == [r["nash_conv"] for r in full.records[:10]]
    assert all("nash_conv" not in r and "spe_gap" not in r for r in part.records[10:])
    assert part.summary()["eval/nash_conv"]["n"] == 10
    none = evaluate("refine_bargain_v0", CFG, rand, episodes=5, seed=2, nash_conv_episodes=0)
    assert "eval/nash_conv" not in none.summary()
    with pytest.raises(ValueError, match="nash_conv_episodes"):
        evaluate("refine_bargain_v0", CFG, rand, episodes=5, seed=2, nash_conv_episodes=-1)
