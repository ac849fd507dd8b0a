"""The reproduction suite in tiny mode: every study's numbers agree with closed forms or Monte Carlo oracles within
the tolerances each check states, and the combined report is written (and resumed, not recomputed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vvl_env.cli import main
from vvl_env.paper.reproduce import STUDIES, run_studies


@pytest.mark.parametrize("name", list(STUDIES))
def test_study_checks_pass_in_tiny_mode(name: str) -> None:
    result = STUDIES[name]("tiny", 0)
    assert result.checks, "a study without checks proves nothing"
    failed = [(c.name, c.value, c.relation, c.expected, c.tolerance) for c in result.checks if not c.passed]
    assert not failed
    assert all(len(c.x) == len(c.y) == len(c.lo) == len(c.hi) for c in result.curves)


def test_reproduce_writes_report_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "repro"
    assert main(["reproduce", "--size", "tiny", "--out", str(out), "--study", "single_agent",
                 "--study", "bargaining"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["checks_passed"] == summary["checks_total"] > 0
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "Model choices" in html
    assert (out / "report.md").exists() and any((out / "figures").glob("*.png"))
    from vvl_env.paper.reproduce import export_key_figures

    names = {p.stem for p in export_key_figures(out, tmp_path / "docs")}
    assert {"single_agent", "bargaining", "bargaining_spe"} <= names
    before = (out / "bargaining.json").read_text()
    messages: list[str] = []
    run_studies(out, size="tiny", names=["bargaining"], progress=messages.append)
    assert any("loaded" in m for m in messages) and (out / "bargaining.json").read_text() == before
    with pytest.raises(ValueError, match="studies: unknown"):
        run_studies(out, names=["nope"])
