"""Learning-curve metrics of two-player learners, split by phase: play (NashConv) and the refine decision.

At each evaluation point, for a policy profile ``pi`` (the last iterate, or the time average), over the same seeded
episodes (``agents.evaluate.evaluate``):

* ``nash_conv``: NashConv of the play policies in the realised game (refine_matrix_v0: at the first play
  observation, against the true game), mean over episodes;
* ``welfare``, ``payoff/<a>``, ``refine_rate/<a>``: means over episodes;
* ``refine_rate_gap/<a> = refine_rate/<a> - reference refine rate``: the learned refine rate against the analytic
  (Bayes-optimal) agent's;
* ``refine_value_gap/<a> = reference payoff - payoff of (pi's refine decisions, reference play)``: the expected
  value the learned refine decisions lose against the Bayes-optimal ones, with the play phase taken out (both sides
  play the analytic equilibrium after the refinement phase; episodes paired by seed). Positive: the learned decision
  is worth less. The reference is the analytic ``bayes_optimal`` agent of each role.

A decision is a refinement decision where action 0 (pass in refine_matrix_v0, wait/pass in refine_bargain_v0) is
legal: elsewhere ``(pi's refine decisions, reference play)`` follows the reference. (In bargaining, "wait" while the
other proposes is the only legal action, so which policy takes it does not matter.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt


AGENTS: tuple[str, str] = ("player_0", "player_1")


class PhasePolicy:
    """``refine`` at refinement decisions (action 0 legal), ``play`` elsewhere."""

    def __init__(self, refine: Any, play: Any) -> None:
        self.refine, self.play = refine, play
        self.name = f"refine:{getattr(refine, 'name', '?')}|play:{getattr(play, 'name', '?')}"

    def action_probabilities(self, observation: Any, action_mask: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
        who = self.refine if action_mask[0] else self.play
        return np.asarray(who.action_probabilities(observation, action_mask), dtype=np.float64)

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
    """

    def __init__(self, env_id: str, env_config: Mapping[str, Any], *, episodes: int, seed: int) -> None:
        self.env_id, self.env_config, self.episodes, self.seed = env_id, dict(env_config), episodes, seed
        self._reference: dict[str, Any] | None = None
        self._ref_summary: dict[str, float] = {}

    def reference(self) -> dict[str, Any]:
        """The analytic ``bayes_optimal`` agent of each role (built once)."""
        if self._reference is None:
            from agents.analytic import make_agent

            self._reference = {a: make_agent("bayes_optimal", self.env_id, env_config=self.env_config, role=a)
                               for a in AGENTS}
            self._ref_summary = self._means(self._reference)
        return self._reference

    def _means(self, policies: Mapping[str, Any]) -> dict[str, float]:
        from agents.evaluate import evaluate

        s = evaluate(self.env_id, self.env_config, policies, episodes=self.episodes, seed=self.seed).summary()
        keys = ["nash_conv", "welfare", *(f"{k}/{a}" for k in ("payoff", "refine_rate") for a in AGENTS)]
        return {k: s[f"eval/{k}"]["mean"] for k in keys if f"eval/{k}" in s}

    def __call__(self, policies: Mapping[str, Any], prefix: str) -> dict[str, float]:
        """``{prefix + metric: value}`` for the profile ``policies`` (agent -> Policy)."""
        ref = self.reference()
        own = self._means(policies)
        hybrid = self._means({a: PhasePolicy(policies[a], ref[a]) for a in AGENTS})
        out = {f"{prefix}{k}": v for k, v in own.items()}
        for a in AGENTS:
            out[f"{prefix}refine_rate_gap/{a}"] = own[f"refine_rate/{a}"] - self._ref_summary[f"refine_rate/{a}"]
            out[f"{prefix}refine_value_gap/{a}"] = self._ref_summary[f"payoff/{a}"] - hybrid[f"payoff/{a}"]
        return out

    def reference_row(self) -> dict[str, float]:
        """The reference's own metrics (``reference/...``), for the curve's header."""
        self.reference()
        return {f"reference/{k}": v for k, v in self._ref_summary.items()}
