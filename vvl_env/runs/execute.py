"""The one module of ``vvl_env.runs`` that calls the environments, the agents and the solvers.

Everything else in the package handles folders, records, figures and processes; a change in the agents' API is a
change here only.

Resume of an interrupted learner: ``agents.learning.train(config, out_dir, resume=True)`` continues from the last
checkpoint in ``out_dir``. Set :data:`RESUME_FROM_CHECKPOINT` to False to restart an interrupted learner from
scratch instead (the same summary either way when training is deterministic given its seed).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from vvl_env.runs.errors import ScenarioError
from vvl_env.runs.store import plain

ROLES: dict[str, tuple[str, ...]] = {"refine_or_act": ("agent",), "refine_matrix_v0": ("player_0", "player_1"),
                                     "refine_bargain_v0": ("player_0", "player_1")}
RESUME_FROM_CHECKPOINT = True
REFERENCE_DRAWS = 4_000


def build_env(env_id: str, config: dict[str, Any]) -> Any:
    """Construct the environment once (its own checks run); unknown keywords become a ValueError."""
    from vvl_env.envs import RefineOrAct, refine_bargain_v0, refine_matrix_v0

    factory: Callable[..., Any] = {"refine_or_act": RefineOrAct, "refine_matrix_v0": refine_matrix_v0.parallel_env,
                                   "refine_bargain_v0": refine_bargain_v0.parallel_env}[env_id]
    try:
        return factory(**config)
    except TypeError as exc:
        target = RefineOrAct.__init__ if env_id == "refine_or_act" else None
        allowed = ", ".join(p for p in inspect.signature(target).parameters if p != "self") if target else None
        unknown = [k for k in config if target is not None and k not in inspect.signature(target).parameters]
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown configuration field; allowed: {allowed}") from None
        raise ValueError(f"{exc}") from None


def policy_kinds(agent: Any, env_id: str) -> tuple[str, ...]:
    """One policy kind per role of the environment (a single kind is used for every role)."""
    roles = ROLES[env_id]
    kinds = tuple(agent.policy) if isinstance(agent.policy, list) else (agent.policy,) * len(roles)
    if len(kinds) != len(roles):
        raise ValueError(f"policy: {env_id} has one role ({roles[0]!r}), so one policy kind, got {agent.policy}")
    return kinds


def fixed_policies(agent: Any, env_id: str, env_config: dict[str, Any], selection: str | None = None,
                   seed: int | None = None) -> dict[str, Any]:
    """The policies of an analytic agent or a baseline, keyed by the environment's roles; ``selection`` (the
    scenario's ``[evaluation].selection``) and ``seed`` (the run seed) are the analytic agents' defaults."""
    from agents.analytic import make_agent

    return {role: make_agent(kind, env_id, env_config=dict(env_config), role=role, default_selection=selection,
                             default_seed=seed, **agent.options)
            for role, kind in zip(ROLES[env_id], policy_kinds(agent, env_id))}


def train_config(scenario: Any, learner: Any, seed: int) -> Any:
    """The ``agents.learning.TrainConfig`` of ``learner`` with ``seed`` (unset fields from ``[training]``)."""
    from agents.learning import TrainConfig

    t = scenario.training
    pick = {k: getattr(learner, k) if getattr(learner, k) is not None else getattr(t, k)
            for k in ("total_timesteps", "n_envs", "checkpoint_every", "eval_every", "eval_episodes")}
    extra = {k: getattr(learner, k) for k in ("pool_size", "snapshot_every", "exploring_starts", "torch_threads")
             if getattr(learner, k) is not None}
    mode = learner.mode or ("single" if scenario.env.id == "refine_or_act" else "shared")
    return TrainConfig(env_id=scenario.env.id, env_config=dict(scenario.env.config), algo=learner.algo, mode=mode,
                       seed=seed, hyperparams=learner.sb3_hyperparams(),
                       nash_conv_episodes=scenario.evaluation.nash_conv_episodes, **pick, **extra)


def _env_prefixed(exc: Exception) -> str:
    text = str(exc).replace("\n", " ")
    return text[len("env_config."):] if text.startswith("env_config.") else text


def check_scenario(scenario: Any) -> None:
    """Build the environment and every agent once, so that their own checks run before anything else.

    Raises
    ------
    ScenarioError
        ``env.config.<field>: ...`` or ``agents[i]...: ...``.
    """
    try:
        env = build_env(scenario.env.id, dict(scenario.env.config))
        env.close()
    except Exception as exc:  # the env's own ValueError, or anything else it raised on odd input
        raise ScenarioError(f"env.config.{_env_prefixed(exc)}") from None
    for i, agent in enumerate(scenario.agents):
        try:
            if agent.kind == "learner":
                train_config(scenario, agent, scenario.seeds[0])  # types and ranges: vvl_env.runs.checks
            else:
                fixed_policies(agent, scenario.env.id, scenario.env.config, scenario.evaluation.selection)
        except ScenarioError:
            raise
        except Exception as exc:
            text = str(exc).replace("\n", " ")
            if text.startswith("env_config."):
                raise ScenarioError(f"env.config.{_env_prefixed(exc)} (for agents[{i}])") from None
            unexpected = re.search(r"unexpected keyword argument '(\w+)'", text)
            if unexpected:
                raise ScenarioError(f"agents[{i}].options.{unexpected.group(1)}: not an option of {agent.policy} "
                                    f"agents on {scenario.env.id}, got {agent.options[unexpected.group(1)]!r}") \
                    from None
            if re.match(r"^[A-Za-z_][\w.\[\]]*: ", text):
                head = re.split(r"[.:\[]", text, maxsplit=1)[0]   # an analytic agent's option: name its path
                where = "options." if agent.kind != "learner" and head in (agent.options or {}) else ""
                raise ScenarioError(f"agents[{i}].{where}{text}") from None
            raise ScenarioError(f"agents[{i}] ({agent.name}): {text}") from None


WELFARE_KEYS = ("welfare", "return", "payoff/agent", "return/agent")
VOLATILE = ("wall_time", "train/sps")  # curve entries that depend on the machine's speed, not on the seed


def _welfare(report: Any) -> list[float]:
    """Per-episode welfare (the return, for the single-agent env) of an evaluation's records."""
    out = []
    for rec in getattr(report, "records", []):
        get = rec.get if isinstance(rec, dict) else (lambda k, r=rec: getattr(r, k, None))
        value = next((get(k) for k in WELFARE_KEYS if get(k) is not None), None)
        if value is not None:
            out.append(float(value))
    return out


