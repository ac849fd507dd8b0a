"""Interim NashConv of the analytic reference under private refinements (visibility "own"); writes
``benchmarks/results/private_play.json``.

Run on demand: ``python benchmarks/private_play.py [--episodes N]`` (about five minutes on 2 cores);
``--report`` prints the table the README quotes.

For each case the two ``bayes_optimal`` agents play ``--episodes`` seeded episodes of refine_matrix_v0 (cost 0, sigma
1, rho 0, normal or Rademacher gaps, one round) twice: as they do now (Bayes-Nash play,
``agents/analytic/matrix_private.py``) and with their Bayes-Nash play switched off (``private = None``: each plays the
equilibrium of its own view, the reference before it). ``agents.evaluate`` measures the interim NashConv
(``agents/private_play.py``: 2,048 Monte Carlo draws of the other's refinements per episode and player, biased up by
about 0.01 per player at a Bayes-Nash equilibrium). Times include the solver's one-off solve of each history.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from agents.analytic import make_agent  # noqa: E402
from agents.evaluate import evaluate  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "private_play.json"
CASES = [("matching_pennies", (1, 1), "normal"), ("rock_paper_scissors", (1, 0), "normal"),
         ("rock_paper_scissors", (1, 1), "normal"), ("matching_pennies", (1, 0), "normal"),
         ("matching_pennies", (1, 1), "rademacher")]
LAW = {"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.0}
"""The true law of both refiners; a case's gap law ("normal", or "rademacher": finitely many types) is added."""


def measure(game: str, budget: tuple[int, int], gap_law: str, bayes_nash: bool, episodes: int, seed: int
            ) -> dict[str, object]:
    env = {"game": game, "budget": list(budget), "visibility": "own", "cost": 0.0,
           "perturbation": {**LAW, "gap_law": gap_law}}
    agents = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=env, role=a)
              for a in ("player_0", "player_1")}
    if not bayes_nash:
        for agent in agents.values():
            agent.private = None
    start = time.perf_counter()
    summary = evaluate("refine_matrix_v0", env, agents, episodes=episodes, seed=seed).summary()
    out: dict[str, object] = {"game": game, "budget": list(budget), "gap_law": gap_law,
                              "play": "bayes_nash" if bayes_nash else "own_view",
                              "seconds": round(time.perf_counter() - start, 1)}
    for key in ("nash_conv", "nash_conv/player_0", "nash_conv/player_1", "welfare"):
        out[key] = {"mean": summary[f"eval/{key}"]["mean"], "stderr": summary[f"eval/{key}"]["stderr"]}
    return out


def report(results: dict[str, object]) -> str:
    lines = ["| game, budget, gap law | own view | Bayes-Nash |", "| --- | --- | --- |"]
    runs = results["runs"]
    for game, budget, gap_law in CASES:
        cells = []
        for play in ("own_view", "bayes_nash"):
            run = next(r for r in runs if r["game"] == game and r["budget"] == list(budget)
                       and r.get("gap_law", "normal") == gap_law and r["play"] == play)
            cells.append(f"{run['nash_conv']['mean']:.3f} (se {run['nash_conv']['stderr']:.3f})")
        lines.append(f"| {game}, {tuple(budget)}, {gap_law} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", action="store_true", help="print the table of the results file and stop")
    args = parser.parse_args()
    if args.report:
        print(report(json.loads(RESULTS.read_text())))
        return
    runs = []
    for game, budget, gap_law in CASES:
        for bayes_nash in (False, True):
            runs.append(measure(game, budget, gap_law, bayes_nash, args.episodes, args.seed))
            print(json.dumps(runs[-1]), flush=True)
    results = {"settings": {"episodes": args.episodes, "seed": args.seed, "law": LAW, "cost": 0.0}, "runs": runs}
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(report(results))


if __name__ == "__main__":
    main()
