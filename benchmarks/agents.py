"""Learner benchmarks; writes ``benchmarks/results/agents.json``.

Run on demand (not part of the tests): ``python benchmarks/agents.py [--quick]`` (about 10 minutes on 2 cores;
``--quick`` is a smoke run with small budgets). Two questions:

1. RefineOrAct, 3 options, cost below the value of refining: does MaskablePPO get within 2 % of the Bayes-optimal
   expected return within 100,000 env steps (median over 5 seeds)? The learned policy's expected return is computed
   *exactly* (no episode noise): its first-step distribution is fixed (fixed cost), and after refining option k the
   observation depends only on the gap D, integrated on a fine grid against N(0, sigma^2).
2. Matching pennies in refine_matrix_v0 with unilateral refinement by player_0 (budget (1, 0)): independent
   MaskablePPO learners; learned refine rate, welfare and NashConv (``agents.evaluate``) next to the analytic
   values (``vvl_env.solve.refinement_effect``; refine iff the expected gain exceeds the cost).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import stable_baselines3
import torch as th

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.evaluate import evaluate  # noqa: E402
from agents.learning import TrainConfig, load, train  # noqa: E402
from vvl_env.envs import RefineOrAct  # noqa: E402
from vvl_env.model.game import named_game  # noqa: E402
from vvl_env.model.perturbation import PerturbationModel  # noqa: E402
from vvl_env.solve import refinement_effect, value_of_refinement  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "agents.json"
ROA = {"values": [0.0, -0.3, -0.6], "perturbation": {"sigma_own": 1.0}, "cost": 0.1, "budget": 1}
MP = {"game": "matching_pennies", "budget": [1, 0], "cost": 0.05}


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """Budgets of one benchmark run."""

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    """Training seeds of question 1."""
    roa_timesteps: int = 100_000
    """Env steps per RefineOrAct run."""
    roa_every: int = 10_000
    """Checkpoint (and exact evaluation) interval."""
    mp_seeds: tuple[int, ...] = (0, 1, 2)
    """Training seeds of question 2."""
    mp_timesteps: int = 100_000
    """Agent-steps per matching-pennies run (50,000 per learner)."""
    mp_episodes: int = 2_000
    """Evaluation episodes of question 2."""
    analytic_draws: int = 100_000
    """Monte Carlo draws of the analytic refined-game welfare."""


def bayes_optimal_return(config: dict[str, Any]) -> float:
    """Budget 1, fixed cost: ``max(V0, max_k V0 + gain_k - c)`` (model.md §1, exact gains)."""
    env = RefineOrAct(**config)
    c = env.cost_law.low
    gains = [value_of_refinement(env.coarse, k, env.perturbation, cost=c).gain.mean
             for k in range(env.coarse.n_options)]
    v0 = env.coarse.value
    return float(max(v0, v0 + max(gains) - c))


def exact_return(policy: Any, config: dict[str, Any], points: int = 4001) -> float:
    """Expected return of ``policy`` (an SB3Policy) on RefineOrAct with budget 1, fixed cost and fixed q."""
    env = RefineOrAct(**config)
    obs0, _ = env.reset(seed=0)
    mask0 = env.action_masks()
    p0 = policy.action_probabilities(obs0, mask0.astype(np.int8))
    M, U, c = env.max_options, np.asarray(env.coarse.values), env.cost
    sigma, q = env.perturbation.sigma_own, env.perturbation.q_mean
    n = len(U)
    z = np.linspace(-8.0, 8.0, points)
    w = np.exp(-0.5 * z * z)
    w /= w.sum()
    D = sigma * z
    total = float(p0[M:M + n] @ U)
    for k in np.flatnonzero(p0[:M] > 0):
        values = np.column_stack([np.repeat(U[None, :k], points, 0), U[k] + (1 - q) * D, U[k] - q * D,
                                  np.repeat(U[None, k + 1:], points, 0)])
        obs = np.zeros((points, 2 * M + 5), np.float32)  # bias entry 2M + 4 stays 0 (common knowledge)
        obs[:, :n + 1], obs[:, M:M + n + 1] = values, 1.0
        obs[:, 2 * M], obs[:, 2 * M + 1], obs[:, 2 * M + 2], obs[:, 2 * M + 3] = 0.0, c, sigma, q
        masks = np.zeros((points, 2 * M), bool)
        masks[:, M:M + n + 1] = True
        probs = policy.probabilities_batch(obs, masks)
        total += p0[k] * (-c + float(((probs[:, M:M + n + 1] * values).sum(axis=1)) @ w))
    return total


def _check_layout(config: dict[str, Any]) -> None:
    """The hand-built observation of :func:`exact_return` equals the environment's after a refinement."""
    env = RefineOrAct(**config)
    env.reset(seed=5)
    obs, *_ = env.step(0)
    M, v = env.max_options, np.asarray(env.problem.values)
    assert np.allclose(obs[:len(v)], v) and obs[2 * M] == 0 and np.isclose(obs[2 * M + 1], env.cost)


