"""Beliefs about refinement (model.md §4).

A :class:`Belief` is a law of refinement held by one agent: a :class:`PerturbationModel` for games and decision
problems, a weight law for bargaining. A :class:`BeliefStructure` says what the world draws from (``truth``) and what
each agent believes. Common knowledge: every agent holds the truth and knows it. Private: each agent holds its own,
possibly wrong, prior.

Configuration files write a belief *relative to the truth* (:func:`believed_law`): ``"truth"`` (or ``"common"``) is
the true law, and a mapping of some of the law's fields is the true law with those fields changed, so that
``{sigma_own = 0.1}`` keeps the true sigma_other, rho, q, RRP form and gap law, and a sweep of the truth moves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from vvl_env.model.perturbation import PerturbationModel, parse_perturbation

TRUTH_WORDS: tuple[str, ...] = ("truth", "common")

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


def believed_law(value: Any, truth: PerturbationModel, name: str = "belief",
                 words: tuple[str, ...] = TRUTH_WORDS) -> PerturbationModel:
    """The law a configured belief names, relative to the true law ``truth``.

    Parameters
    ----------
    value : "truth", "common", a mapping of some PerturbationModel fields, or a PerturbationModel
        ``"truth"`` / ``"common"``: the truth itself; a mapping: the truth with those fields replaced (``q`` may be a
        mapping ``{"a", "b"}``, a Beta law); a PerturbationModel: itself (an absolute law).
    truth : PerturbationModel
    name : str
        The field's name in error messages.
    words : tuple of str
        The words naming the truth (default "truth" and "common"; a single agent has only "truth").

    Raises
    ------
    ValueError
        Naming ``name`` (and the field), the value and what is allowed.

    Examples
    --------
    >>> believed_law({"sigma_own": 0.1}, PerturbationModel(1.0, 0.5, 0.3))
    PerturbationModel(sigma_own=0.1, sigma_other=0.5, rho=0.3, q=0.5, rrp='pointwise', gap_law='normal', bias=0.0)
    """
    if isinstance(value, PerturbationModel):
        return value
    if isinstance(value, str):
        if value not in words:
            raise ValueError(f"{name}: must be {' or '.join(map(repr, words))}, a mapping of law fields (the truth "
                             f"with those fields changed) or a PerturbationModel; got {value!r}")
        return truth
    if not isinstance(value, Mapping):
        return parse_perturbation(value, name)  # its error names what is allowed
    merged = {f.name: getattr(truth, f.name) for f in fields(PerturbationModel)}
    unknown = sorted(set(value) - set(merged))
    if unknown:
        raise ValueError(f"{name}: unknown fields {unknown}; allowed: {', '.join(merged)}")
    return parse_perturbation({**merged, **value}, name)
