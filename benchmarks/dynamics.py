"""Learning-dynamics benchmark: NashConv reached per method and game family, speed, OpenSpiel side by side.

Run on demand (not part of the tests): ``python benchmarks/dynamics.py [--quick]``; writes
``benchmarks/results/dynamics.json``. Questions:

1. ``nash_conv``: NashConv (game units) of the last and the average iterate after 10^3, 10^4 and 10^5 iterations of
   every method in ``vvl_env.solve.dynamics.METHODS``, on matching pennies, RPS, 30 random zero-sum 3x3 and 5x5
   games (entries U[-1, 1]), a refined 4x4 exact potential game, 10 refined matching-pennies games (general-sum, no
   guarantee) and Shapley's (1964) game; all padded into one batch per method, random starts, seed 0. Per family:
   median and max over games, the fraction that reached and held 1e-3, and the iteration from which the slowest
   game held it (``null``: not within the run).
2. ``slow_to_target``: how many iterations fictitious play and simultaneous RM+ (both O(T^{-1/2})) need for 1e-3 on
   matching pennies and RPS (up to 10^6).
3. ``speed``: time per iteration over a batch of 1,000 random 3x3 games, per method, and OpenSpiel's regret
   matching (one game at a time, its only mode) on the same games: the ratio is per game-iteration.
4. ``openspiel``: OpenSpiel's regret matching (Hart and Mas-Colell, uniform average) and XFP (fictitious play) on the
   same families, NashConv by OpenSpiel's own ``exploitability.nash_conv`` (XFP: 10^3 iterations, it walks the tree
   in Python; a few games per family).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from vvl_env.model import Game, PerturbationModel, matching_pennies, refine, rock_paper_scissors
from vvl_env.solve.dynamics import METHODS, learn

RESULTS = Path(__file__).resolve().parent / "results" / "dynamics.json"
TARGET = 1e-3
CHECKPOINTS = (1_000, 10_000, 100_000)
SHAPLEY = (np.eye(3), np.roll(np.eye(3), 1, axis=1))


def families(seed: int = 0) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """The benchmark's game families: name -> list of (R1, R2)."""
    rng = np.random.default_rng(seed)
    mp, rps = matching_pennies(), rock_paper_scissors()
    phi, f, g = rng.uniform(-1, 1, (3, 3)), rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3)
    same = PerturbationModel(sigma_own=0.5, sigma_other=0.5, rho=1.0)  # E = D keeps the potential
    potential = refine(refine(Game(phi + f[None, :], phi + g[:, None]), 0, 0, same.sample(rng=rng, n_opposing=3)),
                       1, 1, same.sample(rng=rng, n_opposing=4))
    law = PerturbationModel(sigma_own=1.0, sigma_other=1.0, rho=0.0)
    refined_mp = [refine(refine(mp, 0, 0, law.sample(rng=rng, n_opposing=2)), 1, 0, law.sample(rng=rng, n_opposing=3))
                  for _ in range(10)]
    return {
        "matching_pennies": [(mp.R1, mp.R2)],
        "rps": [(rps.R1, rps.R2)],
        "zero_sum_3x3": [(R, -R) for R in rng.uniform(-1, 1, (30, 3, 3))],
        "zero_sum_5x5": [(R, -R) for R in rng.uniform(-1, 1, (30, 5, 5))],
        "refined_potential_4x4": [(potential.R1, potential.R2)] * 10,
        "refined_pennies_3x3": [(G.R1, G.R2) for G in refined_mp],
        "shapley": [SHAPLEY] * 10,
    }


