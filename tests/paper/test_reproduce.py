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
    assert main(["reproduce", "scenarios/paper/1_single_agent.toml", "scenarios/paper/4_bargaining.toml", "--size",
                 "tiny", "--out", str(out)]) == 0
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


def test_study_files_validate(tmp_path: Path) -> None:
    from vvl_env.paper.specs import load_specs

    specs = load_specs(["scenarios/paper"])
    assert [s.study for s in specs] == list(STUDIES)  # one file per result, in order
    bad = tmp_path / "bad.toml"
    for text, fragment in [('study = "chess"', "study: must be one of"), ('study = "costs"\nsize = "huge"',
                           "size: must be 'tiny' or 'full'"), ('study = "costs"\nseeds = 1', "unknown keys ['seeds']"),
                           ("study = ", "not valid TOML")]:
        bad.write_text(text)
        with pytest.raises(ValueError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
            load_specs([bad])
    with pytest.raises(ValueError, match="already given"):
        load_specs(["scenarios/paper/2_costs.toml", "scenarios/paper/2_costs.toml"])


def test_vvl_run_on_a_study_file_delegates_to_reproduce(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    study = tmp_path / "costs.toml"
    study.write_text('study = "costs"\nsize = "tiny"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(study), "--quiet"]) == 0
    assert "checks passed" in capsys.readouterr().out
    assert list((tmp_path / "runs" / "reproduce").glob("tiny-*/report.html"))
