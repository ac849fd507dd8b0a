"""A sweep's report: the combined tables, figures with 95% bands across seeds, and the failed cells."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from vvl_env.runs import figures
from vvl_env.runs.document import Document, Figure, Heading, Para, Table, estimate_text, number

MAX_FIGURES = 12


def read_csv(path: Path) -> list[dict[str, Any]]:
    """CSV rows with numbers parsed back (empty cells become ``None``)."""
    def parse(v: str) -> Any:
        if v == "":
            return None
        for kind in (int, float):
            try:
                return kind(v)
            except ValueError:
                pass
        return v

    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: parse(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def _fmt(v: Any) -> str:
    return number(v) if isinstance(v, float) else ("" if v is None else str(v))


def _seed_figures(folder: Path, means: list[dict[str, Any]], metric_cols: list[str]) -> list[Figure]:
    """A sweep over seeds only: learning curves and metric bars with 95% bands across all the cells' seeds."""
    merged: dict[str, Any] = {"agents": {}}
    for path in sorted((folder / "cells").glob("*/summary.json")):
        for name, entry in json.loads(path.read_text(encoding="utf-8"))["agents"].items():
            agent = merged["agents"].setdefault(name, {"kind": entry["kind"], "metrics": {}, "curves": {}})
            agent["curves"].update({f"{path.parent.name}/{k}": v for k, v in entry.get("curves", {}).items()})
    for row in means:
        if row["agent"] in merged["agents"]:
            merged["agents"][row["agent"]]["metrics"] = {
                m: {"mean": row.get(m), "ci": [row.get(m + " ci_lo"), row.get(m + " ci_hi")]} for m in metric_cols}
    out = []
    if path := figures.learning_curves(merged, folder / "figures" / "learning_curves.png"):
        out.append(Figure(path, "Learning curves: mean across every seed of the sweep, with each seed as a thin line "
                                f"(fewer than {figures.FEW_SEEDS} seeds) or a 95% Student-t band"))
    if path := figures.metric_bars(merged, "eval/welfare", folder / "figures" / "welfare.png",
                                   "Mean welfare (95% bootstrap interval over seeds)"):
        out.append(Figure(path, "Mean welfare per agent, 95% bootstrap interval over the seeds' means"))
    return out


REFERENCE_LINES = {"eval/welfare": ("welfare_net_of_costs", "expected_return"), "eval/return": ("expected_return",)}


def _cell_summaries(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((folder / "cells").glob("*/summary.json"))]


def _selection(folder: Path) -> str:
    found = {s.get("selection") for s in _cell_summaries(folder)} - {None}
    return f" Equilibrium selection {', '.join(repr(x) for x in sorted(found))}." if found else ""


def solver_reference(folder: Path, cells: dict[str, Any], param: str, metric: str) -> dict[float, float] | None:
    """The solvers' reference value of ``metric`` at each setting of ``param`` (``cells``: sweep.json's, with each
    cell's parameter values), where the cells' summaries report one (welfare net of expected costs, or the
    expected return)."""
    out: dict[float, float] = {}
    for cid, cell in cells.items():
        path = folder / "cells" / cid / "summary.json"
        if not path.exists():
            continue
        ref = json.loads(path.read_text(encoding="utf-8")).get("reference") or {}
        line = next((ref[k] for k in REFERENCE_LINES.get(metric, ()) if isinstance(ref.get(k), dict)), None)
        value = cell["params"].get(param)
        if line and line.get("mean") is not None and isinstance(value, (int, float)):
            out[value] = line["mean"]
    return out or None


def build_sweep_report(folder: str | Path) -> Path:
    """Write figures, ``report.md`` and ``report.html`` of the sweep in ``folder``; returns the HTML path."""
    folder = Path(folder)
    info = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    rows = read_csv(folder / "table.csv")
    means = read_csv(folder / "table_mean.csv") if (folder / "table_mean.csv").stat().st_size else []
    params = list(info["parameters"])
    n_cells = len(info["cells"])
    doc = Document(f"Sweep {info['scenario']}")
    doc.add(Para(f"{n_cells} cells (parameter settings x seeds) on the {info['backend']} backend with "
                 f"{info['workers']} workers, {info['seconds']:.1f} s. Each cell is a run in cells/<cell>/ "
                 f"with its own report. Intervals: 95% bootstrap over the seeds' means (a rate's stays in [0, 1]); "
                 f"each cell's report has intervals that also cover within-seed noise." + _selection(folder)))
    if info["failed"]:
        doc.add(Heading("Failed cells"), Table(["cell", "attempts", "last error"], [
            [c, str(info["cells"][c]["attempts"]), info["cells"][c]["errors"][-1][:300]] for c in info["failed"]]))
    metric_cols = [k for k in (means[0] if means else {}) if "/" in k and not k.endswith(("ci_lo", "ci_hi"))]
    if means:
        header = params + ["agent", "n_seeds"] + metric_cols
        table_rows = [[_fmt(r.get(p)) for p in params + ["agent", "n_seeds"]] +
                      [estimate_text(r.get(m), [r.get(m + " ci_lo"), r.get(m + " ci_hi")]) for m in metric_cols]
                      for r in means]
        doc.add(Heading("Mean across seeds"), Table(header, table_rows))
    figs = []
    for p in params:
        for m in metric_cols:
            if len(figs) >= MAX_FIGURES:
                break
            name = f"{p}__{m}".replace("/", "_").replace(".", "_") + ".png"
            ref = solver_reference(folder, info["cells"], p, m) if len(params) == 1 else None
            note = f"sweep {info['scenario']};" + _selection(folder)
            if path := figures.sweep_band(rows, p, m, folder / "figures" / name, reference=ref, note=note):
                other = " (pooled over the other swept parameters)" if len(params) > 1 else ""
                with_ref = "; black dashed: the solvers' reference at each setting" if ref else ""
                figs.append(Figure(path, f"{m} against {p}: mean and 95% bootstrap band over the seeds' means{other}{with_ref}."
                                         + _selection(folder)))
    if not params:
        figs += _seed_figures(folder, means, metric_cols)
    if figs:
        doc.add(Heading("Figures"), *figs)
    doc.add(Heading("Files"), Para("table.csv: one row per cell and agent; table_mean.csv: mean and interval per "
                                   "setting and agent; sweep.json: cells, attempts, errors; cells/<cell>/: runs."))
    return doc.write(folder)[1]
