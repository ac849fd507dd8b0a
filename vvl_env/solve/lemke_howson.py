"""Lemke-Howson with lexicographic pivoting, a pivot watchdog and label fallback (model.md §2).

Algorithm (Lemke and Howson 1964; von Stengel, "Computing equilibria for two-person games", Handbook of Game Theory 3,
2002, §3.4-3.5; Nisan et al. 2007, Alg. 3.5-3.6). Each column of R1 and row of R2 is shifted and scaled to ``[1, 2]``
(``A, B``; :func:`vvl_env.solve.polytope_walk.row_normalised`, undone on the end point). Two
tableaus, ``B^T x + s = 1`` (polytope P) and ``r + A y = 1`` (polytope Q), start at the artificial equilibrium
``(0, 0)``; labels are ``i`` (x_i, r_i) for rows and ``m + j`` (s_j, y_j) for columns. Dropping label k, the variable
with label k enters; the leaving variable's label enters the other tableau next, until label k leaves. Ties in the
minimum-ratio test are broken lexicographically on the rows of the basis inverse (held in the slack columns), so the
path is unique and cannot cycle, also in degenerate games.

Exactness: floating-point pivoting; the end point is accepted only if it verifies as a ``tol``-equilibrium (regret
relative to the payoff differences that decide each best response, :func:`vvl_env.solve.verify.decisive_regrets`).
Practical size: each pivot is O(m n); random 15 x 15 games take tens of pivots (milliseconds). Worst-case
paths are exponentially long (Savani and von Stengel 2006): ``max_pivots`` bounds each path, and
:func:`lemke_howson` falls back to the next labels ``k + 1, k + 2, ... (mod m + n)`` before raising
:class:`EquilibriumNotFoundError`. It never hangs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.solve.polytope_walk import row_normalised
from vvl_env.solve.verify import decisive_regrets

FloatArray = npt.NDArray[np.float64]

MAX_PIVOTS = 10_000
"""Default watchdog: pivots allowed on one path."""
_EPS = 1e-12


class EquilibriumNotFoundError(RuntimeError):
    """No label reached a verified equilibrium within the pivot budget."""


@dataclass(frozen=True, slots=True)
class LemkeHowsonPath:
    """End point of the Lemke-Howson path dropping ``label``: the equilibrium (x, y), its pivot count, and whether
    a tie in the ratio test (degeneracy) was met along the way."""

    x: FloatArray
    y: FloatArray
    label: int
    pivots: int
    degenerate: bool


def _ratio_row(T: FloatArray, col: int, lex_cols: slice) -> tuple[int, bool]:
    """Lexicographic minimum-ratio row for entering column ``col`` (-1: none, precision lost on a bounded polytope);
    also whether the plain ratio test tied."""
    colv = T[:, col]
    rows = np.flatnonzero(colv > _EPS)
    if rows.size == 0:
        return -1, False
    if rows.size == 1:
        return int(rows[0]), False
    keys = np.column_stack([T[rows, -1], T[rows, lex_cols]]) / colv[rows, None]
    cand = np.arange(rows.size)
    tie = False
    for j in range(keys.shape[1]):
        v = keys[cand, j]
        cand = cand[v <= v.min() + 1e-11 * max(1.0, abs(v.min()))]
        if cand.size == 1:
            break
        tie = tie or j == 0
    return int(rows[cand[0]]), tie


class _State:
    """Both tableaux (``B^T x + s = 1`` with columns x, s; ``r + A y = 1`` with columns r, y; column index = label)
    and their bases, starting at the artificial equilibrium (0, 0)."""

    def __init__(self, R1: FloatArray, R2: FloatArray) -> None:
        m, n = R1.shape
        B, self.sx = row_normalised(R2)
        At, self.sy = row_normalised(R1.T)
        self.tabs = [np.hstack([B.T, np.eye(n), np.ones((n, 1))]), np.hstack([np.eye(m), At.T, np.ones((m, 1))])]
        self.basis = [list(range(m, m + n)), list(range(m))]
        self.lex = [slice(m, m + n), slice(0, m)]
        self.m, self.n = m, n

    def copy(self) -> _State:
        new = object.__new__(_State)
        new.__dict__.update(self.__dict__, tabs=[t.copy() for t in self.tabs], basis=[list(b) for b in self.basis])
        return new

    def key(self) -> tuple[frozenset[int], frozenset[int]]:
        return frozenset(self.basis[0]), frozenset(self.basis[1])

    def follow(self, label: int, max_pivots: int) -> tuple[int, bool] | None:
        """Pivot along the path dropping ``label`` until it is picked up again: (pivots, tie met) or None (watchdog).
        ``spent`` is set to the pivots made either way.

        The variable with that label is nonbasic in exactly one tableau at a completely labelled pair: it enters there.
        """
        side = 0 if label not in self.basis[0] else 1
        entering, degenerate = label, False
        for pivots in range(1, max_pivots + 1):
            T = self.tabs[side]
            row, tie = _ratio_row(T, entering, self.lex[side])
            if row < 0:  # cut off like the watchdog: the tableau lost precision
                self.spent = pivots - 1
                return None
            degenerate |= tie
            T[row] /= T[row, entering]
            others = np.arange(T.shape[0]) != row
            T[others] -= np.outer(T[others, entering], T[row])
            leaving, self.basis[side][row] = self.basis[side][row], entering
            if leaving == label:
                self.spent = pivots
                return pivots, degenerate
            entering, side = leaving, 1 - side
        self.spent = max_pivots
        return None

    def point(self) -> tuple[FloatArray, FloatArray]:
        """The current (x, y), mapped back to the game's units and normalised (zero vectors stay zero)."""
        m, n = self.m, self.n
        x, y = np.zeros(m), np.zeros(n)
        for r, b in enumerate(self.basis[0]):
            if b < m:
                x[b] = self.tabs[0][r, -1]
        for r, b in enumerate(self.basis[1]):
            if b >= m:
                y[b - m] = self.tabs[1][r, -1]
        x, y = np.clip(x, 0.0, None) / self.sx, np.clip(y, 0.0, None) / self.sy
        return x / max(x.sum(), 1e-300), y / max(y.sum(), 1e-300)


