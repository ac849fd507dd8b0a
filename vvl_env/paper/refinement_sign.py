"""Beyond the paper: when refinement hurts. Each player's value of refinement *with its sign* (model.md §2, §4).

The value of a refinement to player i is ``Delta_i = u_i(eq(refined game)) - u_i(eq(base game))`` (equilibrium payoffs
under a named selection rule), per draw and in expectation, for the refiner and for the other player, unilateral
(player 0 refines one action) and mutual (player 0 a row, then player 1 a column). Information can hurt in games;
only in zero-sum games under common, pointwise-RRP beliefs is the refiner's value never negative (it can mix its
variants back into the old action, so it secures the old value; Bassan, Scarsini and Zamir 2003 on the value of
information in games). Non-common knowledge: the refiner alone sees its realised offsets (visibility "own"); in 2 x 2
games the continuum-type Bayes-Nash equilibrium (:mod:`vvl_env.solve.bayes_nash_continuum`) gives its value.
"""

from __future__ import annotations

import numpy as np

from vvl_env.model import Game, PerturbationModel, matching_pennies, prisoners_dilemma, rock_paper_scissors
from vvl_env.model.game import random_general_sum, random_zero_sum
from vvl_env.paper.records import Check, Curve, Size, StudyResult
from vvl_env.solve import refinement_effect
from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum
from vvl_env.solve.equilibria import equilibria
from vvl_env.solve.results import Estimate

LAW = PerturbationModel(1.0, 1.0, 0.0)  # common, pointwise RRP, normal gaps, q = 1/2
SELECTIONS = ("all", "max_welfare")


def battle_of_the_sexes() -> Game:
    return Game([[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]], ("Opera", "Football"), ("Opera", "Football"),
                name="battle_of_the_sexes")


def chicken() -> Game:
    return Game([[0.0, -1.0], [1.0, -10.0]], [[0.0, 1.0], [-1.0, -10.0]], ("Swerve", "Straight"),
                ("Swerve", "Straight"), name="chicken")


def stag_hunt() -> Game:
    return Game([[4.0, 0.0], [3.0, 3.0]], [[4.0, 3.0], [0.0, 3.0]], ("Stag", "Hare"), ("Stag", "Hare"),
                name="stag_hunt")


def general_sum_games(seed: int) -> list[Game]:
    rand = random_general_sum(3, 3, rng=np.random.default_rng(seed))
    return [prisoners_dilemma(), battle_of_the_sexes(), chicken(), stag_hunt(),
            Game(rand.R1, rand.R2, name="random_general_sum_3x3")]


def zero_sum_games(seed: int) -> list[Game]:
    rand = random_zero_sum(3, 3, rng=np.random.default_rng(seed))
    return [matching_pennies(), rock_paper_scissors(), Game(rand.R1, rand.R2, name="random_zero_sum_3x3")]


def _row(game: Game, mode: str, selection: str, effect: object) -> dict[str, object]:
    d = [effect.samples[:, i] - effect.before[i] for i in (0, 1)]  # type: ignore[attr-defined]
    est = [Estimate.from_samples(x) for x in d]
    return {"game": game.name, "refinement": mode, "selection": selection,
            "E[value to refiner]": est[0].mean, "refiner 95% CI": list(est[0].ci),
            "E[value to the other]": est[1].mean, "other 95% CI": list(est[1].ci),
            "P[refiner loses] per draw": float(np.mean(d[0] < -1e-9)),
            "P[other loses] per draw": float(np.mean(d[1] < -1e-9)),
            "refiner's 5% quantile per draw": float(np.quantile(d[0], 0.05))}


def same_rule_base(game: Game) -> np.ndarray:
    """Payoffs of the base 2 x 2 game's equilibrium chosen by the continuum solver's rule: the column player's first
    action pure if an equilibrium has it, else its second, else the mixed equilibrium (the first listed)."""
    eq = equilibria(game)
    for col in (0, 1):
        pure = np.flatnonzero(eq.ys[:, col] >= 1.0 - 1e-12)
        if pure.size:
            return eq.payoffs[pure[0]]
    return eq.payoffs[0]


