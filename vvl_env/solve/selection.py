"""Named selection rules for statistics over the equilibria of a game (model.md §2).

Every statistic over equilibria states its rule, so it is reproducible:

- ``"all"``: the statistic averaged over all extreme equilibria (each counted once);
- ``"max_welfare"`` / ``"min_welfare"``: the extreme equilibrium maximising / minimising the welfare
  ``W = x R1 y + x R2 y`` (ties: the first in the solver's deterministic order; welfares within ``TIE_TOL`` of the
  optimum, relative to the welfare scale, tie, so rounding does not break them: :func:`welfare_pick`);
- ``"lemke_howson:k"``: the equilibrium Lemke-Howson reaches dropping label k (``k < m`` is row k, ``m + j`` is column
  j), falling back to labels k + 1, k + 2, ... (mod m + n) only if a path exceeds the pivot watchdog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

RuleKind = Literal["all", "max_welfare", "min_welfare", "lemke_howson"]
KINDS: tuple[str, ...] = ("all", "max_welfare", "min_welfare", "lemke_howson")
TIE_TOL = 1e-9
"""Welfares within this of the optimum, times ``max(1, largest |W|)``, tie (module docstring)."""


def welfare_pick(welfare: npt.ArrayLike, kind: str, valid: npt.ArrayLike | None = None) -> npt.NDArray[np.int64]:
    """Index along the last axis of the first equilibrium whose welfare is within ``TIE_TOL`` of the largest
    (``kind`` "max_welfare") or smallest ("min_welfare") among the ``valid`` ones."""
    W = np.asarray(welfare, dtype=np.float64)
    ok = np.ones(W.shape, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    signed = np.where(ok, W if kind == "max_welfare" else -W, -np.inf)
    best = signed.max(axis=-1, keepdims=True)
    scale = np.maximum(1.0, np.abs(np.where(ok, W, 0.0)).max(axis=-1, keepdims=True))
    return np.argmax(signed >= best - TIE_TOL * scale, axis=-1)


@dataclass(frozen=True, slots=True)
class SelectionRule:
    """A selection rule: ``kind`` and, for Lemke-Howson, the dropped ``label``.

    Examples
    --------
    >>> SelectionRule.parse("lemke_howson:0")
    SelectionRule(kind='lemke_howson', label=0)
    >>> str(SelectionRule("max_welfare"))
    'max_welfare'
    """

    kind: RuleKind
    label: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"rule: kind must be one of {', '.join(map(repr, KINDS))}; got {self.kind!r}")
        if self.kind == "lemke_howson":
            if isinstance(self.label, bool) or not isinstance(self.label, int) or self.label < 0:
                raise ValueError(f"rule: 'lemke_howson' needs a label, an integer >= 0; got {self.label!r}")
        elif self.label is not None:
            raise ValueError(f"rule: only 'lemke_howson' takes a label; got {self.kind!r} with label {self.label!r}")

    @classmethod
    def parse(cls, value: str | SelectionRule) -> SelectionRule:
        """Parse ``"all"``, ``"max_welfare"``, ``"min_welfare"``, ``"lemke_howson:k"`` (or pass a rule through)."""
        if isinstance(value, SelectionRule):
            return value
        allowed = "'all', 'max_welfare', 'min_welfare' or 'lemke_howson:k' (k an integer >= 0)"
        if not isinstance(value, str):
            raise ValueError(f"rule: must be {allowed}; got {value!r}")
        kind, sep, label = value.partition(":")
        if kind == "lemke_howson":
            if not sep or not label.isdigit():
                raise ValueError(f"rule: must be {allowed}; got {value!r}")
            return cls("lemke_howson", int(label))
        if sep or kind not in KINDS:
            raise ValueError(f"rule: must be {allowed}; got {value!r}")
        return cls(kind)  # type: ignore[arg-type]

    def check_label(self, m: int, n: int) -> None:
        """Raise ValueError if the Lemke-Howson label does not exist in an m x n game."""
        if self.label is not None and self.label >= m + n:
            raise ValueError(f"rule: label {self.label} does not exist in a {m}x{n} game (labels 0..{m + n - 1})")

    def __str__(self) -> str:
        return self.kind if self.label is None else f"{self.kind}:{self.label}"
