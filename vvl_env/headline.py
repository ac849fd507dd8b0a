"""The three headline results of the model (model.md §1-§3), computed for ``vvl demo``.

Every row names its quantity, the model choices it rests on, its estimate (exact, or Monte Carlo with a 95 % CLT
interval) and the reference value theory gives, where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vvl_env.model import DecisionProblem, PerturbationModel, matching_pennies
from vvl_env.model.bargaining import UniformWeights
from vvl_env.solve.bargaining import nash_bargaining_batch
from vvl_env.solve.game_refinement import refinement_effect
from vvl_env.solve.refinement_value import value_of_refinement
from vvl_env.solve.results import Estimate


@dataclass(frozen=True, slots=True)
class HeadlineRow:
    section: str
    quantity: str
    estimate: Estimate
    theory: str

    def as_dict(self) -> dict[str, object]:
        return {"section": self.section, "quantity": self.quantity, "theory": self.theory} | self.estimate.as_dict()


def single_agent_rows(rng: np.random.Generator, draws: int) -> list[HeadlineRow]:
    """Gain of refining option A (value 0, other option far below), sigma = 1, q = 1/2; and the toy dilemma."""
    sec = "1 single agent: gain from refining"
    far = DecisionProblem([0.0, -1e6], labels=("A", "C"))
    rows = []
    for rrp in ("pointwise", "expectation"):
        pm = PerturbationModel(1.0, rrp=rrp)
        for method in ("exact", "monte_carlo"):
            v = value_of_refinement(far, 0, pm, method=method, rng=rng, n=draws)
            rows.append(HeadlineRow(sec, f"sigma=1, q=1/2, RRP {rrp}", v.gain,
                                    f"sigma/sqrt(2 pi) = {1 / np.sqrt(2 * np.pi):.4f}"))
    dilemma = DecisionProblem([0.0, 0.0], labels=("A", "C"))
    pm = PerturbationModel(2.0, gap_law="rademacher")
    for method in ("exact", "monte_carlo"):
        v = value_of_refinement(dilemma, 0, pm, method=method, rng=rng, n=draws)
        rows.append(HeadlineRow(sec, "toy dilemma U(A)=U(C)=0, variants +-1", v.gain, "1"))
    return rows


def matching_pennies_rows(rng: np.random.Generator, draws: int, selection: str = "all") -> list[HeadlineRow]:
    """Expected equilibrium welfare of matching pennies (value 0) after refining "H"."""
    sec = f"2 matching pennies: equilibrium welfare (selection: {selection}, pointwise RRP, sigmas 1)"
    both = PerturbationModel(1.0, 1.0, 0.0)
    cases = [
        ("unilateral (player 0 refines H), rho=0", [(0, 0)], both, "> 0 in expectation"),
        ("unilateral, only the refiner's payoffs move", [(0, 0)], PerturbationModel(1.0, 0.0), ">= 0 in every draw"),
        ("unilateral, only the opponent's payoffs move", [(0, 0)], PerturbationModel(0.0, 1.0), "about 0"),
        ("mutual (both refine H), rho=0", [(0, 0), (1, 0)], both, "> 0 in expectation"),
        ("mutual at the knife-edge rho=-1, equal scales", [(0, 0), (1, 0)], PerturbationModel(1.0, 1.0, -1.0),
         "0 in every draw"),
    ]
    rows = []
    for name, refinements, law, theory in cases:
        effect = refinement_effect(matching_pennies(), refinements, law, n=draws, rng=rng, selection=selection)
        rows.append(HeadlineRow(sec, f"E[welfare], {name}", effect.welfare, theory))
        if len(refinements) == 2 and not law.is_knife_edge:
            rows.append(HeadlineRow(sec, "  E[payoff player 0], mutual", effect.payoff(0), "> 0 (base value 0)"))
            rows.append(HeadlineRow(sec, "  E[payoff player 1], mutual", effect.payoff(1), "> 0 (base value 0)"))
        if "only the refiner" in name:
            rows.append(HeadlineRow(sec, "  min over draws of welfare, only the refiner's payoffs move",
                                    Estimate.exact(float(effect.welfare_samples.min()), f"minimum of {draws} draws"),
                                    ">= 0"))
        if name.startswith("unilateral (player 0"):
            rows.append(HeadlineRow(sec, "  P[welfare < 0], unilateral", effect.p_negative_welfare,
                                    "> 0: not in every draw"))
    return rows


def bargaining_rows(rng: np.random.Generator, draws: int) -> list[HeadlineRow]:
    """Expected refined Nash bargain, K = 2 and 3, weights uniform on the simplex, against the coarse (1/2, 1/2)."""
    sec = "3 bargaining: refined Nash bargain vs coarse (1/2, 1/2), weights uniform on the simplex"
    rows = []
    for K in (2, 3):
        law = UniformWeights(K)
        W1, W2 = law.sample(draws, rng=rng), law.sample(draws, rng=rng)
        _, U = nash_bargaining_batch(W1, W2, np.zeros(2))
        rows.append(HeadlineRow(sec, f"K={K}: E[u1]", Estimate.from_samples(U[:, 0]), "> 1/2"))
        rows.append(HeadlineRow(sec, f"K={K}: E[u2]", Estimate.from_samples(U[:, 1]), "> 1/2"))
        rows.append(HeadlineRow(sec, f"K={K}: min over draws of min(u1, u2)",
                                Estimate.exact(float(U.min()), f"minimum of {draws} draws"), ">= 1/2 in every draw"))
    return rows


def headline_results(seed: int = 0, draws: int = 1_000_000, game_draws: int = 20_000) -> list[HeadlineRow]:
    """All rows of ``vvl demo``; one seed drives independent sub-streams for the three sections."""
    r1, r2, r3 = np.random.default_rng(seed).spawn(3)
    return single_agent_rows(r1, draws) + matching_pennies_rows(r2, game_draws) + bargaining_rows(r3, draws)
