"""``train(config, out_dir) -> TrainResult``: SB3 learners on vvl's environments, read top to bottom like CleanRL's
``ppo.py`` (seed block, env factory, models, opponents, loop with curve and checkpoints, save).

Modes
-----
single
    One model on ``RefineOrAct`` (``n_envs`` copies in a ``DummyVecEnv``).
shared
    One model for both agents (parameter sharing, agent id observed): ``RefineMatrixVecEnv`` or
    ``RefineBargainVecEnv`` (each agent of each copy is a sub-env).
independent
    One model per agent, trained in alternating chunks: model i collects a rollout in its own copies while the
    other model, *as it currently is*, acts inside the environment (sampling its masked policy), then updates; then
    the other does the same. Each model learns only from its own experience (an opponent's moves are part of the
    environment), so each trains ``total_timesteps / 2`` of its own steps.
self_play
    One learner against a pool of its past snapshots (the initial network, then one every ``snapshot_every``
    timesteps, ``pool_size`` kept). Per episode and copy, a seeded Generator draws the learner's role and the
    opponent snapshot.

Reproducibility
---------------
Same config, same machine -> identical parameters, curve (apart from wall times) and evaluations: seeds come only
from ``config.seed`` (SB3 ``set_random_seed``, environment copies ``seed + c``, the role/opponent Generator), and
torch runs one thread. Resume is bit for bit: checkpoints fall on chunk boundaries and hold the models (weights,
optimizer, counters, last observation), DQN's replay buffer, every RNG state and each VecEnv's full state
(:mod:`agents.learning.checkpoint`); a resumed run ends with the parameters an uninterrupted run reaches, provided
``total_timesteps`` is unchanged (a different budget changes the learners' progress, which schedules read).
Checkpoints land at the first chunk boundary at or past each multiple of ``checkpoint_every``.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch as th
from stable_baselines3.common.utils import set_random_seed

from agents.learning.average import AveragePool
from agents.learning.checkpoint import (last_checkpoint, load_checkpoint, mark_complete, save_checkpoint,
                                        write_json)
from agents.learning.config import MASKED_ALGOS, TrainConfig, algo_class
from agents.learning.curve import evaluate_policies
from agents.learning.envs import make_train_env
from agents.learning.loop import Learner, SnapshotPool
from agents.learning.masked_policy import MaskedMlpPolicy
from agents.learning.phase_metrics import PhaseMetrics
from agents.learning.policies import SB3Policy, wrap_models
from agents.learning.sb3_args import resolve_activation


@dataclass(frozen=True, slots=True)
class TrainResult:
    """What a training run produced: wrapped policies, the learning curve and the saved files."""

    config: TrainConfig
    policies: dict[str, Any]
    curve: list[dict[str, float]]
    model_paths: dict[str, Path]
    checkpoints: tuple[Path, ...]
    timesteps: int
    wall_time: float
    models: dict[str, Any]
    average: dict[str, Any]
    """Two-agent envs: agent -> the time-averaged policy (:class:`agents.learning.average.AveragePolicy`)."""


def _model_seed(config: TrainConfig, k: int) -> int:
    return config.seed + 10_000 * k


def _prepare(out_dir: Path, config: TrainConfig, resume: bool) -> Path | None:
    """Create ``out_dir``, check it against ``resume`` and return the checkpoint to resume from (or None)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt = last_checkpoint(out_dir)
    if ckpt is not None and not resume:
        raise ValueError(f"out_dir: {out_dir} already holds a run; pass resume=True or use a new folder")
    if ckpt is not None:
        saved = pickle.loads((out_dir / "config.pkl").read_bytes())
        if replace(saved, total_timesteps=config.total_timesteps) != config:
            raise ValueError(f"config: differs from the run in {out_dir} (only total_timesteps may change)")
    (out_dir / "config.pkl").write_bytes(pickle.dumps(config))
    write_json(out_dir / "config.json", config.to_dict())
    return ckpt


