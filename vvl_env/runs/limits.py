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
more per extra refinement). Factors on top (:func:`analytic_factors`; measured on 2 cores, seed 0, 150 episodes of
two agents):

* a refining player's law or belief with ``sigma_own = 0`` (its copies keep the parent's own payoffs, so every game
  it refines is degenerate and solved on the exact path, about 1 ms a game): up to :data:`DEGENERATE_FACTOR`, in
  proportion to the share of refining players with such a law (matching pennies, player_0's belief zero: 65 s
  against 8 s; rock-paper-scissors, both laws: the refine stage alone 700 s against 22 s);
* a base game with tied payoffs in a column of R1 or a row of R2 (degenerate, and so are the refined games that keep
  those actions): :data:`TIED_GAME_FACTOR` (a 3 x 3 general-sum game with a tied row: its refine stage 160 s);
* ``visibility = "own"``: :data:`OWN_FACTOR` (views with the other's variants copied are degenerate; the interim
  NashConv replays :data:`~agents.private_play.TYPES` types per episode), and where a player may refine more than
  once and ``rounds = 1``, the interim NashConv asks the analytic agents for a lookahead in each replayed type's
  view: :data:`INTERIM_VIEW_SECONDS` per view and refiner with budget > 1, times ``TYPES``, per episode (of the
  first ``evaluation.nash_conv_episodes``): matching pennies at budgets [2, 1], over 200 s for one episode.

The Lemke-Howson selection rule costs no more than the welfare rules (its paths walk in lockstep,
:mod:`vvl_env.solve.lemke_howson_batch`: matching pennies [1, 1], 150 episodes, 5.5 s against 6.0 s).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from vvl_env.model.game import named_game
from vvl_env.runs.errors import LargeScenarioWarning, ScenarioError

MAX_OBS = 10**6
MAX_ENV_STEPS = 10**9
MAX_WORK = 10**12
MAX_BYTES = 8 * 2**30
MAX_ANALYTIC_SECONDS = 3600.0
ANALYTIC_SECONDS_AT_2 = 0.055  # per episode, matching pennies, budget [1, 1] (2 refinements in all)
ANALYTIC_GROWTH = 5.6          # sqrt(1.7 / 0.055): per extra refinement
GAME_POWER = 2.3               # rock-paper-scissors at [1, 1]: 0.35 s per episode = 0.055 s x (9 / 4) ** 2.3
DEGENERATE_FACTOR = 15.0      # zero own sigma for every refiner (rock-paper-scissors' refine stage: 31x)
TIED_GAME_FACTOR = 7.0        # 3 x 3 general-sum game with a tied row: refine stage 7x rock-paper-scissors'
OWN_FACTOR = 4.0              # visibility "own", budgets <= 1: matching pennies [1, 0] 18.8 s, [1, 1] 56.8 s
INTERIM_VIEW_SECONDS = 0.77   # one analytic lookahead in a replayed own view (matching pennies, [2, 1])
INTERIM_TYPES = 2048          # agents.private_play.TYPES (not imported: validate stays light)
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


def _law_fields(value: Any) -> list[dict[str, Any]]:
    """Both players' laws as plain mappings (one law for both, or a pair; anything else: no fields)."""
    pair = value if isinstance(value, list) and len(value) == 2 else [value, value]
    return [v if isinstance(v, dict) else {} for v in pair]


def _zero_own_share(config: dict[str, Any], budgets: tuple[int, int]) -> float:
    """The share of refining players (budget > 0) whose true law or belief has ``sigma_own = 0`` (a belief mapping
    without ``sigma_own`` keeps the true one; the default law has sigma_own 1)."""
    truth = _law_fields(config.get("perturbation"))
    beliefs = config.get("beliefs", "common")
    believed = _law_fields(beliefs) if isinstance(beliefs, list) else [{}, {}]
    refiners = [p for p in (0, 1) if budgets[p] > 0]
    zero = [p for p in refiners if any(law.get("sigma_own", 1.0) == 0 for law in (truth[p], believed[p]))]
    return len(zero) / len(refiners) if refiners else 0.0


