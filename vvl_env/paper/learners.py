"""Learners next to the analytic reference (results 2-4): what SB3 agents learn about refinement.

* Result 2: a MaskablePPO learner's refine rate on RefineOrAct against the cost c, next to the Bayes-optimal rule
  (refine iff the exact gain sigma / sqrt(2 pi) exceeds c).
* Result 3: independent MaskablePPO learners in matching pennies with unilateral refinement (player_0, cost 0.05):
  refine rate, welfare and NashConv next to the analytic agents'.
* Result 4: a shared MaskablePPO policy in refine_bargain_v0 (K = 2): agreement utilities next to the SPE.

Learned numbers are reported, not asserted (learners can fall short; the report says where). The checks test the
analytic side of each comparison against an independent oracle: the Bayes agent's refine decision against the
closed-form threshold, its evaluated return (environment + agent, Monte Carlo) against the closed form
max(sigma/sqrt(2 pi) - c, 0), and its matching-pennies welfare against the model layer's Monte Carlo of the refined
game's equilibrium welfare (``refinement_effect``: model.refine + solve, no environment, no agent).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents.analytic import UniformRandom, make_agent
from agents.evaluate import evaluate
from agents.learning import TrainConfig, train
from vvl_env.model import PerturbationModel, matching_pennies
from vvl_env.paper.records import Check, Curve, Size, StudyResult
from vvl_env.solve import Estimate, refinement_effect

OPTIONS = [0.0, -0.3]
GAIN = 1.0 / np.sqrt(2.0 * np.pi)  # refining option 0 (the best): sigma / sqrt(2 pi), model.md §1
MATRIX = {"game": "matching_pennies", "perturbation": {"sigma_own": 1.0, "sigma_other": 1.0}, "budget": (1, 0),
          "cost": 0.05, "rounds": 1}
BARGAIN = {"K": 2, "grid": 21, "delta": 0.9, "horizon": 2, "budget": 1, "cost": 0.02}  # refine once, then bargain
ORACLE_DRAWS = 20_000


def _estimate(summary: dict[str, Any], key: str) -> Estimate:
    e = summary[f"eval/{key}"]
    return Estimate(float(e["mean"]), float(e.get("stderr", 0.0)), tuple(e["ci"]), int(e["n"]), "evaluation")


def _text(key: str, e: Estimate) -> str:
    """``mean [lo, hi]`` to 3 decimals; a rate's interval is Wilson's score interval, so it stays in [0, 1]."""
    lo, hi = e.ci
    if "rate" in key and e.n > 0:
        z, p, n = 1.959964, e.mean, e.n
        centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) \
            / (1 + z * z / n)
        lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    return f"{e.mean:.3f} [{lo:.3f}, {hi:.3f}]"


def _learn(env_id: str, env_config: dict[str, Any], mode: str, steps: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(env_id, env_config, algo="maskable_ppo", mode=mode, total_timesteps=steps, seed=seed)
        return train(cfg, Path(tmp) / "run").policies


def study(size: Size = "full", seed: int = 0) -> StudyResult:
    torch.set_num_threads(1)
    steps = 2_048 if size == "tiny" else 40_000
    episodes = 200 if size == "tiny" else 2_000
    costs = [0.1, 0.7] if size == "tiny" else [0.0, 0.1, 0.2, 0.3, 0.35, 0.45, 0.5, 0.6]
    curves, checks, tables = [], [], []
    learned_rate, analytic_rate, learned_ret, random_ret, analytic_ret = [], [], [], [], []
    for c in costs:
        cfg = {"values": OPTIONS, "perturbation": {"sigma_own": 1.0}, "cost": c, "budget": 1}
        learned = _learn("refine_or_act", cfg, "single", steps, seed)
        rep = evaluate("refine_or_act", cfg, learned, episodes=episodes, seed=seed).summary()
        ana = evaluate("refine_or_act", cfg, {"agent": make_agent("bayes_myopic", "refine_or_act", env_config=cfg)},
                       episodes=episodes, seed=seed).summary()
        rnd = evaluate("refine_or_act", cfg, {"agent": UniformRandom()}, episodes=episodes, seed=seed).summary()
        learned_rate.append(_estimate(rep, "refine_rate/agent"))
        analytic_rate.append(_estimate(ana, "refine_rate/agent"))
        learned_ret.append(_estimate(rep, "payoff/agent"))
        random_ret.append(_estimate(rnd, "payoff/agent"))
        analytic_ret.append(_estimate(ana, "payoff/agent"))
    wrong = sum(abs(e.mean - float(GAIN > c)) > 0 for e, c in zip(analytic_rate, costs))
    checks.append(Check(f"RefineOrAct: costs (of {len(costs)}) where the Bayes agent's refine rate is not "
                        "1{sigma/sqrt(2 pi) > c}", float(wrong), 0.0, 0.0, "closed-form threshold (model.md §1)"))
    worst = max(abs(e.mean - max(GAIN - c, 0.0)) / max(e.stderr, 1e-12) for e, c in zip(analytic_ret, costs))
    checks.append(Check("RefineOrAct: Bayes agent's evaluated return vs max(sigma/sqrt(2 pi) - c, 0), largest "
                        "|z| over the costs", worst, 0.0, 5.0, "closed form (model.md §1) against episodes of the "
                        "environment; 5 standard errors"))
    panel = f"RefineOrAct (values {OPTIONS}, sigma 1, one refinement): refine rate against the cost"
    curves += [Curve.from_estimates(panel, f"MaskablePPO, {steps} steps", costs, learned_rate, x_label="cost c",
                                    y_label="refine rate"),
               Curve.from_estimates(panel, "Bayes-optimal (myopic = optimal here)", costs, analytic_rate,
                                    x_label="cost c", y_label="refine rate")]
    panel = "RefineOrAct: expected return against the cost"
    curves += [Curve.from_estimates(panel, f"MaskablePPO, {steps} steps", costs, learned_ret, x_label="cost c",
                                    y_label="return"),
               Curve.from_estimates(panel, "uniform random", costs, random_ret, x_label="cost c", y_label="return")]
    # result 3: matching pennies, independent learners next to the analytic agents
    learned = _learn("refine_matrix_v0", MATRIX, "independent", 2 * steps, seed)
    ana = {a: make_agent("bayes_myopic", "refine_matrix_v0", env_config=MATRIX, role=a)
           for a in ("player_0", "player_1")}
    rows = {}
    for who, pols in [("independent MaskablePPO", learned), ("analytic (Bayes myopic, equilibrium play)", ana)]:
        s = evaluate("refine_matrix_v0", MATRIX, pols, episodes=episodes, seed=seed).summary()
        rows[who] = {k: _estimate(s, k) for k in ("welfare", "refine_rate/player_0", "nash_conv", "payoff/player_0",
                                                   "payoff/player_1")}
    tables.append({"setting": "matching pennies, player_0 may refine H once (cost 0.05), sigmas 1"} | {
        f"{who}: {k}": _text(k, e) for who, r in rows.items() for k, e in r.items()})
    a = rows["analytic (Bayes myopic, equilibrium play)"]
    checks.append(Check("matching pennies: analytic refine rate", a["refine_rate/player_0"].mean, 1.0, 0.0,
                        "gain 0.146 > cost 0.05: refine (model.md §2)"))
    effect = refinement_effect(matching_pennies(), [(0, 0)], PerturbationModel(1.0, 1.0), n=ORACLE_DRAWS,
                               rng=np.random.default_rng([seed, 3]), selection="all")
    w = a["welfare"]
    checks.append(Check("matching pennies: analytic agents' welfare + cost vs the refined game's equilibrium welfare",
                        w.mean + MATRIX["cost"], effect.welfare.mean, 5 * np.hypot(w.stderr, effect.welfare.stderr),
                        "refinement_effect (model + solver, no environment or agent), model.md §2; 5 standard "
                        "errors"))
    # result 4: bargaining agreements next to the SPE
    learned = _learn("refine_bargain_v0", BARGAIN, "shared", 2 * steps, seed)
    ana = {p: make_agent("bayes_myopic", "refine_bargain_v0", env_config=BARGAIN) for p in ("player_0", "player_1")}
    row = {"setting": f"refine_bargain_v0 {BARGAIN}"}
    for who, pols in [("shared MaskablePPO", learned), ("analytic (refine iff worth it, SPE offers)", ana)]:
        s = evaluate("refine_bargain_v0", BARGAIN, pols, episodes=episodes, seed=seed).summary()
        for k in ("refine_rate/player_0", "refine_rate/player_1", "payoff/player_0", "payoff/player_1", "welfare"):
            e = _estimate(s, k)
            row[f"{who}: {k}"] = _text(k, e)
    tables.append(row)
    return StudyResult("learners", "Learners next to the analytic reference",
                       f"sb3-contrib MaskablePPO with vvl's default hyper-parameters, {steps} training steps per "
                       f"learner (twice that for two-agent runs), seed {seed}; {episodes} seeded evaluation "
                       "episodes; pointwise RRP, normal gaps, q = 1/2", tuple(curves), tuple(checks), tuple(tables))
