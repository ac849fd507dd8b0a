"""Figures of the reproduction suite: one PNG per panel (curves with 95% bands), histograms of per-draw samples."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from vvl_env.paper.records import StudyResult  # noqa: E402


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


REFERENCE_WORDS = ("myopic", "analytic", "NBS", "public")  # drawn dashed, square markers


def _group(label: str) -> str:
    """Curves that differ only by the policy word (optimal / myopic) share a colour; the line style tells them apart."""
    return re.sub(r"^(optimal|myopic),\s*", "", label)


def _finish(fig: Any, ax: Any, title: str, assumptions: str, path: Path) -> Path:
    """Wrapped title, the model choices as a footnote, saved to ``path``."""
    ax.set_title("\n".join(textwrap.wrap(title, 95)), fontsize=9)
    note = textwrap.wrap(assumptions, 150)
    fig.text(0.01, 0.005, "\n".join(note), fontsize=5.5, color="#555", va="bottom")
    fig.tight_layout(rect=(0, 0.025 * len(note) + 0.01, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def panel_figures(result: StudyResult, folder: Path) -> list[tuple[Path, str]]:
    """One figure per panel; every figure's title names the study and its subtitle the model choices."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    panels = list(dict.fromkeys(c.panel for c in result.curves))
    for i, panel in enumerate(panels):
        fig, ax = plt.subplots(figsize=(7.0, 4.2))
        curves = [c for c in result.curves if c.panel == panel]
        groups = list(dict.fromkeys(_group(c.label) for c in curves))  # e.g. "optimal, budget 2" and "myopic, ..."
        for c in curves:
            dashed = any(w in c.label for w in REFERENCE_WORDS)
            colour = plt.get_cmap("tab10")(groups.index(_group(c.label)) % 10) if len(groups) < len(curves) else None
            twin = c.label.replace("Monte Carlo", "exact")
            sampled = twin != c.label and any(o.label == twin for o in curves)  # markers over the exact curve
            line = ax.plot(c.x, c.y, marker="s" if dashed else "o", ms=4 if sampled else 3,
                           ls="none" if sampled else "--" if dashed else "-", color=colour,
                           label=textwrap.fill(f"{c.label} [{c.method}]", 70))[0]
            if any(lo != hi for lo, hi in zip(c.lo, c.hi)):
                ax.fill_between(c.x, c.lo, c.hi, color=line.get_color(), alpha=0.2, lw=0)
            if c.x_label:
                ax.set_xlabel(c.x_label)
            if c.y_label:
                ax.set_ylabel(c.y_label)
        ax.axhline(0.0, color="#999", lw=0.6)
        ax.legend(fontsize=7)
        path = _finish(fig, ax, panel, result.assumptions, folder / f"{result.study}_{i:02d}_{_slug(panel)}.png")
        out.append((path, f"{result.title}: {panel} (bands: 95% intervals)"))
    for j, (name, values) in enumerate(result.samples.items()):
        fig, ax = plt.subplots(figsize=(7.0, 3.8))
        v = np.asarray(values)
        ax.hist(v, bins=60, color="#4477aa")
        ax.axvline(float(v.mean()), color="k", lw=1, label=f"mean {v.mean():.3f}")
        ax.axvline(0.0, color="#c33", lw=0.8, ls="--", label="0")
        ax.set(xlabel=name.rsplit(": ", 1)[-1], ylabel="draws")
        ax.legend(fontsize=7)
        path = _finish(fig, ax, name, result.assumptions, folder / f"{result.study}_hist_{j:02d}_{_slug(name)}.png")
        out.append((path, f"{result.title}: {name} ({v.size} draws; mean, and 0 dashed)"))
    return out
