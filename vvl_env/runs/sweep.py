"""Sweeps: a scenario's grid of parameters x seeds, each cell a run in a subfolder of one sweep folder.

Cells run in parallel through a backend (``local`` process pool, or ``ray``: the same driver code). A failed cell is
reported and retried once (its retry resumes its own folder); a cell that fails twice is recorded in ``sweep.json``
and the table, and never stops the other cells. Results: ``table.csv`` (one row per cell and agent),
``table_mean.csv`` (per parameter setting and agent: mean and 95% interval across seeds), figures with bands across
seeds and ``report.md`` / ``report.html``.
"""

from __future__ import annotations

import csv
import json
import time
import traceback
from pathlib import Path
from collections.abc import Callable
from typing import Any

from vvl_env.runs import toml_io
from vvl_env.runs.backends import make_backend
from vvl_env.runs.grid import Cell, expand
from vvl_env.runs.schema import Scenario, load_scenario, validate_scenario
from vvl_env.runs.store import SCENARIO_FILE, SUMMARY_FILE, new_run_dir, write_json
from vvl_env.runs.summary import across_seeds

ATTEMPTS = 2  # a failed cell is retried once


def run_cell(scenario_data: dict[str, Any], cell_dir: str) -> dict[str, Any]:
    """Run (or resume) one cell in ``cell_dir``; executed in a worker process. Returns the cell's summary."""
    from vvl_env.runs.backends import one_thread
    from vvl_env.runs.run import execute

    one_thread()
    folder = Path(cell_dir)
    resume = (folder / SCENARIO_FILE).exists()
    if not resume:
        folder.mkdir(parents=True, exist_ok=True)
        scenario = validate_scenario(scenario_data, deep=False)
        (folder / SCENARIO_FILE).write_text(toml_io.dumps(scenario.to_dict()), encoding="utf-8")
    return execute(folder, quiet=True, resume=resume)


def _rows(cells: list[Cell], summaries: dict[str, dict[str, Any]], prefixes: list[str]) -> list[dict[str, Any]]:
    rows = []
    for cell in cells:
        summary = summaries.get(cell.id)
        if summary is None:
            rows.append({"cell": cell.id, "seed": cell.seed, **cell.params, "agent": "", "status": "failed"})
            continue
        for agent, entry in summary["agents"].items():
            metrics = {k: v["mean"] for k, v in entry["metrics"].items()
                       if any(k.startswith(p) for p in prefixes) and k.count("/") < 3}
            rows.append({"cell": cell.id, "seed": cell.seed, **cell.params, "agent": agent, "status": "ok",
                         **metrics})
    return rows


