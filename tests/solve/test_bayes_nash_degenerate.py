"""Bayes-Nash equilibria of degenerate finite Bayesian games (vvl_env.solve.bayes_nash_types.bayesian_equilibrium):
small integer payoffs make ties in the tracing path's ratio tests, which cycled before the lexicographic rule was made
sound (perturbation rows lexicographically positive, the entering row of z0 chosen lexicographically too); and types
in very different units, whose regret must be judged against each type's own payoff range.

Every result is checked by an oracle written here, independent of the module's checker: each type's expected payoff
of each action against the other player's type-conditional mixes under the prior, computed by explicit loops, and its
best-response gap relative to the type's own payoff range (over the other's types of positive probability)."""

from __future__ import annotations

import numpy as np
import pytest

from vvl_env.solve import bayes_nash_types as bnt
from vvl_env.solve.bayes_nash_types import bayesian_equilibrium

ORACLE_TOL = 1e-9


def oracle_gaps(R1, R2, x, y, p, q):
    """(K,) and (L,) best-response gaps, each relative to the type's own payoff range; payoffs are shifted to each
    type's minimum first (a gap is unchanged by it: the mixes sum to 1), so that a type's tiny range is not lost to
    rounding against a large offset."""
    K, L, m, n = R1.shape
    assert x.shape == (K, m) and y.shape == (L, n)
    assert np.all(x >= 0) and np.all(y >= 0)
    assert np.allclose(x.sum(axis=1), 1.0, atol=1e-12) and np.allclose(y.sum(axis=1), 1.0, atol=1e-12)
    g1, g2 = np.zeros(K), np.zeros(L)
    for k in range(K):
        seen = [R1[k, l] for l in range(L) if q[l] > 0]
        lo, span = min(float(r.min()) for r in seen), max(float(r.max()) for r in seen)
        span -= lo
        value = np.zeros(m)                                  # value[a] = sum_l q_l sum_b (R1[k,l,a,b] - lo) y_l[b]
        for l in range(L):
            for a in range(m):
                value[a] += q[l] * sum((R1[k, l, a, b] - lo) * y[l, b] for b in range(n))
        gap = value.max() - sum(x[k, a] * value[a] for a in range(m))
        g1[k] = gap / span if span > 0 else 0.0
    for l in range(L):
        seen = [R2[k, l] for k in range(K) if p[k] > 0]
        lo, span = min(float(r.min()) for r in seen), max(float(r.max()) for r in seen)
        span -= lo
        value = np.zeros(n)
        for k in range(K):
            for b in range(n):
                value[b] += p[k] * sum(x[k, a] * (R2[k, l, a, b] - lo) for a in range(m))
        gap = value.max() - sum(y[l, b] * value[b] for b in range(n))
        g2[l] = gap / span if span > 0 else 0.0
    return g1, g2


def check(R1, R2, p=None, q=None):
    """Solve, then verify with the oracle; the module's max_regret must be the same per-type relative measure."""
    K, L = R1.shape[:2]
    eq = bayesian_equilibrium(R1, R2, p, q)
    pp = np.full(K, 1.0 / K) if p is None else np.asarray(p, float)
    qq = np.full(L, 1.0 / L) if q is None else np.asarray(q, float)
    g1, g2 = oracle_gaps(R1, R2, eq.x, eq.y, pp, qq)
    worst = max(g1.max(), g2.max())
    assert worst <= ORACLE_TOL, (worst, g1, g2)
    assert eq.max_regret <= 1e-7 and abs(eq.max_regret - max(worst, 0.0)) <= 1e-12
    return eq


def integer_game(seed, lo, shape):
    r = np.random.default_rng(seed)
    return r.integers(-lo, lo + 1, shape).astype(float), r.integers(-lo, lo + 1, shape).astype(float)


@pytest.mark.parametrize("seed", [14, 15, 41])
def test_integer_games_that_cycled(seed):
    """These cycled to the pivot watchdog (a tie in the ratio test broken on a row that was not lexicographically
    positive) although an equilibrium exists."""
    R1, R2 = integer_game(seed, 3, (2, 2, 3, 3))
    check(R1, R2)
    check(R1 + 1e-9 * np.random.default_rng(0).normal(size=R1.shape), R2)   # the perturbed game, as before


