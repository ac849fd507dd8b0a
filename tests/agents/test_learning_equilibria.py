"""Tests of the equilibrium learners: MMD-PPO, average policies and the phase-split curve metrics (small budgets)."""

from __future__ import annotations

import numpy as np
import pytest
import torch as th

from agents.evaluate import evaluate
from agents.learning import TrainConfig, train
from agents.learning.average import AveragePolicy
from agents.learning.mmd_ppo import MMDPPO
from agents.learning.phase_metrics import PhaseMetrics, PhasePolicy
from agents.learning.realised import realised_games
from vvl_env.envs import refine_matrix_v0

# a fixed zero-sum 2x2 game (no refinement): the unique equilibrium is x = y = (0.4, 0.6), value 0.2
FIXED = {"R1": [[2.0, -1.0], [-1.0, 1.0]], "budget": 0}
MP = {"game": "matching_pennies", "budget": [1, 1], "cost": 0.05}


def _config(**kw) -> TrainConfig:
    base = dict(env_id="refine_matrix_v0", env_config=FIXED, mode="independent", total_timesteps=2048, seed=0,
                n_envs=8, eval_episodes=5)
    return TrainConfig(**{**base, **kw})


def _first_observation(config: dict, agent: str):
    env = refine_matrix_v0.parallel_env(**config)
    obs, _ = env.reset(seed=0)
    return obs[agent], env


def test_mmd_ppo_is_selectable_and_validated():
    assert _config(algo="mmd_ppo").model_kwargs["kl_coef"] > 0
    for key, value in (("kl_coef", -1.0), ("magnet_every", 0), ("ent_coef", 0.0), ("anneal_lr", "yes"),
                       ("ent_final", 0.0), ("kl_final", -0.1)):
        with pytest.raises(ValueError, match=f"hyperparams.{key}"):
            _config(algo="mmd_ppo", hyperparams={key: value})


def test_magnet_kl_is_the_reverse_kl_of_the_masked_distributions(tmp_path):
    result = train(_config(algo="mmd_ppo", total_timesteps=512, hyperparams={"n_steps": 16, "magnet_every": 100}),
                   tmp_path)
    model = result.models["player_0"]
    assert isinstance(model, MMDPPO)
    obs, _ = _first_observation(FIXED, "player_0")
    flat = th.as_tensor(np.concatenate([[1.0, 0.0], obs["observation"]])[None].astype(np.float32))
    mask = obs["action_mask"].astype(bool)[None]
    p = model.policy.get_distribution(flat, action_masks=mask).distribution.probs.detach().numpy()[0]
    q = model.magnet.get_distribution(flat, action_masks=mask).distribution.probs.detach().numpy()[0]
    legal = mask[0]
    expected = float(np.sum(p[legal] * np.log(p[legal] / q[legal])))
    assert not np.allclose(p, q)  # the policy moved away from its initial copy (no refresh in 100 updates)
    assert float(model.magnet_kl(flat, mask).detach()[0]) == pytest.approx(expected, rel=2e-3)  # float32 logits


def test_magnet_logits_are_computed_once_per_update_and_match_the_minibatch_path(tmp_path, monkeypatch):
    """The magnet's logits of the rollout, cached per update in the order the buffer indexes its steps, are those
    each minibatch would compute, from the raw (n_steps, n_envs) buffer or the flattened one; the minibatches read
    the cache (the magnet runs once per chunk of the buffer, not once per minibatch and epoch)."""
    result = train(_config(algo="mmd_ppo", total_timesteps=512, hyperparams={"n_steps": 16, "magnet_every": 100,
                                                                             "n_epochs": 3, "batch_size": 32}),
                   tmp_path)
    model = result.models["player_0"]
    buffer = model.rollout_buffer
    assert buffer.generator_ready                    # flattened by the last update
    fresh = model.magnet.get_distribution(buffer.to_torch(buffer.observations),
                                          action_masks=buffer.action_masks).distribution.logits.detach().numpy()
    np.testing.assert_allclose(model.magnet_logits().numpy(), fresh, rtol=1e-6, atol=1e-6)
    flat_obs, flat_masks = buffer.observations, buffer.action_masks
    raw = lambda a: a.reshape(buffer.n_envs, buffer.buffer_size, -1).swapaxes(0, 1)    # undo swap_and_flatten
    buffer.observations, buffer.action_masks, buffer.generator_ready = raw(flat_obs), raw(flat_masks), False
    np.testing.assert_allclose(model.magnet_logits().numpy(), fresh, rtol=1e-6, atol=1e-6)
    buffer.observations, buffer.action_masks, buffer.generator_ready = flat_obs, flat_masks, True
    calls = []
    original = model.magnet.get_distribution
    monkeypatch.setattr(model.magnet, "get_distribution", lambda *a, **k: calls.append(1) or original(*a, **k))
    model.train()
    assert len(calls) == 1                           # 8 x 16 steps, one chunk; 3 epochs of 4 minibatches read it


