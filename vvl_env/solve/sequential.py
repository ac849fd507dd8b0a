"""Optimal sequential refinement with a budget, by backward induction (model.md §1).

A decision maker holds option values v (N options), a budget b of refinements and a cost c per refinement. Each step
it stops and takes ``max(v)``, or pays c and refines one option (any option, variants of earlier refinements included),
which is replaced by its two variants. :func:`optimal_refinement` solves the Bellman recursion; :func:`policy_value`
evaluates the optimal policy or the myopic rule re-applied at every step; :func:`myopic_refinement` is the one-step rule;
:func:`refinement_actions` gives either policy's decision for a batch of states (for simulation and agents).

Exactness and size. The outcome law is discretised (see :mod:`vvl_env.solve.sequential_nodes`): conditional means of
equal-probability cells of the gap (and of a Beta q), exact points for the Rademacher gap. The last step (b = 1) uses
the exact one-step gain where it has a closed form (normal gap, both RRP forms, fixed or Beta q; Rademacher with
fixed q). The recursion is vectorised over states (arrays of shape (S, N_t)); its cost grows like
``prod_b (N_t J_b)`` for J_b nodes at level b, so node counts are cut at the most populous (deepest first) levels
until the work fits ``max_work`` (default 2e6: budget <= 4 with N <= 4 answers in about 0.3-0.6 s on one core here;
budget 3 keeps ~250 gap cells per level, budget 4 about 30, or 6-8 per dimension in the expectation form).
Because the value functions are convex in the offsets, the discretised values are lower bounds that rise as cells are
refined; ``error_bound`` is the change when every node count is halved (a conservative estimate of the remaining
error under the observed O(n^-2) convergence; the tests check it against Monte Carlo). Exact laws report a rounding
bound of ``1e-12 (1 + |value|)``. Two limits of that estimate (measured against quadrature and exact enumeration):
it is reliable for ``value`` (within 8e-8 of quadrature in the cases checked) but can understate the error of the
``q_values`` of options other than the best, where halving the cells may leave a piecewise-linear integrand's
estimate unchanged (1e-6 off under a bound of 2e-12, up to 4e-5 under 1e-5); and a cost law enters as the
:class:`DiscreteCost` given, whose own discretisation of a continuous law (16 cells in the analytic agents) is not
in the bound (values up to 5e-3 below the continuous law's at budget 3 with exponential costs, while the policy
loses under 3e-7). Degenerate input: sigma = 0 gives no gain, so any cost > 0 stops (cost 0: stops too,
ties go to stopping).

A consequence worth knowing: under the *pointwise* RRP the best variant offset is >= 0, so the top option's one-step
gain ``E[max(B, -d)] = E[B]`` is the largest any state offers; with a fixed cost the myopic rule is then optimal and
``W(v, b) = max(v) + b max(0, E[B] - c)``. The optimal policy beats the myopic rule under the *expectation* RRP (a
refinement can leave near-tied variants, whose refinement gains more) and under a stochastic cost.

Stochastic cost (the paper's open question). ``cost`` may be a :class:`DiscreteCost`: the realised cost of the current
refinement is known when deciding (``current_cost``) and later costs are i.i.d. from the law, so
``W(v, b, c) = max(max v, max_k E[Wbar(v', b-1)] - c)`` with ``Wbar(v, b) = E_c[W(v, b, c)]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import _show, as_finite_array, check_choice, check_real
from vvl_env.model.decision import DecisionProblem
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.refinement_value import value_of_refinement
from vvl_env.solve.sequential_nodes import FloatArray, gains_closed_form, outcome_nodes
from vvl_env.solve.sequential_recursion import build, last_exact, nodes_exact, root, schedule

Policy = Literal["optimal", "myopic"]


@dataclass(frozen=True, slots=True)
class DiscreteCost:
    """A discrete law of the cost of one refinement: ``values`` (>= 0) with ``probs`` (>= 0, summing to 1)."""

    values: FloatArray
    probs: FloatArray

    def __post_init__(self) -> None:
        values = as_finite_array("cost.values", self.values, ndim=1)
        probs = as_finite_array("cost.probs", self.probs, ndim=1)
        if values.shape != probs.shape:
            raise ValueError(f"cost.probs: must have the shape of cost.values {values.shape}, got {probs.shape}")
        if np.any(values < 0.0):
            raise ValueError(f"cost.values: must all be >= 0, got {_show(values.tolist())}")
        if np.any(probs < 0.0) or abs(probs.sum() - 1.0) > 1e-9:
            raise ValueError(f"cost.probs: must be >= 0 and sum to 1, got {_show(probs.tolist())}")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "probs", probs / probs.sum())

    @property
    def mean(self) -> float:
        return float(self.values @ self.probs)


@dataclass(frozen=True, slots=True)
class SequentialValue:
    """Bellman quantities at the root state (model.md §1).

    Attributes
    ----------
    stop_value : ``max(v)``, the payoff of stopping now.
    q_values : ``Q(v, b, k)`` per option: refine k now (paying the current cost), then follow ``policy``
        (-inf everywhere when the budget is 0).
    value : ``W(v, b)`` under ``policy``.
    best_action : the option ``policy`` refines now, or None to stop.
    error_bound : stated numerical error of ``value`` and ``q_values`` (see the module docstring for its limits).
    method, policy, budget : provenance.
    """

    stop_value: float
    q_values: FloatArray
    value: float
    best_action: int | None
    error_bound: float
    method: str
    policy: str
    budget: int

    @property
    def gain(self) -> float:
        """``value - stop_value``: what the budget is worth, net of costs."""
        return self.value - self.stop_value


def _cost_law(cost: float | DiscreteCost | tuple[npt.ArrayLike, npt.ArrayLike]) -> DiscreteCost:
    if isinstance(cost, DiscreteCost):
        return cost
    if isinstance(cost, tuple) and len(cost) == 2:
        return DiscreteCost(np.asarray(cost[0], dtype=np.float64), np.asarray(cost[1], dtype=np.float64))
    c = check_real("cost", cost, low=0.0)
    return DiscreteCost(np.array([c]), np.array([1.0]))


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name}: must be an integer >= {low}, got {_show(value)}")
    return int(value)


def _prepare(values: npt.ArrayLike, model: PerturbationModel, cost: object, budget: object, policy: str, nodes: object,
             q_nodes: object, max_work: object, current_cost: object, ndim: int
             ) -> tuple[FloatArray, DiscreteCost, int, dict[int, list[int]], float | FloatArray]:
    v = as_finite_array("values" if ndim == 1 else "states", values, ndim=ndim)
    if not isinstance(model, PerturbationModel):
        raise ValueError(f"model: must be a PerturbationModel, got {_show(model)}")
    law = _cost_law(cost)  # type: ignore[arg-type]
    budget = _check_int("budget", budget, 0)
    check_choice("policy", policy, ("optimal", "myopic"))
    nodes, q_nodes = _check_int("nodes", nodes, 2), _check_int("q_nodes", q_nodes, 1)
    max_work = check_real("max_work", max_work, low=1.0)
    if current_cost is None:
        if law.values.size > 1:
            raise ValueError("current_cost: required when cost is a law (the realised cost of this refinement is "
                             "known when deciding; average over the law for an ex-ante value)")
        current: float | FloatArray = float(law.values[0])
    elif ndim == 2 and np.ndim(current_cost) == 1:
        current = as_finite_array("current_cost", current_cost, ndim=1)
        if current.size != v.shape[0] or np.any(current < 0.0):
            raise ValueError(f"current_cost: must be {v.shape[0]} numbers >= 0, got {_show(current_cost)}")
    else:
        current = check_real("current_cost", current_cost, low=0.0)
    n_options = v.shape[-1]
    return v, law, budget, schedule(model, n_options, budget, nodes, q_nodes, float(max_work)), current


def policy_value(values: npt.ArrayLike, model: PerturbationModel, *, cost: float | DiscreteCost, budget: int,
                 policy: Policy = "optimal", nodes: int = 256, q_nodes: int = 16, max_work: float = 2e6,
                 current_cost: float | None = None) -> SequentialValue:
    """Expected final payoff (value taken minus costs paid) of following ``policy`` with ``budget`` refinements.

    Parameters
    ----------
    values : array_like, shape (N,)
        Option values U(X).
    model : PerturbationModel
        The refinement law mu (RRP form, gap law, fixed or Beta q); only the own offsets matter here.
    cost : float >= 0 or DiscreteCost (or a ``(values, probs)`` pair)
        Cost of each refinement, or its law (later costs i.i.d.).
    budget : int >= 0
        Refinements left.
    policy : "optimal" or "myopic"
        The Bellman-optimal policy, or the myopic rule of model.md §1 re-applied at every step while budget lasts
        (refine the option of largest one-step gain iff that gain exceeds the current cost).
    nodes, q_nodes : int
        Gap cells per dimension and Beta-q cells per level before the work cap halves them.
    max_work : float
        Cap on the estimated number of leaf gain evaluations (sets the node schedule).
    current_cost : float, optional
        Realised cost of the refinement decided now (required when ``cost`` is a law; default ``cost``).

    Returns
    -------
    SequentialValue

    Notes
    -----
    Bellman recursion (model.md §1): ``W(v, 0) = max(v)``, ``Q(v, b, k) = E[W(refine(v, k, outcome), b - 1)] - c``,
    ``W(v, b) = max(max v, max_k Q(v, b, k))``; for the myopic policy the max over k and the stop/refine choice are
    replaced by the myopic decision, evaluated exactly by the same recursion.
    """
    v, law, budget, params, current = _prepare(values, model, cost, budget, policy, nodes, q_nodes, max_work,
                                               current_cost, 1)
    cur = np.array([current], dtype=np.float64)
    rec = build(model, params, law.values, law.probs, policy, half=False)
    q, act = root(rec, v[None, :], budget, cur)
    stop = float(v.max())
    k = int(act[0])
    value = stop if k < 0 else float(q[0, k])
    exact = budget == 0 or (last_exact(model) and (budget == 1 or nodes_exact(model)))
    if exact:
        err = 1e-12 * (1.0 + abs(value))
    else:
        qh, acth = root(build(model, params, law.values, law.probs, policy, half=True), v[None, :], budget, cur)
        value_h = stop if acth[0] < 0 else float(qh[0, acth[0]])
        err = float(max(np.max(np.abs(q - qh)), abs(value - value_h))) + 1e-12 * (1.0 + abs(value))
    levels = ", ".join(f"b={b}: {outcome_nodes(model, *params[b]).size}" for b in sorted(params, reverse=True))
    last = "closed-form last step" if gains_closed_form(model) else "node last step"
    method = f"backward induction ({policy}); nodes per level [{levels}]; {last}"
    return SequentialValue(stop, q[0], value, None if k < 0 else k, err, method, policy, budget)


def optimal_refinement(values: npt.ArrayLike, model: PerturbationModel, *, cost: float | DiscreteCost, budget: int,
                       nodes: int = 256, q_nodes: int = 16, max_work: float = 2e6,
                       current_cost: float | None = None) -> SequentialValue:
    """Optimal sequential refinement with ``budget`` refinements: :func:`policy_value` with ``policy="optimal"``.

    Notes
    -----
    ``W(v, 0) = max(v)``; ``Q(v, b, k) = E_mu[W(refine(v, k, outcome), b - 1)] - c``;
    ``W(v, b) = max(max(v), max_k Q(v, b, k))`` (model.md §1). With a cost law the current cost c is known and
    ``W(v, b, c) = max(max v, max_k E[Wbar(v', b - 1)] - c)``, ``Wbar(v, b) = E_c[W(v, b, c)]``. Ties go to stopping.
    """
    return policy_value(values, model, cost=cost, budget=budget, policy="optimal", nodes=nodes, q_nodes=q_nodes,
                        max_work=max_work, current_cost=current_cost)


def myopic_refinement(values: npt.ArrayLike, model: PerturbationModel, *, cost: float | DiscreteCost,
                      current_cost: float | None = None, nodes: int = 256, q_nodes: int = 16) -> SequentialValue:
    """The myopic rule of model.md §1: refine the option of largest one-step gain iff ``V1 - V0 > c``.

    Gains come from :func:`value_of_refinement` (exact forms) where it has one; otherwise (uniform gap, Rademacher
    with Beta q) from the nodes, with the halving error. ``q_values`` are ``max(v) + gain_k - c``.
    """
    v, law, _, params, current = _prepare(values, model, cost, 1, "myopic", nodes, q_nodes, 2e6, current_cost, 1)
    stop = float(v.max())
    if gains_closed_form(model):
        problem = DecisionProblem(v)
        gains = np.array([value_of_refinement(problem, k, model, method="exact").gain.mean for k in range(v.size)])
        err, method = 1e-12 * (1.0 + abs(stop)), "myopic rule; exact one-step gains (value_of_refinement)"
    else:
        gains = build(model, params, law.values, law.probs, "myopic", False).gains(v[None, :])[0]
        half = build(model, params, law.values, law.probs, "myopic", True).gains(v[None, :])[0]
        err, method = float(np.max(np.abs(gains - half))), "myopic rule; one-step gains from nodes"
    q = stop + gains - float(current)
    k = int(gains.argmax())
    go = gains[k] > float(current)
    return SequentialValue(stop, q, float(q[k]) if go else stop, k if go else None, err, method, "myopic", 1)


def refinement_actions(states: npt.ArrayLike, model: PerturbationModel, *, cost: float | DiscreteCost, budget: int,
                       policy: Policy = "optimal", nodes: int = 256, q_nodes: int = 16, max_work: float = 2e6,
                       current_cost: float | npt.ArrayLike | None = None) -> npt.NDArray[np.intp]:
    """The decision of ``policy`` at each of a batch of states of shape (S, N): an option index, or -1 to stop.

    The same recursion as :func:`policy_value`, run once for all S states (for forward simulation and agents).
    ``current_cost`` may give one realised cost per state.
    """
    v, law, budget, params, current = _prepare(states, model, cost, budget, policy, nodes, q_nodes, max_work,
                                               current_cost, 2)
    cur = np.broadcast_to(np.asarray(current, dtype=np.float64), (v.shape[0],))
    return root(build(model, params, law.values, law.probs, policy, half=False), v, budget, cur)[1]
