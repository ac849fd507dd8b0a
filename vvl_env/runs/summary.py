"""A run's summary: the unit records of ``metrics.jsonl`` combined per agent, across seeds.

Only unit results enter (never timings), in plan order, so an interrupted-and-resumed run and an uninterrupted run
with the same seeds give the same summary, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


BOOTSTRAP_DRAWS = 4000
RATE_KEYS = ("refine_rate", "invalid")  # metrics whose per-episode values are 0 or 1
INTERVAL_NOTE = ("95% hierarchical bootstrap: seeds resampled with replacement, and each resampled seed's episode mean "
                 "redrawn from its sampling distribution (normal with the seed's standard error; for 0/1 rates the "
                 "Jeffreys Beta(k + 1/2, n - k + 1/2)), so the interval covers both between-seed and within-seed "
                 "noise and a rate's interval stays in [0, 1]")


def is_rate(key: str) -> bool:
    """Whether the metric ``key`` is a mean of 0/1 episode values (a refinement rate, the invalid-action rate)."""
    return any(part in key for part in RATE_KEYS) and "_gap" not in key  # a gap is a difference of rates


def across_seeds(means: Sequence[float | None], single_ci: Sequence[float] | None = None, *,
                 stderrs: Sequence[float | None] | None = None, ns: Sequence[int | None] | None = None,
                 rate: bool = False) -> dict[str, Any]:
    """Mean over seeds with a 95% hierarchical bootstrap interval (seeds, then episodes within each seed).

    Parameters
    ----------
    means : sequence of float
        One value per seed (``None`` entries, e.g. undefined metrics, are ignored).
    single_ci : pair of float, optional
        The interval of a single seed's estimate, used when there is one seed and no ``stderrs``.
    stderrs, ns : sequences, optional
        Each seed's standard error of its mean and its number of episodes (the episode level of the bootstrap);
        without them only seeds are resampled.
    rate : bool
        The metric is a mean of 0/1 values: each seed's rate is redrawn from Jeffreys' Beta(k + 1/2, n - k + 1/2),
        ``k = round(mean * n)``; the interval then never leaves [0, 1].

    Notes
    -----
    Draw b: seeds ``s_1..s_S`` uniformly with replacement; for each, ``m*_s ~ N(m_s, se_s^2)`` (a rate: the Beta
    above); the grand mean ``mean_s m*_s``. The interval is the 2.5% and 97.5% quantiles over
    ``BOOTSTRAP_DRAWS`` draws (fixed seed 0, so a summary is reproducible byte for byte), as rliable's
    bootstrap over runs, with the episode level summarised by each seed's sampling distribution.
    """
    keep = [i for i, m in enumerate(means) if m is not None]
    xs = np.array([means[i] for i in keep], dtype=float)
    if xs.size == 0:
        return {"mean": None, "ci": None, "n_seeds": 0, "per_seed": list(means)}
    mean = float(xs.mean())
    se = np.array([stderrs[i] if stderrs[i] is not None else np.nan for i in keep], dtype=float) if stderrs \
        else np.full(xs.size, np.nan)
    n = np.array([ns[i] if ns[i] is not None else 0 for i in keep], dtype=float) if ns else np.zeros(xs.size)
    episode_level = bool(np.isfinite(se).all() and (n > 0).all()) if not rate else bool((n > 0).all())
    if xs.size == 1 and not episode_level:
        ci = list(single_ci) if single_ci is not None else None
        return {"mean": mean, "ci": ci, "n_seeds": 1, "per_seed": list(means)}
    rng = np.random.default_rng(0)
    pick = rng.integers(xs.size, size=(BOOTSTRAP_DRAWS, xs.size))
    if episode_level and rate:
        k = np.clip(np.round(xs * n), 0, n)
        draws = rng.beta(k[pick] + 0.5, n[pick] - k[pick] + 0.5)
    elif episode_level:
        draws = xs[pick] + se[pick] * rng.standard_normal(pick.shape)
    else:
        draws = xs[pick]
    lo, hi = np.quantile(draws.mean(axis=1), [0.025, 0.975])
    return {"mean": mean, "ci": [float(min(lo, mean)), float(max(hi, mean))], "n_seeds": int(xs.size),
            "per_seed": list(means)}


def unit_records(records: Iterable[dict[str, Any]], unit_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The last ``unit`` record of each unit, in ``unit_ids`` order (missing units left out)."""
    last = {r["unit"]: r for r in records if r.get("type") == "unit"}
    return [last[u] for u in unit_ids if u in last]


def summarize(scenario: Any, records: Iterable[dict[str, Any]], unit_ids: Sequence[str]) -> dict[str, Any]:
    """The run summary: per agent, every evaluation metric across seeds, and each learner's training curves."""
    units = unit_records(records, unit_ids)
    agents: dict[str, Any] = {}
    for agent in scenario.agents:
        mine = [u for u in units if u["agent"] == agent.name]
        keys: list[str] = []
        for u in mine:
            keys += [k for k in u.get("summary", {}) if k not in keys]
        metrics = {}
        for key in keys:
            vals = [u["summary"].get(key, {}) for u in mine]
            metrics[key] = across_seeds([v.get("mean") for v in vals], vals[0].get("ci") if len(vals) == 1 else None,
                                        stderrs=[v.get("stderr") for v in vals], ns=[v.get("n") for v in vals],
                                        rate=is_rate(key))
        entry: dict[str, Any] = {"kind": agent.kind, "seeds": [u["seed"] for u in mine], "metrics": metrics}
        if agent.kind == "learner":
            entry["curves"] = {str(u["seed"]): u.get("curve", []) for u in mine}
        agents[agent.name] = entry
    return {"scenario": scenario.name, "env": scenario.to_dict()["env"], "seeds": list(scenario.seeds),
            "selection": scenario.evaluation.selection, "episodes": scenario.evaluation.episodes,
            "complete": len(units) == len(unit_ids), "units": [u["unit"] for u in units], "agents": agents}
