"""Seeded evaluation of wrapped policies for learning curves (the full metrics live in ``agents/evaluate.py``).

The episodes are :func:`agents.evaluate.evaluate`'s (:func:`agents.rollout.run_episodes`: episode e is reset with
seed ``episode_seed(seed, e)``, agent i draws from ``np.random.default_rng([seed, e, i])``, all episodes stepped
together with one policy call per agent and step), so an evaluation depends only on the policies and the seed, and
never touches the training RNGs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.learning.envs import make_eval_env
from agents.rollout import run_episodes


def evaluate_policies(env_id: str, env_config: dict[str, Any], policies: dict[str, Any], *, episodes: int,
                      seed: int) -> dict[str, float]:
    """Mean episode return and refine rate (share of episodes with at least one refinement) of each agent.

    Returns
    -------
    dict
        ``eval/return/<agent>``, ``eval/refine_rate/<agent>`` and, for two agents, ``eval/welfare`` (mean sum of
        the returns).
    """
    records, _, _, env = run_episodes(env_id, lambda: make_eval_env(env_id, env_config), policies, episodes, seed,
                                      nash_conv_episodes=0)
    agents = ["agent"] if env_id == "refine_or_act" else list(env.possible_agents)
    out = {}
    for a in agents:
        out[f"eval/return/{a}"] = float(np.mean([r[f"payoff/{a}"] for r in records]))
        out[f"eval/refine_rate/{a}"] = float(np.mean([r[f"refine_rate/{a}"] for r in records]))
    if len(agents) > 1:
        out["eval/welfare"] = float(np.mean([r["welfare"] for r in records]))
    return out


class UniformPolicy:
    """Uniform over legal actions: the random baseline of tests and benchmarks."""

    name = "uniform"

    def action_probabilities(self, observation: Any, action_mask: np.ndarray) -> np.ndarray:
        mask = np.asarray(action_mask, dtype=np.float64)
        return mask / mask.sum()

    def act(self, observation: Any, action_mask: np.ndarray, *, rng: np.random.Generator) -> int:
        from agents.policy import sample_action

        return sample_action(self.action_probabilities(observation, action_mask), rng)
