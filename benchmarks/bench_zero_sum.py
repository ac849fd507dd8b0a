"""Benchmark: batched 2 x 2 zero-sum solver vs nashpy's linear program, per game.

Question: how much faster is ``zero_sum_values`` (closed form, vectorised over the batch) than solving each game with
nashpy's ``Game.linear_program`` (two scipy LPs), and do the values agree? ``zero_sum_value`` (one HiGHS LP with
duals) is timed for reference. Inputs are drawn outside the timed region; a warm-up precedes the timed repeats.
Numbers vary 20-50 % between runs on a shared machine: quote ratios measured in one run.
"""

from __future__ import annotations

import json
import platform
import time

import nashpy
import numpy as np
import scipy

from vvl_env.solve.zero_sum import zero_sum_value, zero_sum_values


def _best_of(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bench_zero_sum(n_games: int = 100_000, seed: int = 0, n_reference: int = 200, repeats: int = 5) -> dict:
    """Time the batched 2 x 2 solver on ``n_games`` games and the per-game LPs on ``n_reference`` of them.

    Returns a dict with per-game times (seconds), the speed ratio nashpy / batched, and the max abs value difference.
    """
    rng = np.random.default_rng(seed)
    R = rng.uniform(-1.0, 1.0, size=(n_games, 2, 2))
    ref = R[:n_reference]

    zero_sum_values(R[:1000])  # warm-up
    t_batch = _best_of(lambda: zero_sum_values(R), repeats) / n_games
    values, _, _ = zero_sum_values(R)

    def nashpy_values() -> np.ndarray:
        out = np.empty(len(ref))
        for i, A in enumerate(ref):
            x, y = nashpy.Game(A).linear_program()
            out[i] = x @ A @ y
        return out

    nashpy_values()
    t_nashpy = _best_of(nashpy_values, 1) / n_reference
    nv = nashpy_values()
    t_lp = _best_of(lambda: [zero_sum_value(A) for A in ref], 1) / n_reference
    lp = np.array([zero_sum_value(A).value for A in ref])
    return {
        "question": "per-game time of batched 2x2 zero-sum solver vs nashpy linear_program",
        "n_games": n_games,
        "n_reference": n_reference,
        "seed": seed,
        "batched_s_per_game": t_batch,
        "nashpy_linear_program_s_per_game": t_nashpy,
        "zero_sum_value_lp_s_per_game": t_lp,
        "speedup_vs_nashpy": t_nashpy / t_batch,
        "speedup_vs_scipy_lp": t_lp / t_batch,
        "max_abs_diff_vs_nashpy": float(np.abs(values[:n_reference] - nv).max()),
        "max_abs_diff_vs_lp": float(np.abs(values[:n_reference] - lp).max()),
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
                     "nashpy": nashpy.__version__},
        "machine": f"{platform.machine()} {platform.processor() or platform.system()}",
    }


def bench_zero_sum_nxn(sizes: tuple[int, ...] = (3, 4, 5), n_games: int = 10_000, n_reference: int = 100,
                       seed: int = 0) -> dict:
    """Per-game time of ``zero_sum_values`` (batched vertex enumeration of (R, -R)) against the HiGHS LP per game
    (``zero_sum_value``) on the same n x n games, and the largest value difference."""
    rng = np.random.default_rng(seed)
    rows = {}
    for n in sizes:
        R = rng.uniform(-1.0, 1.0, size=(n_games, n, n))
        zero_sum_values(R[:10])  # warm-up
        t_batch = _best_of(lambda: zero_sum_values(R), 3) / n_games
        v = zero_sum_values(R)[0]
        t_lp = _best_of(lambda: [zero_sum_value(A) for A in R[:n_reference]], 1) / n_reference
        lp = np.array([zero_sum_value(A).value for A in R[:n_reference]])
        rows[f"{n}x{n}"] = {"n_games": n_games, "batched_s_per_game": t_batch, "lp_s_per_game": t_lp,
                            "speedup_vs_lp": t_lp / t_batch,
                            "max_abs_diff_vs_lp": float(np.abs(v[:n_reference] - lp).max())}
    return {"question": "per-game time of batched n x n zero-sum values vs one HiGHS LP per game", "seed": seed,
            "sizes": rows}


if __name__ == "__main__":
    print(json.dumps(bench_zero_sum(), indent=2))
