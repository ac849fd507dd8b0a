"""Evaluation of policies over many seeded episodes (separate from training).

:func:`evaluate` plays ``episodes`` episodes of one environment (episode e: ``reset(seed=episode_seed(seed, e))``;
agent i's Generator ``default_rng([seed, e, i])``), so a report is reproducible from ``(env_id, env_config, policies, seed)``.
Per episode it records (one flat dict, keys below; ``<a>`` an agent name):

* ``payoff/<a>`` (the return: play payoffs minus refinement costs), ``cost/<a>``, ``welfare`` (sum of returns);
* in refine_matrix_v0 also ``play_value/<a>``, the agent's play payoff in expectation over both players' mixed play
  strategies (``x R y`` in the true realised game, summed over the rounds), and ``expected_welfare``, their sum net
  of the costs paid: the welfare without the noise of sampled play actions, for comparing policies on few episodes
  (with several rounds each round's ``x R y`` is taken at the state the sampled actions before it reached: exact for
  play that ignores the history, else keeping the earlier rounds' noise; unbiased either way);
* ``refine_rate/<a>`` (1 if the agent refined at all), ``refinements/<a>`` (how often), and where:
  ``refine_rate/<a>/turn_<t>`` and ``refine_rate/<a>/action_<k>`` (the action index as chosen at that turn);
* ``nash_conv`` and ``nash_conv/<a>``: in refine_matrix_v0, NashConv of the mixed profile the policies'
  ``action_probabilities`` give at the first play-phase observation, in the true realised game of ``info``; with
  ``rounds`` > 1, NashConv of the whole play phase, every round, from its start (:mod:`agents.matrix_play`, exact
  backward induction over the policies' play given the round and the last cell); under ``visibility = "own"``
  (one round), the *interim* NashConv, each player's best-response gain given what it saw, the other's
  refinements drawn from their law (:mod:`agents.private_play`; 0 at a Bayes-Nash equilibrium of play; a Monte
  Carlo estimate biased up, with ``nash_conv_lower`` and ``nash_conv_lower/<a>`` beside it, biased down), and with
  several rounds not defined; in
  refine_bargain_v0 (visibility "public"), NashConv of the whole play phase (every offer round) in the realised
  episode, from the state its play starts in, each player's utilities its expected true ones given what it knows
  (:mod:`agents.bargain_play`, exact backward induction over the policies' Markov play); in RefineOrAct, the
  single agent's best-response gain ``max_k U(k) - E[U | act]`` of its final act distribution;
* ``spe_gap`` (refine_bargain_v0, public; refine_matrix_v0 with ``rounds`` > 1): the largest one-shot deviation
  gain over every play state, reached or not; 0 exactly when the play is subgame perfect (a Nash equilibrium can
  hold off-path threats: NashConv 0 with a positive gap);
* ``regret/<a>``: the agent's regret against its own best deviation in the realised game: at each play step (each
  round of refine_matrix_v0; the act step of RefineOrAct), the best-response payoff against the other player's
  play strategy minus the agent's expected payoff, summed over the steps (one round, public: ``nash_conv/<a>``;
  under "own" a full-information regret, positive even at a Bayes-Nash equilibrium). It judges
  play given the realised game; the refine decision is judged by ``refine_gap``. Not defined for bargaining;
* ``eq_payoff/<a>`` and ``eq_gap/<a> = play payoff - eq_payoff``: the analytic outcome of the realised problem
  (refine_matrix_v0: ``rounds`` times the equilibrium payoff under ``selection``, batched after the episodes;
  refine_bargain_v0: the SPE utilities of the true problem); not defined for RefineOrAct;
* with ``reference`` (the reference profile run on the same seeds): ``reference_payoff/<a>`` and
  ``shortfall/<a> = reference_payoff - payoff``, the payoff shortfall against the reference *profile* (in a game
  it mixes both players' departures: player_0's shortfall moves when player_1 plays differently); agents missing
  from ``reference`` keep their evaluated policy there; ``reference_welfare`` and
  ``welfare_cost = reference_welfare - welfare`` (the sum of the shortfalls: with a common-knowledge reference, the
  welfare that acting on miscalibrated beliefs costs, model.md §4); and, for the agents the reference covers with
  an analytic agent, the refine-decision gap at the agent's first step, ``refine_gap/<a>`` (expected value lost
  against the Bayes-optimal refine decision) and ``refine_rate_gap/<a>`` (refine probability minus the
  reference's), :mod:`agents.refine_gap`; where the reference plays the refine stage as a game, also
  ``refine_nash_conv``, the NashConv of both players' first decisions in the reference's first-turn game (0 at any
  of its equilibria, not only the reference's own);
* ``invalid`` (a masked action was taken) and ``length`` (steps).

All episodes advance together: one policy call per agent and step over a chunk of episodes (:mod:`agents.rollout`);
the records equal those of playing the episodes one by one. The solver runs once per episode at most (NashConv,
SPE) plus one batched equilibrium call per game shape; the policies' own computations are theirs (the analytic
agents cache them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.analytic import make_agent
from agents.metrics import analytic_outcomes, summarise, summary_rows
from agents.policy import Policy
from agents.refine_gap import refine_gap, stage_nash_conv
from agents.rollout import row_key, run_episodes
from vvl_env.envs import RefineOrAct, refine_bargain_v0, refine_matrix_v0

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
    players: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The policy objects of the evaluated profile (not serialised; a reference report's analytic agents value the
    refine decision)."""
    firsts: list[dict[str, Any]] = field(default_factory=list, repr=False, compare=False)
    """Per episode, agent -> (observation, mask, probabilities) at the agent's first step."""

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


