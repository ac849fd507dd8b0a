"""One action policy for every env (vvl_env.envs.actions): malformed actions and episode misuse raise ValueError naming
the agent, the action and the legal range; masked actions raise by default or end the episode with a penalty."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vvl_env.envs import RefineMatrixVecEnv, RefineOrAct, refine_bargain_v0, refine_matrix_v0
from vvl_env.envs.actions import ResetNeeded

AGENTS = ("player_0", "player_1")
PARALLEL: dict[str, Callable[..., Any]] = {
    "matrix": lambda **kw: refine_matrix_v0.parallel_env(game="rock_paper_scissors", budget=(1, 2), rounds=2,
                                                         cost=0.1, **kw),
    "bargain": lambda **kw: refine_bargain_v0.parallel_env(K=1, grid=3, budget=(1, 0), cost=0.05, **kw),
}


def roa(**kw: Any) -> RefineOrAct:
    return RefineOrAct(values=[0.0, -0.3], budget=2, cost=0.1, **kw)


def malformed(n: int) -> st.SearchStrategy:
    """Anything that is not an integer in [0, n)."""
    return st.one_of(st.integers(max_value=-1), st.integers(min_value=n), st.floats(), st.booleans(),
                     st.text(max_size=3), st.none(), st.lists(st.integers(0, n - 1), min_size=1, max_size=2),
                     st.sampled_from([np.float64(1.0), np.float32(0.0), np.bool_(False), np.array([0]), "0",
                                      complex(1, 0), np.array(1.0)]))


def range_error(agent: str, n: int) -> str:
    return rf"^{agent}: action must be an integer in \[0, {n - 1}\]"


# --- malformed actions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PARALLEL)
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_parallel_envs_refuse_malformed_actions_and_stay_usable(name: str, data: st.DataObject) -> None:
    env, twin = PARALLEL[name](), PARALLEL[name]()
    obs, _ = env.reset(seed=1)
    twin.reset(seed=1)
    n = env.action_space("player_0").n
    bad = data.draw(st.sampled_from(AGENTS))
    actions = {a: int(np.flatnonzero(obs[a]["action_mask"])[0]) for a in AGENTS}
    legal = dict(actions)
    actions[bad] = data.draw(malformed(n))
    with pytest.raises(ValueError, match=range_error(bad, n)):
        env.step(actions)
    out, ref = env.step(legal), twin.step(legal)                   # the refused step changed nothing
    assert out[1] == ref[1] and out[2] == ref[2]
    for a in AGENTS:
        np.testing.assert_array_equal(out[0][a]["observation"], ref[0][a]["observation"])


@pytest.mark.parametrize("name", PARALLEL)
def test_parallel_envs_refuse_missing_unknown_keys_and_misuse(name: str) -> None:
    env = PARALLEL[name]()
    with pytest.raises(ResetNeeded, match="before reset"):
        env.step({"player_0": 0, "player_1": 0})
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"^player_1: no action given"):
        env.step({"player_0": 0})
    with pytest.raises(ValueError, match=r"^'player_2': not a live agent"):
        env.step({"player_0": 0, "player_1": 0, "player_2": 0})
    with pytest.raises(ValueError, match=r"^actions: must be a dict"):
        env.step([0, 0])
    env.step({a: np.int32(0) for a in AGENTS})                      # numpy integers are integers
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    while env.agents:
        obs = env.step({a: np.array(rng.choice(np.flatnonzero(obs[a]["action_mask"]))) for a in AGENTS})[0]
    with pytest.raises(ResetNeeded, match="after the episode ended"):
        env.step({a: 0 for a in AGENTS})
    assert isinstance(ResetNeeded("x"), ValueError) and isinstance(ResetNeeded("x"), RuntimeError)


AEC = {"matrix": lambda: refine_matrix_v0.env(game="rock_paper_scissors", budget=(1, 2)),
       "bargain": lambda: refine_bargain_v0.env(K=1, grid=3, budget=(1, 0))}


@pytest.mark.parametrize("name", AEC)
@given(action=malformed(9), turn=st.sampled_from(AGENTS))
@settings(max_examples=30, deadline=None)
def test_aec_envs_check_each_action_at_its_agents_turn(name: str, action: Any, turn: str) -> None:
    env = AEC[name]()
    n = env.action_space("player_0").n
    with pytest.raises(ResetNeeded, match="before reset"):
        env.step(0)
    env.reset(seed=0)
    if turn == "player_1":
        env.step(0)                                                  # player_0 passes
    assert env.agent_selection == turn
    if not (isinstance(action, int) and not isinstance(action, bool) and 0 <= action < n):
        with pytest.raises(ValueError, match=range_error(turn, n)):
            env.step(action)
    mask = env.observe(turn)["action_mask"]
    masked = int(np.flatnonzero(mask == 0)[0])
    with pytest.raises(ValueError, match=rf"^{turn}: action {masked} is not legal in the"):
        env.step(masked)
    assert env.agent_selection == turn                               # the turn was not taken
    env.step(0)


@given(action=malformed(2 * 4))
@settings(max_examples=60, deadline=None)
def test_refine_or_act_refuses_malformed_actions(action: Any) -> None:
    env = roa()
    env.reset(seed=0)
    with pytest.raises(ValueError, match=range_error("agent", 8)):
        env.step(action)
    assert env.step(np.int64(0))[1] == pytest.approx(-0.1)         # still the first step: refine at cost 0.1


def test_refine_or_act_refuses_steps_outside_an_episode() -> None:
    env = roa()
    with pytest.raises(ResetNeeded, match="before reset"):
        env.step(4)
    env.reset(seed=0)
    env.step(4)                                                     # act on option 0: the episode ends
    with pytest.raises(ResetNeeded, match="after the episode ended"):
        env.step(4)


def test_vector_env_refuses_malformed_actions() -> None:
    vec = RefineMatrixVecEnv(4, seed=0)
    A = vec.action_space.n
    with pytest.raises(ResetNeeded, match="before reset"):
        vec.step(np.zeros(4, dtype=np.int64))
    vec.reset()
    for actions, match in [(np.array([0, -1, 0, 0]), rf"^sub-env 1: action must be an integer in \[0, {A - 1}\]"),
                           (np.array([0, 0, 0, A]), rf"^sub-env 3: action must be an integer in \[0, {A - 1}\]"),
                           (np.array([0, 1.5, 0, 0]), r"^actions: must be 4 integers"),
                           (np.zeros(4, dtype=bool), r"^actions: must be 4 integers"),
                           (np.zeros(3, dtype=np.int64), r"^actions: must be 4 integers"),
                           (np.zeros((2, 2), dtype=np.int64), r"^actions: must be 4 integers"),
                           (["0", "0", "0", "0"], r"^sub-env 0: action must be an integer in"),
                           ([0, True, 0, 0], r"^sub-env 1: action must be an integer in .* got True \(bool\)"),
                           ([0, 0, 10**20, 0], r"^sub-env 2: action must be an integer in"),
                           ("0000", r"^actions: must be 4 integers")]:
        with pytest.raises(ValueError, match=match):
            vec.step(actions)
    vec.step(np.zeros(4, dtype=np.int32))
    vec.reset()
    vec.step([0, np.int64(0), 0, 0])


# --- masked (illegal) actions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PARALLEL)
@given(seed=st.integers(0, 2**16), data=st.data())
@settings(max_examples=40, deadline=None)
def test_masked_actions_raise_or_end_the_episode_with_the_penalty(name: str, seed: int, data: st.DataObject) -> None:
    """Unmasked random play: while every action is legal, "penalize" plays exactly like "raise"; at the first
    masked action "raise" refuses the step and "penalize" ends the episode, -penalty to each offender only."""
    pen, ref = PARALLEL[name](invalid_action="penalize", invalid_action_penalty=0.75), PARALLEL[name]()
    obs, _ = pen.reset(seed=seed)
    ref.reset(seed=seed)
    n = pen.action_space("player_0").n
    while pen.agents:
        actions = {a: data.draw(st.integers(0, n - 1)) for a in AGENTS}
        legal = {a: bool(obs[a]["action_mask"][actions[a]]) for a in AGENTS}
        obs, rew, term, trunc, infos = pen.step(actions)
        if all(legal.values()):
            o, r, t, *_ = ref.step(actions)
            assert r == rew and t == term and all(not infos[a]["invalid_action"] for a in AGENTS)
            continue
        offender = next(a for a in AGENTS if not legal[a])
        with pytest.raises(ValueError, match=rf"^{offender}: action {actions[offender]} is not legal in the"):
            ref.step(actions)
        assert rew == {a: 0.0 if legal[a] else -0.75 for a in AGENTS}
        assert all(term.values()) and not any(trunc.values()) and pen.agents == []
        assert {a: infos[a]["invalid_action"] for a in AGENTS} == {a: not legal[a] for a in AGENTS}
        assert not any(obs[a]["action_mask"].any() for a in AGENTS)    # nothing is legal once done
        break


def test_masked_action_in_refine_or_act() -> None:
    env, pen = roa(), roa(invalid_action="penalize", invalid_action_penalty=2.5)
    env.reset(seed=0)
    pen.reset(seed=0)
    with pytest.raises(ValueError, match=r"^agent: action 2 is not legal with 2 refinements left and 2 of 4 "
                                         r"options .*legal actions: \[0, 1, 4, 5\]"):
        env.step(2)                                                  # refine option 2, which does not exist
    _, r, term, trunc, info = pen.step(2)
    assert r == -2.5 and term and not trunc and info["invalid_action"] and not pen.action_masks().any()
    _, r, term, _, info = env.step(5)                                # the refused step changed nothing
    assert r == 0.0 - 0.3 and term and not info["invalid_action"]


def test_masked_matrix_action_is_not_applied_under_penalize() -> None:
    env = refine_matrix_v0.parallel_env(game="rock_paper_scissors", budget=(1, 1), invalid_action="penalize")
    M = env.config.max_actions
    env.reset(seed=3)
    obs, rew, term, _, infos = env.step({"player_0": 1, "player_1": 1 + M})   # refine (legal), play in refinement
    assert rew == {"player_0": 0.0, "player_1": -1.0} and all(term.values())
    assert env.refinements == () and env.game == env.config.game              # player_0's refinement not applied
    assert infos["player_1"]["invalid_action"] and not infos["player_0"]["invalid_action"]
    phase = obs["player_0"]["observation"][2 * M * M + 2 * M:2 * M * M + 2 * M + 3]
    np.testing.assert_array_equal(phase, [0, 0, 1])                           # the done phase


def test_vector_env_masked_actions_match_the_single_envs() -> None:
    """Under "penalize" with unmasked random actions, copy c equals a single env seeded s + c step for step;
    under "raise" a masked action names its sub-env."""
    copies, seed, config = 3, 5, dict(game="matching_pennies", budget=(1, 1), rounds=2, invalid_action="penalize")
    vec = RefineMatrixVecEnv(2 * copies, seed=seed, **config)
    singles = [refine_matrix_v0.parallel_env(**config) for _ in range(copies)]
    vec.reset()
    for c, env in enumerate(singles):
        env.reset(seed=seed + c)
    rng, penalized = np.random.default_rng(0), 0
    for _ in range(60):
        actions = rng.integers(0, vec.action_space.n, size=2 * copies)
        _, rewards, dones, infos = vec.step(actions)
        for c, env in enumerate(singles):
            _, r, term, _, inf = env.step({a: int(actions[2 * c + i]) for i, a in enumerate(AGENTS)})
            for i, a in enumerate(AGENTS):
                assert rewards[2 * c + i] == np.float32(r[a]) and dones[2 * c + i] == term[a]
                assert infos[2 * c + i].get("invalid_action", False) == inf[a]["invalid_action"]
                penalized += inf[a]["invalid_action"]
            if not env.agents:
                env.reset()
    assert penalized > 10
    strict = RefineMatrixVecEnv(4, seed=0)
    strict.reset()
    with pytest.raises(ValueError, match=r"^sub-env 2: action 5 is not legal in the refine phase \(legal actions: "
                                         r"\[0, 1, 2\]"):
        strict.step(np.array([0, 0, 5, 0]))
