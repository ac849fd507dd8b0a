"""Runs end to end on a tiny real scenario: folder layout, metrics, summary, report, compare; and kill -9 + resume
reaching the same summary as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.runs.conftest import run_cli, tiny, write
from vvl_env.runs.store import MetricsLog, new_run_dir, read_metrics

ROOT = Path(__file__).resolve().parents[2]


def _run_dir(out: str) -> Path:
    line = next(l for l in out.splitlines() if l.startswith("report: "))
    return Path(line.split()[1]).parent


def test_run_report_compare(tmp_path: Path, tiny_file: Path) -> None:
    code, out, err = run_cli(["run", str(tiny_file), "--out", str(tmp_path / "runs"), "--quiet"])
    assert code == 0, err
    run = _run_dir(out)
    assert run.parent == tmp_path / "runs" / "tiny" and run.name.startswith("tiny-s0-")
    for name in ("scenario.toml", "metrics.jsonl", "summary.json", "report.md", "report.html",
                 "figures/learning_curves.png", "figures/welfare.png", "figures/refinement_rates.png",
                 "figures/learned_vs_analytic.png", "units/ppo-s0/final/agent.zip"):
        assert (run / name).exists(), name
    assert list((run / "units/ppo-s0/checkpoints").iterdir())
    assert list((run / "units/ppo-s0/tb").glob("events.out.tfevents.*"))  # TensorBoard logs of training
    summary = json.loads((run / "summary.json").read_text())
    assert summary["complete"] and set(summary["agents"]) == {"bayes", "never", "ppo"}
    bayes, never = summary["agents"]["bayes"]["metrics"], summary["agents"]["never"]["metrics"]
    assert bayes["eval/payoff/agent"]["mean"] > never["eval/payoff/agent"]["mean"] == 1.0  # refining pays (§1)
    assert summary["agents"]["ppo"]["curves"]["0"][-1]["timesteps"] >= 512
    records = read_metrics(run / "metrics.jsonl")
    assert [r["unit"] for r in records if r["type"] == "unit"] == ["bayes-s0", "never-s0", "ppo-s0"]
    assert any(r["type"] == "train" for r in records)
    html = (run / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 4 and "<img" in html
    (run / "report.html").unlink()
    assert run_cli(["report", str(run)])[0] == 0 and (run / "report.html").exists()
    code, out, _ = run_cli(["compare", str(run), str(run), "--out", str(tmp_path / "cmp")])
    assert code == 0 and "| eval/welfare" in out.replace("| eval/welfare", "| eval/welfare") and "bayes" in out
    assert (tmp_path / "cmp" / "compare.html").exists()
    assert run_cli(["report", str(tmp_path)])[0] == 2


def test_run_folders_never_collide_and_log_survives_partial_lines(tmp_path: Path) -> None:
    dirs = {new_run_dir(tmp_path, "x", "s0", now=0.0) for _ in range(3)}
    assert len(dirs) == 3
    log_path = tmp_path / "m.jsonl"
    log_path.write_text('{"type": "unit", "unit": "a"}\n{"type": "un')  # killed mid-write
    with MetricsLog(log_path) as log:
        log.write({"type": "unit", "unit": "b"})
    assert [r["unit"] for r in read_metrics(log_path)] == ["a", "b"]


def _vvl(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from vvl_env.cli import main; sys.exit(main(sys.argv[1:]))",
            *args]


def test_kill_9_then_resume_gives_the_same_summary(tmp_path: Path) -> None:
    scenario = write(tmp_path / "tiny.toml", tiny(timesteps=2048))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code, out, err = run_cli(["run", str(scenario), "--out", str(tmp_path / "a"), "--quiet"])
    assert code == 0, err
    expected = (_run_dir(out) / "summary.json").read_text()

    proc = subprocess.Popen(_vvl("run", str(scenario), "--out", str(tmp_path / "b"), "--quiet"), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    ckpts = None
    while time.monotonic() < deadline and proc.poll() is None:
        runs = list((tmp_path / "b" / "tiny").glob("tiny-s0-*"))
        ckpts = runs[0] / "units" / "ppo-s0" / "checkpoints" if runs else None
        if ckpts is not None and ckpts.exists() and len(list(ckpts.glob("*/progress.json"))) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed; raise total_timesteps"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    run = ckpts.parents[2]
    before = read_metrics(run / "metrics.jsonl")
    assert not (run / "summary.json").exists() and "ppo-s0" not in [r.get("unit") for r in before
                                                                     if r["type"] == "unit"]
    code, _, err = run_cli(["run", "--resume", str(run), "--quiet"])
    assert code == 0, err
    assert (run / "summary.json").read_text() == expected
    after = read_metrics(run / "metrics.jsonl")
    assert after[: len(before)] == before  # nothing written before the kill is lost
    assert [r["unit"] for r in after if r["type"] == "unit"] == ["bayes-s0", "never-s0", "ppo-s0"]
