"""Tests of vvl_env.solve.equilibria: hand-worked games, nashpy as a second solver, invariances, degenerate games,
Lemke-Howson (watchdog and fallback), batched API and selection rules."""

from __future__ import annotations

import warnings
from fractions import Fraction
from itertools import combinations

import nashpy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vvl_env.model import Game, random_general_sum
from vvl_env.solve.equilibria import (EnumerationLimitError, EquilibriumNotFoundError, SelectionRule, batch_equilibria,
                                      equilibria, equilibrium_payoffs, select_payoffs, select_profiles)
from vvl_env.solve.lemke_howson import lemke_howson, lemke_howson_path
from vvl_env.solve.verify import max_regret


def same_profiles(a: list, b: list, atol: float = 1e-7) -> bool:
    """Equal as sets of (x, y) pairs, order-free."""
    if len(a) != len(b):
        return False
    return all(any(np.allclose(x, u, atol=atol) and np.allclose(y, v, atol=atol) for u, v in b) for x, y in a)


def nashpy_vertex(R1: np.ndarray, R2: np.ndarray) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(nashpy.Game(R1, R2).vertex_enumeration())


def _exact_vertices(M: list[list[Fraction]]) -> dict[tuple, frozenset]:
    """Vertices v != 0 of {v >= 0 : M^T v <= 1} and their labels, in exact rational arithmetic (Gauss-Jordan)."""
    d, c = len(M), len(M[0])
    out: dict[tuple, frozenset] = {}
    for k in range(1, min(d, c) + 1):
        for I in combinations(range(d), k):
            for T in combinations(range(c), k):
                rows = [[M[i][t] for i in I] + [Fraction(1)] for t in T]
                for col in range(k):
                    piv = next((r for r in range(col, k) if rows[r][col] != 0), None)
                    if piv is None:
                        break
                    rows[col], rows[piv] = rows[piv], rows[col]
                    for r in range(k):
                        if r != col and rows[r][col] != 0:
                            f = rows[r][col] / rows[col][col]
                            rows[r] = [a - f * b for a, b in zip(rows[r], rows[col])]
                else:
                    v = [Fraction(0)] * d
                    for i, row, col in zip(I, rows, range(k)):
                        v[i] = row[k] / row[col]
                    slack = [1 - sum(v[i] * M[i][j] for i in range(d)) for j in range(c)]
                    if min(v) >= 0 and min(slack) >= 0:
                        out[tuple(v)] = frozenset([i for i in range(d) if v[i] == 0]
                                                  + [d + j for j in range(c) if slack[j] == 0])
    return out


def exact_extreme_equilibria(R1: np.ndarray, R2: np.ndarray) -> list:
    """Independent oracle for integer games: completely labelled vertex pairs (von Stengel 2002, §3), exactly."""
    m, n = R1.shape

    def positive(R: np.ndarray) -> list[list[Fraction]]:
        lo, span = int(R.min()), max(int(R.max() - R.min()), 1)
        return [[1 + Fraction(int(a) - lo, span) for a in row] for row in R]

    P = _exact_vertices(positive(R2))
    Q = _exact_vertices([list(col) for col in zip(*positive(R1))])
    out = []
    for x, lx in P.items():
        for y, ly in Q.items():
            if len(lx | {m + lab if lab < n else lab - n for lab in ly}) == m + n:
                out.append(([float(a / sum(x)) for a in x], [float(b / sum(y)) for b in y]))
    return out


def battle_of_sexes() -> Game:
    return Game([[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]], name="battle_of_the_sexes")


# --- hand-worked examples -------------------------------------------------------------------------------------------

