"""All extreme equilibria of a batch of games of one shape, and payoffs under a named selection rule (model.md §2).

Exactness: floating point: vertex enumeration of the best-response polytopes (normalised per row of R2 and column of
R1), every profile verified to a regret of at most ``tol`` relative to the payoff differences that decide each best
response (:func:`vvl_env.solve.verify.decisive_regrets`), where :func:`vvl_env.solve.equilibria.equilibria` certifies
exactly; the two agree game by game, in the same canonical order (tests check it, also on games scaled by 1e-6 ..
1e12). Games the float enumeration cannot be trusted with are routed to the exact path
(:func:`vvl_env.solve.walk_equilibria.certified_equilibria`): degenerate ones, badly scaled ones
(:func:`vvl_env.solve.walk_equilibria.badly_scaled`), and any with a vertex pair failing verification or none left;
their profiles and degenerate flag are then exact. Practical size: shapes
with at most ``BATCH_LIMIT`` bases ``C(m + n, m)`` (up to 8 x 8); tens of microseconds per 4 x 4 game. The work is
vectorised over the batch; only degenerate games (deduplication) loop in Python (the Lemke-Howson rule walks all
paths in lockstep, :mod:`vvl_env.solve.lemke_howson_batch`).
Degenerate games are flagged in ``degenerate`` and their extreme equilibria deduplicated.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array, readonly
from vvl_env.solve.components import canonical_order, distinct_pairs
from vvl_env.solve.lemke_howson import MAX_PIVOTS
from vvl_env.solve.lemke_howson_batch import lemke_howson_batch
from vvl_env.solve.selection import SelectionRule, welfare_pick
from vvl_env.solve.verify import decisive_regrets
from vvl_env.solve.vertex_enumeration import extreme_equilibria, n_bases
from vvl_env.solve.walk_equilibria import badly_scaled, certified_equilibria

FloatArray = npt.NDArray[np.float64]
BATCH_LIMIT = 13_000
"""Largest number of bases ``C(m + n, m)`` per game accepted by :func:`batch_equilibria` (8 x 8: 12 870)."""


@dataclass(frozen=True, slots=True)
class BatchEquilibria:
    """Extreme equilibria of B games, padded to K per game.

    ``xs`` (B, K, m), ``ys`` (B, K, n): profiles, meaningful where ``valid`` (B, K); ``count`` (B,) equilibria per
    game (the valid ones come first); ``degenerate`` (B,); ``max_regret`` (B,) largest decisive regret per game;
    ``tol``; ``method``.
    """

    xs: FloatArray
    ys: FloatArray
    valid: npt.NDArray[np.bool_]
    count: npt.NDArray[np.int64]
    degenerate: npt.NDArray[np.bool_]
    max_regret: FloatArray
    tol: float
    method: str = "vertex_enumeration"

    def __len__(self) -> int:
        return len(self.count)


def check_tol(tol: float) -> float:
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not 0 < tol < 1:
        raise ValueError(f"tol: must be a real number in (0, 1), got {tol!r}")
    return float(tol)


def _batch_arrays(R1: npt.ArrayLike, R2: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    A = as_finite_array("R1", R1, ndim=3)
    B = as_finite_array("R2", R2, ndim=3)
    if A.shape != B.shape:
        raise ValueError(f"R2: must have the shape of R1 {A.shape}, got {B.shape}")
    return A, B


def batch_equilibria(R1: npt.ArrayLike, R2: npt.ArrayLike, *, tol: float = 1e-9) -> BatchEquilibria:
    """All extreme equilibria of each game ``(R1[b], R2[b])`` of a batch, vectorised.

    Parameters
    ----------
    R1, R2 : array_like, shape (B, m, n)
        Payoffs of player 0 and player 1 in each game (any magnitude).
    tol : float
        Largest decisive regret (:func:`vvl_env.solve.verify.decisive_regrets`) a returned profile may have.

    Returns
    -------
    BatchEquilibria

    Notes
    -----
    Vertex enumeration of the best-response polytopes of every game at once (von Stengel 2002, §3; see
    :mod:`vvl_env.solve.vertex_enumeration`): one list of bases per shape, one batched linear solve per basis size.
    """
    R1, R2 = _batch_arrays(R1, R2)
    tol = check_tol(tol)
    G, m, n = R1.shape
    if n_bases(m, n) > BATCH_LIMIT:
        raise ValueError(f"R1: batched enumeration takes shapes with C(m+n, m) <= {BATCH_LIMIT} (up to 8x8), got "
                         f"{m}x{n}; call equilibria() per game")
    g, x, y, degenerate = extreme_equilibria(R1, R2)
    reg = decisive_regrets(R1[g], R2[g], x, y).max(axis=-1)
    keep = reg <= tol
    route = degenerate | badly_scaled(R1, R2) | (np.bincount(g[keep], minlength=G) == 0)
    route[g[~keep]] = True
    keep &= ~route[g]
    starts = np.searchsorted(g, np.arange(G + 1))
    for b in np.flatnonzero(degenerate & ~route):  # duplicates only arise in degenerate games
        idx = np.arange(starts[b], starts[b + 1])[keep[starts[b]:starts[b + 1]]]
        if idx.size > 1:
            keep[np.setdiff1d(idx, idx[distinct_pairs(x[idx], y[idx])[0]])] = False
    g, x, y, reg, degenerate = g[keep], x[keep], y[keep], reg[keep], degenerate.copy()
    if route.any():
        g, x, y, reg = _exactly(R1, R2, np.flatnonzero(route), (g, x, y, reg), degenerate)
    order = canonical_order(x, y, g)
    g, x, y, reg = g[order], x[order], y[order], reg[order]
    count = np.bincount(g, minlength=G).astype(np.int64)
    K = max(int(count.max(initial=0)), 1)
    pos = np.arange(len(g)) - np.concatenate([[0], np.cumsum(count)[:-1]])[g]
    xs, ys, valid = np.zeros((G, K, m)), np.zeros((G, K, n)), np.zeros((G, K), dtype=bool)
    xs[g, pos], ys[g, pos], valid[g, pos] = x, y, True
    worst = np.zeros(G)
    np.maximum.at(worst, g, reg)
    return BatchEquilibria(readonly(xs), readonly(ys), readonly(valid), readonly(count), readonly(degenerate),
                           readonly(worst), tol)


def _exactly(R1: FloatArray, R2: FloatArray, games: npt.NDArray[np.int64], found: tuple[FloatArray, ...],
             degenerate: npt.NDArray[np.bool_]) -> tuple[FloatArray, ...]:
    """``found`` (game index, x, y, regret) with the extreme equilibria of ``games``, certified exactly by
    :func:`vvl_env.solve.walk_equilibria.certified_equilibria`, appended; sets ``degenerate`` for them."""
    parts = [found]
    for b in games.tolist():
        c = certified_equilibria(R1[b], R2[b])
        degenerate[b] = c.degenerate
        reg = decisive_regrets(R1[b], R2[b], c.xs, c.ys).max(axis=-1, initial=0.0)
        parts.append((np.full(len(c.xs), b), c.xs, c.ys, reg))
    return tuple(np.concatenate(p) for p in zip(*parts))


def _payoffs(batch: BatchEquilibria, R1: FloatArray, R2: FloatArray) -> FloatArray:
    """(B, K, 2) payoffs of every padded profile."""
    return np.stack([np.einsum("bkm,bmn,bkn->bk", batch.xs, R1, batch.ys),
                     np.einsum("bkm,bmn,bkn->bk", batch.xs, R2, batch.ys)], axis=-1)


def _welfare_index(batch: BatchEquilibria, pay: FloatArray, kind: str) -> npt.NDArray[np.int64]:
    return welfare_pick(pay.sum(axis=-1), kind, batch.valid)


def select_profiles(batch: BatchEquilibria, R1: npt.ArrayLike, R2: npt.ArrayLike, rule: str | SelectionRule, *,
                    max_pivots: int = MAX_PIVOTS) -> tuple[FloatArray, FloatArray]:
    """One equilibrium ``(x (B, m), y (B, n))`` per game under ``rule`` (not ``"all"``, which names no profile)."""
    r = SelectionRule.parse(rule)
    R1, R2 = _batch_arrays(R1, R2)
    G, m, n = R1.shape
    r.check_label(m, n)
    if r.kind == "all":
        raise ValueError("rule: 'all' averages over equilibria and selects no single profile; use select_payoffs")
    if r.kind == "lemke_howson":
        return lemke_howson_batch(R1, R2, r.label, max_pivots=max_pivots, tol=batch.tol)
    k = _welfare_index(batch, _payoffs(batch, R1, R2), r.kind)
    return batch.xs[np.arange(G), k], batch.ys[np.arange(G), k]


def select_payoffs(batch: BatchEquilibria, R1: npt.ArrayLike, R2: npt.ArrayLike, rule: str | SelectionRule, *,
                   max_pivots: int = MAX_PIVOTS) -> FloatArray:
    """Expected payoffs (B, 2) of both players under a named selection rule.

    ``"all"``: mean over the valid equilibria of each game; ``"max_welfare"`` / ``"min_welfare"``: the payoffs of the
    equilibrium maximising / minimising ``x R1 y + x R2 y``; ``"lemke_howson:k"``: of the Lemke-Howson equilibrium
    from label k (see :mod:`vvl_env.solve.selection`). A game with no equilibrium left after verification gives NaN.
    """
    r = SelectionRule.parse(rule)
    R1, R2 = _batch_arrays(R1, R2)
    if r.kind == "lemke_howson":
        x, y = select_profiles(batch, R1, R2, r, max_pivots=max_pivots)
        return np.stack([np.einsum("bm,bmn,bn->b", x, R1, y), np.einsum("bm,bmn,bn->b", x, R2, y)], axis=-1)
    pay = _payoffs(batch, R1, R2)
    G = len(pay)
    if r.kind == "all":
        with np.errstate(invalid="ignore", divide="ignore"):
            return (pay * batch.valid[..., None]).sum(axis=1) / batch.count[:, None]
    out = pay[np.arange(G), _welfare_index(batch, pay, r.kind)]
    out[batch.count == 0] = np.nan
    return out


def equilibrium_payoffs(R1: npt.ArrayLike, R2: npt.ArrayLike, rule: str | SelectionRule = "all", *,
                        tol: float = 1e-9) -> FloatArray:
    """Expected payoffs (B, 2) of a batch of games under ``rule``: ``select_payoffs(batch_equilibria(...), ...)``.

    The Lemke-Howson rule skips the enumeration (any shape; one path per game).
    """
    r = SelectionRule.parse(rule)
    A, B = _batch_arrays(R1, R2)
    if r.kind == "lemke_howson":
        dummy = BatchEquilibria(np.zeros((len(A), 0, A.shape[1])), np.zeros((len(A), 0, A.shape[2])),
                                np.zeros((len(A), 0), bool), np.zeros(len(A), np.int64), np.zeros(len(A), bool),
                                np.zeros(len(A)), check_tol(tol), "lemke_howson")
        return select_payoffs(dummy, A, B, r)
    return select_payoffs(batch_equilibria(A, B, tol=tol), A, B, r)
