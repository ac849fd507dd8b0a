"""Figures of runs and sweeps (matplotlib, Agg, PNG): learning curves, refinement rates, welfare distributions,
learned vs analytic agents, and sweep curves with 95% bands across seeds and the solver's reference per setting.

Every agent keeps one colour across a figure; reference agents, baselines and the solver's reference each get their
own colour and line style with a legend entry. Titles wrap instead of being clipped, and each figure carries a
footnote (e.g. the equilibrium selection rule) so a PNG read alone still says what it shows.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from vvl_env.runs.summary import across_seeds, is_rate  # noqa: E402

STEP_KEYS = ("timesteps", "step", "num_timesteps")
CURVE_KEYS = ("eval/welfare", "eval/return", "eval/payoff", "welfare", "return", "mean_return")
LINE_STYLES = ("--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 3)))
FEW_SEEDS = 5  # below this, learning curves show every seed instead of a band
SOLVER_STYLE = {"color": "black", "linestyle": (0, (6, 2)), "linewidth": 1.6}


def _colours(names: Sequence[str]) -> dict[str, Any]:
    cmap = plt.get_cmap("tab10")
    return {n: cmap(i % 10) for i, n in enumerate(names)}


def _save(fig: Any, path: Path, title: str, note: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    width = fig.get_size_inches()[0]
    fig.suptitle(textwrap.fill(title, int(width * 11)), fontsize=10)
    if note:
        fig.text(0.01, 0.005, textwrap.fill(note, int(width * 15)), fontsize=7, color="#555", va="bottom")
    lines = 1 + (textwrap.fill(note, int(width * 15)).count("\n") + 1 if note else 0)
    fig.tight_layout(rect=(0, 0.03 * lines if note else 0, 1, 1))
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


def learning_curves(summary: dict[str, Any], path: Path, note: str | None = None) -> Path | None:
    """Each learner's evaluation curve during training (mean; with ``FEW_SEEDS`` seeds or more a 95% Student-t band
    across seeds, else every seed as a thin line); every other agent's final evaluation as a horizontal line of its
    own colour and style."""
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    colours = _colours(list(summary["agents"]))
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
        few = len(curves) < FEW_SEEDS  # a t band over 2-4 seeds is mostly the t quantile: show the seeds instead
        mean, lo, hi = (np.nanmean(grid, axis=0), None, None) if few else band(grid)  # no scipy.stats when few
        ax.plot(steps, mean, marker="o", color=colours[name], label=f"{name} (mean of {len(curves)} seeds)")
        if few:
            for row in grid:
                ax.plot(steps, row, color=colours[name], linewidth=0.7, alpha=0.5)
        else:
            ax.fill_between(steps, lo, hi, alpha=0.2, color=colours[name])
        drawn, ylabel = True, metric
    if not drawn:
        plt.close(fig)
        return None
    final = ylabel.replace("eval/return/", "eval/payoff/")
    fixed = [(n, e) for n, e in summary["agents"].items() if e["kind"] != "learner"
             and (e["metrics"].get(final) or {}).get("mean") is not None]
    for i, (name, entry) in enumerate(fixed):
        ax.axhline(entry["metrics"][final]["mean"], color=colours[name], linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                   linewidth=1.5, label=f"{name} ({entry['kind']}, final evaluation)")
    ax.set(xlabel="training timesteps", ylabel=ylabel)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never over a line
    few = all(len(e.get("curves", {})) < FEW_SEEDS for e in summary["agents"].values())
    return _save(fig, path, "Learning curves: mean and " + ("each seed (thin lines)" if few else
                                                            "95% band across seeds"), note)


def metric_keys(summary: dict[str, Any], metric: str) -> list[str]:
    """``metric`` and its per-agent breakdown ``metric/<agent>`` (not ``metric_cost``, nor per turn or action)."""
    return sorted({k for e in summary["agents"].values() for k in e["metrics"]
                   if (k == metric or k.startswith(metric + "/")) and k.count("/") < 3})


def metric_bars(summary: dict[str, Any], metric: str, path: Path, title: str, reference: float | None = None,
                note: str | None = None) -> Path | None:
    """Bars of ``metric`` (and its per-agent breakdown) per agent with 95% intervals; the solver's reference as a
    black dashed line with its own legend entry."""
    keys = metric_keys(summary, metric)
    if not keys:
        return None
    names = list(summary["agents"])
    fig, ax = plt.subplots(figsize=(max(6.4, 1.1 * len(names) * max(1, len(keys)) ** 0.5 + 2), 4.2))
    width = 0.8 / len(keys)
    for j, key in enumerate(keys):
        es = [summary["agents"][n]["metrics"].get(key) or {} for n in names]
        ms = np.array([np.nan if e.get("mean") is None else e["mean"] for e in es])
        cis = [e.get("ci") if e.get("ci") and None not in e["ci"] else [m, m] for e, m in zip(es, ms)]
        err = np.array([[max(m - c[0], 0) for m, c in zip(ms, cis)], [max(c[1] - m, 0) for m, c in zip(ms, cis)]])
        bars = ax.bar(np.arange(len(names)) + (j - (len(keys) - 1) / 2) * width, ms, width,
                      yerr=np.nan_to_num(err), capsize=3, label=key)
        ax.bar_label(bars, labels=[f"{m:.3g}" if np.isfinite(m) else "" for m in ms],
                     fontsize=6, padding=2)
    if reference is not None:
        ax.axhline(reference, label="solver reference", **SOLVER_STYLE)
    ax.set_xticks(np.arange(len(names)), names, rotation=20, ha="right")
    ax.axhline(0, color="#999", linewidth=0.6)
    ax.legend(fontsize=7)
    return _save(fig, path, title, note)


def welfare_distributions(samples: dict[str, list[float]], path: Path, label: str = "welfare",
                          note: str | None = None) -> Path | None:
    """Histograms of per-episode welfare (or return), one panel per agent on a shared axis, pooled over seeds, so
    an agent whose episodes all give one number (a spike) does not hide the others."""
    samples = {k: v for k, v in samples.items() if v}
    if not samples:
        return None
    colours = _colours(list(samples))
    fig, axes = plt.subplots(len(samples), 1, figsize=(7, 1.0 + 1.1 * len(samples)), sharex=True, squeeze=False)
    allv = np.concatenate([np.asarray(v, dtype=float) for v in samples.values()])
    span = float(np.ptp(allv))
    if span <= 1e-9 * max(1.0, float(np.abs(allv).max())):  # one value up to rounding (1.0 and 0.9999999999999999)
        span = 1.0
    bins = np.histogram_bin_edges(allv, bins=min(40, max(5, int(np.sqrt(allv.size)))),
                                  range=(allv.min() - 0.02 * span, allv.max() + 0.02 * span))
    for ax, (name, v) in zip(axes[:, 0], samples.items()):
        ax.hist(v, bins=bins, color=colours[name], alpha=0.8, weights=np.full(len(v), 1 / len(v)))
        ax.axvline(np.mean(v), color="black", linewidth=1)
        ax.set_ylabel("share", fontsize=7)
        ax.text(0.99, 0.9, f"{name}: mean {np.mean(v):.3g}, {len(v)} episodes", transform=ax.transAxes,
                ha="right", va="top", fontsize=8)
    axes[-1, 0].set_xlabel(f"per-episode {label} (black line: mean)")
    return _save(fig, path, f"Distribution of {label} per episode", note)


def sweep_band(rows: list[dict[str, Any]], param: str, metric: str, path: Path,
               reference: dict[float, float] | None = None, note: str | None = None) -> Path | None:
    """``metric`` against a numeric swept ``param``, per agent: mean across seeds with a 95% bootstrap band over
    seeds (never outside [0, 1] for a rate); ``reference`` maps a setting to the solver's value there."""
    pts = [r for r in rows if isinstance(r.get(param), (int, float)) and r.get(metric) is not None]
    if not pts:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2))
    agents = sorted({r["agent"] for r in pts})
    colours = _colours(agents)
    for agent in agents:
        xs = sorted({r[param] for r in pts if r["agent"] == agent})
        aggs = [across_seeds([r[metric] for r in pts if r["agent"] == agent and r[param] == x], rate=is_rate(metric))
                for x in xs]
        mean = [a["mean"] for a in aggs]
        ax.plot(xs, mean, marker="o", color=colours[agent], label=agent)
        if all(a["ci"] for a in aggs):
            ax.fill_between(xs, [a["ci"][0] for a in aggs], [a["ci"][1] for a in aggs], alpha=0.2,
                            color=colours[agent])
    if reference:
        xs = sorted(reference)
        ax.plot(xs, [reference[x] for x in xs], marker="x", label="solver reference", **SOLVER_STYLE)
    ax.set(xlabel=param, ylabel=metric)
    ax.legend(fontsize=7)
    return _save(fig, path, f"{metric} against {param}: mean and 95% bootstrap band over seeds", note)