def lemke_howson_path(R1: FloatArray, R2: FloatArray, label: int,
                      max_pivots: int = MAX_PIVOTS) -> LemkeHowsonPath | None:
    """Follow one Lemke-Howson path from the artificial equilibrium, dropping ``label`` (0 <= label < m + n).

    Returns None if the watchdog stops it after ``max_pivots`` pivots. The end point is not verified here.
    """
    state = _State(R1, R2)
    out = state.follow(label, max_pivots)
    if out is None:
        return None
    return LemkeHowsonPath(*state.point(), label, *out)


@dataclass(frozen=True, slots=True)
class LemkeHowsonGraph:
    """What :func:`lemke_howson_graph` reached: the end points (``label``: the label whose path first reached each),
    the paths cut off by the per-path watchdog (``cut``), the pivots made in all (``pivots``), and whether the search
    stopped early (``exhausted``: the pivot budget or ``max_equilibria`` ran out before every path from every end
    found was followed)."""

    ends: list[LemkeHowsonPath]
    cut: int
    pivots: int
    exhausted: bool


def lemke_howson_graph(R1: FloatArray, R2: FloatArray, max_pivots: int = MAX_PIVOTS,
                       max_equilibria: int = 10_000, max_total_pivots: int | None = None) -> LemkeHowsonGraph:
    """Every equilibrium reachable by Lemke-Howson paths from the artificial equilibrium and, in turn, from every
    equilibrium found, for every label (the component of the Lemke-Howson graph holding (0, 0); Shapley 1974).

    ``max_pivots`` bounds each path (watchdog; such paths count as ``cut``), ``max_total_pivots`` (None: unbounded)
    the whole search: once spent, the search stops with what it found (``exhausted=True``), so the work is bounded
    however many equilibria the game has. A path dropping label k from end e that reached e' is not followed back
    from e' (the lexicographic paths are reversible: it would return to e). Not always all equilibria: other
    components of the graph are never reached. The end points are not verified here.
    """
    start = _State(R1, R2)
    seen, queue, found, cut, spent = {start.key()}, [start], [], 0, 0
    walked: set[tuple[tuple[frozenset[int], frozenset[int]], int]] = set()
    budget = max_total_pivots if max_total_pivots is not None else float("inf")
    exhausted = False
    while queue and not exhausted:
        state = queue.pop()
        here = state.key()
        for label in range(state.m + state.n):
            if (here, label) in walked:
                continue
            if len(found) >= max_equilibria or spent >= budget:
                exhausted = True
                break
            nxt = state.copy()
            limit = int(min(max_pivots, budget - spent))
            out = nxt.follow(label, limit)
            spent += nxt.spent
            if out is None:
                if limit < max_pivots and nxt.spent >= limit:  # the search budget ran out on this path
                    exhausted = True
                    break
                cut += 1
                continue
            there = nxt.key()
            walked.add((there, label))
            if there not in seen:
                seen.add(there)
                queue.append(nxt)
                found.append(LemkeHowsonPath(*nxt.point(), label, *out))
    return LemkeHowsonGraph(found, cut, spent, exhausted)


def lemke_howson(R1: FloatArray, R2: FloatArray, label: int = 0, *, max_pivots: int = MAX_PIVOTS,
                 tol: float = 1e-9, fallback: bool = True) -> LemkeHowsonPath:
    """A verified equilibrium by Lemke-Howson from ``label``, falling back to the next labels if that path fails.

    Parameters
    ----------
    R1, R2 : ndarray, shape (m, n)
        Payoffs of player 0 and player 1 (any magnitude).
    label : int
        Label dropped first: ``i < m`` is row i, ``m + j`` is column j.
    max_pivots : int
        Watchdog: pivots allowed per path.
    tol : float
        Largest regret accepted, relative to the deciding payoff differences
        (:func:`vvl_env.solve.verify.decisive_regrets`).
    fallback : bool
        Try labels ``label + 1, ... (mod m + n)`` when a path is cut off or does not verify.

    Returns
    -------
    LemkeHowsonPath
        ``.label`` is the label whose path produced the equilibrium.

    Raises
    ------
    EquilibriumNotFoundError
        If no tried label gives a verified equilibrium within ``max_pivots`` pivots.
    """
    m, n = R1.shape
    labels = [(label + i) % (m + n) for i in range(m + n if fallback else 1)]
    for k in labels:
        path = lemke_howson_path(R1, R2, k, max_pivots)
        if path is not None and decisive_regrets(R1, R2, path.x, path.y).max() <= tol:
            return path
    raise EquilibriumNotFoundError(
        f"Lemke-Howson found no verified equilibrium of the {m}x{n} game from labels {labels} within "
        f"max_pivots={max_pivots} pivots each; raise max_pivots or tol")
