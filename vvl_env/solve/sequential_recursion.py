"""Backward induction for :mod:`vvl_env.solve.sequential` (model.md §1): the batched recursion and its node schedule.

States are arrays of shape (S, N_t); one call evaluates every state, option and outcome node of a level at once, so
Python loops run only over levels and chunks. ``Recursion.wbar`` is ``Wbar(v, b) = E_c[W(v, b, c)]`` (a point mass for a
fixed cost); ``Recursion.cont`` is ``H(v, b, k) = E[Wbar(refine(v, k), b - 1)]``, so ``Q = H - c``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vvl_env.model.perturbation import Beta, PerturbationModel
from vvl_env.solve.sequential_nodes import (FloatArray, OutcomeNodes, gain_of_gap, gains_closed_form, node_count,
                                           one_step_gains, outcome_nodes)

_GAUSS_JACOBI = 64  # q points of the last-level Beta quadrature (error < 1e-9, tested against value_of_refinement)
_CHUNK = 1 << 18  # children built per vectorised call
_HARD_LIMIT = 50  # refuse problems needing more than this many times max_work at the smallest node counts


class Recursion:
    """Backward induction over batches of states for one node schedule (levels b = budget .. 1)."""

    def __init__(self, model: PerturbationModel, levels: dict[int, OutcomeNodes], gain_nodes: OutcomeNodes | None,
                 n_gj: int, costs: FloatArray, probs: FloatArray, policy: str) -> None:
        self.model, self.levels, self.gain_nodes, self.n_gj = model, levels, gain_nodes, n_gj
        self.c, self.p, self.policy = costs, probs, policy

    def gains(self, v: FloatArray) -> FloatArray:
        return one_step_gains(v, self.model, self.gain_nodes, self.n_gj)

    def wbar(self, v: FloatArray, b: int) -> FloatArray:
        """``Wbar(v, b) = E_c[W(v, b, c)]`` for each row of v."""
        stop = v.max(axis=1)
        if b == 0:
            return stop
        if b == 1:
            return self._wbar1(v)
        if self.policy == "optimal":
            best = self.cont(v, b).max(axis=1)
            return np.maximum(stop[:, None], best[:, None] - self.c[None, :]) @ self.p
        g = self.gains(v)
        k = g.argmax(axis=1)
        gstar = g[np.arange(v.shape[0]), k]
        go = gstar > self.c.min()
        best = np.full(v.shape[0], -np.inf)
        if go.any():
            best[go] = self.cont(v[go], b, k[go])
        refine = gstar[:, None] > self.c[None, :]
        return np.where(refine, best[:, None] - self.c[None, :], stop[:, None]) @ self.p

    def cont(self, v: FloatArray, b: int, ks: npt.NDArray[np.intp] | None = None) -> FloatArray:
        """``H(v, b, k) = E[Wbar(refine(v, k), b - 1)]``: shape (S, M), or (S,) for one option ``ks`` per state."""
        s, m = v.shape
        if b == 1:
            h = v.max(axis=1)[:, None] + self.gains(v)
            return h if ks is None else h[np.arange(s), ks]
        nodes = self.levels[b]
        per_state = nodes.size * (m if ks is None else 1)
        step = max(1, _CHUNK // per_state)
        out = np.empty((s, m) if ks is None else (s,))
        fn = self._children_last if b == 2 and top_move_best(self.model) else self._children_value
        for lo in range(0, s, step):
            hi = min(s, lo + step)
            out[lo:hi] = fn(v[lo:hi], b, nodes, None if ks is None else ks[lo:hi])
        return out

    def _wbar1(self, v: FloatArray) -> FloatArray:
        """``Wbar(v, 1) = max(v) + E_c[max(0, max_k G_k(v) - c)]``; where :func:`top_move_best` holds only the top
        option's gain matters (see ``_children_last``)."""
        if not top_move_best(self.model):
            return v.max(axis=1) + self._net(self.gains(v).max(axis=1))
        part = -np.partition(-v, 1, axis=1) if v.shape[1] > 1 else np.column_stack([v[:, 0], np.full(len(v), -np.inf)])
        return part[:, 0] + self._net(gain_of_gap(part[:, 0] - part[:, 1], self.model, self.gain_nodes, self.n_gj))

    def _net(self, g: FloatArray) -> FloatArray:
        """``E_c[max(0, g - c)]``: the last step's net gain (optimal and myopic alike: refine iff g > c)."""
        if self.c.size == 1:
            return np.maximum(g - self.c[0], 0.0)
        return np.maximum(g[..., None] - self.c, 0.0) @ self.p

    def _children_last(self, v: FloatArray, b: int, nodes: OutcomeNodes, ks: npt.NDArray[np.intp] | None
                       ) -> FloatArray:
        """``H(v, 2, k)`` without building the children: ``Wbar(child, 1) = top + E_c[max(0, G(top - second) - c)]``
        needs only the child's two best values, because refining the best option is a best one-step move (its gain
        ``E[max(B, -d)]`` is at least every rival's ``E[max(B - d', 0)]``, d' >= d, when the best variant offset B has
        ``P(B > x) >= P(B <= -x)``; :func:`top_move_best`)."""
        s, m = v.shape
        pad = np.concatenate([v, np.full((s, 2), -np.inf)], axis=1)
        order = np.argsort(-pad, axis=1, kind="stable")[:, :3]
        top3 = np.take_along_axis(pad, order, axis=1)
        kk = np.arange(m)[None, :] if ks is None else ks[:, None]
        u = v if ks is None else v[np.arange(s), ks][:, None]
        is0, is1 = order[:, [0]] == kk, order[:, [1]] == kk
        t1 = np.where(is0, top3[:, [1]], top3[:, [0]])[..., None]  # best and second best of the others
        t2 = np.where(is0 | is1, top3[:, [2]], top3[:, [1]])[..., None]
        x = u[..., None] + np.maximum(nodes.own1, nodes.own2)
        y = u[..., None] + np.minimum(nodes.own1, nodes.own2)
        top = np.maximum(t1, x)
        second = np.where(x >= t1, np.maximum(t1, y), np.maximum(t2, x))
        w = top + self._net(gain_of_gap(top - second, self.model, self.gain_nodes, self.n_gj))
        out = w @ nodes.weights
        return out if ks is None else out[:, 0]

    def _children_value(self, v: FloatArray, b: int, nodes: OutcomeNodes, ks: npt.NDArray[np.intp] | None
                        ) -> FloatArray:
        s, m = v.shape
        j = nodes.size
        if ks is None:  # children[s, k, j] = v with option k replaced by (v_k + own1_j, v_k + own2_j)
            ch = np.empty((s, m, j, m + 1))
            ch[..., :m] = v[:, None, None, :]
            idx = np.arange(m)
            ch[:, idx, :, idx] = v.T[:, :, None] + nodes.own1
            ch[..., m] = v[:, :, None] + nodes.own2
        else:
            rows = np.arange(s)
            ch = np.empty((s, j, m + 1))
            ch[..., :m] = v[:, None, :]
            uk = v[rows, ks][:, None]
            ch[rows, :, ks] = uk + nodes.own1
            ch[..., m] = uk + nodes.own2
        w = self.wbar(ch.reshape(-1, m + 1), b - 1).reshape(ch.shape[:-1])
        return w @ nodes.weights


