"""Evaluation cases whose per-episode records were recorded with the sequential evaluator (one policy call per
episode and step: ``agents/evaluate.py`` of vvl commit 0450dcd, with today's :func:`agents.policy.sample_action`,
whose point masses draw nothing) in ``data/evaluate_records.json``; the batched evaluator must reproduce them.

The policies are defined here (not the analytic agents, whose play other work may change) and draw with
:func:`agents.policy.sample_action`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.analytic import make_agent
from agents.policy import sample_action


class Mixed:
    """Fixed full-support weights ``w`` over the legal actions (renormalised by the mask)."""

    def __init__(self, weights: list[float], name: str = "mixed") -> None:
        self.w, self.name = np.asarray(weights, dtype=np.float64), name

    def action_probabilities(self, observation: Any, action_mask: Any) -> np.ndarray:
        p = np.resize(self.w, len(action_mask)) * (np.asarray(action_mask) > 0)
        return p / p.sum()

    def act(self, observation: Any, action_mask: Any, *, rng: np.random.Generator) -> int:
        return sample_action(self.action_probabilities(observation, action_mask), rng)


def cases() -> dict[str, dict[str, Any]]:
    """name -> evaluate() keyword arguments (env_id, env_config, policies, episodes, seed, reference, selection)."""
    roa = dict(values=[0.5, 0.0, -0.5], cost={"law": "uniform", "low": 0.0, "high": 0.6}, budget=2,
               perturbation={"sigma_own": 1.0})
    mp = dict(game="matching_pennies", perturbation={"sigma_own": 1.0, "sigma_other": 0.5}, budget=(1, 1),
              cost={"law": "uniform", "low": 0.0, "high": 0.2}, rounds=2)
    bar = dict(K=2, budget=1, horizon=2)
    w = [1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.7, 1.2, 2.2, 0.4, 1.1, 0.9]
    return {
        "refine_or_act": dict(env_id="refine_or_act", env_config=roa, policies={"agent": Mixed(w)}, episodes=100,
                              seed=3, reference={"agent": make_agent("always_refine", "refine_or_act")}),
        "refine_matrix": dict(env_id="refine_matrix_v0", env_config=mp,
                              policies={"player_0": Mixed(w), "player_1": make_agent("random", "refine_matrix_v0")},
                              episodes=80, seed=5,
                              reference={"player_0": Mixed(w[::-1], "mixed_rev")}, selection="max_welfare"),
        "refine_bargain": dict(env_id="refine_bargain_v0", env_config=bar,
                               policies={"player_0": Mixed(w), "player_1": Mixed(w[1:])}, episodes=40, seed=1),
    }
