"""``RefineMatrixVecEnv``: many copies of ``refine_matrix_v0`` stepped at once in numpy, as a Stable-Baselines3 VecEnv.

Each agent of each copy is one sub-env, for a shared policy (parameter sharing): sub-env ``2c`` is player_0 of
copy c, ``2c + 1`` its player_1. A sub-env's observation is ``Box(2M² + 4M + 14,)``: ``[agent one-hot (2), the
agent's flat observation]`` (the ``2M² + 4M + 12`` entries of ``refine_matrix_v0`` after the two id entries;
``ObsLayout(M, prefix=2)`` names the slices; matching pennies with budget 1 has M = 3: 44 entries). Its action is
the same ``Discrete(1 + 2M)``. The legal actions come from ``action_masks()`` (sb3-contrib's MaskablePPO
convention, also through ``env_method("action_masks")``). Episodes of a copy end together for both its sub-envs
and reset automatically; the last observation is in ``infos[i]["terminal_observation"]``.

Actions are checked like every vvl env's (``vvl_env.envs.actions``): ``step`` takes ``num_envs`` integers in
``[0, 1 + 2M)`` (``ValueError`` naming the sub-env otherwise), and a masked action raises (``invalid_action="raise"``,
the default) or ends that copy with ``-invalid_action_penalty`` for the offender and ``infos[i]["invalid_action"]``
(``"penalize"``). MaskablePPO never samples a masked action.

Full-information feedback (with ``counterfactual=True``, off by default): after a play step,
``infos[i]["counterfactual"]`` holds, for each action of sub-env i, the reward it would have earned against the other
agent's realised action (``R1[:, b]`` for player_0, ``R2[a, :]`` for player_1, at the play actions ``1 + M + k``; 0
at pass, refine and absent actions): what an agent that knows its own payoffs and sees the other's move can compute.
MMD-PPO's ``full_information`` option learns from it (``agents.learning.full_information``; training turns the flag
on for it); other learners ignore it.

Seeding: ``seed(s)`` (or ``RefineMatrixVecEnv(..., seed=s)``) then ``reset()`` seeds copy c with ``s + c``; its
episodes then equal those of ``refine_matrix_v0.parallel_env(**config)`` after ``reset(seed=s + c)`` followed by
plain ``reset()`` calls, step for step, given the same actions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.envs.refine_matrix.config import make_config
from vvl_env.envs.refine_matrix.core import MatrixCore
from vvl_env.envs.refine_matrix.layout import PHASES, PLAY
from vvl_env.envs.vec_base import TwoAgentVecEnv, check_num_envs


class RefineMatrixVecEnv(TwoAgentVecEnv):
    """``num_envs // 2`` copies of ``refine_matrix_v0``, two sub-envs (agents) each.

    Parameters
    ----------
    num_envs : int, even, >= 2
        Sub-envs (SB3's ``num_envs``): twice the number of copies.
    seed : int, optional
        Base seed for the first ``reset()`` (copy c gets ``seed + c``).
    counterfactual : bool
        Report the full-information feedback of each play step in the infos (module docstring).
    **config
        The configuration of ``refine_matrix_v0`` (``render_mode`` is not supported here).
    """

    def __init__(self, num_envs: int, seed: int | None = None, counterfactual: bool = False, **config: Any) -> None:
        num_envs = check_num_envs(num_envs)
        if config.get("render_mode") is not None:
            raise ValueError(f"render_mode: must be None for the vector env, got {config['render_mode']!r}")
        cfg = make_config(**config)
        super().__init__(num_envs, seed, MatrixCore(cfg, num_envs // 2, agent_id=True), cfg, PHASES)
        self.counterfactual = bool(counterfactual)

    def true_games(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """``(R1, R2, in_play)``: every copy's current true game, (num_copies, M, M) each with rows player_0's
        actions and 0 beyond the actions that exist (``action_masks()`` says which), and whether the copy is in the
        play phase. What a full-information learner knows at the play step (the payoffs are public in
        ``visibility = "public"``; ``agents.learning.exploitability_descent`` reads them)."""
        W = self._core.W[:, 0]
        return W[:, 0].copy(), W[:, 1].copy(), self._core.phase == PLAY

    def _before_step(self) -> npt.NDArray[np.bool_] | None:
        return self._core.phase == PLAY if self.counterfactual else None

    def _step_infos(self, infos: list[dict[str, Any]], before: npt.NDArray[np.bool_], ok: bool) -> None:
        """``infos[i]["counterfactual"]`` (module docstring) of both sub-envs of each copy that played."""
        if before is None:
            return
        core = self._core
        copies = np.flatnonzero(before if ok else before & ~core.invalid.any(axis=1))
        if not copies.size:
            return
        cf = np.zeros((copies.size, 2, core.A), dtype=np.float32)
        cf[:, :, 1 + core.M:] = core.counterfactual(copies)
        for c, rows in zip(copies.tolist(), cf):
            infos[2 * c]["counterfactual"], infos[2 * c + 1]["counterfactual"] = rows[0], rows[1]