def _private_rows(games: list[Game], n: int, reps: int, seed: int) -> list[dict[str, object]]:
    """Continuum Bayes-Nash values of a private refinement of each action of player 0 in 2 x 2 games, against the
    base game's equilibrium under the same rule (:func:`same_rule_base`)."""
    rows = []
    for game in games:
        if game.shape != (2, 2):
            continue
        base = same_rule_base(game)
        for k in range(2):
            bn = bayes_nash_continuum(game, 0, k, LAW, n=n, replications=reps, rng=np.random.default_rng([seed, k]))
            rows.append({"game": game.name, "refinement": f"player 0 privately refines {game.row_labels[k]}",
                         "selection": "continuum Bayes-Nash (column-first rule), vs the base game's",
                         "E[value to refiner]": bn.payoffs[0].mean - base[0],
                         "refiner 95% CI": [c - base[0] for c in bn.payoffs[0].ci],
                         "E[value to the other]": bn.payoffs[1].mean - base[1],
                         "other 95% CI": [c - base[1] for c in bn.payoffs[1].ci]})
    return rows


def study(size: Size = "full", seed: int = 0) -> StudyResult:
    """Signed values of refinement in general-sum and zero-sum games, per draw and in expectation (module doc)."""
    n = 400 if size == "tiny" else 6000
    rhos = list(np.linspace(-1.0, 1.0, 3 if size == "tiny" else 9))
    general = general_sum_games(seed) if size == "full" else general_sum_games(seed)[1:4]
    rng = np.random.default_rng(seed)
    curves, checks, tables, samples = [], [], [], {}
    for game in general:
        modes = {f"player 0 refines {game.row_labels[k]}": [(0, k)] for k in range(game.shape[0])}
        modes["mutual (first row, then first column)"] = [(0, 0), (1, 0)]
        for selection in SELECTIONS:
            for mode, refs in modes.items():
                effect = refinement_effect(game, refs, LAW, n=n, rng=rng, selection=selection)
                tables.append(_row(game, mode, selection, effect))
                if selection == "all" and mode.endswith(game.row_labels[0]):
                    samples[f"{game.name}: {mode}, value to the refiner per draw"] = tuple(
                        map(float, effect.samples[:, 0] - effect.before[0]))
        effects = [refinement_effect(game, [(0, 0)], PerturbationModel(1.0, 1.0, r), n=n, rng=rng, selection="all")
                   for r in rhos]
        panel = f"{game.name}: player 0 refines {game.row_labels[0]} (selection all)"
        for i, who in ((0, "refiner"), (1, "other player")):
            curves.append(Curve.from_estimates(panel, f"E[value to the {who}]", rhos, [e.gain(i) for e in effects],
                                               x_label="rho", y_label="change of equilibrium payoff"))
    stag = [t for t in tables if t["game"] == "stag_hunt" and t["refinement"] == "player 0 refines Hare"
            and t["selection"] == "max_welfare"]
    for t in stag:  # the upper 95% bound of E[value to the refiner] is below 0
        checks.append(Check("stag hunt, player 0 refines Hare, max_welfare: minus the upper 95% bound of E[value to "
                            "the refiner]", -float(t["refiner 95% CI"][1]), 0.0, 0.0,  # type: ignore[index]
                            "refining hurts the refiner: a better Hare variant breaks the (Stag, Stag) equilibrium",
                            ">="))
    for game in zero_sum_games(seed)[: 2 if size == "tiny" else 3]:
        worst = min(float((e.samples[:, 0] - e.before[0]).min()) for e in
                    (refinement_effect(game, [(0, k)], LAW, n=n, rng=rng, selection="all")
                     for k in range(game.shape[0])))
        checks.append(Check(f"{game.name}: refiner's lowest value over draws and actions (zero-sum, common beliefs)",
                            worst, 0.0, 1e-9, "the refiner secures the old value (model.md §2)", ">="))
    tables += _private_rows(general, 5000 if size == "tiny" else 50_000, 4 if size == "tiny" else 12, seed)
    return StudyResult(
        "refinement_sign", "When refinement hurts: each player's value of refinement, with its sign",
        "our model: pointwise RRP, normal gaps, q = 1/2, sigma_own = sigma_other = 1, rho 0 unless swept; value = "
        "change of the equilibrium payoff under the named selection rule ('all': average over extreme equilibria); "
        "public realised refinements (common knowledge), and for 2x2 games a private one (continuum-type "
        "Bayes-Nash equilibrium, the column player's first action pure if that is an equilibrium, else its second, "
        "else the mixed one; compared with the base game's equilibrium under the same rule)", tuple(curves),
        tuple(checks), tuple(tables), samples)
