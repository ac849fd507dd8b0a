"""The one interface every vvl agent implements, analytic or learned.

A policy maps one agent's observation (as its environment gives it: a dict with "observation" and "action_mask" for
the PettingZoo envs, a flat array for RefineOrAct, whose mask comes from ``env.action_masks()``) to an action.
``action_probabilities`` exposes the mixed strategy behind the choice, which evaluation needs for NashConv.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt


@runtime_checkable
class Policy(Protocol):
    """``act`` draws an action; ``action_probabilities`` gives the distribution it draws from (masked)."""

    name: str

    def action_probabilities(self, observation: Any, action_mask: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
        """Probabilities over the whole (padded) action space; zero on masked actions."""
        ...

    def act(self, observation: Any, action_mask: npt.NDArray[np.int8], *, rng: np.random.Generator) -> int:
        """One action, drawn with ``rng`` from ``action_probabilities`` (deterministic policies ignore ``rng``)."""
        ...


def sample_action(probs: npt.NDArray[np.float64], rng: np.random.Generator) -> int:
    """Draw an index from ``probs`` with one uniform variate (inverse CDF), so seeds reproduce across policies."""
    cdf = np.cumsum(probs)
    return int(min(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"), len(probs) - 1))