def padded(games: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """Pad games to one shape: (R1, R2, row_mask, col_mask)."""
    m = max(a.shape[0] for a, _ in games)
    n = max(a.shape[1] for a, _ in games)
    R1, R2 = np.zeros((2, len(games), m, n))
    rows, cols = np.zeros((len(games), m), bool), np.zeros((len(games), n), bool)
    for b, (a1, a2) in enumerate(games):
        R1[b, :a1.shape[0], :a1.shape[1]], R2[b, :a1.shape[0], :a1.shape[1]] = a1, a2
        rows[b, :a1.shape[0]], cols[b, :a1.shape[1]] = True, True
    return R1, R2, rows, cols


def held_from(steps: np.ndarray, trajectory: np.ndarray) -> int | None:
    """First recorded iteration from which every game's NashConv stayed <= TARGET (None: never)."""
    ok = np.all(trajectory <= TARGET, axis=1)
    tail = np.flatnonzero(~ok)
    first = 0 if len(tail) == 0 else tail[-1] + 1
    return int(steps[first]) if first < len(steps) else None


def bench_nash_conv(fams: dict[str, list], iterations: int) -> dict[str, Any]:
    names = list(fams)
    games = [g for name in names for g in fams[name]]
    bounds = np.cumsum([0] + [len(fams[name]) for name in names])
    R1, R2, rows, cols = padded(games)
    checkpoints = [c for c in CHECKPOINTS if c <= iterations]
    out: dict[str, Any] = {}
    for method in METHODS:
        t0 = time.perf_counter()
        res = learn(R1, R2, method, iterations, rng=np.random.default_rng(0), record_every=iterations // 100,
                    row_mask=rows, col_mask=cols, target=TARGET)
        index = [int(np.searchsorted(res.steps, c)) for c in checkpoints]
        per_family = {}
        for k, name in enumerate(names):
            sl = slice(bounds[k], bounds[k + 1])
            per_family[name] = {
                "iterations": checkpoints,
                **{f"{it}_median": np.median(tr[index, sl], axis=1).tolist() for it, tr in
                   (("last", res.nash_conv_last), ("avg", res.nash_conv_avg))},
                **{f"{it}_max": np.max(tr[index, sl], axis=1).tolist() for it, tr in
                   (("last", res.nash_conv_last), ("avg", res.nash_conv_avg))},
                "converged_fraction": float(res.converged[sl].mean()),
                "best": {k_: int(v) for k_, v in zip(*np.unique(res.best[sl], return_counts=True))},
                "last_held_target_from": held_from(res.steps, res.nash_conv_last[:, sl]),
                "avg_held_target_from": held_from(res.steps, res.nash_conv_avg[:, sl]),
            }
        out[method] = {"params": res.params, "seconds": time.perf_counter() - t0, "families": per_family}
        print(f"nash_conv {method}: {out[method]['seconds']:.1f} s", file=sys.stderr)
    return out


def bench_slow_to_target(iterations: int) -> dict[str, Any]:
    R1, R2, rows, cols = padded(families()["matching_pennies"] + families()["rps"])
    out = {}
    for method in ("fictitious_play", "rm+"):
        res = learn(R1, R2, method, iterations, rng=np.random.default_rng(0), record_every=iterations // 1000,
                    row_mask=rows, col_mask=cols)
        out[method] = {"iterations": iterations, "avg_final": res.nash_conv_avg[-1].tolist(),
                       "avg_held_target_from": [held_from(res.steps, res.nash_conv_avg[:, [b]]) for b in range(2)]}
        print(f"slow_to_target {method}: {out[method]}", file=sys.stderr)
    return {"games": ["matching_pennies", "rps"], **out}


def bench_speed(batch: int, iterations: int, openspiel_games: int) -> dict[str, Any]:
    R = np.random.default_rng(1).uniform(-1, 1, (batch, 3, 3))
    out: dict[str, Any] = {"batch": batch, "shape": [3, 3], "iterations": iterations, "methods": {}}
    for method in METHODS:
        learn(R[:10], -R[:10], method, 10, rng=np.random.default_rng(0))  # warm-up
        t0 = time.perf_counter()
        learn(R, -R, method, iterations, rng=np.random.default_rng(0), record_every=iterations)
        per_it = (time.perf_counter() - t0) / iterations
        out["methods"][method] = {"us_per_iteration": 1e6 * per_it, "us_per_game_iteration": 1e6 * per_it / batch}
    try:
        from open_spiel.python.algorithms import regret_matching
    except ImportError:
        return out | {"openspiel": "not installed"}
    t0 = time.perf_counter()
    for A in R[:openspiel_games]:
        regret_matching.regret_matching([A, -A], iterations=iterations)
    os_us = 1e6 * (time.perf_counter() - t0) / (iterations * openspiel_games)
    out["openspiel_regret_matching_us_per_game_iteration"] = os_us
    out["ratio_openspiel_over_rm+"] = os_us / out["methods"]["rm+"]["us_per_game_iteration"]
    return out


def bench_openspiel(fams: dict[str, list], iterations: int, xfp_iterations: int, per_family: int) -> dict[str, Any]:
    try:
        import pyspiel
        from open_spiel.python import policy as os_policy
        from open_spiel.python.algorithms import exploitability, fictitious_play, regret_matching
    except ImportError:
        return {"skipped": "OpenSpiel is not installed (pip install 'vvl[openspiel]')"}

    def nash_conv(x: np.ndarray, y: np.ndarray, game: Any) -> float:
        policy = os_policy.TabularPolicy(game)
        policy.action_probability_array[:] = 0.0
        policy.action_probability_array[0, :len(x)], policy.action_probability_array[1, :len(y)] = x, y
        return float(exploitability.nash_conv(game, policy))

    out: dict[str, Any] = {"regret_matching_iterations": iterations, "xfp_iterations": xfp_iterations,
                           "starts": "regret matching: Dirichlet(1) random strategies, seed 0, as vvl's runs; XFP: "
                                     "uniform (its definition)"}
    rng = np.random.default_rng(0)
    for name, games in fams.items():
        rm, xfp = [], []
        for a1, a2 in games[:per_family]:
            a1, a2 = np.asarray(a1), np.asarray(a2)
            game = pyspiel.convert_to_turn_based(pyspiel.create_matrix_game(a1.tolist(), a2.tolist()))
            start = [rng.dirichlet(np.ones(a1.shape[0])), rng.dirichlet(np.ones(a1.shape[1]))]
            avg = regret_matching.regret_matching([a1, a2], initial_strategies=start, iterations=iterations)
            rm.append(nash_conv(*avg, game))
            solver = fictitious_play.XFPSolver(game)
            for _ in range(xfp_iterations):
                solver.iteration()
            tables = [next(iter(t.values())) for t in solver.average_policy_tables()]
            x = np.array([tables[0].get(a, 0.0) for a in range(a1.shape[0])])
            y = np.array([tables[1].get(a, 0.0) for a in range(a1.shape[1])])
            xfp.append(nash_conv(x, y, game))
        out[name] = {"games": len(rm), "regret_matching_avg_median": float(np.median(rm)),
                     "regret_matching_avg_max": float(np.max(rm)), "xfp_avg_median": float(np.median(xfp)),
                     "xfp_avg_max": float(np.max(xfp))}
        print(f"openspiel {name}: {out[name]}", file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10x fewer iterations (a smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    fams = families()
    try:
        openspiel_version = version("open-spiel")
    except Exception:  # noqa: BLE001 - not installed
        openspiel_version = None
    results = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0], "numpy": np.__version__,
                    "open_spiel": openspiel_version},
        "target": TARGET,
        "nash_conv": bench_nash_conv(fams, 100_000 // scale),
        "slow_to_target": bench_slow_to_target(1_000_000 // scale),
        "speed": bench_speed(1000, 2000 // scale, 20),
        "openspiel": bench_openspiel(fams, 10_000 // scale, 1000 // scale, 3),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
