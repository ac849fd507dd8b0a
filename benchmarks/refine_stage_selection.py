"""Which equilibrium of the refine stage does the reference pick, seed after seed? (matching pennies, budgets (1, 1),
cost 0.05, sigma 1, rho 0: the benchmarks/agents.py case.)

The refine stage's values are Monte Carlo estimates (``agents/analytic/refine_stage.py``), and its two pure
equilibria ("player_0 refines at once, player_1 waits" and the other way round) are close in welfare, so the
welfare rule alone picks between them by noise. For each design (outer x nested inner draws) and selection
(the welfare rule alone, or with the estimates' standard errors: the widest refine-or-pass margin among the
welfare near-ties) this records, over seeds, the first-turn mixes picked, the values' largest standard error and the
time per solve.

Usage: ``python benchmarks/refine_stage_selection.py`` -> ``benchmarks/results/refine_stage_selection.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from agents.analytic.refine_stage import solve_stage, stage_values  # noqa: E402
from vvl_env.model import PerturbationModel, matching_pennies  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "refine_stage_selection.json"
DESIGNS = ((200, 200), (800, 100))
SEEDS = range(10)


def waiter(x: np.ndarray, y: np.ndarray) -> str:
    """Who waits at the first turn: "player_0", "player_1", "both", "neither" or "mixed"."""
    if max(x.max(), y.max()) < 1 - 1e-9:
        return "mixed"
    waits = (x[0] > 0.5, y[0] > 0.5)
    return {(True, False): "player_0", (False, True): "player_1", (True, True): "both"}.get(waits, "neither")


def main() -> None:
    R1 = np.asarray(matching_pennies().R1, dtype=np.float64)
    law = PerturbationModel(sigma_own=1.0, sigma_other=1.0, rho=0.0)
    out: dict[str, dict] = {}
    for n_outer, n_inner in DESIGNS:
        for seed in SEEDS:
            t0 = time.perf_counter()
            values, stderr = stage_values(R1, -R1, (law, law), (0.05, 0.05), n_outer=n_outer, n_inner=n_inner,
                                          seed=seed)
            wall = time.perf_counter() - t0
            for rule, se in (("welfare", None), ("welfare+margin", stderr)):
                x, y = solve_stage(values, "max_welfare", se)
                row = out.setdefault(f"{n_outer}x{n_inner}/{rule}", {"picks": [], "max_stderr": [], "wall_s": []})
                row["picks"].append(waiter(x, y)), row["max_stderr"].append(float(stderr.max()))
                row["wall_s"].append(wall)
            print(n_outer, n_inner, seed, {k: v["picks"][-1] for k, v in out.items() if k.startswith(f"{n_outer}x")},
                  flush=True)
    for row in out.values():
        row["waits"] = {who: row["picks"].count(who) for who in sorted(set(row["picks"]))}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"config": {"game": "matching_pennies", "cost": 0.05, "sigma": 1.0, "rho": 0.0},
                                   "seeds": list(SEEDS), "designs": out}, indent=1))
    for key, row in out.items():
        print(key, row["waits"], f"max stderr {np.median(row['max_stderr']):.4f}",
              f"{np.median(row['wall_s']):.1f} s per solve")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
