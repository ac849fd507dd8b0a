"""Checkpoints of a training run: SB3 models, the environments' state and every RNG, so a resumed run continues
bit for bit.

Layout of ``out_dir``::

    config.pkl, config.json          the TrainConfig (pickle for resume; JSON for people)
    checkpoints/t000004096/          one folder per checkpoint, named by the timestep
        <model>.zip                  ``model.save``: weights, optimizer state, counters, last observation
        <model>_replay.pkl           DQN's replay buffer
        state.pkl                    env state, RNG states, self-play pool, curve so far
        progress.json                {"timesteps", "models": {name: timesteps}, "wall_time"}
    progress.json                    {"last_checkpoint": "checkpoints/t..."} (written last, atomically)
    final/<model>.zip                the trained models
    curve.json                       the learning curve

What is captured: torch's, numpy's global and Python's RNG states (SB3 samples PPO actions with torch, shuffles
minibatches and explores DQN with numpy's global RNG), each model's action-space Generator, and the full state of
each training VecEnv (every Generator inside, episode progress, the last observation). A fresh VecEnv is built from
the config and the saved state is copied *into* it (:func:`restore_into`), so numpy views inside the vectorised
cores stay views (pickling alone would turn them into copies).
"""

from __future__ import annotations

import json
import os
import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch as th

PROGRESS = "progress.json"
_KEEP = {"opponents", "observation_space", "action_space"}  # re-attached by the trainer / shared with the model


def rng_state() -> dict[str, Any]:
    """torch, numpy-global and Python RNG states."""
    return {"torch": th.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}


def set_rng_state(state: dict[str, Any]) -> None:
    th.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])


def restore_into(fresh: Any, saved: Any) -> None:
    """Copy the state of ``saved`` (an unpickled object) into ``fresh`` (built from the same configuration).

    Arrays owned by ``fresh`` are overwritten in place (views of them follow); arrays that are views of another
    attribute are skipped; objects of vvl's own classes (and this package's adapters) are restored recursively;
    everything else (Generators, lists of env objects, counters) is replaced by the saved value.
    """
    own, kept = vars(fresh), vars(saved)
    owners = [v for v in own.values() if isinstance(v, np.ndarray) and v.base is None]
    for key in set(kept) - set(own):
        setattr(fresh, key, kept[key])
    for key, fv in list(own.items()):
        if key not in kept:
            continue
        sv = kept[key]
        if isinstance(fv, np.ndarray) and isinstance(sv, np.ndarray):
            if fv.base is not None and any(o is not fv and np.shares_memory(fv, o) for o in owners):
                continue
            if fv.shape == sv.shape and fv.dtype == sv.dtype and fv.flags.writeable:
                fv[...] = sv
            else:
                setattr(fresh, key, sv)
        elif _is_stateful(fv) and type(fv) is type(sv):
            restore_into(fv, sv)
        elif key not in _KEEP:
            setattr(fresh, key, sv)


def _is_stateful(obj: Any) -> bool:
    mod = type(obj).__module__
    return hasattr(obj, "__dict__") and (mod.startswith("vvl_env.envs") or mod.startswith("agents.learning")
                                         or mod.startswith("stable_baselines3.common.vec_env"))


def env_bytes(env: Any) -> bytes:
    """The pickled VecEnv, without opponent policies (the trainer re-attaches them)."""
    opponents = getattr(env, "opponents", None)
    if opponents is not None:
        env.opponents = []
    try:
        return pickle.dumps(env)
    finally:
        if opponents is not None:
            env.opponents = opponents


def save_checkpoint(folder: Path, models: dict[str, Any], extras: dict[str, Any], progress: dict[str, Any]) -> None:
    """Write one checkpoint folder (models, replay buffers, state.pkl, progress.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {"rng": rng_state(), "extras": extras, "envs": {}, "space_rng": {}}
    for name, model in models.items():
        model.save(folder / f"{name}.zip")
        if hasattr(model, "replay_buffer") and model.replay_buffer is not None:
            model.save_replay_buffer(folder / f"{name}_replay.pkl")
        state["envs"][name] = env_bytes(model.get_env())
        state["space_rng"][name] = model.action_space.np_random.bit_generator.state
    with open(folder / "state.pkl", "wb") as f:
        pickle.dump(state, f)
    mark_complete(folder, progress)


def mark_complete(folder: Path, progress: dict[str, Any]) -> None:
    """Write the checkpoint's progress.json, then point the run's progress.json at it (the checkpoint counts from
    then on: :func:`last_checkpoint`)."""
    write_json(folder / PROGRESS, progress)
    write_json(folder.parent.parent / PROGRESS, {"last_checkpoint": str(folder.relative_to(folder.parent.parent)),
                                                  **progress})


def load_checkpoint(folder: Path, algo_cls: type, envs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Models (bound to ``envs``, whose state is restored in place) and the saved extras; RNG states restored last."""
    with open(folder / "state.pkl", "rb") as f:
        state = pickle.load(f)
    models = {}
    for name, env in envs.items():
        model = algo_cls.load(folder / f"{name}.zip", env=env, device="cpu", force_reset=False)
        restore_into(env, pickle.loads(state["envs"][name]))
        replay = folder / f"{name}_replay.pkl"
        if replay.exists():
            model.load_replay_buffer(replay)
        model.action_space.np_random.bit_generator.state = state["space_rng"][name]
        models[name] = model
    set_rng_state(state["rng"])
    return models, state["extras"]


def last_checkpoint(out_dir: Path) -> Path | None:
    """The folder of the last complete checkpoint, or None."""
    path = out_dir / PROGRESS
    if not path.exists():
        return None
    return out_dir / json.loads(path.read_text())["last_checkpoint"]


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, path)
