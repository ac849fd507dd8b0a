"""SB3 models wrapped as vvl :class:`~agents.policy.Policy` objects, masks applied.

How each algorithm meets the mask:

* ``maskable_ppo`` (sb3-contrib ``MaskablePPO``): the mask enters the distribution (masked logits are set to
  -inf) in training *and* here, so invalid actions are never sampled and no probability mass is learned for them.
  This is vvl's default for that reason: it spends no samples on learning a penalty.
* ``mmd_ppo``: MaskablePPO with a magnet (:mod:`agents.learning.mmd_ppo`); masks as ``maskable_ppo``.
* ``ppo``: plain PPO trains on the raw action space; its training envs use ``invalid_action="penalize"`` (a masked
  action ends the episode with ``-invalid_action_penalty``, ``vvl_env.envs.actions``), so the policy *learns* to
  avoid it (a learned penalty). At inference the wrapper masks by hand: probabilities of masked
  actions are set to 0 and the rest renormalised (uniform over legal actions if all legal mass underflows).
* ``dqn``: trained on the raw action space with the same environment penalty (epsilon-greedy exploration may pick
  invalid actions); the wrapped policy is greedy over the Q-values of legal actions (ties: lowest index).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import torch as th

from agents.learning.config import MASKED_ALGOS
from agents.policy import sample_action


class SB3Policy:
    """A vvl Policy over an SB3 policy network (``model.policy``).

    Parameters
    ----------
    name : str
        The policy's name (e.g. "maskable_ppo:player_0").
    policy : stable_baselines3 BasePolicy
        The network (``model.policy``); shared, not copied, so the wrapper follows further training.
    algo : "ppo", "maskable_ppo" or "dqn"
    agent_id : int or None
        For the two-agent envs: the agent this wrapper plays; its one-hot id is prepended to the flat observation
        (the layout the learners trained on). None for RefineOrAct.
    """

    def __init__(self, name: str, policy: Any, algo: str, agent_id: int | None = None) -> None:
        self.name, self.policy, self.algo, self.agent_id = name, policy, algo, agent_id

    def flat_batch(self, observations: Any) -> npt.NDArray[np.float32]:
        """(B, D): the observations as the model sees them (flattened; the one-hot agent id first, if any)."""
        obs = np.stack([np.asarray(o["observation"] if isinstance(o, dict) else o, dtype=np.float32).reshape(-1)
                        for o in observations])
        if self.agent_id is None:
            return obs
        ids = np.zeros((len(obs), 2), dtype=np.float32)
        ids[:, self.agent_id] = 1.0
        return np.concatenate([ids, obs], axis=1)

    def probabilities_batch(self, obs: npt.NDArray[np.float32], masks: npt.NDArray[np.bool_],
                            ) -> npt.NDArray[np.float64]:
        """Masked action probabilities (B, A) for flat observations as the model sees them (B, D)."""
        masks = np.asarray(masks, dtype=bool)
        with th.no_grad():
            obs_t = th.as_tensor(np.asarray(obs, dtype=np.float32))
            if self.algo == "dqn":
                q = self.policy.q_net(obs_t).numpy().astype(np.float64)
                q[~masks] = -np.inf
                probs = np.zeros_like(q)
                probs[np.arange(len(q)), q.argmax(axis=1)] = 1.0
                return probs
            if self.algo in MASKED_ALGOS:
                dist = self.policy.get_distribution(obs_t, action_masks=masks)
            else:
                dist = self.policy.get_distribution(obs_t)
            probs = dist.distribution.probs.numpy().astype(np.float64)
        probs = np.where(masks, probs, 0.0)
        total = probs.sum(axis=1, keepdims=True)
        legal = masks.sum(axis=1, keepdims=True)
        return np.where(total > 0, probs / np.where(total > 0, total, 1.0), masks / np.maximum(legal, 1))

    def action_probabilities_batch(self, observations: Any, masks: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
        """:meth:`action_probabilities` of many observations with one network call (batched evaluation)."""
        return self.probabilities_batch(self.flat_batch(observations), masks)

    def action_probabilities(self, observation: Any, action_mask: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
        """Probabilities over the whole action space; exactly 0 on masked actions."""
        mask = np.asarray(action_mask, dtype=bool)[None]
        return self.probabilities_batch(self.flat_batch([observation]), mask)[0]

    def act(self, observation: Any, action_mask: npt.NDArray[np.int8], *, rng: np.random.Generator) -> int:
        """An action drawn with ``rng`` (one uniform) from :meth:`action_probabilities`."""
        return sample_action(self.action_probabilities(observation, action_mask), rng)

    def __repr__(self) -> str:
        return f"SB3Policy({self.name!r}, algo={self.algo!r}, agent_id={self.agent_id})"


def wrap_models(models: dict[str, Any], algo: str, mode: str) -> dict[str, SB3Policy]:
    """``TrainResult.policies``: agent name -> wrapped model.

    single: {"agent"}; shared and self-play: the one model plays both agents (with their ids); independent: each
    agent its own model.
    """
    if mode == "single":
        return {"agent": SB3Policy(f"{algo}:agent", models["agent"].policy, algo)}
    out = {}
    for i, agent in enumerate(("player_0", "player_1")):
        key = agent if mode == "independent" else next(iter(models))
        out[agent] = SB3Policy(f"{algo}:{mode}:{agent}", models[key].policy, algo, agent_id=i)
    return out
