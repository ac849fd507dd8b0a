"""What a folder given to ``vvl report`` / ``vvl compare`` is: a run, a sweep, or neither; errors say which command
makes or finishes one."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from vvl_env.runs.errors import ScenarioError
from vvl_env.runs.store import SCENARIO_FILE, SUMMARY_FILE

SWEEP_FILE = "sweep.json"


def folder_kind(path: str | Path) -> Literal["run", "sweep"]:
    """``"sweep"`` for a finished sweep folder, ``"run"`` for a finished run folder; else a ScenarioError naming
    the command that makes or finishes one (``vvl run``, ``vvl run --resume``, ``vvl sweep --resume``)."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"FOLDER: no such folder {str(path)!r}")
    if path.is_file():
        hint = (f"run it first: vvl run {path} (or vvl sweep {path})" if path.suffix == ".toml"
                else "give a folder made by vvl run or vvl sweep")
        raise ScenarioError(f"FOLDER: {path} is a file, not a run or sweep folder; {hint}")
    if (path / "cells").is_dir():
        if not (path / SWEEP_FILE).exists():
            raise ScenarioError(f"{path}: the sweep has not finished (no {SWEEP_FILE}): vvl sweep --resume {path}")
        return "sweep"
    if (path / SCENARIO_FILE).exists():
        if not (path / SUMMARY_FILE).exists():
            raise ScenarioError(f"{path}: the run has not finished (no {SUMMARY_FILE}): vvl run --resume {path}")
        return "run"
    inside = sorted(p.name for p in path.iterdir() if p.is_dir() and (p / SCENARIO_FILE).exists())
    shown = f"; it holds the runs/sweeps {', '.join(inside[:5])}{' ...' if len(inside) > 5 else ''}" if inside else ""
    raise ScenarioError(f"FOLDER: {path} is not a run folder (vvl run) nor a sweep folder (vvl sweep){shown}")


def run_folders(paths: list[str | Path]) -> list[Path]:
    """Run folders of ``paths``, a sweep folder standing for its finished cells (in cell order)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if folder_kind(p) == "sweep":
            out += sorted(c.parent for c in (p / "cells").glob(f"*/{SUMMARY_FILE}"))
        else:
            out.append(p)
    return out
