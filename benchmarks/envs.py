"""Benchmark: agent-steps per second of ``refine_matrix_v0`` under random masked play, beside PettingZoo's ``rps_v2``.

Question: how fast do our environments step, against a PettingZoo classic env measured in the same run? Rows:

* ``rps_v2``: ``pettingzoo.classic.rps_v2.parallel_env()`` (15 rounds per episode), uniformly random actions;
* ``refine_matrix_v0`` parallel env on each workload in ``Config.workloads``, uniformly random *legal* actions;
* ``RefineMatrixVecEnv`` with ``Config.copies`` copies (2 agent sub-envs each), random legal actions for all
  sub-envs drawn in numpy.

An agent-step is one agent's action applied (a parallel step of two agents counts 2). Action choice is inside the
timed loop for every row, with the same uniform-from-a-pre-drawn-block rule for the single envs. Each row: a
warm-up, then ``repeats`` timed runs of ``seconds`` (time.perf_counter), median and IQR reported. Goals: parallel
env >= rps_v2 (ratio >= 1); vector env >= 1e6 agent-steps/s and >= 50 x rps_v2. Numbers vary 20-50 % between runs on
a shared machine: quote the ratios and the machine. Run: ``python benchmarks/envs.py`` (writes
``benchmarks/results/envs.json``).

``python benchmarks/envs.py --bargaining`` measures the joint two-agent VecEnvs that learners train on for
``refine_bargain_v0`` (benchmarks/agents.py's bargaining case, ``Config.bargain_copies`` copies, random legal
actions as above), and writes ``benchmarks/results/envs_bargaining.json``: ``MultiAgentVecEnv`` (one
``refine_bargain_v0.parallel_env`` per copy, stepped in a Python loop: the training path before the vector env)
against ``RefineBargainVecEnv`` (numpy), timed runs interleaved (old, new, old, ...) so that load hits both alike.
"""

from __future__ import annotations

import json
import os
import platform
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

WORKLOADS: dict[str, dict[str, Any]] = {
    "pennies_b11_r1": dict(game="matching_pennies", budget=(1, 1)),                 # refinement-heavy, 2-3 steps
    "rps_b11_r15": dict(game="rock_paper_scissors", budget=(1, 1), rounds=15),      # rps_v2's 15 rounds
    "rps_b22_r3_own_cost": dict(game="rock_paper_scissors", budget=(2, 2), rounds=3, visibility="own",
                                cost={"law": "uniform", "low": 0.0, "high": 0.2}),
}


@dataclass(frozen=True)
class Config:
    """Benchmark settings."""

    seconds: float = 1.5          # length of one timed run
    repeats: int = 5              # timed runs per row (median reported)
    warmup: float = 0.3           # seconds of untimed play first
    copies: int = 4096            # copies in the vector env (2 agent sub-envs each)
    bargain_copies: int = 250     # copies of the bargaining VecEnvs (benchmarks/agents.py's n_envs)
    seed: int = 0
    workloads: tuple[str, ...] = field(default_factory=lambda: tuple(WORKLOADS))


def _parallel_rate(make: Callable[[], Any], seconds: float, seed: int) -> float:
    """Agent-steps/s of random (masked where a mask exists) play of a PettingZoo ParallelEnv for ``seconds``."""
    env = make()
    u = np.random.default_rng(seed).random(1 << 22)
    ui, n = 0, 0
    obs, _ = env.reset(seed=seed)
    t0 = time.perf_counter()
    while True:
        for _ in range(200):
            if not env.agents:
                obs, _ = env.reset()
            actions = {}
            for agent in env.agents:
                o = obs[agent]
                legal = o["action_mask"].nonzero()[0] if isinstance(o, dict) else range(env.action_space(agent).n)
                actions[agent] = int(legal[int(u[ui] * len(legal))])
                ui = (ui + 1) & ((1 << 22) - 1)
            n += len(actions)
            obs, *_ = env.step(actions)
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return n / elapsed


def _vector_rate(make: Callable[[], Any], seconds: float, seed: int) -> float:
    vec = make()
    rng = np.random.default_rng(seed)
    vec.reset()
    n, t0 = 0, time.perf_counter()
    while True:
        masks = vec.action_masks()
        vec.step(np.argmax(rng.random(masks.shape, dtype=np.float32) * masks, axis=1))
        n += vec.num_envs
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return n / elapsed


def _row(rate: Callable[[float], float], cfg: Config) -> dict[str, float]:
    rate(cfg.warmup)
    rates = np.array([rate(cfg.seconds) for _ in range(cfg.repeats)])
    q1, q3 = np.percentile(rates, [25, 75])
    return {"agent_steps_per_s": float(np.median(rates)), "iqr": float(q3 - q1), "n": cfg.repeats}


