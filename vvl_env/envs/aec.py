"""The AEC form of vvl's parallel environments: ``parallel_to_aec``, each action checked when it is given, and
PettingZoo's order enforcing.

``parallel_to_aec`` collects the agents' actions and steps the parallel env only after the last one, so a malformed or
masked action would surface one agent late, with the wrong agent to blame. :class:`CheckActions` applies the parallel
env's own checks (``vvl_env.envs.actions``) at each agent's turn instead; it replaces PettingZoo's
``AssertOutOfBoundsWrapper`` (an ``assert``, skipped under ``python -O``).
"""

from __future__ import annotations

from typing import Any

from pettingzoo import AECEnv, ParallelEnv
from pettingzoo.utils import BaseWrapper, wrappers
from pettingzoo.utils.conversions import parallel_to_aec

from vvl_env.envs.actions import check_action, episode_error, illegal_action


class CheckActions(BaseWrapper):
    """Refuse a malformed action, or a masked one under ``invalid_action="raise"``, at the offending agent's turn
    (``ValueError`` naming the agent; the turn is not taken), and a step before ``reset()`` (:class:`ResetNeeded`)."""

    _started = False

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        super().reset(seed=seed, options=options)
        self._started = True

    def step(self, action: Any) -> None:
        if not self._started:
            raise episode_error(False)
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            if action is not None:
                raise ValueError(f"{agent}: has terminated; its turn takes the action None (PettingZoo's dead "
                                 f"step), got {action!r}")
        else:
            action = check_action(agent, action, self.action_space(agent).n)
            mask = self.observe(agent)["action_mask"]
            if not mask[action] and self.unwrapped.config.invalid_action == "raise":
                raise illegal_action(agent, action, f"in the {self.infos[agent]['phase']} phase", mask)
        super().step(action)


def aec_env(parallel: ParallelEnv) -> AECEnv:
    """``parallel`` as an AEC env: converted, order enforced, actions checked per turn."""
    return CheckActions(wrappers.OrderEnforcingWrapper(parallel_to_aec(parallel)))
