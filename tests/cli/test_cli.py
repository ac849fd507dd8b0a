"""The command line: demo (small sample sizes) and solve, including clean errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vvl_env.cli import main


def test_demo_json_agrees_with_theory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json", "--draws", "200000", "--game-draws", "3000", "--seed", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    by = {(r["section"][:1], r["quantity"], r["method"]): r for r in rows}
    exact = by[("1", "sigma=1, q=1/2, RRP pointwise", "closed form")]
    assert exact["mean"] == pytest.approx(1 / np.sqrt(2 * np.pi))
    mc = by[("1", "sigma=1, q=1/2, RRP pointwise", "monte carlo")]
    assert abs(mc["mean"] - exact["mean"]) < 5 * mc["stderr"]
    knife = next(r for r in rows if "knife-edge" in r["quantity"])
    assert abs(knife["mean"]) < 1e-9
    mutual = next(r for r in rows if r["quantity"].startswith("E[welfare], mutual (both"))
    assert mutual["ci"][0] > 0
    mins = [r for r in rows if r["quantity"].endswith("min over draws of min(u1, u2)")]
    assert len(mins) == 2 and all(r["mean"] >= 0.5 - 1e-9 for r in mins)


def test_demo_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--draws", "1000", "--game-draws", "200"]) == 0
    out = capsys.readouterr().out
    assert "matching pennies" in out and "toy dilemma" in out and "bargaining" in out


@pytest.mark.parametrize("flag, value, message", [("--seed", "-1", "argument --seed: must be an integer >= 0"),
                                                   ("--draws", "3", "argument --draws: must be an integer >= 30"),
                                                   ("--game-draws", "x", "argument --game-draws: must be an integer")])
def test_demo_flags_are_checked_by_name(capsys: pytest.CaptureFixture[str], flag: str, value: str,
                                        message: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", flag, value])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_an_unknown_flag_is_named_with_the_sub_command_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["solve", "game.json", "--frob"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "usage: vvl solve" in err
    assert "vvl solve: error: unrecognized arguments: --frob" in err


def test_solve_prints_equilibria(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bos.json"
    f.write_text(json.dumps({"R1": [[2, 0], [0, 1]], "R2": [[1, 0], [0, 2]], "row_labels": ["O", "F"]}))
    assert main(["solve", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["equilibria"]) == 3
    xs = sorted(tuple(np.round(e["x"], 9)) for e in out["equilibria"])
    assert xs[1] == pytest.approx((2 / 3, 1 / 3))
    assert main(["solve", str(f)]) == 0
    assert "3 equilibria" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, fragment",
    [
        (None, "no such game file"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"R1": [[1, 2]], "R3": 1}', "unknown keys ['R3']"),
        ('{"R1": [[1, "x"]]}', 'R1[0][1]: must be a number, got "x"'),
        ('{"R1": [[1, 2]], "R2": [[1], [2]]}', "R2: must have the shape of R1"),
    ],
)
def test_solve_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None,
                         fragment: str) -> None:
    f = tmp_path / "g.json"
    if content is not None:
        f.write_text(content)
    assert main(["solve", str(f)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
