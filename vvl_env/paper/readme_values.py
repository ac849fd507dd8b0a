"""The README's Results numbers, extracted from a finished ``vvl reproduce`` folder (``<study>.json``). Each value
is the text the README shows, keyed by a dotted name (see :mod:`vvl_env.paper.readme`)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from vvl_env.runs.document import estimate_text


def _f(x: float, d: int) -> str:
    text = f"{x:.{d}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _curve(study: dict[str, Any], panel: str, label: str) -> dict[str, Any]:
    found = [c for c in study["curves"] if c["panel"].startswith(panel) and c["label"].startswith(label)]
    if not found:
        raise KeyError(f"{study['study']}: no curve {panel!r} / {label!r}")
    return found[0]


def _at(curve: dict[str, Any], x: float) -> tuple[float, list[float]]:
    i = min(range(len(curve["x"])), key=lambda j: abs(curve["x"][j] - x))
    return curve["y"][i], [curve["lo"][i], curve["hi"][i]]


def _slug(mode: str) -> str:
    return {"unilateral, only the refiner's payoffs move": "refiner_only",
            "unilateral, only the opponent's payoffs move": "opponent_only"}.get(mode, mode)


def costs_values(s: dict[str, Any]) -> dict[str, str]:
    out = {}
    for t in s["tables"]:
        if t.get("law", "").startswith("two-point"):
            key = f"costs.two_point.b{t['budget']}"
            out |= {f"{key}.cost": _f(t["cost where optimal beats myopic most"], 3),
                    f"{key}.optimal": _f(t["optimal"], 3), f"{key}.myopic": _f(t["myopic"], 3)}
        elif "expected value, stochastic cost" in t:
            key = f"costs.stochastic.b{t['budget']}"
            out |= {f"{key}.value": _f(t["expected value, stochastic cost"], 4),
                    f"{key}.fixed": _f(t["value at the fixed mean cost"], 4)}
    return out


def zero_sum_values(s: dict[str, Any]) -> dict[str, str]:
    out = {}
    for t in s["tables"]:
        key = f"zero_sum.{t['game']}.{_slug(t['mode'])}"
        out[f"{key}.welfare"] = estimate_text(t["E[welfare]"], t["95% CI"])
        out[f"{key}.p_negative"] = _f(t["P[welfare < 0]"], 2)
        if "E[payoff 0]" in t:
            out[f"{key}.payoffs"] = f"{_f(t['E[payoff 0]'], 3)}, {_f(t['E[payoff 1]'], 3)}"
        if "min welfare over draws" in t:
            out[f"{key}.min"] = _f(t["min welfare over draws"], 1)
    return out


def bargaining_values(s: dict[str, Any]) -> dict[str, str]:
    out = {"bargaining.min": _f(min(min(_curve(s, f"K = {K}", "min over draws")["y"]) for K in (2, 3)), 4)}
    for K in (2, 3):
        total = _curve(s, f"K = {K}", "E[u1 + u2]")
        out[f"bargaining.K{K}.uniform"] = _f(_at(total, 1.0)[0], 3)
        out[f"bargaining.K{K}.alpha_max"] = _f(total["y"][-1], 3)
    out["bargaining.alpha_max"] = f"{_curve(s, 'K = 2', 'E[u1 + u2]')['x'][-1]:g}"
    table = s["tables"][0]
    for d, u1, u2 in zip(table["delta"], table["SPE u1"], table["SPE u2"]):
        digits = 3 if d <= 0.99 else 4
        out[f"bargaining.spe.{d:g}"] = f"({_f(u1, digits)}, {_f(u2, digits)})"
    return out


def beliefs_values(s: dict[str, Any]) -> dict[str, str]:
    mp = "matching pennies, player 0 refines H: believed "
    cost = "welfare cost (common knowledge minus belief)"
    scale = _curve(s, mp + "scale", cost)
    bias = _curve(s, mp + "bias", cost)
    rho = _curve(s, mp + "correlation", cost)
    out = {f"beliefs.scale_{x:g}": estimate_text(*_at(scale, x)) for x in (0.5, 2.0)}
    out |= {f"beliefs.bias_{x:g}": _f(_at(bias, x)[0], 3) for x in (-0.2, 0.2)}
    out["beliefs.rho_max_abs"] = f"{max(abs(y) for y in rho['y']):.1g}"
    t = s["tables"][0]
    out["beliefs.private"] = estimate_text(t["private (Bayes-Nash, K sampled types): E[welfare]"],
                                           t["private K-type 95% CI (type sampling)"])
    out["beliefs.private_continuum"] = estimate_text(
        t["private (continuum-type Bayes-Nash, the reference): E[welfare]"],
        t["private continuum 95% CI (sampling of the type integral)"])
    out["beliefs.public"] = estimate_text(t["public: E[welfare]"], t["public 95% CI"])
    out["beliefs.types"] = str(t["K types per sample, samples"][0])
    return out


def learners_values(s: dict[str, Any]) -> dict[str, str]:
    rate = _curve(s, "RefineOrAct", "MaskablePPO")
    out = {f"learners.roa.rate_{c:g}": _f(_at(rate, c)[0], 3) for c in (0.35, 0.45)}
    steps = int(re.search(r"(\d+) steps", rate["label"]).group(1))
    out["learners.steps"] = f"{steps:,}"
    for t in s["tables"]:
        prefix = "learners.mp" if "matching pennies" in t["setting"] else "learners.bargain"
        for k, v in t.items():
            if k != "setting":
                who, metric = k.split(": ")
                role = "learned" if "MaskablePPO" in who else "analytic"
                # rates: the mean alone (the study's older tables gave CLT intervals, which can leave [0, 1])
                out[f"{prefix}.{role}.{metric.replace('/', '.')}"] = v.split(" [")[0] if "rate" in metric else v
    return out


STUDY_VALUES = {"costs": costs_values, "zero_sum": zero_sum_values, "bargaining": bargaining_values,
                "beliefs": beliefs_values, "learners": learners_values}


def results_values(out: str | Path) -> dict[str, str]:
    """The README's Results numbers from a finished reproduction folder (studies absent there are skipped)."""
    values: dict[str, str] = {}
    for name, extract in STUDY_VALUES.items():
        path = Path(out) / f"{name}.json"
        if path.exists():
            values |= extract(json.loads(path.read_text()))
    return values
