"""What a learner loses against the Bellman-optimal agent on RefineOrAct, and where (``benchmarks/agents.py``'s
``refine_or_act`` row).

On the same seeded episodes (``agents.evaluate``; episode e is the same cost draw for both, and the same refinement
outcomes as long as both take the same actions), the learner's return R and the optimal agent's R* give

* ``ratio = mean R / mean R*`` (the target) and the paired shortfall ``R* - R`` with its standard error: once the
  two take different actions their later draws differ, so a finite sample can put the ratio above 1;
* the shortfall split by decision (expected values, not samples): ``refine_gap``, what the learner's first refine
  decision loses against the optimal one given optimal play afterwards (:mod:`agents.refine_gap`), and ``regret``,
  what its act choice loses against acting on the best option (``max_k U(k) - E[U | act]``); the rest is lost at
  the later refine decisions;
* the first refine threshold: at the initial options, the cost c at which the learner's probability of refining
  falls through 1/2, against the optimal agent's c* (refining beats acting by ``c* - c``, so the advantage a
  policy gradient sees vanishes at the threshold);
* the second refine decision, at ``states`` states reached by refining the best initial option first (fresh cost
  and outcome draws): ``second_gap``, its expected loss as ``refine_gap`` measures the first, and
  ``second_right/<k>``, the learner's probability of refining the option the optimal agent refines there, split by
  that option's index k (after refining option 0 the better variant lands at index 0 or 1 with the sign of the
  gap, so a learner that never refines option 1 halves its second refinements).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.analytic import make_agent
from agents.evaluate import evaluate
from agents.refine_gap import decision_values, refine_gap
from vvl_env.envs import RefineOrAct


def first_threshold(policy: Any, env_config: dict[str, Any], points: int = 241) -> float:
    """The smallest cost on a grid over the cost law's support at which ``policy`` refines at the first step
    (initial options, full budget) with probability below 1/2 (the upper end of the support if none)."""
    env = RefineOrAct(**env_config)
    obs, info = env.reset(seed=0)
    M, law = env.max_options, env.cost_law
    high = law.upper if law.upper is not None and np.isfinite(law.upper) else 4 * law.mean
    for c in np.linspace(0.0, high, points):
        o = obs.copy()
        o[2 * M + 1] = c
        if policy.action_probabilities(o, info["action_mask"])[:M].sum() < 0.5:
            return float(c)
    return float(high)


def second_decision(policy: Any, reference: Any, env_config: dict[str, Any], *, states: int, seed: int,
                    ) -> dict[str, float]:
    """``second_gap`` and ``second_right/<k>`` (module docstring) over ``states`` states (resets seeded
    ``seed + s``); {} without a second refinement (budget < 2)."""
    env = RefineOrAct(**env_config)
    if env.budget < 2:
        return {}
    gaps, right = [], {}
    for s in range(states):
        env.reset(seed=seed + s)
        obs, _, _, _, info = env.step(int(np.argmax(env.coarse.values)))
        mask = info["action_mask"]
        probs = policy.action_probabilities(obs, mask)
        gaps.append(refine_gap("refine_or_act", reference, obs, mask, probs)["refine_gap"])
        stop, q, _ = decision_values(reference, obs)
        if q.max() > stop:
            right.setdefault(int(q.argmax()), []).append(probs[q.argmax()])
    return {"second_gap": float(np.mean(gaps)), **{f"second_right/{k}": float(np.mean(v)) for k, v in right.items()}}


def measure(env_config: dict[str, Any], policy: Any, *, episodes: int, seed: int) -> dict[str, float]:
    """The row's numbers (module docstring) for ``policy`` on ``episodes`` episodes seeded from ``seed``."""
    ref = make_agent("bayes_optimal", "refine_or_act", env_config=env_config)
    best = evaluate("refine_or_act", env_config, {"agent": ref}, episodes=episodes, seed=seed)
    report = evaluate("refine_or_act", env_config, {"agent": policy}, episodes=episodes, seed=seed, reference=best)
    learned, optimal = report.summary(), best.summary()
    shortfall = np.array([r["shortfall/agent"] for r in report.records])
    out = {"return": learned["eval/payoff/agent"]["mean"], "optimal": optimal["eval/payoff/agent"]["mean"],
           "refine_rate": learned["eval/refine_rate/agent"]["mean"],
           "optimal_refine_rate": optimal["eval/refine_rate/agent"]["mean"],
           "shortfall": float(shortfall.mean()), "shortfall_se": float(shortfall.std(ddof=1) / np.sqrt(shortfall.size)),
           "refine_gap": learned["eval/refine_gap/agent"]["mean"], "regret": learned["eval/regret/agent"]["mean"],
           "threshold": first_threshold(policy, env_config), "optimal_threshold": first_threshold(ref, env_config)}
    out.update(second_decision(policy, ref, env_config, states=episodes // 2, seed=seed + episodes))
    out["ratio"] = out["return"] / out["optimal"]
    return out
