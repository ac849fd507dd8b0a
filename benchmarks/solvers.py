"""Solver benchmarks, side by side in one run; writes ``benchmarks/results/solvers.json``.

Run on demand (not part of the tests): ``python benchmarks/solvers.py [--quick]``. Each section answers one question
against a peer measured in the same run (nashpy; Gambit's enummixed and lcp via pygambit and Debian's lrsnash where
installed), since this shared machine varies 20-50 % between runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import nashpy
import numpy as np
import scipy

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_equilibria import bench_equilibria, bench_peers  # noqa: E402
from bench_refinement_value import bench_refinement_value  # noqa: E402
from bench_zero_sum import bench_zero_sum, bench_zero_sum_nxn  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "solvers.json"


def largest_within(seconds: float = 30.0, gigabytes: float = 1.0, seed: int = 0) -> dict:
    """Grow n until one random n x n game takes more than ``seconds`` or ``gigabytes`` (peak RSS of a fresh process
    solving it with ``equilibria``): the largest size solved completely within both."""
    import subprocess

    code = ("import resource, sys, time, numpy as np; from vvl_env.solve.equilibria import equilibria; "
            "n = int(sys.argv[1]); A, B = np.random.default_rng(%d).uniform(-1, 1, size=(2, n, n)); "
            "t = time.perf_counter(); e = equilibria((A, B), method='vertex_enumeration'); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, len(e))"
            % seed)
    rows, best = {}, None
    for n in range(12, 25):
        try:
            out = subprocess.run([sys.executable, "-c", code, str(n)], capture_output=True, text=True,
                                 timeout=seconds * 4, check=True).stdout.split()
        except subprocess.TimeoutExpired:
            rows[f"{n}x{n}"] = {"s": None, "note": f"over {seconds * 4:g} s"}
            break
        s, gb, k = float(out[0]), float(out[1]), int(out[2])
        rows[f"{n}x{n}"] = {"s": s, "peak_rss_GB": gb, "equilibria": k}
        print(f"largest_within: {n}x{n} {s:.2f} s {gb:.2f} GB {k} equilibria", flush=True)
        if s > seconds or gb > gigabytes:
            break
        best = n
    return {"seconds": seconds, "gigabytes": gigabytes, "seed": seed, "largest_n": best, "runs": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs (a smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    results = {
        "started": started,
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "python": sys.version.split()[0],
                    "numpy": np.__version__, "scipy": scipy.__version__, "nashpy": nashpy.__version__},
        "zero_sum_2x2": bench_zero_sum(n_games=100_000 // scale),
        "zero_sum_nxn": bench_zero_sum_nxn(n_games=10_000 // scale),
        "equilibria": bench_equilibria(n_games=1000 // scale),
        "equilibria_vs_peers": bench_peers(((2, 2), (3, 3), (4, 4), (6, 6), (8, 8)) if args.quick else
                                           tuple((n, n) for n in (2, 3, 4, 6, 8, 10, 12, 13, 15))),
        "equilibria_vs_peers_degenerate": bench_peers(((3, 3), (3, 8), (4, 4), (6, 6)), seed=1, degenerate=True),
        "largest_within_30s_1GB": largest_within(seconds=2.0 if args.quick else 30.0),
        "refinement_value_mc": bench_refinement_value(draws=10_000_000 // scale),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
