"""vvl agents: the Policy interface, analytic agents and baselines, and evaluation (learners: ``agents.learning``)."""

from agents.analytic import BargainAgent, MatrixAgent, RefineOrActAgent, UniformRandom, make_agent
from agents.evaluate import EvalReport, evaluate
from agents.policy import Policy, sample_action

__all__ = ["BargainAgent", "EvalReport", "MatrixAgent", "Policy", "RefineOrActAgent", "UniformRandom", "evaluate",
           "make_agent", "sample_action"]
