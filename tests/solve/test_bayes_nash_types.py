"""Bayes-Nash equilibria of finite Bayesian games (vvl_env.solve.bayes_nash_types) against independent oracles: the
induced normal form (every map from types to actions a pure strategy), its zero-sum value by linear programming, the
bimatrix solvers for one type each; and the continuum polish against the continuum-type solver of
vvl_env.solve.bayes_nash_continuum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vvl_env.model import Game, PerturbationModel
from vvl_env.solve import equilibria, zero_sum_value
from vvl_env.solve.bayes_nash import _type_games
from vvl_env.solve.bayes_nash_continuum import bayes_nash_continuum
from vvl_env.solve.bayes_nash_types import bayesian_equilibrium, continuum_play


def induced_normal_form(R1, R2, p, q):
    """(A, B) over pure type maps: A[s, t] = sum_kl p_k q_l R1[k, l, s_k, t_l]; and the maps."""
    K, L, m, n = R1.shape
    S = list(itertools.product(range(m), repeat=K))
    T = list(itertools.product(range(n), repeat=L))
    A = np.array([[sum(p[k] * q[l] * R1[k, l, s[k], t[l]] for k in range(K) for l in range(L)) for t in T] for s in S])
    B = np.array([[sum(p[k] * q[l] * R2[k, l, s[k], t[l]] for k in range(K) for l in range(L)) for t in T] for s in S])
    return A, B, S, T


def product_mix(x, maps):
    """The distribution over pure type maps that plays each type's mix independently."""
    return np.array([np.prod([x[k, a] for k, a in enumerate(s)]) for s in maps])


@pytest.mark.parametrize("shape", [(1, 1, 3, 3), (2, 2, 2, 2), (2, 3, 2, 3), (3, 1, 3, 2), (1, 3, 2, 2)])
def test_equilibrium_of_the_induced_normal_form(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(5):
        R1, R2 = rng.normal(size=shape), rng.normal(size=shape)
        p, q = rng.dirichlet(np.ones(shape[0])), rng.dirichlet(np.ones(shape[1]))
        eq = bayesian_equilibrium(R1, R2, p, q)
        A, B, S, T = induced_normal_form(R1, R2, p, q)
        xs, ys = product_mix(eq.x, S), product_mix(eq.y, T)
        assert np.max(A @ ys) - xs @ A @ ys < 1e-9                    # no pure type map gains
        assert np.max(xs @ B) - xs @ B @ ys < 1e-9
        assert eq.payoffs == pytest.approx([xs @ A @ ys, xs @ B @ ys], abs=1e-9)


def test_zero_sum_value_by_linear_programming():
    rng = np.random.default_rng(7)
    for _ in range(5):
        R1 = rng.normal(size=(2, 3, 3, 2))
        p, q = np.array([0.3, 0.7]), np.array([0.2, 0.5, 0.3])
        eq = bayesian_equilibrium(R1, -R1, p, q)
        A, _, _, _ = induced_normal_form(R1, -R1, p, q)
        assert eq.payoffs[0] == pytest.approx(zero_sum_value(Game(A)).value, abs=1e-9)
        assert eq.payoffs.sum() == pytest.approx(0.0, abs=1e-12)


def test_one_type_each_is_a_nash_equilibrium_of_the_bimatrix_game():
    rng = np.random.default_rng(3)
    for _ in range(10):
        R1, R2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
        eq = bayesian_equilibrium(R1[None, None], R2[None, None])
        every = equilibria(Game(R1, R2))
        assert any(np.allclose(eq.x[0], x, atol=1e-9) and np.allclose(eq.y[0], y, atol=1e-9)
                   for x, y in zip(every.xs, every.ys))


def test_degenerate_games():
    zeros = np.zeros((2, 2, 2, 3))
    eq = bayesian_equilibrium(zeros, zeros)                            # every profile is an equilibrium
    assert eq.max_regret == 0.0 and np.allclose(eq.x.sum(axis=1), 1.0)
    R1 = np.tile(np.array([[1.0, 0.0], [1.0, 0.0]]), (3, 2, 1, 1))    # tied rows, identical types
    eq = bayesian_equilibrium(R1, -R1)
    assert eq.max_regret <= 1e-12


def test_bad_input():
    with pytest.raises(ValueError, match="R1, R2"):
        bayesian_equilibrium(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="p: must be 2 probabilities"):
        bayesian_equilibrium(np.zeros((2, 1, 2, 2)), np.zeros((2, 1, 2, 2)), p=[0.5, 0.6])
    with pytest.raises(ValueError, match="R1"):
        bayesian_equilibrium(np.full((1, 1, 2, 2), np.nan), np.zeros((1, 1, 2, 2)))


@pytest.mark.parametrize("informed, action", [(0, 0), (1, 1)])
def test_continuum_polish_matches_the_continuum_solver(informed, action):
    """One player refines a 2 x 2 game privately: the uninformed player's polished mix equals the threshold
    solver's y* (its spread over replications sets the tolerance)."""
    game = Game(np.array([[1.0, -1.0], [-1.0, 1.0]]))
    law = PerturbationModel(sigma_own=1.0, sigma_other=1.0, rho=0.8)
    ref = bayes_nash_continuum(game, informed, action, law, n=20_000, replications=8, rng=np.random.default_rng(1))
    own, other = (game.R1, game.R2) if informed == 0 else (game.R2.T, game.R1.T)

    def separable(n, seed):
        """(V0, X0, V1, X1) with the informed player as player_0 (frame: it picks rows)."""
        types = law.sample(rng=np.random.default_rng(seed), n_opposing=2, size=n)
        A, B = _type_games(own, other, action, law, types)            # (n, 3, 2) at the cross offsets' mean
        base_B = np.insert(other, action, other[action], axis=0)
        return A, np.zeros((1, 3, 2)), base_B[None], B - base_B

    small = separable(64, 2)
    start = bayesian_equilibrium(small[0][:, None] + small[1][None], small[2][None] + small[3][:, None])
    play = continuum_play(*separable(40_000, 3), start, small)
    assert "continuum polish (hybr" in play.method
    y = np.zeros(2)
    y[play.pools[1]] = play.weights[1]
    tol = 4 * ref.y.stderr + 4 * 0.5 / np.sqrt(40_000)
    assert y[0] == pytest.approx(ref.y.mean, abs=tol)


@pytest.mark.parametrize("factor", [1e-4, 1e5])
def test_continuum_polish_is_scale_free(factor):
    """Payoffs scaled by ``factor``: the same play (mixes, pools), the summaries c scaled alike."""
    rng = np.random.default_rng(11)
    V0, X1 = rng.normal(size=(400, 3, 3)), 0.3 * rng.normal(size=(400, 3, 3))
    V1, X0 = rng.normal(size=(400, 3, 3)), 0.3 * rng.normal(size=(400, 3, 3))
    small = (V0[:24], X0[:24], V1[:24], X1[:24])
    start = bayesian_equilibrium(small[0][:, None] + small[1][None], small[2][None] + small[3][:, None])
    base = continuum_play(V0, X0, V1, X1, start, small)
    scaled = continuum_play(*(a * factor for a in (V0, X0, V1, X1)), start, tuple(a * factor for a in small))
    assert "continuum polish (hybr" in base.method and "continuum polish (hybr" in scaled.method
    assert np.allclose(scaled.y_bar, base.y_bar, atol=1e-7) and np.allclose(scaled.x_bar, base.x_bar, atol=1e-7)
    assert np.allclose(scaled.c0, factor * base.c0, atol=1e-7 * factor)
