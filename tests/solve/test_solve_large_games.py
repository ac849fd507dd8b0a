"""Random 20 x 20 and 40 x 40 games: ``method="auto"`` and ``vvl solve`` finish in seconds, return only verified
equilibria, say which method ran and that the set is incomplete, and the CLI shows the fallback as one clean note."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from vvl_env.solve.equilibria import AUTO_MAX_BASES, LH_ALL_PIVOTS, equilibria
from vvl_env.solve.lemke_howson import lemke_howson_graph


def uniform_game(m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (m, m)), rng.uniform(-1, 1, (m, m))


def assert_verified(R1: np.ndarray, R2: np.ndarray, xs: np.ndarray, ys: np.ndarray, tol: float = 1e-9) -> None:
    """Each (x, y) is a probability pair and neither player gains more than ``tol`` by a pure deviation."""
    assert len(xs) >= 1 and len(xs) == len(ys)
    for x, y in zip(xs, ys):
        assert x.min() >= 0 and y.min() >= 0 and abs(x.sum() - 1) <= 1e-12 and abs(y.sum() - 1) <= 1e-12
        gap1 = (R1 @ y).max() - x @ R1 @ y
        gap2 = (x @ R2).max() - x @ R2 @ y
        assert gap1 <= tol and gap2 <= tol, (gap1, gap2)


def test_auto_on_a_random_20x20_game_finishes_with_verified_equilibria_and_says_how() -> None:
    R1, R2 = uniform_game(20)
    start = time.perf_counter()
    with pytest.warns(RuntimeWarning, match="max_bases=100000.*not necessarily all"):
        eq = equilibria((R1, R2))
    elapsed = time.perf_counter() - start
    assert elapsed < 60, elapsed  # before: minutes and 1-2 GB (the walk ran to max_bases=3,000,000)
    assert_verified(R1, R2, eq.xs, eq.ys)
    assert len(eq) >= 10 and not eq.complete and eq.components == ()
    assert eq.method.startswith("lemke_howson_all") and "chosen by auto" in eq.method
    assert f"max_bases={AUTO_MAX_BASES}" in eq.method
    assert eq.describe().startswith(f"{len(eq)} equilibria: some, not known to be all (lemke_howson_all")


def test_auto_keeps_the_complete_enumeration_where_it_is_cheap() -> None:
    R1, R2 = uniform_game(12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eq = equilibria((R1, R2))
    assert eq.complete and eq.method == "vertex_enumeration" and "all extreme equilibria (complete" in eq.describe()
    assert_verified(R1, R2, eq.xs, eq.ys)


def test_lemke_howson_all_stops_at_its_pivot_budget_and_says_so() -> None:
    R1, R2 = uniform_game(40)
    with pytest.warns(RuntimeWarning, match="40x40 game is beyond the enumeration"):
        eq = equilibria((R1, R2), max_total_pivots=3000)
    assert_verified(R1, R2, eq.xs, eq.ys)
    assert not eq.complete and eq.method.startswith("lemke_howson_all")
    assert "search stopped at its budget (max_total_pivots=3000)" in eq.method and "chosen by auto" in eq.method
    some = equilibria((R1, R2), method="lemke_howson_all", max_total_pivots=3000)
    assert "chosen by auto" not in some.method and not some.complete
    assert len(some) == len(eq)


def test_lemke_howson_graph_budget_and_reversed_paths() -> None:
    R1, R2 = uniform_game(12, seed=3)
    full = lemke_howson_graph(R1, R2)
    assert not full.exhausted and full.cut == 0 and full.pivots < LH_ALL_PIVOTS
    # every path from every end found was followed (except the reverse of the path that found it): all are ends
    cut = lemke_howson_graph(R1, R2, max_total_pivots=full.pivots // 3)
    assert cut.exhausted and cut.pivots <= full.pivots // 3 and 1 <= len(cut.ends) < len(full.ends)
    found = {tuple(np.round(np.concatenate([p.x, p.y]), 9)) for p in full.ends}
    assert {tuple(np.round(np.concatenate([p.x, p.y]), 9)) for p in cut.ends} <= found
    assert len(found) == len(full.ends)
    complete = equilibria((R1, R2))
    assert complete.complete and len(full.ends) <= len(complete)


@pytest.mark.parametrize("bad", [0, -3, 1.5, True])
def test_budgets_are_checked_by_name(bad: object) -> None:
    game = uniform_game(3)
    with pytest.raises(ValueError, match="max_total_pivots: must be a positive integer"):
        equilibria(game, max_total_pivots=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_bases: must be a positive integer"):
        equilibria(game, max_bases=bad)  # type: ignore[arg-type]


def test_cli_solves_a_random_20x20_game_with_a_clean_one_line_note(tmp_path: Path) -> None:
    R1, R2 = uniform_game(20)
    f = tmp_path / "unif20.json"
    f.write_text(json.dumps({"R1": R1.tolist(), "R2": R2.tolist()}))
    code = "import sys; from vvl_env.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", code, "solve", str(f)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "RuntimeWarning" not in done.stdout + done.stderr and "Warning" not in done.stderr
    notes = done.stderr.strip().splitlines()
    assert len(notes) == 1 and notes[0].startswith("vvl solve: note: equilibria: the best-response polytope")
    assert "not known to be all (lemke_howson_all" in done.stdout


def test_cli_json_carries_the_note_method_and_completeness(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from vvl_env.cli import main

    R1, R2 = uniform_game(40)
    f = tmp_path / "unif40.json"
    f.write_text(json.dumps({"R1": R1.tolist(), "R2": R2.tolist()}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the CLI turns the solver's warning into a note itself
        assert main(["solve", str(f), "--json", "--max-total-pivots", "2000"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["complete"] is False and out["method"].startswith("lemke_howson_all")
    assert "max_total_pivots=2000" in out["method"] and len(out["notes"]) == 1
    assert captured.err.count("\n") == 1 and captured.err.startswith("vvl solve: note: equilibria: a 40x40 game")
    assert "RuntimeWarning" not in captured.out + captured.err
    xs, ys = np.array([e["x"] for e in out["equilibria"]]), np.array([e["y"] for e in out["equilibria"]])
    assert_verified(R1, R2, xs, ys)