def test_matching_pennies_unique_uniform(pennies: Game) -> None:
    eq = equilibria(pennies)
    assert len(eq) == 1 and not eq.degenerate and eq.selection == "all"
    np.testing.assert_allclose(eq.xs[0], [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(eq.ys[0], [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(eq.payoffs[0], [0.0, 0.0], atol=1e-12)


def test_prisoners_dilemma_defect_defect(dilemma: Game) -> None:
    eq = equilibria(dilemma)
    assert same_profiles(list(eq.profiles), [([0, 1], [0, 1])])
    np.testing.assert_allclose(eq.payoffs, [[1.0, 1.0]])


def test_battle_of_the_sexes_three_equilibria() -> None:
    # Mixed: player 0 makes player 1 indifferent: 1 * x1 = 2 * x2 -> x = (2/3, 1/3); likewise y = (1/3, 2/3);
    # payoffs 2 * 1/3 = 2/3 each.
    eq = equilibria(battle_of_sexes())
    expected = [([1, 0], [1, 0]), ([0, 1], [0, 1]), ([2 / 3, 1 / 3], [1 / 3, 2 / 3])]
    assert same_profiles(list(eq.profiles), expected, atol=1e-12)
    assert not eq.degenerate and len(eq.components) == 3
    mixed = int(np.argmin(eq.welfare))
    np.testing.assert_allclose(eq.payoffs[mixed], [2 / 3, 2 / 3])
    assert eq.select("max_welfare").welfare[0] == pytest.approx(3.0)
    assert eq.select("min_welfare").selection == "min_welfare"
    assert eq.select("min_welfare").welfare[0] == pytest.approx(4 / 3)


def test_rock_paper_scissors_uniform(rps: Game) -> None:
    eq = equilibria(rps)
    assert len(eq) == 1
    np.testing.assert_allclose(eq.xs[0], np.full(3, 1 / 3), atol=1e-12)
    np.testing.assert_allclose(eq.ys[0], np.full(3, 1 / 3), atol=1e-12)


# --- nashpy vertex enumeration as a second solver -------------------------------------------------------------------

@pytest.mark.parametrize("shape,n_games", [((2, 2), 60), ((3, 2), 60), ((2, 3), 60), ((3, 3), 60), ((4, 4), 40),
                                           ((5, 5), 3), ((6, 6), 2)])
def test_matches_nashpy_vertex_enumeration(shape: tuple[int, int], n_games: int) -> None:
    rng = np.random.default_rng(sum(shape) * 1000 + shape[0])
    R1, R2 = rng.uniform(-1, 1, size=(2, n_games, *shape))
    batch = batch_equilibria(R1, R2) if shape[0] <= 4 else None
    for b in range(n_games):
        eq = equilibria((R1[b], R2[b]))
        assert same_profiles(list(eq.profiles), nashpy_vertex(R1[b], R2[b])), f"game {b}"
        assert eq.max_regret <= 1e-9 and not eq.degenerate
        if batch is not None:  # batched == single, same order
            k = batch.count[b]
            assert k == len(eq) and np.all(batch.valid[b, :k]) and not np.any(batch.valid[b, k:])
            np.testing.assert_allclose(batch.xs[b, :k], eq.xs, atol=1e-12)
            np.testing.assert_allclose(batch.ys[b, :k], eq.ys, atol=1e-12)


def test_ten_by_ten_enumerated() -> None:
    game = random_general_sum(10, 10, rng=np.random.default_rng(7))
    eq = equilibria(game)
    assert eq.method == "vertex_enumeration" and not eq.degenerate
    assert len(eq) % 2 == 1  # a nondegenerate game has an odd number of equilibria (Lemke-Howson parity)
    assert np.all(max_regret((np.stack([game.R1] * len(eq)), np.stack([game.R2] * len(eq))), eq.xs, eq.ys) <= 1e-9)
    lh = equilibria(game, method="lemke_howson:3")
    assert any(np.allclose(lh.xs[0], x) and np.allclose(lh.ys[0], y) for x, y in eq.profiles)


# --- invariance and verification properties -------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(2, 4), n=st.integers(2, 4),
       exps=st.tuples(st.floats(-6, 10), st.floats(-6, 10)), shifts=st.tuples(st.floats(-10, 10), st.floats(-10, 10)))
def test_positive_affine_invariance(seed: int, m: int, n: int, exps: tuple[float, float],
                                    shifts: tuple[float, float]) -> None:
    R1, R2 = np.random.default_rng(seed).uniform(-1, 1, size=(2, m, n))
    base = equilibria((R1, R2))
    s1, s2 = 10.0 ** exps[0], 10.0 ** exps[1]
    S1, S2 = s1 * R1 + shifts[0] * s1, s2 * R2 + shifts[1] * s2
    moved = equilibria((S1, S2))
    assert same_profiles(list(base.profiles), list(moved.profiles))
    assert moved.max_regret <= 1e-9 and moved.degenerate == base.degenerate
    # payoffs are reported in the game's own units
    np.testing.assert_allclose(moved.payoffs[:, 1], np.einsum("km,mn,kn->k", moved.xs, S2, moved.ys), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 4), n=st.integers(1, 4), levels=st.integers(1, 3))
def test_every_profile_verifies_on_tie_prone_games(seed: int, m: int, n: int, levels: int) -> None:
    # integer payoffs in {0..levels}: ties and degeneracy everywhere
    R1, R2 = np.random.default_rng(seed).integers(0, levels + 1, size=(2, m, n)).astype(float)
    eq = equilibria((R1, R2))
    assert len(eq) >= 1 and eq.max_regret <= 1e-9
    assert np.all(max_regret((R1, R2), eq.xs, eq.ys) <= 1e-9)
    pairs = {(int(a), int(b)) for a, b in zip(eq.x_index, eq.y_index)}
    assert len(pairs) == len(eq)  # deduplicated
    covered = set()
    for X, Y in eq.components:  # every maximal Nash subset is a biclique of extreme equilibria; its centre verifies
        covered |= {(a, b) for a in X for b in Y}
        assert {(a, b) for a in X for b in Y} <= pairs
        x, y = eq.extreme_xs[list(X)].mean(axis=0), eq.extreme_ys[list(Y)].mean(axis=0)
        assert max_regret((R1, R2), x, y) <= 1e-9
    assert covered == pairs
    batch = batch_equilibria(R1[None], R2[None])
    assert batch.count[0] == len(eq) and bool(batch.degenerate[0]) == eq.degenerate
    assert same_profiles(list(zip(batch.xs[0, :len(eq)], batch.ys[0, :len(eq)])), list(eq.profiles))


def test_matches_exact_rational_enumeration_on_degenerate_games() -> None:
    rng = np.random.default_rng(2010)
    n_degenerate = 0
    for _ in range(150):
        m, n = rng.integers(1, 5, size=2)
        R1, R2 = rng.integers(0, rng.integers(1, 4) + 1, size=(2, m, n))
        eq = equilibria((R1.astype(float), R2.astype(float)))
        assert same_profiles(list(eq.profiles), exact_extreme_equilibria(R1, R2), atol=1e-9), (R1, R2)
        n_degenerate += eq.degenerate
    assert n_degenerate > 75


# --- degenerate games worked by hand ---------------------------------------------------------------------------------

def test_all_zero_game_all_pure_pairs_one_component() -> None:
    eq = equilibria((np.zeros((2, 2)), np.zeros((2, 2))))
    assert eq.degenerate
    pure = [(np.eye(2)[i], np.eye(2)[j]) for i in range(2) for j in range(2)]
    assert same_profiles(list(eq.profiles), pure)
    assert eq.components == (((0, 1), (0, 1)),)


def test_duplicated_row_components() -> None:
    # Rows 0 and 1 of R1 are equal. By hand, with y = (q, 1 - q): q = 1 and x = (a, 1 - a, 0), a <= 1/2; or
    # x = (1/2, 1/2, 0) and q in [1/2, 1]; or q = 1/2 and x = (1/2, b, 1/2 - b). Extreme x: (0,1,0), (1/2,1/2,0),
    # (1/2,0,1/2); extreme y: (1,0), (1/2,1/2); maximal Nash subsets: three edges of a path.
    R1 = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    R2 = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    eq = equilibria((R1, R2))
    assert eq.degenerate
    ex, ey = [[0, 1, 0], [0.5, 0.5, 0], [0.5, 0, 0.5]], [[1, 0], [0.5, 0.5]]
    expected = [(ex[0], ey[0]), (ex[1], ey[0]), (ex[1], ey[1]), (ex[2], ey[1])]
    assert same_profiles(list(eq.profiles), expected)
    name_x = {i: next(k for k, e in enumerate(ex) if np.allclose(e, v)) for i, v in enumerate(eq.extreme_xs)}
    name_y = {i: next(k for k, e in enumerate(ey) if np.allclose(e, v)) for i, v in enumerate(eq.extreme_ys)}
    named = {(tuple(sorted(name_x[a] for a in X)), tuple(sorted(name_y[b] for b in Y))) for X, Y in eq.components}
    assert named == {((0, 1), (0,)), ((1,), (0, 1)), ((1, 2), (1,))}


def test_constant_column_weakly_dominated_row() -> None:
    # Column 0 pays player 0 the same in both rows, so row 0 is weakly dominated by row 1. By hand: col 0 with any
    # x = (p, 1 - p), p >= 1/2 (player 1 needs p >= 1 - p); or (row 1, col 1).
    eq = equilibria(([[1.0, 0.0], [1.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]]))
    assert eq.degenerate
    assert same_profiles(list(eq.profiles), [([1, 0], [1, 0]), ([0.5, 0.5], [1, 0]), ([0, 1], [0, 1])])
    assert sorted(len(X) * 10 + len(Y) for X, Y in eq.components) == [11, 21]


def test_batch_handles_degenerate_and_random_mix() -> None:
    rng = np.random.default_rng(3)
    R1, R2 = rng.uniform(-1, 1, size=(2, 6, 2, 2))
    R1[2], R2[2] = 0.0, 0.0
    R1[4] = [[1.0, 0.0], [1.0, 2.0]]
    R2[4] = [[1.0, 0.0], [0.0, 1.0]]
    batch = batch_equilibria(R1, R2)
    assert batch.degenerate.tolist() == [False, False, True, False, True, False]
    assert batch.count[2] == 4 and batch.count[4] == 3 and np.all(batch.max_regret <= 1e-9)
    for b in range(6):
        eq = equilibria((R1[b], R2[b]))
        assert same_profiles(list(zip(batch.xs[b, :batch.count[b]], batch.ys[b, :batch.count[b]])),
                             list(eq.profiles))


# --- Lemke-Howson ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size,seed", [(12, 0), (15, 1), (15, 2)])
def test_lemke_howson_every_label_verifies(size: int, seed: int) -> None:
    game = random_general_sum(size, size, rng=np.random.default_rng(seed))
    for k in range(2 * size):
        path = lemke_howson_path(game.R1, game.R2, k)
        assert path is not None and path.label == k
        assert max_regret(game, path.x, path.y) <= 1e-9
    eq = equilibria(game, method=f"lemke_howson:{size + 1}")
    assert eq.selection == f"lemke_howson:{size + 1}" and eq.max_regret <= 1e-9


def test_lemke_howson_end_points_are_extreme_equilibria() -> None:
    rng = np.random.default_rng(11)
    for _ in range(10):
        R1, R2 = rng.uniform(-1, 1, size=(2, 4, 4))
        eq = equilibria((R1, R2))
        for k in range(8):
            lh = equilibria((R1, R2), method=f"lemke_howson:{k}")
            assert any(np.allclose(lh.xs[0], x) and np.allclose(lh.ys[0], y) for x, y in eq.profiles)


def test_lemke_howson_on_degenerate_games() -> None:
    for R1, R2 in [(np.zeros((3, 3)), np.zeros((3, 3))),
                   (np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]))]:
        for k in range(sum(R1.shape)):
            path = lemke_howson(R1, R2, k)
            assert max_regret((R1, R2), path.x, path.y) <= 1e-9


