"""Benchmark: Monte Carlo value of refinement, draws per second (goal >= 10 million).

Question: how many refinement draws per second does ``value_of_refinement(method="monte_carlo")`` process, for both
RRP forms? The exact closed form is timed beside it for reference. A warm-up precedes the timed repeats.
"""

from __future__ import annotations

import time

import numpy as np

from vvl_env.model import DecisionProblem, PerturbationModel
from vvl_env.solve.refinement_value import value_of_refinement


def bench_refinement_value(draws: int = 10_000_000, seed: int = 0, repeats: int = 3) -> dict:
    problem = DecisionProblem([0.0, 0.3])
    rows = []
    for rrp in ("pointwise", "expectation"):
        model = PerturbationModel(1.0, rrp=rrp)
        value_of_refinement(problem, 0, model, method="monte_carlo", rng=np.random.default_rng(seed), n=1 << 20)
        times = []
        for r in range(repeats):
            t0 = time.perf_counter()
            mc = value_of_refinement(problem, 0, model, method="monte_carlo", rng=np.random.default_rng(seed + r),
                                     n=draws)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        exact = value_of_refinement(problem, 0, model)
        t_exact = time.perf_counter() - t0
        rows.append({"rrp": rrp, "draws": draws, "median_s": float(np.median(times)),
                     "draws_per_s": draws / float(np.median(times)), "mc_gain": mc.gain.mean,
                     "mc_stderr": mc.gain.stderr, "exact_gain": exact.gain.mean, "exact_s": t_exact,
                     "goal_draws_per_s": 1e7})
    return {"question": "Monte Carlo value of refinement: draws per second", "rows": rows}


if __name__ == "__main__":
    import json

    print(json.dumps(bench_refinement_value(), indent=2))