def test_bimatrix_game_that_cycled():
    """One type each (a bimatrix game) cycled too: seed 116 of the sweep below with payoffs in [-3, 3]."""
    r = np.random.default_rng(116 * 7 + 3)
    R1, R2 = (r.integers(-3, 4, (1, 1, 3, 3)).astype(float) for _ in range(2))
    check(R1, R2)


SHAPES = [(2, 2, 3, 3), (1, 1, 3, 3), (3, 2, 2, 4), (1, 3, 4, 4), (3, 3, 3, 3), (4, 4, 2, 2)]


@pytest.mark.parametrize("lo", [1, 3])
def test_sweep_of_random_integer_games(lo):
    """120 seeded integer games (payoffs in [-lo, lo]) of several shapes, some with a random prior and some with a
    type of probability 0 (its best replies still checked). Games lo=1, i=15 and i=36 cycled before the fix."""
    for i in range(60):
        shape = SHAPES[i % len(SHAPES)]
        R1, R2 = integer_game(100_000 + 1000 * lo + i, lo, shape)
        r = np.random.default_rng(i)
        K, L = shape[:2]
        p = q = None
        if i % 3 == 1:
            p, q = r.dirichlet(np.ones(K)), r.dirichlet(np.ones(L))
        elif i % 3 == 2 and K > 1 and L > 1:
            p, q = np.eye(K)[0], np.r_[0.0, np.full(L - 1, 1.0 / (L - 1))]
        check(R1, R2, p, q)


def test_types_in_very_different_units():
    """Type 0 of each player has payoffs of size 1e-9 (and an offset 1e5 for player 0), type 1 of size 1e6: each
    type's regret is measured against its own range, and the solver works in each type's units."""
    for seed in range(20):
        r = np.random.default_rng(seed)
        R1, R2 = r.normal(size=(2, 2, 3, 3)), r.normal(size=(2, 2, 3, 3))
        R1[0] = 1e-9 * R1[0] + 1e5
        R1[1] *= 1e6
        R2[:, 0] *= 1e-9
        R2[:, 1] *= 1e6
        check(R1, R2)


def test_the_check_catches_a_type_with_a_tiny_range(monkeypatch):
    """A profile whose type-0 mix is far from a best reply in its own units (but by 1e-9 of the player's range only)
    must be refused, not reported as verified."""
    r = np.random.default_rng(5)
    R1, R2 = r.normal(size=(2, 2, 3, 3)), r.normal(size=(2, 2, 3, 3))
    R1[0] *= 1e-9
    R1[1] *= 1e6
    eq = check(R1, R2)
    Q0 = 0.5 * (R1[0, 0] @ eq.y[0] + R1[0, 1] @ eq.y[1])
    bad_x = eq.x.copy()
    bad_x[0] = np.eye(3)[int(np.argmin(Q0))]                 # type 0's worst action
    g1, _ = oracle_gaps(R1, R2, bad_x, eq.y, np.full(2, 0.5), np.full(2, 0.5))
    assert g1[0] > 0.05
    monkeypatch.setattr(bnt, "_trace", lambda *args: (bad_x.copy(), eq.y.copy(), 1))
    with pytest.raises(RuntimeError, match="verification failed"):
        bayesian_equilibrium(R1, R2)


def test_positive_affine_maps_of_a_type_change_nothing():
    """Best replies, the prior and the tracing path are the same in any type's units: rescaling and shifting one
    type's payoffs returns the same profile."""
    for seed in range(10):
        r = np.random.default_rng(100 + seed)
        R1, R2 = r.normal(size=(3, 2, 3, 2)), r.normal(size=(3, 2, 3, 2))
        base = check(R1, R2)
        S1, S2 = R1.copy(), R2.copy()
        S1[1] = 1e4 * S1[1] - 7.0
        S2[:, 0] = 1e-3 * S2[:, 0] + 2.0
        moved = check(S1, S2)
        assert np.allclose(base.x, moved.x, atol=1e-9) and np.allclose(base.y, moved.y, atol=1e-9)
