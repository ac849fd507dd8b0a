"""Result 3 (model.md §2): refinement turns zero-sum games positive-sum in expectation, not in every draw."""

from __future__ import annotations

import numpy as np

from vvl_env.model import Game, PerturbationModel, matching_pennies, random_zero_sum, rock_paper_scissors
from vvl_env.paper.records import Check, Curve, Size, StudyResult
from vvl_env.solve import refinement_effect, zero_sum_value

MODES = {"unilateral": [(0, 0)], "mutual": [(0, 0), (1, 0)]}


def base_games(seed: int) -> list[Game]:
    return [matching_pennies(), rock_paper_scissors(),
            random_zero_sum(3, 3, rng=np.random.default_rng(seed))]


def study(size: Size = "full", seed: int = 0, selection: str = "all") -> StudyResult:
    """Expected equilibrium welfare and payoffs against rho (sigma_own = sigma_other = 1), one-sided cases,
    per-draw distributions and the expected best joint payoff over cells."""
    n = 600 if size == "tiny" else 12_000
    rhos = list(np.linspace(-1.0, 1.0, 5 if size == "tiny" else 9))
    games = base_games(seed) if size == "full" else base_games(seed)[:2]
    rng = np.random.default_rng(seed)
    curves, checks, tables, samples = [], [], [], {}
    for game in games:
        value = zero_sum_value(game).value
        for mode, refinements in MODES.items():
            effects = [refinement_effect(game, refinements, PerturbationModel(1.0, 1.0, rho), n=n, rng=rng,
                                         selection=selection) for rho in rhos]
            panel = f"{game.name}: {mode} refinement"
            for label, est in [("E[welfare]", [e.welfare for e in effects]),
                               ("E[payoff player 0]", [e.payoff(0) for e in effects]),
                               ("E[payoff player 1]", [e.payoff(1) for e in effects]),
                               ("E[best joint payoff over cells]", [e.expected_best_joint for e in effects])]:
                curves.append(Curve.from_estimates(panel, label, rhos, est, x_label="rho", y_label="expected payoff"))
            knife = effects[0]  # rho = -1 with equal scales: E = -D
            checks.append(Check(f"{panel}: max |welfare| at the knife-edge", float(np.abs(knife.welfare_samples).max()),
                                0.0, 1e-9, "E = -D keeps the game zero-sum in every draw (model.md §2)"))
            if mode == "unilateral":
                checks.append(Check(f"{panel}: refiner's lowest equilibrium payoff over draws and rho",
                                    float(min(e.samples[:, 0].min() for e in effects)), value, 1e-9,
                                    "pointwise RRP: the refiner secures the base value (model.md §2)", ">="))
            mid = effects[len(rhos) // 2]
            samples[f"{panel}, rho=0: welfare per draw"] = tuple(map(float, mid.welfare_samples))
            checks.append(Check(f"{panel}, rho=0: lower 95% bound of E[welfare]", mid.welfare.ci[0], 0.0, 0.0,
                                "positive-sum in expectation (model.md §2)", ">="))
            tables.append({"game": game.name, "mode": mode, "rho": 0.0, "E[welfare]": mid.welfare.mean,
                           "95% CI": list(mid.welfare.ci), "P[welfare < 0]": mid.p_negative_welfare.mean,
                           "E[payoff 0]": mid.payoff(0).mean, "E[payoff 1]": mid.payoff(1).mean})
        for name, law in [("only the refiner's payoffs move", PerturbationModel(1.0, 0.0)),
                          ("only the opponent's payoffs move", PerturbationModel(0.0, 1.0))]:
            effect = refinement_effect(game, MODES["unilateral"], law, n=n, rng=rng, selection=selection)
            tables.append({"game": game.name, "mode": f"unilateral, {name}", "E[welfare]": effect.welfare.mean,
                           "95% CI": list(effect.welfare.ci), "min welfare over draws": float(
                               effect.welfare_samples.min()), "P[welfare < 0]": effect.p_negative_welfare.mean})
            if name.startswith("only the refiner"):
                checks.append(Check(f"{game.name}: lowest welfare over draws, {name}",
                                    float(effect.welfare_samples.min()), 0.0, 1e-9,
                                    "welfare >= 0 in every draw (model.md §2)", ">="))
    return StudyResult(
        "zero_sum", "Zero-sum to positive-sum: equilibrium welfare after refinement",
        f"our model: pointwise RRP, normal gaps, q = 1/2, sigma_own = sigma_other = 1; equilibria: selection "
        f"'{selection}' (all extreme equilibria of each realised game averaged); welfare = x R1 y + x R2 y; "
        "mutual = player 0 refines its first row, then player 1 its first column", tuple(curves), tuple(checks),
        tuple(tables), samples)
