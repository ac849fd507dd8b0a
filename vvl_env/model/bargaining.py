"""Bargaining problems over value dimensions and laws of the parties' weights (model.md §3).

Coarse problem: two parties divide one bundle, each valuing a share s at s, disagreement d = (0, 0). Refinement reveals
K dimensions: party i has weights w^i over them (nonnegative, summing to 1, so the coarse valuation is the expected
refined one: the RRP's role here). An allocation x in [0, 1]^K gives party 1 the share x_k of dimension k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array, readonly

FloatArray = npt.NDArray[np.float64]
WEIGHT_TOL = 1e-9


def check_weights(name: str, value: Any, K: int | None = None) -> FloatArray:
    """Validate a weight vector: 1-D, finite, nonnegative, summing to 1 within 1e-9 (and of length K if given)."""
    w = as_finite_array(name, value, ndim=1)
    if K is not None and w.size != K:
        raise ValueError(f"{name}: must have length K = {K} (one weight per dimension), got {w.size}: {value!r}")
    if np.any(w < 0) or abs(w.sum() - 1.0) > WEIGHT_TOL:
        raise ValueError(f"{name}: must be nonnegative and summing to 1 (within {WEIGHT_TOL:g}), got {value!r} "
                         f"(sum {float(w.sum())!r})")
    return w


def check_disagreement(value: Any) -> FloatArray:
    d = as_finite_array("d", value, ndim=1)
    if d.size != 2:
        raise ValueError(f"d: must be a pair (d1, d2) of finite reals, got {value!r}")
    return d


@dataclass(frozen=True, slots=True)
class BargainingProblem:
    """Two parties dividing K value dimensions (model.md §3).

    Parameters
    ----------
    w1, w2 : array_like, shape (K,)
        Weights of party 1 (player 0) and party 2 (player 1): nonnegative, each summing to 1.
    d : array_like, shape (2,)
        Disagreement point (d1, d2); default (0, 0).

    Notes
    -----
    ``u1 = sum_k w1_k x_k``, ``u2 = sum_k w2_k (1 - x_k)`` for an allocation x in [0, 1]^K.
    """

    w1: FloatArray
    w2: FloatArray
    d: FloatArray = (0.0, 0.0)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        w1 = check_weights("w1", self.w1)
        w2 = check_weights("w2", self.w2, K=w1.size)
        object.__setattr__(self, "w1", readonly(w1))
        object.__setattr__(self, "w2", readonly(w2))
        object.__setattr__(self, "d", readonly(check_disagreement(self.d)))

    @classmethod
    def coarse(cls, d: npt.ArrayLike = (0.0, 0.0)) -> BargainingProblem:
        """The coarse problem: one dimension, weights [1] and [1]."""
        return cls([1.0], [1.0], d)

    @property
    def K(self) -> int:
        return int(self.w1.size)

    def coarsened(self) -> BargainingProblem:
        """This problem with the weights collapsed to their aggregate (K = 1), same d."""
        return BargainingProblem.coarse(self.d)

    def utilities(self, x: npt.ArrayLike) -> FloatArray:
        """``(u1, u2)`` of allocation(s) x, shape (..., K) with entries in [0, 1] -> shape (..., 2)."""
        x = as_finite_array("x", x)
        if x.shape[-1] != self.K or np.any(x < 0) or np.any(x > 1):
            raise ValueError(f"x: must have last axis of length K = {self.K} and entries in [0, 1], "
                             f"got shape {x.shape}")
        return np.stack([x @ self.w1, (1.0 - x) @ self.w2], axis=-1)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, BargainingProblem) and self.K == other.K and np.array_equal(self.w1, other.w1)
                and np.array_equal(self.w2, other.w2) and np.array_equal(self.d, other.d))

    def __hash__(self) -> int:
        return hash((self.w1.tobytes(), self.w2.tobytes(), self.d.tobytes()))


# --- weight laws ------------------------------------------------------------------------------------------------


@runtime_checkable
class WeightLaw(Protocol):
    """A law of one party's weight vector on the simplex of dimension K."""

    @property
    def K(self) -> int: ...

    def sample(self, size: int, *, rng: np.random.Generator) -> FloatArray: ...

    def mean(self) -> FloatArray: ...


def _check_size(size: Any) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
        raise ValueError(f"size: must be a nonnegative integer, got {size!r}")
    return int(size)


@dataclass(frozen=True, slots=True)
class DirichletWeights:
    """Weights ~ Dirichlet(alpha), alpha_k > 0. Mean ``alpha / sum(alpha)``."""

    alpha: FloatArray

    def __post_init__(self) -> None:
        a = as_finite_array("alpha", self.alpha, ndim=1)
        if np.any(a <= 0):
            raise ValueError(f"alpha: every concentration must be > 0, got {self.alpha!r}")
        object.__setattr__(self, "alpha", readonly(a))

    @property
    def K(self) -> int:
        return int(self.alpha.size)

    def sample(self, size: int, *, rng: np.random.Generator) -> FloatArray:
        """``size`` i.i.d. weight vectors, shape (size, K)."""
        return rng.dirichlet(self.alpha, size=_check_size(size))

    def mean(self) -> FloatArray:
        return self.alpha / self.alpha.sum()


@dataclass(frozen=True, slots=True)
class UniformWeights:
    """Weights uniform on the simplex of dimension K: Dirichlet(1, ..., 1). Mean ``1/K`` each."""

    K: int

    def __post_init__(self) -> None:
        if isinstance(self.K, bool) or not isinstance(self.K, (int, np.integer)) or self.K < 1:
            raise ValueError(f"K: must be an integer >= 1, got {self.K!r}")

    def sample(self, size: int, *, rng: np.random.Generator) -> FloatArray:
        return rng.dirichlet(np.ones(self.K), size=_check_size(size))

    def mean(self) -> FloatArray:
        return np.full(self.K, 1.0 / self.K)


@dataclass(frozen=True, slots=True)
class FixedWeights:
    """A point mass on the weight vector ``w``."""

    w: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "w", readonly(check_weights("w", self.w)))

    @property
    def K(self) -> int:
        return int(self.w.size)

    def sample(self, size: int, *, rng: np.random.Generator) -> FloatArray:
        return np.tile(self.w, (_check_size(size), 1))

    def mean(self) -> FloatArray:
        return np.array(self.w)


@dataclass(frozen=True, slots=True)
class BargainingLaw:
    """The law of a refined bargaining problem: independent weight laws of the two parties and a fixed d."""

    law1: WeightLaw
    law2: WeightLaw
    d: FloatArray = (0.0, 0.0)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        for name in ("law1", "law2"):
            if not isinstance(getattr(self, name), WeightLaw):
                raise ValueError(f"{name}: must be a WeightLaw (DirichletWeights, UniformWeights, FixedWeights), "
                                 f"got {getattr(self, name)!r}")
        if self.law1.K != self.law2.K:
            raise ValueError(f"law2: must have the dimension of law1 (K = {self.law1.K}), got K = {self.law2.K}")
        object.__setattr__(self, "d", readonly(check_disagreement(self.d)))

    @property
    def K(self) -> int:
        return self.law1.K

    def sample(self, size: int, *, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """``(W1, W2)``, each (size, K), from independent sub-streams of ``rng``."""
        r1, r2 = rng.spawn(2)
        return self.law1.sample(size, rng=r1), self.law2.sample(size, rng=r2)

    def sample_problem(self, *, rng: np.random.Generator) -> BargainingProblem:
        """One refined problem drawn from this law."""
        W1, W2 = self.sample(1, rng=rng)
        return BargainingProblem(W1[0], W2[0], self.d)
