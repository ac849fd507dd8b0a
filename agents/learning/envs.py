"""Vectorised environments for SB3 learners: one factory per mode, and two small VecEnv adapters.

* single: ``RefineOrActVecEnv`` (numpy copies of ``RefineOrAct``; the same episodes as a ``DummyVecEnv`` of them).
* joint two-agent VecEnv (sub-env ``2c + i`` is agent i of copy c, observation ``[one-hot(i), flat obs]``):
  the numpy vector envs ``RefineMatrixVecEnv`` and ``RefineBargainVecEnv``. :class:`MultiAgentVecEnv` gives the
  same layout over any two-agent PettingZoo parallel env (SuperSuit's ``pettingzoo_env_to_vec_env_v1`` layout, plus
  masks and seeding), one env object per copy: the reference the vector envs are tested against. Shared mode trains
  one policy on the joint VecEnv directly.
* :class:`RoleVecEnv`: one agent of each copy of a joint VecEnv is the learner; the other acts inside the step with
  an opponent policy (independent learners: the other model as it currently is; self-play: a snapshot from the
  pool, drawn per episode). Its Generator draws the opponents' actions, the learner's role and the opponent index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from gymnasium import spaces
from stable_baselines3.common.vec_env import VecEnv

from agents.learning.config import make_eval_env  # noqa: F401 (the environment factories' module re-exports it)
from agents.policy import inverse_cdf
from vvl_env.envs import RefineBargainVecEnv, RefineMatrixVecEnv
from vvl_env.envs.refine_or_act_vector import RefineOrActVecEnv
from vvl_env.envs.vec_base import ArrayVecEnv


def sample_batch(probs: npt.NDArray[np.float64], rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """One action per row by inverse CDF (one uniform each), as :func:`agents.policy.sample_action`."""
    return inverse_cdf(probs, rng.random(len(probs)))


def _masks(venv: VecEnv) -> npt.NDArray[np.bool_]:
    return np.asarray(venv.action_masks() if hasattr(venv, "action_masks") else
                      np.stack(venv.env_method("action_masks")), dtype=bool)


class MultiAgentVecEnv(ArrayVecEnv):
    """``n_copies`` PettingZoo parallel envs with two agents and Dict observations {"observation",
    "action_mask"}; sub-env ``2c + i`` is agent i of copy c. Copy c is seeded ``seed + c`` at the next reset."""

    def __init__(self, env_fn: Callable[[], Any], n_copies: int, seed: int | None = None) -> None:
        self.envs = [env_fn() for _ in range(n_copies)]
        e = self.envs[0]
        self.agents = list(e.possible_agents)
        inner = e.observation_space(self.agents[0])["observation"]
        obs_space = spaces.Box(-np.inf, np.inf, (2 + inner.shape[0],), np.float32)
        self.render_mode = None
        super().__init__(2 * n_copies, obs_space, e.action_space(self.agents[0]))
        self._seeds: list[int | None] = [None] * n_copies if seed is None else [seed + c for c in range(n_copies)]
        self._obs = np.zeros((self.num_envs, obs_space.shape[0]), np.float32)
        self._obs[:, :2] = np.tile(np.eye(2, dtype=np.float32), (n_copies, 1))
        self._mask = np.zeros((self.num_envs, self.action_space.n), bool)
        self._actions = np.zeros(self.num_envs, np.int64)

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        self._seeds = [None if seed is None else seed + c for c in range(len(self.envs))]
        return [s for s in self._seeds for _ in (0, 1)]

    def _write(self, c: int, obs: dict[str, Any]) -> None:
        for i, a in enumerate(self.agents):
            self._obs[2 * c + i, 2:] = obs[a]["observation"]
            self._mask[2 * c + i] = obs[a]["action_mask"].astype(bool)

    def reset(self) -> npt.NDArray[np.float32]:
        for c, e in enumerate(self.envs):
            self._write(c, e.reset(seed=self._seeds[c])[0])
        self._seeds = [None] * len(self.envs)
        return self._obs.copy()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.int64)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        rew = np.zeros(self.num_envs, np.float32)
        done = np.zeros(self.num_envs, bool)
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for c, e in enumerate(self.envs):
            obs, r, term, trunc, _ = e.step({a: int(self._actions[2 * c + i]) for i, a in enumerate(self.agents)})
            self._write(c, obs)
            for i, a in enumerate(self.agents):
                rew[2 * c + i] = r[a]
            if not e.agents:
                done[2 * c:2 * c + 2] = True
                for i in (0, 1):
                    infos[2 * c + i]["terminal_observation"] = self._obs[2 * c + i].copy()
                self._write(c, e.reset()[0])
        return self._obs.copy(), rew, done, infos

    def action_masks(self) -> npt.NDArray[np.bool_]:
        return self._mask.copy()


class RoleVecEnv(ArrayVecEnv):
    """The learner's side of a joint VecEnv (2 sub-envs per copy): one sub-env per copy.

    Parameters
    ----------
    joint : VecEnv
        Two sub-envs per copy (agent i of copy c at ``2c + i``), with ``action_masks()``.
    role : int or None
        The learner's agent in every copy (independent learners), or None: drawn per episode (self-play).
    seed : int
        Seed of the Generator drawing opponents' actions, roles and opponent indices.

    ``opponents`` (a list of objects with ``probabilities_batch(obs, masks)``) is set by the trainer; copy c faces
    ``opponents[choice[c]]``, redrawn uniformly at the start of each of its episodes.
    """

    def __init__(self, joint: VecEnv, role: int | None, seed: int) -> None:
        n = joint.num_envs // 2
        self.render_mode = None
        super().__init__(n, joint.observation_space, joint.action_space)
        self.joint, self.fixed_role = joint, role
        self.rng = np.random.default_rng(seed)
        self.roles = np.full(n, 0 if role is None else role, np.int64)
        self.choice = np.zeros(n, np.int64)
        self.opponents: list[Any] = []
        self._joint_obs: np.ndarray | None = None
        self._actions = np.zeros(n, np.int64)
        self._two = 2 * np.arange(n)

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        return self.joint.seed(seed)[::2]

    def _draw(self, idx: npt.NDArray[np.int64]) -> None:
        if self.fixed_role is None:
            self.roles[idx] = self.rng.integers(2, size=idx.size)
        if len(self.opponents) > 1:
            self.choice[idx] = self.rng.integers(len(self.opponents), size=idx.size)

    def reset(self) -> np.ndarray:
        self._joint_obs = self.joint.reset()
        self._draw(np.arange(self.num_envs))
        return self._joint_obs[self._two + self.roles]

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(-1)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        me, other = self._two + self.roles, self._two + 1 - self.roles
        masks = _masks(self.joint)
        opp = np.zeros(self.num_envs, np.int64)
        for k in np.unique(self.choice):
            sel = np.flatnonzero(self.choice == k)
            probs = self.opponents[k].probabilities_batch(self._joint_obs[other[sel]], masks[other[sel]])
            opp[sel] = sample_batch(probs, self.rng)
        joint_actions = np.zeros(self.joint.num_envs, np.int64)
        joint_actions[me], joint_actions[other] = self._actions, opp
        obs, rew, done, infos = self.joint.step(joint_actions)
        self._joint_obs = obs
        my_rew, my_done, my_infos = rew[me], done[me], [infos[i] for i in me]
        ended = np.flatnonzero(my_done)
        if ended.size:
            self._draw(ended)
        return obs[self._two + self.roles], my_rew, my_done, my_infos

    def action_masks(self) -> npt.NDArray[np.bool_]:
        return _masks(self.joint)[self._two + self.roles]


def make_train_env(env_id: str, env_config: dict[str, Any], mode: str, n_envs: int, seed: int,
                   role: int | None = None, counterfactual: bool = False, exploring_starts: float = 0.0) -> VecEnv:
    """The VecEnv one SB3 model trains on: ``n_envs`` copies, seeded ``seed + c`` at the first reset;
    ``counterfactual``: refine_matrix_v0's full-information feedback in the infos (MMD-PPO's ``full_information``);
    ``exploring_starts``: refine_bargain_v0's episodes started in play (``TrainConfig.exploring_starts``)."""
    if env_id == "refine_or_act":
        return RefineOrActVecEnv(n_envs, seed=seed, **env_config)
    joint: VecEnv = (RefineMatrixVecEnv(2 * n_envs, seed=seed, counterfactual=counterfactual, **env_config)
                     if env_id == "refine_matrix_v0" else
                     RefineBargainVecEnv(2 * n_envs, seed=seed, exploring_starts=exploring_starts, **env_config))
    if mode == "shared":
        return joint
    return RoleVecEnv(joint, role, seed=seed + 7_919)
