"""vvl agents: the Policy interface, analytic agents and baselines (learners: ``agents.learning``; evaluation:
``agents.evaluate.evaluate``, a submodule, so ``import agents.evaluate`` gives the module)."""

from agents.analytic import BargainAgent, MatrixAgent, RefineOrActAgent, UniformRandom, make_agent
from agents.evaluate import EvalReport
from agents.policy import Policy, sample_action

__all__ = ["BargainAgent", "EvalReport", "MatrixAgent", "Policy", "RefineOrActAgent", "UniformRandom", "make_agent",
           "sample_action"]