@pytest.mark.parametrize("kl_final", [None, 0.5])
def test_temperature_anneals_linearly_to_ent_final(tmp_path, kl_final):
    """Each update's entropy weight is ent_final + (ent_coef - ent_final) * progress remaining, where progress is
    SB3's 1 - timesteps / budget at the update (8 copies x 16 steps = 128 per update, 1024 per learner). The KL
    weight keeps its ratio to it (kl_coef 0.1 / ent_coef 0.3), or, with kl_final, moves linearly from kl_coef to
    kl_final on its own."""
    seen: list[tuple[float, float]] = []
    original = MMDPPO.train

    def spy(self):
        original(self)
        seen.append((self.ent_coef, self.logger.name_to_value["train/kl_coef"]))

    MMDPPO.train = spy
    try:
        train(_config(algo="mmd_ppo", total_timesteps=2048, hyperparams={
            "n_steps": 16, "ent_coef": 0.3, "ent_final": 0.02, "kl_coef": 0.1, "kl_final": kl_final}), tmp_path)
    finally:
        MMDPPO.train = original
    remaining = 1 - np.arange(1, 9) * 128 / 1024
    ent = 0.02 + 0.28 * remaining
    kl = ent * 0.1 / 0.3 if kl_final is None else 0.5 + (0.1 - 0.5) * remaining
    for player in (0, 1):
        np.testing.assert_allclose(np.array(seen[player::2]), np.column_stack([ent, kl]), rtol=1e-12)


def test_average_policy_is_the_mean_of_its_snapshots(tmp_path):
    result = train(_config(algo="maskable_ppo", total_timesteps=2048, average_every=256,
                           hyperparams={"n_steps": 16}), tmp_path)
    average = result.average["player_1"]
    assert isinstance(average, AveragePolicy) and len(average.members) >= 4
    obs, _ = _first_observation(FIXED, "player_1")
    flat = th.as_tensor(np.concatenate([[0.0, 1.0], obs["observation"]])[None].astype(np.float32))
    mask = obs["action_mask"].astype(bool)
    direct = [m.policy.get_distribution(flat, action_masks=mask[None]).distribution.probs.detach().numpy()[0]
              for m in average.members]
    np.testing.assert_allclose(average.action_probabilities(obs, obs["action_mask"]), np.mean(direct, axis=0),
                               rtol=1e-6, atol=1e-7)
    assert len({tuple(np.round(d, 6)) for d in direct}) > 1  # the snapshots differ: the mean is not trivial
    rows = np.repeat(flat.numpy(), 7, axis=0) + np.linspace(0, 0.5, 7, dtype=np.float32)[:, None]   # a batch
    masks = np.repeat(mask[None], 7, axis=0)
    members = [m.probabilities_batch(rows, masks) for m in average.members]
    np.testing.assert_array_equal(average.probabilities_batch(rows, masks), np.mean(members, axis=0))  # bit for bit


