"""Summaries of evaluation records: namespaced metrics (``eval/...``) with a mean, a 95 % CI and n; and the
analytic outcome of each realised episode (:func:`analytic_outcomes`).

Every metric is a mean over episodes of a per-episode number; its interval is the CLT interval of
:meth:`vvl_env.solve.results.Estimate.from_samples` (degenerate, ``(mean, mean)``, when every episode gives the same
number; ``stderr = inf`` with one episode). Episodes where a number is undefined (NaN, e.g. NashConv of an episode
that never reached play) are left out, and ``n`` says how many remained.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from vvl_env.solve.bargaining import alternating_offers_spe
from vvl_env.solve.equilibria_batch import equilibrium_payoffs
from vvl_env.solve.results import Estimate


def estimate(samples: Iterable[float]) -> Estimate | None:
    """Mean and 95 % CI of the finite samples (None if there are none)."""
    s = np.asarray([float(v) for v in samples], dtype=np.float64)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return None
    if s.size > 1 and np.ptp(s) == 0.0:
        m = float(s[0])
        return Estimate(m, 0.0, (m, m), int(s.size), "monte carlo")
    return Estimate.from_samples(s)


def metric(est: Estimate) -> dict[str, Any]:
    """The summary entry of one metric: ``mean``, ``ci`` [low, high], ``stderr``, ``n``."""
    return {"mean": est.mean, "ci": [est.ci[0], est.ci[1]], "stderr": est.stderr, "n": est.n}


def numeric_keys(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Keys whose values are numbers (bool included) in at least one record, in first-seen order."""
    keys: dict[str, None] = {}
    for r in records:
        for k, v in r.items():
            if isinstance(v, (int, float, np.integer, np.floating, bool)) and k not in ("episode", "seed"):
                keys.setdefault(k, None)
    return list(keys)


def summarise(records: Sequence[Mapping[str, Any]], prefix: str = "eval/") -> dict[str, dict[str, Any]]:
    """``{prefix + key: metric}`` for every numeric key of the records (missing or NaN entries skipped)."""
    out: dict[str, dict[str, Any]] = {}
    for key in numeric_keys(records):
        est = estimate(r.get(key, math.nan) for r in records)
        if est is not None:
            out[prefix + key] = metric(est)
    return out


def summary_rows(summary: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Flat rows ``{metric, mean, ci_low, ci_high, stderr, n}`` (e.g. for ``pandas.DataFrame(rows)``)."""
    return [{"metric": k, "mean": v["mean"], "ci_low": v["ci"][0], "ci_high": v["ci"][1], "stderr": v["stderr"],
             "n": v["n"]} for k, v in summary.items()]


def analytic_outcomes(env_id: str, env: Any, records: list[dict[str, Any]], realised: list[Any],
                       selection: str) -> None:
    """Add ``eq_payoff/<a>`` and ``eq_gap/<a> = play_payoff/<a> - eq_payoff/<a>`` to each record: refine_matrix_v0,
    ``rounds`` times the equilibrium payoffs of the realised game under ``selection`` (one batched call per shape);
    refine_bargain_v0, the SPE utilities of the true problem; nothing for RefineOrAct."""
    if env_id == "refine_matrix_v0":
        by_shape: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, g in enumerate(realised):
            by_shape[g.shape].append(i)
        rounds = env.config.rounds
        for idx in by_shape.values():
            pay = equilibrium_payoffs(np.stack([realised[i].R1 for i in idx]),
                                      np.stack([realised[i].R2 for i in idx]), selection)
            for i, p in zip(idx, pay):
                for j, a in enumerate(env.possible_agents):
                    records[i][f"eq_payoff/{a}"] = rounds * float(p[j])
    elif env_id == "refine_bargain_v0":
        c = env.config
        for i, problem in enumerate(realised):
            u = alternating_offers_spe(problem, c.delta, c.horizon, c.first_proposer).u
            for j, a in enumerate(env.possible_agents):
                records[i][f"eq_payoff/{a}"] = float(u[j])
    else:
        return
    for rec in records:
        for a in env.possible_agents:
            rec[f"eq_gap/{a}"] = rec[f"play_payoff/{a}"] - rec[f"eq_payoff/{a}"]
