"""Value of refinement for a single decision maker (model.md §1).

Refining option A (value u) with best other option m gives ``V1 = E_mu[max(u1, u2, m)] >= V0 = max(u, m)``; the
gain is ``V1 - V0``.

Exactness:
* pointwise RRP, normal gap, fixed q: closed form (below);
* pointwise RRP, normal gap, Beta q: the closed form integrated over q by adaptive quadrature (error < 1e-10);
* expectation RRP, normal gap: one-dimensional quadrature of the law of ``max(e1, e2)`` (error < 1e-10);
* Rademacher gap, fixed q: exact (the outcome takes two or four values);
* anything else (uniform gap, Rademacher with Beta q): Monte Carlo, batched and seeded, with a CLT interval.
``method="monte_carlo"`` forces Monte Carlo in every case (tests compare the two).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from vvl_env.model._validate import check_index, check_real
from vvl_env.model.decision import DecisionProblem
from vvl_env.model.perturbation import Beta, PerturbationModel
from vvl_env.solve.results import Estimate, normal_quantile

Method = Literal["auto", "exact", "monte_carlo"]
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class RefinementValue:
    """``V0`` before, the expected gain ``V1 - V0`` and the (expected) cost of refining once."""

    v0: float
    gain: Estimate
    cost: float = 0.0

    @property
    def net(self) -> float:
        """Expected gain net of the expected cost."""
        return self.gain.mean - self.cost

    @property
    def worth_refining(self) -> bool:
        """The myopic rule of model.md §1: refine once iff ``V1 - V0 > c``."""
        return self.net > 0.0


def _half_normal_excess(a: float, b: float, sigma: float) -> float:
    """``E[max(a + b S, 0)] - max(a, 0)`` for ``S = sigma |Z|``, Z standard normal, b >= 0.

    Notes
    -----
    For ``a >= 0`` it is ``b sigma sqrt(2/pi)``; for ``a < 0`` with ``t = -a / (b sigma)`` it is
    ``2 b sigma (phi(t) - t (1 - Phi(t)))`` (0 beyond t = 40, where it is below 1e-300).
    """
    from scipy import special  # scipy.stats.norm's own pdf and sf formulas, without importing scipy.stats

    if a >= 0.0:
        return b * sigma * np.sqrt(2.0 / np.pi)
    if b * sigma == 0.0 or -a > 40.0 * b * sigma:
        return 0.0
    t = -a / (b * sigma)
    x = np.asarray(t, dtype=np.float64)
    return 2.0 * b * sigma * (np.exp(-x**2 / 2.0) / np.sqrt(2 * np.pi) - t * special.ndtr(-x))


def _pointwise_normal_gain(a: float, sigma: float, q: float) -> float:
    """Gain for ``a = u - m``: ``E[max(u + (1-q) D, u - q D, m)] - max(u, m)``, D ~ N(0, sigma^2). Half the mass
    is on D > 0 (best variant ``u + (1-q)|D|``), half on D < 0 (best variant ``u + q|D|``)."""
    return 0.5 * (_half_normal_excess(a, 1.0 - q, sigma) + _half_normal_excess(a, q, sigma))


def _expectation_normal_gain(a: float, sigma: float) -> float:
    """Gain ``E[max(u + M, m)] - max(u, m)`` with ``M = max(e1, e2)``, e_i i.i.d. N(0, sigma^2/2), ``a = u - m``.

    Notes
    -----
    With ``s = sigma / sqrt 2``, ``c = -a`` and ``P(M <= x) = Phi(x/s)^2``: for ``c > 0`` the gain is
    ``int_c^inf (1 - Phi(x/s)^2) dx``; otherwise ``E[M] + int_{-inf}^c Phi(x/s)^2 dx`` with ``E[M] = s / sqrt(pi)``.
    """
    from scipy import integrate, stats

    s = sigma / np.sqrt(2.0)
    if s == 0.0:
        return 0.0
    c = -a
    if c > 0.0:
        if c > 40.0 * s:
            return 0.0
        tail, _ = integrate.quad(lambda x: stats.norm.sf(x / s) * (1.0 + stats.norm.cdf(x / s)), c, np.inf,
                                 epsabs=1e-14, epsrel=1e-12)
        return tail
    if c < -40.0 * s:
        return s / np.sqrt(np.pi)
    with np.errstate(over="ignore"):  # x / s overflows to -inf for subnormal s: Phi(-inf) = 0 is right
        tail, _ = integrate.quad(lambda x: stats.norm.cdf(x / s) ** 2, -np.inf, c, epsabs=1e-14, epsrel=1e-12)
    return s / np.sqrt(np.pi) + tail


def _rademacher_gain(u: float, m: float, model: PerturbationModel, q: float) -> float:
    """Exact: the standardised gap is ±1 (pointwise: D = ±sigma; expectation: e_i = ±sigma/sqrt 2)."""
    s, v0 = model.sigma_own, max(u, m)
    if model.rrp == "pointwise":
        return 0.5 * (max(u + (1 - q) * s, u - q * s, m) - v0 + max(u - (1 - q) * s, u + q * s, m) - v0)
    e = s / np.sqrt(2.0)
    return 0.25 * sum(max(u + a * e, u + b * e, m) - v0 for a in (-1, 1) for b in (-1, 1))


def _exact_gain(u: float, m: float, model: PerturbationModel) -> tuple[float, str] | None:
    """Exact gain, or None. A biased law (RRP violated by b) moves both variants by b: the gain is that of the
    unbiased law for an option of value ``u + b``, plus ``max(u + b, m) - max(u, m)``."""
    if model.bias:
        shifted = _exact_gain(u + model.bias, m, replace(model, bias=0.0))
        if shifted is None:
            return None
        return shifted[0] + max(u + model.bias, m) - max(u, m), shifted[1]
    if model.gap_law == "normal" and model.rrp == "pointwise":
        if isinstance(model.q, Beta):
            from scipy import integrate, stats

            dist = stats.beta(model.q.a, model.q.b)
            val, _ = integrate.quad(lambda q: _pointwise_normal_gain(u - m, model.sigma_own, q) * dist.pdf(q), 0, 1,
                                    epsabs=1e-13, epsrel=1e-12, limit=200)
            return val, "closed form integrated over Beta q (quadrature)"
        return _pointwise_normal_gain(u - m, model.sigma_own, model.q), "closed form"
    if model.gap_law == "normal":
        return _expectation_normal_gain(u - m, model.sigma_own), "quadrature"
    if model.gap_law == "rademacher" and not isinstance(model.q, Beta):
        return _rademacher_gain(u, m, model, model.q), "exact (two-point law)"
    return None


def _monte_carlo_gain(u: float, m: float, model: PerturbationModel, n: int, rng: np.random.Generator,
                    level: float) -> Estimate:
    """Batched Monte Carlo of ``max(u1, u2, m) - max(u, m)`` in chunks of 2^20 draws (running sums)."""
    total = total_sq = 0.0
    done = 0
    v0 = max(u, m)
    while done < n:
        k = min(_CHUNK, n - done)
        _, own1, own2 = model.sample_own(rng=rng, size=k)
        g = np.maximum(np.maximum(own1, own2) + u, m) - v0
        total += float(g.sum())
        total_sq += float(np.dot(g, g))
        done += k
    mean = total / n
    var = max(total_sq / n - mean * mean, 0.0) * n / max(n - 1, 1)
    se = float(np.sqrt(var / n))
    z = normal_quantile(level)
    return Estimate(mean, se, (mean - z * se, mean + z * se), n, "monte carlo", level)


def value_of_refinement(problem: DecisionProblem, option: int, model: PerturbationModel, *, cost: float = 0.0,
                        method: Method = "auto", n: int = 1_000_000, rng: np.random.Generator | None = None,
                        level: float = 0.95) -> RefinementValue:
    """Expected gain ``V1 - V0`` from refining ``option`` once under ``model``.

    Parameters
    ----------
    problem, option : the decision problem and the option to refine.
    model : the perturbation law mu (the RRP form, gap law and q law are read from it).
    cost : expected cost of refining (for ``net`` and ``worth_refining``).
    method : "auto" (exact where available, else Monte Carlo), "exact" (ValueError when none exists) or
        "monte_carlo".
    n, rng, level : Monte Carlo sample size, Generator (required for Monte Carlo) and interval level.
    """
    option = check_index("option", option, problem.n_options)
    cost = check_real("cost", cost, low=0.0)
    if method not in ("auto", "exact", "monte_carlo"):
        raise ValueError(f"method: must be one of 'auto', 'exact', 'monte_carlo'; got {method!r}")
    u, m = float(problem.values[option]), problem.best_other(option)
    v0 = max(u, m)
    exact = None if method == "monte_carlo" else _exact_gain(u, m, model)
    if exact is not None:
        return RefinementValue(v0, Estimate.exact(exact[0], exact[1]), cost)
    if method == "exact":
        raise ValueError(f"method: no exact form for gap_law={model.gap_law!r}, rrp={model.rrp!r}, q={model.q!r}; "
                         "use 'auto' or 'monte_carlo'")
    if rng is None:
        raise ValueError("rng: a numpy Generator is required for Monte Carlo (e.g. np.random.default_rng(0))")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n: must be an integer >= 2, got {n!r}")
    return RefinementValue(v0, _monte_carlo_gain(u, m, model, int(n), rng, level), cost)
