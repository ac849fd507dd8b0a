"""The tables of a sweep: ``table.csv`` (a row per cell and agent) and ``table_mean.csv`` (per setting and agent: the
mean and 95% interval across seeds)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from vvl_env.runs.grid import Cell
from vvl_env.runs.summary import across_seeds


def cell_rows(cells: list[Cell], summaries: dict[str, dict[str, Any]], prefixes: list[str]) -> list[dict[str, Any]]:
    """A row per cell and agent (the metrics under ``prefixes``); a failed cell has one row, status "failed"."""
    rows = []
    for cell in cells:
        summary = summaries.get(cell.id)
        if summary is None:
            rows.append({"cell": cell.id, "seed": cell.seed, **cell.params, "agent": "", "status": "failed"})
            continue
        for agent, entry in summary["agents"].items():
            metrics = {k: v["mean"] for k, v in entry["metrics"].items()
                       if any(k.startswith(p) for p in prefixes) and k.count("/") < 3}
            rows.append({"cell": cell.id, "seed": cell.seed, **cell.params, "agent": agent, "status": "ok",
                         **metrics})
    return rows


def mean_rows(rows: list[dict[str, Any]], params: list[str]) -> list[dict[str, Any]]:
    """Per parameter setting and agent: each metric's mean across seeds and its 95% interval."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        if r["status"] == "ok":
            groups.setdefault(tuple(repr(r.get(p)) for p in params) + (r["agent"],), []).append(r)
    out = []
    for group in groups.values():
        first = group[0]
        row: dict[str, Any] = {**{p: first.get(p) for p in params}, "agent": first["agent"], "n_seeds": len(group)}
        metrics = [k for k in first if k not in row and k not in ("cell", "seed", "status")]
        for m in metrics:
            agg = across_seeds([g.get(m) for g in group])
            row[m], row[f"{m} ci_lo"], row[f"{m} ci_hi"] = agg["mean"], *(agg["ci"] or (None, None))
        out.append(row)
    return out


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Rows (dicts) as CSV; the header is the union of keys in first-seen order."""
    header: list[str] = []
    for r in rows:
        header += [k for k in r if k not in header]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows([{k: ("" if v is None else v) for k, v in r.items()} for r in rows])
