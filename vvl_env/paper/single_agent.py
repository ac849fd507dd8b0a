"""Result 1 (model.md §1): a single agent gains from refining; exact next to Monte Carlo, both RRP forms."""

from __future__ import annotations

import numpy as np

from vvl_env.model import DecisionProblem, PerturbationModel
from vvl_env.paper.records import Check, Curve, Size, StudyResult
from vvl_env.solve import value_of_refinement


def _curve(panel: str, label: str, xs: list[float], problems: list[DecisionProblem], laws: list[PerturbationModel],
           method: str, rng: np.random.Generator, n: int, x_label: str) -> Curve:
    est = [value_of_refinement(p, 0, law, method=method, rng=rng, n=n).gain for p, law in zip(problems, laws)]
    return Curve.from_estimates(panel, label, xs, est, x_label=x_label, y_label="gain V1 - V0")


def _worst_z(curve: Curve, oracle: list[float], n: int) -> float:
    """max over the grid of |y - oracle| / (stderr + 1/n); the 1/n floor (with sigma <= 2) covers points whose events
    are too rare to be sampled, where the Monte Carlo stderr is 0."""
    return max(abs(y - o) / ((hi - lo) / 3.92 + 1.0 / n) for y, o, lo, hi in zip(curve.y, oracle, curve.lo, curve.hi))


def study(size: Size = "full", seed: int = 0) -> StudyResult:
    """Gain against sigma, q and the distance to the best alternative; the value dilemma."""
    n = 20_000 if size == "tiny" else 400_000
    points = 5 if size == "tiny" else 13
    rng = np.random.default_rng(seed)
    far = DecisionProblem([0.0, -1e6])
    curves: list[Curve] = []
    sigmas = list(np.linspace(0.0, 2.0, points))
    qs = list(np.linspace(0.05, 0.95, points))
    gaps = list(np.linspace(0.0, 2.0, points))  # U(A) = 0, best other option m = gap
    for rrp in ("pointwise", "expectation"):
        for method in ("exact", "monte_carlo"):
            tag = f"{rrp}, {'exact' if method == 'exact' else 'Monte Carlo'}"
            curves.append(_curve("gain vs sigma (q = 1/2, other option far below)", tag, sigmas,
                                 [far] * points, [PerturbationModel(s, rrp=rrp) for s in sigmas], method, rng, n,
                                 "sigma"))
            curves.append(_curve("gain vs distance to the best alternative (sigma = 1, q = 1/2)", tag, gaps,
                                 [DecisionProblem([0.0, g]) for g in gaps], [PerturbationModel(1.0, rrp=rrp)] * points,
                                 method, rng, n, "m - U(A)"))
        if rrp == "pointwise":
            for method in ("exact", "monte_carlo"):
                tag = f"pointwise, {'exact' if method == 'exact' else 'Monte Carlo'}"
                curves.append(_curve("gain vs q (sigma = 1, best alternative 0.5 above)", tag, qs,
                                     [DecisionProblem([0.0, 0.5])] * points, [PerturbationModel(1.0, q=q) for q in qs],
                                     method, rng, n, "q"))
    dilemma = DecisionProblem([0.0, 0.0], labels=("A", "C"))
    toy = PerturbationModel(2.0, gap_law="rademacher")
    toy_exact = value_of_refinement(dilemma, 0, toy).gain.mean
    toy_mc = value_of_refinement(dilemma, 0, toy, method="monte_carlo", rng=rng, n=n).gain
    # each fact counted once (the grids stay in the figures): the largest deviation over a curve's grid
    checks = []
    for c in curves:
        if "Monte Carlo" not in c.label:
            continue
        if c.panel.startswith("gain vs sigma"):  # Monte Carlo against the formula
            oracle, source = [s / np.sqrt(2 * np.pi) for s in c.x], "sigma/sqrt(2 pi), model.md §1"
        else:  # Monte Carlo against the exact form (closed form or quadrature), a different computation
            twin = next(e for e in curves if e.panel == c.panel and e.label == c.label.replace("Monte Carlo", "exact"))
            oracle, source = list(twin.y), "exact form (closed form or quadrature)"
        checks.append(Check(f"{c.panel}, {c.label}: largest |Monte Carlo - oracle| in standard errors + 5 sigma/n "
                            "over the grid", _worst_z(c, oracle, n), 0.0, 5.0, source + "; 5 standard errors"))
    quad = next(c for c in curves if c.panel.startswith("gain vs sigma") and c.label == "expectation, exact")
    checks += [Check("gain vs sigma, expectation RRP by quadrature: largest |quadrature - sigma/sqrt(2 pi)|",
                     max(abs(y - s / np.sqrt(2 * np.pi)) for s, y in zip(quad.x, quad.y)), 0.0, 1e-9,
                     "sigma/sqrt(2 pi), model.md §1 (the pointwise exact curve is that formula, so it is not checked)"),
               Check("toy dilemma gain, exact", toy_exact, 1.0, 1e-12, "worked by hand, model.md §1")]
    return StudyResult("single_agent", "Single agent: the gain from refining",
                       "our model: normal gaps; pointwise and expectation RRP; gain = E[max(u1, u2, m)] - max(U(A), m)",
                       tuple(curves), tuple(checks),
                       ({"example": "value dilemma U(A)=U(C)=0, variants (+1,-1) or (-1,+1)", "exact gain": toy_exact,
                         "Monte Carlo gain (every draw gains 1)": toy_mc.mean},))
