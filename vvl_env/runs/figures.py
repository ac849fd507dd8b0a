"""Figures of runs and sweeps (matplotlib, Agg, PNG): learning curves, refinement rates, welfare distributions,
learned vs analytic agents, and sweep curves with confidence bands across seeds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STEP_KEYS = ("timesteps", "step", "num_timesteps")
CURVE_KEYS = ("eval/welfare", "eval/return", "eval/payoff", "welfare", "return", "mean_return")


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _value(point: dict[str, Any], key: str) -> float | None:
    v = point.get(key)
    if isinstance(v, dict):
        v = v.get("mean")
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def curve_metric(points: Sequence[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The step key and the plotted metric of learning-curve points (first of the known names present)."""
    if not points:
        return None, None
    step = next((k for k in STEP_KEYS if k in points[0]), None)
    metric = next((k for k in CURVE_KEYS if _value(points[0], k) is not None), None)
    if metric is None:
        metric = next((k for k in points[0] if k != step and _value(points[0], k) is not None), None)
    return step, metric


def band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over axis 0 and a 95% Student-t band across rows (zero width with one row)."""
    from scipy import stats

    mean = np.nanmean(values, axis=0)
    k = values.shape[0]
    if k < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.975, k - 1) * np.nanstd(values, axis=0, ddof=1) / np.sqrt(k)
    return mean, mean - half, mean + half


def learning_curves(summary: dict[str, Any], path: Path) -> Path | None:
    """Each learner's evaluation curve during training: mean across seeds with a 95% band."""
    fig, ax = plt.subplots(figsize=(6.4, 4))
    drawn, ylabel = False, "return"
    for name, entry in summary["agents"].items():
        curves = [c for c in entry.get("curves", {}).values() if c]
        step, metric = curve_metric(curves[0]) if curves else (None, None)
        if step is None or metric is None:
            continue
        steps = sorted({p[step] for c in curves for p in c})
        grid = np.full((len(curves), len(steps)), np.nan)
        for i, c in enumerate(curves):
            for p in c:
                v = _value(p, metric)
                grid[i, steps.index(p[step])] = np.nan if v is None else v
        mean, lo, hi = band(grid)
        ax.plot(steps, mean, marker="o", label=f"{name} ({len(curves)} seeds)")
        ax.fill_between(steps, lo, hi, alpha=0.25)
        drawn, ylabel = True, metric
    for name, entry in summary["agents"].items():
        final = ylabel.replace("eval/return/", "eval/payoff/")
        if entry["kind"] != "learner" and drawn and final in entry["metrics"]:
            m = entry["metrics"][final]["mean"]
            if m is not None:
                ax.axhline(m, linestyle="--", color="k", alpha=0.6, label=f"{name} ({entry['kind']})")
    if not drawn:
        plt.close(fig)
        return None
    ax.set(xlabel="training timesteps", ylabel=ylabel, title="Learning curves (mean, 95% band across seeds)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _bars(ax: Any, summary: dict[str, Any], keys: list[str]) -> None:
    names = list(summary["agents"])
    width = 0.8 / max(len(keys), 1)
    for j, key in enumerate(keys):
        ms, errs = [], [[], []]
        for n in names:
            e = summary["agents"][n]["metrics"].get(key, {})
            m, ci = e.get("mean"), e.get("ci")
            ms.append(np.nan if m is None else m)
            errs[0].append(0 if m is None or not ci or None in ci else m - ci[0])
            errs[1].append(0 if m is None or not ci or None in ci else ci[1] - m)
        x = np.arange(len(names)) + (j - (len(keys) - 1) / 2) * width
        ax.bar(x, ms, width, yerr=errs, capsize=3, label=key)
    ax.set_xticks(np.arange(len(names)), names, rotation=20)
    ax.legend(fontsize=8)


def metric_bars(summary: dict[str, Any], prefix: str, path: Path, title: str,
                reference: float | None = None) -> Path | None:
    """Grouped bars of every metric starting with ``prefix``, per agent, with 95% intervals."""
    keys = sorted({k for e in summary["agents"].values() for k in e["metrics"]
                   if k.startswith(prefix) and k.count("/") < 3})  # per agent, not per turn or action
    if not keys:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4))
    _bars(ax, summary, keys)
    if reference is not None:
        ax.axhline(reference, linestyle="--", color="k", alpha=0.6, label="solver reference")
        ax.legend(fontsize=8)
    ax.set(title=title)
    return _save(fig, path)


def welfare_distributions(samples: dict[str, list[float]], path: Path, label: str = "welfare") -> Path | None:
    """Histograms of per-episode welfare (or return) per agent, pooled over seeds."""
    samples = {k: v for k, v in samples.items() if v}
    if not samples:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4))
    allv = np.concatenate([np.asarray(v) for v in samples.values()])
    bins = np.histogram_bin_edges(allv, bins=min(40, max(5, int(np.sqrt(allv.size)))))
    for name, v in samples.items():
        ax.hist(v, bins=bins, histtype="step", linewidth=1.5, density=True, label=f"{name} (mean {np.mean(v):.3f})")
    ax.set(xlabel=f"per-episode {label}", ylabel="density", title=f"Distribution of {label} per episode")
    ax.legend(fontsize=8)
    return _save(fig, path)


def sweep_band(rows: list[dict[str, Any]], param: str, metric: str, path: Path) -> Path | None:
    """``metric`` against a numeric swept ``param``, per agent: mean across seeds with a 95% band."""
    pts = [r for r in rows if isinstance(r.get(param), (int, float)) and r.get(metric) is not None]
    if not pts:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for agent in sorted({r["agent"] for r in pts}):
        xs = sorted({r[param] for r in pts if r["agent"] == agent})
        mean, lo, hi = [], [], []
        for x in xs:
            vals = np.array([[r[metric] for r in pts if r["agent"] == agent and r[param] == x]])
            m, a, b = band(vals.T)
            mean.append(m[0]), lo.append(a[0]), hi.append(b[0])
        ax.plot(xs, mean, marker="o", label=agent)
        ax.fill_between(xs, lo, hi, alpha=0.25)
    ax.set(xlabel=param, ylabel=metric, title=f"{metric} vs {param} (mean, 95% band across seeds)")
    ax.legend(fontsize=8)
    return _save(fig, path)
