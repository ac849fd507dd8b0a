"""A batch of padded two-player games as the learning dynamics see it, and the simplex helpers they share.

Every method runs on *normalised* payoffs ``A1 = R1 / s``, ``A2 = R2 / s`` with ``s`` (per game) the larger of the two
players' payoff ranges over the unmasked cells (1 for a constant game), so step sizes mean the same in every game.
NashConv is always reported in the game's own units. Masked actions carry probability 0 (log-probability -inf) and
are never best responses.

One *game evaluation* is one computation of both players' expected-payoff vectors against the current profile,
``A1 y`` (B, m) and ``x A2`` (B, n): what one iteration of a full-information learning rule needs. Methods that need
more per iteration say so in ``evaluations_per_iteration``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class GameBatch:
    """B games ``R1, R2`` (B, m, n) with action masks (B, m), (B, n); ``A1, A2`` are the normalised payoffs."""

    R1: FloatArray
    R2: FloatArray
    row_mask: BoolArray
    col_mask: BoolArray
    scale: FloatArray = field(init=False, repr=False)
    A1: FloatArray = field(init=False, repr=False)
    A2: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        cells = self.row_mask[:, :, None] & self.col_mask[:, None, :]
        span = [np.where(cells, R, -np.inf).max(axis=(1, 2)) - np.where(cells, R, np.inf).min(axis=(1, 2))
                for R in (self.R1, self.R2)]
        scale = np.maximum(*span)
        scale = np.where(scale > 0, scale, 1.0)
        object.__setattr__(self, "scale", scale)
        # masked cells set to 0 so that junk padding never enters an expected payoff
        object.__setattr__(self, "A1", np.where(cells, self.R1, 0.0) / scale[:, None, None])
        object.__setattr__(self, "A2", np.where(cells, self.R2, 0.0) / scale[:, None, None])

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.R1.shape  # type: ignore[return-value]

    def row_payoffs(self, y: FloatArray) -> FloatArray:
        """``A1 y`` (B, m): player 0's normalised payoff of each action against y."""
        return np.matmul(self.A1, y[:, :, None])[:, :, 0]

    def col_payoffs(self, x: FloatArray) -> FloatArray:
        """``x A2`` (B, n): player 1's normalised payoff of each action against x."""
        return np.matmul(x[:, None, :], self.A2)[:, 0, :]

    def payoffs(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """One game evaluation: ``(A1 y, x A2)``."""
        return self.row_payoffs(y), self.col_payoffs(x)


def softmax(logits: FloatArray) -> FloatArray:
    """Row-wise softmax; entries of -inf (masked actions) get probability exactly 0."""
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def log_mask(mask: BoolArray) -> FloatArray:
    """0 on allowed actions, -inf on masked ones: the log of an unnormalised uniform magnet."""
    return np.where(mask, 0.0, -np.inf)


def normalise(weights: FloatArray, mask: BoolArray) -> FloatArray:
    """``w / sum(w)`` per row, the uniform strategy over the mask where ``sum(w) = 0``."""
    total = weights.sum(axis=-1, keepdims=True)
    uniform = mask / mask.sum(axis=-1, keepdims=True)
    return np.where(total > 0, weights / np.where(total > 0, total, 1.0), uniform)


def best_response(u: FloatArray, mask: BoolArray, rng: np.random.Generator, tol: float = 1e-12) -> FloatArray:
    """A pure best response (one-hot) to payoff vectors ``u`` over the unmasked actions; ties (within ``tol``)
    broken uniformly at random with ``rng``."""
    u = np.where(mask, u, -np.inf)
    ties = u >= u.max(axis=-1, keepdims=True) - tol
    pick = np.argmax(np.where(ties, rng.random(u.shape), -1.0), axis=-1)
    out = np.zeros_like(u)
    out[np.arange(u.shape[0]), pick] = 1.0
    return out


def initial_strategy(mask: BoolArray, init: str, rng: np.random.Generator) -> FloatArray:
    """Initial strategies (B, k) over the unmasked actions.

    ``init="random"``: a uniform draw from the simplex (Dirichlet(1, ..., 1)), so that no run starts at a symmetric
    game's equilibrium by accident; ``"pure"``: one action drawn uniformly; ``"uniform"``: the uniform strategy.
    """
    if init == "uniform":
        return mask / mask.sum(axis=-1, keepdims=True)
    if init == "pure":
        return best_response(np.zeros(mask.shape), mask, rng)
    w = rng.exponential(size=mask.shape) * mask
    return w / w.sum(axis=-1, keepdims=True)
