"""Sweeps: a scenario's grid of parameters x seeds, each cell a run in a subfolder of one sweep folder.

Cells run in parallel through a backend (``local`` process pool, or ``ray``: the same driver code). A failed cell is
reported and retried once (its retry resumes its own folder); a cell that fails twice is recorded in ``sweep.json``
and the table, and never stops the other cells. ``sweep.json`` is rewritten as each attempt ends, so a resumed sweep
keeps the attempts and errors of the cells finished before; a lock on the folder refuses a second driver. Without a
terminal, each finished cell prints one line with the elapsed time and an estimate of the rest. Results: ``table.csv`` (one row per cell and agent),
``table_mean.csv`` (per parameter setting and agent: mean and 95% interval across seeds), figures with bands across
seeds and ``report.md`` / ``report.html``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from vvl_env.runs import toml_io
from vvl_env.runs.backends import make_backend
from vvl_env.runs.errors import OversubscriptionWarning
from vvl_env.runs.grid import Cell, expand
from vvl_env.runs.schema import Scenario, load_scenario, validate_scenario
from vvl_env.runs.store import SCENARIO_FILE, SUMMARY_FILE, folder_lock, new_run_dir, write_json
from vvl_env.runs.sweep_tables import cell_rows, mean_rows, write_csv

ATTEMPTS = 2  # a failed cell is retried once per session (a resumed sweep tries its unfinished cells again)
SWEEP_FILE = "sweep.json"


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


def run_sweep(scenario: Scenario | str | Path, root: str | Path = "runs", *, backend: str = "local",
              workers: int | None = None, address: str | None = None, quiet: bool = False,
              sweep_dir: str | Path | None = None, cell_fn: Callable[[dict[str, Any], str], dict[str, Any]] = run_cell,
              overrides: Sequence[str] = (), allow_large: bool = False) -> Path:
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
    overrides, allow_large
        As in :func:`~vvl_env.runs.schema.load_scenario` (for a scenario given as a path).

    Raises
    ------
    FolderBusyError
        Another driver holds the sweep folder (``--resume`` twice at once).
    """
    from vvl_env.runs.sweep_report import build_sweep_report

    if sweep_dir is not None:
        folder = Path(sweep_dir)
        scenario = load_scenario(folder / SCENARIO_FILE, allow_large=allow_large)
    elif not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides, allow_large=allow_large)
    workers = workers or scenario.sweep.workers
    pool = make_backend(backend, workers, address)  # before a new folder: a refused backend leaves none behind
    try:
        if sweep_dir is None:
            folder = new_run_dir(root, scenario.name, "sweep")
            (folder / SCENARIO_FILE).write_text(toml_io.dumps(scenario.to_dict()), encoding="utf-8")
        with folder_lock(folder, "sweep folder"):
            _Driver(scenario, folder, pool, workers, quiet).run(cell_fn)
    finally:
        pool.close()
    build_sweep_report(folder)
    return folder


def oversubscription(cells: Sequence[Cell], workers: int, cores: int | None = None) -> str | None:
    """Why ``workers`` parallel cells, each training with up to its learners' ``torch_threads`` (learners train one
    after another), oversubscribe ``cores`` (default: this machine's), or None if they do not. A local sweep warns
    with it (:class:`~vvl_env.runs.errors.OversubscriptionWarning`): the runs would slow each other down."""
    threads = max((getattr(a, "torch_threads", None) or 1 for c in cells for a in c.scenario.agents), default=1)
    cores = cores or os.cpu_count() or 1
    parallel = min(workers, len(cells))
    if parallel * threads <= cores:
        return None
    return (f"{parallel} parallel cells x {threads} torch thread{'s' if threads > 1 else ''} each (torch_threads) "
            f"need {parallel * threads} cores, "
            f"and this machine has {cores}; the runs slow each other down (use --workers "
            f"{max(1, cores // threads)}, or torch_threads = 1)")