def bench_envs(cfg: Config = Config()) -> dict[str, Any]:
    """Measure every row (see the module docstring) in one process; return the JSON-ready result."""
    import gymnasium
    import pettingzoo
    import stable_baselines3

    from vvl_env.envs import refine_matrix_v0
    from vvl_env.envs.refine_matrix.vector import RefineMatrixVecEnv

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pettingzoo.classic import rps_v2
    rows: dict[str, dict[str, float]] = {}
    rows["rps_v2.parallel_env"] = _row(lambda s: _parallel_rate(rps_v2.parallel_env, s, cfg.seed), cfg)
    base = rows["rps_v2.parallel_env"]["agent_steps_per_s"]
    for name in cfg.workloads:
        config = WORKLOADS[name]
        row = _row(lambda s: _parallel_rate(lambda: refine_matrix_v0.parallel_env(**config), s, cfg.seed), cfg)
        rows[f"refine_matrix_v0.parallel_env[{name}]"] = {**row, "ratio_to_rps_v2": row["agent_steps_per_s"] / base}
        row = _row(lambda s: _vector_rate(lambda: RefineMatrixVecEnv(2 * cfg.copies, seed=cfg.seed, **config), s,
                                          cfg.seed), cfg)
        rows[f"RefineMatrixVecEnv[{name}]"] = {**row, "ratio_to_rps_v2": row["agent_steps_per_s"] / base,
                                                "copies": cfg.copies}
    return {"benchmark": "envs", "config": asdict(cfg), "workloads": {k: repr(WORKLOADS[k]) for k in cfg.workloads},
            "rows": rows, "machine": platform.platform(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "numpy": np.__version__, "pettingzoo": pettingzoo.__version__,
            "gymnasium": gymnasium.__version__, "stable_baselines3": stable_baselines3.__version__,
            "loadavg_at_end": os.getloadavg()}


def bench_bargaining(cfg: Config = Config()) -> dict[str, Any]:
    """The bargaining VecEnvs (module docstring), ``repeats`` interleaved timed runs each; the JSON-ready result."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from agents.learning.envs import MultiAgentVecEnv
    from benchmarks.agents import CASES
    from vvl_env.envs import refine_bargain_v0
    from vvl_env.envs.refine_bargain.vector import RefineBargainVecEnv

    config, n = CASES["bargaining"][1], cfg.bargain_copies
    makers = {"MultiAgentVecEnv": lambda: MultiAgentVecEnv(lambda: refine_bargain_v0.parallel_env(**config), n,
                                                           seed=cfg.seed),
              "RefineBargainVecEnv": lambda: RefineBargainVecEnv(2 * n, seed=cfg.seed, **config)}
    rates: dict[str, list[float]] = {name: [] for name in makers}
    for name, make in makers.items():
        _vector_rate(make, cfg.warmup, cfg.seed)
    for _ in range(cfg.repeats):
        for name, make in makers.items():
            rates[name].append(_vector_rate(make, cfg.seconds, cfg.seed))
    rows = {}
    for name, r in rates.items():
        q1, q3 = np.percentile(r, [25, 75])
        rows[f"{name}[bargaining]"] = {"agent_steps_per_s": float(np.median(r)), "iqr": float(q3 - q1),
                                       "n": cfg.repeats, "copies": n}
    ratios = np.array(rates["RefineBargainVecEnv"]) / np.array(rates["MultiAgentVecEnv"])
    rows["RefineBargainVecEnv[bargaining]"]["ratio_to_MultiAgentVecEnv"] = float(np.median(ratios))
    return {"benchmark": "envs_bargaining", "config": asdict(cfg), "env_config": config, "rows": rows,
            "machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "loadavg_at_end": os.getloadavg()}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bargaining", action="store_true", help="the bargaining VecEnvs (envs_bargaining.json)")
    bargaining = parser.parse_args().bargaining
    result = bench_bargaining() if bargaining else bench_envs()
    out = Path(__file__).parent / "results" / ("envs_bargaining.json" if bargaining else "envs.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    for name, row in result["rows"].items():
        ratio = row.get("ratio_to_rps_v2", row.get("ratio_to_MultiAgentVecEnv"))
        peer = "rps_v2" if "ratio_to_rps_v2" in row else "MultiAgentVecEnv"
        print(f"{name:60s} {row['agent_steps_per_s']:14,.0f} /s" + (f"   x{ratio:7.2f} {peer}" if ratio else ""))
