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

``bias`` (default 0) shifts the refiner's own offsets of both variants by the same amount, so that
``q x1 + (1-q) x2 = bias``: a law that *violates* the RRP, expecting refinement to raise (bias > 0) or lower values on
average. It exists to model miscalibrated beliefs (model.md §4); a true law normally has bias 0.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import check_choice, check_int, check_real, check_rng

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
    bias : float
        Mean shift of the refiner's own offsets (0: the RRP holds; otherwise it is violated by ``bias``).
    """

    sigma_own: float = 1.0
    sigma_other: float = 0.0
    rho: float = 0.0
    q: float | Beta = 0.5
    rrp: RRPForm = "pointwise"
    gap_law: GapLaw = "normal"
    bias: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma_own", check_real("sigma_own", self.sigma_own, low=0.0))
        object.__setattr__(self, "sigma_other", check_real("sigma_other", self.sigma_other, low=0.0))
        object.__setattr__(self, "rho", check_real("rho", self.rho, low=-1.0, high=1.0))
        if not isinstance(self.q, Beta):
            object.__setattr__(self, "q", check_real("q", self.q, low=0.0, high=1.0, low_open=True, high_open=True))
        check_choice("rrp", self.rrp, RRP_FORMS)
        check_choice("gap_law", self.gap_law, GAP_LAWS)
        object.__setattr__(self, "bias", check_real("bias", self.bias))

    @property
    def is_knife_edge(self) -> bool:
        """E = -D exactly and no bias: rho = -1 and equal scales (keeps a zero-sum game zero-sum in every draw; a bias
        moves only the refiner's own payoffs, so it does not)."""
        return self.rho == -1.0 and self.sigma_own == self.sigma_other and self.bias == 0.0

    @property
    def satisfies_rrp(self) -> bool:
        """Whether the law is unbiased (the RRP holds, pointwise or in expectation as ``rrp`` says)."""
        return self.bias == 0.0

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

    def _q(self, rng: np.random.Generator, batch: tuple[int, ...]) -> FloatArray:
        if isinstance(self.q, Beta):
            q = rng.beta(self.q.a, self.q.b, size=batch if batch else None)
            return np.asarray(np.clip(q, 1e-12, 1.0 - 1e-12), dtype=np.float64)
        return np.full(batch, self.q) if batch else np.asarray(self.q)

    def _offsets(self, q: FloatArray, z: FloatArray, sigma: float) -> tuple[FloatArray, FloatArray]:
        """Variant offsets from standardised draws: pointwise ``((1-q) D, -q D)`` with ``D = sigma z``; in
        expectation ``sigma / sqrt(2) * (z[0], z[1])``."""
        if self.rrp == "pointwise":
            gap = sigma * z
            return (1.0 - q) * gap, -q * gap
        scale = sigma / np.sqrt(2.0)
        return scale * z[0], scale * z[1]

    def _draw_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return shape if self.rrp == "pointwise" else (2,) + shape

    def sample(self, *, rng: np.random.Generator, n_opposing: int = 1, size: int | None = None,
               n: int | None = None) -> RefinementOutcome:
        """Draw one outcome (``size=None``) or a batch of ``size`` outcomes for a row or column against
        ``n_opposing`` opposing actions (1 for a decision problem).

        ``n`` is the former, deprecated name of ``n_opposing`` (elsewhere in vvl ``n`` counts draws).

        Notes
        -----
        Draw order (fixed, so seeds reproduce): q, then the standardised gaps. Batches are drawn at once.
        """
        if n is not None:
            warnings.warn("PerturbationModel.sample(n=...) is deprecated; the number of opposing actions is now "
                          "n_opposing= (size= counts draws)", DeprecationWarning, stacklevel=2)
            n_opposing = n
        check_rng(rng)
        n_opposing = check_int("n_opposing", n_opposing, 1)
        batch: tuple[int, ...] = () if size is None else (check_int("size", size, 0),)
        q = self._q(rng, batch)
        z, w = self._pair(rng, self._draw_shape(batch + (n_opposing,)))
        qc = q[..., None]
        own1, own2 = self._offsets(qc, z, self.sigma_own)
        other1, other2 = self._offsets(qc, w, self.sigma_other)
        if self.bias:
            own1, own2 = own1 + self.bias, own2 + self.bias
        return RefinementOutcome(q, own1, own2, other1, other2)

    def own_atoms(self, n_opposing: int, max_atoms: int = 4096) -> RefinementOutcome | None:
        """Every equally likely value of the refiner's own offsets against ``n_opposing`` opposing actions, where
        the law has finitely many: Rademacher gaps with a fixed q (each sign pattern of the standardised gaps, 2^n
        of them, 4^n in the expectation form). None for a continuous law or more than ``max_atoms`` patterns.
        ``other1, other2`` are 0 (the other player's offsets are not enumerated)."""
        n_opposing = check_int("n_opposing", n_opposing, 1)
        if self.gap_law != "rademacher" or isinstance(self.q, Beta):
            return None
        shape = self._draw_shape((n_opposing,))
        if 2 ** int(np.prod(shape)) > max_atoms:
            return None
        signs = np.array(list(itertools.product((-1.0, 1.0), repeat=int(np.prod(shape)))))
        z = np.moveaxis(signs.reshape((len(signs),) + shape), 0, -2) if len(shape) == 2 else signs
        q = np.full(len(signs), float(self.q))
        own1, own2 = self._offsets(q[:, None], z, self.sigma_own)
        if self.bias:
            own1, own2 = own1 + self.bias, own2 + self.bias
        return RefinementOutcome(q, own1, own2, np.zeros_like(own1), np.zeros_like(own2))

    def sample_own(self, *, rng: np.random.Generator, size: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``size`` draws of ``(q, own1, own2)`` for a single option (decision problems): the fast path of Monte
        Carlo, drawing nothing for the other player."""
        check_rng(rng)
        size = check_int("size", size, 0)
        q = self._q(rng, (size,))
        own1, own2 = self._offsets(q, self._standard(rng, self._draw_shape((size,))), self.sigma_own)
        if self.bias:
            own1, own2 = own1 + self.bias, own2 + self.bias
        return q, own1, own2


def no_refinement_noise() -> PerturbationModel:
    """A degenerate law: refinement splits an action into two identical copies."""
    return PerturbationModel(sigma_own=0.0, sigma_other=0.0)


def parse_perturbation(value: Any, name: str = "perturbation") -> PerturbationModel:
    """A PerturbationModel from itself or from a mapping of its fields (``q`` may be a mapping ``{"a", "b"}``: a
    Beta law), as configuration files and environment arguments give it. Errors name ``name`` and the field, e.g.
    ``perturbation.sigma_own: must be a finite number in [0.0, inf], got -1``."""
    if isinstance(value, PerturbationModel):
        return value
    allowed = tuple(f.name for f in fields(PerturbationModel))
    if not isinstance(value, Mapping):
        raise ValueError(f"{name}: must be a PerturbationModel or a mapping of its fields {allowed}; got {value!r}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValueError(f"{name}: unknown fields {unknown}; allowed: {', '.join(allowed)}")
    kwargs = dict(value)
    if isinstance(kwargs.get("q"), Mapping) and set(kwargs["q"]) != {"a", "b"}:
        raise ValueError(f"{name}.q: a Beta law takes exactly the keys ['a', 'b'], got {sorted(kwargs['q'])}")
    try:
        if isinstance(kwargs.get("q"), Mapping):
            kwargs["q"] = Beta(**kwargs["q"])
        return PerturbationModel(**kwargs)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}.{exc}") from None
