"""Plumbing shared by vvl's Stable-Baselines3 VecEnvs whose sub-envs are rows of arrays, not objects: attributes
(:class:`ArrayVecEnv`), and the step, reset and seeding of two-agent games stepped by a batched core
(:class:`TwoAgentVecEnv`, the base of ``RefineMatrixVecEnv`` and ``RefineBargainVecEnv``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import numpy.typing as npt
from gymnasium import spaces
from stable_baselines3.common.vec_env import VecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvIndices, VecEnvObs, VecEnvStepReturn

from vvl_env.envs.actions import check_batch, episode_error, illegal_action


class ArrayVecEnv(VecEnv):
    """A VecEnv whose sub-envs share this object: attributes and methods are the VecEnv's own, read-only, except
    ``action_masks`` (sb3-contrib's convention), which has one mask per sub-env."""

    def action_masks(self) -> npt.NDArray[np.bool_]:
        """Legal actions of every sub-env, shape (num_envs, n_actions)."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self, attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        raise AttributeError(f"{attr_name}: the sub-envs of {type(self).__name__} share one object; attributes are "
                             "read-only")

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        """Only ``action_masks`` is per sub-env (one mask each); other methods are those of this VecEnv."""
        idx = list(self._get_indices(indices))
        if method_name == "action_masks":
            masks = self.action_masks()
            return [masks[i] for i in idx]
        result = getattr(self, method_name)(*method_args, **method_kwargs)
        return [result for _ in idx]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]


def check_num_envs(num_envs: Any) -> int:
    """``num_envs`` of a two-agent vector env: an even integer >= 2 (two agent sub-envs per copy)."""
    if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 2 or num_envs % 2:
        raise ValueError(f"num_envs: must be an even integer >= 2 (two agents per copy), got {num_envs!r}")
    return int(num_envs)


class TwoAgentVecEnv(ArrayVecEnv):
    """``num_envs // 2`` copies of a two-agent game stepped by one batched ``core``; sub-env ``2c + i`` is agent i
    of copy c. This class is the SB3 side: action checks, masked actions (raise, or penalize through the core),
    automatic resets with ``infos[i]["terminal_observation"]``, and seeding copy c with ``seed + c``.

    The core holds ``obs`` (B, 2, L) float32, ``mask`` (B, 2, A) int8, ``phase`` (B,) (named by ``phases``) and
    ``invalid`` (B, 2), and has ``reset(idx, seeds)``, ``legal(actions)`` and ``step(actions, legal)`` (rewards
    (B, 2), done (B,)); ``config.invalid_action`` is "raise" or "penalize".
    """

    def __init__(self, num_envs: int, seed: int | None, core: Any, config: Any, phases: tuple[str, ...]) -> None:
        self.config, self.num_copies, self.render_mode = config, num_envs // 2, None
        self._core, self._phases = core, phases
        L, A = core.obs.shape[-1], core.mask.shape[-1]
        super().__init__(num_envs, spaces.Box(-np.inf, np.inf, (L,), np.float32), spaces.Discrete(A))
        self._copy_seeds: list[int | None] | None = None
        if seed is not None:
            self.seed(seed)
        self._actions = np.zeros((self.num_copies, 2), dtype=np.int64)
        self._started = False

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Seed copy c with ``seed + c`` at the next ``reset()``; returns the seed of every sub-env."""
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        self._copy_seeds = [int(seed) + c for c in range(self.num_copies)]
        return [s for s in self._copy_seeds for _ in (0, 1)]

    def reset(self) -> VecEnvObs:
        self._started = True
        self._core.reset(slice(None), self._copy_seeds)
        self._copy_seeds = None
        self._reset_seeds()
        self._reset_options()
        return self._core.obs.reshape(self.num_envs, -1).copy()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = check_batch(actions, self.num_envs, self.action_space.n).reshape(self.num_copies, 2)

    def step_wait(self) -> VecEnvStepReturn:
        if not self._started:
            raise episode_error(False)
        core, n = self._core, self.num_envs
        legal = core.legal(self._actions)
        ok = legal.all()
        if not ok and self.config.invalid_action == "raise":
            c, p = (int(i) for i in np.argwhere(~legal)[0])
            raise illegal_action(f"sub-env {2 * c + p}", int(self._actions[c, p]),
                                 f"in the {self._phases[core.phase[c]]} phase", core.mask[c, p])
        before = self._before_step()
        rew, done = core.step(self._actions, None if ok else legal)
        infos: list[dict[str, Any]] = [{} for _ in range(n)]
        self._step_infos(infos, before, ok)
        ended = done.nonzero()[0]
        if ended.size:
            last = list(core.obs[ended].reshape(-1, core.obs.shape[-1]))
            for i, row in zip(np.stack([2 * ended, 2 * ended + 1], axis=1).ravel().tolist(), last):
                infos[i]["terminal_observation"] = row
            if not ok:
                for i in np.flatnonzero(core.invalid.reshape(n)).tolist():
                    infos[i]["invalid_action"] = True
            core.reset(ended)
        obs = core.obs.reshape(n, -1).copy()
        return obs, rew.reshape(n).astype(np.float32), np.repeat(done, 2), infos

    def _before_step(self) -> Any:
        """What a subclass needs from the state before the core steps (passed to :meth:`_step_infos`)."""
        return None

    def _step_infos(self, infos: list[dict[str, Any]], before: Any, ok: bool) -> None:
        """Add a subclass's entries to the step's infos (``ok``: every action was legal), before any reset."""

    def action_masks(self) -> npt.NDArray[np.bool_]:
        """Legal actions of every sub-env, shape (num_envs, n_actions)."""
        return self._core.mask.reshape(self.num_envs, -1).astype(bool)
