"""Tiny scenarios for the run tests (real environments, agents and learners at tiny budgets)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest

from vvl_env.runs import toml_io


def tiny(learner: bool = True, timesteps: int = 512, **extra: Any) -> dict[str, Any]:
    """A refine_or_act scenario that runs in seconds."""
    agents: list[dict[str, Any]] = [{"name": "bayes", "kind": "analytic", "policy": "bayes_myopic"},
                                    {"name": "never", "kind": "baseline", "policy": "never_refine"}]
    if learner:
        agents.append({"name": "ppo", "kind": "learner", "algo": "maskable_ppo", "total_timesteps": timesteps,
                       "n_steps": 64, "batch_size": 32})
    data = {"name": "tiny", "seeds": [0], "env": {"id": "refine_or_act", "config": {
                "values": [1.0, 0.0], "cost": 0.1, "budget": 1, "perturbation": {"sigma_own": 1.0}}},
            "agents": agents,
            "training": {"n_envs": 2, "checkpoint_every": 128, "eval_every": 256, "eval_episodes": 20},
            "evaluation": {"episodes": 50, "reference": "bayes"}}
    data.update(extra)
    return data


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(toml_io.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    return write(tmp_path / "tiny.toml", tiny())


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``vvl ARGV`` in-process: (exit status, stdout, stderr)."""
    from vvl_env import cli

    out, err = io.StringIO(), io.StringIO()
    main = cli.main
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()
