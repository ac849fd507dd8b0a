"""What miscalibrated or private beliefs cost (model.md §4): measured, not assumed.

Setting: one refiner may refine one action (or option) once, at a cost c drawn from a cost law, and decides by the
myopic rule under its *belief*: refine iff its believed gain exceeds c. The world draws refinements from the *truth*.
Under common knowledge the belief is the truth. For each belief we report

* the believed and the true gain of refining (for a game: the refiner's expected equilibrium payoff after refining
  minus before, under the named selection rule),
* over-refinement (refines although the true gain is below c) and under-refinement rates, over the cost law,
* the refiner's regret against the common-knowledge decision, and
* the welfare cost: expected welfare (and each player's payoff) under common knowledge minus under the belief,
  with welfare net of the cost paid.

Costs and refinements are paired draws (common random numbers) across beliefs, so differences have small variance;
intervals are 95 % CLT intervals of the paired per-draw differences. The common-knowledge decision uses the truth's
gain computed as every believed gain is (exact for a decision problem with a closed form, else Monte Carlo on the
beliefs' common stream), so the belief equal to the truth has no errors, no regret and no welfare cost, exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.model.decision import DecisionProblem
from vvl_env.model.game import Game
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.game_refinement import refinement_effect
from vvl_env.solve.refinement_value import value_of_refinement
from vvl_env.solve.results import Estimate

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BeliefCost:
    """Outcome of acting on ``belief`` when refinements follow the truth (one point of a mismatch curve)."""

    belief: PerturbationModel
    believed_gain: float
    true_gain: Estimate
    over_refinement: Estimate
    under_refinement: Estimate
    regret: Estimate
    welfare_cost: Estimate
    payoff_cost: tuple[Estimate, ...]

    def as_dict(self) -> dict[str, object]:
        return {"believed_gain": self.believed_gain, "true_gain": self.true_gain.as_dict(),
                "over_refinement": self.over_refinement.as_dict(), "under_refinement": self.under_refinement.as_dict(),
                "regret": self.regret.as_dict(), "welfare_cost": self.welfare_cost.as_dict(),
                "payoff_cost": [e.as_dict() for e in self.payoff_cost]}


def _outcomes(target: Game | DecisionProblem, refiner: int, action: int, law: PerturbationModel, *, n: int,
              rng: np.random.Generator, selection: str) -> tuple[FloatArray, FloatArray]:
    """(payoffs before (P,), payoffs after refining per draw (n, P)) with P = 2 players for a game, 1 otherwise."""
    if isinstance(target, DecisionProblem):
        _, own1, own2 = law.sample_own(rng=rng, size=n)
        u, m = float(target.values[action]), target.best_other(action)
        after = np.maximum(np.maximum(own1, own2) + u, m)
        return np.array([target.value]), after[:, None]
    effect = refinement_effect(target, [(refiner, action)], law, n=n, rng=rng, selection=selection)
    return effect.before, effect.samples


def believed_gain(target: Game | DecisionProblem, refiner: int, action: int, belief: PerturbationModel, *,
                  n: int, rng: np.random.Generator, selection: str = "all") -> float:
    """The refiner's expected gain under its belief: exact for decision problems where a closed form exists, else
    the Monte Carlo mean over ``n`` draws."""
    if isinstance(target, DecisionProblem):
        return value_of_refinement(target, action, belief, n=n, rng=rng).gain.mean
    before, after = _outcomes(target, refiner, action, belief, n=n, rng=rng, selection=selection)
    return float(after[:, refiner].mean() - before[refiner])


def belief_costs(target: Game | DecisionProblem, refiner: int, action: int, truth: PerturbationModel,
                 beliefs: Sequence[PerturbationModel], costs: npt.ArrayLike, *, n: int, seed: int,
                 selection: str = "all") -> list[BeliefCost]:
    """One :class:`BeliefCost` per belief, against the common-knowledge decision under ``truth``.

    Parameters
    ----------
    target : a Game (the refiner is player ``refiner``) or a DecisionProblem (``refiner`` must be 0).
    action : the action (option) that may be refined.
    truth : the law refinements follow; beliefs : the refiner's believed laws (the mismatch axis).
    costs : cost draws (the cost law's sample; one per Monte Carlo draw is paired with one refinement draw, cycling).
    n : Monte Carlo draws (refinements of the truth and of each belief); seed : the one integer seed.

    Notes
    -----
    Per draw i with cost c_i and refined outcome a_i (payoffs after refining, from the truth) the decision rule d(c) =
    1{gain > c} gives payoffs ``d(c_i) (a_i - c_i e_refiner) + (1 - d(c_i)) before``; the costs are the paired
    differences common knowledge minus belief.
    """
    costs = np.asarray(costs, dtype=np.float64).ravel()
    if costs.size == 0 or not np.all(np.isfinite(costs)) or costs.min() < 0:
        raise ValueError(f"costs: must be a nonempty array of finite costs >= 0, got {costs!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n: must be an integer >= 2, got {n!r}")
    seq_truth, seq_belief = np.random.SeedSequence(seed).spawn(2)
    before, after = _outcomes(target, refiner, action, truth, n=n, rng=np.random.default_rng(seq_truth),
                              selection=selection)
    c = np.resize(costs, n)
    me = refiner if before.size > 1 else 0
    charge = np.zeros(before.size)
    charge[me] = 1.0

    def payoffs(gain: float) -> FloatArray:
        return np.where((gain > c)[:, None], after - c[:, None] * charge, before)

    true_gain_samples = after[:, me] - before[me]

    def gain_under(law: PerturbationModel) -> float:
        """Every believed gain, the truth's included, by one estimator on one stream (common random numbers,
        independent of the truth's outcome draws): a belief equal to the truth decides exactly as common knowledge."""
        return believed_gain(target, refiner, action, law, n=n, rng=np.random.default_rng(seq_belief),
                             selection=selection)

    g_true = gain_under(truth)
    ck = payoffs(g_true)
    out = []
    for belief in beliefs:
        g_b = gain_under(belief)
        mine = payoffs(g_b)
        over = (g_b > c) & (g_true <= c)
        under = (g_b <= c) & (g_true > c)
        regret = np.where(over | under, np.abs(g_true - c), 0.0)
        diff = ck - mine
        out.append(BeliefCost(belief, g_b, Estimate.from_samples(true_gain_samples), Estimate.from_samples(over),
                              Estimate.from_samples(under), Estimate.from_samples(regret),
                              Estimate.from_samples(diff.sum(axis=1)),
                              tuple(Estimate.from_samples(diff[:, p]) for p in range(diff.shape[1]))))
    return out
