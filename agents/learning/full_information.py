"""Full-information feedback for MMD-PPO's play steps: the rollout buffer that keeps it, and the returns built on it.

In a matrix game an agent that knows its own payoffs and sees the other's realised action ``b`` knows what *every*
own action would have earned, ``u = R[:, b]`` (the env reports it as ``infos[i]["counterfactual"]``, over the whole
action space, 0 off the play actions). Online learning calls this full-information feedback (Hedge), against the
bandit feedback of the sampled reward alone (EXP3). Its policy-gradient estimate sums over the own actions,

    grad E_b[ sum_a pi(a|s) u_a ] = E_b[ sum_a u_a grad pi(a|s) ],

which is the exact gradient against the other's mixed strategy up to the sampling of ``b``: no own-action sampling
noise and no critic. MMD-PPO with ``full_information = True`` (``agents.learning.mmd_ppo``) uses it on the steps
that carry the feedback: their loss term is ``-sum_a pi(a|s) u_a`` in place of the clipped surrogate (their
advantages are set to 0), and their reward in the returns is its expectation under the rollout policy,
``sum_a pi_old(a|s) u_a``, so that earlier decisions (refining) are credited with the value of the game they lead to
without the noise of the own play draw. Steps without the feedback (refinement, or any env that does not report
it) are trained as in MMD-PPO.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import torch as th
from sb3_contrib.common.maskable.buffers import MaskableRolloutBuffer, MaskableRolloutBufferSamples

KEY = "counterfactual"
"""The info key that carries the feedback (one float per action)."""


class CounterfactualRolloutBuffer(MaskableRolloutBuffer):
    """MaskableRolloutBuffer that also stores each step's full-information feedback (module docstring).

    ``counterfactual`` (n_steps, n_envs, n_actions) and ``play`` (n_steps, n_envs: whether the step carries it) are
    written by :meth:`record` before the step is added. :meth:`get` yields the usual samples; ``current`` then holds
    ``(observations, counterfactual)`` of the minibatch being yielded, for the loss.
    """

    def reset(self) -> None:
        super().reset()
        self.counterfactual = np.zeros((self.buffer_size, self.n_envs, self.mask_dims), dtype=np.float32)
        self.play = np.zeros((self.buffer_size, self.n_envs), dtype=bool)
        self.current: tuple[th.Tensor, th.Tensor] | None = None
        self._flat: np.ndarray | None = None
        self._last_call: tuple[th.Tensor, np.ndarray] | None = None

    def record(self, infos: list[dict[str, Any]]) -> None:
        """Store the feedback of the step about to be added (the one at ``self.pos``)."""
        for i, info in enumerate(infos):
            u = info.get(KEY)
            if u is not None:
                self.counterfactual[self.pos, i] = u
                self.play[self.pos, i] = True

    def compute_returns_and_advantage(self, last_values: th.Tensor, dones: np.ndarray) -> None:
        """SB3's GAE; the arguments are kept so that :func:`expected_play_returns` can run it again."""
        self._last_call = (last_values, dones)
        super().compute_returns_and_advantage(last_values, dones)

    def get(self, batch_size: int | None = None) -> Generator[MaskableRolloutBufferSamples, None, None]:
        if self._flat is None:
            self._flat = self.swap_and_flatten(self.counterfactual)
        yield from super().get(batch_size)

    def _get_samples(self, batch_inds: np.ndarray, env: Any = None) -> MaskableRolloutBufferSamples:
        samples = super()._get_samples(batch_inds, env)
        assert self._flat is not None
        self.current = (samples.observations, self.to_torch(self._flat[batch_inds]))
        return samples


def expected_play_returns(buffer: CounterfactualRolloutBuffer, probabilities: Any) -> None:
    """Replace the reward of each feedback step by ``sum_a pi_old(a|s) u_a``, recompute the returns and
    advantages (GAE, as SB3 did), and set the feedback steps' advantages to 0 (their loss term is the full-information
    one). ``probabilities(obs, masks)`` gives the rollout policy's action probabilities as a tensor."""
    if not buffer.play.any() or buffer._last_call is None:
        return
    play = buffer.play
    with th.no_grad():
        p = probabilities(buffer.to_torch(buffer.observations[play]), buffer.action_masks[play]).cpu().numpy()
    buffer.rewards[play] = (p * buffer.counterfactual[play]).sum(axis=1)
    buffer.compute_returns_and_advantage(*buffer._last_call)
    buffer.advantages[play] = 0.0


def full_information_gain(buffer: CounterfactualRolloutBuffer, observations: th.Tensor, probs: th.Tensor,
                          ) -> th.Tensor:
    """``sum_a pi(a|s) u_a`` of each row of the minibatch being trained on (0 on rows without feedback)."""
    if buffer.current is None or buffer.current[0] is not observations:
        raise RuntimeError("full_information: the minibatch is not the one the buffer yielded last")
    return (probs * buffer.current[1]).sum(dim=-1)
