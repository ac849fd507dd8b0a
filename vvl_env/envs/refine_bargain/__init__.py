"""``refine_bargain_v0``: refinement of value weights, then alternating-offers bargaining (model.md §3)."""

from __future__ import annotations

from typing import Any

from pettingzoo.utils import parallel_to_aec
from pettingzoo.utils.env import AECEnv

from vvl_env.envs.aec import aec_env
from vvl_env.envs.refine_bargain.config import BargainConfig
from vvl_env.envs.refine_bargain.env import RefineBargainEnv


def parallel_env(render_mode: str | None = None, **config: Any) -> RefineBargainEnv:
    """The native ParallelEnv; ``config`` as in :class:`BargainConfig`."""
    return RefineBargainEnv(render_mode=render_mode, **config)


def raw_env(render_mode: str | None = None, **config: Any) -> AECEnv:
    """The AEC version, through ``parallel_to_aec``."""
    return parallel_to_aec(parallel_env(render_mode=render_mode, **config))


def env(render_mode: str | None = None, **config: Any) -> AECEnv:
    """The AEC version, each action checked at its agent's turn, order enforced (``vvl_env.envs.aec``)."""
    return aec_env(parallel_env(render_mode=render_mode, **config))


__all__ = ["BargainConfig", "RefineBargainEnv", "env", "parallel_env", "raw_env"]
