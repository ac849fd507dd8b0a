"""Two-player normal-form games (model.md §2).

A :class:`Game` is an immutable value: two payoff matrices ``R1`` (row player, player 0) and ``R2`` (column player,
player 1) of equal shape (m, n), with action labels that keep the refinement lineage ("H" -> "H.1", "H.2").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array, check_labels, readonly
from vvl_env.model.render import game_table

FloatArray = npt.NDArray[np.float64]


def _labels(name: str, labels: Any, size: int, prefix: str) -> tuple[str, ...]:
    if labels is None:
        return tuple(f"{prefix}{i}" for i in range(size))
    return check_labels(name, labels, size)


def _strategy(name: str, value: Any, size: int) -> FloatArray:
    """A mixed strategy over ``size`` actions: ``size`` finite real weights (not checked to sum to 1)."""
    x = as_finite_array(name, value, ndim=1)
    if x.size != size:
        raise ValueError(f"{name}: must have {size} entries (one per action), got {x.size}: {value!r}")
    return x


@dataclass(frozen=True, slots=True)
class Game:
    """A two-player normal-form game (R1, R2).

    Parameters
    ----------
    R1 : array_like, shape (m, n)
        Payoffs of the row player (player 0).
    R2 : array_like, shape (m, n), optional
        Payoffs of the column player (player 1). ``None`` means zero-sum: ``R2 = -R1``.
    row_labels, col_labels : list or tuple of str, optional
        Action labels, distinct strings; default "r0", "r1", ... and "c0", "c1", ...

    Notes
    -----
    Welfare of a mixed profile (x, y) is ``W = x R1 y + x R2 y`` (model.md §2).
    """

    R1: FloatArray
    R2: FloatArray = None  # type: ignore[assignment]
    row_labels: tuple[str, ...] = None  # type: ignore[assignment]
    col_labels: tuple[str, ...] = None  # type: ignore[assignment]
    name: str = field(default="game", compare=False)

    def __post_init__(self) -> None:
        R1 = as_finite_array("R1", self.R1, ndim=2)
        R2 = -R1 if self.R2 is None else as_finite_array("R2", self.R2, ndim=2)
        if R1.shape != R2.shape:
            raise ValueError(f"R2: must have the shape of R1 {R1.shape}, got {R2.shape}")
        object.__setattr__(self, "R1", readonly(R1 + 0.0))
        object.__setattr__(self, "R2", readonly(R2 + 0.0))
        object.__setattr__(self, "row_labels", _labels("row_labels", self.row_labels, R1.shape[0], "r"))
        object.__setattr__(self, "col_labels", _labels("col_labels", self.col_labels, R1.shape[1], "c"))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Game) and self.shape == other.shape and np.array_equal(self.R1, other.R1)
                and np.array_equal(self.R2, other.R2) and self.row_labels == other.row_labels
                and self.col_labels == other.col_labels)

    def __hash__(self) -> int:
        return hash((self.R1.tobytes(), self.R2.tobytes(), self.row_labels, self.col_labels))

    @property
    def shape(self) -> tuple[int, int]:
        return self.R1.shape  # type: ignore[return-value]

    def payoff_matrix(self, player: int) -> FloatArray:
        """R1 for player 0, R2 for player 1."""
        return self.R1 if player == 0 else self.R2

    def labels(self, player: int) -> tuple[str, ...]:
        return self.row_labels if player == 0 else self.col_labels

    def is_zero_sum(self, tol: float = 1e-9) -> bool:
        """True iff ``|R1 + R2| <= tol * max(1, max|R1|)`` in every cell."""
        scale = max(1.0, float(np.max(np.abs(self.R1))))
        return bool(np.max(np.abs(self.R1 + self.R2)) <= tol * scale)

    def payoffs(self, x: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
        """Expected payoffs ``(x R1 y, x R2 y)`` of the mixed profile (x, y) (x over rows, y over columns)."""
        m, n = self.shape
        x, y = _strategy("x", x, m), _strategy("y", y, n)
        return np.array([x @ self.R1 @ y, x @ self.R2 @ y])

    def welfare(self, x: npt.ArrayLike, y: npt.ArrayLike) -> float:
        """``W = x R1 y + x R2 y``."""
        return float(self.payoffs(x, y).sum())

    def __str__(self) -> str:
        return game_table(self.R1, self.R2, self.row_labels, self.col_labels)


# --- named base games -------------------------------------------------------------------------------------------


def matching_pennies() -> Game:
    """Matching pennies: the row player wins 1 on a match. Value 0, unique equilibrium (1/2, 1/2)."""
    return Game([[1.0, -1.0], [-1.0, 1.0]], row_labels=("H", "T"), col_labels=("H", "T"), name="matching_pennies")


def rock_paper_scissors() -> Game:
    """Rock-paper-scissors, win 1, loss -1. Value 0, unique equilibrium uniform."""
    R = [[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]
    return Game(R, row_labels=("R", "P", "S"), col_labels=("R", "P", "S"), name="rock_paper_scissors")


def prisoners_dilemma() -> Game:
    """Prisoner's dilemma (C, D) with payoffs 3/0/5/1. Unique equilibrium (D, D)."""
    return Game([[3.0, 0.0], [5.0, 1.0]], [[3.0, 5.0], [0.0, 1.0]], row_labels=("C", "D"), col_labels=("C", "D"),
                name="prisoners_dilemma")


def random_zero_sum(m: int, n: int, *, rng: np.random.Generator) -> Game:
    """A zero-sum game with R1 entries i.i.d. uniform on [-1, 1]."""
    return Game(rng.uniform(-1.0, 1.0, size=(m, n)), name=f"random_zero_sum_{m}x{n}")


def random_general_sum(m: int, n: int, *, rng: np.random.Generator) -> Game:
    """A general-sum game with R1, R2 entries i.i.d. uniform on [-1, 1]."""
    R1, R2 = rng.uniform(-1.0, 1.0, size=(2, m, n))
    return Game(R1, R2, name=f"random_general_sum_{m}x{n}")


NAMED_GAMES = {
    "matching_pennies": matching_pennies,
    "rock_paper_scissors": rock_paper_scissors,
    "prisoners_dilemma": prisoners_dilemma,
}


def named_game(name: str) -> Game:
    """Return a named base game: one of ``NAMED_GAMES``."""
    if name not in NAMED_GAMES:
        raise ValueError(f"game: must be one of {', '.join(map(repr, NAMED_GAMES))}; got {name!r}")
    return NAMED_GAMES[name]()