def _run(env_id: str, env_config: Mapping[str, Any], policies: Mapping[str, Policy], episodes: int, seed: int,
         nash_conv_episodes: int | None = None) -> tuple[list[dict[str, Any]], list[Any], list[dict[str, Any]], Any]:
    env = make_env(env_id, env_config)
    agents = ("agent",) if env_id == "refine_or_act" else tuple(env.possible_agents)
    missing = [a for a in agents if a not in policies]
    if missing:
        raise ValueError(f"policies: missing a policy for {missing}; the environment's agents are {list(agents)}")
    return run_episodes(env_id, lambda: make_env(env_id, env_config), policies, episodes, seed,
                        nash_conv_episodes=nash_conv_episodes)


def evaluate(env_id: str, env_config: Mapping[str, Any], policies: Mapping[str, Policy], *, episodes: int,
             seed: int, reference: Mapping[str, Policy] | EvalReport | str | None = None,
             selection: str = "all", nash_conv_episodes: int | None = None) -> EvalReport:
    """Play ``episodes`` seeded episodes, all at once (:mod:`agents.rollout`), and record outcomes (module
    docstring).

    Parameters
    ----------
    env_id : "refine_or_act", "refine_matrix_v0" or "refine_bargain_v0"
    env_config : the environment's keyword arguments.
    policies : one Policy per agent ("agent" for RefineOrAct; "player_0", "player_1" otherwise).
    episodes, seed : episode e is ``reset(seed=episode_seed(seed, e))`` (disjoint across seeds); agent i's
        Generator is ``default_rng([seed, e, i])``.
    reference : reference policies (some or all agents; the others keep ``policies``), run on the same seeds; the
        name of an analytic agent for every agent (``"bayes_optimal"``, ...: :func:`agents.analytic.make_agent`
        with ``selection`` and ``seed`` as its defaults, as ``vvl run`` builds it); or the EvalReport of the
        reference profile with the same env, seed and at least as many episodes (computed once, shared by every
        evaluated agent).
    selection : equilibrium selection rule of ``eq_payoff`` in refine_matrix_v0 (model.md §2).
    nash_conv_episodes : the play NashConv and ``spe_gap`` of refine_bargain_v0 and of refine_matrix_v0 with
        ``rounds`` > 1 (the costly metrics: policy calls over all ~(2H + 1) G play states of a bargaining episode,
        1 + (H - 1) m n of a repeated game) are recorded for the first this many episodes (None: all; 0: none);
        refine_matrix_v0's one-round NashConv is always recorded.

    Returns
    -------
    EvalReport
    """
    if isinstance(episodes, bool) or not isinstance(episodes, (int, np.integer)) or episodes < 1:
        raise ValueError(f"episodes: must be an integer >= 1, got {episodes!r}")
    if nash_conv_episodes is not None and (isinstance(nash_conv_episodes, bool) or not isinstance(
            nash_conv_episodes, (int, np.integer)) or nash_conv_episodes < 0):
        raise ValueError(f"nash_conv_episodes: must be None or an integer >= 0, got {nash_conv_episodes!r}")
    if reference is not None and not isinstance(reference, (Mapping, EvalReport, str)):
        raise TypeError(f"reference: must be None, a mapping of agent -> Policy, an analytic agent's name or an "
                        f"EvalReport, got {type(reference).__name__}")
    config = dict(env_config)
    if isinstance(reference, EvalReport) and _replays(reference, policies, env_id, config, int(episodes), int(seed),
                                                       selection):
        # records are flat dicts of numbers: a copy of each dict is a deep copy
        records, firsts = [dict(r) for r in reference.records[:episodes]], reference.firsts[:episodes]
        agents = reference.agents
    else:
        records, realised, firsts, env = _run(env_id, config, policies, int(episodes), int(seed),
                                              nash_conv_episodes)
        agents = ("agent",) if env_id == "refine_or_act" else tuple(env.possible_agents)
        analytic_outcomes(env_id, env, records, realised, selection)
    if isinstance(reference, str):
        try:
            reference = {a: make_agent(reference, env_id, env_config=config, role=a, default_selection=selection,
                                       default_seed=int(seed)) for a in agents}
        except ValueError as e:
            raise ValueError(f"reference: {e}") from None
    if reference:
        ref = reference if isinstance(reference, EvalReport) else \
            _reference_report(env_id, config, {a: reference.get(a, policies[a]) for a in agents}, int(episodes),
                              int(seed), [a for a in agents if a in reference])
        _check_reference(ref, env_id, config, int(episodes), int(seed))
        compare_with_reference(env_id, records, firsts, ref, agents)
    where = sorted({k for r in records for k in r if k.startswith("refine_rate/") and k.count("/") == 2})
    for rec in records:
        for k in where:
            rec.setdefault(k, 0.0)
    return EvalReport(env_id, config, agents, {a: getattr(policies[a], "name", type(policies[a]).__name__)
                                               for a in agents}, int(episodes), int(seed), selection, records,
                      players=dict(policies), firsts=firsts)


