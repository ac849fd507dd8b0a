"""``vvl compare RUN_DIR...``: runs side by side, one row per run and agent."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from vvl_env.runs.document import Document, Figure, Para, Table, fmt  # noqa: E402
from vvl_env.runs.report import load_summary, selected_metrics  # noqa: E402

DEFAULT_PREFIXES = ["eval/welfare", "eval/payoff", "eval/refine_rate", "eval/nash_conv", "eval/regret", "eval/shortfall"]


def compare(run_dirs: list[str | Path], prefixes: list[str] | None = None, out: str | Path | None = None) -> Document:
    """A document comparing runs: a table of every agent's metrics (mean [95% interval]) and, with ``out``, a
    figure of mean welfare per run and agent; ``out`` also receives ``compare.md`` and ``compare.html``."""
    summaries = [(Path(d), load_summary(d)) for d in run_dirs]
    keys: list[str] = []
    for _, s in summaries:
        keys += [k for k in selected_metrics(s, prefixes or DEFAULT_PREFIXES) if k not in keys]
    rows = [[f"{d.name}", s["scenario"], name] + [fmt(e["metrics"].get(k, {"mean": None})) for k in keys]
            for d, s in summaries for name, e in s["agents"].items()]
    doc = Document("vvl compare")
    doc.add(Para(f"{len(summaries)} runs: " + ", ".join(str(d) for d, _ in summaries)),
            Table(["run", "scenario", "agent"] + keys, rows))
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        fig, ax = plt.subplots(figsize=(7, 4))
        labels, means, errs = [], [], [[], []]
        for d, s in summaries:
            for name, e in s["agents"].items():
                m = e["metrics"].get("eval/welfare", {})
                if m.get("mean") is None:
                    continue
                labels.append(f"{d.name[-15:]}\n{name}")
                means.append(m["mean"])
                ci = m.get("ci") or [m["mean"], m["mean"]]
                errs[0].append(m["mean"] - ci[0])
                errs[1].append(ci[1] - m["mean"])
        if labels:
            ax.bar(range(len(labels)), means, yerr=errs, capsize=3)
            ax.set_xticks(range(len(labels)), labels, fontsize=7, rotation=30)
            ax.set(ylabel="eval/welfare", title="Mean welfare per run and agent (95% intervals)")
            fig.tight_layout()
            fig.savefig(folder / "compare_welfare.png", dpi=110)
            doc.add(Figure(folder / "compare_welfare.png", "Mean welfare per run and agent"))
        plt.close(fig)
        doc.write(folder, "compare")
    return doc
