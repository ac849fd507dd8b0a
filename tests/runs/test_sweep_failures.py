"""Sweeps when things go wrong: a dead worker charges only its own cell, workers die with their driver, one writer
per folder, attempts survive a resume, progress lines without a terminal, a refused backend leaves no folder.

The cells here are fake (``tests.runs.cells``: a summary in a few milliseconds), so that the pool, the driver and the
records are tested, not the runs; the real runs are tested in test_sweep.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.runs.cells import fake_cell, fake_cell_no_kill
from tests.runs.conftest import run_cli, tiny, write
from vvl_env.runs.store import FolderBusyError, folder_lock
from vvl_env.runs.sweep import failed_cells, run_sweep
from vvl_env.runs.sweep_report import read_csv

ROOT = Path(__file__).resolve().parents[2]


def grid(**sweep: Any) -> dict[str, Any]:
    return tiny(learner=False, evaluation={"episodes": 5},
                sweep={"parameters": {"env.config.cost": [0.0, 0.5]}, "seeds": [0, 1], "workers": 2, **sweep})


def test_a_dead_worker_charges_only_its_own_cell(tmp_path: Path) -> None:
    folder = run_sweep(write(tmp_path / "g.toml", grid()), tmp_path / "out", backend="local", workers=2,
                       quiet=True, cell_fn=fake_cell)
    info = json.loads((folder / "sweep.json").read_text())
    assert info["failed"] == ["c001-s1"] and failed_cells(folder) == ["c001-s1"]
    dead = info["cells"]["c001-s1"]
    assert dead["attempts"] == 2 and all("worker process running this cell died (killed by signal 9)" in e
                                         for e in dead["errors"])
    assert {c: s["attempts"] for c, s in info["cells"].items() if c != "c001-s1"} == \
        {"c000-s0": 1, "c000-s1": 1, "c001-s0": 1}
    rows = read_csv(folder / "table.csv")
    assert [(r["cell"], r["status"], r.get("eval/welfare")) for r in rows] == [
        ("c000-s0", "ok", 0.0), ("c000-s1", "ok", 0.0), ("c001-s0", "ok", 0.5), ("c001-s1", "failed", None)]


def test_sweep_exits_nonzero_when_a_cell_failed_and_attempts_survive_resume(tmp_path: Path) -> None:
    folder = run_sweep(write(tmp_path / "g.toml", grid()), tmp_path / "out", backend="inline", quiet=True,
                       cell_fn=fake_cell_no_kill)
    (folder / "cells" / "c000-s1" / "summary.json").unlink()  # as if killed before this cell ended
    again = run_sweep(None, backend="inline", quiet=True, sweep_dir=folder, cell_fn=fake_cell_no_kill)
    info = json.loads((again / "sweep.json").read_text())
    assert {c: s["attempts"] for c, s in info["cells"].items()} == \
        {"c000-s0": 1, "c000-s1": 2, "c001-s0": 1, "c001-s1": 1}
    assert info["failed"] == [] and all(s["status"] == "ok" for s in info["cells"].values())


def test_progress_lines_without_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_sweep(write(tmp_path / "g.toml", grid()), tmp_path / "out", backend="inline", cell_fn=fake_cell_no_kill)
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("vvl sweep: cell")]
    assert len(lines) == 4 and "(1/4 done this session)" in lines[0] and "(4/4 done this session)" in lines[-1]
    assert all("s elapsed, about" in x and x.endswith("s left") for x in lines)


def test_local_backend_with_address_exits_2_and_leaves_no_folder(tmp_path: Path) -> None:
    code, _, err = run_cli(["sweep", str(write(tmp_path / "g.toml", grid())), "--address", "10.0.0.1:6379",
                            "--out", str(tmp_path / "out")])
    assert code == 2 and "--address: only with --backend ray" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*sweep*"))


def test_a_second_writer_of_a_folder_is_refused(tmp_path: Path) -> None:
    with folder_lock(tmp_path):
        with pytest.raises(FolderBusyError, match=rf"pid {os.getpid()}\) is writing to this run folder"):
            with folder_lock(tmp_path):
                pass
        write(tmp_path / "scenario.toml", tiny(learner=False))
        code, _, err = run_cli(["run", "--resume", str(tmp_path), "--quiet"])
        assert code == 2 and "another vvl process" in err and "Traceback" not in err
    with folder_lock(tmp_path):  # released: the next writer gets it
        pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to tell a zombie from a live process")
def test_workers_die_when_the_driver_is_killed(tmp_path: Path) -> None:
    scenario = write(tmp_path / "g.toml", grid())
    (tmp_path / "out").mkdir()
    driver = ("import sys; from tests.runs.cells import fake_cell; from vvl_env.runs.sweep import "
              f"run_sweep; run_sweep({str(scenario)!r}, {str(tmp_path / 'out')!r}, workers=2, quiet=True, "
              "cell_fn=fake_cell)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VVL_TEST_SLEEP": "1"}
    proc = subprocess.Popen([sys.executable, "-c", driver], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(pids) < 2 and proc.poll() is None:
            pids = [int(text) for p in (tmp_path / "out").glob("*/*/cells/*/pid") if (text := p.read_text())]
            time.sleep(0.05)
        assert len(pids) == 2, "the workers never started their cells"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), "a pool worker outlived its driver"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie (dead, not yet reaped by init) counts as dead
        return fh.read().split()[2] != "Z"
