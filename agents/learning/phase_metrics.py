"""Learning-curve metrics of two-player learners, split by phase: play (NashConv) and the refine decision.

At each evaluation point, for a policy profile ``pi`` (the last iterate, or the time average), over the same seeded
episodes (``agents.evaluate.evaluate``, with the analytic ``bayes_optimal`` agents' report as the reference,
computed once):

* ``nash_conv``: NashConv of the play policies in the realised game (refine_matrix_v0: at the first play
  observation, against the true game, or with ``rounds`` > 1 of the whole repeated play, :mod:`agents.matrix_play`;
  refine_bargain_v0 under public visibility: of the whole play phase, :mod:`agents.bargain_play`), mean over
  episodes; in bargaining and repeated games also ``spe_gap``, the largest one-shot deviation gain of the play
  (0 iff subgame perfect), mean over episodes; under visibility "own" the interim NashConv
  (:mod:`agents.private_play`, biased up) and ``nash_conv_lower``, its cross-fitted estimate (biased down);
* ``welfare``, ``payoff/<a>``, ``refine_rate/<a>``: means over episodes; in refine_matrix_v0 also
  ``expected_welfare``, the welfare with play valued at ``x R y`` under both mixed strategies (same mean, without
  the noise of sampled play actions in one round; :mod:`agents.evaluate`);
* ``refine_rate_gap/<a>`` and ``refine_gap/<a>``: the learned refine decision against the Bayes-optimal one at the
  agent's first step, from the reference agent's own decision values (:mod:`agents.refine_gap`: refine probability
  minus the reference's; expected value lost, >= 0; 0 for an agent whose budget is 0). In bargaining, where the
  reference exposes no decision values, ``refine_rate_gap = refine_rate - reference refine rate`` and
  ``refine_gap = reference payoff - payoff of (pi's refine decisions, reference play)`` (:class:`PhasePolicy`;
  episodes paired by seed), the value the learned refine decisions lose with the play phase taken out.

A decision is a refinement decision where action 0 (pass in refine_matrix_v0, wait/pass in refine_bargain_v0) is
legal: elsewhere ``(pi's refine decisions, reference play)`` follows the reference. (In bargaining, "wait" while the
other proposes is the only legal action, so which policy takes it does not matter.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from agents.policy import probabilities_batch


AGENTS: tuple[str, str] = ("player_0", "player_1")


class PhasePolicy:
    """``refine`` at refinement decisions (action 0 legal), ``play`` elsewhere; ``act`` delegates likewise (every
    vvl policy's ``act`` samples its ``action_probabilities`` with one uniform, so this is the mixture it claims)."""

    def __init__(self, refine: Any, play: Any) -> None:
        self.refine, self.play = refine, play
        self.name = f"refine:{getattr(refine, 'name', '?')}|play:{getattr(play, 'name', '?')}"

    @property
    def uses_public_seed(self) -> bool:
        """Whether either side draws from the episode's public seed (``agents.policy.probabilities_batch``)."""
        return any(getattr(p, "uses_public_seed", False) for p in (self.refine, self.play))

    def action_probabilities(self, observation: Any, action_mask: npt.NDArray[np.int8],
                             public_seed: int | None = None) -> npt.NDArray[np.float64]:
        who = self.refine if action_mask[0] else self.play
        if public_seed is not None and getattr(who, "uses_public_seed", False):
            return np.asarray(who.action_probabilities(observation, action_mask, public_seed=public_seed))
        return np.asarray(who.action_probabilities(observation, action_mask), dtype=np.float64)

    def action_probabilities_batch(self, observations: Any, masks: npt.NDArray[np.int8],
                                   public_seeds: Any = None) -> npt.NDArray[np.float64]:
        """Row by row as :meth:`action_probabilities`, one batched call per side."""
        masks = np.asarray(masks)
        out = np.zeros(masks.shape, dtype=np.float64)
        for who, rows in ((self.refine, masks[:, 0] > 0), (self.play, masks[:, 0] == 0)):
            idx = np.flatnonzero(rows)
            if idx.size:
                seeds = None if public_seeds is None else [public_seeds[i] for i in idx]
                out[idx] = probabilities_batch(who, [observations[i] for i in idx], masks[idx], public_seeds=seeds)
        return out

    def act(self, observation: Any, action_mask: npt.NDArray[np.int8], *, rng: np.random.Generator) -> int:
        who = self.refine if action_mask[0] else self.play
        return int(who.act(observation, action_mask, rng=rng))


class PhaseMetrics:
    """The metrics of the module docstring for one environment; the reference is evaluated once, at first use.

    Parameters
    ----------
    env_id : "refine_matrix_v0" or "refine_bargain_v0"
    env_config : the environment's keyword arguments.
    episodes, seed : evaluation episodes (``agents.evaluate.evaluate``'s seeding).
    nash_conv_episodes : bargaining's play NashConv on the first this many of them (None: all; see ``evaluate``).
    """

    def __init__(self, env_id: str, env_config: Mapping[str, Any], *, episodes: int, seed: int,
                 nash_conv_episodes: int | None = None) -> None:
        self.env_id, self.env_config, self.episodes, self.seed = env_id, dict(env_config), episodes, seed
        self.nash_conv_episodes = nash_conv_episodes
        self._reference: dict[str, Any] | None = None
        self._report: Any = None

    def reference(self) -> dict[str, Any]:
        """The analytic ``bayes_optimal`` agent of each role (built, and evaluated, once)."""
        if self._reference is None:
            from agents.analytic import make_agent
            from agents.evaluate import evaluate

            self._reference = {a: make_agent("bayes_optimal", self.env_id, env_config=self.env_config, role=a)
                               for a in AGENTS}
            self._report = evaluate(self.env_id, self.env_config, self._reference, episodes=self.episodes,
                                    seed=self.seed, nash_conv_episodes=self.nash_conv_episodes)
        return self._reference

    def _means(self, policies: Mapping[str, Any], reference: bool = True) -> dict[str, float]:
        from agents.evaluate import evaluate

        report = evaluate(self.env_id, self.env_config, policies, episodes=self.episodes, seed=self.seed,
                          reference=self._report if reference else None,
                          nash_conv_episodes=self.nash_conv_episodes if reference else 0)
        s = report.summary()
        keys = ["nash_conv", "nash_conv_lower", "spe_gap", "welfare", "expected_welfare", "refine_nash_conv",
                *(f"{k}/{a}" for k in ("payoff", "refine_rate", "refine_gap", "refine_rate_gap") for a in AGENTS)]
        return {k: s[f"eval/{k}"]["mean"] for k in keys if f"eval/{k}" in s}

    def __call__(self, policies: Mapping[str, Any], prefix: str) -> dict[str, float]:
        """``{prefix + metric: value}`` for the profile ``policies`` (agent -> Policy)."""
        ref = self.reference()
        own = self._means(policies)
        for a, budget in zip(AGENTS, self.budgets()):
            if budget == 0:                 # no refine decision: the learned one is the reference's, nothing lost
                own[f"refine_gap/{a}"] = own[f"refine_rate_gap/{a}"] = 0.0
        if any(f"refine_gap/{a}" not in own for a in AGENTS):
            ours = self.reference_row()
            hybrid = self._means({a: PhasePolicy(policies[a], ref[a]) for a in AGENTS}, reference=False)
            for a in AGENTS:
                own.setdefault(f"refine_rate_gap/{a}", own[f"refine_rate/{a}"] - ours[f"reference/refine_rate/{a}"])
                own.setdefault(f"refine_gap/{a}", ours[f"reference/payoff/{a}"] - hybrid[f"payoff/{a}"])
        return {f"{prefix}{k}": v for k, v in own.items()}

    def budgets(self) -> tuple[int, int]:
        """Each agent's refinement budget in the environment's config (0: it never has a refine decision)."""
        if self.env_id == "refine_bargain_v0":
            from vvl_env.envs.refine_bargain.config import make_config as bargain_config

            return tuple(bargain_config(**self._config_kwargs()).budget)  # type: ignore[return-value]
        from vvl_env.envs.refine_matrix.config import make_config

        return tuple(int(b) for b in make_config(**self._config_kwargs()).budget)  # type: ignore[return-value]

    def _config_kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in self.env_config.items() if k != "render_mode"}

    def reference_row(self) -> dict[str, float]:
        """The reference's own metrics (``reference/...``), for the curve's header."""
        self.reference()
        s = self._report.summary()
        keys = ["nash_conv", "nash_conv_lower", "spe_gap", "welfare", "expected_welfare",
                *(f"{k}/{a}" for k in ("payoff", "refine_rate") for a in AGENTS)]
        return {f"reference/{k}": s[f"eval/{k}"]["mean"] for k in keys if f"eval/{k}" in s}
