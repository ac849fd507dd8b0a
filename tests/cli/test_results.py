"""``vvl run`` prints the results table; ``vvl report`` / ``vvl compare`` take run and sweep folders, label runs by
scenario name and the configuration values that differ, and name the right command when given something else."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.runs.conftest import run_cli, tiny, write
from vvl_env.runs.compare import differing, flatten


def _sweep(tmp_path: Path) -> Path:
    data = tiny(learner=False, evaluation={"episodes": 20},
                sweep={"parameters": {"env.config.cost": [0.0, 0.5]}, "seeds": [0], "workers": 1})
    code, out, err = run_cli(["sweep", str(write(tmp_path / "grid.toml", data)), "--backend", "inline", "--out",
                              str(tmp_path / "runs"), "--quiet"])
    assert code == 0, err
    return Path(out.split()[1]).parent


def test_run_prints_results_table_then_report(tmp_path: Path) -> None:
    code, out, err = run_cli(["run", str(write(tmp_path / "t.toml", tiny(learner=False))), "--out",
                              str(tmp_path / "runs"), "--quiet"])
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[-1].startswith("report: ") and lines[0].split()[:3] == ["agent", "kind", "seeds"]
    assert any(l.startswith("bayes ") for l in lines) and any(l.startswith("never ") for l in lines)
    header = re.split(r"\s{2,}", lines[0])
    never = dict(zip(header, re.split(r"\s{2,}", next(l for l in lines if l.startswith("never ")))))
    # never refining keeps the better coarse option, worth exactly 1 in every episode (model.md §1): no interval
    assert never["eval/payoff/agent"] == "1" and never["eval/refine_rate/agent"].startswith("0.0")


def test_report_and_compare_take_a_sweep_folder(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path)
    (sweep / "report.html").unlink()
    assert run_cli(["report", str(sweep)])[0] == 0 and (sweep / "report.html").exists()
    code, out, err = run_cli(["compare", str(sweep)])
    assert code == 0, err
    assert "| tiny (cost=0) | bayes |" in out and "| tiny (cost=0.5) | never |" in out
    assert "| run | env.config.cost |" in out  # the table of differing values


def test_compare_labels_identical_runs_apart(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path)
    cell = sweep / "cells" / "c000-s0"
    code, out, _ = run_cli(["compare", str(cell), str(cell)])
    assert code == 0 and "tiny #1" in out and "tiny #2" in out and "same configuration" in out


def test_flatten_and_differing_use_sweep_paths() -> None:
    a = {"name": "x", "env": {"config": {"cost": 0.1}}, "agents": [{"name": "ppo", "learning_rate": 0.1}]}
    b = {"name": "x", "env": {"config": {"cost": 0.2}}, "agents": [{"name": "ppo", "learning_rate": 0.1,
                                                                     "gamma": 0.9}]}
    assert flatten(a) == {"name": "x", "env.config.cost": 0.1, "agents.ppo.learning_rate": 0.1}
    assert differing([flatten(a), flatten(b)]) == ["env.config.cost", "agents.ppo.gamma"]


@pytest.mark.parametrize("command", ["report", "compare"])
def test_errors_name_the_right_command(tmp_path: Path, command: str) -> None:
    scenario = write(tmp_path / "t.toml", tiny(learner=False))
    code, _, err = run_cli([command, str(scenario)])
    assert code == 2 and f"vvl run {scenario}" in err
    code, _, err = run_cli([command, str(tmp_path / "missing")])
    assert code == 2 and "no such folder" in err
    unfinished = tmp_path / "runs" / "t" / "t-s0-1"
    unfinished.mkdir(parents=True)
    (unfinished / "scenario.toml").write_text("")
    code, _, err = run_cli([command, str(unfinished)])
    assert code == 2 and f"vvl run --resume {unfinished}" in err
    code, _, err = run_cli([command, str(tmp_path / "runs" / "t")])
    assert code == 2 and "t-s0-1" in err and "Traceback" not in err
    half_sweep = tmp_path / "sw"
    (half_sweep / "cells").mkdir(parents=True)
    code, _, err = run_cli([command, str(half_sweep)])
    assert code == 2 and f"vvl sweep --resume {half_sweep}" in err


def test_set_overrides_reach_the_run_and_bad_ones_name_the_path(tmp_path: Path) -> None:
    scenario = write(tmp_path / "t.toml", tiny(learner=False))
    code, out, err = run_cli(["validate", str(scenario), "--set", "env.config.cost=0.3", "--set",
                              "evaluation.episodes=10"])
    assert code == 0, err
    code, out, err = run_cli(["run", str(scenario), "--set", "env.config.cost=0.3", "--set", "evaluation.episodes=10",
                              "--out", str(tmp_path / "runs"), "--quiet"])
    assert code == 0, err
    run = Path(out.strip().splitlines()[-1].split()[1]).parent
    resolved = tomllib.loads((run / "scenario.toml").read_text())
    assert resolved["env"]["config"]["cost"] == 0.3 and resolved["evaluation"]["episodes"] == 10
    code, _, err = run_cli(["validate", str(scenario), "--set", "env.config.nope=1"])
    assert code == 2 and "nope" in err and "Traceback" not in err