def stable_curve(curve: list[Any]) -> list[dict[str, Any]]:
    """Learning-curve rows without their timing entries (those go to metrics.jsonl only)."""
    return [{k: v for k, v in plain(row).items() if k not in VOLATILE} for row in curve]


def run_unit(scenario: Any, agent_name: str, seed: int, unit_dir: Path, *, resume: bool,
             log: Callable[[dict[str, Any]], None], progress: bool) -> dict[str, Any]:
    """Train (learners) and evaluate one agent with one seed; returns the unit's results as plain data.

    ``log`` receives each learning-curve point as it comes (it is written to ``metrics.jsonl``).
    """
    from agents.evaluate import evaluate

    agent = scenario.agent(agent_name)
    curve: list[Any] = []
    if agent.kind == "learner":
        from agents.learning import train

        from torch.utils.tensorboard import SummaryWriter

        unit_dir.mkdir(parents=True, exist_ok=True)
        cont = resume and RESUME_FROM_CHECKPOINT and (unit_dir / "checkpoints").exists()
        from tqdm.auto import tqdm

        config = train_config(scenario, agent, seed)
        writer = SummaryWriter(str(unit_dir / "tb"))
        bar = tqdm(total=config.total_timesteps, desc=f"  train {agent_name} seed {seed}", unit="step",
                   disable=not progress, leave=False)

        def on_point(point: dict[str, Any]) -> None:
            row = plain(point)
            log(row)
            bar.update(max(0, min(row.get("timesteps", 0), config.total_timesteps) - bar.n))
            for key, value in row.items():
                if key != "timesteps" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    writer.add_scalar(key, value, global_step=row.get("timesteps", 0))
            writer.flush()

        try:
            result = train(config, unit_dir, resume=cont, callback=on_point, progress=False)
        finally:
            writer.close()
            bar.close()
        policies, curve = result.policies, list(result.curve)
    else:
        policies = fixed_policies(agent, scenario.env.id, scenario.env.config, scenario.evaluation.selection, seed)
    reference = reference_report(scenario, seed)
    if reference is not None and agent_name == scenario.evaluation.reference:
        policies = reference.players  # the reference agent itself: its episodes are already played
    report = evaluate(scenario.env.id, dict(scenario.env.config), policies, episodes=scenario.evaluation.episodes,
                      seed=seed, reference=reference, selection=scenario.evaluation.selection,
                      nash_conv_episodes=scenario.evaluation.nash_conv_episodes)
    return {"summary": plain(report.summary()), "welfare": _welfare(report), "curve": stable_curve(curve)}


_REFERENCE_REPORTS: dict[str, Any] = {}
REFERENCE_CACHE_SIZE = 4


