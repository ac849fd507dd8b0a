"""Result 5 (model.md §4): what non-common knowledge costs, measured against the common-knowledge benchmark."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy import stats

from vvl_env.model import DecisionProblem, PerturbationModel, matching_pennies
from vvl_env.paper.records import Check, Curve, Size, StudyResult
from vvl_env.solve import refinement_effect
from vvl_env.solve.bayes_nash import bayes_nash_welfare
from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum
from vvl_env.solve.belief_cost import belief_costs

TRUTH = PerturbationModel(1.0, 1.0, 0.0)
COST_HIGH = 0.3  # refinement cost ~ uniform(0, 0.3): the refine decision is close for some costs, clear for others


def _mismatch_axes(points: int) -> dict[str, tuple[list[float], list[PerturbationModel]]]:
    scales = list(np.linspace(0.0, 2.5, points))
    biases = list(np.linspace(-0.5, 0.5, points))
    rhos = list(np.linspace(-1.0, 1.0, points))
    return {
        "believed scale / true scale (over- and under-confidence)": (scales, [replace(TRUTH, sigma_own=s)
                                                                              for s in scales]),
        "believed bias (RRP violated: refinement expected to raise values)": (biases, [replace(TRUTH, bias=b)
                                                                                       for b in biases]),
        "believed correlation rho (truth 0)": (rhos, [replace(TRUTH, rho=r) for r in rhos]),
    }


SINGLE_GAIN = float(stats.norm.pdf(0.4) - 0.4 * stats.norm.sf(0.4))  # U(A) = 0, m = 0.2, sigma 1, q = 1/2


def _worthless_belief_checks(panel: str, r: Any) -> list[Check]:
    """A refiner that believes refining worthless never refines; against the truth's gain g (closed form for the
    single agent: E[max(|D|/2 - 0.2, 0)] = phi(0.4) - 0.4 (1 - Phi(0.4)) for D ~ N(0, 1)) and costs
    c ~ U(0, COST_HIGH) it under-refines with probability P[c < g] = g / COST_HIGH and its regret is
    E[max(g - c, 0)] = g^2 / (2 COST_HIGH) (g < COST_HIGH). The Monte Carlo estimates also carry the error of the
    truth's sampled gain, whose effect is bounded by 5 of its standard errors (times the slopes 1/COST_HIGH, 1)."""
    g, dg = SINGLE_GAIN, 5 * r.true_gain.stderr
    return [Check(f"{panel}: under-refinement rate when refinement is believed worthless", r.under_refinement.mean,
                  g / COST_HIGH, 5 * r.under_refinement.stderr + dg / COST_HIGH,
                  "P[c < g], g = phi(0.4) - 0.4 (1 - Phi(0.4)) (closed form, model.md §1 and §4)"),
            Check(f"{panel}: regret when refinement is believed worthless", r.regret.mean, g ** 2 / (2 * COST_HIGH),
                  5 * r.regret.stderr + dg, "E[max(g - c, 0)] = g^2 / (2 c_max) (closed form, model.md §4)")]


