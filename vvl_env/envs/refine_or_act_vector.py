"""``RefineOrActVecEnv``: many copies of :class:`~vvl_env.envs.RefineOrAct` stepped at once in numpy, as a
Stable-Baselines3 VecEnv (the single-agent counterpart of ``RefineMatrixVecEnv``).

Copy c is the same episode stream as ``RefineOrAct(**config)`` after ``reset(seed=s + c)`` followed by plain
``reset()`` calls (what SB3's ``DummyVecEnv`` does after ``seed(s)``), step for step, given the same actions: each copy
owns a Generator seeded like Gymnasium's ``np_random`` and draws from it in the single env's order (the cost at reset;
at a refinement the perturbation outcome, then the next cost). Only these draws loop over copies (the refining ones);
values, masks, rewards and observations are arrays over all copies.

The configuration (validation, spaces, the laws) is ``RefineOrAct``'s own: the constructor builds one RefineOrAct and
reads it. Infos are small (``terminal_observation`` at an episode's end, ``invalid_action`` when a masked action was
taken), not the single env's dict with the decision problem, which SB3 would deep-copy at every step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.envs.refine_or_act import RefineOrAct
from vvl_env.envs.vec_base import ArrayVecEnv


class RefineOrActCore:
    """B copies of the RefineOrAct episode: state arrays and the batched dynamics.

    State: ``values`` (B, M) (padding 0), ``n`` options, ``budget_left``, ``cost`` (of the next refinement),
    ``costs_paid``, ``done``; ``rngs[c]`` the Generator of copy c.
    """

    def __init__(self, env: RefineOrAct, num_copies: int) -> None:
        self.env, B, M = env, int(num_copies), env.max_options
        self.B, self.M = B, M
        n0 = env.coarse.n_options
        self._values0 = np.zeros(M)
        self._values0[:n0] = env.coarse.values
        self.values = np.tile(self._values0, (B, 1))
        self.n = np.full(B, n0, dtype=np.int64)
        self.budget_left = np.full(B, env.budget, dtype=np.int64)
        self.cost = np.full(B, env.cost_law.mean)
        self.costs_paid = np.zeros(B)
        self.done = np.zeros(B, dtype=bool)
        self.rngs: list[np.random.Generator] = [np.random.default_rng() for _ in range(B)]
        self._cols = np.arange(M)
        self._obs0 = np.zeros(2 * M + 5, dtype=np.float32)
        self._obs0[2 * M + 2:] = env._belief

    def reset(self, idx: npt.NDArray[np.int64], seeds: Sequence[int | None] | None = None) -> None:
        """New episodes in copies ``idx``; ``seeds[t]`` (not None) reseeds copy ``idx[t]`` as ``reset(seed=)``."""
        for t, c in enumerate(idx.tolist()):
            if seeds is not None and seeds[t] is not None:
                self.rngs[c] = np.random.default_rng(seeds[t])
            self.cost[c] = self.env.cost_law.sample(rng=self.rngs[c], size=1)[0]
        self.values[idx] = self._values0
        self.n[idx], self.budget_left[idx] = self.env.coarse.n_options, self.env.budget
        self.costs_paid[idx], self.done[idx] = 0.0, False

    def masks(self) -> npt.NDArray[np.bool_]:
        """Legal actions (B, 2M): refine k < n while budget and room remain; act on k < n; none once done."""
        exists = (self._cols[None, :] < self.n[:, None]) & ~self.done[:, None]
        can_refine = (self.budget_left > 0) & (self.n < self.M)
        return np.concatenate([exists & can_refine[:, None], exists], axis=1)

    def step(self, actions: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_],
                                                             npt.NDArray[np.bool_]]:
        """Apply one action per copy; returns rewards, done and whether the action was masked (all (B,))."""
        M, rows = self.M, np.arange(self.B)
        legal = self.masks()[rows, actions]
        invalid = ~legal
        acting = legal & (actions >= M)
        refining = np.flatnonzero(legal & (actions < M))
        rew = np.where(invalid, -self.env.invalid_penalty, 0.0)
        rew[acting] = self.values[acting, actions[acting] - M]
        if refining.size:
            rew[refining] = -self.cost[refining]
            self._refine(refining, actions[refining])
        self.done |= invalid | acting
        return rew, self.done.copy(), invalid

    def _refine(self, S: npt.NDArray[np.int64], k: npt.NDArray[np.int64]) -> None:
        """Copies S refine option k: variants ``U + own1``, ``U + own2`` at k, k + 1; the rest shift right."""
        env = self.env
        self.costs_paid[S] += self.cost[S]
        own = np.empty((S.size, 2))
        for t, c in enumerate(S.tolist()):
            out = env.perturbation.sample(rng=self.rngs[c])
            own[t] = float(np.ravel(out.own1)[0]), float(np.ravel(out.own2)[0])
            self.cost[c] = env.cost_law.sample(rng=self.rngs[c], size=1)[0]
        u = self.values[S, k]
        src = np.where(self._cols[None, :] > k[:, None], self._cols[None, :] - 1, self._cols[None, :])
        shifted = np.take_along_axis(self.values[S], src, axis=1)
        shifted[np.arange(S.size), k] = u + own[:, 0]
        shifted[np.arange(S.size), k + 1] = u + own[:, 1]
        self.values[S] = shifted
        self.n[S] += 1
        self.budget_left[S] -= 1

    def observations(self) -> npt.NDArray[np.float32]:
        """Observations (B, 2M + 5) in RefineOrAct's layout."""
        M = self.M
        obs = np.tile(self._obs0, (self.B, 1))
        exists = self._cols[None, :] < self.n[:, None]
        obs[:, :M] = np.where(exists, self.values, 0.0)
        obs[:, M:2 * M] = exists
        obs[:, 2 * M], obs[:, 2 * M + 1] = self.budget_left, self.cost
        return obs