def reference_report(scenario: Any, seed: int) -> Any:
    """The evaluation of the scenario's ``[evaluation].reference`` agent with ``seed`` (None without one), played
    once per seed and process and shared by every agent compared with it (a small cache keyed by the environment,
    the reference agent, the episodes, the selection and the seed)."""
    from agents.evaluate import evaluate

    ref = scenario.evaluation.reference
    if not ref:
        return None
    agent = scenario.agent(ref)
    key = json.dumps(plain({"env": [scenario.env.id, scenario.env.config], "agent": [agent.policy, agent.options],
                            "episodes": scenario.evaluation.episodes, "selection": scenario.evaluation.selection,
                            "nash_conv_episodes": scenario.evaluation.nash_conv_episodes, "seed": seed}),
                     sort_keys=True, default=str)
    if key not in _REFERENCE_REPORTS:
        while len(_REFERENCE_REPORTS) >= REFERENCE_CACHE_SIZE:
            del _REFERENCE_REPORTS[next(iter(_REFERENCE_REPORTS))]
        policies = fixed_policies(agent, scenario.env.id, scenario.env.config, scenario.evaluation.selection, seed)
        _REFERENCE_REPORTS[key] = evaluate(scenario.env.id, dict(scenario.env.config), policies,
                                           episodes=scenario.evaluation.episodes, seed=seed,
                                           selection=scenario.evaluation.selection,
                                           nash_conv_episodes=scenario.evaluation.nash_conv_episodes)
    return _REFERENCE_REPORTS[key]


def reference_numbers(scenario: Any) -> dict[str, Any]:
    """Analytic reference numbers from the solvers, for the report (an error here never fails a run)."""
    try:
        return plain(_reference(scenario))
    except Exception as exc:  # a reference number is a courtesy: report why it is missing
        return {"note": f"no analytic reference: {type(exc).__name__}: {exc}"}


def _shifted(estimate: dict[str, Any], by: float) -> dict[str, Any]:
    """An estimate's ``as_dict()`` moved by a constant: its mean and confidence interval (standard error kept)."""
    lo, hi = estimate["ci"]
    return {**estimate, "mean": estimate["mean"] + by, "ci": [lo + by, hi + by]}


def _reference(scenario: Any) -> dict[str, Any]:
    from vvl_env.solve import refinement_effect, value_of_refinement

    env = build_env(scenario.env.id, dict(scenario.env.config))
    if scenario.env.id == "refine_or_act":
        problem, law = env.coarse, env.perturbation
        best = int(np.argmax(problem.values))
        value = value_of_refinement(problem, best, law, cost=env.cost_law.mean,
                                    rng=np.random.default_rng(0))
        net = value.v0 + max(value.gain.mean - value.cost, 0.0)
        return {"what": "one refinement of the best option (model.md §1)", "V0": value.v0,
                "gain": value.gain.as_dict(), "expected_cost": value.cost, "worth_refining": value.worth_refining,
                "expected_return": {"mean": net, "ci": None}}
    if scenario.env.id == "refine_matrix_v0":
        cfg = env.config if hasattr(env, "config") else None
        if cfg is None:
            from vvl_env.envs.refine_matrix.config import make_config

            cfg = make_config(**scenario.env.config)
        from agents.analytic.scope import matrix_reference_scope

        scope = matrix_reference_scope(scenario.env.config, scenario.evaluation.selection)
        agents = {"bayes_optimal refine decisions": scope["refine_decisions"], "bayes_optimal play": scope["play"],
                  "bayes_optimal is an equilibrium of the whole game": scope["equilibrium"]}
        refinements = [(p, 0) for p in (0, 1) if cfg.budget[p] > 0]
        if not refinements:
            return {"note": "no refinement budget: the base game's equilibrium is the reference", **agents}
        effect = refinement_effect(cfg.game, refinements, [cfg.perturbation[p] for p, _ in refinements],
                                   n=REFERENCE_DRAWS, rng=np.random.default_rng(0),
                                   selection=scenario.evaluation.selection)
        costs = sum(cfg.cost[p].mean for p, _ in refinements)
        return {"what": f"equilibrium payoffs after refinements {refinements} of action 0, before costs "
                            f"(model.md §2; {REFERENCE_DRAWS} draws, selection {scenario.evaluation.selection})",
                "welfare_before": float(effect.before.sum()), "welfare": effect.welfare.as_dict(),
                "welfare_net_of_costs": _shifted(effect.welfare.as_dict(), -costs),   # costs are fixed means
                "payoff_0": effect.payoff(0).as_dict(), "payoff_1": effect.payoff(1).as_dict(), **agents}
    return {"note": "bargaining: the refined Nash bargaining solution gives each party >= 1/2 (model.md §3)"}
