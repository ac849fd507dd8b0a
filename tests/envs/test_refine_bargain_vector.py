"""RefineBargainVecEnv: step for step equal to ``MultiAgentVecEnv`` over ``refine_bargain_v0`` parallel envs (the
same seeds and actions), the Stable-Baselines3 VecEnv contract, invalid actions, seeding and checkpoints."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from stable_baselines3.common.vec_env import VecEnv

from agents.learning.checkpoint import restore_into
from agents.learning.envs import MultiAgentVecEnv
from vvl_env.envs import refine_bargain_v0
from vvl_env.envs.refine_bargain.config import ACCEPT, OFFSET, REFINE, REJECT
from vvl_env.envs.refine_bargain.vector import RefineBargainVecEnv

CONFIGS = [
    dict(K=2, cost=0.02, grid=21, delta=0.95, horizon=4, budget=1),                  # benchmarks/agents.py's case
    dict(K=1, grid=5, horizon=3, budget=0, d=(0.1, 0.2)),
    dict(K=2, budget=(1, 0), visibility="own", cost=(0.05, 0.0), first_proposer=1, horizon=2, d=(0.3, 0.1)),
    dict(K=3, grid=4, horizon=5, delta=0.9, visibility="own",
         weights=({"law": "dirichlet", "alpha": [2.0, 1.0, 0.5]}, {"law": "fixed", "w": [0.5, 0.3, 0.2]})),
    dict(K=2, grid=5, horizon=1,
         beliefs=({"law": "fixed", "w": [0.7, 0.3]}, {"law": "dirichlet", "alpha": [1.0, 3.0]})),
]


def pair(config: dict, copies: int, seed: int | None) -> tuple[MultiAgentVecEnv, RefineBargainVecEnv]:
    reference = MultiAgentVecEnv(lambda: refine_bargain_v0.parallel_env(**config), copies, seed=seed)
    return reference, RefineBargainVecEnv(2 * copies, seed=seed, **config)


def draw(masks: np.ndarray, rng: np.random.Generator, p_any: float = 0.0) -> np.ndarray:
    """A uniformly random legal action per row; with probability ``p_any`` any action instead."""
    legal = np.argmax(rng.random(masks.shape) * masks, axis=1)
    return np.where(rng.random(len(masks)) < p_any, rng.integers(masks.shape[1], size=len(masks)), legal)


def assert_same_step(ref_out: tuple, vec_out: tuple, allow: tuple[str, ...] = ()) -> None:
    """Observations, rewards, dones equal (values and dtypes); the same info keys (but ``allow``), terminal
    observations equal."""
    for a, b in zip(ref_out[:3], vec_out[:3]):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    for i, (ra, va) in enumerate(zip(ref_out[3], vec_out[3])):
        assert set(ra) == set(va) - set(allow), i
        if "terminal_observation" in ra:
            np.testing.assert_array_equal(ra["terminal_observation"], va["terminal_observation"])


@pytest.mark.parametrize("config", CONFIGS)
def test_equal_to_the_parallel_envs_step_for_step(config: dict) -> None:
    copies, rng = 6, np.random.default_rng(5)
    ref, vec = pair(config, copies, seed=17)
    np.testing.assert_array_equal(ref.reset(), vec.reset())
    ended, refined, accepted, failed = 0, 0, 0, 0
    d = refine_bargain_v0.parallel_env(**config).config.d
    for _ in range(400):
        masks = ref.action_masks()
        np.testing.assert_array_equal(masks, vec.action_masks())
        actions = draw(masks, rng)
        out = ref.step(actions)
        assert_same_step(out, vec.step(actions))
        refined += int(np.sum(masks[:, REFINE] & (actions == REFINE)))
        ended += int(out[2].sum()) // 2
        accepted += int(np.sum(out[2] & masks[:, ACCEPT] & (actions == ACCEPT)))
        failed += int(np.sum(out[2][0::2] & np.all(out[1].reshape(-1, 2) == np.float32(d), axis=1)))
    # the run covered many episodes, refinements where allowed, agreements and (with d != 0) disagreements
    assert ended >= 3 * copies and accepted > 0 and (refined > 0) == (config.get("budget", 1) != 0)
    assert failed > 0 or not np.any(d)


def test_penalized_invalid_actions_end_the_copy_like_the_parallel_env() -> None:
    config = dict(K=2, grid=5, horizon=3, budget=1, cost=0.1, invalid_action="penalize", invalid_action_penalty=0.5)
    ref, vec = pair(config, 8, seed=2)
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(ref.reset(), vec.reset())
    offences = 0
    for _ in range(300):
        masks = ref.action_masks()
        actions = draw(masks, rng, p_any=0.1)
        bad = ~masks[np.arange(len(actions)), actions]
        out, vout = ref.step(actions), vec.step(actions)
        assert_same_step(out, vout, allow=("invalid_action",))
        flagged = np.array([info.get("invalid_action", False) for info in vout[3]])
        np.testing.assert_array_equal(flagged, bad)                                    # exactly the offenders
        assert np.all(vout[1][bad] == np.float32(-0.5)) and np.all(vout[2][bad])
        offences += int(bad.sum())
    assert offences > 20


def test_masked_action_raises_and_applies_nothing() -> None:
    config = dict(K=2, grid=5, horizon=2)
    vec, twin = RefineBargainVecEnv(6, seed=4, **config), RefineBargainVecEnv(6, seed=4, **config)
    vec.reset(), twin.reset()
    actions = np.zeros(6, dtype=np.int64)
    actions[3] = ACCEPT                                                                 # refinement phase: illegal
    with pytest.raises(ValueError, match=r"sub-env 3: action 2 is not legal in the refinement phase"):
        vec.step(actions)
    for bad, pattern in ((np.full(6, 4 + 25), r"sub-env 0: action must be an integer in \[0, 28\]"),
                         (np.zeros(6), "actions: must be 6 integers"), ([0] * 5, "actions: must be 6 integers")):
        with pytest.raises(ValueError, match=pattern):
            vec.step(bad)
    rng = np.random.default_rng(0)
    for _ in range(20):                                                                 # still the twin's episodes
        actions = draw(vec.action_masks(), rng)
        assert_same_step(twin.step(actions), vec.step(actions))


def test_vec_env_contract_and_errors() -> None:
    vec = RefineBargainVecEnv(8, seed=0, K=3, grid=4)
    assert isinstance(vec, VecEnv) and vec.num_envs == 8 and vec.num_copies == 4
    assert vec.observation_space.shape == (2 + 12 + 5 * 3,) and vec.action_space.n == 4 + 4**3
    with pytest.raises(ValueError, match="before reset"):
        vec.step(np.zeros(8, dtype=np.int64))
    obs = vec.reset()
    assert obs.shape == (8, 29) and obs.dtype == np.float32
    np.testing.assert_array_equal(obs[:, :2], np.tile(np.eye(2), (4, 1)))
    masks = vec.env_method("action_masks", indices=[1, 2])
    assert len(masks) == 2 and masks[0].dtype == bool and masks[0].shape == (68,)
    assert vec.get_attr("render_mode") == [None] * 8 and vec.env_is_wrapped(object) == [False] * 8
    for kwargs, pattern in ((dict(num_envs=3), "num_envs: must be an even integer"),
                            (dict(num_envs=4, grid_size=3), "grid_size: unknown configuration field"),
                            (dict(num_envs=4, render_mode="ansi"), "render_mode: must be None"),
                            (dict(num_envs=4, budget=2), r"budget\[0\]")):
        with pytest.raises(ValueError, match=pattern):
            RefineBargainVecEnv(**kwargs)


def run(vec: RefineBargainVecEnv, steps: int, seed: int) -> list[np.ndarray]:
    rng, out = np.random.default_rng(seed), []
    for _ in range(steps):
        obs, rew, *_ = vec.step(draw(vec.action_masks(), rng))
        out += [obs, rew]
    return out


def refine_all(vec: RefineBargainVecEnv) -> np.ndarray:
    """Observations after every agent refines (the first step after a reset): they show the drawn weights."""
    return vec.step(np.full(vec.num_envs, REFINE))[0]


def test_seeding_is_reproducible_and_per_copy() -> None:
    config = CONFIGS[0]
    a, b = RefineBargainVecEnv(8, seed=9, **config), RefineBargainVecEnv(8, **config)
    assert b.seed(9) == [9, 9, 10, 10, 11, 11, 12, 12]
    np.testing.assert_array_equal(a.reset(), b.reset())
    np.testing.assert_array_equal(refine_all(a), refine_all(b))
    for x, y in zip(run(a, 50, 1), run(b, 50, 1)):
        np.testing.assert_array_equal(x, y)
    # copy c is seeded s + c: a one-copy env seeded 11 draws copy 2's weights
    c, d = RefineBargainVecEnv(2, seed=11, **config), RefineBargainVecEnv(8, seed=9, **config)
    c.reset(), d.reset()
    first = refine_all(d)
    np.testing.assert_array_equal(first[4:6], refine_all(c))
    assert len(np.unique(first[0::2, 10:12], axis=0)) == 4                   # the copies' weights differ
    a.reset()                                               # an unseeded reset continues each copy's stream
    assert not np.array_equal(refine_all(a), first)


def test_checkpoint_restore_continues_bit_for_bit() -> None:
    """The trainer's checkpoints pickle the VecEnv and restore it into a fresh one (agents.learning.checkpoint)."""
    config = CONFIGS[2]
    vec = RefineBargainVecEnv(10, seed=1, **config)
    vec.reset()
    run(vec, 30, 0)
    fresh = RefineBargainVecEnv(10, seed=99, **config)
    restore_into(fresh, pickle.loads(pickle.dumps(vec)))
    np.testing.assert_array_equal(fresh.action_masks(), vec.action_masks())
    for x, y in zip(run(vec, 60, 7), run(fresh, 60, 7)):
        np.testing.assert_array_equal(x, y)


