"""Laws of the cost of one refinement (model.md §1: costs; a stochastic cost is the paper's open question 1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

import numpy as np

from vvl_env.model._validate import check_choice, check_real

COST_LAWS: tuple[str, ...] = ("fixed", "uniform", "exponential")
_COST_KEYS = {"fixed": {"value"}, "uniform": {"low", "high"}, "exponential": {"scale"}}


@dataclass(frozen=True, slots=True)
class CostLaw:
    """The law of the cost of one refinement, drawn afresh for every refinement.

    Parameters
    ----------
    law : "fixed", "uniform" or "exponential"
    value : float >= 0
        The cost under ``"fixed"``.
    low, high : float, 0 <= low <= high
        The bounds under ``"uniform"``.
    scale : float >= 0
        The mean under ``"exponential"``.
    """

    law: Literal["fixed", "uniform", "exponential"] = "fixed"
    value: float = 0.0
    low: float = 0.0
    high: float = 0.0
    scale: float = 0.0

    def __post_init__(self) -> None:
        check_choice("cost.law", self.law, COST_LAWS)
        for name in ("value", "low", "high", "scale"):
            object.__setattr__(self, name, check_real(f"cost.{name}", getattr(self, name), low=0.0))
        if self.high < self.low:
            raise ValueError(f"cost.high: must be >= cost.low = {self.low}, got {self.high}")

    @property
    def upper(self) -> float:
        """The largest cost the law can draw (inf for the exponential law)."""
        return {"fixed": self.value, "uniform": self.high, "exponential": np.inf}[self.law]

    @property
    def mean(self) -> float:
        return {"fixed": self.value, "uniform": 0.5 * (self.low + self.high), "exponential": self.scale}[self.law]

    def sample(self, *, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` i.i.d. costs; a fixed cost draws nothing from ``rng``."""
        if self.law == "fixed":
            return np.full(size, self.value)
        if self.law == "uniform":
            return rng.uniform(self.low, self.high, size=size)
        return rng.exponential(self.scale, size=size)


def parse_cost(name: str, value: Any) -> CostLaw:
    """A number (fixed cost), a CostLaw or a mapping ``{"law": ..., <its parameters>}``."""
    if isinstance(value, CostLaw):
        return value
    if isinstance(value, Mapping):
        law = check_choice(f"{name}.law", value.get("law"), COST_LAWS)
        if set(value) - {"law"} != _COST_KEYS[law]:
            raise ValueError(f"{name}: the {law!r} cost law takes keys {sorted(_COST_KEYS[law] | {'law'})}, "
                             f"got {sorted(value)}")
        return CostLaw(**value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return CostLaw("fixed", value=check_real(name, value, low=0.0))
    raise ValueError(f"{name}: must be a number >= 0, a CostLaw or a mapping with 'law' in {COST_LAWS}; got "
                     f"{value!r}")
