"""Tests of agents.learning: tiny seeded training runs (the whole file takes well under a minute on 2 cores)."""

from __future__ import annotations

import numpy as np
import pytest
import torch as th

from agents.learning import TrainConfig, UniformPolicy, evaluate_policies, load, train
from agents.policy import Policy
from vvl_env.envs import RefineOrAct, refine_bargain_v0, refine_matrix_v0

# refining has a clear value: three options worth 0, variants +-D/2 with D ~ N(0, 2^2); the Bayes-optimal agent
# refines and takes the better variant, E = 2 / sqrt(2 pi) - 0.1 = 0.70; a uniform agent gets about 0
ROA = {"values": [0.0, 0.0, 0.0], "perturbation": {"sigma_own": 2.0}, "cost": 0.1, "budget": 1}
MP = {"game": "matching_pennies", "budget": (1, 0), "cost": 0.05}


def _config(**kw) -> TrainConfig:
    base = dict(env_id="refine_or_act", env_config=ROA, algo="maskable_ppo", total_timesteps=512, seed=3, n_envs=4,
                eval_episodes=20)
    return TrainConfig(**{**base, **kw})


def _params(result) -> dict[str, np.ndarray]:
    return {f"{n}.{k}": v.detach().numpy().copy() for n, m in result.models.items()
            for k, v in m.policy.state_dict().items()}


def _same_params(a, b) -> bool:
    pa, pb = _params(a), _params(b)
    return pa.keys() == pb.keys() and all(np.array_equal(pa[k], pb[k]) for k in pa)


@pytest.mark.parametrize("field, kw", [("algo", {"algo": "a2c"}), ("mode", {"mode": "shared"}),
                                       ("total_timesteps", {"total_timesteps": 0}),
                                       ("hyperparams.n_stepz", {"hyperparams": {"n_stepz": 3}}),
                                       ("hyperparams.learning_rate", {"hyperparams": {"learning_rate": -1.0}}),
                                       ("env_config.budget", {"env_config": {**ROA, "budget": -1}}),
                                       ("exploring_starts", {"exploring_starts": 0.5}),           # refine_or_act
                                       ("exploring_starts", {"env_id": "refine_bargain_v0", "env_config": {},
                                                             "mode": "independent", "exploring_starts": 1.2})])
def test_config_errors_name_the_field(field, kw):
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        _config(**kw)


def test_short_training_beats_uniform(tmp_path):
    config = _config(total_timesteps=3072, n_envs=8, eval_episodes=400, seed=0)
    result = train(config, tmp_path)
    learned = result.curve[-1]["eval/return/agent"]
    uniform = evaluate_policies("refine_or_act", ROA, {"agent": UniformPolicy()}, episodes=400,
                                seed=config.seed + 1_000_000)["eval/return/agent"]
    assert learned > uniform + 0.15, (learned, uniform)
    assert result.curve[-1]["timesteps"] >= 3072 and result.curve[-1]["train/sps"] > 0


@pytest.mark.parametrize("algo", ["ppo", "maskable_ppo", "dqn"])
def test_masks_respected(tmp_path, algo):
    result = train(_config(algo=algo, total_timesteps=256, hyperparams={"learning_starts": 64} if algo == "dqn"
                           else {}), tmp_path)
    policy = result.policies["agent"]
    assert isinstance(policy, Policy)
    env, rng = RefineOrAct(**ROA), np.random.default_rng(0)
    for episode in range(20):
        obs, _ = env.reset(seed=episode)
        done = False
        while not done:
            mask = env.action_masks()
            probs = policy.action_probabilities(obs, mask.astype(np.int8))
            assert np.all(probs[~mask] == 0.0) and np.isclose(probs.sum(), 1.0)
            obs, _, done, _, info = env.step(policy.act(obs, mask.astype(np.int8), rng=rng))
            assert not info["invalid_action"]


def test_same_seed_same_result(tmp_path):
    a = train(_config(eval_every=256), tmp_path / "a")
    b = train(_config(eval_every=256), tmp_path / "b")
    assert _same_params(a, b)
    strip = [{k: v for k, v in row.items() if k not in ("wall_time", "train/sps")} for row in a.curve]
    assert strip == [{k: v for k, v in row.items() if k not in ("wall_time", "train/sps")} for row in b.curve]
    c = train(_config(seed=4), tmp_path / "c")
    assert not _same_params(a, c)


def test_save_load_round_trip(tmp_path):
    result = train(_config(), tmp_path)
    loaded = load(tmp_path)
    env = RefineOrAct(**ROA)
    obs, _ = env.reset(seed=1)
    mask = env.action_masks().astype(np.int8)
    np.testing.assert_array_equal(result.policies["agent"].action_probabilities(obs, mask),
                                  loaded["agent"].action_probabilities(obs, mask))
    first = load(tmp_path, checkpoint=result.checkpoints[0].name)
    assert set(first) == {"agent"}
    with pytest.raises(ValueError, match="out_dir"):
        train(_config(), tmp_path)


def _stop_at_first_row(row):
    return False


@pytest.mark.parametrize("kw", [dict(),
                                dict(algo="dqn", hyperparams={"learning_starts": 100, "train_freq": 2}),
                                dict(env_id="refine_matrix_v0", env_config=MP, mode="self_play",
                                     snapshot_every=128, pool_size=2, hyperparams={"n_steps": 32}),
                                dict(env_id="refine_matrix_v0", env_config=MP, mode="independent",
                                     hyperparams={"n_steps": 32}),
                                dict(env_id="refine_matrix_v0", env_config=MP, mode="independent", algo="mmd_ppo",
                                     average_every=128, hyperparams={"n_steps": 32, "magnet_every": 2}),
                                dict(env_id="refine_matrix_v0", env_config=MP, mode="independent", algo="mmd_ppo",
                                     hyperparams={"n_steps": 32, "magnet_every": 2, "full_information": True}),
                                dict(env_id="refine_bargain_v0", env_config={"K": 2, "grid": 3, "horizon": 3},
                                     mode="independent", exploring_starts=0.5, hyperparams={"n_steps": 32})])
