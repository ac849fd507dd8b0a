"""Training throughput and the cost of vvl's workflow; writes ``benchmarks/results/learn_speed.json``.

Run on demand (not part of the tests): ``python benchmarks/learn_speed.py [--quick]`` (a few minutes on 2 cores).
Every figure is a ratio against a peer measured in the same run, interleaved (peer, vvl, peer, vvl, ...) so that
load from other processes hits both alike; each entry keeps the wall-clock and the CPU-time rates and their median.

1. **Throughput** of vvl's PPO-family learners (``agents.learning.train``: MaskablePPO on RefineOrAct through
   ``RefineOrActVecEnv``, shared MaskablePPO on ``refine_matrix_v0`` through ``RefineMatrixVecEnv``) with many
   copies and large batches (``FAST``), in env-steps (agent-steps) per second of the learning loop (model
   construction excluded: ``train/sps`` of the curve), against SB3's PPO on CartPole-v1 with the same network
   (MlpPolicy, 64x64), copies, rollout and batch; and against SB3's own path for RefineOrAct (a ``DummyVecEnv`` of
   ``RefineOrAct``) with the same settings.
2. **Workflow cost**: ``vvl run scenarios/quickstart.toml`` (training with learning curve and checkpoints,
   evaluation of three agents, report) against bare SB3 doing the same training (MaskablePPO on a ``DummyVecEnv``
   of ``RefineOrAct`` with the scenario's hyper-parameters and budget, one process, every seed), both as
   processes timed from start to end.

   Where vvl's extra time goes (CPU seconds of one ``vvl run``, timers around the functions, 2 cores, load 2-3;
   bare SB3 takes about 12): the training loop itself is faster than the peer's (``RefineOrActVecEnv``: 7.2-8.0
   s against 8.5-9.2 s of ``learn``), model construction and the torch/SB3 imports are the same. On top: importing
   matplotlib for the figures (0.4 s) and scipy.special for the Bayes agent's closed form (0.25 s), the final
   evaluation (3 agents x 2 seeds x 2000 episodes and the reference agent once per seed, 0.5-0.6 s), the report's
   four figures (0.6 s), the learning-curve points (12 x 200 episodes, 0.2 s), checkpoints, final models and
   TensorBoard (0.1 s), summary and tables (< 0.05 s). Removed as waste: scipy.stats and scipy.integrate (0.5-0.7
   s of imports; the closed form needs only ``scipy.special.ndtr``, the t band only with 5 seeds or more), the
   refine-decision gap once per episode (now once per distinct first decision), deep copies of the replayed
   reference records, and one analytic-agent call per episode and step (now one per distinct observation).
3. **Masked distributions** (``bargaining``): MaskablePPO on the bargaining case of benchmarks/agents.py (445
   actions) with vvl's ``MaskedMlpPolicy`` (``agents.learning.masked_policy``: one normalisation of the logits
   fewer, no argument checks) against sb3-contrib's ``MlpPolicy``, interleaved, the same seed: the rate ratio, and
   whether both trained bit-identical weights (they must); and the same with two torch threads (one run using both
   cores, ``TrainConfig.torch_threads``), whose weights differ in the last bits but repeat from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "learn_speed.json"
QUICKSTART = ROOT / "scenarios" / "quickstart.toml"
FAST = {"n_envs": 256, "n_steps": 32, "batch_size": 1024, "n_epochs": 4}
"""Throughput settings: 256 copies x 32 steps = 8192 env-steps per rollout, 4 epochs of minibatches of 1024."""
ROA = {"values": [1.0, 0.0], "cost": 0.1, "budget": 1, "perturbation": {"sigma_own": 1.0}}
MP = {"game": "matching_pennies", "budget": [1, 1], "cost": 0.05}


def _vvl_sps(env_id: str, env_config: dict[str, Any], mode: str, rollouts: int) -> tuple[float, float]:
    """vvl's learning-loop rate (wall, CPU) over ``rollouts`` rollouts of FAST."""
    from agents.learning import TrainConfig, train

    steps = rollouts * FAST["n_envs"] * FAST["n_steps"] * (2 if mode == "shared" else 1)
    cfg = TrainConfig(env_id=env_id, env_config=env_config, algo="maskable_ppo", mode=mode, total_timesteps=steps,
                      n_envs=FAST["n_envs"], seed=0, eval_episodes=1,
                      hyperparams={k: FAST[k] for k in ("n_steps", "batch_size", "n_epochs")})
    cpu = time.process_time()
    with tempfile.TemporaryDirectory() as out:
        result = train(cfg, out)
    return float(result.curve[-1]["train/sps"]), result.timesteps / (time.process_time() - cpu)


