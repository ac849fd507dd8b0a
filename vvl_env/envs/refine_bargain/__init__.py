"""``refine_bargain_v0``: refinement of value weights, then alternating-offers bargaining (model.md §3)."""

from __future__ import annotations

from typing import Any

from pettingzoo.utils import parallel_to_aec, wrappers
from pettingzoo.utils.env import AECEnv

from vvl_env.envs.refine_bargain.config import BargainConfig
from vvl_env.envs.refine_bargain.env import RefineBargainEnv


def parallel_env(render_mode: str | None = None, **config: Any) -> RefineBargainEnv:
    """The native ParallelEnv; ``config`` as in :class:`BargainConfig`."""
    return RefineBargainEnv(render_mode=render_mode, **config)


def raw_env(render_mode: str | None = None, **config: Any) -> AECEnv:
    """The AEC version, through ``parallel_to_aec``."""
    return parallel_to_aec(parallel_env(render_mode=render_mode, **config))


def env(render_mode: str | None = None, **config: Any) -> AECEnv:
    """The AEC version with PettingZoo's standard wrappers (AssertOutOfBounds, OrderEnforcing)."""
    aec = raw_env(render_mode=render_mode, **config)
    aec = wrappers.AssertOutOfBoundsWrapper(aec)
    return wrappers.OrderEnforcingWrapper(aec)


__all__ = ["BargainConfig", "RefineBargainEnv", "env", "parallel_env", "raw_env"]
