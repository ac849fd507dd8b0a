"""The record of one game's equilibria: profiles, payoffs, provenance, completeness and certification (model.md §2).

Built by :func:`vvl_env.solve.equilibria.equilibria`; :meth:`EquilibriumSet.describe` says in words whether the set is
all extreme equilibria ("complete") or some, and how they were found and certified.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import readonly
from vvl_env.solve.selection import SelectionRule, welfare_pick

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Component = tuple[tuple[int, ...], tuple[int, ...]]

EXACT = "exact (rational arithmetic on the payoffs as given)"


@dataclass(frozen=True, slots=True)
class EquilibriumSet:
    """Equilibria of one game with their provenance.

    Attributes
    ----------
    xs, ys : ndarray, shape (K, m), (K, n)
        The equilibrium profiles (x_k, y_k), each certified.
    payoffs : ndarray, shape (K, 2)
        ``(x R1 y, x R2 y)`` of each, in the game's own units.
    method : str
        ``"vertex_enumeration"``, ``"lemke_howson(label=k)"`` (the label whose path gave the equilibrium) or
        ``"lemke_howson_all"``.
    selection : str
        The rule the profiles answer: ``"all"`` (every extreme equilibrium), ``"lemke_howson:k"`` or
        ``"lemke_howson_all"``; or, after :meth:`select`, ``"max_welfare"`` / ``"min_welfare"``.
    tol : float
        Certification tolerance on the decisive regret (methods not certified exactly).
    degenerate : bool
        Whether the game is degenerate (vertex enumeration: decided exactly; Lemke-Howson: a tie met on its path).
    components : tuple of (tuple of int, tuple of int)
        Maximal Nash subsets as indices into ``extreme_xs`` and ``extreme_ys`` (empty unless complete).
    extreme_xs, extreme_ys : ndarray
        The distinct extreme strategies of each player.
    x_index, y_index : ndarray of int, shape (K,)
        Position of ``xs[k]`` in ``extreme_xs`` and of ``ys[k]`` in ``extreme_ys``.
    max_regret : float
        Largest decisive regret over the profiles (:func:`vvl_env.solve.verify.decisive_regrets`).
    complete : bool
        True when the profiles are *all* extreme equilibria of the game.
    certification : str
        How each profile was certified: :data:`EXACT`, or ``"decisive regret <= tol"``.
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
    complete: bool = True
    certification: str = EXACT

    def __len__(self) -> int:
        return len(self.xs)

    def describe(self) -> str:
        """One line: how many equilibria, whether that is all of them, and how they were found and certified."""
        k = len(self)
        noun = f"{k} equilibri{'um' if k == 1 else 'a'}"
        if self.complete and self.selection == "all":
            head = f"{noun}: all extreme equilibria (complete; {self.method})"
        elif self.complete:
            head = f"{noun} selected by {self.selection} from all extreme equilibria (complete; {self.method})"
        else:
            head = f"{noun}: some, not known to be all ({self.method})"
        return (f"{head}; certified {self.certification}; max decisive regret {self.max_regret:.1e}"
                f"{'; DEGENERATE game' if self.degenerate else ''}")

    def __str__(self) -> str:
        def fmt(v: FloatArray) -> str:
            return "(" + ", ".join(f"{a:.4g}" for a in v) + ")"

        lines = [self.describe()]
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
        k = int(welfare_pick(self.welfare, r.kind))
        return make_set(self.xs[[k]], self.ys[[k]], self.payoffs[[k]], self.method, str(r), self.tol,
                       self.degenerate, self.components, self.extreme_xs, self.extreme_ys, self.x_index[[k]],
                       self.y_index[[k]], float(self.max_regret), self.complete, self.certification)


def make_set(xs: FloatArray, ys: FloatArray, payoffs: FloatArray, method: str, selection: str, tol: float,
            degenerate: bool, components: tuple[Component, ...], ex: FloatArray, ey: FloatArray, ix: IntArray,
            iy: IntArray, max_regret: float, complete: bool, certification: str) -> EquilibriumSet:
    return EquilibriumSet(readonly(xs), readonly(ys), readonly(payoffs), method, selection, tol, bool(degenerate),
                          components, readonly(ex), readonly(ey), readonly(ix), readonly(iy), max_regret, complete,
                          certification)
