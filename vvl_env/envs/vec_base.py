"""Attribute plumbing shared by vvl's Stable-Baselines3 VecEnvs whose sub-envs are rows of arrays, not objects."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import numpy.typing as npt
from stable_baselines3.common.vec_env import VecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvIndices


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
