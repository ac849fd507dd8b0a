"""vvl's reference layer: equilibria (verified), zero-sum values, value of refinement, bargaining, exploitability,
exact learning dynamics."""

from vvl_env.solve.bargaining import (AlternatingOffersSPE, BargainingSolution, alternating_offers_spe,
                                      nash_bargaining, nash_bargaining_batch)
from vvl_env.solve.bargaining_play import PlayValues, play_values
from vvl_env.solve.dynamics import BaselineCurve, DynamicsResult, baseline_curve, learn
from vvl_env.solve.equilibria import EquilibriumSet, equilibria
from vvl_env.solve.equilibria_batch import (BatchEquilibria, batch_equilibria, equilibrium_payoffs, select_payoffs,
                                            select_profiles)
from vvl_env.solve.exploitability import NashConv, batch_nash_conv, nash_conv, nash_conv_batch
from vvl_env.solve.game_refinement import RefinementEffect, refinement_effect
from vvl_env.solve.refinement_value import RefinementValue, value_of_refinement
from vvl_env.solve.repeated_play import repeated_play_values
from vvl_env.solve.results import Estimate
from vvl_env.solve.selection import SelectionRule
from vvl_env.solve.sequential import (DiscreteCost, SequentialValue, myopic_refinement, optimal_refinement,
                                      policy_value)
from vvl_env.solve.verify import is_epsilon_equilibrium, max_regret
from vvl_env.solve.zero_sum import ZeroSumSolution, zero_sum_value, zero_sum_values

__all__ = [
    "AlternatingOffersSPE", "BargainingSolution", "BaselineCurve", "BatchEquilibria", "DynamicsResult", "EquilibriumSet", "Estimate", "NashConv", "PlayValues",
    "DiscreteCost", "RefinementEffect", "RefinementValue", "SelectionRule", "SequentialValue", "ZeroSumSolution", "alternating_offers_spe",
    "baseline_curve", "batch_equilibria", "batch_nash_conv", "equilibria", "equilibrium_payoffs", "is_epsilon_equilibrium",
    "learn", "max_regret", "myopic_refinement", "nash_bargaining", "nash_bargaining_batch", "nash_conv", "nash_conv_batch", "optimal_refinement", "play_values", "policy_value", "refinement_effect", "repeated_play_values", "select_payoffs",
    "select_profiles", "value_of_refinement", "zero_sum_value", "zero_sum_values",
]
