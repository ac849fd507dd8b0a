"""Fake sweep cells for the pool and driver tests: a summary in milliseconds. Kept in a module of their own that
imports only the standard library, so that a spawned worker starts quickly."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any


def fake_cell(scenario_data: dict[str, Any], cell_dir: str) -> dict[str, Any]:
    """A summary whose welfare is the cell's cost; the cost-0.5 seed-1 cell kills its own worker process (every
    attempt); with VVL_TEST_SLEEP set, a cell writes its pid to its folder and sleeps."""
    folder = Path(cell_dir)
    folder.mkdir(parents=True, exist_ok=True)
    cost = scenario_data["env"]["config"]["cost"]
    if os.environ.get("VVL_TEST_SLEEP"):
        (folder / "pid").write_text(str(os.getpid()))
        time.sleep(600)
    if cost == 0.5 and scenario_data["seeds"] == [1]:
        os.kill(os.getpid(), signal.SIGKILL)
    summary = {"agents": {"bayes": {"metrics": {"eval/welfare": {"mean": cost, "ci": None, "per_seed": [cost]}}}}}
    (folder / "summary.json").write_text(json.dumps(summary))
    return summary


def fake_cell_no_kill(scenario_data: dict[str, Any], cell_dir: str) -> dict[str, Any]:
    """``fake_cell`` without the worker kill (for the inline backend, which runs in this process)."""
    return fake_cell({**scenario_data, "seeds": [-1]}, cell_dir)