class RefineOrActVecEnv(ArrayVecEnv):
    """``num_envs`` copies of ``RefineOrAct(**config)`` as one SB3 VecEnv (auto-reset; masks from
    ``action_masks()``, sb3-contrib's convention).

    Parameters
    ----------
    num_envs : int >= 1
    seed : int, optional
        Base seed for the first ``reset()`` (copy c gets ``seed + c``).
    **config
        RefineOrAct's keyword arguments (``render_mode`` not supported).
    """

    def __init__(self, num_envs: int, seed: int | None = None, **config: Any) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs: must be an integer >= 1, got {num_envs!r}")
        if config.get("render_mode") is not None:
            raise ValueError(f"render_mode: must be None for the vector env, got {config['render_mode']!r}")
        env = RefineOrAct(**config)
        self.render_mode = None
        super().__init__(int(num_envs), env.observation_space, env.action_space)
        self._core = RefineOrActCore(env, self.num_envs)
        self._all = np.arange(self.num_envs)
        self._seeds: list[int | None] | None = None
        self._actions = np.zeros(self.num_envs, dtype=np.int64)
        if seed is not None:
            self.seed(seed)

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Seed copy c with ``seed + c`` at the next ``reset()`` (as ``DummyVecEnv.seed``)."""
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        self._seeds = [int(seed) + c for c in range(self.num_envs)]
        return list(self._seeds)

    def reset(self) -> npt.NDArray[np.float32]:
        self._core.reset(self._all, self._seeds)
        self._seeds = None
        self._reset_seeds()
        self._reset_options()
        return self._core.observations()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        core = self._core
        rew, done, invalid = core.step(self._actions)
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        ended = np.flatnonzero(done)
        if ended.size:
            last = core.observations()[ended]
            for t, c in enumerate(ended.tolist()):
                infos[c]["terminal_observation"] = last[t]
                if invalid[c]:
                    infos[c]["invalid_action"] = True
            core.reset(ended)
        return core.observations(), rew.astype(np.float32), done, infos

    def action_masks(self) -> npt.NDArray[np.bool_]:
        """Legal actions of every copy, shape (num_envs, 2M)."""
        return self._core.masks()