def test_watchdog_raises_cleanly_and_falls_back() -> None:
    game = random_general_sum(12, 12, rng=np.random.default_rng(5))
    with pytest.raises(EquilibriumNotFoundError, match="max_pivots=1"):
        equilibria(game, method="lemke_howson:0", max_pivots=1)  # no path ends in one pivot
    pivots = [lemke_howson_path(game.R1, game.R2, k).pivots for k in range(24)]
    slow, budget = int(np.argmax(pivots)), min(pivots)
    assert pivots[slow] > budget
    assert lemke_howson_path(game.R1, game.R2, slow, max_pivots=budget) is None
    path = lemke_howson(game.R1, game.R2, slow, max_pivots=budget)
    assert path.label != slow and path.pivots <= budget and max_regret(game, path.x, path.y) <= 1e-9
    eq = equilibria(game, method=f"lemke_howson:{slow}", max_pivots=budget)
    assert eq.method == f"lemke_howson(label={path.label})" and eq.selection == f"lemke_howson:{slow}"


def test_auto_beyond_the_guard_says_some_not_all() -> None:
    game = random_general_sum(11, 11, rng=np.random.default_rng(2))
    full = equilibria(game)
    assert full.complete and full.selection == "all" and full.describe().startswith(f"{len(full)} equilibria: all extreme")
    with pytest.raises(EnumerationLimitError, match="max_bases=50"):
        equilibria(game, method="vertex_enumeration", max_bases=50)
    with pytest.warns(RuntimeWarning, match="not necessarily all"):
        eq = equilibria(game, max_bases=50)
    assert eq.method.startswith("lemke_howson_all") and not eq.complete and eq.components == ()
    assert "some, not known to be all" in eq.describe() and "not known to be all" in str(eq)
    assert 1 <= len(eq) <= len(full) and eq.max_regret <= 1e-9
    assert all(any(np.allclose(x, u) and np.allclose(y, v) for u, v in full.profiles) for x, y in eq.profiles)


