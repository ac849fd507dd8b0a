"""``vvl compare FOLDER...``: runs side by side, one row per run and agent, labelled by scenario name and the
configuration values that differ between the runs (a sweep folder stands for its cells)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from vvl_env.runs.document import Document, Figure, Para, Table, fmt
from vvl_env.runs.folders import run_folders
from vvl_env.runs.report import load_summary, selected_metrics
from vvl_env.runs.store import SCENARIO_FILE

DEFAULT_PREFIXES = ["eval/welfare", "eval/payoff", "eval/refine_rate", "eval/nash_conv", "eval/regret",
                    "eval/shortfall"]
_IGNORED = {"description", "report.title"}


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths of a scenario (the paths of ``[sweep].parameters``; agents by name) -> values."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}{k}."))
        return out
    if isinstance(data, list) and data and all(isinstance(a, dict) and "name" in a for a in data):
        out = {}
        for a in data:
            out.update(flatten({k: v for k, v in a.items() if k != "name"}, f"{prefix}{a['name']}."))
        return out
    return {prefix[:-1]: data}


def differing(configs: list[dict[str, Any]]) -> list[str]:
    """The dotted paths whose values are not the same in every configuration (missing counts as a value)."""
    paths: list[str] = []
    for c in configs:
        paths += [p for p in c if p not in paths and p not in _IGNORED]
    return [p for p in paths if len({json.dumps(c.get(p), sort_keys=True) for c in configs}) > 1]


def _short(value: Any) -> str:
    return "-" if value is None else (f"{value:.4g}" if isinstance(value, float) else json.dumps(value))


def run_labels(run_dirs: list[Path]) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """(label per run, the differing paths, each run's flattened scenario). A label is the scenario name and the
    differing values; runs that still share a label get ``#k`` by folder order."""
    configs = [flatten(tomllib.loads((d / SCENARIO_FILE).read_text(encoding="utf-8"))) for d in run_dirs]
    diff = [p for p in differing(configs) if p != "name"]
    labels = [c.get("name", "?") + (" (" + ", ".join(f"{p.rsplit('.', 1)[-1]}={_short(c.get(p))}" for p in diff)
                                    + ")" if diff else "") for c in configs]
    for label in set(labels):
        same = [i for i, l in enumerate(labels) if l == label]
        if len(same) > 1:
            for k, i in enumerate(same, 1):
                labels[i] = f"{label} #{k}"
    return labels, diff, configs


def _welfare_figure(path: Path, labels: list[str], summaries: list[dict[str, Any]]) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = [(f"{label}\n{name}", e["metrics"]["eval/welfare"]) for label, s in zip(labels, summaries)
            for name, e in s["agents"].items() if e["metrics"].get("eval/welfare", {}).get("mean") is not None]
    if not bars:
        return None
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.35 * len(bars)))
    means = [m["mean"] for _, m in bars]
    cis = [m.get("ci") or [m["mean"], m["mean"]] for _, m in bars]
    ax.barh(range(len(bars)), means, xerr=[[m - c[0] for m, c in zip(means, cis)],
                                           [c[1] - m for m, c in zip(means, cis)]], capsize=3, color="#4c72b0")
    ax.set_yticks(range(len(bars)), [b for b, _ in bars], fontsize=7)
    ax.invert_yaxis()
    ax.set(xlabel="eval/welfare (mean, 95% interval)")
    ax.set_title("Mean welfare per run and agent", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def compare(run_dirs: list[str | Path], prefixes: list[str] | None = None, out: str | Path | None = None) -> Document:
    """A document comparing runs (a sweep folder: its cells): which configuration values differ, and a table of
    every agent's metrics (mean [95% interval]) with rows labelled by scenario name and those values; with
    ``out``, also a figure of mean welfare per run and agent, ``compare.md`` and ``compare.html``."""
    dirs = run_folders(list(run_dirs))
    summaries = [load_summary(d) for d in dirs]
    labels, diff, configs = run_labels(dirs)
    keys: list[str] = []
    for s in summaries:
        keys += [k for k in selected_metrics(s, prefixes or DEFAULT_PREFIXES) if k not in keys]
    doc = Document("vvl compare")
    doc.add(Para(f"{len(dirs)} runs, labelled by scenario name and the values that differ:"),
            Table(["run", "folder"], [[label, str(d)] for label, d in zip(labels, dirs)]))
    if diff:
        doc.add(Para("Configuration values that differ between the runs:"),
                Table(["run"] + diff, [[label] + [_short(c.get(p)) for p in diff]
                                       for label, c in zip(labels, configs)]))
    else:
        doc.add(Para("The runs have the same configuration."))
    doc.add(Table(["run", "agent"] + keys, [[label, name] + [fmt(e["metrics"].get(k, {"mean": None})) for k in keys]
                                           for label, s in zip(labels, summaries) for name, e in s["agents"].items()]))
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        if path := _welfare_figure(folder / "compare_welfare.png", labels, summaries):
            doc.add(Figure(path, "Mean welfare per run and agent (95% intervals)"))
        doc.write(folder, "compare")
    return doc
