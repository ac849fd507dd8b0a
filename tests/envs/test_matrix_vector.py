"""RefineMatrixVecEnv: equal to the single env for the same seeds, and the Stable-Baselines3 VecEnv contract."""

from __future__ import annotations

import numpy as np
import pytest
from stable_baselines3.common.vec_env import VecEnv

from vvl_env.envs import refine_matrix_v0
from vvl_env.envs.refine_matrix.core import EPISODES_PER_DRAW
from vvl_env.envs.refine_matrix.vector import RefineMatrixVecEnv

AGENTS = ("player_0", "player_1")
CONFIGS = [
    dict(budget=(1, 1), cost={"law": "uniform", "low": 0.0, "high": 0.5}),
    dict(game="rock_paper_scissors", budget=(2, 1), rounds=2, visibility="own",
         perturbation=({"sigma_own": 1.0, "sigma_other": 0.5, "rho": -1.0}, {"sigma_own": 0.3, "q": {"a": 1, "b": 2}})),
    dict(R1=[[1.0, 0.0], [0.0, 2.0]], R2=[[2.0, 0.0], [0.0, 1.0]], budget=(0, 0), rounds=3),
]


def random_masked(masks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.argmax(rng.random(masks.shape) * masks, axis=1)


@pytest.mark.parametrize("config", CONFIGS)
def test_copy_c_seeded_s_plus_c_plays_the_single_env_episodes(config: dict) -> None:
    copies, seed = 3, 11
    vec = RefineMatrixVecEnv(2 * copies, seed=seed, **config)
    singles = [refine_matrix_v0.parallel_env(**config) for _ in range(copies)]
    obs = vec.reset()
    single_obs = [env.reset(seed=seed + c)[0] for c, env in enumerate(singles)]
    rng = np.random.default_rng(0)
    episodes = 0
    while episodes <= copies * (EPISODES_PER_DRAW + 2):                    # cross a block of pre-drawn episodes
        for c, env in enumerate(singles):
            for i, agent in enumerate(AGENTS):
                np.testing.assert_array_equal(obs[2 * c + i, 2:], single_obs[c][agent]["observation"])
                np.testing.assert_array_equal(obs[2 * c + i, :2], np.eye(2)[i])
                np.testing.assert_array_equal(vec.action_masks()[2 * c + i], single_obs[c][agent]["action_mask"])
        actions = random_masked(vec.action_masks(), rng)
        obs, rewards, dones, infos = vec.step(actions)
        for c, env in enumerate(singles):
            o, r, term, _, _ = env.step({a: int(actions[2 * c + i]) for i, a in enumerate(AGENTS)})
            for i, agent in enumerate(AGENTS):
                assert rewards[2 * c + i] == np.float32(r[agent]) and dones[2 * c + i] == term[agent]
                if term[agent]:
                    np.testing.assert_array_equal(infos[2 * c + i]["terminal_observation"][2:], o[agent]["observation"])
            if not env.agents:
                o, _ = env.reset()
                episodes += 1
            single_obs[c] = o


def test_vec_env_contract() -> None:
    vec = RefineMatrixVecEnv(8, seed=0, game="rock_paper_scissors", budget=(1, 1))
    assert isinstance(vec, VecEnv) and vec.num_envs == 8 and vec.num_copies == 4
    M = vec.config.max_actions
    assert vec.observation_space.shape == (2 * M * M + 4 * M + 14,)            # as documented: 2 ids + 2M² + 4M + 12
    assert RefineMatrixVecEnv(2, game="matching_pennies", budget=1).observation_space.shape == (44,)   # M = 3
    obs = vec.reset()
    assert obs.shape == (8,) + vec.observation_space.shape and obs.dtype == np.float32
    assert vec.action_space.n == 1 + 2 * M
    masks = vec.env_method("action_masks")
    assert len(masks) == 8 and masks[0].dtype == bool and masks[0].shape == (1 + 2 * M,)
    assert len(vec.env_method("action_masks", indices=[1, 2])) == 2
    assert vec.get_attr("render_mode") == [None] * 8 and vec.env_is_wrapped(object) == [False] * 8
    assert vec.seed(5) == [5, 5, 6, 6, 7, 7, 8, 8]
    first = vec.reset()
    assert np.array_equal(first, RefineMatrixVecEnv(8, seed=5, game="rock_paper_scissors", budget=(1, 1)).reset())
    rng = np.random.default_rng(1)
    seen_done = False
    for _ in range(20):
        obs, rewards, dones, infos = vec.step(random_masked(vec.action_masks(), rng))
        assert rewards.shape == (8,) and dones.shape == (8,) and len(infos) == 8
        assert np.array_equal(dones[0::2], dones[1::2])                           # both agents of a copy end together
        for i in np.flatnonzero(dones):
            seen_done = True
            assert infos[i]["terminal_observation"].shape == obs[i].shape
            assert obs[i][2:][vec._core.layout.sections()["phase"].start - 2] == 1   # auto-reset: refine phase
        assert all("terminal_observation" not in infos[i] for i in np.flatnonzero(~dones))
    assert seen_done


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_envs=3), "num_envs: must be an even integer >= 2"),
    (dict(num_envs=0), "num_envs: must be an even integer >= 2"),
    (dict(num_envs=2, render_mode="ansi"), "render_mode: must be None for the vector env"),
    (dict(num_envs=2, budget=-1), r"budget\[0\]: must be an integer >= 0"),
    (dict(num_envs=2, budget=10**9), r"budget: actions plus budget may reach at most 64"),
    (dict(num_envs=2, max_actions=65), r"max_actions: must be at most 64"),
    (dict(num_envs=2 * 10**5, budget=(30, 30)), r"num_envs: 100000 copies with budget \(30, 30\) and max_actions 32 "
                                                 r"would hold [0-9.]+ GiB of state; at most 4 GiB"),
])
def test_bad_vector_config(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        RefineMatrixVecEnv(**kwargs)


@pytest.mark.slow
def test_ppo_and_maskable_ppo_smoke() -> None:
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    vec = RefineMatrixVecEnv(8, seed=0, budget=(1, 1), cost=0.05, invalid_action="penalize")   # PPO ignores masks
    PPO("MlpPolicy", vec, n_steps=16, batch_size=32, n_epochs=1, seed=0, device="cpu").learn(64)
    vec = RefineMatrixVecEnv(8, seed=0, budget=(1, 1), cost=0.05)                              # masks: never illegal
    sb3_contrib = pytest.importorskip("sb3_contrib")
    sb3_contrib.MaskablePPO("MlpPolicy", vec, n_steps=16, batch_size=32, n_epochs=1, seed=0, device="cpu").learn(64)
