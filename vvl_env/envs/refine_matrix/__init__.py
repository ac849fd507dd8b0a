"""``refine_matrix_v0``: refine a two-player matrix game, then play it (see ``env.py`` for the docs page)."""

from vvl_env.envs.refine_matrix.config import RefineMatrixConfig, make_config
from vvl_env.model.cost import CostLaw
from vvl_env.envs.refine_matrix.env import RefineMatrixEnv, RefinementEvent, env, parallel_env, raw_env

__all__ = ["CostLaw", "RefineMatrixConfig", "RefineMatrixEnv", "RefinementEvent", "env", "make_config",
           "parallel_env", "raw_env"]
