"""Runs: a scenario executed as a list of units into its own folder, resumable after an interruption.

A run's units are, for every agent and seed, "evaluate it" (analytic agents and baselines) or "train it, with
checkpoints, then evaluate it" (learners). Each finished unit appends one ``unit`` record to ``metrics.jsonl``
(flushed and fsynced); ``resume_run`` skips finished units, so an interrupted run (Ctrl-C, ``kill -9``) continues
where it stopped and ends with the same ``summary.json`` as an uninterrupted run with the same seeds: the summary is
computed from the unit records alone, in plan order, and every unit is a deterministic function of its seed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vvl_env.runs import toml_io
from vvl_env.runs.errors import ScenarioError
from vvl_env.runs.schema import Scenario, load_scenario
from vvl_env.runs.store import (METRICS_FILE, SCENARIO_FILE, SUMMARY_FILE, MetricsLog, folder_lock, new_run_dir,
                                read_metrics, write_json)
from vvl_env.runs.summary import summarize


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of a run: ``agent`` evaluated (and first trained, if a learner) with ``seed``."""

    id: str
    agent: str
    kind: str
    seed: int


def plan(scenario: Scenario) -> list[Unit]:
    """The run's units in their fixed order: agents in file order, then seeds."""
    return [Unit(f"{a.name}-s{s}", a.name, a.kind, s) for a in scenario.agents for s in scenario.seeds]


def progress_enabled(quiet: bool) -> bool:
    """Progress bars unless ``--quiet`` or stderr is not a terminal."""
    return not quiet and sys.stderr.isatty()


def start_run(scenario: Scenario, root: str | Path = "runs") -> Path:
    """Create the run's new folder and write the resolved scenario into it first."""
    run_dir = new_run_dir(root, scenario.name, f"s{scenario.seeds[0]}")
    (run_dir / SCENARIO_FILE).write_text(toml_io.dumps(scenario.to_dict()), encoding="utf-8")
    return run_dir


def load_run_scenario(run_dir: str | Path) -> Scenario:
    """The resolved scenario of an existing run folder."""
    path = Path(run_dir) / SCENARIO_FILE
    if not path.exists():
        raise ScenarioError(f"{run_dir}: not a run folder (no {SCENARIO_FILE})")
    return load_scenario(path, deep=False)


def execute(run_dir: str | Path, *, quiet: bool = False, resume: bool = False) -> dict[str, Any]:
    """Run every unfinished unit of the run in ``run_dir``, then write ``summary.json`` and the report.

    Parameters
    ----------
    run_dir : path
        A folder made by :func:`start_run` (or an interrupted run's folder, with ``resume``).
    quiet : bool
        No progress bars and no messages.
    resume : bool
        Continue an interrupted run: finished units are skipped, an interrupted learner continues from its last
        checkpoint (see :mod:`vvl_env.runs.execute`).

    Returns
    -------
    dict
        The summary (also in ``summary.json``).
    """
    run_dir = Path(run_dir)
    scenario = load_run_scenario(run_dir)
    with folder_lock(run_dir):
        return _execute(run_dir, scenario, quiet=quiet, resume=resume)


def _execute(run_dir: Path, scenario: Scenario, *, quiet: bool, resume: bool) -> dict[str, Any]:
    from tqdm.auto import tqdm

    from vvl_env.runs import execute as ex

    done = {r["unit"] for r in read_metrics(run_dir / METRICS_FILE) if r.get("type") == "unit"}
    units = plan(scenario)
    show = progress_enabled(quiet)
    started = time.perf_counter()
    with MetricsLog(run_dir / METRICS_FILE) as log:
        log.write({"type": "start", "resume": resume, "time": time.time(), "done": sorted(done)})
        bar = tqdm(units, desc=f"{scenario.name}", unit="unit", disable=not show, leave=False)
        for unit in bar:
            if unit.id in done:
                continue
            bar.set_postfix_str(unit.id)
            t0 = time.perf_counter()
            result = ex.run_unit(scenario, unit.agent, unit.seed, run_dir / "units" / unit.id, resume=resume,
                                 log=lambda rec, u=unit: log.write({"type": "train", "unit": u.id, **rec}),
                                 progress=show)
            log.write({"type": "unit", "unit": unit.id, "agent": unit.agent, "kind": unit.kind, "seed": unit.seed,
                       **result, "seconds": time.perf_counter() - t0})
        summary = summarize(scenario, read_metrics(run_dir / METRICS_FILE), [u.id for u in units])
        summary["reference"] = ex.reference_numbers(scenario)
        write_json(run_dir / SUMMARY_FILE, summary)
        log.write({"type": "end", "seconds": time.perf_counter() - started})
    from vvl_env.runs.report import build_report  # matplotlib: imported when drawing, not before training

    build_report(run_dir)
    return summary


def run_scenario(scenario: Scenario | str | Path, root: str | Path = "runs", *, quiet: bool = False,
                 overrides: Sequence[str] = (), allow_large: bool = False) -> Path:
    """Validate (if a path; ``overrides`` and ``allow_large`` as in ``load_scenario``), create a new run folder
    under ``root`` and run it; returns the folder."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides, allow_large=allow_large)
    run_dir = start_run(scenario, root)
    execute(run_dir, quiet=quiet)
    return run_dir


def resume_run(run_dir: str | Path, *, quiet: bool = False) -> dict[str, Any]:
    """Continue an interrupted run in place (a finished run is only re-summarised); returns the summary."""
    return execute(run_dir, quiet=quiet, resume=True)
