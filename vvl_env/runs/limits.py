"""The work and memory a scenario implies, estimated from its plain data before anything is built.

``vvl validate`` must not itself allocate what a scenario asks for (``budget = 1e9`` once made it allocate 22 GB),
so these estimates read the configuration only. They are upper bounds of the kind "every step of every episode
refines": coarse, but they separate a scenario of minutes from one of years. Beyond a limit the scenario is refused
naming the field; with ``allow_large`` (``--allow-large``) it is a :class:`LargeScenarioWarning` instead, except
for memory beyond this machine's physical memory, which is always refused.

Limits (per run, i.e. per sweep cell): :data:`MAX_OBS` floats in one observation, :data:`MAX_ENV_STEPS`
environment steps (training, evaluations during training and the final evaluation, every agent and seed),
:data:`MAX_WORK` steps x observation length, :data:`MAX_BYTES` of environment tables and SB3 buffers, and
:data:`MAX_ANALYTIC_SECONDS` of analytic decisions in ``refine_matrix_v0``, whose lookahead solves games of
``(m + budget_0) x (n + budget_1)`` actions (measured: about 0.05 s per episode at budget [1, 1] on matching
pennies and 1.7 s at [2, 2], 0.35 s at [1, 1] on rock-paper-scissors; about :data:`ANALYTIC_GROWTH` times
more per extra refinement).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from typing import Any

from vvl_env.runs.errors import LargeScenarioWarning, ScenarioError

MAX_OBS = 10**6
MAX_ENV_STEPS = 10**9
MAX_WORK = 10**12
MAX_BYTES = 8 * 2**30
MAX_ANALYTIC_SECONDS = 3600.0
ANALYTIC_SECONDS_AT_2 = 0.055  # per episode, matching pennies, budget [1, 1] (2 refinements in all)
ANALYTIC_GROWTH = 5.6          # sqrt(1.7 / 0.055): per extra refinement
GAME_POWER = 2.3               # rock-paper-scissors at [1, 1]: 0.35 s per episode = 0.055 s x (9 / 4) ** 2.3
NAMED_SHAPES = {"matching_pennies": (2, 2), "rock_paper_scissors": (3, 3), "prisoners_dilemma": (2, 2)}
DQN_BUFFER = 1_000_000  # SB3's default buffer_size


def _int(value: Any, default: int) -> int:
    """An integer config value, or ``default`` where it is not one (the environment's own check reports it)."""
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def _pair(value: Any, default: int) -> tuple[int, int]:
    if isinstance(value, list) and len(value) == 2:
        return _int(value[0], default), _int(value[1], default)
    return _int(value, default), _int(value, default)


def env_size(env_id: str, config: dict[str, Any]) -> dict[str, Any]:
    """``obs`` (floats in one observation), ``steps`` (longest episode), ``bytes`` (one environment's tables) and
    the fields that drive them (``obs_field``, ``steps_field``)."""
    if env_id == "refine_or_act":
        values = config.get("values", (0.0, 0.0))
        budget = _int(config.get("budget", 1), 1)
        M = _int(config.get("max_options"), 0) or (len(values) if isinstance(values, list) else 1) + budget
        obs = 2 * M + 5
        return {"obs": obs, "steps": budget + 1, "bytes": 48 * obs, "obs_field": "env.config.budget",
                "steps_field": "env.config.budget"}
    if env_id == "refine_matrix_v0":
        R1, game = config.get("R1"), config.get("game") or "matching_pennies"
        m, n = (len(R1), len(R1[0]) if R1 and isinstance(R1[0], list) else 1) if isinstance(R1, list) else \
            NAMED_SHAPES.get(game, (2, 2)) if isinstance(game, str) else (2, 2)
        b0, b1 = _pair(config.get("budget", 1), 1)
        rounds = _int(config.get("rounds", 1), 1)
        M = max(_int(config.get("max_actions"), 0), m + b0, n + b1)
        status = (b0 + 1) * (b1 + 1) * 3 * 2 * (2 * M + 5) * 5
        return {"obs": 2 * M * M + 4 * M + 12, "steps": b0 + b1 + rounds, "M": M, "refinements": b0 + b1,
                "game_cells": m * n, "bytes": 8 * (M + 1) ** 3 * (b0 + b1 + 5) + status,
                "obs_field": "env.config.budget", "steps_field": "env.config.rounds" if rounds > b0 + b1
                else "env.config.budget"}
    horizon = _int(config.get("horizon", 2), 2)
    K = _int(config.get("K", 2), 2)
    return {"obs": 12 + 5 * K, "steps": 2 * horizon + 2, "bytes": 0, "obs_field": "env.config.K",
            "steps_field": "env.config.horizon"}


def _training(scenario: Any, learner: Any) -> dict[str, int]:
    """The learner's budget fields, unset ones from ``[training]``."""
    return {k: getattr(learner, k) if getattr(learner, k) is not None else getattr(scenario.training, k)
            for k in ("total_timesteps", "n_envs", "eval_every", "eval_episodes")}


def estimates(scenario: Any) -> Iterator[tuple[str, float, float, str]]:
    """``(field, estimate, limit, what)`` for every quantity with a limit."""
    size = env_size(scenario.env.id, dict(scenario.env.config))
    seeds = len(scenario.seeds)
    yield size["obs_field"], size["obs"], MAX_OBS, "floats in one observation"
    episodes = scenario.evaluation.episodes * len(scenario.agents) * seeds
    steps, field, biggest = episodes * size["steps"], "evaluation.episodes", episodes * size["steps"]
    memory = size["bytes"]
    for learner in scenario.learners:
        t = _training(scenario, learner)
        evals = t["eval_episodes"] * (t["total_timesteps"] // t["eval_every"] if t["eval_every"] else 0)
        own = seeds * (t["total_timesteps"] + evals * size["steps"])
        steps += own
        if own > biggest:
            biggest = own
            field = f"agents[{scenario.agents.index(learner)}].total_timesteps"
        hp = learner.sb3_hyperparams()
        n_envs = t["n_envs"]
        rollout = _int(hp.get("buffer_size"), DQN_BUFFER) * 2 if learner.algo == "dqn" else \
            _int(hp.get("n_steps"), 2048) * n_envs * 3
        memory = max(memory, n_envs * size["bytes"] + 4 * size["obs"] * rollout)
    why = f"{field} (with episodes of up to {size['steps']} steps: {size['steps_field']})"
    yield why, steps, MAX_ENV_STEPS, "environment steps"
    yield why, steps * size["obs"], MAX_WORK, "environment steps x observation length"
    buffers = next((f"agents[{scenario.agents.index(a)}].hyperparams.buffer_size" for a in scenario.learners
                    if a.algo == "dqn"), size["obs_field"])
    yield buffers, memory, MAX_BYTES, "bytes of environment tables and SB3 buffers"
    if scenario.env.id == "refine_matrix_v0":
        analytic = [a for a in scenario.agents if a.kind == "analytic"]
        if scenario.evaluation.reference is not None:
            analytic.append(scenario.agent(scenario.evaluation.reference))
        # every learner's curve (two players here) scores it against the analytic bayes_optimal agents, which play
        # its eval_episodes once per seed (agents.learning.phase_metrics), whether or not the scenario lists them
        curve = sum(_training(scenario, a)["eval_episodes"] for a in scenario.learners)
        episodes = (len(analytic) * scenario.evaluation.episodes + curve) * seeds
        per_episode = ANALYTIC_SECONDS_AT_2 * ANALYTIC_GROWTH ** (size["refinements"] - 2) * \
            (size["game_cells"] / 4) ** GAME_POWER
        yield ("env.config.budget (with analytic agents, or learners, whose curves use them as the reference)",
               episodes * per_episode, MAX_ANALYTIC_SECONDS, "seconds of analytic decisions (rough)")


def physical_memory() -> float:
    """Bytes of physical memory (infinite where the system does not say)."""
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def check_limits(scenario: Any, *, allow_large: bool = False) -> None:
    """Refuse (or with ``allow_large`` warn about) a scenario beyond a limit of :func:`estimates`.

    Raises
    ------
    ScenarioError
        ``<field>: the scenario implies about <n> <what>, more than the limit <limit> ...``.
    """
    for field, value, limit, what in estimates(scenario):
        if value <= limit:
            continue
        text = f"{field}: the scenario implies about {value:.3g} {what}, more than the limit {limit:.3g}"
        if what.startswith("bytes") and value > physical_memory():
            raise ScenarioError(f"{text}, and more than this machine's memory ({physical_memory():.3g} bytes)")
        if not allow_large:
            raise ScenarioError(f"{text} (vvl_env.runs.limits); make it smaller, or pass --allow-large to run it "
                                f"anyway")
        warnings.warn(text, LargeScenarioWarning, stacklevel=2)