def test_mmd_ppo_lowers_nash_conv_below_plain_ppo(tmp_path):
    """Same seeds and budget on the fixed 2x2 game: plain PPO's last iterate runs off towards pure strategies (it
    cycles around the mixed equilibrium), MMD-PPO's stays bounded near its uniform start. Measured at this budget: plain 2.93 / 1.92 /
    1.43, MMD-PPO 0.55 / 0.55 / 0.29 for seeds 0 / 1 / 2 (uniform play: 0.5, the equilibrium: 0)."""
    nc = {}
    for algo in ("maskable_ppo", "mmd_ppo"):
        nc[algo] = []
        for seed in (0,):
            result = train(_config(algo=algo, total_timesteps=4096, seed=seed, hyperparams={"n_steps": 8}),
                           tmp_path / f"{algo}-{seed}")
            nc[algo].append(evaluate("refine_matrix_v0", FIXED, result.policies, episodes=1, seed=0)
                            .summary()["eval/nash_conv"]["mean"])
    assert np.mean(nc["mmd_ppo"]) < np.mean(nc["maskable_ppo"])


def test_phase_metrics_against_independent_numbers():
    """The reference's own gaps are 0; with the reference's refine decisions and uniform play, NashConv is the mean
    over the realised games of the closed form max(R1 y) - x R1 y + max(x R2) - x R2 y at uniform x, y."""
    pm = PhaseMetrics("refine_matrix_v0", MP, episodes=20, seed=3)
    ref = pm.reference()
    own = pm(ref, "x/")
    for a in ("player_0", "player_1"):
        assert own[f"x/refine_rate_gap/{a}"] == 0.0 and own[f"x/refine_gap/{a}"] == pytest.approx(0.0)
    assert own["x/nash_conv"] == pytest.approx(0.0, abs=1e-6)
    uniform_play = {a: PhasePolicy(ref[a], _Uniform()) for a in ref}
    got = pm(uniform_play, "u/")
    assert got["u/refine_rate_gap/player_0"] == 0.0  # same refine decisions as the reference
    assert got["u/refine_gap/player_0"] == pytest.approx(0.0)  # play is not part of the refine gap
    R1, R2, rm, cm = realised_games(MP, uniform_play, episodes=20, seed=3)
    closed = []
    for A, B, r, c in zip(R1, R2, rm, cm):
        A, B = A[r][:, c], B[r][:, c]
        x, y = np.full(len(A), 1 / len(A)), np.full(A.shape[1], 1 / A.shape[1])
        closed.append((A @ y).max() - x @ A @ y + (x @ B).max() - x @ B @ y)
    assert got["u/nash_conv"] == pytest.approx(np.mean(closed), rel=1e-9)
    assert got["u/nash_conv"] > 0.1


def test_an_agent_without_budget_has_no_refine_gap():
    """Budgets (1, 0): player_1 never decides whether to refine, so its gaps are 0 whatever player_0 does (they
    were the payoff that player_0's refine decisions cost it, through the bargaining fallback); player_0, which
    refines at random here against the reference's decision, loses value (> 0)."""
    config = {**MP, "budget": [1, 0]}
    pm = PhaseMetrics("refine_matrix_v0", config, episodes=40, seed=3)
    ref = pm.reference()
    uniform = {"player_0": PhasePolicy(_Uniform(), ref["player_0"]), "player_1": ref["player_1"]}
    got = pm(uniform, "u/")
    assert got["u/refine_gap/player_1"] == 0.0 and got["u/refine_rate_gap/player_1"] == 0.0
    assert got["u/refine_gap/player_0"] > 0.0
    assert pm.budgets() == (1, 0)


def test_bargaining_refine_gap_of_the_reference_is_zero():
    """Bargaining has no decision values: the gap is the paired payoff difference against (pi's refine decisions,
    reference play), exactly 0 for the reference itself; a never-refining profile loses the value of refining."""
    config = {"K": 2, "weights": "uniform", "cost": 0.02, "grid": 21, "budget": 1}
    pm = PhaseMetrics("refine_bargain_v0", config, episodes=30, seed=1)
    ref = pm.reference()
    own = pm(ref, "x/")
    assert own["x/refine_gap/player_0"] == 0.0 and own["x/refine_rate_gap/player_1"] == 0.0
    from agents.analytic import make_agent

    never = {a: make_agent("never_refine", "refine_bargain_v0", env_config=config, role=a) for a in ref}
    got = pm(never, "n/")
    rate = pm.reference_row()["reference/refine_rate/player_0"]
    assert got["n/refine_rate_gap/player_0"] == -rate


