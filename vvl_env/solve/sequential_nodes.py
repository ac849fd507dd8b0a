"""Discretised refinement outcomes and batched one-step gains for the sequential solver (model.md §1).

Two ingredients of :mod:`vvl_env.solve.sequential`:

* :func:`outcome_nodes`: the law mu of one refinement's own offsets ``(own1, own2)`` as weighted nodes. Continuous
  laws (normal, uniform gap; Beta q) are cut into equal-probability cells, each represented by its *conditional mean*
  (not the quantile midpoint). The value functions of the recursion are convex in the offsets (and, for a fixed gap,
  in q), so by Jensen within each cell the discretised expectation is a lower bound, and refining the cells (n -> 2n,
  nested) can only raise it. The Rademacher gap is represented exactly (two points; four for the expectation form).
  Symmetries shrink the node set: pointwise with q = 1/2 the outcomes D and -D give the same pair of variants, and in
  the expectation form (e1, e2) and (e2, e1) do.
* :func:`one_step_gains`: ``V1 - V0`` for every option of a batch of states at once. Closed forms, vectorised, for the
  normal gap (pointwise, fixed q: the half-normal excess of ``value_of_refinement``; Beta q: the same integrated over q
  by Gauss-Jacobi quadrature; expectation form: the closed form below); the Rademacher gap with fixed q (or the
  expectation form) is exact through its nodes; other laws (uniform gap, Rademacher with Beta q) use nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from vvl_env.model.perturbation import Beta, PerturbationModel

FloatArray = npt.NDArray[np.float64]
_SQRT_PI = float(np.sqrt(np.pi))
_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))


@dataclass(frozen=True, slots=True)
class OutcomeNodes:
    """Weighted outcomes of one refinement: variant offsets ``own1, own2`` (shape (J,)), ``weights`` summing to 1.

    ``exact`` is True when the nodes reproduce mu exactly (Rademacher gap with fixed q, or the expectation form).
    """

    own1: FloatArray
    own2: FloatArray
    weights: FloatArray
    exact: bool

    @property
    def size(self) -> int:
        return int(self.weights.size)


def _npdf(x: FloatArray) -> FloatArray:
    return np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)


def standard_gap_cells(gap_law: str, n: int) -> tuple[FloatArray, FloatArray]:
    """Nodes and weights for the standardised gap Z: conditional means of n equal-probability cells (normal,
    uniform) or the exact points ±1 (rademacher, n ignored)."""
    from scipy import special

    if gap_law == "rademacher":
        return np.array([-1.0, 1.0]), np.array([0.5, 0.5])
    if gap_law == "uniform":
        edges = np.linspace(-np.sqrt(3.0), np.sqrt(3.0), n + 1)
        return 0.5 * (edges[:-1] + edges[1:]), np.full(n, 1.0 / n)
    edges = special.ndtri(np.linspace(0.0, 1.0, n + 1))  # -inf ... inf
    dens = np.where(np.isfinite(edges), _npdf(np.where(np.isfinite(edges), edges, 0.0)), 0.0)
    return n * (dens[:-1] - dens[1:]), np.full(n, 1.0 / n)


def beta_cells(q: Beta, n: int) -> tuple[FloatArray, FloatArray]:
    """Conditional means of q ~ Beta(a, b) in n equal-probability cells, using ``E[q; q < x] = mean I_{a+1,b}(x)``."""
    from scipy import special

    edges = special.betaincinv(q.a, q.b, np.linspace(0.0, 1.0, n + 1))
    edges[0], edges[-1] = 0.0, 1.0
    mass = special.betainc(q.a + 1.0, q.b, edges)
    means = n * q.mean * np.diff(mass)
    return np.clip(means, 1e-12, 1.0 - 1e-12), np.full(n, 1.0 / n)


def outcome_nodes(model: PerturbationModel, n: int, n_q: int) -> OutcomeNodes:
    """Discretise one refinement's own offsets: n gap cells (per dimension in the expectation form), n_q q cells.
    A biased law (``model.bias``, RRP violated) moves both variants of every node by the bias."""
    nodes = _unbiased_nodes(model, n, n_q)
    if not model.bias:
        return nodes
    return OutcomeNodes(nodes.own1 + model.bias, nodes.own2 + model.bias, nodes.weights, nodes.exact)


def _unbiased_nodes(model: PerturbationModel, n: int, n_q: int) -> OutcomeNodes:
    z, wz = standard_gap_cells(model.gap_law, n)
    sigma = model.sigma_own
    if model.rrp == "expectation":  # (e1, e2) i.i.d. sigma / sqrt 2 * Z; keep unordered pairs i <= j
        i, j = np.triu_indices(z.size)
        e = sigma / np.sqrt(2.0) * z
        w = wz[i] * wz[j] * np.where(i == j, 1.0, 2.0)
        return OutcomeNodes(e[i], e[j], w / w.sum(), model.gap_law == "rademacher")
    if isinstance(model.q, Beta):
        qs, wq = beta_cells(model.q, n_q)
        gap, q = np.meshgrid(sigma * z, qs, indexing="ij")
        w = np.outer(wz, wq).ravel()
        gap, q = gap.ravel(), q.ravel()
        return OutcomeNodes((1.0 - q) * gap, -q * gap, w / w.sum(), False)
    q = float(model.q)
    if q == 0.5:  # D and -D give the same variants: keep the upper half of the (symmetric) cells, doubled
        half = z.size // 2
        zk = np.concatenate([np.zeros(z.size % 2), z[z.size - half:]])
        w = np.concatenate([wz[half:half + z.size % 2], 2.0 * wz[z.size - half:]])
        return OutcomeNodes(0.5 * sigma * zk, -0.5 * sigma * zk, w / w.sum(), model.gap_law == "rademacher")
    gap = sigma * z
    return OutcomeNodes((1.0 - q) * gap, -q * gap, wz / wz.sum(), model.gap_law == "rademacher")


def node_count(model: PerturbationModel, n: int, n_q: int) -> int:
    """Size of ``outcome_nodes(model, n, n_q)`` without building it."""
    k = 2 if model.gap_law == "rademacher" else n
    if model.rrp == "expectation":
        return k * (k + 1) // 2
    if isinstance(model.q, Beta):
        return k * n_q
    return (k // 2 + k % 2) if float(model.q) == 0.5 else k


def gains_closed_form(model: PerturbationModel) -> bool:
    """Whether :func:`one_step_gains` is exact (closed form, or exact nodes) rather than node-based."""
    return model.gap_law == "normal" or (model.gap_law == "rademacher"
                                         and (model.rrp == "expectation" or not isinstance(model.q, Beta)))


def half_normal_excess(a: FloatArray, b: FloatArray | float, sigma: float) -> FloatArray:
    """Vectorised ``E[max(a + b S, 0)] - max(a, 0)``, ``S = sigma |Z|``: ``b sigma sqrt(2/pi)`` for a >= 0, else
    ``2 b sigma (phi(t) - t (1 - Phi(t)))`` with ``t = -a / (b sigma)`` (0 beyond t = 40 or when b sigma = 0)."""
    from scipy import special

    a = np.asarray(a, dtype=np.float64)
    bs = np.broadcast_to(np.asarray(b, dtype=np.float64) * sigma, a.shape)
    live = (a < 0.0) & (bs > 0.0) & (-a <= 40.0 * bs)
    t = np.where(live, -a / np.where(bs > 0.0, bs, 1.0), 0.0)
    tail = 2.0 * bs * (_npdf(t) - t * special.ndtr(-t))
    return np.where(a >= 0.0, bs * _SQRT_2_OVER_PI, np.where(live, tail, 0.0))


def expectation_normal_gain(a: FloatArray, sigma: float) -> FloatArray:
    """Vectorised ``E[max(u + M, m)] - max(u, m)``, ``M = max(e1, e2)``, e_i i.i.d. N(0, sigma^2 / 2), ``a = u - m``.

    Notes
    -----
    With ``s = sigma / sqrt 2`` and ``t = -a / s``: ``int Phi^2 = F(t) = t Phi(t)^2 + 2 phi(t) Phi(t) -
    Phi(sqrt 2 t) / sqrt(pi)``, so the gain is ``s (1/sqrt(pi) + F(t))`` for t <= 0 and, for t > 0,
    ``s (int_t^inf (1 - Phi^2)) = s (2 phi (1 - S) - 2 t S + t S^2 + S_2 / sqrt(pi))`` with ``S = 1 - Phi(t)``,
    ``S_2 = 1 - Phi(sqrt 2 t)`` (written in tail terms to avoid cancellation; 0 beyond t = 40).
    """
    from scipy import special

    a = np.asarray(a, dtype=np.float64)
    s = sigma / np.sqrt(2.0)
    if s == 0.0:
        return np.zeros_like(a)
    t = np.clip(-a / s, -40.0, 40.0)
    big_phi, sf, sf2, dens = special.ndtr(t), special.ndtr(-t), special.ndtr(-np.sqrt(2.0) * t), _npdf(t)
    low = 1.0 / _SQRT_PI + t * big_phi**2 + 2.0 * dens * big_phi - special.ndtr(np.sqrt(2.0) * t) / _SQRT_PI
    high = 2.0 * dens * (1.0 - sf) - 2.0 * t * sf + t * sf * sf + sf2 / _SQRT_PI
    return s * np.where(-a / s >= 40.0, 0.0, np.where(t <= 0.0, low, np.maximum(high, 0.0)))


def _best_others(values: FloatArray) -> FloatArray:
    """``m[s, k] = max_{j != k} values[s, j]`` (``-inf`` for a single option)."""
    s_idx = np.arange(values.shape[0])
    top = values.argmax(axis=1)
    first = values[s_idx, top]
    if values.shape[1] == 1:
        return np.full_like(values, -np.inf)
    rest = values.copy()
    rest[s_idx, top] = -np.inf
    m = np.broadcast_to(first[:, None], values.shape).copy()
    m[s_idx, top] = rest.max(axis=1)
    return m


def gain_of_gap(a: FloatArray, model: PerturbationModel, nodes: OutcomeNodes | None = None,
                n_q: int = 32) -> FloatArray:
    """One-step gain ``E[max(a + B, 0)] - max(a, 0)`` of an option ``a = u - m`` above its best rival (any shape;
    a = +inf for a lone option), B the best variant offset. Closed forms where :func:`gains_closed_form` holds
    (Beta q: ``n_q``-point Gauss-Jacobi quadrature over q); otherwise the weighted ``nodes`` (required then)."""
    from scipy import special

    a = np.asarray(a, dtype=np.float64)
    if model.bias and gains_closed_form(model):
        # both variants move by b: the unbiased gain at a + b, plus max(a + b, 0) - max(a, 0) (b itself at a = +inf)
        b = model.bias
        with np.errstate(invalid="ignore"):
            shift = np.where(np.isinf(a), np.where(a > 0, b, 0.0), np.maximum(a + b, 0.0) - np.maximum(a, 0.0))
        plain = None if nodes is None else OutcomeNodes(nodes.own1 - b, nodes.own2 - b, nodes.weights, nodes.exact)
        return gain_of_gap(a + b, replace(model, bias=0.0), plain, n_q) + shift
    sigma = model.sigma_own
    if model.gap_law == "normal" and model.rrp == "expectation":
        return expectation_normal_gain(a, sigma)
    if model.gap_law == "normal" and not isinstance(model.q, Beta):
        q = float(model.q)
        if q == 0.5:
            return half_normal_excess(a, 0.5, sigma)
        return 0.5 * (half_normal_excess(a, 1.0 - q, sigma) + half_normal_excess(a, q, sigma))
    if model.gap_law == "normal":
        x, w = special.roots_jacobi(n_q, model.q.b - 1.0, model.q.a - 1.0)
        qs, w = 0.5 * (1.0 + x), w / w.sum()
        total = np.zeros_like(a)
        for qi, wi in zip(qs, w):
            total += wi * 0.5 * (half_normal_excess(a, 1.0 - qi, sigma) + half_normal_excess(a, qi, sigma))
        return total
    if nodes is None:
        raise ValueError(f"nodes: required for the one-step gain under gap_law={model.gap_law!r}, q={model.q!r}")
    up = (a >= 0.0)[..., None]
    best = np.maximum(nodes.own1, nodes.own2)
    out = np.zeros_like(a)
    step = max(1, (1 << 20) // max(a.size, 1))
    for lo in range(0, best.size, step):  # max(a + B, 0) - max(a, 0), written to be safe at a = +-inf
        bj, wj, ae = best[lo:lo + step], nodes.weights[lo:lo + step], a[..., None]
        out += np.where(up, np.maximum(bj, -ae), np.maximum(ae + bj, 0.0)) @ wj
    return out


def one_step_gains(values: FloatArray, model: PerturbationModel, nodes: OutcomeNodes | None = None,
                   n_q: int = 32) -> FloatArray:
    """``V1 - V0`` for refining each option of each state once: shape (S, M) for ``values`` of shape (S, M)."""
    return gain_of_gap(values - _best_others(values), model, nodes, n_q)