def top_move_best(model: PerturbationModel) -> bool:
    """Whether refining the top option is a best one-step move in every state: true when the best variant offset B
    has ``P(B > x) >= P(B <= -x)`` for all x >= 0. Unbiased laws have it (B >= 0 pointwise; in the expectation form
    B is the larger of two draws of a symmetric law); a bias b > 0 only moves B up. A bias b < 0 breaks it (with
    values (0, -0.3) and b = -1 refining the lower option is better), so the recursion then compares every option.
    """
    return model.bias >= 0.0


def nodes_exact(model: PerturbationModel) -> bool:
    """The outcome nodes reproduce mu exactly (Rademacher gap with fixed q, or in the expectation form)."""
    return model.gap_law == "rademacher" and (model.rrp == "expectation" or not isinstance(model.q, Beta))


def last_exact(model: PerturbationModel) -> bool:
    """The last-step gain is exact up to rounding (Gauss-Jacobi over a Beta q is not)."""
    return gains_closed_form(model) and not (model.gap_law == "normal" and model.rrp == "pointwise"
                                             and isinstance(model.q, Beta))


def schedule(model: PerturbationModel, n_options: int, budget: int, nodes: int, q_nodes: int, max_work: float
             ) -> dict[int, list[int]]:
    """Node counts ``[n, n_q]`` per level b (b = 1 only when its gain needs nodes). While the estimated work (leaf
    states times the cost of one last-step gain) exceeds ``max_work``, the level with the most nodes (the deeper on
    ties) loses two gap cells (n stays even, so halving nests) or, for a Beta q with n <= 8 n_q, one q cell."""
    closed = gains_closed_form(model)
    params = {b: [nodes + nodes % 2, q_nodes] for b in range(budget, 1 if closed else 0, -1)}
    beta = isinstance(model.q, Beta) and model.rrp == "pointwise"

    def work() -> float:
        total = float(n_options) if budget == 1 else 1.0
        for b in range(budget, 1, -1):
            total *= (n_options + budget - b) * node_count(model, *params[b])
        return total * (node_count(model, *params[1]) if 1 in params else _GAUSS_JACOBI if beta else 1)

    while work() > max_work and not nodes_exact(model):
        cand = [b for b in params if params[b][0] > 2 or (beta and params[b][1] > 1)]
        if not cand:
            break
        b = max(cand, key=lambda lv: (node_count(model, *params[lv]), -lv))
        n, nq = params[b]
        if beta and nq > 1 and (n <= 8 * nq or n <= 2):
            params[b][1] = nq - 1
        else:
            params[b][0] = n - 2
    if work() > _HARD_LIMIT * max_work:
        raise ValueError(f"budget: {budget} with {n_options} options needs about {work():.3g} leaf evaluations "
                         f"even at the smallest node counts (limit {_HARD_LIMIT * max_work:.3g}); use a smaller budget")
    return params


