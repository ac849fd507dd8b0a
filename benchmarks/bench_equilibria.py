"""Benchmark: batched extreme-equilibrium enumeration (vvl) against nashpy's ``vertex_enumeration``, per game.

For each shape, ``n_games`` seeded random games (payoffs i.i.d. uniform on [-1, 1]) are solved by
:func:`vvl_env.solve.equilibria.batch_equilibria` in one call (after a warm-up; median of ``repeats`` timings), and a
subset of ``n_nashpy`` of them one by one by nashpy. Reported: seconds per game for both, their ratio, and the number
of games (of the subset) whose equilibrium sets differ (order-free, atol 1e-7). Inputs are generated outside the
timed regions. Numbers vary 20-50 % between runs on a shared machine: quote the ratio and the machine.
"""

from __future__ import annotations

import json
import platform
import time
import warnings

import nashpy
import numpy as np

from vvl_env.solve.equilibria import batch_equilibria

SHAPES = ((2, 2), (3, 2), (3, 3), (4, 4))


def _same(ours: list, theirs: list, atol: float = 1e-7) -> bool:
    return len(ours) == len(theirs) and all(
        any(np.allclose(x, u, atol=atol) and np.allclose(y, v, atol=atol) for u, v in ours) for x, y in theirs)


def bench_equilibria(n_games: int = 1000, seed: int = 0, n_nashpy: int = 100, repeats: int = 5) -> dict:
    """Time vvl's batched solver against nashpy per game for each shape in ``SHAPES``; see the module docstring."""
    rng = np.random.default_rng(seed)
    rows = {}
    for m, n in SHAPES:
        R1, R2 = rng.uniform(-1.0, 1.0, size=(2, n_games, m, n))
        batch_equilibria(R1[:10], R2[:10])  # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            batch = batch_equilibria(R1, R2)
            times.append(time.perf_counter() - t0)
        k = min(n_nashpy, n_games)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            list(nashpy.Game(R1[0], R2[0]).vertex_enumeration())  # warm-up
            t0 = time.perf_counter()
            theirs = [list(nashpy.Game(R1[b], R2[b]).vertex_enumeration()) for b in range(k)]
            t_nashpy = (time.perf_counter() - t0) / k
        mismatches = sum(not _same(list(zip(batch.xs[b, :batch.count[b]], batch.ys[b, :batch.count[b]])), theirs[b])
                         for b in range(k))
        t_ours = float(np.median(times)) / n_games
        rows[f"{m}x{n}"] = {"n_games": n_games, "vvl_batch_s": float(np.median(times)), "vvl_s_per_game": t_ours,
                            "nashpy_games": k, "nashpy_s_per_game": t_nashpy, "speedup": t_nashpy / t_ours,
                            "mismatches": int(mismatches), "mean_equilibria": float(batch.count.mean())}
    return {"benchmark": "bench_equilibria", "seed": seed, "machine": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__, "nashpy": nashpy.__version__,
            "shapes": rows}


if __name__ == "__main__":
    print(json.dumps(bench_equilibria(), indent=2))