def study(size: Size = "full", seed: int = 0) -> StudyResult:
    """Welfare cost, regret and over-/under-refinement against the belief mismatch, for a single agent and for the
    row player of matching pennies; the Bayes-Nash reference when realised refinements are private."""
    n = 2000 if size == "tiny" else 20_000
    points = 5 if size == "tiny" else 11
    costs = np.random.default_rng(seed).uniform(0.0, COST_HIGH, size=n)
    targets = {"single agent (U(A) = 0, best other 0.2)": DecisionProblem([0.0, 0.2]),
               "matching pennies, player 0 refines H": matching_pennies()}
    curves, checks, tables = [], [], []
    for tname, target in targets.items():
        for axis, (xs, beliefs) in _mismatch_axes(points).items():
            if isinstance(target, DecisionProblem) and axis.startswith("believed correlation"):
                continue  # a single agent has no opponent: rho plays no role
            res = belief_costs(target, 0, 0, TRUTH, beliefs, costs, n=n, seed=seed)
            panel = f"{tname}: {axis}"
            for sub, y_label, pairs in [
                    ("welfare cost and regret", "expected payoff lost",
                     [("welfare cost (common knowledge minus belief)", [r.welfare_cost for r in res]),
                      ("refiner's regret", [r.regret for r in res])]),
                    ("refinement errors", "rate over the cost law",
                     [("over-refinement rate", [r.over_refinement for r in res]),
                      ("under-refinement rate", [r.under_refinement for r in res])])]:
                for label, est in pairs:
                    curves.append(Curve.from_estimates(f"{panel}: {sub}", label, xs, est,
                                                       x_label=axis.split(" (")[0], y_label=y_label))
            if axis.startswith("believed scale") and isinstance(target, DecisionProblem):
                checks += _worthless_belief_checks(panel, res[0])  # scale 0: refinement believed worthless
    # private information: the uninformed player does not see the refiner's realised offsets
    reps = 4 if size == "tiny" else 24
    n_types = 3 if size == "tiny" else 6
    public = refinement_effect(matching_pennies(), [(0, 0)], TRUTH, n=n, rng=np.random.default_rng(seed + 1),
                               selection="lemke_howson:0")
    by_k = [bayes_nash_welfare(matching_pennies(), 0, 0, TRUTH, replications=reps, n_types=k,
                               rng=np.random.default_rng([seed, k])) for k in range(1, n_types + 1)]
    ks = list(range(1, n_types + 1))
    cont = bayes_nash_continuum(matching_pennies(), 0, 0, TRUTH, n=10_000 if size == "tiny" else 50_000,
                                replications=8 if size == "tiny" else 16, rng=np.random.default_rng([seed, 99]))
    panel = "matching pennies, player 0 refines H: private vs public realised refinements"
    curves.append(Curve.from_estimates(panel, "private: E[welfare] at the Bayes-Nash equilibrium over K sampled types",
                                       ks, [e[0] for e in by_k], x_label="K (types sampled)", y_label="welfare"))
    curves.append(Curve.from_estimates(panel, "private: the continuum-type Bayes-Nash equilibrium (the reference)",
                                       ks, [cont.welfare] * len(ks), x_label="K (types sampled)", y_label="welfare"))
    curves.append(Curve.from_estimates(panel, "public: E[welfare] (Lemke-Howson from label 0)", ks,
                                       [public.welfare] * len(ks), x_label="K (types sampled)", y_label="welfare"))
    w = by_k[-1][0]
    tables.append({"setting": "matching pennies, player 0 refines H (sigmas 1, rho 0)",
                   "public: E[welfare]": public.welfare.mean, "public 95% CI": list(public.welfare.ci),
                   "public: E[payoff 0], E[payoff 1]": [public.payoff(0).mean, public.payoff(1).mean],
                   "private (continuum-type Bayes-Nash, the reference): E[welfare]": cont.welfare.mean,
                   "private continuum 95% CI (sampling of the type integral)": list(cont.welfare.ci),
                   "private continuum: E[payoff 0], E[payoff 1]": [cont.payoffs[0].mean, cont.payoffs[1].mean],
                   "private (Bayes-Nash, K sampled types): E[welfare]": w.mean,
                   "private K-type 95% CI (type sampling)": list(w.ci),
                   "K-type discretisation error (K types minus continuum)": w.mean - cont.welfare.mean,
                   "welfare cost of private information (public minus private continuum)":
                       public.welfare.mean - cont.welfare.mean,
                   "K types per sample, samples": [n_types, reps]})
    return StudyResult(
        "beliefs", "Beliefs: the welfare cost of non-common knowledge",
        "our model: true law pointwise RRP, normal gaps, sigmas 1, rho 0, q = 1/2; one refinement allowed, cost "
        f"uniform on [0, {COST_HIGH}], myopic rule under the refiner's belief; play at the realised game's equilibria "
        "(selection 'all'); private information: the continuum-type Bayes-Nash equilibrium (threshold types; interval: "
        "sampling of the type integral), next to K sampled types (a discretisation whose error is shown against K), "
        "compared with public play under Lemke-Howson from label 0",
        tuple(curves), tuple(checks), tuple(tables))
