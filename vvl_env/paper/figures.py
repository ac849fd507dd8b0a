"""Figures of the reproduction suite: one PNG per panel (curves with 95% bands), histograms of per-draw samples."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from vvl_env.paper.records import StudyResult  # noqa: E402


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def panel_figures(result: StudyResult, folder: Path) -> list[tuple[Path, str]]:
    """One figure per panel; every figure's title names the study and its subtitle the model choices."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    panels = list(dict.fromkeys(c.panel for c in result.curves))
    for i, panel in enumerate(panels):
        fig, ax = plt.subplots(figsize=(7.0, 4.2))
        for c in (c for c in result.curves if c.panel == panel):
            dashed = any(w in c.label for w in ("myopic", "analytic", "Bayes", "NBS", "public"))
            line = ax.plot(c.x, c.y, marker="o", ms=3, ls="--" if dashed else "-",
                           label=f"{c.label} [{c.method}]")[0]
            if any(lo != hi for lo, hi in zip(c.lo, c.hi)):
                ax.fill_between(c.x, c.lo, c.hi, color=line.get_color(), alpha=0.2, lw=0)
            ax.set_xlabel(c.x_label)
            ax.set_ylabel(c.y_label)
        ax.axhline(0.0, color="#999", lw=0.6)
        ax.set_title(panel, fontsize=9)
        ax.legend(fontsize=7)
        note = textwrap.wrap(result.assumptions, 150)
        fig.text(0.01, 0.005, "\n".join(note), fontsize=5.5, color="#555", va="bottom")
        fig.tight_layout(rect=(0, 0.025 * len(note) + 0.01, 1, 1))
        path = folder / f"{result.study}_{i:02d}_{_slug(panel)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        out.append((path, f"{result.title}: {panel} (bands: 95% intervals)"))
    for j, (name, values) in enumerate(result.samples.items()):
        fig, ax = plt.subplots(figsize=(6.0, 3.4))
        v = np.asarray(values)
        ax.hist(v, bins=60, color="#4477aa")
        ax.axvline(float(v.mean()), color="k", lw=1, label=f"mean {v.mean():.3f}")
        ax.axvline(0.0, color="#c33", lw=0.8, ls="--")
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = folder / f"{result.study}_hist_{j:02d}_{_slug(name)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        out.append((path, f"{result.title}: {name} ({v.size} draws; mean, and 0 dashed)"))
    return out
