"""RefineOrActVecEnv plays exactly the episodes of a DummyVecEnv of RefineOrAct (same seeds, same actions)."""

from __future__ import annotations

import numpy as np
import pytest
from stable_baselines3.common.vec_env import DummyVecEnv

from vvl_env.envs import RefineOrAct
from vvl_env.envs.refine_or_act_vector import RefineOrActVecEnv

CONFIGS = [  # masked actions are taken too: the penalize policy
    dict(values=[0.5, 0.0, -0.5], cost={"law": "uniform", "low": 0.0, "high": 0.6}, budget=2,
         perturbation={"sigma_own": 1.0}, invalid_action="penalize"),
    dict(values=[1.0, 0.0], cost=0.1, budget=1, invalid_action="penalize", invalid_action_penalty=0.5),
    dict(values=[0.0], cost={"law": "exponential", "scale": 0.2}, budget=3, max_options=3,
         perturbation={"sigma_own": 2.0, "q": 0.3}, invalid_action="penalize"),
]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_step_for_step_equal_to_dummy_vec_env(cfg):
    n = 5
    dummy = DummyVecEnv([lambda: RefineOrAct(**cfg) for _ in range(n)])
    dummy.seed(11)
    vec = RefineOrActVecEnv(n, seed=11, **cfg)
    assert np.array_equal(dummy.reset(), vec.reset())
    rng = np.random.default_rng(0)
    for t in range(120):
        masks = np.stack(dummy.env_method("action_masks"))
        assert np.array_equal(masks, vec.action_masks())
        legal = np.array([rng.choice(np.flatnonzero(m)) for m in masks])
        actions = rng.integers(dummy.action_space.n, size=n) if t % 4 == 0 else legal  # masked ones too
        o1, r1, d1, i1 = dummy.step(actions)
        o2, r2, d2, i2 = vec.step(actions)
        assert np.array_equal(o1, o2) and np.array_equal(r1, r2) and np.array_equal(d1, d2)
        for a, b in zip(i1, i2):
            assert ("terminal_observation" in a) == ("terminal_observation" in b)
            if "terminal_observation" in a:
                assert np.array_equal(a["terminal_observation"], b["terminal_observation"])
            assert bool(a.get("invalid_action")) == bool(b.get("invalid_action"))


def test_bad_arguments_and_actions_raise():
    with pytest.raises(ValueError, match="num_envs"):
        RefineOrActVecEnv(0)
    with pytest.raises(ValueError, match="budget"):
        RefineOrActVecEnv(2, budget=-1)
    vec = RefineOrActVecEnv(2, seed=0, values=[1.0, 0.0], budget=1)
    with pytest.raises(ValueError, match="reset"):
        vec.step(np.array([2, 2]))
    first = vec.reset()
    for bad in (np.array([0, 6]), np.array([-1, 0]), np.array([0.5, 1.0]), np.array([0])):
        with pytest.raises(ValueError, match="action"):
            vec.step(bad)
    with pytest.raises(ValueError, match="not legal"):  # act on option 2, which does not exist (raise: default)
        vec.step(np.array([0, 3 + 2]))
    assert np.array_equal(vec.action_masks().any(axis=1), [True, True])  # the refused step changed nothing
    obs, rew, done, _ = vec.step(np.array([3, 4]))  # act on options 0 and 1 (M = 3)
    assert rew.tolist() == [1.0, 0.0] and done.all() and np.array_equal(obs[:, :2], first[:, :2])


def test_masked_action_names_the_sub_env_and_free_refinements_pay_plus_zero():
    vec = RefineOrActVecEnv(2, seed=0, values=[1.0, 0.0], budget=1)  # cost 0, M = 3
    assert not vec.action_masks().any()  # nothing is legal before reset()
    vec.reset()
    with pytest.raises(ValueError, match=r"^sub-env 1: action 5 is not legal with 1 refinements left and 2 of 3"):
        vec.step(np.array([0, 5]))  # act on option 2, which does not exist
    _, rew, done, _ = vec.step(np.array([0, 1]))  # both refine for free
    assert rew.tolist() == [0.0, 0.0] and not np.signbit(rew).any() and not done.any()
    env = RefineOrAct(values=[1.0, 0.0], budget=1)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"^agent: action 5 is not legal with 1 refinements left and 2 of 3"):
        env.step(5)
    _, r, *_ = env.step(0)
    assert r == 0.0 and not np.signbit(r)