def _sb3_sps(make_env: Any, algo: str, rollouts: int) -> tuple[float, float]:
    """SB3's rate (wall, CPU of ``learn``) with FAST on the vector env ``make_env()``."""
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO

    env = make_env()
    cls = MaskablePPO if algo == "maskable_ppo" else PPO
    model = cls("MlpPolicy", env, seed=0, device="cpu", n_steps=FAST["n_steps"], batch_size=FAST["batch_size"],
                n_epochs=FAST["n_epochs"], gamma=1.0)
    steps = rollouts * FAST["n_envs"] * FAST["n_steps"]
    wall, cpu = time.perf_counter(), time.process_time()
    model.learn(steps)
    return steps / (time.perf_counter() - wall), steps / (time.process_time() - cpu)


def _cartpole() -> Any:
    from stable_baselines3.common.env_util import make_vec_env

    return make_vec_env("CartPole-v1", n_envs=FAST["n_envs"], seed=0)


def _roa_dummy() -> Any:
    from stable_baselines3.common.vec_env import DummyVecEnv

    from vvl_env.envs import RefineOrAct

    env = DummyVecEnv([lambda: RefineOrAct(**ROA) for _ in range(FAST["n_envs"])])
    env.seed(0)
    return env


def _summary(samples: list[tuple[float, float]]) -> dict[str, Any]:
    wall, cpu = [s[0] for s in samples], [s[1] for s in samples]
    return {"wall_sps": wall, "cpu_sps": cpu, "median_wall_sps": statistics.median(wall),
            "median_cpu_sps": statistics.median(cpu)}


