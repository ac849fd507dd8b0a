"""Exact learning dynamics on realised games: the learned-equilibrium baselines RL is compared against.

Batched over B games (B, m, n), padded games with action masks, pure numpy, seeded. ``learn(R1, R2, method, ...)``
runs one of ``METHODS`` and returns a :class:`DynamicsResult` (last and average iterate, NashConv trajectories of
both, whether a target NashConv was reached and held); ``baseline_curve`` gives mean NashConv against game
evaluations for reference lines. Each method's module docstring states its update rule, source, step size and what
theory guarantees; in general-sum games nothing is guaranteed and the result says when a run has not converged.
"""

from vvl_env.solve.dynamics.baseline import BaselineCurve, baseline_curve
from vvl_env.solve.dynamics.learn import METHODS, learn
from vvl_env.solve.dynamics.result import DynamicsResult

__all__ = ["METHODS", "BaselineCurve", "DynamicsResult", "baseline_curve", "learn"]
