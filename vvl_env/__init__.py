"""vvl: value refinement in games. Importing this package registers the Gymnasium environments.

* ``gymnasium.make("vvl/RefineOrAct-v0", values=..., ...)``: :class:`vvl_env.envs.RefineOrAct`. Episodes end by
  themselves within ``budget + 1`` steps, so no ``max_episode_steps`` is registered.
"""

from __future__ import annotations

import gymnasium

if "vvl/RefineOrAct-v0" not in gymnasium.registry:
    gymnasium.register(id="vvl/RefineOrAct-v0", entry_point="vvl_env.envs.refine_or_act:RefineOrAct")
