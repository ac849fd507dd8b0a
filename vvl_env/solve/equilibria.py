"""Nash equilibria of two-player general-sum games: all extreme equilibria, certified, or some by Lemke-Howson
(model.md §2).

Public API: :func:`equilibria` (one game) and, re-exported from :mod:`vvl_env.solve.equilibria_batch`,
:func:`batch_equilibria`, :func:`select_payoffs`, :func:`equilibrium_payoffs` (batches of games of one shape), with
the named :class:`SelectionRule` (:mod:`vvl_env.solve.selection`).

Methods and what they promise (``EquilibriumSet.complete``, ``.certification``, :meth:`EquilibriumSet.describe`):

- ``"vertex_enumeration"``: *all* extreme equilibria (the completely labelled vertex pairs of the best-response
  polytopes; von Stengel 2002, §3), found by walking the feasible bases of both polytopes only
  (:mod:`vvl_env.solve.walk_equilibria`) and each certified in exact rational arithmetic on the payoffs as given; the
  degenerate flag is decided exactly. Random 12 x 12 games in well under a second, 15 x 15 in seconds; ``max_bases``
  (default ``MAX_BASES``) refuses with a clear message before the walk outgrows memory. Where the float walk cannot be
  trusted (badly scaled payoffs, a singular basis, a candidate failing certification, none found) games up to 8 x 8
  are enumerated exactly (``method`` says so); larger ones come back labelled incomplete, or by Lemke-Howson with a
  warning.
- ``"lemke_howson"`` / ``"lemke_howson:k"``: one equilibrium, the end of the path dropping label k;
  ``"lemke_howson_all"``: every equilibrium reachable by Lemke-Howson paths from (0, 0) and from each equilibrium
  found, for every label (some equilibria, not necessarily all), within ``max_total_pivots`` pivots in all (default
  ``LH_ALL_PIVOTS``, seconds even at 40 x 40; ``method`` says when the budget stopped the search).
  Certified by regret relative to the payoff differences that decide each best response
  (:func:`vvl_env.solve.verify.decisive_regrets`) at most ``tol``.
- ``"auto"``: vertex enumeration, bounded by ``AUTO_MAX_BASES`` feasible bases per polytope (a few seconds whatever
  the size: random games up to about 16 x 16 come back complete); beyond that, or past the walk's size limit
  (m + n > 62), ``"lemke_howson_all"`` within its pivot budget, with a ``RuntimeWarning`` naming the reason (also in
  ``method``). The work is bounded either way: random 20 x 20 and 40 x 40 games take seconds.

Degenerate input (ties, duplicated rows, constant payoffs): ``degenerate=True``; the extreme equilibria are distinct
and ``components`` lists the maximal Nash subsets (Avis et al. 2010): each is a pair of index tuples into
``extreme_xs`` and ``extreme_ys`` whose every combination is an equilibrium, so their convex hulls are equilibria too.
Equilibria are listed in a canonical order: by x, then y, in decreasing lexicographic order.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from vvl_env.solve.components import DEDUP_ATOL, canonical, canonical_order, maximal_bicliques
from vvl_env.solve.equilibrium_set import EXACT, EquilibriumSet, make_set
from vvl_env.solve.equilibria_batch import (BatchEquilibria, batch_equilibria, check_tol, equilibrium_payoffs,
                                            select_payoffs, select_profiles)
from vvl_env.solve.exact import certify_profile
from vvl_env.solve.lemke_howson import MAX_PIVOTS, EquilibriumNotFoundError, lemke_howson, lemke_howson_graph
from vvl_env.solve.polytope_walk import MAX_BASES, EnumerationLimitError, IllConditionedError
from vvl_env.solve.selection import SelectionRule
from vvl_env.solve.verify import GameLike, decisive_regrets, payoff_arrays
from vvl_env.solve.walk_equilibria import badly_scaled, certified_equilibria

FloatArray = npt.NDArray[np.float64]

EXACT_LH_PIVOTS = 10
"""On badly scaled games, Lemke-Howson paths are cut after this many pivots per label (m + n of them)."""
EXACT_LH_ENDS = 200
"""On badly scaled games, the Lemke-Howson graph stops after this many ends."""
AUTO_MAX_BASES = 100_000
"""``method="auto"``: feasible bases one polytope walk may visit before ``auto`` gives up on the complete enumeration
and turns to Lemke-Howson (a few seconds of walking at any size; random 15 x 15 games have about 42,000, 16 x 16
about 45,000-90,000, 20 x 20 over a million)."""
LH_ALL_PIVOTS = 100_000
"""``"lemke_howson_all"``: pivots in all (every path together) before the search stops with what it found (about
0.1 ms a pivot at 20 x 20 to 40 x 40: seconds; random 20 x 20 games need about 14,000)."""
METHODS = ("auto", "vertex_enumeration", "lemke_howson", "lemke_howson:k", "lemke_howson_all")

__all__ = ["BatchEquilibria", "EnumerationLimitError", "EquilibriumNotFoundError", "EquilibriumSet", "METHODS",
           "SelectionRule", "batch_equilibria", "equilibria", "equilibrium_payoffs", "select_payoffs",
           "select_profiles"]


def _parse_method(method: str, m: int, n: int) -> tuple[str, int]:
    allowed = "'auto', 'vertex_enumeration', 'lemke_howson', 'lemke_howson:k' or 'lemke_howson_all'"
    if not isinstance(method, str):
        raise ValueError(f"method: must be {allowed}; got {method!r}")
    if method in ("auto", "vertex_enumeration", "lemke_howson", "lemke_howson_all"):
        return method, 0
    kind, _, label = method.partition(":")
    if kind != "lemke_howson" or not label.isdigit():
        raise ValueError(f"method: must be {allowed}; got {method!r}")
    if int(label) >= m + n:
        raise ValueError(f"method: label {label} does not exist in a {m}x{n} game (labels 0..{m + n - 1})")
    return kind, int(label)


def _assemble(R1: FloatArray, R2: FloatArray, x: FloatArray, y: FloatArray, method: str, selection: str, tol: float,
              degenerate: bool, complete: bool, certification: str) -> EquilibriumSet:
    """Deduplicated, canonically ordered set with payoffs, components (when complete) and decisive regrets."""
    x, y, ix, iy, ex, ey = canonical(x, y, 0.0 if certification == EXACT else DEDUP_ATOL)
    order = canonical_order(x, y)
    x, y, ix, iy = x[order], y[order], ix[order], iy[order]
    pay = np.stack([((x @ R1) * y).sum(axis=1), ((x @ R2) * y).sum(axis=1)], axis=-1)
    components = maximal_bicliques(list(zip(ix.tolist(), iy.tolist()))) if complete else ()
    reg = decisive_regrets(R1, R2, x, y).max(axis=-1)
    return make_set(x, y, pay.reshape(len(x), 2), method, selection, tol, degenerate, components, ex, ey, ix, iy,
                   float(reg.max(initial=0.0)), complete, certification)


def _lemke_howson_all(R1: FloatArray, R2: FloatArray, tol: float, max_pivots: int, max_total_pivots: int,
                      exact: bool = False, why: str = "") -> EquilibriumSet:
    """Every end reachable by Lemke-Howson paths within ``max_total_pivots`` pivots in all; ``exact``: keep only ends
    certified in rational arithmetic (:func:`vvl_env.solve.exact.certify_profile`; for badly scaled games, where a
    relative regret can hide a loss). ``why``: the reason ``auto`` came here, appended to ``method``."""
    m, n = R1.shape
    if exact:  # precision lost: paths may cycle, so a short budget (the result is labelled partial anyway)
        max_pivots = min(max_pivots, EXACT_LH_PIVOTS * (m + n))
    graph = lemke_howson_graph(R1, R2, max_pivots, max_equilibria=EXACT_LH_ENDS if exact else 10_000,
                               max_total_pivots=max_total_pivots)
    ends, cut = graph.ends, graph.cut
    if exact:
        ok = [e for e in (certify_profile(R1, R2, p.x, p.y) for p in ends) if e is not None]
    else:
        ok = [(p.x, p.y) for p in ends if decisive_regrets(R1, R2, p.x, p.y).max() <= tol]
    if not ok:
        raise EquilibriumNotFoundError(f"Lemke-Howson found no {'exactly ' if exact else ''}verified equilibrium of "
                                       f"the {m}x{n} game from any label within max_pivots={max_pivots} pivots each"
                                       f"{f' and {max_total_pivots} in all' if graph.exhausted else ''}"
                                       f"{'' if exact else '; raise max_pivots, max_total_pivots or tol'}")
    stop = ""
    if graph.exhausted:
        stop = (f"; search stopped at its budget (max_total_pivots={max_total_pivots}), more may be reachable"
                if graph.pivots >= max_total_pivots else "; search stopped at its limit of ends, more may be reachable")
    how = (f"lemke_howson_all: reachable by Lemke-Howson paths from (0, 0) and from each equilibrium found, every "
           f"label ({len(ends)} ends, {len(ends) - len(ok)} failing certification, {cut} paths cut off, "
           f"{graph.pivots} pivots{stop}){f'; chosen by auto: {why}' if why else ''}")
    return _assemble(R1, R2, np.array([x for x, _ in ok]), np.array([y for _, y in ok]), how, "lemke_howson_all",
                     tol, any(p.degenerate for p in ends), False, EXACT if exact else f"decisive regret <= {tol:g}")


def equilibria(game: GameLike, *, method: str = "auto", tol: float = 1e-9, max_pivots: int = MAX_PIVOTS,
               max_bases: int | None = None, max_total_pivots: int = LH_ALL_PIVOTS) -> EquilibriumSet:
    """Extreme Nash equilibria of a two-player game: all of them, certified exactly, or some by Lemke-Howson.

    Parameters
    ----------
    game : Game or (R1, R2)
        The game, or its payoff matrices of shape (m, n).
    method : str
        ``"auto"`` (all, by vertex enumeration; beyond ``max_bases`` those reachable by Lemke-Howson paths within
        ``max_total_pivots``, with a warning), ``"vertex_enumeration"`` (all; raises beyond ``max_bases``),
        ``"lemke_howson"`` (label 0), ``"lemke_howson:k"`` or ``"lemke_howson_all"``. See the module docstring.
    tol : float
        Largest decisive regret a Lemke-Howson profile may have (``0 < tol < 1``); enumeration certifies exactly.
    max_pivots : int
        Lemke-Howson watchdog: pivots per path before falling back to the next label.
    max_bases : int or None
        Guard of the enumeration: feasible bases one polytope walk may visit. None: ``AUTO_MAX_BASES`` (100,000, a few
        seconds) for ``"auto"``, ``MAX_BASES`` (3,000,000: minutes and about 1 GB at 15 x 15 to 20 x 20) for
        ``"vertex_enumeration"``.
    max_total_pivots : int
        Budget of ``"lemke_howson_all"`` (also as ``auto``'s fallback): pivots over all its paths together; once
        spent it returns what it found (``complete=False`` always, ``method`` says the budget stopped it).

    Returns
    -------
    EquilibriumSet
        ``complete`` says whether it holds all extreme equilibria; :meth:`EquilibriumSet.describe` says so in words.

    Raises
    ------
    ValueError
        On a malformed game, method or tol.
    EnumerationLimitError
        ``method="vertex_enumeration"`` on a game whose polytopes have more than ``max_bases`` feasible bases.
    EquilibriumNotFoundError
        If Lemke-Howson finds no verified equilibrium from any label within ``max_pivots``.

    Notes
    -----
    (x, y) is a Nash equilibrium iff ``x R1 y >= e_i R1 y`` and ``x R2 y >= x R2 e_j`` for all pure i, j
    (model.md §2). The extreme equilibria are the completely labelled vertex pairs of the polytopes
    ``P = {x >= 0 : B^T x <= 1}``, ``Q = {y >= 0 : A y <= 1}`` (von Stengel 2002, §3; Nisan et al. 2007, Alg. 3.5).

    Examples
    --------
    >>> from vvl_env.model import prisoners_dilemma
    >>> eq = equilibria(prisoners_dilemma())
    >>> eq.xs.tolist(), eq.ys.tolist(), eq.selection, eq.complete
    ([[0.0, 1.0]], [[0.0, 1.0]], 'all', True)
    """
    R1, R2 = payoff_arrays(game)
    tol = check_tol(tol)
    for name, value in (("max_bases", max_bases), ("max_total_pivots", max_total_pivots)):
        if value is None and name == "max_bases":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: must be a positive integer, got {value!r}")
    m, n = R1.shape
    kind, label = _parse_method(method, m, n)
    if max_bases is None:
        max_bases = AUTO_MAX_BASES if kind == "auto" else MAX_BASES
    if kind == "lemke_howson":
        path = lemke_howson(R1, R2, label, max_pivots=max_pivots, tol=tol)
        return _assemble(R1, R2, path.x[None], path.y[None], f"lemke_howson(label={path.label})",
                         f"lemke_howson:{label}", tol, path.degenerate, False, f"decisive regret <= {tol:g}")
    if kind == "lemke_howson_all":
        return _lemke_howson_all(R1, R2, tol, max_pivots, max_total_pivots)
    try:
        found = certified_equilibria(R1, R2, max_bases=max_bases)
    except (EnumerationLimitError, IllConditionedError) as exc:
        if kind == "vertex_enumeration":
            raise
        warnings.warn(f"equilibria: {exc}; returning the equilibria reachable by Lemke-Howson paths instead (some "
                      f"equilibria, not necessarily all)", RuntimeWarning, stacklevel=2)
        exact = isinstance(exc, IllConditionedError) or bool(badly_scaled(R1, R2))
        return _lemke_howson_all(R1, R2, tol, max_pivots, max_total_pivots, exact, str(exc).split("; ")[0])
    if not found.complete:
        warnings.warn(f"equilibria: {found.method}", RuntimeWarning, stacklevel=2)
        if not len(found.xs):
            return _lemke_howson_all(R1, R2, tol, max_pivots, max_total_pivots, exact=True,
                                     why="the enumeration found no certified equilibrium")
    return _assemble(R1, R2, found.xs, found.ys, found.method, "all" if found.complete else "some", tol,
                     found.degenerate, found.complete, EXACT)