class _Uniform:
    name = "uniform-play"

    def action_probabilities(self, observation, action_mask):
        mask = np.asarray(action_mask, dtype=np.float64)
        return mask / mask.sum()

    def act(self, observation, action_mask, *, rng):
        return int(rng.choice(np.flatnonzero(action_mask)))


def test_learning_curves_carry_both_iterates_and_draw(tmp_path):
    result = train(_config(env_config=MP, algo="mmd_ppo", total_timesteps=1024, eval_every=512,
                           hyperparams={"n_steps": 16}), tmp_path / "run")
    for row in result.curve:
        for kind in ("last", "average"):
            assert {f"eval/{kind}/nash_conv", f"eval/{kind}/welfare", f"eval/{kind}/refine_gap/player_0",
                    f"eval/{kind}/refine_rate_gap/player_1", f"eval/{kind}/payoff/player_1"} <= set(row)
    from vvl_env.runs.figures_learning import learner_curves, nash_conv_curves

    summary = {"agents": {"mmd": {"curves": {"0": result.curve, "1": result.curve}}}}
    c = learner_curves(summary)["mmd"]
    np.testing.assert_allclose(c["last"], [row["eval/last/nash_conv"] for row in result.curve])
    path = nash_conv_curves(summary, {"env": {"id": "refine_matrix_v0", "config": MP}}, tmp_path / "nc.png")
    assert path is not None and path.stat().st_size > 0
    assert nash_conv_curves({"agents": {}}, {}, tmp_path / "none.png") is None


def test_counterfactual_feedback_is_the_payoff_row_against_the_realised_action():
    """infos["counterfactual"] of a play step: player_0 gets R1[:, b], player_1 R2[a, :] (at the play actions, 0
    elsewhere); on refined games its entry at the taken action is the sampled reward. Only with counterfactual=True."""
    from vvl_env.envs import RefineMatrixVecEnv

    R1, R2 = np.array([[2.0, -1.0], [-1.0, 1.0]]), np.array([[0.5, 3.0], [-2.0, 0.25]])
    env = RefineMatrixVecEnv(8, seed=0, counterfactual=True, R1=R1.tolist(), R2=R2.tolist(), budget=0)
    env.reset()
    actions = np.array([3, 4, 4, 3, 3, 3, 4, 4])                 # play actions 1 + M + k, M = 2
    _, rewards, _, infos = env.step(actions)
    for c in range(4):
        a, b = actions[2 * c] - 3, actions[2 * c + 1] - 3
        np.testing.assert_array_equal(infos[2 * c]["counterfactual"], [0, 0, 0, *R1[:, b]])
        np.testing.assert_array_equal(infos[2 * c + 1]["counterfactual"], [0, 0, 0, *R2[a, :]])
    env = RefineMatrixVecEnv(40, seed=1, counterfactual=True, **MP)
    env.reset()
    rng, seen = np.random.default_rng(0), 0
    for _ in range(12):
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in env.action_masks()])
        _, rewards, _, infos = env.step(acts)
        for i, info in enumerate(infos):
            if "counterfactual" in info:
                seen += 1
                assert info["counterfactual"][acts[i]] == pytest.approx(rewards[i], abs=1e-6)
                assert not info["counterfactual"][:4].any()          # pass and refine entries (M = 3)
            else:
                assert rewards[i] <= 0                               # refine steps: 0 or minus the cost
    assert seen > 100
    plain = RefineMatrixVecEnv(8, seed=0, R1=R1.tolist(), R2=R2.tolist(), budget=0)   # off by default
    plain.reset()
    assert not any("counterfactual" in info for info in plain.step(np.array([3, 4, 4, 3, 3, 3, 4, 4]))[3])


