"""Result 2 (model.md §1): costs and stopping — net gain against c, myopic against optimal stopping with a budget,
and a stochastic cost (the paper's open question 1)."""

from __future__ import annotations

import numpy as np

from vvl_env.model import DecisionProblem, PerturbationModel
from vvl_env.paper.records import Check, Curve, Size, StudyResult
from vvl_env.solve import value_of_refinement
from vvl_env.solve.sequential import DiscreteCost, policy_value

VALUES = [0.0, 0.2]  # refine option A (value 0) with a best alternative 0.2 above
NORMAL = PerturbationModel(1.0)
# expectation-form RRP with a two-point gap: a second refinement can pay when the first does not (model.md §1)
TWO_POINT = PerturbationModel(1.0, rrp="expectation", gap_law="rademacher")


def _exact(curve_label: str, panel: str, xs: list[float], ys: list[float], method: str, x_label: str) -> Curve:
    return Curve(panel, curve_label, tuple(xs), tuple(ys), tuple(ys), tuple(ys), method, x_label=x_label,
                 y_label="expected payoff net of costs")


def _threshold(problem: DecisionProblem, steps: int = 40) -> tuple[float, float]:
    """The cost where the budget-1 policy of the sequential solver stops refining, by bisection on c, and the
    tolerance: the solver's error bound (as a value error, it moves c* by at most that much, the slope of the net
    value in c being -1) plus the final bracket."""
    lo, hi, bound = 0.0, 1.0, 0.0
    for _ in range(steps):
        mid = (lo + hi) / 2
        v = policy_value(VALUES, NORMAL, cost=mid, budget=1, policy="optimal")
        bound = max(bound, v.error_bound)
        lo, hi = (mid, hi) if v.value - max(VALUES) > v.error_bound else (lo, mid)
    return (lo + hi) / 2, bound + (hi - lo) + 1e-12


def study(size: Size = "full", seed: int = 0) -> StudyResult:
    """Net value of refining against the cost c, by policy and budget; the threshold c*; a stochastic cost."""
    points = 7 if size == "tiny" else 25
    budgets = (1, 2) if size == "tiny" else (1, 2, 3)
    problem = DecisionProblem(VALUES)
    curves, checks, tables = [], [], []
    gain = value_of_refinement(problem, 0, NORMAL).gain.mean
    cs = list(np.linspace(0.0, 0.5, points))
    curves.append(_exact("one refinement: gain - c (it pays iff > 0)", "net gain of one refinement",
                         cs, [gain - c for c in cs], "closed form", "cost c"))
    c_star, bound = _threshold(problem)
    best_gain = max(value_of_refinement(problem, k, NORMAL).gain.mean for k in range(len(VALUES)))
    checks.append(Check("threshold c* where the backward-induction policy stops refining (budget 1) vs the "
                        "closed-form gain of the best option to refine", c_star, best_gain, bound, "refine once iff V1 - V0 > c (model.md §1); the "
                        "closed form against the sequential solver's discretised law (its error bound + bisection)"))
    for law_name, law in [("normal gap, pointwise RRP", NORMAL), ("two-point gap, expectation RRP", TWO_POINT)]:
        panel = f"value of a refinement budget against c ({law_name}; values {VALUES})"
        top = max(value_of_refinement(problem, 0, law).gain.mean * 1.6, 0.05)
        grid = list(np.linspace(0.0, top, points))
        for b in budgets:
            res = {pol: [policy_value(VALUES, law, cost=c, budget=b, policy=pol) for c in grid]
                   for pol in ("optimal", "myopic")}
            for pol, vals in res.items():
                curves.append(_exact(f"{pol}, budget {b}", panel, grid, [v.value - max(VALUES) for v in vals],
                                     vals[0].method.split(";")[0], "cost c"))
            err = max(v.error_bound for vals in res.values() for v in vals)
            if b > 1:
                best = max(range(points), key=lambda i: res["optimal"][i].value - res["myopic"][i].value)
                tables.append({"law": law_name, "budget": b, "cost where optimal beats myopic most": float(grid[best]),
                               "optimal": res["optimal"][best].value - max(VALUES),
                               "myopic": res["myopic"][best].value - max(VALUES), "error bound": err})
    # stochastic cost: c uniform on {0, 0.1, ..., 0.4} revealed before each decision, against the fixed mean cost
    law = DiscreteCost(np.linspace(0.0, 0.4, 5), np.full(5, 0.2))
    panel = f"stochastic cost (uniform on 0..0.4, known before each decision) vs its mean 0.2 (values {VALUES})"
    for b in budgets:
        stochastic = [policy_value(VALUES, NORMAL, cost=law, budget=b, current_cost=float(c)) for c in law.values]
        mean_value = float(np.dot(law.probs, [v.value for v in stochastic]))
        fixed = policy_value(VALUES, NORMAL, cost=law.mean, budget=b)
        curves.append(_exact(f"budget {b}: value given the realised first cost", panel, list(law.values),
                             [v.value - max(VALUES) for v in stochastic], "backward induction", "realised cost"))
        tables.append({"budget": b, "expected value, stochastic cost": mean_value - max(VALUES),
                       "value at the fixed mean cost": fixed.value - max(VALUES)})
        checks.append(Check(f"budget {b}: stochastic cost value minus fixed-mean-cost value", mean_value - fixed.value,
                            0.0, fixed.error_bound + 1e-9,
                            "the option to refine only when cheap is worth >= 0 (convexity in c)", ">="))
    return StudyResult("costs", "Costs and stopping: when refining stops paying",
                       f"our model: option values {VALUES}, refining option A (0); normal gaps with pointwise RRP, "
                       "and a two-point gap with expectation RRP where myopic and optimal stopping differ; q = 1/2; "
                       "values net of costs paid; backward induction over discretised outcome laws (error bounds "
                       "stated)", tuple(curves), tuple(checks), tuple(tables))
