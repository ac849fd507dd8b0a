"""vvl's model layer: games, decision problems, refinements, perturbation models, beliefs (pure numpy, no I/O)."""

from vvl_env.model.bargaining import (BargainingLaw, BargainingProblem, DirichletWeights, FixedWeights,
                                      UniformWeights, WeightLaw)
from vvl_env.model.belief import Belief, BeliefStructure
from vvl_env.model.decision import DecisionProblem
from vvl_env.model.game import (Game, matching_pennies, named_game, prisoners_dilemma, random_general_sum,
                                random_zero_sum, rock_paper_scissors)
from vvl_env.model.perturbation import Beta, PerturbationModel, RefinementOutcome
from vvl_env.model.refine import refine, refine_arrays

__all__ = [
    "BargainingLaw", "BargainingProblem", "DirichletWeights", "FixedWeights", "UniformWeights", "WeightLaw",
    "Belief", "BeliefStructure", "Beta", "DecisionProblem", "Game", "PerturbationModel", "RefinementOutcome",
    "matching_pennies", "named_game", "prisoners_dilemma", "random_general_sum", "random_zero_sum", "refine",
    "refine_arrays", "rock_paper_scissors",
]
