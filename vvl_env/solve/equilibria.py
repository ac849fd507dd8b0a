"""Nash equilibria of two-player general-sum games: all extreme equilibria, or one by Lemke-Howson (model.md §2).

Public API: :func:`equilibria` (one game) and, re-exported from :mod:`vvl_env.solve.equilibria_batch`,
:func:`batch_equilibria`, :func:`select_payoffs`, :func:`equilibrium_payoffs` (batches of games of one shape), with
the named :class:`SelectionRule` (:mod:`vvl_env.solve.selection`).

Exactness: vertex enumeration returns *all* extreme equilibria (the completely labelled vertex pairs of the
best-response polytopes; von Stengel 2002, §3), exactly up to floating point; Lemke-Howson returns one extreme
equilibrium. Every returned profile is verified: its relative regret (each player's regret divided by its payoff range
``max R - min R``) is at most ``tol``. Payoffs of any magnitude (1e-6 .. 1e10) work: each player's payoffs are
normalised before solving and the payoffs reported come from the original matrices.

Practical size: ``method="auto"`` enumerates while the polytope has at most ``ENUMERATION_LIMIT`` bases
(``C(m + n, m)``: up to 10 x 10, about a second there, microseconds per game for batched 4 x 4) and runs Lemke-Howson
from label 0 beyond (milliseconds for 15 x 15 random games).

Degenerate input (ties, duplicated rows, constant payoffs): ``degenerate=True``; the extreme equilibria are
deduplicated and ``components`` lists the maximal Nash subsets (Avis et al. 2010): each is a pair of index tuples into
``extreme_xs`` and ``extreme_ys`` whose every combination is an equilibrium, so their convex hulls are equilibria too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import readonly
from vvl_env.solve.components import canonical, maximal_bicliques
from vvl_env.solve.equilibria_batch import (BatchEquilibria, batch_equilibria, check_tol, equilibrium_payoffs,
                                            select_payoffs, select_profiles)
from vvl_env.solve.lemke_howson import MAX_PIVOTS, EquilibriumNotFoundError, lemke_howson
from vvl_env.solve.selection import SelectionRule
from vvl_env.solve.verify import GameLike, payoff_arrays, regrets
from vvl_env.solve.vertex_enumeration import extreme_equilibria, n_bases, to_positive

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Component = tuple[tuple[int, ...], tuple[int, ...]]

ENUMERATION_LIMIT = 200_000
"""``method="auto"`` enumerates vertices while ``C(m + n, m)`` is at most this (10 x 10: 184 756)."""

__all__ = ["BatchEquilibria", "ENUMERATION_LIMIT", "EquilibriumNotFoundError", "EquilibriumSet", "SelectionRule",
           "batch_equilibria", "equilibria", "equilibrium_payoffs", "select_payoffs", "select_profiles"]


@dataclass(frozen=True, slots=True)
class EquilibriumSet:
    """Equilibria of one game with their provenance.

    Attributes
    ----------
    xs, ys : ndarray, shape (K, m), (K, n)
        The equilibrium profiles (x_k, y_k), each verified.
    payoffs : ndarray, shape (K, 2)
        ``(x R1 y, x R2 y)`` of each, in the game's own units.
    method : str
        ``"vertex_enumeration"`` or ``"lemke_howson(label=k)"`` (the label whose path gave the equilibrium).
    selection : str
        The rule the profiles answer: ``"all"`` (every extreme equilibrium) or ``"lemke_howson:k"``; or, after
        :meth:`select`, ``"max_welfare"`` / ``"min_welfare"``.
    tol : float
        Verification tolerance on the relative regret.
    degenerate : bool
        Whether the game was found degenerate (Lemke-Howson: only along its path).
    components : tuple of (tuple of int, tuple of int)
        Maximal Nash subsets as indices into ``extreme_xs`` and ``extreme_ys`` (empty for Lemke-Howson).
    extreme_xs, extreme_ys : ndarray
        The distinct extreme strategies of each player.
    x_index, y_index : ndarray of int, shape (K,)
        Position of ``xs[k]`` in ``extreme_xs`` and of ``ys[k]`` in ``extreme_ys``.
    max_regret : float
        Largest relative regret over the profiles.
    """

    xs: FloatArray
    ys: FloatArray
    payoffs: FloatArray
    method: str
    selection: str
    tol: float
    degenerate: bool
    components: tuple[Component, ...]
    extreme_xs: FloatArray
    extreme_ys: FloatArray
    x_index: IntArray
    y_index: IntArray
    max_regret: float

    def __len__(self) -> int:
        return len(self.xs)

    def __str__(self) -> str:
        def fmt(v: FloatArray) -> str:
            return "(" + ", ".join(f"{a:.4g}" for a in v) + ")"

        k = len(self)
        lines = [f"{k} equilibri{'um' if k == 1 else 'a'} ({self.method}; selection {self.selection}; max scaled "
                 f"regret {self.max_regret:.1e}{'; DEGENERATE game' if self.degenerate else ''})"]
        lines += [f"  {i}: x = {fmt(x)}  y = {fmt(y)}  payoffs = {fmt(p)}"
                  for i, (x, y, p) in enumerate(zip(self.xs, self.ys, self.payoffs))]
        if self.degenerate:
            lines += [f"  maximal Nash subset: extreme x {list(a)} x extreme y {list(b)}" for a, b in self.components]
        return "\n".join(lines)

    @property
    def profiles(self) -> tuple[tuple[FloatArray, FloatArray], ...]:
        """The equilibria as ``((x, y), ...)``."""
        return tuple(zip(self.xs, self.ys))

    @property
    def welfare(self) -> FloatArray:
        """``W = x R1 y + x R2 y`` of each equilibrium."""
        return self.payoffs.sum(axis=1)

    def mean_payoffs(self) -> FloatArray:
        """Payoffs averaged over the listed equilibria (the ``"all"`` statistic when ``selection == "all"``)."""
        return self.payoffs.mean(axis=0)

    def select(self, rule: str | SelectionRule) -> EquilibriumSet:
        """The set reduced by ``rule``: ``"all"`` keeps all, ``"max_welfare"`` / ``"min_welfare"`` keep one.

        Lemke-Howson rules need the game: use ``equilibria(game, method="lemke_howson:k")``.
        """
        r = SelectionRule.parse(rule)
        if r.kind == "all":
            return self
        if r.kind == "lemke_howson":
            raise ValueError(f"rule: {r} needs the game; call equilibria(game, method={str(r)!r})")
        if self.selection != "all":
            raise ValueError(f"rule: {r} selects among all equilibria, but this set holds {self.selection!r}")
        k = int(np.argmax(self.welfare) if r.kind == "max_welfare" else np.argmin(self.welfare))
        return _record(self.xs[[k]], self.ys[[k]], self.payoffs[[k]], self.method, str(r), self.tol,
                       self.degenerate, self.components, self.extreme_xs, self.extreme_ys, self.x_index[[k]],
                       self.y_index[[k]], float(self.max_regret))


def _record(xs: FloatArray, ys: FloatArray, payoffs: FloatArray, method: str, selection: str, tol: float,
            degenerate: bool, components: tuple[Component, ...], ex: FloatArray, ey: FloatArray, ix: IntArray,
            iy: IntArray, max_regret: float) -> EquilibriumSet:
    return EquilibriumSet(readonly(xs), readonly(ys), readonly(payoffs), method, selection, tol, bool(degenerate),
                          components, readonly(ex), readonly(ey), readonly(ix), readonly(iy), max_regret)


def _parse_method(method: str, m: int, n: int) -> tuple[str, int]:
    allowed = "'auto', 'vertex_enumeration', 'lemke_howson' or 'lemke_howson:k'"
    if not isinstance(method, str):
        raise ValueError(f"method: must be {allowed}; got {method!r}")
    if method == "auto":
        return ("vertex_enumeration", 0) if n_bases(m, n) <= ENUMERATION_LIMIT else ("lemke_howson", 0)
    if method in ("vertex_enumeration", "lemke_howson"):
        return method, 0
    kind, _, label = method.partition(":")
    if kind != "lemke_howson" or not label.isdigit():
        raise ValueError(f"method: must be {allowed}; got {method!r}")
    if int(label) >= m + n:
        raise ValueError(f"method: label {label} does not exist in a {m}x{n} game (labels 0..{m + n - 1})")
    return kind, int(label)


def equilibria(game: GameLike, *, method: str = "auto", tol: float = 1e-9,
               max_pivots: int = MAX_PIVOTS) -> EquilibriumSet:
    """Extreme Nash equilibria of a two-player game (all of them, or one by Lemke-Howson).

    Parameters
    ----------
    game : Game or (R1, R2)
        The game, or its payoff matrices of shape (m, n).
    method : str
        ``"auto"`` (enumeration up to ``ENUMERATION_LIMIT`` bases, else Lemke-Howson from label 0),
        ``"vertex_enumeration"``, ``"lemke_howson"`` (label 0) or ``"lemke_howson:k"``.
    tol : float
        Largest relative regret a returned profile may have (``> 0``).
    max_pivots : int
        Lemke-Howson watchdog: pivots per path before falling back to the next label.

    Returns
    -------
    EquilibriumSet

    Raises
    ------
    ValueError
        On a malformed game, method or tol.
    EquilibriumNotFoundError
        If Lemke-Howson finds no verified equilibrium from any label within ``max_pivots``.

    Notes
    -----
    (x, y) is a Nash equilibrium iff ``x R1 y >= e_i R1 y`` and ``x R2 y >= x R2 e_j`` for all pure i, j
    (model.md §2). With ``A, B`` the payoffs scaled to [1, 2], the equilibria correspond to the completely labelled
    pairs of the polytopes ``P = {x >= 0 : B^T x <= 1}``, ``Q = {y >= 0 : A y <= 1}`` (von Stengel 2002, §3;
    Nisan et al. 2007, Alg. 3.5); the extreme equilibria are those where both are vertices.

    Examples
    --------
    >>> from vvl_env.model import prisoners_dilemma
    >>> eq = equilibria(prisoners_dilemma())
    >>> eq.xs.tolist(), eq.ys.tolist(), eq.selection
    ([[0.0, 1.0]], [[0.0, 1.0]], 'all')
    """
    R1, R2 = payoff_arrays(game)
    tol = check_tol(tol)
    m, n = R1.shape
    kind, label = _parse_method(method, m, n)
    if kind == "lemke_howson":
        path = lemke_howson(R1, R2, label, max_pivots=max_pivots, tol=tol)
        x, y = path.x[None], path.y[None]
        pay = np.stack([x @ R1 @ y.T, x @ R2 @ y.T], axis=-1)[0]
        return _record(x, y, pay, f"lemke_howson(label={path.label})", f"lemke_howson:{label}", tol,
                       path.degenerate, (), x, y, np.zeros(1, np.int64), np.zeros(1, np.int64),
                       float(regrets(R1, R2, path.x, path.y).max()))
    _, x, y, degenerate = extreme_equilibria(to_positive(R1[None]), to_positive(R2[None]))
    reg = regrets(R1, R2, x, y).max(axis=-1)
    if np.any(reg > tol):
        warnings.warn(f"equilibria: dropped {int(np.sum(reg > tol))} vertex pair(s) failing verification at "
                      f"tol={tol:g} (max relative regret {reg.max():.3g})", RuntimeWarning, stacklevel=2)
        x, y, reg = x[reg <= tol], y[reg <= tol], reg[reg <= tol]
    x, y, ix, iy, ex, ey = canonical(x, y)
    pay = np.stack([np.einsum("km,mn,kn->k", x, R1, y), np.einsum("km,mn,kn->k", x, R2, y)], axis=-1)
    components = maximal_bicliques(list(zip(ix.tolist(), iy.tolist())))
    return _record(x, y, pay, "vertex_enumeration", "all", tol, bool(degenerate[0]), components, ex, ey, ix, iy,
                   float(reg.max(initial=0.0)))