# --- selection rules and batched payoffs -----------------------------------------------------------------------------

def test_selection_rule_parse() -> None:
    assert SelectionRule.parse("lemke_howson:3") == SelectionRule("lemke_howson", 3)
    assert str(SelectionRule.parse("max_welfare")) == "max_welfare"
    for bad in ["best", "lemke_howson", "lemke_howson:x", "all:1", 3]:
        with pytest.raises(ValueError, match="rule"):
            SelectionRule.parse(bad)  # type: ignore[arg-type]


def test_select_payoffs_rules_match_single_game() -> None:
    rng = np.random.default_rng(21)
    R1, R2 = rng.uniform(-1, 1, size=(2, 50, 3, 3))
    # battle of the sexes plus a strictly dominated row (player 0) and column (player 1): same three equilibria
    R1[0] = [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [-5.0, -5.0, -5.0]]
    R2[0] = [[1.0, 0.0, -5.0], [0.0, 2.0, -5.0], [0.0, 0.0, -5.0]]
    batch = batch_equilibria(R1, R2)
    out = {r: select_payoffs(batch, R1, R2, r) for r in ["all", "max_welfare", "min_welfare", "lemke_howson:1"]}
    np.testing.assert_allclose(out["all"][0], [(2 + 1 + 2 / 3) / 3, (1 + 2 + 2 / 3) / 3])
    np.testing.assert_allclose(out["max_welfare"][0], [2.0, 1.0])  # tie (2,1)/(1,2): first in solver order
    np.testing.assert_allclose(out["min_welfare"][0], [2 / 3, 2 / 3])
    for b in range(50):
        eq = equilibria((R1[b], R2[b]))
        np.testing.assert_allclose(out["all"][b], eq.mean_payoffs(), atol=1e-12)
        np.testing.assert_allclose(out["max_welfare"][b], eq.select("max_welfare").payoffs[0], atol=1e-12)
        np.testing.assert_allclose(out["min_welfare"][b], eq.select("min_welfare").payoffs[0], atol=1e-12)
        np.testing.assert_allclose(out["lemke_howson:1"][b], equilibria((R1[b], R2[b]), method="lemke_howson:1")
                                   .payoffs[0], atol=1e-12)
    np.testing.assert_allclose(equilibrium_payoffs(R1, R2, "min_welfare"), out["min_welfare"])
    np.testing.assert_allclose(equilibrium_payoffs(R1, R2, "lemke_howson:1"), out["lemke_howson:1"])
    x, y = select_profiles(batch, R1, R2, "max_welfare")
    assert np.all(max_regret((R1, R2), x, y) <= 1e-9)
    with pytest.raises(ValueError, match="rule"):
        select_profiles(batch, R1, R2, "all")
    with pytest.raises(ValueError, match="label 6"):
        select_payoffs(batch, R1, R2, "lemke_howson:6")


# --- bad input --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("game,kwargs,match", [
    ("not a game", {}, "game"),
    ((np.zeros((2, 2)), np.zeros((2, 3))), {}, "R2"),
    ((np.zeros((2, 2)), np.array([[0.0, np.nan], [0.0, 0.0]])), {}, "R2"),
    ((np.zeros(2), np.zeros(2)), {}, "R1"),
    ((np.eye(2), np.eye(2)), {"method": "simplex"}, "method"),
    ((np.eye(2), np.eye(2)), {"method": "lemke_howson:4"}, "method"),
    ((np.eye(2), np.eye(2)), {"tol": -1.0}, "tol"),
])
def test_bad_input_names_parameter(game: object, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        equilibria(game, **kwargs)  # type: ignore[arg-type]


def test_batch_bad_input() -> None:
    with pytest.raises(ValueError, match="R1"):
        batch_equilibria(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="R2"):
        batch_equilibria(np.zeros((3, 2, 2)), np.zeros((3, 2, 3)))
    with pytest.raises(ValueError, match="R1"):
        batch_equilibria(np.zeros((1, 9, 9)), np.zeros((1, 9, 9)))
