"""``RefineOrActCore``: the numpy episode logic of B RefineOrAct copies, the one copy of these dynamics: the single
env (:class:`~vvl_env.envs.RefineOrAct`, B = 1), the vector env (:mod:`vvl_env.envs.refine_or_act_vector`) and
batched evaluation (``agents.rollout``) all step it.

Copy c is the same episode stream as ``RefineOrAct(**config)`` after ``reset(seed=s)`` (then plain ``reset()``
calls), step for step, given the same actions: each copy owns a Generator seeded like Gymnasium's ``np_random`` and
draws from it in this order: the cost at reset; at a refinement the perturbation outcome, then the next cost. Only
these draws (and the value shift of a refined row) loop over copies (the refining ones); masks, rewards and
observations are arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from vvl_env.envs.actions import illegal_action
from vvl_env.model.cost import CostLaw
from vvl_env.model.decision import DecisionProblem
from vvl_env.model.perturbation import PerturbationModel


class RefineOrActConfig(Protocol):
    """What the core reads (``RefineOrAct`` has these attributes, validated in its constructor)."""

    coarse: DecisionProblem
    perturbation: PerturbationModel
    belief: PerturbationModel
    cost_law: CostLaw
    budget: int
    max_options: int
    invalid_action: str
    invalid_action_penalty: float


class RefineOrActCore:
    """B copies of the RefineOrAct episode: state arrays and the dynamics.

    State: ``values`` (B, M) (padding entries stay 0), ``n`` options, ``budget_left``, ``cost`` (of the next
    refinement), ``costs_paid``, ``done`` (True before the first reset); ``rngs[c]`` the Generator of copy c. The
    observations ``obs`` (B, 2M + 5) and legal actions ``mask`` (B, 2M) are kept up to date with the state, row by
    row as copies change, so that a step costs a few array operations whatever B (read them through
    :meth:`observations` and :meth:`masks`, which copy).

    Parameters
    ----------
    config : RefineOrActConfig
        A validated configuration, e.g. a ``RefineOrAct`` (the core trusts it, and copies what it needs rather than
        keeping a reference: no env <-> core cycle).
    num_copies : int
        B.
    agent : str, optional
        The name of every copy in errors (the single env's "agent"); default "sub-env c" for copy c.
    """

    def __init__(self, config: RefineOrActConfig, num_copies: int, agent: str | None = None) -> None:
        B, M, n0 = int(num_copies), config.max_options, config.coarse.n_options
        self.B, self.M, self.agent = B, M, agent
        self.n0, self.budget, self.cost_law, self.perturbation = n0, config.budget, config.cost_law, config.perturbation
        self.invalid_action, self.penalty = config.invalid_action, config.invalid_action_penalty
        self._values0 = np.zeros(M)
        self._values0[:n0] = config.coarse.values
        self.values = np.tile(self._values0, (B, 1))
        self.n = np.full(B, n0, dtype=np.int64)
        self.budget_left = np.full(B, config.budget, dtype=np.int64)
        self.cost = np.full(B, config.cost_law.mean)
        self.costs_paid = np.zeros(B)
        self.done = np.ones(B, dtype=bool)                                        # no episode before reset()
        self.rngs: list[np.random.Generator] = [np.random.default_rng() for _ in range(B)]
        b = config.belief
        self._obs0 = np.zeros(2 * M + 5, dtype=np.float32)                        # at reset, but the cost
        self._obs0[:M], self._obs0[M:M + n0] = self._values0, 1.0
        self._obs0[2 * M:2 * M + 2] = config.budget, config.cost_law.mean
        self._obs0[2 * M + 2:] = b.sigma_own, b.q_mean, b.bias
        self._mask0 = np.zeros(2 * M, dtype=bool)
        self._mask0[:n0] = config.budget > 0 and n0 < M
        self._mask0[M:M + n0] = True
        self.obs = np.tile(self._obs0, (B, 1))
        self.mask = np.zeros((B, 2 * M), dtype=bool)
        self._all = np.arange(B)

    def reset(self, idx: npt.NDArray[np.int64], seeds: Sequence[int | None] | None = None) -> None:
        """New episodes in copies ``idx``; ``seeds[t]`` (not None) reseeds copy ``idx[t]`` as ``reset(seed=)``."""
        for t, c in enumerate(idx.tolist()):
            if seeds is not None and seeds[t] is not None:
                self.rngs[c] = np.random.default_rng(seeds[t])
            self.cost[c] = self.cost_law.sample(rng=self.rngs[c], size=1)[0]
        self.values[idx], self.obs[idx], self.mask[idx] = self._values0, self._obs0, self._mask0
        self.obs[idx, 2 * self.M + 1] = self.cost[idx]
        self.n[idx], self.budget_left[idx] = self.n0, self.budget
        self.costs_paid[idx], self.done[idx] = 0.0, False

    def masks(self) -> npt.NDArray[np.bool_]:
        """Legal actions (B, 2M): refine k < n while budget and room remain; act on k < n; none once done."""
        return self.mask.copy()

    def observations(self) -> npt.NDArray[np.float32]:
        """Observations (B, 2M + 5) in RefineOrAct's layout: values (0 for padding), option exists, budget left,
        next cost, belief (sigma_own, mean q, bias)."""
        return self.obs.copy()

    def step(self, actions: npt.NDArray[np.int64], rows: npt.NDArray[np.int64] | None = None,
             ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Apply ``actions[t]`` (integers in ``[0, 2M)``) to copy ``rows[t]`` (default: all copies); returns rewards,
        done and whether the action was masked, per row.

        Refining option k pays ``-c`` (c the cost drawn before; ``0.0 - c``, never -0.0), acting on k pays its value
        and ends the episode. A masked action raises ``ValueError`` under ``invalid_action="raise"`` (nothing
        applied) and otherwise ends the episode with ``-invalid_action_penalty``."""
        M = self.M
        rows = self._all if rows is None else np.asarray(rows)
        legal = self.mask[rows, actions]
        rew = np.zeros(rows.size)
        if np.count_nonzero(legal) < rows.size:                                 # (count_nonzero: cheaper than all)
            invalid = ~legal
            t = int(np.flatnonzero(invalid)[0])
            if self.invalid_action == "raise":
                c = int(rows[t])
                raise illegal_action(self.agent or f"sub-env {c}", int(actions[t]), f"with {self.budget_left[c]} "
                                     f"refinements left and {self.n[c]} of {M} options (refine k < {M}, act "
                                     f"{M} + k)", self.mask[c])
            rew[invalid] = 0.0 - self.penalty
            self._end(rows[invalid])
        acting = legal & (actions >= M)
        if np.count_nonzero(acting):
            S = rows[acting]
            rew[acting] = self.values[S, actions[acting] - M]
            self._end(S)
        refining = legal ^ acting
        if np.count_nonzero(refining):
            S = rows[refining]
            rew[refining] = 0.0 - self.cost[S]
            self._refine(S, actions[refining])
        return rew, self.done[rows], ~legal

    def _end(self, S: npt.NDArray[np.int64]) -> None:
        self.done[S], self.mask[S] = True, False

    def _refine(self, S: npt.NDArray[np.int64], k: npt.NDArray[np.int64]) -> None:
        """Copies S refine option k: variants ``U + own1``, ``U + own2`` at k, k + 1; the options after k shift
        right by one; then the next cost is drawn."""
        M, values, obs, mask = self.M, self.values, self.obs, self.mask
        self.costs_paid[S] += self.cost[S]
        self.n[S] += 1
        self.budget_left[S] -= 1
        for c, j, n, b in zip(S.tolist(), k.tolist(), self.n[S].tolist(), self.budget_left[S].tolist()):
            out = self.perturbation.sample(rng=self.rngs[c])
            row, u = values[c], float(values[c, j])
            row[j + 2:n] = row[j + 1:n - 1]
            row[j], row[j + 1] = u + float(np.ravel(out.own1)[0]), u + float(np.ravel(out.own2)[0])
            self.cost[c] = cost = self.cost_law.sample(rng=self.rngs[c], size=1)[0]
            obs[c, j:n] = row[j:n]
            obs[c, M + n - 1], obs[c, 2 * M], obs[c, 2 * M + 1] = 1.0, b, cost
            mask[c, M + n - 1] = True
            mask[c, :n] = b > 0 and n < M