class _Driver:
    """Runs the cells not finished yet, records every attempt in ``sweep.json`` as it happens, reports progress."""

    def __init__(self, scenario: Scenario, folder: Path, pool: Any, workers: int, quiet: bool) -> None:
        self.scenario, self.folder, self.pool, self.workers, self.quiet = scenario, folder, pool, workers, quiet
        self.cells = expand(scenario)
        if pool.name == "local" and (text := oversubscription(self.cells, workers)):
            warnings.warn(text, OversubscriptionWarning, stacklevel=3)
        old = _read_status(folder / SWEEP_FILE)
        self.status = {c.id: {"params": c.params, "seed": c.seed, "attempts": 0, "errors": [], "status": "pending",
                              **old.get(c.id, {})} for c in self.cells}
        self.summaries: dict[str, dict[str, Any]] = {}
        for c in self.cells:
            done = folder / "cells" / c.id / SUMMARY_FILE
            if done.exists():
                self.summaries[c.id] = json.loads(done.read_text(encoding="utf-8"))
                self.status[c.id]["status"] = "ok"
                self.status[c.id]["attempts"] = max(1, self.status[c.id]["attempts"])
        self.started = time.perf_counter()

    def run(self, cell_fn: Callable[[dict[str, Any], str], dict[str, Any]]) -> None:
        from tqdm.auto import tqdm

        from vvl_env.runs.run import progress_enabled

        todo = [c for c in self.cells if c.id not in self.summaries]
        tries = {c.id: 0 for c in todo}
        bar = tqdm(total=len(self.cells), initial=len(self.cells) - len(todo), desc=f"sweep {self.scenario.name}",
                   unit="cell", disable=not progress_enabled(self.quiet))
        self._write()
        finished = 0
        try:
            pending = {self._submit(cell_fn, c): c for c in todo}
            while pending:
                for handle in self.pool.wait(list(pending)):
                    cell = pending.pop(handle)
                    st = self.status[cell.id]
                    st["attempts"] += 1
                    tries[cell.id] += 1
                    try:
                        self.summaries[cell.id] = self.pool.result(handle)
                        st["status"] = "ok"
                    except Exception as exc:  # a cell's failure is recorded and retried; it never stops the others
                        st["errors"].append("".join(traceback.format_exception_only(type(exc), exc)).strip())
                        st["status"] = "failed"
                        if tries[cell.id] < ATTEMPTS:
                            self._say(f"cell {cell.id} failed ({st['errors'][-1]}); retrying once")
                            pending[self._submit(cell_fn, cell)] = cell
                            self._write()
                            continue
                    finished += 1
                    bar.update(1)
                    self._write()
                    if bar.disable:  # no progress bar (not a terminal): a line per finished cell
                        self._progress(cell.id, finished, len(todo))
        finally:
            bar.close()
            self._write()
        self._tables()

    def _submit(self, cell_fn: Callable[[dict[str, Any], str], dict[str, Any]], cell: Cell) -> Any:
        return self.pool.submit(cell_fn, cell.scenario.to_dict(), str(self.folder / "cells" / cell.id))

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(f"vvl sweep: {text}", file=sys.stderr, flush=True)

    def _progress(self, cell: str, finished: int, total: int) -> None:
        """One line per finished cell when stderr is no terminal: elapsed time and an estimate of the rest."""
        elapsed = time.perf_counter() - self.started
        failed = sum(1 for s in self.status.values() if s["status"] == "failed")
        rest = elapsed / finished * (total - finished)
        self._say(f"cell {cell} {self.status[cell]['status']} ({finished}/{total} done this session"
                  + (f", {failed} failed" if failed else "") + f"); {elapsed:.0f} s elapsed, about {rest:.0f} s left")

    def _write(self) -> None:
        sweep = self.scenario.sweep
        write_json(self.folder / SWEEP_FILE, {
            "scenario": self.scenario.name, "backend": self.pool.name, "workers": self.workers,
            "parameters": {**sweep.parameters, **{p: v for group in sweep.linked for p, v in group.items()}},
            "linked": [list(group) for group in sweep.linked], "cells": self.status,
            "failed": [c for c, s in self.status.items() if s["status"] == "failed"],
            "seconds": time.perf_counter() - self.started})

    def _tables(self) -> None:
        rows = cell_rows(self.cells, self.summaries, self.scenario.report.metrics)
        write_csv(self.folder / "table.csv", rows)
        write_csv(self.folder / "table_mean.csv", mean_rows(rows, self.scenario.sweep.paths))


def failed_cells(folder: str | Path) -> list[str]:
    """The cells of a sweep folder that failed (every attempt), from its ``sweep.json``."""
    return list(json.loads((Path(folder) / SWEEP_FILE).read_text(encoding="utf-8"))["failed"])


def _read_status(path: Path) -> dict[str, dict[str, Any]]:
    """The cells of an earlier ``sweep.json`` (attempts and errors carry over to a resumed sweep)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {cid: {k: st[k] for k in ("attempts", "errors") if k in st} for cid, st in cells.items()
            if isinstance(st, dict)}
