"""Solver benchmarks, side by side in one run; writes ``benchmarks/results/solvers.json``.

Run on demand (not part of the tests): ``python benchmarks/solvers.py [--quick]``. Each section answers one question
against a peer measured in the same run (nashpy), since this shared machine varies 20-50 % between runs.
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

from bench_equilibria import bench_equilibria  # noqa: E402
from bench_refinement_value import bench_refinement_value  # noqa: E402
from bench_zero_sum import bench_zero_sum  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "solvers.json"


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
        "equilibria": bench_equilibria(n_games=1000 // scale),
        "refinement_value_mc": bench_refinement_value(draws=10_000_000 // scale),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
