"""The Bayes-optimal agent of RefineOrAct (model.md §1), acting on its own belief.

Observation (see :class:`vvl_env.envs.refine_or_act.RefineOrAct`): ``[0, M)`` option values, ``[M, 2M)`` existence,
``2M`` budget left, ``2M + 1`` the cost c of the next refinement, and the agent's belief (model.md §4): ``2M + 2``
sigma_own, ``2M + 3`` the mean of q, ``2M + 4`` the bias (0 unless the belief violates the RRP).
Actions: ``k < M`` refines option k, ``M + k`` acts on option k.

Refine rules (``mode``):

* ``"myopic"``: refine the option with the largest one-step gain ``V1 - V0`` iff that gain exceeds the observed c
  (:func:`vvl_env.solve.sequential.myopic_refinement`: exact one-step gains where a closed form exists, else its
  discretised outcome law with the stated halving error);
* ``"optimal"``: the Bellman-optimal action for the remaining budget
  (:func:`vvl_env.solve.sequential.optimal_refinement`: backward induction over refinement outcomes, within its
  ``error_bound``), with the observed c as the current cost and later costs from ``cost_law`` (default: every later
  refinement costs c too). The lookahead covers ``min(budget, max_lookahead)`` refinements (default 3; the
  solver's work grows like ``prod_b (N_b J_b)``), cut further if the solver refuses it (its work cap): beyond that
  it is a rolling horizon, and ``truncated`` records that it happened (a biased belief is handled like any other);
* ``"never"`` / ``"always"``: never refine; refine the best option while the mask allows.

Play: act on the option of largest value (the single agent's "equilibrium"; ties: the first).
The belief is the ``model`` passed in, else the observation's belief parameters read as a normal-gap law with fixed
q = the observed mean, the observed bias, and the pointwise RRP form (the observation carries no more than that).
The agent acts on its belief, right or wrong: believing sigma_own = 0 it never refines at a positive cost; believing
bias > 0 it expects refinement to raise the option's value and refines where the truth's gain is below the cost.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from agents.analytic._common import LRUCache, array_key, draw, point_mass
from vvl_env.model.cost import parse_cost
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.sequential import DiscreteCost, SequentialValue, myopic_refinement, optimal_refinement

FloatArray = npt.NDArray[np.float64]
Mode = Literal["myopic", "optimal", "never", "always"]
MODES: tuple[str, ...] = ("myopic", "optimal", "never", "always")


def parse_observation(observation: npt.ArrayLike) -> dict[str, Any]:
    """Split a RefineOrAct observation into ``values`` (existing options), ``budget``, ``cost`` and the belief
    ``sigma``, ``q``, ``bias``."""
    obs = np.asarray(observation, dtype=np.float64)
    M = (obs.size - 5) // 2
    exists = obs[M:2 * M] > 0.5
    return {"M": M, "values": obs[:M][exists], "budget": int(round(obs[2 * M])), "cost": float(obs[2 * M + 1]),
            "sigma": float(obs[2 * M + 2]), "q": float(obs[2 * M + 3]), "bias": float(obs[2 * M + 4])}


def cost_law_of(cost: Any, cells: int = 16) -> float | DiscreteCost:
    """A RefineOrAct ``cost`` argument (:func:`vvl_env.model.cost.parse_cost`) as the sequential solver's cost: a
    number for a fixed cost, else ``cells`` equal-probability cells of the law, each at its conditional mean (so the
    discrete law's mean is the law's, exactly). Uniform on [low, high]: the cells' midpoints. Exponential with mean
    s: cell j spans the quantiles ``a = -s log(1 - j / cells)`` to ``b``, and its conditional mean is
    ``s + (a e^(-a/s) - b e^(-b/s)) / (e^(-a/s) - e^(-b/s))`` (``a + s`` for the last, unbounded cell)."""
    law = parse_cost("cost", cost)
    if law.law == "fixed" or law.upper == law.mean or law.mean == 0.0:   # a fixed cost or a law of one value
        return float(law.mean)
    if law.law == "uniform":
        edges = np.linspace(law.low, law.high, cells + 1)
        return DiscreteCost(0.5 * (edges[:-1] + edges[1:]), np.full(cells, 1.0 / cells))
    s, tail = law.scale, np.arange(cells + 1) / cells            # survival probabilities 1, ..., 1/cells, 0
    surv = 1.0 - tail
    a = -s * np.log(surv[:-1])
    b_times_surv = np.append(-s * np.log(surv[1:-1]) * surv[1:-1], 0.0)   # b e^(-b/s), 0 at b = inf
    means = s + (a * surv[:-1] - b_times_surv) * cells               # e^(-a/s) - e^(-b/s) = 1 / cells
    return DiscreteCost(means, np.full(cells, 1.0 / cells))


class RefineOrActAgent:
    """Refine by a Bayes rule under the agent's own belief, then act on the best option (module docstring).

    Parameters
    ----------
    mode : "myopic", "optimal", "never" or "always"
    model : PerturbationModel, optional
        The agent's belief about refinements; default: read from the observation.
    cost_law : float or DiscreteCost, optional
        The law of later refinement costs for ``"optimal"`` (see :func:`cost_law_of`); default: the observed cost.
    max_lookahead : int
        Largest budget handed to the solver (a rolling horizon beyond it).
    name : str, optional
    """

    def __init__(self, mode: Mode = "myopic", *, model: PerturbationModel | None = None,
                 cost_law: float | DiscreteCost | None = None, max_lookahead: int = 3,
                 name: str | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode: must be one of {MODES}, got {mode!r}")
        if model is not None and not isinstance(model, PerturbationModel):
            raise ValueError(f"model: must be a PerturbationModel or None, got {model!r}")
        if isinstance(max_lookahead, bool) or not isinstance(max_lookahead, int) or max_lookahead < 1:
            raise ValueError(f"max_lookahead: must be an integer >= 1, got {max_lookahead!r}")
        self.mode, self.model, self.cost_law, self.max_lookahead = mode, model, cost_law, max_lookahead
        self.name = name or f"refine_or_act/{mode}"
        self.truncated = False
        self._cache = LRUCache()

    def belief(self, parsed: dict[str, Any]) -> PerturbationModel:
        """The law the agent reasons with: its own ``model``, or the observation's parameters."""
        if self.model is not None:
            return self.model
        return PerturbationModel(sigma_own=max(parsed["sigma"], 0.0), q=min(max(parsed["q"], 1e-6), 1 - 1e-6),
                                 bias=parsed["bias"])

    def record(self, observation: npt.ArrayLike) -> SequentialValue | None:
        """The solver's record behind the decision (None for "never"/"always" or without budget); cached."""
        p = parse_observation(observation)
        if self.mode in ("never", "always") or p["budget"] <= 0:
            return None
        model, values, c = self.belief(p), p["values"], p["cost"]
        if self.mode == "myopic":
            return self._cache.get(("myopic", model, c) + array_key(values),
                                   lambda: myopic_refinement(values, model, cost=c))
        key = ("optimal", model, p["budget"], c) + array_key(values)
        return self._cache.get(key, lambda: self._optimal(values, model, c, p["budget"]))

    def _optimal(self, values: FloatArray, model: PerturbationModel, cost: float, budget: int) -> SequentialValue:
        law = cost if self.cost_law is None else self.cost_law
        if budget > self.max_lookahead:
            self.truncated = True
        for b in range(min(budget, self.max_lookahead), 0, -1):
            try:
                return optimal_refinement(values, model, cost=law, budget=b, current_cost=cost)
            except ValueError as exc:
                if "budget" not in str(exc) or b == 1:
                    raise
                self.truncated = True
        raise AssertionError("unreachable")  # pragma: no cover

    def refine_choice(self, observation: npt.ArrayLike) -> int | None:
        """The option to refine (None: act now) under the agent's rule, ignoring the mask."""
        if self.mode == "always":
            p = parse_observation(observation)
            return int(np.argmax(p["values"])) if p["budget"] > 0 else None
        record = self.record(observation)
        return None if record is None or record.best_action is None else int(record.best_action)

    def action_probabilities(self, observation: Any, action_mask: npt.ArrayLike) -> FloatArray:
        mask = np.asarray(action_mask) > 0
        M = (mask.size) // 2
        k = self.refine_choice(observation)
        if k is not None and k < M and mask[k]:
            return point_mass(k, mask.size)
        values = parse_observation(observation)["values"]
        return point_mass(M + int(np.argmax(values)), mask.size)

    def act(self, observation: Any, action_mask: npt.ArrayLike, *, rng: np.random.Generator) -> int:
        return draw(self.action_probabilities(observation, action_mask), rng)
