"""``refine_matrix_v0``: the versioned entry point (like ``pettingzoo/classic/rps_v2.py``)."""

from vvl_env.envs.refine_matrix.env import RefineMatrixEnv, __doc__, env, parallel_env, raw_env  # noqa: F401

metadata = RefineMatrixEnv.metadata

__all__ = ["env", "metadata", "parallel_env", "raw_env"]