def test_resume_is_bit_identical(tmp_path, kw):
    config = _config(total_timesteps=1024, eval_every=256, checkpoint_every=512, **kw)
    whole = train(config, tmp_path / "whole")
    first = train(config, tmp_path / "cut", callback=_stop_at_first_row)
    assert first.timesteps < config.total_timesteps
    resumed = train(config, tmp_path / "cut", resume=True)
    assert resumed.timesteps == whole.timesteps
    assert _same_params(whole, resumed)
    for name, model in whole.models.items():  # MMD-PPO's magnet is part of the checkpoint
        if hasattr(model, "magnet"):
            for k, v in model.magnet.state_dict().items():
                assert th.equal(v, resumed.models[name].magnet.state_dict()[k])
    evals = [{k: v for k, v in row.items() if k.startswith("eval/")} for row in whole.curve]
    assert evals == [{k: v for k, v in row.items() if k.startswith("eval/")} for row in resumed.curve]


@pytest.mark.parametrize("mode", ["shared", "independent", "self_play"])
@pytest.mark.parametrize("algo", ["maskable_ppo", "dqn"])
def test_multi_agent_modes_on_matching_pennies(tmp_path, mode, algo):
    hp = {"learning_starts": 64} if algo == "dqn" else {"n_steps": 32}
    result = train(_config(env_id="refine_matrix_v0", env_config=MP, mode=mode, algo=algo, total_timesteps=256,
                           hyperparams=hp, snapshot_every=64), tmp_path)
    assert set(result.policies) == {"player_0", "player_1"}
    assert {"eval/welfare", "eval/refine_rate/player_0", "eval/return/player_1"} <= set(result.curve[-1])
    env = refine_matrix_v0.parallel_env(**MP)
    obs, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    while env.agents:
        actions = {}
        for agent, policy in result.policies.items():
            mask = obs[agent]["action_mask"]
            probs = policy.action_probabilities(obs[agent], mask)
            assert np.all(probs[mask == 0] == 0.0) and np.isclose(probs.sum(), 1.0)
            actions[agent] = policy.act(obs[agent], mask, rng=rng)
        obs, *_ = env.step(actions)


def test_shared_mode_on_bargaining(tmp_path):
    config = _config(env_id="refine_bargain_v0", env_config={"K": 2, "grid": 3, "horizon": 2}, mode="shared",
                     total_timesteps=256, hyperparams={"n_steps": 32})
    result = train(config, tmp_path)
    env = refine_bargain_v0.parallel_env(**config.env_config)
    obs, _ = env.reset(seed=0)
    probs = result.policies["player_1"].action_probabilities(obs["player_1"], obs["player_1"]["action_mask"])
    assert np.all(probs[obs["player_1"]["action_mask"] == 0] == 0.0)


def test_torch_threads_are_one(tmp_path):
    train(_config(total_timesteps=64, hyperparams={"n_steps": 16}), tmp_path)
    assert th.get_num_threads() == 1


def test_torch_threads_setting_is_used_and_reproducible(tmp_path):
    """``torch_threads`` sets torch's threads for the run; a seed gives the same run for a fixed count."""
    config = _config(env_id="refine_matrix_v0", env_config=MP, mode="shared", total_timesteps=512, torch_threads=2,
                     hyperparams={"n_steps": 32, "policy_kwargs": {"net_arch": [128, 128]}})
    first = train(config, tmp_path / "a")
    assert th.get_num_threads() == 2
    assert _same_params(first, train(config, tmp_path / "b"))
    with pytest.raises(ValueError, match="torch_threads: must be an integer >= 1"):
        _config(torch_threads=0)
    th.set_num_threads(1)


def test_curve_nash_conv_on_the_first_episodes_only(tmp_path):
    """``nash_conv_episodes`` limits bargaining's curve NashConv to the first N evaluation episodes: the last curve
    point equals a separate evaluation of the final policies on those N episodes."""
    from agents.evaluate import evaluate

    env = {"K": 2, "grid": 3, "horizon": 2, "visibility": "public"}
    config = _config(env_id="refine_bargain_v0", env_config=env, mode="independent", total_timesteps=256,
                     eval_episodes=12, nash_conv_episodes=3, hyperparams={"n_steps": 32})
    result = train(config, tmp_path)
    report = evaluate("refine_bargain_v0", env, result.policies, episodes=12, seed=config.seed + 1_000_000,
                      nash_conv_episodes=3)
    summary = report.summary()
    assert summary["eval/nash_conv"]["n"] == 3
    assert result.curve[-1]["eval/last/nash_conv"] == summary["eval/nash_conv"]["mean"]
    assert result.curve[-1]["eval/last/spe_gap"] == summary["eval/spe_gap"]["mean"]
    with pytest.raises(ValueError, match="nash_conv_episodes"):
        _config(nash_conv_episodes=-1)


def test_training_leaves_no_folders_in_the_temp_dir(tmp_path, monkeypatch):
    """SB3's default logger makes an empty ``SB3-<time>`` folder under the temp dir at every ``_setup_learn`` (once
    per model, run and resume); vvl gives its models a logger without outputs, so a sweep leaves none behind."""
    import tempfile

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    train(_config(env_id="refine_matrix_v0", env_config=MP, mode="independent", total_timesteps=256),
          tmp_path / "run")
    assert not list(temp.glob("SB3-*"))
