"""Records of the reproduction suite: curves with confidence bands, oracle checks, and a study's result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from vvl_env.solve.results import Estimate

Size = Literal["tiny", "full"]


@dataclass(frozen=True, slots=True)
class Curve:
    """y against x with a band (``lo``, ``hi``; equal to ``y`` for exact values); ``panel`` groups curves in one
    figure axis."""

    panel: str
    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    method: str
    x_label: str = ""
    y_label: str = ""

    @classmethod
    def from_estimates(cls, panel: str, label: str, x: list[float], estimates: list[Estimate], **kw: str) -> "Curve":
        return cls(panel, label, tuple(map(float, x)), tuple(e.mean for e in estimates),
                   tuple(e.ci[0] for e in estimates), tuple(e.ci[1] for e in estimates),
                   estimates[0].method if estimates else "", **kw)


@dataclass(frozen=True, slots=True)
class Check:
    """A number the study produced, next to the value theory or an independent oracle gives: ``relation`` "=="
    (within ``tolerance``) or ">=" (``value >= expected - tolerance``, for the inequalities of the theory)."""

    name: str
    value: float
    expected: float
    tolerance: float
    source: str
    relation: Literal["==", ">="] = "=="

    @property
    def passed(self) -> bool:
        if self.relation == ">=":
            return self.value >= self.expected - self.tolerance
        return abs(self.value - self.expected) <= self.tolerance


@dataclass(frozen=True, slots=True)
class StudyResult:
    """Everything one study produced; ``assumptions`` names the model choices the figures rest on."""

    study: str
    title: str
    assumptions: str
    curves: tuple[Curve, ...]
    checks: tuple[Check, ...]
    tables: tuple[dict[str, object], ...] = field(default=())
    samples: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["checks"] = [asdict(c) | {"passed": c.passed} for c in self.checks]
        return d
