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

Full-information feedback: after a play step, ``infos[i]["counterfactual"]`` holds, for each action of sub-env i,
the reward it would have earned against the other agent's realised action (``R1[:, b]`` for player_0, ``R2[a, :]``
for player_1, at the play actions ``1 + M + k``; 0 at pass, refine and absent actions): what an agent that knows its
own payoffs and sees the other's move can compute. MMD-PPO's ``full_information`` option learns from it
(``agents.learning.full_information``); other learners ignore it.

Seeding: ``seed(s)`` (or ``RefineMatrixVecEnv(..., seed=s)``) then ``reset()`` seeds copy c with ``s + c``; its
episodes then equal those of ``refine_matrix_v0.parallel_env(**config)`` after ``reset(seed=s + c)`` followed by
plain ``reset()`` calls, step for step, given the same actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from gymnasium import spaces
from stable_baselines3.common.vec_env.base_vec_env import VecEnvObs, VecEnvStepReturn

from vvl_env.envs.actions import check_batch, episode_error, illegal_action
from vvl_env.envs.refine_matrix.config import make_config
from vvl_env.envs.refine_matrix.core import MatrixCore
from vvl_env.envs.refine_matrix.layout import PHASES, PLAY
from vvl_env.envs.vec_base import ArrayVecEnv


class RefineMatrixVecEnv(ArrayVecEnv):
    """``num_envs // 2`` copies of ``refine_matrix_v0``, two sub-envs (agents) each.

    Parameters
    ----------
    num_envs : int, even, >= 2
        Sub-envs (SB3's ``num_envs``): twice the number of copies.
    seed : int, optional
        Base seed for the first ``reset()`` (copy c gets ``seed + c``).
    **config
        The configuration of ``refine_matrix_v0`` (``render_mode`` is not supported here).
    """

    def __init__(self, num_envs: int, seed: int | None = None, **config: Any) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 2 \
                or num_envs % 2:
            raise ValueError(f"num_envs: must be an even integer >= 2 (two agents per copy), got {num_envs!r}")
        if config.get("render_mode") is not None:
            raise ValueError(f"render_mode: must be None for the vector env, got {config['render_mode']!r}")
        self.config = make_config(**config)
        self.num_copies = int(num_envs) // 2
        self.render_mode = None
        self._core = MatrixCore(self.config, self.num_copies, agent_id=True)
        L, A = self._core.layout.size, self._core.A
        super().__init__(int(num_envs), spaces.Box(-np.inf, np.inf, (L,), np.float32), spaces.Discrete(A))
        self._copy_seeds: list[int | None] | None = None
        if seed is not None:
            self.seed(seed)
        self._actions = np.zeros((self.num_copies, 2), dtype=np.int64)
        self._started = False

    # --- VecEnv core ----------------------------------------------------------------------------------------

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Seed copy c with ``seed + c`` at the next ``reset()``; returns the seed of every sub-env."""
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        self._copy_seeds = [int(seed) + c for c in range(self.num_copies)]
        return [s for s in self._copy_seeds for _ in (0, 1)]

    def reset(self) -> VecEnvObs:
        self._started = True
        self._core.reset(slice(None), self._copy_seeds)
        self._copy_seeds = None
        self._reset_seeds()
        self._reset_options()
        return self._core.obs.reshape(self.num_envs, -1).copy()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = check_batch(actions, self.num_envs, self._core.A).reshape(self.num_copies, 2)

    def step_wait(self) -> VecEnvStepReturn:
        if not self._started:
            raise episode_error(False)
        core = self._core
        legal = core.legal(self._actions)
        ok = legal.all()
        if not ok and self.config.invalid_action == "raise":
            c, p = (int(i) for i in np.argwhere(~legal)[0])
            raise illegal_action(f"sub-env {2 * c + p}", int(self._actions[c, p]),
                                 f"in the {PHASES[core.phase[c]]} phase", core.mask[c, p])
        played = core.phase == PLAY
        rew, done = core.step(self._actions, None if ok else legal)
        n = self.num_envs
        infos: list[dict[str, Any]] = [{} for _ in range(n)]
        if not ok:
            played &= ~core.invalid.any(axis=1)
        self._write_counterfactual(infos, np.flatnonzero(played))
        ended = done.nonzero()[0]
        if ended.size:
            last = list(core.obs[ended].reshape(-1, core.layout.size))
            for i, row in zip(np.stack([2 * ended, 2 * ended + 1], axis=1).ravel().tolist(), last):
                infos[i]["terminal_observation"] = row
            if not ok:
                for i in np.flatnonzero(core.invalid.reshape(n)).tolist():
                    infos[i]["invalid_action"] = True
            core.reset(ended)
        obs = core.obs.reshape(n, -1).copy()
        return obs, rew.reshape(n).astype(np.float32), np.repeat(done, 2), infos

    def _write_counterfactual(self, infos: list[dict[str, Any]], copies: npt.NDArray[np.int64]) -> None:
        """``infos[i]["counterfactual"]`` (module docstring) of both sub-envs of each copy that played."""
        if not copies.size:
            return
        M = self._core.M
        cf = np.zeros((copies.size, 2, self._core.A), dtype=np.float32)
        cf[:, :, 1 + M:] = self._core.counterfactual(copies)
        for c, rows in zip(copies.tolist(), cf):
            infos[2 * c]["counterfactual"], infos[2 * c + 1]["counterfactual"] = rows[0], rows[1]

    def action_masks(self) -> npt.NDArray[np.bool_]:
        """Legal actions of every sub-env, shape (num_envs, 1 + 2M)."""
        return self._core.mask.reshape(self.num_envs, -1).astype(bool)