def _tied(config: dict[str, Any]) -> bool:
    """Whether the base game has two equal payoffs in a column of R1 or a row of R2 (a degenerate game); False
    where the configuration does not say (the environment's own check reports it)."""
    try:
        if "R1" in config:
            R1 = np.asarray(config["R1"], dtype=np.float64)
            R2 = -R1 if config.get("R2") is None else np.asarray(config["R2"], dtype=np.float64)
        else:
            game = named_game(config.get("game") or "matching_pennies")
            R1, R2 = np.asarray(game.R1, dtype=np.float64), np.asarray(game.R2, dtype=np.float64)
    except (ValueError, TypeError):
        return False
    if R1.ndim != 2 or R1.shape != R2.shape or R1.size > MAX_OBS:
        return False
    ties = [len(np.unique(col)) < len(col) for col in R1.T] + [len(np.unique(row)) < len(row) for row in R2]
    return any(ties)


def analytic_factors(config: dict[str, Any]) -> dict[str, float]:
    """Factors on the per-episode seconds of analytic decisions, keyed by the field that causes each (module
    docstring): ``1 + (DEGENERATE_FACTOR - 1) s`` for a share s of refiners with a zero own sigma,
    :data:`TIED_GAME_FACTOR` for a base game with ties, :data:`OWN_FACTOR` under visibility "own"; 1 where a factor
    does not apply."""
    share = _zero_own_share(config, _pair(config.get("budget", 1), 1))
    beliefs = config.get("beliefs")
    laws = "env.config.beliefs" if isinstance(beliefs, list) and any(
        law.get("sigma_own", 1.0) == 0 for law in _law_fields(beliefs)) else "env.config.perturbation"
    game = "env.config.R1" if "R1" in config else "env.config.game"
    return {f"{laws} (sigma_own = 0: every refined game is degenerate)": 1 + (DEGENERATE_FACTOR - 1) * share,
            f"{game} (tied payoffs: degenerate games)": TIED_GAME_FACTOR if _tied(config) else 1.0,
            'env.config.visibility ("own")': OWN_FACTOR if config.get("visibility") == "own" else 1.0}


def interim_seconds(config: dict[str, Any], size: dict[str, Any]) -> float:
    """Seconds per episode of the interim NashConv's lookaheads (visibility "own", ``rounds = 1``): for each
    player that may refine more than once, ``INTERIM_TYPES`` replayed views, each one analytic lookahead of
    :data:`INTERIM_VIEW_SECONDS` scaled by the game's size like the per-episode model; 0 elsewhere."""
    if config.get("visibility") != "own" or _int(config.get("rounds", 1), 1) != 1:
        return 0.0
    again = sum(b > 1 for b in _pair(config.get("budget", 1), 1))
    return again * INTERIM_TYPES * INTERIM_VIEW_SECONDS * (size["game_cells"] / 4) ** GAME_POWER


def _analytic(scenario: Any, size: dict[str, Any]) -> tuple[str, float]:
    """The field that drives the analytic seconds most, and the seconds: ``episodes x per-episode model x
    factors`` plus the interim NashConv's lookaheads on its episodes (module docstring)."""
    config = dict(scenario.env.config)
    analytic = [a for a in scenario.agents if a.kind == "analytic"]
    if scenario.evaluation.reference is not None:
        analytic.append(scenario.agent(scenario.evaluation.reference))
    # every learner's curve (two players here) scores it against the analytic bayes_optimal agents, which play
    # its eval_episodes once per seed (agents.learning.phase_metrics), whether or not the scenario lists them
    curve = sum(_training(scenario, a)["eval_episodes"] for a in scenario.learners)
    seeds = len(scenario.seeds)
    episodes = (len(analytic) * scenario.evaluation.episodes + curve) * seeds
    factors = analytic_factors(config)
    per_episode = ANALYTIC_SECONDS_AT_2 * ANALYTIC_GROWTH ** (size["refinements"] - 2) * \
        (size["game_cells"] / 4) ** GAME_POWER * math.prod(factors.values())
    limit = scenario.evaluation.nash_conv_episodes
    interim_episodes = episodes if limit is None else min(limit, scenario.evaluation.episodes) * len(analytic) * seeds
    interim = interim_episodes * interim_seconds(config, size)
    field, factor = max(factors.items(), key=lambda kv: kv[1])
    if interim > episodes * per_episode:
        field = 'evaluation.nash_conv_episodes (interim NashConv under visibility "own" with a budget > 1)'
    elif factor <= 1:
        field = "env.config.budget"
    return (f"{field} (with analytic agents, or learners, whose curves use them as the reference)",
            episodes * per_episode + interim)


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
        field, seconds = _analytic(scenario, size)
        yield field, seconds, MAX_ANALYTIC_SECONDS, "seconds of analytic decisions (rough)"


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