def _mean_rows(rows: list[dict[str, Any]], params: list[str]) -> list[dict[str, Any]]:
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        if r["status"] == "ok":
            groups.setdefault(tuple(repr(r.get(p)) for p in params) + (r["agent"],), []).append(r)
    out = []
    for group in groups.values():
        first = group[0]
        row: dict[str, Any] = {**{p: first.get(p) for p in params}, "agent": first["agent"], "n_seeds": len(group)}
        metrics = [k for k in first if k not in row and k not in ("cell", "seed", "status")]
        for m in metrics:
            agg = across_seeds([g.get(m) for g in group])
            row[m], row[f"{m} ci_lo"], row[f"{m} ci_hi"] = agg["mean"], *(agg["ci"] or (None, None))
        out.append(row)
    return out


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Rows (dicts) as CSV; the header is the union of keys in first-seen order."""
    header: list[str] = []
    for r in rows:
        header += [k for k in r if k not in header]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows([{k: ("" if v is None else v) for k, v in r.items()} for r in rows])


def run_sweep(scenario: Scenario | str | Path, root: str | Path = "runs", *, backend: str = "local",
              workers: int | None = None, address: str | None = None, quiet: bool = False,
              sweep_dir: str | Path | None = None, cell_fn: Callable[[dict[str, Any], str], dict[str, Any]] = run_cell,
              ) -> Path:
    """Run every cell of the scenario's sweep; returns the sweep folder.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario (its ``[sweep]`` table: parameters, seeds, workers).
    root : path
        Sweeps go to ``root/<scenario>/<scenario>-sweep-<time>``.
    backend : "local" or "ray"
    workers : int, optional
        Parallel cells (default: the scenario's ``sweep.workers``); with Ray and no ``address``, the CPUs of the
        local Ray instance.
    address : str, optional
        A Ray cluster to connect to.
    sweep_dir : path, optional
        Continue an earlier sweep in this folder: finished cells are kept, the others run (or resume).
    cell_fn : callable
        What runs one cell, ``cell_fn(scenario_data, cell_dir) -> summary`` (a module-level function, so that it
        pickles); :func:`run_cell` unless testing.
    """
    from tqdm.auto import tqdm

    from vvl_env.runs.run import progress_enabled
    from vvl_env.runs.sweep_report import build_sweep_report

    if sweep_dir is not None:
        folder = Path(sweep_dir)
        scenario = load_scenario(folder / SCENARIO_FILE)
    else:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        folder = new_run_dir(root, scenario.name, "sweep")
        (folder / SCENARIO_FILE).write_text(toml_io.dumps(scenario.to_dict()), encoding="utf-8")
    cells = expand(scenario)
    workers = workers or scenario.sweep.workers
    summaries: dict[str, dict[str, Any]] = {}
    status: dict[str, dict[str, Any]] = {c.id: {"params": c.params, "seed": c.seed, "attempts": 0, "errors": []}
                                         for c in cells}
    todo = []
    for c in cells:
        done = folder / "cells" / c.id / SUMMARY_FILE
        if done.exists():
            summaries[c.id] = json.loads(done.read_text(encoding="utf-8"))
        else:
            todo.append(c)
    started = time.perf_counter()
    pool = make_backend(backend, workers, address)
    bar = tqdm(total=len(cells), initial=len(cells) - len(todo), desc=f"sweep {scenario.name}", unit="cell",
               disable=not progress_enabled(quiet))
    try:
        pending = {pool.submit(cell_fn, c.scenario.to_dict(), str(folder / "cells" / c.id)): c for c in todo}
        while pending:
            for handle in pool.wait(list(pending)):
                cell = pending.pop(handle)
                st = status[cell.id]
                st["attempts"] += 1
                try:
                    summaries[cell.id] = pool.result(handle)
                    bar.update(1)
                except Exception as exc:  # a cell's failure is recorded and retried; it never stops the others
                    st["errors"].append("".join(traceback.format_exception_only(type(exc), exc)).strip())
                    if st["attempts"] < ATTEMPTS:
                        if not quiet:
                            print(f"vvl sweep: cell {cell.id} failed ({st['errors'][-1]}); retrying once")
                        pending[pool.submit(cell_fn, cell.scenario.to_dict(), str(folder / "cells" / cell.id))] = cell
                    else:
                        bar.update(1)
                        if not quiet:
                            print(f"vvl sweep: cell {cell.id} failed twice; recorded in sweep.json")
    finally:
        bar.close()
        pool.close()
    for cid, st in status.items():
        st["status"] = "ok" if cid in summaries else "failed"
    params = list(scenario.sweep.parameters)
    rows = _rows(cells, summaries, scenario.report.metrics)
    write_csv(folder / "table.csv", rows)
    write_csv(folder / "table_mean.csv", _mean_rows(rows, params))
    write_json(folder / "sweep.json", {"scenario": scenario.name, "backend": pool.name, "workers": workers,
                                       "parameters": scenario.sweep.parameters, "cells": status,
                                       "failed": [c for c, s in status.items() if s["status"] != "ok"],
                                       "seconds": time.perf_counter() - started})
    build_sweep_report(folder)
    return folder
