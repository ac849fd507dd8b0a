"""The README's learners tables are rendered from benchmarks/results/agents.json, bold exactly where a target is met."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import agents as bench

ROOT = Path(__file__).resolve().parents[2]


def test_readme_learners_tables_come_from_the_results_file() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- learners-table -->", 1)[1].split("<!-- /learners-table -->", 1)[0]
    assert bench.table(json.loads((ROOT / "benchmarks" / "results" / "agents.json").read_text())) in section


def _results(last: float, average: float, rate_1: float) -> dict:
    learner = {"n_seeds": 5, "last/nash_conv": last, "average/nash_conv": average,
               "last/refine_rate/player_1": rate_1, "average/refine_rate/player_1": rate_1}
    reference = {"reference/nash_conv": 0.0, "reference/refine_rate/player_1": 0.948}
    return {"summary": {"matching_pennies": {"ppo": learner}}, "reference": {"matching_pennies": reference}}


def test_bold_marks_the_met_targets_only() -> None:
    row = next(line for line in bench.table(_results(0.05, 0.0501, 0.97)).splitlines() if line.startswith("| ppo "))
    cells = [c.strip() for c in row.split("|")[2:-1]]
    assert cells[0] == "**0.050** / 0.050"               # NashConv <= 0.05: the bound itself meets it, 0.0501 not
    assert cells[2] == "0.970 / 0.970"                   # 0.022 from 0.948: outside the 0.02
    row = next(line for line in bench.table(_results(0.2, 0.2, 0.96)).splitlines() if line.startswith("| ppo "))
    assert [c.strip() for c in row.split("|")[2:-1]][:3] == ["0.200 / 0.200", "-", "**0.960** / **0.960**"]