# --- exploring starts -----------------------------------------------------------------------------------------------

def _reach(config: dict, seed: int, revealed: np.ndarray, t: int, phase: str, offer: int) -> tuple[object, dict]:
    """A ``refine_bargain_v0`` parallel env reset with ``seed`` and *played* to the play state (refined by
    ``revealed``, round t, ``phase``, ``offer`` on the table): the independent route to an exploring start."""
    env = refine_bargain_v0.parallel_env(**config)
    obs, _ = env.reset(seed=seed)
    a0, a1 = env.possible_agents
    obs, *_ = env.step({a: REFINE if revealed[i] else 0 for i, a in enumerate((a0, a1))})
    first = env.config.first_proposer
    for r in range(t + (phase == "respond")):
        p = first ^ (r % 2)
        k = offer if (r == t - 1 and phase == "propose") or r == t else 0
        obs, *_ = env.step({a: OFFSET + k if i == p else 0 for i, a in enumerate((a0, a1))})   # the proposal
        if r < t:
            obs, *_ = env.step({a: REJECT if i == 1 - p else 0 for i, a in enumerate((a0, a1))})
    return env, obs


@pytest.mark.parametrize("config", [CONFIGS[0], CONFIGS[2], CONFIGS[3]])
def test_exploring_starts_are_the_play_states_reached_by_playing(config: dict) -> None:
    """With ``exploring_starts=1`` every episode opens at a play state; its observations and masks are those of the
    parallel env played to that state (same seed, so the same true weights), and so are the rewards of the play
    that follows (the refinement cost aside: nobody paid it)."""
    from vvl_env.envs.refine_bargain.core import PROPOSE, RESPOND

    rng, budget = np.random.default_rng(1), np.broadcast_to(np.array(config.get("budget", 1)), (2,))
    states = []
    for seed in range(100, 140):
        vec = RefineBargainVecEnv(2, seed=seed, exploring_starts=1.0, **config)
        obs, core = vec.reset(), vec._core
        state = (bool(core.revealed[0, 0]), bool(core.revealed[0, 1]), int(core.round[0]), int(core.phase[0]))
        states.append(state)
        assert not np.any(core.revealed[0] & (budget == 0)) and np.all(core.budget_left[0] == budget - core.revealed[0])
        phase = "respond" if core.phase[0] == RESPOND else "propose"
        env, want = _reach(config, seed, core.revealed[0], int(core.round[0]), phase, int(core.offer[0]))
        for i, a in enumerate(env.possible_agents):
            np.testing.assert_array_equal(obs[i, 2:], want[a]["observation"])
            np.testing.assert_array_equal(vec.action_masks()[i], want[a]["action_mask"].astype(bool))
        while env.agents:                                   # play on, the same random legal actions in both
            actions = draw(vec.action_masks(), rng)
            want, rewards, *_ = env.step(dict(zip(env.possible_agents, actions.tolist())))
            _, vrew, vdone, _ = vec.step(actions)
            np.testing.assert_array_equal(vrew, np.float32([rewards[a] for a in env.possible_agents]))
            assert vdone[0] == (not env.agents)
    assert {s[3] for s in states} == {PROPOSE, RESPOND}
    assert {s[2] for s in states} == set(range(config.get("horizon", 3)))
    assert any(s[0] or s[1] for s in states) == (np.any(budget > 0))


def test_exploring_starts_probability_and_default() -> None:
    """q = 0 (the default) changes nothing; q = 0.3 starts about 30 % of the episodes in play (4 standard errors)."""
    from vvl_env.envs.refine_bargain.core import REFINEMENT

    config = CONFIGS[0]
    plain, zero = RefineBargainVecEnv(64, seed=3, **config), RefineBargainVecEnv(64, seed=3, exploring_starts=0.0,
                                                                                 **config)
    np.testing.assert_array_equal(plain.reset(), zero.reset())
    for a, b in zip(run(plain, 30, 4), run(zero, 30, 4)):
        np.testing.assert_array_equal(a, b)
    n, q = 4000, 0.3
    vec = RefineBargainVecEnv(2 * n, seed=9, exploring_starts=q, **config)
    vec.reset()
    share = np.mean(vec._core.phase != REFINEMENT)
    assert abs(share - q) < 4 * np.sqrt(q * (1 - q) / n)
    for bad in (-0.1, 1.5, float("nan"), True, "0.5"):
        with pytest.raises(ValueError, match="exploring_starts: must be a probability"):
            RefineBargainVecEnv(4, exploring_starts=bad, **config)
