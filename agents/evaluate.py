"""Evaluation of policies over many seeded episodes (separate from training).

:func:`evaluate` plays ``episodes`` episodes of one environment (episode e: ``reset(seed=episode_seed(seed, e))``; agent i's
Generator ``default_rng([seed, e, i])``), so a report is reproducible from ``(env_id, env_config, policies, seed)``.
Per episode it records (one flat dict, keys below; ``<a>`` an agent name):

* ``payoff/<a>`` (the return: play payoffs minus refinement costs), ``cost/<a>``, ``welfare`` (sum of returns);
* ``refine_rate/<a>`` (1 if the agent refined at all), ``refinements/<a>`` (how often), and where:
  ``refine_rate/<a>/turn_<t>`` and ``refine_rate/<a>/action_<k>`` (the action index as chosen at that turn);
* ``nash_conv`` and ``nash_conv/<a>``: in refine_matrix_v0, NashConv of the mixed profile the policies'
  ``action_probabilities`` give at the first play-phase observation, in the true realised game of ``info``; in
  RefineOrAct, the single agent's best-response gain ``max_k U(k) - E[U | act]`` of its final act distribution;
* ``eq_payoff/<a>`` and ``eq_gap/<a> = play payoff - eq_payoff``: the analytic outcome of the realised problem
  (refine_matrix_v0: ``rounds`` times the equilibrium payoff under ``selection``, batched after the episodes;
  refine_bargain_v0: the SPE utilities of the true problem); not defined for RefineOrAct;
* with ``reference``: ``reference_payoff/<a>`` and ``regret/<a> = reference_payoff - payoff`` (paired by seed);
  agents missing from ``reference`` keep their evaluated policy there; ``reference_welfare`` and
  ``welfare_cost = reference_welfare - welfare`` (the sum of the regrets: with a common-knowledge reference, the
  welfare that acting on miscalibrated beliefs costs, model.md §4);
* ``invalid`` (a masked action was taken) and ``length`` (steps).

The solver runs once per episode at most (NashConv, SPE) plus one batched equilibrium call per game shape; the
policies' own computations are theirs (the analytic agents cache them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.metrics import analytic_outcomes, summarise, summary_rows
from agents.policy import Policy
from agents.seeding import episode_seed
from vvl_env.envs import RefineOrAct, refine_bargain_v0, refine_matrix_v0
from vvl_env.solve.exploitability import nash_conv

ENV_IDS: tuple[str, ...] = ("refine_or_act", "refine_matrix_v0", "refine_bargain_v0")


@dataclass
class EvalReport:
    """Per-episode ``records`` (flat dicts) of one evaluation and its provenance; :meth:`summary` aggregates."""

    env_id: str
    env_config: dict[str, Any]
    agents: tuple[str, ...]
    policies: dict[str, str]
    episodes: int
    seed: int
    selection: str
    records: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, Any]]:
        """``{"eval/<key>": {"mean", "ci", "stderr", "n"}}`` for every numeric record key (see the module)."""
        return summarise(self.records)

    def table(self) -> list[dict[str, Any]]:
        """The summary as flat rows ``{metric, mean, ci_low, ci_high, stderr, n}`` (``pandas.DataFrame(rows)``)."""
        return summary_rows(self.summary())


def make_env(env_id: str, env_config: Mapping[str, Any]) -> Any:
    """The environment: ``RefineOrAct(**cfg)`` or the PettingZoo ``parallel_env(**cfg)``."""
    if env_id == "refine_or_act":
        return RefineOrAct(**env_config)
    if env_id == "refine_matrix_v0":
        return refine_matrix_v0.parallel_env(**env_config)
    if env_id == "refine_bargain_v0":
        return refine_bargain_v0.parallel_env(**env_config)
    raise ValueError(f"env_id: must be one of {ENV_IDS}, got {env_id!r}")


def _note_refine(rec: dict[str, Any], agent: str, turn: int, action: int) -> None:
    rec[f"refine_rate/{agent}"] = 1.0
    rec[f"refinements/{agent}"] += 1.0
    rec[f"refine_rate/{agent}/turn_{turn}"] = 1.0
    rec[f"refine_rate/{agent}/action_{action}"] = 1.0


def _start(agents: tuple[str, ...], seed: int, e: int) -> dict[str, Any]:
    rec: dict[str, Any] = {"episode": e, "seed": episode_seed(seed, e), "invalid": 0.0, "length": 0}
    for a in agents:
        rec.update({f"payoff/{a}": 0.0, f"cost/{a}": 0.0, f"refine_rate/{a}": 0.0, f"refinements/{a}": 0.0})
    return rec


def _episode_gym(env: RefineOrAct, policy: Policy, seed: int, e: int) -> tuple[dict[str, Any], Any]:
    rec = _start(("agent",), seed, e)
    obs, info = env.reset(seed=episode_seed(seed, e))
    rng, M, turn, done = np.random.default_rng([seed, e, 0]), env.max_options, 0, False
    while not done:
        mask = env.action_masks().astype(np.int8)
        a = int(policy.act(obs, mask, rng=rng))
        if a >= M and mask[a]:
            probs = np.asarray(policy.action_probabilities(obs, mask), dtype=np.float64)[M:M + env.problem.n_options]
            values = np.asarray(env.problem.values)
            if probs.sum() > 0:
                rec["nash_conv"] = rec["nash_conv/agent"] = float(values.max() - probs @ values / probs.sum())
        elif mask[a]:
            _note_refine(rec, "agent", turn, a)
        obs, r, term, trunc, info = env.step(a)
        rec["payoff/agent"] += r
        rec["invalid"] = max(rec["invalid"], float(info.get("invalid_action", False)))
        done, turn = term or trunc, turn + 1
    rec["cost/agent"] = float(info["costs_paid"])
    rec["welfare"], rec["length"] = rec["payoff/agent"], turn
    return rec, None


def _refine_action(env_id: str, phase: str, a: int, M: int) -> int | None:
    """The refined own action (matrix) or 0 (bargain) if ``a`` is a refinement, else None."""
    if env_id == "refine_matrix_v0":
        return a - 1 if phase == "refine" and 1 <= a <= M else None
    return 0 if phase == "refinement" and a == 1 else None


def _episode_parallel(env_id: str, env: Any, policies: Mapping[str, Policy], seed: int, e: int,
                      ) -> tuple[dict[str, Any], Any]:
    agents = tuple(env.possible_agents)
    rec = _start(agents, seed, e)
    obs, infos = env.reset(seed=episode_seed(seed, e))
    rngs = {a: np.random.default_rng([seed, e, i]) for i, a in enumerate(agents)}
    M = getattr(getattr(env, "_core", None), "M", 0)
    play = {a: 0.0 for a in agents}
    turn, first_play = 0, True
    while env.agents:
        phase = infos[agents[0]]["phase"]
        if env_id == "refine_matrix_v0" and phase == "play" and first_play:
            first_play = False
            _matrix_nash_conv(rec, env, policies, obs, infos, agents, M)
        actions = {a: int(policies[a].act(obs[a], obs[a]["action_mask"], rng=rngs[a])) for a in env.agents}
        for a, act in actions.items():
            k = _refine_action(env_id, phase, act, M)
            if k is not None and obs[a]["action_mask"][act]:
                _note_refine(rec, a, turn, k)
        obs, rewards, term, trunc, infos = env.step(actions)
        for a in agents:
            r = float(rewards.get(a, 0.0))
            rec[f"payoff/{a}"] += r
            if phase in ("refine", "refinement") and r < 0 and not infos[a].get("invalid_action", False):
                rec[f"cost/{a}"] -= r
            else:
                play[a] += r
            rec["invalid"] = max(rec["invalid"], float(infos[a].get("invalid_action", False)))
        turn += 1
    rec["welfare"], rec["length"] = sum(rec[f"payoff/{a}"] for a in agents), turn
    for a in agents:
        rec[f"play_payoff/{a}"] = play[a]
    info = infos[agents[0]]
    return rec, info.get("game", info.get("problem"))


def _matrix_nash_conv(rec: dict[str, Any], env: Any, policies: Mapping[str, Policy], obs: Mapping[str, Any],
                      infos: Mapping[str, Any], agents: tuple[str, ...], M: int) -> None:
    game = infos[agents[0]]["game"]
    m, n = game.shape
    x = np.asarray(policies[agents[0]].action_probabilities(obs[agents[0]], obs[agents[0]]["action_mask"]))
    y = np.asarray(policies[agents[1]].action_probabilities(obs[agents[1]], obs[agents[1]]["action_mask"]))
    x, y = x[1 + M:1 + M + m].astype(np.float64), y[1 + M:1 + M + n].astype(np.float64)
    if x.sum() <= 0 or y.sum() <= 0:
        return
    nc = nash_conv(game, x / x.sum(), y / y.sum())
    rec["nash_conv"] = nc.total
    rec[f"nash_conv/{agents[0]}"], rec[f"nash_conv/{agents[1]}"] = float(nc.per_player[0]), float(nc.per_player[1])


def _run(env_id: str, env_config: Mapping[str, Any], policies: Mapping[str, Policy], episodes: int, seed: int,
         ) -> tuple[list[dict[str, Any]], list[Any], Any]:
    env = make_env(env_id, env_config)
    agents = ("agent",) if env_id == "refine_or_act" else tuple(env.possible_agents)
    missing = [a for a in agents if a not in policies]
    if missing:
        raise ValueError(f"policies: missing a policy for {missing}; the environment's agents are {list(agents)}")
    out, realised = [], []
    for e in range(episodes):
        if env_id == "refine_or_act":
            rec, real = _episode_gym(env, policies["agent"], seed, e)
        else:
            rec, real = _episode_parallel(env_id, env, policies, seed, e)
        out.append(rec)
        realised.append(real)
    return out, realised, env


def evaluate(env_id: str, env_config: Mapping[str, Any], policies: Mapping[str, Policy], *, episodes: int,
             seed: int, reference: Mapping[str, Policy] | None = None, selection: str = "all") -> EvalReport:
    """Play ``episodes`` seeded episodes and record outcomes (module docstring).

    Parameters
    ----------
    env_id : "refine_or_act", "refine_matrix_v0" or "refine_bargain_v0"
    env_config : the environment's keyword arguments.
    policies : one Policy per agent ("agent" for RefineOrAct; "player_0", "player_1" otherwise).
    episodes, seed : episode e is ``reset(seed=episode_seed(seed, e))`` (disjoint across seeds); agent i's Generator is ``default_rng([seed, e, i])``.
    reference : Bayes-optimal reference policies (some or all agents), run on the same seeds for the regret.
    selection : equilibrium selection rule of ``eq_payoff`` in refine_matrix_v0 (model.md §2).

    Returns
    -------
    EvalReport
    """
    if isinstance(episodes, bool) or not isinstance(episodes, (int, np.integer)) or episodes < 1:
        raise ValueError(f"episodes: must be an integer >= 1, got {episodes!r}")
    config = dict(env_config)
    records, realised, env = _run(env_id, config, policies, int(episodes), int(seed))
    agents = ("agent",) if env_id == "refine_or_act" else tuple(env.possible_agents)
    analytic_outcomes(env_id, env, records, realised, selection)
    if reference:
        ref_policies = {a: reference.get(a, policies[a]) for a in agents}
        ref_records, _, _ = _run(env_id, config, ref_policies, int(episodes), int(seed))
        for rec, ref in zip(records, ref_records):
            for a in agents:
                rec[f"reference_payoff/{a}"] = ref[f"payoff/{a}"]
                rec[f"regret/{a}"] = ref[f"payoff/{a}"] - rec[f"payoff/{a}"]
            rec["reference_welfare"] = ref["welfare"]
            rec["welfare_cost"] = ref["welfare"] - rec["welfare"]
    where = sorted({k for r in records for k in r if k.startswith("refine_rate/") and k.count("/") == 2})
    for rec in records:
        for k in where:
            rec.setdefault(k, 0.0)
    return EvalReport(env_id, config, agents, {a: getattr(policies[a], "name", type(policies[a]).__name__)
                                               for a in agents}, int(episodes), int(seed), selection, records)
