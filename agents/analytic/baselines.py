"""Baselines: uniform random play over the legal actions (any environment).

"Never refine" and "always refine" are modes of the analytic agents (they play the reference equilibrium and differ
only in the refine rule), made by :func:`agents.analytic.make_agent` with kinds "never_refine" and "always_refine".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from agents.analytic._common import draw, uniform_over

FloatArray = npt.NDArray[np.float64]


class UniformRandom:
    """Uniform over the legal actions of the mask, in every phase (refining included)."""

    def __init__(self, name: str = "random") -> None:
        self.name = name

    def action_probabilities(self, observation: Any, action_mask: npt.ArrayLike) -> FloatArray:
        return uniform_over(action_mask)

    def action_probabilities_batch(self, observations: Any, masks: npt.ArrayLike) -> FloatArray:
        """:meth:`action_probabilities` of every row of ``masks`` at once."""
        m = np.asarray(masks, dtype=np.float64) > 0
        m[~m.any(axis=1)] = True
        return m / m.sum(axis=1, keepdims=True)

    def act(self, observation: Any, action_mask: npt.ArrayLike, *, rng: np.random.Generator) -> int:
        return draw(self.action_probabilities(observation, action_mask), rng)