def throughput(repeats: int, rollouts: int) -> dict[str, Any]:
    """Question 1: interleaved rates and the ratios of the medians."""
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in ("cartpole_ppo", "sb3_dummy_refine_or_act",
                                                                   "vvl_refine_or_act", "vvl_refine_matrix_shared")}
    for r in range(repeats):
        runs["cartpole_ppo"].append(_sb3_sps(_cartpole, "ppo", rollouts))
        runs["vvl_refine_or_act"].append(_vvl_sps("refine_or_act", ROA, "single", rollouts))
        runs["sb3_dummy_refine_or_act"].append(_sb3_sps(_roa_dummy, "maskable_ppo", rollouts))
        runs["vvl_refine_matrix_shared"].append(_vvl_sps("refine_matrix_v0", MP, "shared", rollouts // 2 or 1))
        print(f"throughput repeat {r + 1}/{repeats}: " + ", ".join(f"{k} {v[-1][0]:.0f}/s" for k, v in runs.items()),
              file=sys.stderr)
    out: dict[str, Any] = {k: _summary(v) for k, v in runs.items()}
    peer = out["cartpole_ppo"]
    for k in ("vvl_refine_or_act", "vvl_refine_matrix_shared", "sb3_dummy_refine_or_act"):
        out[k]["ratio_to_cartpole_wall"] = out[k]["median_wall_sps"] / peer["median_wall_sps"]
        out[k]["ratio_to_cartpole_cpu"] = out[k]["median_cpu_sps"] / peer["median_cpu_sps"]
    out["vvl_refine_or_act"]["speedup_over_sb3_dummy_wall"] = (out["vvl_refine_or_act"]["median_wall_sps"]
                                                               / out["sb3_dummy_refine_or_act"]["median_wall_sps"])
    return out


BARGAIN_EPOCHS = 4
"""Question 3: benchmarks/agents.py's bargaining case and default settings (``CASES``, ``SETTINGS``: 250 copies,
rollouts of 32, minibatches of 1,000, a 256 x 256 x 256 ReLU network) with MaskablePPO's 4 epochs, one shared
policy on ``RefineBargainVecEnv`` (500 sub-envs)."""


def _bargain_sps(policy: str, rollouts: int, threads: int = 1) -> tuple[float, float, str]:
    """MaskablePPO's rate (wall, CPU of ``learn``) on the bargaining case with ``policy`` ("masked":
    ``agents.learning.masked_policy.MaskedMlpPolicy``, vvl's; "sb3": sb3-contrib's ``MlpPolicy``) and ``threads``
    torch threads, and a digest of the trained weights (the two policies must train the same network bit for bit)."""
    import hashlib

    import torch as th
    from sb3_contrib import MaskablePPO

    from agents.learning.masked_policy import MaskedMlpPolicy
    from agents.learning.sb3_args import resolve_activation
    from benchmarks.agents import CASES, SETTINGS
    from vvl_env.envs import RefineBargainVecEnv

    th.set_num_threads(threads)
    setting = SETTINGS["default"]
    env = RefineBargainVecEnv(2 * setting["n_envs"], seed=0, **CASES["bargaining"][1])
    model = MaskablePPO(MaskedMlpPolicy if policy == "masked" else "MlpPolicy", env, seed=0, device="cpu",
                        gamma=1.0, n_epochs=BARGAIN_EPOCHS, **resolve_activation(setting["hyperparams"]))
    steps = rollouts * env.num_envs * setting["hyperparams"]["n_steps"]
    wall, cpu = time.perf_counter(), time.process_time()
    model.learn(steps)
    rates = steps / (time.perf_counter() - wall), steps / (time.process_time() - cpu)
    th.set_num_threads(1)
    digest = hashlib.sha256(b"".join(v.numpy().tobytes() for v in model.policy.state_dict().values())).hexdigest()
    return *rates, digest[:16]


def bargaining(repeats: int, rollouts: int) -> dict[str, Any]:
    """Question 3: vvl's masked policy against sb3-contrib's on the bargaining case, interleaved; the ratio of the
    medians and whether every pair trained the same weights; and vvl's with two torch threads
    (``TrainConfig.torch_threads``) against one."""
    variants = (("sb3_mlp_policy", "sb3", 1), ("vvl_masked_mlp_policy", "masked", 1),
                ("vvl_masked_mlp_policy_2_threads", "masked", 2))
    runs: dict[str, list[tuple[float, float]]] = {key: [] for key, _, _ in variants}
    digests: dict[str, list[str]] = {k: [] for k in runs}
    for r in range(repeats):
        for key, policy, threads in variants:
            *rates, digest = _bargain_sps(policy, rollouts, threads)
            runs[key].append((rates[0], rates[1]))
            digests[key].append(digest)
        print(f"bargaining repeat {r + 1}/{repeats}: " + ", ".join(f"{k} {v[-1][0]:.0f}/s" for k, v in runs.items()),
              file=sys.stderr)
    out: dict[str, Any] = {k: _summary(v) for k, v in runs.items()}
    peer, ours = out["sb3_mlp_policy"], out["vvl_masked_mlp_policy"]
    ours["speedup_wall"] = ours["median_wall_sps"] / peer["median_wall_sps"]
    ours["speedup_cpu"] = ours["median_cpu_sps"] / peer["median_cpu_sps"]
    two = out["vvl_masked_mlp_policy_2_threads"]
    two["speedup_wall_over_one_thread"] = two["median_wall_sps"] / ours["median_wall_sps"]
    out["same_weights"] = digests["sb3_mlp_policy"] == digests["vvl_masked_mlp_policy"]
    out["two_threads_reproducible"] = len(set(digests["vvl_masked_mlp_policy_2_threads"])) == 1
    out["settings"] = {"case": "benchmarks/agents.py bargaining", "n_epochs": BARGAIN_EPOCHS, "mode": "shared",
                       "rollouts": rollouts}
    return out


def bare_quickstart() -> None:
    """Bare SB3 doing the quickstart's training (every seed), nothing else (run in its own process)."""
    import torch as th
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.vec_env import DummyVecEnv

    from vvl_env.envs import RefineOrAct
    from vvl_env.runs.execute import train_config
    from vvl_env.runs.schema import load_scenario

    th.set_num_threads(1)
    scenario = load_scenario(QUICKSTART)
    learners = [a for a in scenario.agents if a.kind == "learner"]
    for agent in learners:
        for seed in scenario.seeds:
            cfg = train_config(scenario, agent, seed)
            env = DummyVecEnv([lambda: RefineOrAct(**cfg.env_config) for _ in range(cfg.n_envs)])
            env.seed(seed)
            model = MaskablePPO("MlpPolicy", env, seed=seed, device="cpu", **cfg.model_kwargs)
            model.learn(cfg.total_timesteps)


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system of the child) seconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def workflow(repeats: int) -> dict[str, Any]:
    """Question 2: ``vvl run`` of the quickstart against bare SB3, interleaved."""
    vvl = [sys.executable, "-c", "import sys; from vvl_env.cli import main; sys.exit(main())", "run", str(QUICKSTART),
           "--quiet"]
    bare = [sys.executable, str(Path(__file__).resolve()), "bare-quickstart"]
    times: dict[str, list[tuple[float, float]]] = {"bare_sb3": [], "vvl_run": []}
    with tempfile.TemporaryDirectory() as out:
        for r in range(repeats):
            times["bare_sb3"].append(_timed(bare))
            times["vvl_run"].append(_timed(vvl + ["--out", out]))
            print(f"workflow repeat {r + 1}/{repeats}: bare {times['bare_sb3'][-1][0]:.1f} s, vvl run "
                  f"{times['vvl_run'][-1][0]:.1f} s", file=sys.stderr)
    res: dict[str, Any] = {k: {"wall_s": [t[0] for t in v], "cpu_s": [t[1] for t in v],
                               "median_wall_s": statistics.median(t[0] for t in v),
                               "median_cpu_s": statistics.median(t[1] for t in v)} for k, v in times.items()}
    res["ratio_wall"] = res["vvl_run"]["median_wall_s"] / res["bare_sb3"]["median_wall_s"]
    res["ratio_cpu"] = res["vvl_run"]["median_cpu_s"] / res["bare_sb3"]["median_cpu_s"]
    res["target_ratio"] = 1.1
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="all", choices=["all", "throughput", "workflow", "bargaining",
                                                                    "bare-quickstart"])
    parser.add_argument("--quick", action="store_true", help="one repeat, small budgets (a smoke run)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.what == "bare-quickstart":
        bare_quickstart()
        return
    import torch as th

    th.set_num_threads(1)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["settings"] = {"fast": FAST, "refine_or_act": ROA, "refine_matrix_v0": MP, "torch_threads": 1,
                           "network": "MlpPolicy 64x64 (SB3 default)"}
    sections = {"throughput": lambda: throughput(1 if args.quick else 3, 2 if args.quick else 6),
                "bargaining": lambda: bargaining(1 if args.quick else 3, 1 if args.quick else 4),
                "workflow": lambda: workflow(1 if args.quick else 5)}  # whole processes: 5 interleaved pairs
    for name, measure in sections.items():
        if args.what in ("all", name):
            start = os.getloadavg()
            results[name] = measure()
            results[name]["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                                        "load_average_at_start": start, "load_average_at_end": os.getloadavg()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))
    print(json.dumps({k: v for k, v in results.items() if k != "machine"}, indent=1))


if __name__ == "__main__":
    main()
