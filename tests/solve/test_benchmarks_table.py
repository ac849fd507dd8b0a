"""The README's Benchmarks tables are rendered from benchmarks/results/solvers.json (no number typed by hand)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_benchmark_tables_come_from_the_results_file() -> None:
    spec = importlib.util.spec_from_file_location("solvers_table", ROOT / "benchmarks" / "solvers_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table = module.render(json.loads((ROOT / "benchmarks" / "results" / "solvers.json").read_text()))
    assert module.readme_section((ROOT / "README.md").read_text()) == table + "\n"
