"""Sweeps: the grid x seeds on a process pool and on a local Ray instance give the same table; a failed cell is
retried once and a cell failing twice is recorded without losing the others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.runs.conftest import tiny, write
from vvl_env.runs.sweep import run_cell, run_sweep
from vvl_env.runs.sweep_report import read_csv


def grid() -> dict[str, Any]:
    return tiny(learner=False, evaluation={"episodes": 20},
                sweep={"parameters": {"env.config.cost": [0.0, 0.5]}, "seeds": [0, 1], "workers": 2})


def flaky_cell(scenario_data: dict[str, Any], cell_dir: str) -> dict[str, Any]:
    """Fails on the first attempt of every cell; cells with cost 0.5 and seed 1 always fail."""
    marker = Path(cell_dir).with_suffix(".attempted")
    first = not marker.exists()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    if first or (scenario_data["env"]["config"]["cost"] == 0.5 and scenario_data["seeds"] == [1]):
        raise RuntimeError("injected failure")
    return run_cell(scenario_data, cell_dir)


def test_local_and_ray_sweeps_give_the_same_table(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")
    scenario = write(tmp_path / "grid.toml", grid())
    local = run_sweep(scenario, tmp_path / "local", backend="local", workers=2, quiet=True)
    rows = read_csv(local / "table.csv")
    assert len(rows) == 4 * 2 and {r["status"] for r in rows} == {"ok"}
    assert (local / "cells" / "c001-s1" / "report.html").exists() and (local / "report.html").exists()
    means = read_csv(local / "table_mean.csv")
    assert {r["n_seeds"] for r in means} == {2} and "eval/welfare ci_lo" in means[0]
    assert list((local / "figures").glob("*.png"))
    pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'vvl[ray]'); the local sweep "
                                      "above was checked, the Ray backend was not")
    ray = run_sweep(scenario, tmp_path / "ray", backend="ray", workers=2, quiet=True)
    assert (local / "table.csv").read_text() == (ray / "table.csv").read_text()
    assert (local / "table_mean.csv").read_text() == (ray / "table_mean.csv").read_text()


def test_failed_cell_is_retried_once_and_never_loses_the_others(tmp_path: Path) -> None:
    import json

    scenario = write(tmp_path / "grid.toml", grid())
    folder = run_sweep(scenario, tmp_path / "s", backend="inline", quiet=True, cell_fn=flaky_cell)
    info = json.loads((folder / "sweep.json").read_text())
    assert info["failed"] == ["c001-s1"]
    assert info["cells"]["c001-s1"]["attempts"] == 2 and "injected failure" in info["cells"]["c001-s1"]["errors"][-1]
    assert all(info["cells"][c]["attempts"] == 2 and info["cells"][c]["status"] == "ok"
               for c in ("c000-s0", "c000-s1", "c001-s0"))
    rows = read_csv(folder / "table.csv")
    assert [r["status"] for r in rows if r["cell"] == "c001-s1"] == ["failed"]
    assert "Failed cells" in (folder / "report.md").read_text()


def test_oversubscribed_local_sweep_is_named() -> None:
    """Parallel cells whose learners ask for several torch threads each: the message names the cores they need,
    the machine's and the fix; one thread per cell, or one cell at a time, fits."""
    from vvl_env.runs.grid import expand
    from vvl_env.runs.schema import validate_scenario
    from vvl_env.runs.sweep import oversubscription

    def cells(threads: int | None, workers: int) -> list[Any]:
        data = tiny(sweep={"parameters": {"env.config.cost": [0.0, 0.5]}, "workers": workers})
        if threads is not None:
            data["agents"][2]["torch_threads"] = threads
        return expand(validate_scenario(data, deep=False))

    text = oversubscription(cells(2, 2), 2, cores=2)
    assert text is not None and "4 cores" in text and "has 2" in text and "--workers 1" in text
    assert oversubscription(cells(None, 2), 2, cores=2) is None
    assert oversubscription(cells(2, 1), 1, cores=2) is None
    assert oversubscription(cells(2, 2), 2, cores=4) is None


def test_cli_sweep_prints_the_oversubscription_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.runs.conftest import run_cli

    monkeypatch.setattr("os.cpu_count", lambda: 1)
    data = tiny(learner=False, evaluation={"episodes": 10, "reference": "bayes"},
                sweep={"parameters": {"env.config.cost": [0.0, 0.5]}, "workers": 2})
    code, _, err = run_cli(["sweep", str(write(tmp_path / "g.toml", data)), "--out", str(tmp_path / "s"), "--quiet"])
    assert code == 0 and "vvl sweep: warning: 2 parallel cells x 1 torch thread each" in err
