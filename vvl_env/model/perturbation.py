"""Perturbation models: the law mu of one binary refinement (model.md §1-§2).

Refining an action splits it into variants 1 and 2 with weights q and 1 - q. For each of the n opposing actions t
the refiner's own payoff moves by ``x1_t`` (variant 1) and ``x2_t`` (variant 2), the other player's by ``y1_t`` and
``y2_t``.

* ``rrp="pointwise"`` (default): with gaps (D_t, E_t) of standard deviations (sigma_own, sigma_other) and correlation
  rho, ``x1 = (1-q) D, x2 = -q D, y1 = (1-q) E, y2 = -q E``, so ``q x1 + (1-q) x2 = 0`` in every draw.
* ``rrp="expectation"``: ``x1, x2`` i.i.d. with standard deviation ``sigma_own / sqrt(2)`` (so the gap ``x1 - x2``
  again has standard deviation sigma_own), ``y1, y2`` likewise with scale sigma_other and correlation rho to ``x1, x2``
  respectively. The RRP then holds only on average.

The gap law is the law of a standardised gap Z (mean 0, variance 1): ``"normal"`` (default), ``"rademacher"``
(Z = ±1, the toy dilemma of model.md §1) or ``"uniform"`` (on [-sqrt 3, sqrt 3]). Correlated pairs are built as
``E = sigma_other (rho Z + sqrt(1 - rho^2) Z')`` with Z, Z' i.i.d.; for the normal law this is bivariate normal.
The knife-edge ``rho = -1, sigma_other = sigma_own`` gives ``E = -D`` exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import check_choice, check_real

FloatArray = npt.NDArray[np.float64]
RRPForm = Literal["pointwise", "expectation"]
GapLaw = Literal["normal", "rademacher", "uniform"]
RRP_FORMS: tuple[str, ...] = ("pointwise", "expectation")
GAP_LAWS: tuple[str, ...] = ("normal", "rademacher", "uniform")


@dataclass(frozen=True, slots=True)
class Beta:
    """Beta(a, b) law of the split weight q."""

    a: float
    b: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", check_real("q.a", self.a, low=0.0, low_open=True))
        object.__setattr__(self, "b", check_real("q.b", self.b, low=0.0, low_open=True))

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)


@dataclass(frozen=True, slots=True)
class RefinementOutcome:
    """The realised outcome of one refinement (or a batch of them: leading batch axes on every field).

    ``q`` has shape ``batch``; ``own1, own2, other1, other2`` have shape ``batch + (n,)`` where n is the number of
    opposing actions (1 for a decision problem).
    """

    q: FloatArray
    own1: FloatArray
    own2: FloatArray
    other1: FloatArray
    other2: FloatArray

    def __getitem__(self, index: int | slice | npt.NDArray[np.integer]) -> "RefinementOutcome":
        """Select draws from a batched outcome."""
        return RefinementOutcome(self.q[index], self.own1[index], self.own2[index], self.other1[index],
                                 self.other2[index])

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return np.shape(self.q)


@dataclass(frozen=True, slots=True)
class PerturbationModel:
    """The law mu of a refinement outcome (see the module docstring).

    Parameters
    ----------
    sigma_own : float >= 0
        Standard deviation of the gap D between the two variants in the refiner's own payoffs.
    sigma_other : float >= 0
        Standard deviation of the gap E in the other player's payoffs.
    rho : float in [-1, 1]
        Correlation of D and E.
    q : float in (0, 1) or Beta
        Weight of variant 1 (fixed, default 1/2) or its Beta law.
    rrp : "pointwise" or "expectation"
        Form of the Refinement Reflection Principle.
    gap_law : "normal", "rademacher" or "uniform"
        Law of the standardised gap.
    """

    sigma_own: float = 1.0
    sigma_other: float = 0.0
    rho: float = 0.0
    q: float | Beta = 0.5
    rrp: RRPForm = "pointwise"
    gap_law: GapLaw = "normal"

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma_own", check_real("sigma_own", self.sigma_own, low=0.0))
        object.__setattr__(self, "sigma_other", check_real("sigma_other", self.sigma_other, low=0.0))
        object.__setattr__(self, "rho", check_real("rho", self.rho, low=-1.0, high=1.0))
        if not isinstance(self.q, Beta):
            object.__setattr__(self, "q", check_real("q", self.q, low=0.0, high=1.0, low_open=True, high_open=True))
        check_choice("rrp", self.rrp, RRP_FORMS)
        check_choice("gap_law", self.gap_law, GAP_LAWS)

    @property
    def is_knife_edge(self) -> bool:
        """E = -D exactly: rho = -1 and equal scales (keeps a zero-sum game zero-sum in every draw)."""
        return self.rho == -1.0 and self.sigma_own == self.sigma_other

    @property
    def q_mean(self) -> float:
        return self.q.mean if isinstance(self.q, Beta) else float(self.q)

    def _standard(self, rng: np.random.Generator, shape: tuple[int, ...]) -> FloatArray:
        if self.gap_law == "normal":
            return rng.standard_normal(shape)
        if self.gap_law == "rademacher":
            return rng.integers(0, 2, size=shape).astype(np.float64) * 2.0 - 1.0
        return rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), size=shape)

    def _pair(self, rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
        """Standardised (own, other) with correlation rho; always two draws, so seeds give common random numbers
        across values of rho and sigma."""
        z = self._standard(rng, shape)
        z_indep = self._standard(rng, shape)
        return z, self.rho * z + np.sqrt(max(0.0, 1.0 - self.rho**2)) * z_indep

    def sample(self, *, rng: np.random.Generator, n: int = 1, size: int | None = None) -> RefinementOutcome:
        """Draw one outcome (``size=None``) or a batch of ``size`` outcomes for a row or column against n actions.

        Notes
        -----
        Draw order (fixed, so seeds reproduce): q, then the standardised gaps. Batches are drawn at once.
        """
        batch: tuple[int, ...] = () if size is None else (int(size),)
        if isinstance(self.q, Beta):
            q = rng.beta(self.q.a, self.q.b, size=batch if batch else None)
            q = np.asarray(np.clip(q, 1e-12, 1.0 - 1e-12), dtype=np.float64)
        else:
            q = np.full(batch, self.q) if batch else np.asarray(self.q)
        shape = batch + (n,)
        if self.rrp == "pointwise":
            z, w = self._pair(rng, shape)
            D, E = self.sigma_own * z, self.sigma_other * w
            qc = q[..., None]
            return RefinementOutcome(q, (1.0 - qc) * D, -qc * D, (1.0 - qc) * E, -qc * E)
        z, w = self._pair(rng, (2,) + shape)
        s_own, s_other = self.sigma_own / np.sqrt(2.0), self.sigma_other / np.sqrt(2.0)
        return RefinementOutcome(q, s_own * z[0], s_own * z[1], s_other * w[0], s_other * w[1])


def no_refinement_noise() -> PerturbationModel:
    """A degenerate law: refinement splits an action into two identical copies."""
    return PerturbationModel(sigma_own=0.0, sigma_other=0.0)
