"""RefineOrAct: Gymnasium and SB3 checkers, registration, rewards from the model layer, masks, seeds, config errors."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils import seeding
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import vvl_env  # noqa: F401  (registers vvl/RefineOrAct-v0)
from vvl_env.envs import RefineOrAct
from vvl_env.model import Beta, DecisionProblem, PerturbationModel

CONFIGS = [
    dict(values=[1.0, 0.5], budget=2),
    dict(values=[0.0, 0.0, -1.0], budget=3, cost={"law": "uniform", "low": 0.0, "high": 0.3}, max_options=5,
         perturbation={"sigma_own": 2.0, "q": {"a": 2.0, "b": 3.0}, "rrp": "expectation"}),
    dict(values=[3.0], budget=0),
    dict(values=[0.5, 0.0], budget=2, belief={"sigma_own": 0.5, "q": 0.3, "bias": -0.2}),
]
# Option values are unbounded, so the observation Box is honestly infinite; Gymnasium warns about that.
INF_BOUNDS = "ignore:.*Box observation space (minimum|maximum) value is"


@pytest.mark.filterwarnings(INF_BOUNDS)
@pytest.mark.parametrize("config", CONFIGS)
def test_gymnasium_and_sb3_checkers_pass(config: dict) -> None:
    # the checkers step with unmasked random actions: masked ones end the episode with a penalty
    env = gym.make("vvl/RefineOrAct-v0", **config, invalid_action="penalize")
    gym_check_env(env.unwrapped)
    sb3_check_env(RefineOrAct(**config, invalid_action="penalize"), warn=True)


def test_make_builds_the_registered_env() -> None:
    env = gym.make("vvl/RefineOrAct-v0", values=[1.0, 2.0], budget=1)
    assert isinstance(env.unwrapped, RefineOrAct)
    assert env.spec is not None and env.spec.id == "vvl/RefineOrAct-v0"
    assert env.action_space.n == 2 * 3 and env.observation_space.shape == (2 * 3 + 5,)


def test_rewards_and_variants_come_from_the_model_layer() -> None:
    pm = PerturbationModel(sigma_own=1.5, q=0.3)
    env = RefineOrAct(values=[1.0, 0.2], perturbation=pm, cost={"law": "uniform", "low": 0.1, "high": 0.5}, budget=2)
    obs, info = env.reset(seed=7)
    rng, _ = seeding.np_random(7)  # the env's stream: cost draw, then refinement outcome, then next cost
    c0 = rng.uniform(0.1, 0.5)
    assert obs[2 * 4 + 1] == pytest.approx(c0)
    obs, r, term, trunc, info = env.step(0)  # refine A
    expected = DecisionProblem([1.0, 0.2]).refine(0, pm.sample(rng=rng))
    assert r == pytest.approx(-c0) and not term and not trunc
    assert info["problem"] == expected and info["problem"].labels == ("A.1", "A.2", "B")
    np.testing.assert_allclose(obs[:3], expected.values, rtol=1e-6)
    c1 = rng.uniform(0.1, 0.5)
    obs, r, term, _, info = env.step(1)  # refine A.2
    expected = expected.refine(1, pm.sample(rng=rng))
    assert r == pytest.approx(-c1) and info["problem"] == expected and info["costs_paid"] == pytest.approx(c0 + c1)
    M = env.max_options
    obs, r, term, trunc, info = env.step(M + 2)  # act on the option now at index 2
    assert term and not trunc and r == pytest.approx(expected.values[2]) and info["chosen"] == 2


def test_pointwise_rrp_keeps_the_weighted_value() -> None:
    env = RefineOrAct(values=[0.7, 0.0], perturbation=PerturbationModel(sigma_own=1.0, q=0.25), budget=1)
    env.reset(seed=3)
    _, _, _, _, info = env.step(0)
    v = info["problem"].values
    assert 0.25 * v[0] + 0.75 * v[1] == pytest.approx(0.7, abs=1e-12)


def test_masks_follow_budget_room_and_existence() -> None:
    env = RefineOrAct(values=[0.0, 1.0], budget=3, max_options=3)
    _, info = env.reset(seed=0)
    np.testing.assert_array_equal(env.action_masks(), [1, 1, 0, 1, 1, 0])
    np.testing.assert_array_equal(info["action_mask"], env.action_masks().astype(np.int8))
    assert info["action_mask"].dtype == np.int8
    _, _, _, _, info = env.step(1)  # 3 options = max_options: no room to refine although budget is left
    np.testing.assert_array_equal(info["action_mask"], [0, 0, 0, 1, 1, 1])
    env = RefineOrAct(values=[0.0, 1.0], budget=0)
    env.reset(seed=0)
    np.testing.assert_array_equal(env.action_masks(), [0, 0, 1, 1])


def test_penalized_invalid_action_terminates_with_the_penalty() -> None:
    env = RefineOrAct(values=[0.0, 1.0], budget=1, invalid_action="penalize", invalid_action_penalty=2.5)
    env.reset(seed=0)
    _, r, term, trunc, info = env.step(2)  # refine option 2, which does not exist
    assert r == -2.5 and term and not trunc and info["invalid_action"]
    assert not env.action_masks().any()


def test_episode_ends_within_budget_plus_one_steps() -> None:
    env = RefineOrAct(values=[0.0, 1.0, 2.0], budget=4)
    env.reset(seed=1)
    for t in range(env.max_episode_steps):
        mask = env.action_masks()
        action = int(np.flatnonzero(mask)[0])  # refine while allowed, then act
        *_, term, trunc, _ = env.step(action)
        if term:
            break
    assert term and t == env.budget


def test_reset_seed_determines_the_episode() -> None:
    config = CONFIGS[1]
    runs = []
    for _ in range(2):
        env = RefineOrAct(**config)
        obs, _ = env.reset(seed=42)
        trace = [obs]
        for a in (0, 1, 5 + 2):                                # refine, refine (5 options: full), act on option 2
            obs, r, *_ = env.step(a)
            trace += [obs, np.array([r])]
        runs.append(np.concatenate(trace))
    np.testing.assert_array_equal(runs[0], runs[1])
    first_step = []
    for seed in (42, 43):
        env = RefineOrAct(**config)
        env.reset(seed=seed)
        first_step.append(env.step(0)[0])
    assert not np.array_equal(*first_step)


def test_render_shows_the_options_table(capsys: pytest.CaptureFixture[str]) -> None:
    env = RefineOrAct(values=[1.0, 0.5], budget=1, render_mode="ansi")
    env.reset(seed=0)
    env.step(0)
    text = env.render()
    assert "A.1" in text and "A.2" in text and "B" in text and "budget left 0" in text
    env = RefineOrAct(values=[1.0, 0.5], budget=1, render_mode="human")
    env.reset(seed=0)
    assert "option" in capsys.readouterr().out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert RefineOrAct(values=[1.0]).render() is None


@pytest.mark.parametrize("config, field", [
    (dict(values=[]), "values"),
    (dict(values=[1.0, np.nan]), "values"),
    (dict(values=[1.0], budget=-1), "budget"),
    (dict(values=[1.0], budget=1.5), "budget"),
    (dict(values=[1.0, 2.0], max_options=1), "max_options"),
    (dict(values=[1.0], cost=-0.1), "cost"),
    (dict(values=[1.0], cost={"law": "normal", "low": 0, "high": 1}), "cost.law"),
    (dict(values=[1.0], cost={"law": "uniform", "low": 0.5, "high": 0.1}), "cost.high"),
    (dict(values=[1.0], cost={"law": "uniform", "low": 0.5}), "cost"),
    (dict(values=[1.0], perturbation={"sigma_own": -1.0}), r"perturbation\.sigma_own"),
    (dict(values=[1.0], perturbation={"sigma": 1.0}), "perturbation"),
    (dict(values=[1.0], perturbation=3.0), "perturbation"),
    (dict(values=[1.0], belief={"sigma_own": -1.0}), r"belief\.sigma_own"),
    (dict(values=[1.0], belief={"scale": 1.0}), "belief"),
    (dict(values=[1.0], belief="common"), "belief"),
    (dict(values=[1.0], invalid_action_penalty=-1), "invalid_action_penalty"),
    (dict(values=[1.0], invalid_action=None), "invalid_action: must be one of 'raise', 'penalize'"),
    (dict(values=[1.0], budget=10**9), "budget: 1 options \\+ budget 1000000000 exceeds 4096"),
    (dict(values=[1.0], max_options=5000), r"max_options: must be an integer in \[1, 4096\]"),
    (dict(values=[1.0], render_mode="rgb_array"), "render_mode"),
])
def test_bad_config_raises_a_value_error_naming_the_field(config: dict, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}"):
        RefineOrAct(**config)


def test_perturbation_accepts_a_beta_law() -> None:
    env = RefineOrAct(values=[1.0], perturbation={"q": {"a": 1.0, "b": 3.0}})
    assert env.perturbation.q == Beta(1.0, 3.0)
    obs, _ = env.reset(seed=0)
    assert obs[-2] == pytest.approx(0.25) and obs[-1] == 0.0          # belief: sigma_own, mean q, bias


# --- beliefs (model.md §4) ------------------------------------------------------------------------------------


def _episodes(env: RefineOrAct, seeds: range) -> list[tuple]:
    """Every observation, reward and realised problem of a fixed action sequence, per seed."""
    out = []
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        steps = [(obs.tobytes(), info["problem"].values.tobytes())]
        for a in (0, 1, env.max_options + 2):
            obs, r, term, _, info = env.step(a)
            steps.append((obs.tobytes(), r, info["problem"].values.tobytes()))
            if term:
                break
        out.append(steps)
    return out


def test_a_belief_equal_to_the_truth_changes_nothing() -> None:
    """Common knowledge (the default) and an explicit belief equal to the truth give identical episodes."""
    cfg = dict(values=[0.5, 0.0], budget=2, cost={"law": "uniform", "low": 0.0, "high": 0.3},
               perturbation={"sigma_own": 1.5, "q": {"a": 2.0, "b": 3.0}})
    default = RefineOrAct(**cfg)
    assert default.belief == default.perturbation
    assert _episodes(default, range(5)) == _episodes(RefineOrAct(**cfg, belief=cfg["perturbation"]), range(5))


def test_the_observation_shows_the_belief_and_the_world_draws_from_the_truth() -> None:
    truth = {"sigma_own": 1.0}
    env = RefineOrAct(values=[0.5, 0.0], budget=2, perturbation=truth,
                      belief={"sigma_own": 0.0, "q": 0.25, "bias": 0.3})
    obs, _ = env.reset(seed=0)
    np.testing.assert_allclose(obs[-3:], [0.0, 0.25, 0.3], rtol=1e-6)     # sigma_own, mean q, bias of the belief
    plain = RefineOrAct(values=[0.5, 0.0], budget=2, perturbation=truth)
    shown = [[step[1:] for step in ep] for ep in _episodes(env, range(3))]    # rewards and realised problems
    assert shown == [[step[1:] for step in ep] for ep in _episodes(plain, range(3))]


@pytest.mark.slow
def test_maskable_ppo_trains_a_few_steps() -> None:
    torch = pytest.importorskip("torch")
    sb3_contrib = pytest.importorskip("sb3_contrib")
    torch.set_num_threads(1)
    env = gym.make("vvl/RefineOrAct-v0", values=[1.0, 0.5], budget=2, cost=0.05)
    model = sb3_contrib.MaskablePPO("MlpPolicy", env, n_steps=32, batch_size=16, n_epochs=1, seed=0)
    model.learn(64)
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs, action_masks=env.unwrapped.action_masks(), deterministic=True)
    assert env.unwrapped.action_masks()[int(action)]
