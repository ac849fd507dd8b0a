"""Seeded evaluation of wrapped policies for learning curves (the full metrics live in ``agents/evaluate.py``).

Episode e is reset with seed ``episode_seed(seed, e)`` and its actions are drawn from ``np.random.default_rng([seed, e])``, so an
evaluation depends only on the policies and the seed, and never touches the training RNGs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.learning.envs import is_refine, make_eval_env
from agents.seeding import episode_seed


def evaluate_policies(env_id: str, env_config: dict[str, Any], policies: dict[str, Any], *, episodes: int,
                      seed: int) -> dict[str, float]:
    """Mean episode return and refine rate (share of episodes with at least one refinement) of each agent.

    Returns
    -------
    dict
        ``eval/return/<agent>``, ``eval/refine_rate/<agent>`` and, for two agents, ``eval/welfare`` (mean sum of
        the returns).
    """
    env = make_eval_env(env_id, env_config)
    if env_id == "refine_or_act":
        returns, refined = _single(env, policies["agent"], episodes, seed)
        return {"eval/return/agent": float(returns.mean()), "eval/refine_rate/agent": float(refined.mean())}
    agents = list(env.possible_agents)
    n_actions = env.action_space(agents[0]).n
    returns = np.zeros((episodes, len(agents)))
    refined = np.zeros((episodes, len(agents)), dtype=bool)
    for e in range(episodes):
        rng = np.random.default_rng([seed, e])
        obs, _ = env.reset(seed=episode_seed(seed, e))
        while env.agents:
            actions = {a: policies[a].act(obs[a], obs[a]["action_mask"], rng=rng) for a in agents}
            for i, a in enumerate(agents):
                refined[e, i] |= bool(obs[a]["action_mask"][actions[a]]) and is_refine(env_id, actions[a], n_actions)
            obs, rew, _, _, _ = env.step(actions)
            returns[e] += [rew[a] for a in agents]
    out = {}
    for i, a in enumerate(agents):
        out[f"eval/return/{a}"] = float(returns[:, i].mean())
        out[f"eval/refine_rate/{a}"] = float(refined[:, i].mean())
    out["eval/welfare"] = float(returns.sum(axis=1).mean())
    return out


def _single(env: Any, policy: Any, episodes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    returns, refined = np.zeros(episodes), np.zeros(episodes, dtype=bool)
    for e in range(episodes):
        rng = np.random.default_rng([seed, e])
        obs, _ = env.reset(seed=episode_seed(seed, e))
        done = False
        while not done:
            mask = env.action_masks()
            a = policy.act(obs, mask.astype(np.int8), rng=rng)
            refined[e] |= is_refine("refine_or_act", a, env.action_space.n)
            obs, r, term, trunc, _ = env.step(a)
            returns[e] += r
            done = term or trunc
    return returns, refined


class UniformPolicy:
    """Uniform over legal actions: the random baseline of tests and benchmarks."""

    name = "uniform"

    def action_probabilities(self, observation: Any, action_mask: np.ndarray) -> np.ndarray:
        mask = np.asarray(action_mask, dtype=np.float64)
        return mask / mask.sum()

    def act(self, observation: Any, action_mask: np.ndarray, *, rng: np.random.Generator) -> int:
        from agents.policy import sample_action

        return sample_action(self.action_probabilities(observation, action_mask), rng)
