"""The analytic reference, measured (issue 11); writes ``benchmarks/results/reference.json``.

Run on demand (not part of the tests): ``python benchmarks/reference.py [--quick]`` (a few minutes on 2 cores).

1. NashConv of the two analytic agents' joint play, per selection rule, on 1,000 refined games (a third degenerate),
   each player computing from its own view (``tests/agents/test_analytic.py`` builds the games).
2. The sequential solver against brute-force quadrature on the laws of ``tests/solve/test_sequential.py``.
3. ms per episode of an analytic refine_matrix agent acting on a belief against the same agent on the truth, side by
   side in one run, in two configurations: ``beliefs_bias`` (scenarios/) and both players refining on realised games.
4. The Bayes-Nash reference of private refinement in matching pennies: K sampled types and the continuum solver
   against the closed form.
5. Headline of the refinement_sign study: where refining hurts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "agents"), str(ROOT / "tests" / "solve")]

from agents.analytic import MatrixAgent, make_agent  # noqa: E402
from agents.evaluate import evaluate  # noqa: E402
from vvl_env.model import PerturbationModel, matching_pennies, rock_paper_scissors  # noqa: E402
from vvl_env.solve import refinement_effect  # noqa: E402
from vvl_env.solve.bayes_nash import bayes_nash_welfare  # noqa: E402
from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum  # noqa: E402
from vvl_env.solve.exploitability import nash_conv  # noqa: E402
from vvl_env.solve.sequential import optimal_refinement  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "reference.json"


def joint_nash_conv(games: int) -> dict:
    from test_analytic import RULES, _refined_games, _views

    pairs = _refined_games(games, np.random.default_rng(2026))
    out = {}
    for rule in RULES:
        worst, total = 0.0, 0.0
        for R1, R2 in pairs:
            sel = f"lemke_howson:{sum(R1.shape) - 1}" if rule.endswith("last") else rule
            a0, a1 = (MatrixAgent("never", selection=sel, role=r) for r in ("player_0", "player_1"))
            v0, v1 = _views(R1, R2)
            nc = nash_conv((R1, R2), a0.strategy(v0), a1.strategy(v1)).total
            worst, total = max(worst, nc), total + nc
        out[rule] = {"games": games, "mean": total / games, "max": worst}
    return out


def sequential_vs_brute() -> list[dict]:
    from test_sequential import BRUTE_LAWS, Beta, _brute_two_steps

    rows = []
    for law, values, cost in BRUTE_LAWS:
        beta, pairs = isinstance(law.q, Beta), law.rrp == "expectation"
        fine = (1000, 100) if beta else (1000, 1) if pairs else (100_000, 1)
        r = optimal_refinement(values, law, cost=cost, budget=2)
        brute = _brute_two_steps(values, law, cost, *fine)
        rows.append({"law": repr(law), "values": values, "cost": cost, "budget": 2, "solver": r.value,
                     "error_bound": r.error_bound, "brute_force": brute, "abs_difference": abs(r.value - brute)})
    issue = optimal_refinement([0.0, -0.3], PerturbationModel(2.0, bias=-1.0), cost=0.0, budget=2)
    rows.append({"law": "issue case, PerturbationModel(2.0, bias=-1.0), before the fix: 0.1061", "solver": issue.value,
                 "error_bound": issue.error_bound, "best_action": issue.best_action})
    return rows


def _ms_per_episode(cfg: dict, options: dict, selection: str, episodes: int) -> float:
    pol = {p: make_agent("bayes_myopic", "refine_matrix_v0", env_config=cfg, role=p, default_selection=selection,
                         **options) for p in ("player_0", "player_1")}
    start = time.perf_counter()
    evaluate("refine_matrix_v0", cfg, pol, episodes=episodes, seed=0, selection=selection)
    return 1000 * (time.perf_counter() - start) / episodes


def belief_speed(episodes: int) -> list[dict]:
    scenario = tomllib.loads((ROOT / "scenarios" / "beliefs_bias.toml").read_text())
    both = dict(game="matching_pennies", budget=[2, 1], cost=0.01,
                perturbation={"sigma_own": 1.0, "sigma_other": 1.0}, beliefs=[{"sigma_own": 0.5}, "truth"])
    rows = []
    for name, cfg, sel in [("beliefs_bias scenario", scenario["env"]["config"], "max_welfare"),
                           ("both refine on realised games (budget (2, 1))", both, "all")]:
        for label, options in (("truth", {"belief": "truth"}), ("belief", {}), ("belief, no sequential stopping",
                                                                                {"adaptive": False})):
            rows.append({"configuration": name, "agent": label,
                         "ms_per_episode": _ms_per_episode(cfg, options, sel, episodes)})
    return rows


def bayes_nash_reference(quick: bool) -> dict:
    from scipy import optimize, stats

    z = stats.norm.ppf(0.75)
    y = optimize.brentq(lambda v: 4 - 8 * v - z * np.hypot(v, 1 - v), 0.0, 0.5)
    closed = float(np.hypot(y, 1 - y) * stats.norm.pdf(z))
    law = PerturbationModel(1.0, 1.0, 0.0)
    cont = bayes_nash_continuum(matching_pennies(), 0, 0, law, n=20_000 if quick else 100_000, replications=16,
                                rng=np.random.default_rng(0))
    k_types = {}
    for k in range(2, 7):
        w = bayes_nash_welfare(matching_pennies(), 0, 0, law, replications=8 if quick else 24, n_types=k,
                               rng=np.random.default_rng([0, k]))[0]
        k_types[k] = {"welfare": w.mean, "ci": list(w.ci)}
    return {"closed_form_welfare": closed, "closed_form_y": y, "continuum_welfare": cont.welfare.mean,
            "continuum_ci": list(cont.welfare.ci), "continuum_y": cont.y.mean, "K_types": k_types}


def refinement_sign_headline() -> dict:
    from vvl_env.paper.refinement_sign import stag_hunt

    out = {}
    for name, game, refs, sel in [("stag hunt, player 0 refines Hare, max_welfare", stag_hunt(), [(0, 1)],
                                   "max_welfare"),
                                  ("stag hunt, player 0 refines Hare, all", stag_hunt(), [(0, 1)], "all")]:
        e = refinement_effect(game, refs, PerturbationModel(1.0, 1.0, 0.0), n=6000, rng=np.random.default_rng(0),
                              selection=sel)
        out[name] = {"refiner": e.gain(0).mean, "refiner_ci": list(e.gain(0).ci), "other": e.gain(1).mean,
                     "other_ci": list(e.gain(1).ci),
                     "P_refiner_loses": float(np.mean(e.samples[:, 0] < e.before[0] - 1e-9))}
    only_own = PerturbationModel(0.0, 1.0, 0.0)
    g = max((refinement_effect(rock_paper_scissors(), [(0, k)], only_own, n=20_000, rng=np.random.default_rng(0),
                               selection="max_welfare").gain(0) for k in range(3)), key=lambda e: e.mean)
    out["rock-paper-scissors, believed sigma_own 0, sigma_other 1, max_welfare: believed gain"] = {
        "mean": g.mean, "ci": list(g.ci)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    quick = parser.parse_args().quick
    result = {"joint_nash_conv": joint_nash_conv(100 if quick else 1000),
              "sequential_vs_brute_force": sequential_vs_brute(),
              "belief_agent_speed": belief_speed(10 if quick else 60),
              "bayes_nash_matching_pennies": bayes_nash_reference(quick),
              "refinement_sign": refinement_sign_headline()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1, default=float))
    print(json.dumps(result, indent=1, default=float))


if __name__ == "__main__":
    main()
