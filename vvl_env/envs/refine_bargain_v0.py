"""``refine_bargain_v0``: PettingZoo entry points (``env``, ``parallel_env``, ``raw_env``); see
:mod:`vvl_env.envs.refine_bargain.env` for the documentation."""

from vvl_env.envs.refine_bargain import RefineBargainEnv, env, parallel_env, raw_env

__all__ = ["RefineBargainEnv", "env", "parallel_env", "raw_env"]
