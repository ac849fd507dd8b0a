"""``RefineBargainVecEnv``: many copies of ``refine_bargain_v0`` stepped at once in numpy, as an SB3 VecEnv.

Each agent of each copy is one sub-env, for a shared policy (parameter sharing) or, through a role adapter, one
learner per agent: sub-env ``2c`` is player_0 of copy c, ``2c + 1`` its player_1. A sub-env's observation is
``Box(14 + 5K,)``: ``[agent one-hot (2), the agent's flat observation (12 + 5K)]``; its action is the env's
``Discrete(4 + grid**K)``. The legal actions come from ``action_masks()`` (sb3-contrib's MaskablePPO convention,
also through ``env_method("action_masks")``). Episodes of a copy end together for both its sub-envs and reset
automatically; the last observation is in ``infos[i]["terminal_observation"]``.

Actions are checked like every vvl env's (``vvl_env.envs.actions``): ``step`` takes ``num_envs`` integers in
``[0, 4 + grid**K)`` (``ValueError`` naming the sub-env otherwise), and a masked action raises
(``invalid_action="raise"``, the default; nothing is applied) or ends that copy with ``-invalid_action_penalty``
for the offender and ``infos[i]["invalid_action"]`` (``"penalize"``). MaskablePPO never samples a masked action.

Exploring starts (``exploring_starts = q``, default 0; a training device): each new episode starts, with
probability q, at a uniformly drawn play state instead of the refinement phase
(:mod:`vvl_env.envs.refine_bargain.batch`), so learners train on responses and proposals off their path of play.

Seeding: ``seed(s)`` (or ``RefineBargainVecEnv(..., seed=s)``) then ``reset()`` seeds copy c with ``s + c``; its
episodes then equal those of ``refine_bargain_v0.parallel_env(**config)`` after ``reset(seed=s + c)`` followed by
plain ``reset()`` calls, step for step, given the same actions (the layout and seeding of
``agents.learning.envs.MultiAgentVecEnv`` over that env).
"""

from __future__ import annotations

from typing import Any

from vvl_env.envs.refine_bargain.batch import BargainBatch
from vvl_env.envs.refine_bargain.config import make_config
from vvl_env.envs.refine_bargain.core import PHASES
from vvl_env.envs.vec_base import TwoAgentVecEnv, check_num_envs


class RefineBargainVecEnv(TwoAgentVecEnv):
    """``num_envs // 2`` copies of ``refine_bargain_v0`` (module docstring): ``num_envs`` sub-envs (an even integer
    >= 2, two agents per copy); with ``seed``, copy c is seeded ``seed + c`` at the first ``reset()``; ``config``:
    the fields of :class:`~vvl_env.envs.refine_bargain.config.BargainConfig` (``render_mode`` only as None)."""

    def __init__(self, num_envs: int, seed: int | None = None, exploring_starts: float = 0.0, **config: Any) -> None:
        num_envs = check_num_envs(num_envs)
        if config.pop("render_mode", None) is not None:
            raise ValueError("render_mode: must be None for the vector env")
        if isinstance(exploring_starts, bool) or not isinstance(exploring_starts, (int, float)) or not (
                0.0 <= exploring_starts <= 1.0):
            raise ValueError(f"exploring_starts: must be a probability in [0, 1], got {exploring_starts!r}")
        cfg = make_config(**config)
        super().__init__(num_envs, seed, BargainBatch(cfg, num_envs // 2, exploring_starts), cfg, PHASES)
