"""SB3's ``learn`` loop cut into chunks, so several models can take turns and checkpoints fall on rollout
boundaries; and the self-play snapshot pool.

One chunk is what one iteration of SB3's own ``learn`` does: for on-policy algorithms (PPO, MaskablePPO)
``collect_rollouts`` of ``n_steps`` per env, then ``train()``; for DQN ``collect_rollouts`` of ``train_freq``, then
``train(gradient_steps)`` once past ``learning_starts`` (``OnPolicyAlgorithm.learn``, ``OffPolicyAlgorithm.learn``
in SB3 2.9). ``_total_timesteps`` is the learner's own budget, so schedules (DQN's exploration rate, a learning
rate schedule) run over the whole run, not over one chunk.
"""

from __future__ import annotations

from typing import Any

from stable_baselines3.common.logger import Logger
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm

from agents.learning.frozen import frozen_copy
from agents.learning.policies import SB3Policy


class Learner:
    """One SB3 model trained chunk by chunk up to ``budget`` of its own timesteps.

    Parameters
    ----------
    name : str
    model : stable_baselines3 BaseAlgorithm, bound to its training VecEnv
    budget : int
        Timesteps this model trains for.
    fresh : bool
        True for a new model (its env is reset by SB3's ``_setup_learn``), False for one loaded from a checkpoint
        (its last observation and counters come from the checkpoint).
    """

    def __init__(self, name: str, model: Any, budget: int, fresh: bool) -> None:
        self.name, self.model, self.budget = name, model, int(budget)
        # a logger with no outputs: SB3's default one makes an empty folder under the temp dir at every _setup_learn
        # (thousands over a sweep); vvl keeps its own curve
        model.set_logger(Logger(folder=None, output_formats=[]))
        _, self._callback = model._setup_learn(self.budget, None, reset_num_timesteps=fresh, progress_bar=False)
        model._total_timesteps = self.budget
        self._callback.on_training_start(locals(), globals())

    @property
    def timesteps(self) -> int:
        return int(self.model.num_timesteps)

    @property
    def done(self) -> bool:
        return self.timesteps >= self.budget

    def chunk(self) -> None:
        """One collection and one update, exactly as one iteration of SB3's ``learn``."""
        m, cb = self.model, self._callback
        if isinstance(m, OnPolicyAlgorithm):
            m.collect_rollouts(m.env, cb, m.rollout_buffer, n_rollout_steps=m.n_steps)
            m._update_current_progress_remaining(m.num_timesteps, m._total_timesteps)
            m.train()
            return
        rollout = m.collect_rollouts(m.env, train_freq=m.train_freq, action_noise=m.action_noise, callback=cb,
                                     learning_starts=m.learning_starts, replay_buffer=m.replay_buffer,
                                     log_interval=None)
        if m.num_timesteps > 0 and m.num_timesteps > m.learning_starts:
            steps = m.gradient_steps if m.gradient_steps >= 0 else rollout.episode_timesteps
            if steps > 0:
                m.train(batch_size=m.batch_size, gradient_steps=steps)


class SnapshotPool:
    """Frozen copies of the learner's policy network, the most recent ``size`` kept, wrapped as opponents.

    The list object is shared with the learner's ``RoleVecEnv.opponents``, so a new snapshot is available from the
    next episode drawn; an episode in progress keeps its index (which may then point at a newer snapshot once the
    pool is full and the oldest is dropped).
    """

    def __init__(self, learner_policy: Any, algo: str, size: int, every: int) -> None:
        self.learner_policy, self.algo, self.size, self.every = learner_policy, algo, size, every
        self.opponents: list[SB3Policy] = []
        self.next_at = 0
        self.taken = 0

    def maybe_snapshot(self, timesteps: int) -> None:
        """Snapshot the learner if ``timesteps`` reached the next multiple of ``every`` (and at the start)."""
        if timesteps < self.next_at:
            return
        net = frozen_copy(self.learner_policy)
        self.opponents.append(SB3Policy(f"snapshot{self.taken}@{timesteps}", net, self.algo))
        self.taken += 1
        if len(self.opponents) > self.size:
            del self.opponents[0]
        while self.next_at <= timesteps:
            self.next_at += self.every

    def state(self) -> dict[str, Any]:
        return {"nets": [(o.name, o.policy.state_dict()) for o in self.opponents], "next_at": self.next_at,
                "taken": self.taken}

    def load(self, state: dict[str, Any]) -> None:
        self.opponents.clear()
        for name, sd in state["nets"]:
            net = frozen_copy(self.learner_policy)
            net.load_state_dict(sd)
            self.opponents.append(SB3Policy(name, net, self.algo))
        self.next_at, self.taken = state["next_at"], state["taken"]