def test_full_information_returns_and_validation(tmp_path):
    """expected_play_returns: a play row's reward becomes sum_a pi_old(a|s) u_a, the returns are rebuilt from it
    (gamma 1, lambda 1: refine row = its own reward + the play row's expected reward) and the play rows' advantages
    are 0. Bad settings are refused at configuration time; a short run trains with the buffer."""
    from gymnasium import spaces

    from agents.learning.full_information import CounterfactualRolloutBuffer, expected_play_returns

    with pytest.raises(ValueError, match="hyperparams.normalize_advantage: must be false with full_information"):
        _config(algo="mmd_ppo", hyperparams={"full_information": True, "normalize_advantage": True})
    with pytest.raises(ValueError, match="hyperparams.full_information: must be true or false"):
        _config(algo="mmd_ppo", hyperparams={"full_information": 1})
    with pytest.raises(ValueError, match="hyperparams.full_information: only refine_matrix_v0"):
        _config(algo="mmd_ppo", env_id="refine_bargain_v0", env_config={"grid": 5},
                hyperparams={"full_information": True})
    with pytest.raises(ValueError, match="hyperparams.full_information: only refine_matrix_v0"):
        _config(algo="mmd_ppo", env_id="refine_or_act", env_config={}, mode="single",
                hyperparams={"full_information": True})
    with pytest.raises(ValueError, match="hyperparams.full_information: the payoffs every own action .* 'own'"):
        _config(algo="mmd_ppo", env_config={"game": "matching_pennies", "visibility": "own"},
                hyperparams={"full_information": True})
    with pytest.raises(ValueError, match="'shared' is the default of the two-player envs"):
        _config(algo="exploitability_descent", mode="shared")
    buf = CounterfactualRolloutBuffer(4, spaces.Box(-1, 1, (2,)), spaces.Discrete(3), gamma=1.0, gae_lambda=1.0,
                                      n_envs=2)
    u = np.array([0.0, 2.0, -1.0], dtype=np.float32)         # action 0: not a play action
    for t in range(4):                                         # episodes of 2 steps: refine (reward -0.1), play
        play = t % 2 == 1
        buf.record([{"counterfactual": u}, {"counterfactual": 2 * u}] if play else [{}, {}])
        buf.add(np.full((2, 2), t, np.float32), np.zeros((2, 1)), np.array([0.0 if play else -0.1] * 2),
                np.array([t % 2 == 0] * 2), th.full((2,), 0.5), th.zeros(2), action_masks=np.ones((2, 3)))
    buf.compute_returns_and_advantage(th.zeros(2), np.ones(2))
    pi = th.tensor([0.0, 0.25, 0.75])                           # pi_old at every play observation
    expected_play_returns(buf, lambda obs, masks: pi.expand(len(obs), 3))
    play_value = np.array([0.25 * 2 - 0.75, 2 * (0.25 * 2 - 0.75)])   # -0.25 and -0.5 for the two envs
    for t in (1, 3):
        np.testing.assert_allclose(buf.rewards[t], play_value)
        np.testing.assert_allclose(buf.returns[t], play_value)
        np.testing.assert_array_equal(buf.advantages[t], 0.0)
    for t in (0, 2):
        np.testing.assert_allclose(buf.returns[t], -0.1 + play_value)
        np.testing.assert_allclose(buf.advantages[t], -0.1 + play_value - 0.5)
    result = train(_config(algo="mmd_ppo", env_config=MP, total_timesteps=256,
                           hyperparams={"n_steps": 16, "full_information": True}), tmp_path)
    model = result.models["player_0"]
    assert not model.normalize_advantage and model.rollout_buffer.play.any()


def test_phase_metrics_under_private_refinements_bracket_the_interim_nash_conv():
    """Visibility "own": the reference row and a profile's metrics carry the interim NashConv (plug-in, biased up)
    and its cross-fitted lower estimate; uniform play is off equilibrium (player_0 ignores the variant it sees), and
    the lower estimate is below the plug-in one."""
    config = {**MP, "budget": [1, 0], "visibility": "own"}
    pm = PhaseMetrics("refine_matrix_v0", config, episodes=20, seed=3)
    row = pm.reference_row()
    assert {"reference/nash_conv", "reference/nash_conv_lower"} <= set(row)
    ref = pm.reference()
    got = pm({"player_0": PhasePolicy(_Uniform(), ref["player_0"]), "player_1": _Uniform()}, "u/")
    assert got["u/nash_conv_lower"] <= got["u/nash_conv"] and got["u/nash_conv"] > 0.03
