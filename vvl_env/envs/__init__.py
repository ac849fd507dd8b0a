"""vvl's environments: PettingZoo ``refine_matrix_v0`` and ``refine_bargain_v0``, Gymnasium ``RefineOrAct``
(registered as "vvl/RefineOrAct-v0" on ``import vvl_env``), and the vectorised ``RefineMatrixVecEnv``,
``RefineBargainVecEnv`` and ``RefineOrActVecEnv`` (SB3 VecEnvs, imported on first use so that
``import vvl_env.envs`` does not import torch or stable-baselines3). All check actions the same way
(``vvl_env.envs.actions``: malformed actions raise ``ValueError``; masked ones raise, or end the episode with a
penalty under ``invalid_action="penalize"``)."""

from typing import Any

from vvl_env.envs import refine_bargain_v0, refine_matrix_v0
from vvl_env.envs.refine_or_act import RefineOrAct

__all__ = ["RefineBargainVecEnv", "RefineMatrixVecEnv", "RefineOrAct", "RefineOrActVecEnv", "refine_bargain_v0",
           "refine_matrix_v0"]


def __getattr__(name: str) -> Any:
    if name == "RefineMatrixVecEnv":  # PEP 562: stable-baselines3 (and torch) load only when this is used
        from vvl_env.envs.refine_matrix.vector import RefineMatrixVecEnv

        return RefineMatrixVecEnv
    if name == "RefineBargainVecEnv":
        from vvl_env.envs.refine_bargain.vector import RefineBargainVecEnv

        return RefineBargainVecEnv
    if name == "RefineOrActVecEnv":
        from vvl_env.envs.refine_or_act_vector import RefineOrActVecEnv

        return RefineOrActVecEnv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
