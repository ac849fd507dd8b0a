"""vvl's environments: PettingZoo ``refine_matrix_v0`` and ``refine_bargain_v0``, Gymnasium ``RefineOrAct``
(registered as "vvl/RefineOrAct-v0" on ``import vvl_env``), and the vectorised ``RefineMatrixVecEnv`` (an SB3
VecEnv). All check actions the same way (``vvl_env.envs.actions``: malformed actions raise ``ValueError``; masked
ones raise, or end the episode with a penalty under ``invalid_action="penalize"``)."""

from vvl_env.envs import refine_bargain_v0, refine_matrix_v0
from vvl_env.envs.refine_matrix.vector import RefineMatrixVecEnv
from vvl_env.envs.refine_or_act import RefineOrAct

__all__ = ["RefineMatrixVecEnv", "RefineOrAct", "refine_bargain_v0", "refine_matrix_v0"]
