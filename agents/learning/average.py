"""Time-averaged policies of two-player learners: the uniform mixture of a pool of snapshots.

Why a snapshot pool and not an NFSP-style average network: the mixture is *exact* (its probabilities are the mean of
the snapshots' probabilities, nothing is fitted), it costs no extra training, and it is what the convergence results
for no-regret learning speak of (the time average of the iterates converges to equilibrium in two-player zero-sum
games, while the last iterate of plain policy gradient cycles). An average network would compress the same mixture
at the price of a supervised-learning error that would have to be measured separately.

The average is *tail-averaged*: at timestep T it mixes the snapshots taken at ``t >= T / 2`` (the first half, where a
randomly initialised network is far from any equilibrium, would dominate a short run's uniform average; the same
reason Polyak-Ruppert averaging drops a burn-in). Snapshots are taken every ``every`` timesteps.

The mixture is taken state by state (a behaviour-strategy average): at the first decision of an episode (the refine
decision) it equals the mixed strategy of the snapshots played as a uniform mixture; at later decisions (play after
a refinement) the exact extensive-form average would weight each snapshot by the probability with which it reaches
that state, which differs from the uniform weights when the snapshots refine at different rates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from agents.learning.frozen import frozen_copy
from agents.learning.policies import SB3Policy
from agents.policy import sample_action


class AveragePolicy:
    """A vvl Policy: the uniform mixture of ``members`` (policies with ``probabilities_batch``), state by state.

    ``action_probabilities(o, m) = mean_j members[j].action_probabilities(o, m)``.
    """

    def __init__(self, name: str, members: list[Any]) -> None:
        if not members:
            raise ValueError("members: an average policy needs at least one snapshot, got none")
        self.name, self.members = name, list(members)

    def probabilities_batch(self, obs: npt.NDArray[np.float32], masks: npt.NDArray[np.bool_],
                            ) -> npt.NDArray[np.float64]:
        """Mean of the members' probabilities over a batch of flat observations and masks, summed member by member
        (the sums of ``np.mean(..., axis=0)``, in its order, without holding every member's array at once)."""
        total = np.array(self.members[0].probabilities_batch(obs, masks), dtype=np.float64)   # a copy to add into
        for member in self.members[1:]:
            total += member.probabilities_batch(obs, masks)
        return total / len(self.members)

    def action_probabilities_batch(self, observations: Any, masks: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
        """Mean of the members' batched probabilities (batched evaluation, :mod:`agents.rollout`). Snapshots of one
        learner read the observations alike (same wrapper class and agent id), so they are flattened once for all."""
        first = self.members[0]
        if isinstance(first, SB3Policy) and all(type(m) is type(first) and m.agent_id == first.agent_id
                                                for m in self.members):
            return self.probabilities_batch(first.flat_batch(observations), masks)
        return np.mean([m.action_probabilities_batch(observations, masks) for m in self.members], axis=0)

    def action_probabilities(self, observation: Any, action_mask: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
        """Mean of the members' ``action_probabilities``; exactly 0 on masked actions."""
        return np.mean([m.action_probabilities(observation, action_mask) for m in self.members], axis=0)

    def act(self, observation: Any, action_mask: npt.NDArray[np.int8], *, rng: np.random.Generator) -> int:
        """An action drawn with ``rng`` (one uniform) from :meth:`action_probabilities`."""
        return sample_action(self.action_probabilities(observation, action_mask), rng)

    def __repr__(self) -> str:
        return f"AveragePolicy({self.name!r}, {len(self.members)} snapshots)"


class AveragePool:
    """Snapshots of each trained model every ``every`` timesteps, and the tail-averaged policies built from them.

    Parameters
    ----------
    models : dict
        Learner name -> SB3 model (``TrainConfig.learner_names``).
    algo, mode : as in :class:`agents.learning.TrainConfig`
    every : int
        Snapshot interval in (total) timesteps.
    """

    def __init__(self, models: dict[str, Any], algo: str, mode: str, every: int) -> None:
        self.models, self.algo, self.mode, self.every = models, algo, mode, int(every)
        self.snapshots: list[tuple[int, dict[str, Any]]] = []  # (timesteps, {learner name: frozen network})
        self.next_at = 0

    def maybe_snapshot(self, timesteps: int) -> None:
        """Snapshot every model if ``timesteps`` reached the next multiple of ``every`` (and at the start)."""
        if timesteps < self.next_at:
            return
        self.snapshots.append((timesteps, {n: frozen_copy(m.policy) for n, m in self.models.items()}))
        while self.next_at <= timesteps:
            self.next_at += self.every

    def policies(self, timesteps: int) -> dict[str, AveragePolicy]:
        """Agent name -> the uniform mixture of the snapshots taken at ``t >= timesteps / 2``."""
        tail = [nets for t, nets in self.snapshots if 2 * t >= timesteps] or [self.snapshots[-1][1]]
        out = {}
        for i, agent in enumerate(("player_0", "player_1")):
            key = agent if self.mode == "independent" else None
            members = [SB3Policy(f"{self.algo}:snapshot:{agent}", nets[key or next(iter(nets))], self.algo,
                                 agent_id=i) for nets in tail]
            out[agent] = AveragePolicy(f"{self.algo}:{self.mode}:{agent}:average", members)
        return out

    def state(self) -> dict[str, Any]:
        return {"snapshots": [(t, {n: net.state_dict() for n, net in nets.items()}) for t, nets in self.snapshots],
                "next_at": self.next_at}

    def load(self, state: dict[str, Any]) -> None:
        self.snapshots = []
        for t, dicts in state["snapshots"]:
            nets = {}
            for n, sd in dicts.items():
                nets[n] = frozen_copy(self.models[n].policy)
                nets[n].load_state_dict(sd)
            self.snapshots.append((t, nets))
        self.next_at = state["next_at"]