def train(config: TrainConfig, out_dir: Path | str, *, resume: bool = False,
          callback: Callable[[dict[str, float]], bool | None] | None = None, progress: bool = False) -> TrainResult:
    """Train SB3 learners as ``config`` says; save checkpoints, the curve and the final models in ``out_dir``.

    Parameters
    ----------
    config : TrainConfig
    out_dir : path
        The run's folder (layout in :mod:`agents.learning.checkpoint`). Must not hold a run unless ``resume``.
    resume : bool
        Continue from the last checkpoint in ``out_dir`` up to ``config.total_timesteps`` (a fresh start if none).
    callback : callable, optional
        Called with every learning-curve row; returning False stops training (after the final save).
    progress : bool
        Print each curve row to stderr.

    Returns
    -------
    TrainResult
    """
    th.set_num_threads(config.torch_threads)
    out_dir = Path(out_dir)
    ckpt = _prepare(out_dir, config, resume)
    if config.algo == "exploitability_descent":
        return _train_exploitability_descent(config, out_dir, ckpt, callback, progress)
    cls, names = algo_class(config.algo), config.learner_names

    # --- seed block ---------------------------------------------------------------------------------------------
    set_random_seed(config.seed)

    # --- env factory: one VecEnv per model ------------------------------------------------------------------------
    roles = {"player_0": 0, "player_1": 1}
    # learners that ignore masks (ppo, dqn): a masked action ends the episode with a penalty (vvl_env.envs.actions)
    env_config = config.env_config if config.algo in MASKED_ALGOS else {"invalid_action": "penalize",
                                                                           **config.env_config}
    feedback = bool(config.model_kwargs.get("full_information"))  # MMD-PPO's full-information play
    envs = {n: make_train_env(config.env_id, env_config, config.mode, config.n_envs, _model_seed(config, k),
                              role=roles.get(n), counterfactual=feedback, exploring_starts=config.exploring_starts)
            for k, n in enumerate(names)}

    # --- models: new, or restored with env and RNG state ----------------------------------------------------------
    if ckpt is None:
        policy_class = MaskedMlpPolicy if config.algo in MASKED_ALGOS else "MlpPolicy"
        models = {n: cls(policy_class, envs[n], seed=_model_seed(config, k), device="cpu", verbose=0,
                         **resolve_activation(config.model_kwargs)) for k, n in enumerate(names)}
        extras: dict[str, Any] = {"curve": [], "next_eval": config.eval_every or config.total_timesteps,
                                  "next_ckpt": config.checkpoint_every or config.total_timesteps, "wall_time": 0.0,
                                  "checkpoints": []}
    else:
        models, extras = load_checkpoint(ckpt, cls, envs)
    budget = -(-config.total_timesteps // len(names))
    learners = [Learner(n, models[n], budget, fresh=ckpt is None) for n in names]

    # --- opponents inside the environments ----------------------------------------------------------------------
    pool = None
    if config.mode == "independent":
        for i, n in enumerate(names):
            envs[n].opponents = [SB3Policy(f"opponent:{names[1 - i]}", models[names[1 - i]].policy, config.algo,
                                           agent_id=1 - i)]
    elif config.mode == "self_play":
        pool = SnapshotPool(models["learner"].policy, config.algo, config.pool_size, config.snapshot_every)
        if "pool" in extras:
            pool.load(extras["pool"])
        else:
            pool.maybe_snapshot(0)
        envs["learner"].opponents = pool.opponents
    policies = wrap_models(models, config.algo, config.mode)
    average, phase = None, None
    if config.mode != "single":  # last iterate and time average, metrics split by phase
        average = AveragePool(models, config.algo, config.mode,
                              config.average_every or max(1, config.total_timesteps // 20))
        if "average" in extras:
            average.load(extras["average"])
        else:
            average.maybe_snapshot(0)
        phase = PhaseMetrics(config.env_id, config.env_config, episodes=config.eval_episodes,
                             seed=config.seed + 1_000_000, nash_conv_episodes=config.nash_conv_episodes)

    # --- training loop: chunks, curve, checkpoints ---------------------------------------------------------------
    curve, checkpoints = list(extras["curve"]), [out_dir / p for p in extras["checkpoints"]]
    t0, wall0 = time.perf_counter(), extras["wall_time"]
    steps0 = sum(lr.timesteps for lr in learners)

    def timesteps() -> int:
        return sum(lr.timesteps for lr in learners)

    def evaluate() -> bool:
        elapsed = time.perf_counter() - t0
        row = _curve_row(config, policies, phase, average and average.policies(timesteps()), timesteps(),
                         wall0 + elapsed, (timesteps() - steps0) / max(elapsed, 1e-9))
        curve.append(row)
        if progress:
            print(json.dumps(row), file=sys.stderr)
        return callback is None or callback(row) is not False

    def checkpoint() -> None:
        t = timesteps()
        folder = out_dir / "checkpoints" / f"t{t:09d}"
        checkpoints.append(folder)
        state = {"curve": curve, "next_eval": extras["next_eval"], "next_ckpt": extras["next_ckpt"],
                 "wall_time": wall0 + time.perf_counter() - t0,
                 "checkpoints": [str(p.relative_to(out_dir)) for p in checkpoints]}
        if pool is not None:
            state["pool"] = pool.state()
        if average is not None:
            state["average"] = average.state()
        save_checkpoint(folder, models, state, {"timesteps": t, "models": {lr.name: lr.timesteps for lr in learners},
                                                "wall_time": state["wall_time"]})

    going = True
    while going and not all(lr.done for lr in learners):
        for lr in learners:
            if not lr.done:
                lr.chunk()
        if pool is not None:
            pool.maybe_snapshot(timesteps())
        if average is not None:
            average.maybe_snapshot(timesteps())
        t = timesteps()
        if config.eval_every and t >= extras["next_eval"] and t < config.total_timesteps:
            while extras["next_eval"] <= t:
                extras["next_eval"] += config.eval_every
            going = evaluate()
        if config.checkpoint_every and t >= extras["next_ckpt"] and t < config.total_timesteps:
            while extras["next_ckpt"] <= t:
                extras["next_ckpt"] += config.checkpoint_every
            checkpoint()

    # --- save --------------------------------------------------------------------------------------------------
    if not curve or curve[-1]["timesteps"] != timesteps():
        evaluate()
    if not checkpoints or checkpoints[-1].name != f"t{timesteps():09d}":
        checkpoint()
    (out_dir / "final").mkdir(exist_ok=True)
    paths = {}
    for n, m in models.items():
        paths[n] = out_dir / "final" / f"{n}.zip"
        m.save(paths[n])
    write_json(out_dir / "curve.json", curve)
    return TrainResult(config, policies, curve, paths, tuple(checkpoints), timesteps(),
                       wall0 + time.perf_counter() - t0, models,
                       {} if average is None else average.policies(timesteps()))


def _curve_row(config: TrainConfig, policies: dict[str, Any], phase: PhaseMetrics | None, average: Any,
               timesteps: int, wall_time: float, sps: float) -> dict[str, float]:
    """One learning-curve row: returns and refine rates, and for two agents the phase metrics of the last iterate
    and of the time average (``average``: agent -> policy)."""
    row = {"timesteps": timesteps, "wall_time": wall_time, "train/sps": sps,
           **evaluate_policies(config.env_id, config.env_config, policies, episodes=config.eval_episodes,
                               seed=config.seed + 1_000_000)}
    if phase is not None:
        row.update({**phase.reference_row(), **phase(policies, "eval/last/"), **phase(average, "eval/average/")})
    return row


def _train_exploitability_descent(config: TrainConfig, out_dir: Path, ckpt: Path | None,
                                  callback: Callable[[dict[str, float]], bool | None] | None,
                                  progress: bool) -> TrainResult:
    """``train`` for ``algo = "exploitability_descent"`` (:mod:`agents.learning.exploitability_descent`): one
    learner for both agents, ``config.n_envs`` copies; checkpoints hold its whole state (``state.pt``), the final
    networks go to ``final/<agent>.pt``."""
    from agents.learning.config import EDConfig
    from agents.learning.exploitability_descent import ExploitabilityDescent

    learner = ExploitabilityDescent(config.env_config, config.n_envs, config.total_timesteps, config.seed,
                                    EDConfig.from_hyperparams(config.hyperparams))
    extras: dict[str, Any] = {"curve": [], "next_eval": config.eval_every or config.total_timesteps,
                              "next_ckpt": config.checkpoint_every or config.total_timesteps, "wall_time": 0.0,
                              "checkpoints": []}
    if ckpt is not None:
        saved = th.load(ckpt / "state.pt", weights_only=False)
        learner.load(saved["learner"])
        extras = saved["extras"]
    phase = PhaseMetrics(config.env_id, config.env_config, episodes=config.eval_episodes, seed=config.seed + 1_000_000,
                         nash_conv_episodes=config.nash_conv_episodes)
    curve, checkpoints = list(extras["curve"]), [out_dir / p for p in extras["checkpoints"]]
    t0, wall0, steps0 = time.perf_counter(), extras["wall_time"], learner.timesteps

    def evaluate() -> bool:
        elapsed = time.perf_counter() - t0
        row = _curve_row(config, learner.policies, phase, learner.average(), learner.timesteps, wall0 + elapsed,
                         (learner.timesteps - steps0) / max(elapsed, 1e-9))
        curve.append(row)
        if progress:
            print(json.dumps(row), file=sys.stderr)
        return callback is None or callback(row) is not False

    def checkpoint() -> None:
        t = learner.timesteps
        folder = out_dir / "checkpoints" / f"t{t:09d}"
        folder.mkdir(parents=True, exist_ok=True)
        checkpoints.append(folder)
        state = {"curve": curve, "next_eval": extras["next_eval"], "next_ckpt": extras["next_ckpt"],
                 "wall_time": wall0 + time.perf_counter() - t0,
                 "checkpoints": [str(p.relative_to(out_dir)) for p in checkpoints]}
        th.save({"learner": learner.state(), "extras": state}, folder / "state.pt")
        mark_complete(folder, {"timesteps": t, "models": {"exploitability_descent": t},
                               "wall_time": state["wall_time"]})

    going = True
    while going and not learner.done:
        learner.update()
        t = learner.timesteps
        if config.eval_every and t >= extras["next_eval"] and not learner.done:
            while extras["next_eval"] <= t:
                extras["next_eval"] += config.eval_every
            going = evaluate()
        if config.checkpoint_every and t >= extras["next_ckpt"] and not learner.done:
            while extras["next_ckpt"] <= t:
                extras["next_ckpt"] += config.checkpoint_every
            checkpoint()
    if not curve or curve[-1]["timesteps"] != learner.timesteps:
        evaluate()
    if not checkpoints or checkpoints[-1].name != f"t{learner.timesteps:09d}":
        checkpoint()
    (out_dir / "final").mkdir(exist_ok=True)
    paths = {}
    for i, agent in enumerate(config.agent_names):
        paths[agent] = out_dir / "final" / f"{agent}.pt"
        th.save({"state_dict": learner.pis[i].state_dict(), "n_in": learner.obs.shape[1], "n_out": learner.A,
                 "net_arch": list(learner.config.net_arch)}, paths[agent])
    write_json(out_dir / "curve.json", curve)
    return TrainResult(config, learner.policies, curve, paths, tuple(checkpoints), learner.timesteps,
                       wall0 + time.perf_counter() - t0, dict(zip(config.agent_names, learner.pis)),
                       learner.average())


def load(out_dir: Path | str, checkpoint: str | None = None) -> dict[str, SB3Policy]:
    """The policies of a saved run: ``final/`` (default) or ``checkpoints/<checkpoint>`` (e.g. "t000004096")."""
    out_dir = Path(out_dir)
    config: TrainConfig = pickle.loads((out_dir / "config.pkl").read_bytes())
    folder = out_dir / "final" if checkpoint is None else out_dir / "checkpoints" / checkpoint
    if config.algo == "exploitability_descent":
        from agents.learning.exploitability_descent import load_policies

        return load_policies(folder, config)
    cls = algo_class(config.algo)
    models = {n: cls.load(folder / f"{n}.zip", device="cpu") for n in config.learner_names}
    return wrap_models(models, config.algo, config.mode)
