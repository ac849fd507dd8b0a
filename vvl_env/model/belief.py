"""Beliefs about refinement (model.md §4).

A :class:`Belief` is a law of refinement held by one agent: a :class:`PerturbationModel` for games and decision
problems, a weight law for bargaining. A :class:`BeliefStructure` says what the world draws from (``truth``) and what
each agent believes. Common knowledge: every agent holds the truth and knows it. Private: each agent holds its own,
possibly wrong, prior.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from vvl_env.model.perturbation import PerturbationModel

BeliefKind = Literal["common", "private"]


@dataclass(frozen=True, slots=True)
class Belief:
    """One agent's law of refinement: ``law`` is a PerturbationModel or a bargaining weight law."""

    law: Any
    kind: BeliefKind = "common"

    def __post_init__(self) -> None:
        if self.kind not in ("common", "private"):
            raise ValueError(f"kind: must be 'common' or 'private', got {self.kind!r}")
        if not (isinstance(self.law, PerturbationModel) or hasattr(self.law, "sample")):
            raise ValueError(f"law: must be a PerturbationModel or a weight law, got {type(self.law).__name__}")


@dataclass(frozen=True, slots=True)
class BeliefStructure:
    """The true law and each agent's belief about it."""

    truth: Any
    beliefs: tuple[Belief, ...]

    @classmethod
    def common(cls, truth: Any, n_agents: int = 2) -> "BeliefStructure":
        """All agents hold the truth, and know it."""
        return cls(truth, tuple(Belief(truth, "common") for _ in range(n_agents)))

    @classmethod
    def private(cls, truth: Any, *priors: Any) -> "BeliefStructure":
        """Agent i holds ``priors[i]`` (which may equal the truth, but is not known to be shared)."""
        return cls(truth, tuple(Belief(p, "private") for p in priors))

    @property
    def is_common_knowledge(self) -> bool:
        return all(b.kind == "common" and b.law == self.truth for b in self.beliefs)

    def of(self, agent: int) -> Any:
        """The law agent ``agent`` believes."""
        return self.beliefs[agent].law