def _replays(ref: EvalReport, policies: Mapping[str, Policy], env_id: str, config: dict[str, Any], episodes: int,
             seed: int, selection: str) -> bool:
    """Whether evaluating ``policies`` would replay ``ref``: the same policy objects, env, seed and selection."""
    same = set(policies) == set(ref.players) and all(policies[a] is ref.players[a] for a in policies)
    return same and ref.env_id == env_id and ref.env_config == config and ref.seed == seed and \
        ref.episodes >= episodes and ref.selection == selection and len(ref.firsts) >= episodes


def _reference_report(env_id: str, config: dict[str, Any], profile: Mapping[str, Policy], episodes: int, seed: int,
                      covered: list[str]) -> EvalReport:
    records, _, _, _ = _run(env_id, config, profile, episodes, seed, nash_conv_episodes=0)  # payoffs only
    agents = tuple(profile)
    return EvalReport(env_id, config, agents, {a: getattr(profile[a], "name", "") for a in agents}, episodes, seed,
                      "", records, players={a: profile[a] for a in covered})  # no firsts: never replayed


def _check_reference(ref: EvalReport, env_id: str, config: dict[str, Any], episodes: int, seed: int) -> None:
    if ref.env_id != env_id or ref.env_config != config or ref.seed != seed or ref.episodes < episodes:
        raise ValueError(f"reference: an EvalReport of {ref.env_id} with seed {ref.seed} and {ref.episodes} episodes "
                         f"cannot pair with {env_id}, seed {seed}, {episodes} episodes and this env_config")


def compare_with_reference(env_id: str, records: list[dict[str, Any]], firsts: list[dict[str, Any]],
                           ref: EvalReport, agents: tuple[str, ...]) -> None:
    """Add the reference fields (module docstring) to ``records``, pairing episode e with the reference's.

    The refine-decision gap is a function of (reference agent, observation, mask, probabilities) (the analytic
    agents' values are cached and seeded), so it is computed once per distinct first decision."""
    gaps: dict[tuple[Any, ...], dict[str, float]] = {}
    for rec, first, other in zip(records, firsts, ref.records):
        for a in agents:
            rec[f"reference_payoff/{a}"] = other[f"payoff/{a}"]
            rec[f"shortfall/{a}"] = other[f"payoff/{a}"] - rec[f"payoff/{a}"]
            if a in ref.players and a in first:
                obs, mask, probs = first[a]
                key = (a, row_key(obs), row_key(mask), row_key(probs))
                if key not in gaps:
                    gaps[key] = {f"{k}/{a}": v for k, v in refine_gap(env_id, ref.players[a], obs, mask,
                                                                      probs).items()}
                rec.update(gaps[key])
        if len(first) == 2 and all(a in ref.players for a in first):
            key = ("stage",) + tuple(row_key(v) for a in sorted(first) for v in (first[a][0], first[a][2]))
            if key not in gaps:
                value = stage_nash_conv(env_id, ref.players, first)
                gaps[key] = {} if value is None else {"refine_nash_conv": value}
            rec.update(gaps[key])
        rec["reference_welfare"] = other["welfare"]
        rec["welfare_cost"] = other["welfare"] - rec["welfare"]
