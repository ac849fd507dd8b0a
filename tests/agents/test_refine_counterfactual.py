"""Counterfactual refine values (agents.learning.refine_counterfactual) and the core's fork: a forked copy steps like
its source; the branches' values agree with independent Monte Carlo of episodes whose first action is forced; the
branches of one copy share their randomness; exploitability descent runs on them."""

from __future__ import annotations

import numpy as np
import pytest
import torch as th

from agents.learning.config import EDConfig
from agents.learning.exploitability_descent import ExploitabilityDescent
from agents.learning.refine_counterfactual import RefineBrancher
from vvl_env.envs import RefineMatrixVecEnv
from vvl_env.envs.refine_matrix.core import MatrixCore

CONFIG = dict(game="matching_pennies", budget=(1, 1), cost=0.05,
              perturbation={"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.0})
TILT = np.array([0.2, 0.5, 0.3])      # pass / refine H / refine T, and the play mix (0.7, 0.3) over H, T


def fixed_policy(obs, masks):
    """A stationary policy that prefers some options (not uniform, so a wrong index shows): refine steps take
    TILT over (pass, refine 0, refine 1), play steps (0.7, 0.3) over the first two actions, 0 elsewhere."""
    n, _, A = masks.shape
    M = (A - 1) // 2
    p = np.zeros((n, 2, A))
    refining = masks[:, :, 0]                                          # pass is legal in the refine phase only
    p[:, :, :3] = np.where(refining[..., None], TILT, 0.0)
    p[:, :, 1 + M:3 + M] = np.where(refining[..., None], 0.0, [0.7, 0.3])
    p *= masks
    return p / np.maximum(p.sum(axis=2, keepdims=True), 1e-300)      # episodes that ended: all zero


def sample(p, rng):
    cdf = np.cumsum(p, axis=-1)
    return np.minimum((cdf <= rng.random(p.shape[:-1])[..., None] * cdf[..., -1:]).sum(axis=-1), p.shape[-1] - 1)


def test_a_forked_copy_steps_like_its_source():
    env = RefineMatrixVecEnv(2 * 64, seed=3, **CONFIG)
    env.reset()
    src, rng = env._core, np.random.default_rng(0)
    env.step(sample(fixed_policy(src.obs, src.mask.astype(bool)), rng).reshape(-1))      # some refined already
    other = MatrixCore(src.config, 80, agent_id=True)
    into = np.arange(64) + 10
    other.fork(src, np.arange(64), into)
    np.testing.assert_array_equal(other.obs[into], src.obs)
    for _ in range(3):
        acts = sample(fixed_policy(src.obs, src.mask.astype(bool)), rng)
        wide = np.zeros((80, 2), dtype=np.int64)
        wide[into] = acts
        r_src, d_src = src.step(acts)
        r, d = other.step(wide)
        np.testing.assert_array_equal(r[into], r_src), np.testing.assert_array_equal(d[into], d_src)
        np.testing.assert_array_equal(other.obs[into], src.obs), np.testing.assert_array_equal(other.W[into], src.W)


@pytest.mark.parametrize("draws", [1, 4])
def test_branch_values_match_monte_carlo_of_forced_first_actions(draws):
    """At the first turn, the mean over copies of Q_i(option) equals the mean return of episodes in which agent i
    takes that option and everything else follows the fixed policy (play rewards sampled there, taken in
    expectation by the branches): within 4 standard errors, 6,000 copies each; also with each option's value the
    mean over 4 draws of the refinements (``draws``: fresh draws, unbiased)."""
    N = 6000
    env = RefineMatrixVecEnv(2 * N, seed=11, **CONFIG)
    env.reset()
    core = env._core
    acts = sample(fixed_policy(core.obs, core.mask.astype(bool)), np.random.default_rng(1))
    Q = RefineBrancher(core.config, draws=draws).values(core, acts, fixed_policy, np.random.default_rng(2))
    assert np.isnan(Q[:, :, 3:]).all() and not np.isnan(Q[:, :, :3]).any()       # refine of an absent action
    for agent in (0, 1):
        for option in range(3):
            mc = RefineMatrixVecEnv(2 * N, seed=500 + 10 * agent + option, **CONFIG)
            mc.reset()
            rng, ret, alive, first = np.random.default_rng(agent * 3 + option), np.zeros(N), np.ones(N, bool), True
            while alive.any():
                a = sample(fixed_policy(mc._core.obs, mc._core.mask.astype(bool)), rng)
                if first:
                    a[:, agent], first = option, False
                _, r, d, _ = mc.step(a.reshape(-1))
                ret += np.where(alive, r.reshape(N, 2)[:, agent], 0.0)
                alive &= ~d.reshape(N, 2)[:, 0]
            se = np.hypot(ret.std() / np.sqrt(N), Q[:, agent, option].std() / np.sqrt(N))
            assert abs(Q[:, agent, option].mean() - ret.mean()) < 4 * se, (agent, option)


def test_branches_of_a_copy_share_their_randomness():
    """Common draws: the difference of two options' values varies far less across copies than two independent
    returns would (variance ratio 1); refining H or T share the same offsets, and differ least (measured 0.17-0.20;
    pass against refine 0.38-0.50)."""
    env = RefineMatrixVecEnv(2 * 4000, seed=0, **CONFIG)
    env.reset()
    core = env._core
    acts = sample(fixed_policy(core.obs, core.mask.astype(bool)), np.random.default_rng(5))
    Q = RefineBrancher(core.config).values(core, acts, fixed_policy, np.random.default_rng(6))
    for agent in (0, 1):
        for o, p, bound in ((0, 1, 0.75), (0, 2, 0.75), (1, 2, 0.35)):
            ratio = np.var(Q[:, agent, o] - Q[:, agent, p]) / (np.var(Q[:, agent, o]) + np.var(Q[:, agent, p]))
            assert ratio < bound, (agent, o, p, ratio)


def _answer_state(n: int, seed: int = 7) -> MatrixCore:
    """``n`` copies of one state (same seed): player_0 split its action 0 at the first turn, player_1 waited."""
    env = RefineMatrixVecEnv(2, seed=0, **CONFIG)
    core = MatrixCore(env._core.config, n, agent_id=True)
    core.reset(slice(None), seeds=[seed] * n)
    core.step(np.tile([1, 0], (n, 1)))
    return core


def test_redraw_replaces_the_draws_to_come_and_shares_them_within_a_group():
    core = _answer_state(6)
    W = core.W.copy()
    core.redraw(np.arange(6), np.random.default_rng(0), groups=np.array([0, 0, 1, 1, 2, 5]))
    np.testing.assert_array_equal(core.W, W)                             # the split already made stays
    rows = core.next_draw[:, 1]                                         # player_1's next refinement
    off, q, cost = core._off[1][rows], core._q[1][rows], core._cost[1][rows]
    np.testing.assert_array_equal(off[0], off[1]), np.testing.assert_array_equal(off[2], off[3])
    assert q[0] == q[1] and cost[0] == cost[1]
    assert len({float(v) for v in off[[0, 2, 4, 5], 0, 0]}) == 4         # other groups: draws of their own
    answer = np.zeros((6, 2), dtype=np.int64)
    answer[:, 1] = 1                                                    # player_1 splits its column 0
    core.step(answer)
    np.testing.assert_array_equal(core.W[0], core.W[1])
    assert not np.array_equal(core.W[0], core.W[2])


def test_several_draws_average_the_refinement_noise_of_an_option():
    """n copies of one answer state: with one draw every copy values player_1's split on the episode's own draw
    (no spread); with K draws the value is the mean of that draw and K - 1 fresh ones, so its variance over copies is
    (K - 1) / K^2 of one fresh draw's: the ratio of K = 8 to K = 2 is (7 / 64) / (1 / 4) = 0.4375 (2,000 copies,
    sampling error of the ratio about 0.02)."""
    n = 2000
    acts = np.zeros((n, 2), dtype=np.int64)
    values = {}
    for draws in (1, 2, 8):
        core = _answer_state(n)
        Q = RefineBrancher(core.config, draws=draws).values(core, acts, fixed_policy, np.random.default_rng(draws))
        values[draws] = Q[:, 1, 1] - Q[:, 1, 0]                         # split column 0 against passing
    assert np.ptp(values[1]) == 0.0 and np.var(values[2]) > 0.0
    assert 0.35 < np.var(values[8]) / np.var(values[2]) < 0.53


def test_exploitability_descent_on_branch_values_runs_and_is_seeded():
    small = EDConfig(n_steps=2, replay=2, grad_steps=2, batch_size=32, net_arch=(16,), snapshots=2,
                     refine_values="counterfactual", refine_draws=2)
    runs = []
    for _ in range(2):
        learner = ExploitabilityDescent(CONFIG, 16, 2 * 16 * 2 * 3, 0, small)
        while not learner.done:
            learner.update()
        runs.append(np.concatenate([p.detach().numpy().ravel() for p in learner.pis[1].parameters()]))
    np.testing.assert_array_equal(*runs)
    with pytest.raises(ValueError, match="refine_values"):
        EDConfig(refine_values="oracle")
    with pytest.raises(ValueError, match="refine_draws"):
        EDConfig(refine_draws=4)                                        # branches only
    with pytest.raises(ValueError, match="refine_draws"):
        EDConfig(refine_values="counterfactual", refine_draws=0)


def test_collected_off_path_play_states_are_the_games_the_other_options_lead_to():
    """``collect_play``: with budgets (1, 0) and player_0 passing, the branches off the path are its two
    refinements, each followed by play; the states kept are exactly those an env reaches by taking that refinement
    (same seed, so the same draws), and the taken option's branch (the path itself) is not kept."""
    N, config = 32, {**CONFIG, "budget": (1, 0)}
    env = RefineMatrixVecEnv(2 * N, seed=4, **config)
    env.reset()
    brancher = RefineBrancher(env._core.config, collect_play=True)
    passing = np.zeros((N, 2), dtype=np.int64)
    brancher.values(env._core, passing, fixed_policy, np.random.default_rng(0))
    obs, masks, R1, R2 = brancher.take_play_states()
    assert brancher.take_play_states() is None and len(obs) == 2 * N
    for option in (1, 2):
        ref = RefineMatrixVecEnv(2 * N, seed=4, **config)
        ref.reset()
        ref.step(np.where(np.arange(2 * N) % 2 == 0, option, 0))
        G1, G2, in_play = ref.true_games()
        assert in_play.all()
        for c in range(N):
            hit = [j for j in range(len(obs)) if np.array_equal(R1[j], G1[c]) and np.array_equal(R2[j], G2[c])]
            assert len(hit) == 1, (option, c)
            np.testing.assert_array_equal(obs[hit[0]], ref._core.obs[c])
            np.testing.assert_array_equal(masks[hit[0]], ref._core.mask[c].astype(bool))
            assert masks[hit[0], 0].sum() == 3                           # player_0 has three actions to play


def test_branch_play_adds_off_path_games_to_the_replay_and_needs_branches():
    """The first rollout is the same with and without ``branch_play``; with it, the replay holds that rollout's play
    games and then at most as many off-path games again."""
    replays = []
    for branch_play in (False, True):
        small = EDConfig(n_steps=2, replay=2, grad_steps=2, batch_size=32, net_arch=(16,), snapshots=2,
                         refine_values="counterfactual", branch_play=branch_play)
        learner = ExploitabilityDescent(CONFIG, 16, 2 * 16 * 2 * 3, 0, small)
        learner.update()
        replays.append(learner.replay[0])
    n = len(replays[0][0])
    assert n > 0 and n < len(replays[1][0]) <= 2 * n
    for plain, with_branches in zip(*replays):
        np.testing.assert_array_equal(with_branches[:n].numpy(), plain.numpy())
    with pytest.raises(ValueError, match="branch_play"):
        EDConfig(branch_play=True)


def test_softmax_fit_on_branch_values_regresses_the_critic_and_resumes_bit_for_bit():
    """``refine_fit = "softmax"`` with branch values: the critic is regressed on the branch values (its error on the
    replayed ones falls below its start), the refine replay keeps the last ``replay`` rollouts, and a learner
    restored from :meth:`state` after one rollout continues exactly as the uninterrupted one."""
    import copy

    small = EDConfig(n_steps=2, replay=2, grad_steps=2, batch_size=32, net_arch=(16,), snapshots=2,
                     refine_values="counterfactual", refine_fit="softmax", alpha=0.01, critic_epochs=8)
    full = ExploitabilityDescent(CONFIG, 16, 2 * 16 * 2 * 4, 0, small)

    untrained = copy.deepcopy(full.critics[0])
    full.update()
    o, k, v = (th.cat([r[j] for r in full.refine_replay[0]]) for j in range(3))

    def critic_error(critic):
        with th.no_grad():
            return float((((critic(o)[:, :1 + full.M] - v) ** 2) * k).sum() / k.sum())

    assert critic_error(full.critics[0]) < 0.5 * critic_error(untrained)
    saved = copy.deepcopy(full.state())
    while not full.done:
        full.update()
    assert len(full.refine_replay[0]) == 2
    resumed = ExploitabilityDescent(CONFIG, 16, 2 * 16 * 2 * 4, 0, small)
    resumed.load(saved)
    while not resumed.done:
        resumed.update()
    for a, b in zip(full.pis + full.critics, resumed.pis + resumed.critics):
        for w1, w2 in zip(a.parameters(), b.parameters()):
            assert th.equal(w1, w2)
    with pytest.raises(ValueError, match="refine_fit"):
        EDConfig(refine_fit="best_response")


def test_softmax_fit_on_branch_values_runs_where_nobody_can_refine():
    """Budgets (0, 0): no refine steps, so nothing for the critic to regress on; play is still learned."""
    small = EDConfig(n_steps=2, replay=2, grad_steps=2, batch_size=32, net_arch=(16,), snapshots=2,
                     refine_values="counterfactual", refine_fit="softmax", alpha=0.01)
    learner = ExploitabilityDescent({**CONFIG, "budget": (0, 0)}, 8, 2 * 8 * 2 * 3, 0, small)
    while not learner.done:
        learner.update()
    assert all(len(r[0]) == 0 for rs in learner.refine_replay for r in rs)
    assert len(learner.replay[-1][0]) > 0


def test_alpha_final_anneals_the_refine_temperature_linearly_over_the_run():
    """``alpha_final``: the temperature goes from ``alpha`` at the first rollout to ``alpha_final`` at the end, and the
    softmax fit's targets use the current one; bad values are refused."""
    small = EDConfig(n_steps=2, replay=2, grad_steps=1, batch_size=16, net_arch=(8,), snapshots=2,
                     refine_values="counterfactual", refine_fit="softmax", alpha=0.05, alpha_final=0.002)
    learner = ExploitabilityDescent(CONFIG, 4, 2 * 4 * 2 * 4, 0, small)
    seen = []
    while not learner.done:
        seen.append(learner.alpha)
        learner.update()
    np.testing.assert_allclose(seen + [learner.alpha], [0.05, 0.038, 0.026, 0.014, 0.002])
    ob = learner.refine_replay[0][-1][0]
    km = th.ones(len(ob), learner.A, dtype=th.bool)
    with th.no_grad():
        _, _, target = learner._refine_step(0, ob, km, th.zeros(len(ob), learner.A))
        expected = th.softmax(learner.critics[0](ob) / 0.002, -1)
    np.testing.assert_allclose(target.numpy(), expected.numpy(), rtol=1e-5, atol=1e-7)
    assert EDConfig(alpha=0.05).alpha_final is None
    for bad in (0, -0.1, float("nan"), True, "0.01"):
        with pytest.raises(ValueError, match="alpha_final"):
            EDConfig(alpha_final=bad)