def build(model: PerturbationModel, params: dict[int, list[int]], costs: FloatArray, probs: FloatArray, policy: str,
          half: bool) -> Recursion:
    """The recursion for a schedule (``half``: every node count halved, for the error estimate)."""
    div = 2 if half else 1
    levels = {b: outcome_nodes(model, max(1, n // div), max(1, nq // div)) for b, (n, nq) in params.items()}
    gain_nodes = levels.get(1, outcome_nodes(model, 2, 1))  # exact for the Rademacher gap; unused for closed forms
    return Recursion(model, levels, gain_nodes, _GAUSS_JACOBI // div, costs, probs, policy)


def root(rec: Recursion, v: FloatArray, budget: int, current: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Q-values (S, N) and the policy's actions (S,) (-1 = stop) at states v with known current costs."""
    s = v.shape[0]
    stop = v.max(axis=1)
    if budget == 0:
        return np.full(v.shape, -np.inf), np.full(s, -1)
    q = rec.cont(v, budget) - current[:, None]
    if rec.policy == "optimal":
        k = q.argmax(axis=1)
        go = q[np.arange(s), k] > stop + 1e-12 * (1.0 + np.abs(stop))
    else:
        g = rec.gains(v)
        k = g.argmax(axis=1)
        go = g[np.arange(s), k] > current
    return q, np.where(go, k, -1)
