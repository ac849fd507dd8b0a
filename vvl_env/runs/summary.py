"""A run's summary: the unit records of ``metrics.jsonl`` combined per agent, across seeds.

Only unit results enter (never timings), in plan order, so an interrupted-and-resumed run and an uninterrupted run
with the same seeds give the same summary, byte for byte.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy import stats


def across_seeds(means: Sequence[float], single_ci: Sequence[float] | None = None) -> dict[str, Any]:
    """Mean over seeds and a 95% Student-t interval across seeds (one seed: that seed's own interval).

    Parameters
    ----------
    means : sequence of float
        One value per seed (``None`` entries, e.g. undefined metrics, are ignored).
    single_ci : pair of float, optional
        The interval of a single seed's estimate, used when there is only one seed.
    """
    xs = np.array([m for m in means if m is not None], dtype=float)
    if xs.size == 0:
        return {"mean": None, "ci": None, "n_seeds": 0, "per_seed": list(means)}
    mean = float(xs.mean())
    if xs.size > 1:
        half = float(stats.t.ppf(0.975, xs.size - 1) * xs.std(ddof=1) / math.sqrt(xs.size))
        ci: list[float] | None = [mean - half, mean + half]
    else:
        ci = list(single_ci) if single_ci is not None else None
    return {"mean": mean, "ci": ci, "n_seeds": int(xs.size), "per_seed": list(means)}


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
            metrics[key] = across_seeds([v.get("mean") for v in vals], vals[0].get("ci") if len(vals) == 1 else None)
        entry: dict[str, Any] = {"kind": agent.kind, "seeds": [u["seed"] for u in mine], "metrics": metrics}
        if agent.kind == "learner":
            entry["curves"] = {str(u["seed"]): u.get("curve", []) for u in mine}
        agents[agent.name] = entry
    return {"scenario": scenario.name, "env": scenario.to_dict()["env"], "seeds": list(scenario.seeds),
            "selection": scenario.evaluation.selection, "episodes": scenario.evaluation.episodes,
            "complete": len(units) == len(unit_ids), "units": [u["unit"] for u in units], "agents": agents}
