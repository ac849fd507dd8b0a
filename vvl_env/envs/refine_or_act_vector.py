"""``RefineOrActVecEnv``: many copies of :class:`~vvl_env.envs.RefineOrAct` stepped at once in numpy
(:class:`~vvl_env.envs.refine_or_act_core.RefineOrActCore`, the dynamics the single env steps with one copy), as a
Stable-Baselines3 VecEnv (the single-agent counterpart of ``RefineMatrixVecEnv``).

Copy c is the same episode stream as ``RefineOrAct(**config)`` after ``reset(seed=s + c)`` followed by plain
``reset()`` calls (what SB3's ``DummyVecEnv`` does after ``seed(s)``), step for step, given the same actions.

The configuration (validation, spaces, the laws) is ``RefineOrAct``'s own: the constructor builds one RefineOrAct and
reads it, including the action policy of :mod:`vvl_env.envs.actions` (malformed actions raise; a masked action raises,
naming the sub-env, under ``invalid_action="raise"``, the default, or ends that copy's episode with ``-invalid_action_penalty``). Infos
are small (``terminal_observation`` at an episode's end, ``invalid_action`` when a masked action was penalised), not
the single env's dict with the decision problem, which SB3 would deep-copy at every step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.envs.actions import check_batch, episode_error
from vvl_env.envs.refine_or_act import RefineOrAct
from vvl_env.envs.refine_or_act_core import RefineOrActCore
from vvl_env.envs.vec_base import ArrayVecEnv


class RefineOrActVecEnv(ArrayVecEnv):
    """``num_envs`` copies of ``RefineOrAct(**config)`` as one SB3 VecEnv (auto-reset; masks from
    ``action_masks()``, sb3-contrib's convention).

    Parameters
    ----------
    num_envs : int >= 1
    seed : int, optional
        Base seed for the first ``reset()`` (copy c gets ``seed + c``).
    **config
        RefineOrAct's keyword arguments (``render_mode`` not supported).
    """

    def __init__(self, num_envs: int, seed: int | None = None, **config: Any) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs: must be an integer >= 1, got {num_envs!r}")
        if config.get("render_mode") is not None:
            raise ValueError(f"render_mode: must be None for the vector env, got {config['render_mode']!r}")
        env = RefineOrAct(**config)
        self.render_mode = None
        super().__init__(int(num_envs), env.observation_space, env.action_space)
        self._core = RefineOrActCore(env, self.num_envs)
        self._all = np.arange(self.num_envs)
        self._seeds: list[int | None] | None = None
        self._actions = np.zeros(self.num_envs, dtype=np.int64)
        self._started = False
        if seed is not None:
            self.seed(seed)

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Seed copy c with ``seed + c`` at the next ``reset()`` (as ``DummyVecEnv.seed``)."""
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        self._seeds = [int(seed) + c for c in range(self.num_envs)]
        return list(self._seeds)

    def reset(self) -> npt.NDArray[np.float32]:
        self._started = True
        self._core.reset(self._all, self._seeds)
        self._seeds = None
        self._reset_seeds()
        self._reset_options()
        return self._core.observations()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = check_batch(actions, self.num_envs, 2 * self._core.M)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        if not self._started:
            raise episode_error(False)
        core = self._core
        rew, done, invalid = core.step(self._actions)
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        ended = np.flatnonzero(done)
        if ended.size:
            last = core.observations()[ended]
            for t, c in enumerate(ended.tolist()):
                infos[c]["terminal_observation"] = last[t]
                if invalid[c]:
                    infos[c]["invalid_action"] = True
            core.reset(ended)
        return core.observations(), rew.astype(np.float32), done, infos

    def action_masks(self) -> npt.NDArray[np.bool_]:
        """Legal actions of every copy, shape (num_envs, 2M)."""
        return self._core.masks()
