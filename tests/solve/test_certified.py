"""Certified equilibria (issue 12): exact certification, payoffs of any magnitude, the 6 x 6 game with 75 equilibria,
the invariances of the equilibrium set (property tests), honest labels, and the walk against full enumeration."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vvl_env.model import random_general_sum
from vvl_env.solve.equilibria import batch_equilibria, equilibria
from vvl_env.solve.exact import exact_strategies, integer_matrix
from vvl_env.solve.verify import decisive_regrets
from vvl_env.solve.vertex_enumeration import extreme_equilibria

from tests.solve.test_equilibria import exact_extreme_equilibria, same_profiles

# von Stengel (1999), "New maximal numbers of equilibria in bimatrix games", Discrete Comput. Geom. 21: a 6 x 6 game
# with 75 equilibria (payoffs as in Gambit's catalogue, journals/dcg/vonstengel1999).
VS_R1 = np.array([[9504, -660, 19976, -20526, 1776, -8976], [-111771, 31680, -130944, 168124, -8514, 52764],
                  [397584, -113850, 451176, -586476, 29216, -178761], [171204, -45936, 208626, -263076, 14124, -84436],
                  [1303104, -453420, 1227336, -1718376, 72336, -461736],
                  [737154, -227040, 774576, -1039236, 48081, -300036]], dtype=float)
VS_R2 = np.array([[72336, 48081, 29216, 14124, 1776, -8514], [-461736, -300036, -178761, -84436, -8976, 52764],
                  [1227336, 774576, 451176, 208626, 19976, -130944],
                  [-1718376, -1039236, -586476, -263076, -20526, 168124],
                  [1303104, 737154, 397584, 171204, 9504, -111771], [-453420, -227040, -113850, -45936, -660, 31680]],
                 dtype=float)


def exact_regret(R1: np.ndarray, R2: np.ndarray, x: np.ndarray, y: np.ndarray) -> Fraction:
    """Largest regret of the float profile (x, y), computed exactly on the float payoffs (independent of the solver)."""
    F = np.vectorize(Fraction, otypes=[object])
    A, B, xf, yf = F(R1), F(R2), F(x), F(y)
    Ay, xB = A.dot(yf), xf.dot(B)
    return max(max(Ay) - xf.dot(Ay), max(xB) - xB.dot(yf))


# --- the minimal failing cases of the issue ------------------------------------------------------------

@pytest.mark.parametrize("low", [-1e8, -1e9, -1e12])
def test_strictly_dominated_row_with_huge_loss(low: float) -> None:
    # Row 0 strictly dominates row 1 (1 > 0, 1 > low), so x = (1, 0); player 1 is indifferent, so every y is a best
    # reply, and row 0 stays best against all y: the extreme equilibria are (row 0, col 0) and (row 0, col 1)? No:
    # player 1 gets (1, 0) against row 0, so column 0 strictly: exactly one equilibrium, nondegenerate.
    R1, R2 = np.array([[1.0, 1.0], [0.0, low]]), np.array([[1.0, 0.0], [1.0, 0.0]])
    eq = equilibria((R1, R2))
    assert len(eq) == 1 and not eq.degenerate and eq.complete
    assert eq.xs.tolist() == [[1.0, 0.0]] and eq.ys.tolist() == [[1.0, 0.0]]
    batch = batch_equilibria(R1[None], R2[None])
    assert batch.count.tolist() == [1] and not batch.degenerate[0]


def test_payoffs_spanning_eighteen_orders_of_magnitude() -> None:
    # 3 x 2: row 2 is strictly dominated by row 0 (1e-6 > 0, 1e10 > -1e12 + 1). The 2 x 2 rest has the pure
    # equilibria (row 0, col 1) (1e10 > 0 and 5e-6 > 0) and (row 1, col 0) (3e-6 > 1e-6 and 1e9 > 0) and one mixed.
    R1 = np.array([[1e-6, 1e10], [3e-6, 0.0], [0.0, -1e12 + 1]])
    R2 = np.array([[0.0, 5e-6], [1e9, 0.0], [2.0, 1.0]])
    eq = equilibria((R1, R2))
    assert not eq.degenerate and len(eq) == 3 and np.all(eq.xs[:, 2] == 0.0)
    # the mixed one by the indifference conditions in exact arithmetic
    a, b, c, d = (Fraction(v) for v in (1e-6, 1e10, 3e-6, 0.0))
    q = (d - b) / (a - b - c + d)  # player 0 indifferent: a q + b (1 - q) = c q + d (1 - q)
    e, f, g, h = (Fraction(v) for v in (0.0, 5e-6, 1e9, 0.0))
    p = (h - g) / (e - f - g + h)  # player 1 indifferent: e p + g (1 - p) = f p + h (1 - p)
    expected = [([1, 0, 0], [0, 1]), ([0, 1, 0], [1, 0]), ([float(p), float(1 - p), 0], [float(q), float(1 - q)])]
    assert same_profiles(list(eq.profiles), expected, atol=1e-15)
    batch = batch_equilibria(R1[None], R2[None])
    assert batch.count[0] == 3 and not batch.degenerate[0]


# --- large integer payoffs: von Stengel's 6 x 6 game --------------------------------------------------

@pytest.mark.parametrize("scale", [1.0, 1e6])
def test_von_stengel_6x6_has_75_equilibria(scale: float) -> None:
    R1, R2 = VS_R1 * scale, VS_R2 * scale
    eq = equilibria((R1, R2))
    assert len(eq) == 75 and not eq.degenerate and eq.complete
    batch = batch_equilibria(R1[None], R2[None])
    assert batch.count[0] == 75 and not batch.degenerate[0]
    assert same_profiles(list(zip(batch.xs[0], batch.ys[0])), list(eq.profiles), atol=1e-9)


def test_von_stengel_6x6_matches_exact_rational_enumeration() -> None:
    oracle = exact_extreme_equilibria(VS_R1.astype(np.int64), VS_R2.astype(np.int64))
    assert len(oracle) == 75
    assert same_profiles(list(equilibria((VS_R1, VS_R2)).profiles), oracle, atol=1e-12)


# --- exact arithmetic pieces ----------------------------------------------------------------------------------------

def test_integer_matrix_is_exact() -> None:
    R = np.array([[0.1, 1e-300], [3.0, -2.5e10]])
    I = integer_matrix(R)
    ratios = {Fraction(I[i][j]) / Fraction(float(R[i, j])) for i in range(2) for j in range(2)}
    assert len(ratios) == 1 and next(iter(ratios)) > 0


def test_exact_strategy_by_hand() -> None:
    # Battle of the sexes, player 1's payoffs R2 = [[1, 0], [0, 2]]: x on both rows making both columns equally good
    # for player 1: x0 = 2 x1 -> x = (2/3, 1/3); player 1 gets 2/3 from each column.
    [s] = exact_strategies([[1, 0], [0, 2]], [0, 1], [0, 1])
    assert (s.num, s.den, s.pay, s.labels) == ((2, 1), 3, (2, 2), 2)
    assert exact_strategies([[1, 1], [1, 1]], [0, 1], [0, 1]) == []  # not a vertex: every x is indifferent
    # near-tie: columns 0, 1, 2 cannot all be best (column 2 pays 1 + 2^-30 x0 + x1); dropping one column at a time
    # gives the two vertices x0 = 1 / (2 - 2^-30) (columns 0, 2) and x0 = 1 / (2 + 2^-30) (columns 1, 2)
    eps = 2.0 ** -30
    R = integer_matrix(np.array([[2.0, 0.0, 1.0 + eps], [0.0, 2.0, 1.0]]))
    got = sorted(Fraction(s.num[0], s.den) for s in exact_strategies(R, [0, 1], [0, 1, 2]))
    assert got == [1 / (2 + Fraction(eps)), 1 / (2 - Fraction(eps))]


def test_degeneracy_decided_exactly_off_the_equilibria() -> None:
    # Row 0 strictly dominates, so (row 0, col 0) is the only equilibrium and it is nondegenerate; but x = (1/2, 1/2)
    # makes all three columns best replies for player 1 (support 2, three best replies): the game is degenerate, which
    # only that non-equilibrium vertex of P shows.
    R1 = np.array([[3.0, 3.0, 3.0], [0.0, 0.0, 0.0]])
    R2 = np.array([[2.0, 0.0, 1.0], [0.0, 2.0, 1.0]])
    eq = equilibria((R1, R2))
    assert eq.degenerate and eq.profiles[0][0].tolist() == [1.0, 0.0] and len(eq) == 1
    R2b = R2 + np.array([[0.0, 0.0, 2.0 ** -30], [0.0, 0.0, 0.0]])  # the tie broken by 2^-30: nondegenerate
    eq = equilibria((R1, R2b))
    assert not eq.degenerate and len(eq) == 1


# --- invariances (property tests) ------------------------------------------------------------------------------------

MAGNITUDES = st.sampled_from([1e-6, 1e-3, 0.5, 7.0, 1e3, 1e6, 1e9, 1e12])
small_games = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1), st.booleans())


def _game(spec: tuple[int, int, int, bool]) -> tuple[np.ndarray, np.ndarray]:
    m, n, seed, ties = spec
    rng = np.random.default_rng(seed)
    if ties:  # small integers: ties and degenerate games are common
        return rng.integers(-2, 3, size=(2, m, n)).astype(float)
    return rng.uniform(-1.0, 1.0, size=(2, m, n))


def _renormalised(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    v = v * w
    return v / v.sum(axis=-1, keepdims=True)


def _same_set(a: object, b: object) -> None:
    assert same_profiles(list(a.profiles), list(b.profiles), atol=1e-9)
    assert a.degenerate == b.degenerate


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_games, MAGNITUDES, st.integers(0, 3), st.booleans())
def test_scaling_one_column_of_r1_or_row_of_r2(spec: tuple, s: float, k: int, column: bool) -> None:
    """Scaling column j of R1 by s > 0 maps each equilibrium y to y / s at j (renormalised); row i of R2 likewise x."""
    R1, R2 = _game(spec)
    base = equilibria((R1, R2))
    if column:
        j = k % R1.shape[1]
        w = np.ones(R1.shape[1])
        w[j] = s
        eq = equilibria((R1 * w, R2))
        back = _renormalised(eq.ys, w)
        assert same_profiles(list(zip(eq.xs, back)), list(base.profiles), atol=1e-9)
    else:
        i = k % R1.shape[0]
        w = np.ones(R1.shape[0])
        w[i] = s
        eq = equilibria((R1, R2 * w[:, None]))
        back = _renormalised(eq.xs, w)
        assert same_profiles(list(zip(back, eq.ys)), list(base.profiles), atol=1e-9)
    assert eq.degenerate == base.degenerate and len(eq) == len(base)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_games, st.sampled_from([-1e9, -3.0, 0.25, 1e6, 1e12]), st.integers(0, 3), st.booleans())
def test_adding_a_constant_to_a_column_of_r1_or_row_of_r2(spec: tuple, c: float, k: int, column: bool) -> None:
    R1, R2 = _game(spec)
    R1b, R2b = R1.copy(), R2.copy()
    if column:
        R1b[:, k % R1.shape[1]] += c
    else:
        R2b[k % R1.shape[0]] += c
    F = np.vectorize(Fraction, otypes=[object])
    if np.any((F(R1b) - F(R1)) + (F(R2b) - F(R2)) != c * ((R1b != R1) | (R2b != R2))):
        return  # rounding changed the game beyond the shift (e.g. 0.3 + 1e12): not the same game shifted
    _same_set(equilibria((R1b, R2b)), equilibria((R1, R2)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_games, st.randoms(use_true_random=False))
def test_permuting_actions_permutes_the_set(spec: tuple, rnd: object) -> None:
    R1, R2 = _game(spec)
    p = np.array(rnd.sample(range(R1.shape[0]), R1.shape[0]))  # type: ignore[attr-defined]
    q = np.array(rnd.sample(range(R1.shape[1]), R1.shape[1]))  # type: ignore[attr-defined]
    base, eq = equilibria((R1, R2)), equilibria((R1[p][:, q], R2[p][:, q]))
    assert same_profiles([(x[np.argsort(p)], y[np.argsort(q)]) for x, y in eq.profiles], list(base.profiles),
                         atol=1e-12)
    assert eq.degenerate == base.degenerate


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_games, MAGNITUDES)
def test_batch_agrees_with_exact_under_scaling(spec: tuple, s: float) -> None:
    R1, R2 = _game(spec)
    w = np.geomspace(1.0, s, R1.shape[1])
    R1s = R1 * w
    batch = batch_equilibria(R1s[None], R2[None])
    eq = equilibria((R1s, R2))
    k = batch.count[0]
    assert k == len(eq) and bool(batch.degenerate[0]) == eq.degenerate
    assert same_profiles(list(zip(batch.xs[0, :k], batch.ys[0, :k])), list(eq.profiles), atol=1e-9)


# --- every returned profile certified; the walk against full enumeration ----------------------------------------------

def test_every_profile_is_an_exact_equilibrium_up_to_rounding() -> None:
    rng = np.random.default_rng(12)
    for _ in range(10):
        R1, R2 = rng.integers(-5, 6, size=(2, 4, 5)).astype(float)
        eq = equilibria((R1, R2))
        assert eq.certification.startswith("exact")
        assert same_profiles(list(eq.profiles), exact_extreme_equilibria(R1.astype(int), R2.astype(int)), atol=1e-12)
        assert np.all(decisive_regrets(R1, R2, eq.xs, eq.ys) <= 1e-14)


@pytest.mark.parametrize("n,seed", [(9, 0), (9, 1), (7, 2)])
def test_walk_finds_what_full_enumeration_finds(n: int, seed: int) -> None:
    game = random_general_sum(n, n, rng=np.random.default_rng(seed))
    _, x, y, degenerate = extreme_equilibria(game.R1[None], game.R2[None])
    eq = equilibria(game)
    assert same_profiles(list(eq.profiles), list(zip(x, y)), atol=1e-9) and not degenerate[0] and not eq.degenerate


def test_describe_labels_complete_and_partial_sets() -> None:
    game = random_general_sum(5, 5, rng=np.random.default_rng(4))
    full = equilibria(game, method="vertex_enumeration")
    assert full.describe().startswith(f"{len(full)} equilibri")
    assert "all extreme equilibria (complete" in full.describe()
    one = equilibria(game, method="lemke_howson:3")
    assert one.describe().startswith("1 equilibrium: some, not known to be all") and not one.complete
    assert "selected by max_welfare from all" in full.select("max_welfare").describe()


def test_cli_solve_method_and_label(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from vvl_env.cli import main

    f = tmp_path / "g.json"  # type: ignore[operator]
    f.write_text('{"R1": [[1, 1], [0, -1e9]], "R2": [[1, 0], [1, 0]]}')
    assert main(["solve", str(f)]) == 0
    assert "1 equilibrium: all extreme equilibria (complete; vertex_enumeration)" in capsys.readouterr().out
    assert main(["solve", str(f), "--method", "lemke_howson_all"]) == 0
    assert "some, not known to be all (lemke_howson_all" in capsys.readouterr().out


def test_lemke_howson_graph_reaches_the_mixed_equilibrium_of_battle_of_the_sexes() -> None:
    # From (0, 0) every label leads to a pure equilibrium; only paths started at those reach the mixed one
    # (x, y) = ((2/3, 1/3), (1/3, 2/3)) (worked by hand in test_equilibria).
    game = (np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 2.0]]))
    eq = equilibria(game, method="lemke_howson_all")
    assert len(eq) == 3 and not eq.complete and "reachable by Lemke-Howson" in eq.method
    assert same_profiles(list(eq.profiles), list(equilibria(game).profiles), atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_lemke_howson_graph_is_a_subset_of_all(seed: int) -> None:
    game = random_general_sum(7, 7, rng=np.random.default_rng(seed))
    full, some = equilibria(game), equilibria(game, method="lemke_howson_all")
    assert 1 <= len(some) <= len(full) and some.max_regret <= 1e-9
    assert all(any(np.allclose(x, u, atol=1e-9) and np.allclose(y, v, atol=1e-9) for u, v in full.profiles)
               for x, y in some.profiles)


# --- fast paths (small games, closed-form 4 x 4 bases) against independent computations -----------------------------

def _fraction_solve(A: list[list[int]]) -> list[Fraction] | None:
    """Oracle: Gaussian elimination in Fractions on [A | b]; the unique solution or None."""
    r, k = len(A), len(A[0]) - 1
    M = [[Fraction(a) for a in row] for row in A]
    for c in range(k):
        p = next((i for i in range(c, r) if M[i][c] != 0), None)
        if p is None:
            return None
        M[c], M[p] = M[p], M[c]
        for i in range(r):
            if i != c and M[i][c] != 0:
                f = M[i][c] / M[c][c]
                M[i] = [a - f * b for a, b in zip(M[i], M[c])]
    if any(M[i][k] != 0 for i in range(k, r)):
        return None
    return [M[c][k] / M[c][c] for c in range(k)]


def test_fraction_free_solve_matches_fraction_elimination() -> None:
    from vvl_env.solve.exact import _solve

    rng = np.random.default_rng(3)
    for _ in range(400):
        k = int(rng.integers(1, 5))
        A = rng.integers(-3, 4, size=(k + int(rng.integers(0, 3)), k + 1))
        if rng.random() < 0.3:
            A[-1, :k] = 2 * A[0, :k]  # rank-deficient or inconsistent
        got = _solve(A.tolist())
        want = _fraction_solve(A.tolist())
        assert (got is None) == (want is None)
        if got is not None:
            assert got[1] > 0 and [Fraction(a, got[1]) for a in got[0]] == want


@pytest.mark.parametrize("shape", [(2, 2), (2, 3), (3, 2), (2, 4), (1, 3)])
def test_tiny_exact_path_agrees_with_float_walk_and_oracle(shape: tuple[int, int],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Games with <= EXACT_BASES bases skip the float polytopes: same sets and flags as the float path, and the
    oracle's set, on random and tie-ridden integer games."""
    import vvl_env.solve.walk_equilibria as we

    rng = np.random.default_rng(11)
    games = [rng.integers(-2, 3, size=(2, *shape)) for _ in range(60)]
    games += [rng.integers(-1000, 1000, size=(2, *shape)) for _ in range(20)]
    tiny = [we.certified_equilibria(*(g.astype(float))) for g in games]
    monkeypatch.setattr(we, "EXACT_BASES", 0)
    walk = [we.certified_equilibria(*(g.astype(float))) for g in games]
    assert we.n_bases(*shape) <= 15
    for g, a, b in zip(games, tiny, walk):
        assert a.degenerate == b.degenerate and a.rejected == 0
        assert same_profiles(list(zip(a.xs, a.ys)), list(zip(b.xs, b.ys)), atol=0.0)
        assert same_profiles(list(zip(a.xs, a.ys)), exact_extreme_equilibria(g[0], g[1]), atol=1e-12)
    assert sum(a.degenerate for a in tiny) >= 5  # the ties are exercised


def test_closed_form_4x4_bases_match_lapack() -> None:
    from vvl_env.solve.vertex_enumeration import _cramer4

    rng = np.random.default_rng(4)
    M = 1.0 + rng.random((500, 4, 4))
    M[:50, 3] = M[:50, 2] + 1e-9 * rng.random((50, 4))   # ill-conditioned: the LU fallback
    M[50, 3] = M[50, 2]                                   # exactly singular
    had = np.prod(np.linalg.norm(M, axis=-1), axis=-1)
    v, ratio = _cramer4([[M[:, i, j] for j in range(4)] for i in range(4)], had)  # entries first: v is (4, 500)
    v = v.T
    ok = np.linalg.det(M) != 0
    np.testing.assert_allclose(ratio, np.abs(np.linalg.det(M)) / had, rtol=1e-9, atol=1e-15)
    want = np.linalg.solve(M[ok], np.ones((int(ok.sum()), 4, 1)))[..., 0]
    np.testing.assert_allclose(v[ok], want, rtol=1e-9)
    assert ratio[50] == 0.0 and np.all(v[50] == 1.0)
