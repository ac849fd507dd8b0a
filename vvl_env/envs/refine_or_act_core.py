"""``RefineOrActCore``: the batched numpy episode logic of many RefineOrAct copies, for the vector env
(:mod:`vvl_env.envs.refine_or_act_vector`) and batched evaluation (``agents.rollout``).

Copy c is the same episode stream as ``RefineOrAct(**config)`` after ``reset(seed=s)`` (then plain ``reset()``
calls), step for step, given the same actions: each copy owns a Generator seeded like Gymnasium's ``np_random`` and
draws from it in the single env's order (the cost at reset; at a refinement the perturbation outcome, then the next
cost). Only these draws loop over copies (the refining ones); values, masks, rewards and observations are arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from vvl_env.envs.actions import illegal_action
from vvl_env.envs.refine_or_act import RefineOrAct


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

    def step(self, actions: npt.NDArray[np.int64], rows: npt.NDArray[np.int64] | None = None,
             ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Apply ``actions[t]`` (integers in ``[0, 2M)``) to copy ``rows[t]`` (default: all copies); returns rewards,
        done and whether the action was masked, per row. A masked action raises under ``invalid_action="raise"``
        (nothing applied) and otherwise ends the episode with ``-invalid_action_penalty``, as in RefineOrAct."""
        M, env = self.M, self.env
        rows = np.arange(self.B) if rows is None else np.asarray(rows)
        masks = self.masks()[rows]
        legal = masks[np.arange(rows.size), actions]
        invalid = ~legal
        if invalid.any() and env.invalid_action == "raise":
            t = int(np.flatnonzero(invalid)[0])
            c = int(rows[t])
            raise illegal_action(f"copy {c}", int(actions[t]), f"with {self.budget_left[c]} refinements left and "
                                 f"{self.n[c]} of {M} options (refine k < {M}, act {M} + k)", masks[t])
        acting = legal & (actions >= M)
        refining = legal & (actions < M)
        rew = np.where(invalid, -env.invalid_action_penalty, 0.0)
        rew[acting] = self.values[rows[acting], actions[acting] - M]
        if refining.any():
            rew[refining] = -self.cost[rows[refining]]
            self._refine(rows[refining], actions[refining])
        self.done[rows] |= invalid | acting
        return rew, self.done[rows], invalid

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
