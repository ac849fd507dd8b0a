"""The NashConv figure of two-player learners: NashConv of the play policy against training steps (log scale), last
iterate (solid) and time average (dashed), mean over seeds, with the exact learning dynamics on the same realised
games as reference lines (``vvl_env.solve.dynamics.baseline_curve``): Magnetic Mirror Descent's last iterate and
alternating regret matching+'s time average, the iterate each is known to converge in, up to
:data:`EXACT_EVALUATIONS` game evaluations (they have settled by then; more would cost minutes per report).

The reference games are the true games the analytic (``bayes_optimal``) agents reach the play phase in, over the
seeded evaluation episodes (:func:`agents.learning.realised.realised_games`); a dynamic's x value is its number of
game evaluations (one computation of both expected-payoff vectors), a learner's its agent-steps. With ``rounds``
H > 1 the learners' NashConv is that of the whole play phase (:mod:`agents.matrix_play`) and the dynamics' stage
profiles, played in every round, have H times their stage NashConv, which the lines show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vvl_env.runs.figures import _save, plt

LAST, AVERAGE = "eval/last/nash_conv", "eval/average/nash_conv"
BASELINES: tuple[tuple[str, str], ...] = (("mmd", "last"), ("rm+_alternating", "average"))
EXACT_EVALUATIONS = 30_000
CAPTION = ("NashConv of the learners' play against training steps (log scales): last iterate solid, time average "
           "dashed, mean over seeds; black: exact learning dynamics on the analytic agents' realised games (MMD's last "
           "iterate, alternating RM+'s average), against game evaluations, up to 30,000")


def learner_curves(summary: dict[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """Learner name -> {"steps", "last", "average"}: mean over seeds of the curves' NashConv (learners with it)."""
    out = {}
    for name, entry in summary.get("agents", {}).items():
        curves = [c for c in entry.get("curves", {}).values() if c and LAST in c[0]]
        if not curves:
            continue
        steps = sorted({row["timesteps"] for c in curves for row in c})
        grid = np.full((2, len(curves), len(steps)), np.nan)
        for i, c in enumerate(curves):
            for row in c:
                j = steps.index(row["timesteps"])
                grid[:, i, j] = row.get(LAST, np.nan), row.get(AVERAGE, np.nan)
        mean = np.nanmean(grid, axis=1)
        out[name] = {"steps": np.asarray(steps, float), "last": mean[0], "average": mean[1], "seeds": len(curves)}
    return out


def dynamics_baselines(env_id: str, env_config: dict[str, Any], evaluations: int, *, episodes: int = 200,
                       seed: int = 10_000) -> dict[str, Any]:
    """Method -> ``BaselineCurve`` on the analytic agents' realised games ({} outside refine_matrix_v0, and under
    visibility "own": full-information dynamics on the realised games are no reference for the interim NashConv of
    a Bayesian play game)."""
    if env_id != "refine_matrix_v0" or env_config.get("visibility", "public") == "own":
        return {}
    from agents.analytic import make_agent
    from agents.learning.realised import realised_games

    reference = {a: make_agent("bayes_optimal", env_id, env_config=env_config, role=a)
                 for a in ("player_0", "player_1")}
    from vvl_env.solve.dynamics import baseline_curve

    R1, R2, rm, cm = realised_games(env_config, reference, episodes=episodes, seed=seed)
    return {m: baseline_curve(R1, R2, m, max(1, int(evaluations)), rng=np.random.default_rng(seed), row_mask=rm,
                              col_mask=cm) for m, _ in BASELINES}


def nash_conv_curves(summary: dict[str, Any], scenario: dict[str, Any], path: Path) -> Path | None:
    """Draw the module's figure into ``path``; None when no learner's curve carries NashConv."""
    curves = learner_curves(summary)
    if not curves:
        return None
    fig, ax = plt.subplots(figsize=(9, 4.4))
    floor = 1e-4  # NashConv 0 is drawn at the floor of the log axis
    handles = []
    # matplotlib's cycle without its grey (C7, the keys' colour), then three more before any colour repeats
    palette = [f"C{i}" for i in (0, 1, 2, 3, 4, 5, 6, 8, 9)] + ["navy", "gold", "lime"]
    for k, (name, c) in enumerate(curves.items()):   # one legend entry per learner: its colour
        color = palette[k % len(palette)]
        handles += ax.plot(c["steps"], np.maximum(c["last"], floor), color=color, marker="o", ms=3,
                           label=f"{name} ({c['seeds']} seed{'s' * (c['seeds'] != 1)})")
        ax.plot(c["steps"], np.maximum(c["average"], floor), color=color, linestyle="--")
    handles += [plt.Line2D([], [], color="k", marker="o", ms=3, label="last iterate (any colour)"),
                plt.Line2D([], [], color="k", linestyle="--", label="time average (any colour)")]
    top = max(float(c["steps"].max()) for c in curves.values())
    env = scenario.get("env", {})
    lines = dynamics_baselines(env.get("id", ""), dict(env.get("config", {})), min(top, EXACT_EVALUATIONS))
    rounds = int(env.get("config", {}).get("rounds", 1))   # a stationary profile's NashConv over H rounds: H x stage
    for k, (method, iterate) in enumerate(BASELINES):
        if method in lines:
            b = lines[method]
            y = rounds * (b.nash_conv_last if iterate == "last" else b.nash_conv_avg)
            handles += ax.plot(b.evaluations, np.maximum(y, floor), color="k", alpha=0.8, linestyle=[":", "-."][k],
                               label=f"exact {method}: {'last iterate' if iterate == 'last' else 'average'}"
                                     + (f", played {rounds} rounds" if rounds > 1 else ""))
    interim = env.get("config", {}).get("visibility", "public") == "own"   # Bayesian play: agents/private_play.py
    ax.set(xscale="log", yscale="log", ylabel=("interim " if interim else "") + "NashConv of play (mean over episodes"
           + (f"; all {rounds} rounds)" if rounds > 1 else ")"),
           xlabel="training agent-steps (learners) / game evaluations (exact dynamics)" if lines else
           "training agent-steps (both agents)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return _save(fig, path, "NashConv during training: last iterate (solid) and time average (dashed)", None)