def bench_refine_or_act(bc: BenchConfig) -> dict[str, Any]:
    _check_layout(ROA)
    optimum = bayes_optimal_return(ROA)
    runs = []
    for seed in bc.seeds:
        config = TrainConfig("refine_or_act", ROA, algo="maskable_ppo", total_timesteps=bc.roa_timesteps, seed=seed,
                             n_envs=8, checkpoint_every=bc.roa_every, eval_every=0, eval_episodes=1)
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            result = train(config, d)
            wall = time.perf_counter() - t0
            curve = [(int(p.name[1:]), exact_return(load(d, p.name)["agent"], ROA)) for p in result.checkpoints]
        within = [t for t, r in curve if r >= 0.98 * optimum]
        runs.append({"seed": seed, "wall_s": wall, "steps_per_s": result.timesteps / wall,
                     "final_return": curve[-1][1], "ratio": curve[-1][1] / optimum,
                     "steps_to_2pct": within[0] if within else None, "curve": curve})
        print(f"refine_or_act seed {seed}: {runs[-1]['final_return']:.4f} / {optimum:.4f}, "
              f"{runs[-1]['steps_per_s']:.0f} steps/s", file=sys.stderr)
    finals = [r["final_return"] for r in runs]
    hits = [r["steps_to_2pct"] for r in runs]
    return {"config": ROA, "algo": "maskable_ppo", "bayes_optimal": optimum,
            "median_final_return": float(np.median(finals)), "median_ratio": float(np.median(finals) / optimum),
            "within_2pct_median": bool(np.median(finals) >= 0.98 * optimum),
            "median_steps_to_2pct": None if sum(h is None for h in hits) > len(hits) // 2 else
            float(np.median([h if h is not None else np.inf for h in hits])),
            "median_steps_per_s": float(np.median([r["steps_per_s"] for r in runs])),
            "median_wall_s": float(np.median([r["wall_s"] for r in runs])), "runs": runs}


def bench_matching_pennies(bc: BenchConfig) -> dict[str, Any]:
    cost = MP["cost"]
    effect = refinement_effect(named_game("matching_pennies"), [(0, 0)], PerturbationModel(), n=bc.analytic_draws,
                               rng=np.random.default_rng(0))
    gain = effect.gain(0)
    refine = gain.mean > cost
    analytic = {"gain_player_0": gain.as_dict(), "refine": bool(refine), "refine_rate": float(refine),
                "welfare_play": effect.welfare.as_dict() if refine else 0.0,
                "welfare_net_of_cost": (effect.welfare.mean - cost) if refine else 0.0, "nash_conv": 0.0}
    runs = []
    for seed in bc.mp_seeds:
        config = TrainConfig("refine_matrix_v0", MP, algo="maskable_ppo", mode="independent",
                             total_timesteps=bc.mp_timesteps, seed=seed, n_envs=8, eval_episodes=1)
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            result = train(config, d)
            wall = time.perf_counter() - t0
        s = evaluate("refine_matrix_v0", MP, result.policies, episodes=bc.mp_episodes, seed=10_000 + seed).summary()
        keep = ("eval/refine_rate/player_0", "eval/welfare", "eval/payoff/player_0", "eval/payoff/player_1",
                "eval/nash_conv", "eval/eq_payoff/player_0", "eval/eq_payoff/player_1", "eval/cost/player_0")
        runs.append({"seed": seed, "wall_s": wall, "steps_per_s": result.timesteps / wall,
                     **{k: s[k] for k in keep if k in s}})
        print(f"matching pennies seed {seed}: refine {s['eval/refine_rate/player_0']['mean']:.3f}, welfare "
              f"{s['eval/welfare']['mean']:.3f}, nash_conv {s['eval/nash_conv']['mean']:.3f}", file=sys.stderr)
    return {"config": MP, "algo": "maskable_ppo", "mode": "independent", "analytic": analytic, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small budgets (a smoke run)")
    args = parser.parse_args()
    th.set_num_threads(1)
    bc = BenchConfig(seeds=(0,), roa_timesteps=10_000, roa_every=5_000, mp_seeds=(0,), mp_timesteps=8_000,
                     mp_episodes=200, analytic_draws=10_000) if args.quick else BenchConfig()
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "bench_config": asdict(bc),
               "machine": {"platform": platform.platform(), "python": sys.version.split()[0],
                           "torch": th.__version__, "stable_baselines3": stable_baselines3.__version__,
                           "torch_threads": th.get_num_threads()},
               "refine_or_act": bench_refine_or_act(bc), "matching_pennies": bench_matching_pennies(bc)}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=float))
    print(f"wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
