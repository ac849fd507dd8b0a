"""The Bayes-Nash equilibrium of a refined 2 x 2 game with a *continuum* of private types (model.md §4).

Setting as :mod:`vvl_env.solve.bayes_nash`: the informed player refines one of its two actions and alone sees its own
offsets (its type t); the other player's offsets in the new variants enter at their conditional mean given t. The
informed player then has three actions (two variants and its other action), the uninformed player two.

Structure (a threshold equilibrium). Let y be the probability of the uninformed player's first action. Each type
plays its best action against y, ``r_t(y) = argmax_r U_t(r, y)`` (ties have probability 0 under a continuous law),
so the informed player's behaviour is a threshold rule in its offsets. The uninformed player's advantage of its first
action, ``g(y) = E_t[B_t(r_t(y), 0) - B_t(r_t(y), 1)]``, is continuous in y. An equilibrium is an interior y* with
``g(y*) = 0`` (then it mixes), or a corner: y = 1 with ``g(1) >= 0``, y = 0 with ``g(0) <= 0``. The expectation over
types is a sample average over ``n`` draws (sample-average approximation); y* is found by bisection on the sampled g.
Where several equilibria exist the rule is fixed: y = 1 if it is one, else y = 0, else the interior root (bisection
from [0, 1]).

Exactness: no discretisation of the types (the equilibrium of the continuum game, not of K sampled types); the only
error is the sampling of the type integral, stated by solving ``replications`` independent samples and reporting the
spread of each statistic (a CLT interval). Every replication is verified: no type gains by deviating (by
construction) and ``|g(y*)|`` is at most one sampled type's jump ``2 ptp(B) / n`` plus ``tol`` times the uninformed
player's payoff range (or the corner condition holds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vvl_env.model._validate import check_index
from vvl_env.model.game import Game
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.bayes_nash import _type_games
from vvl_env.solve.results import Estimate

FloatArray = np.ndarray


@dataclass(frozen=True, slots=True)
class ContinuumBayesNash:
    """Ex-ante ``welfare`` and ``payoffs`` (player_0, player_1) of the continuum-type Bayes-Nash equilibrium, each an
    Estimate over replications; ``y`` the uninformed player's probability of its first action (an Estimate);
    ``n`` type draws per replication."""

    welfare: Estimate
    payoffs: tuple[Estimate, Estimate]
    y: Estimate
    n: int
    method: str


def _solve_sample(A: FloatArray, B: FloatArray, tol: float) -> tuple[float, float, float]:
    """(y*, informed payoff, uninformed payoff) for type games A, B of shape (N, 3, 2) (informed picks rows)."""
    rows = np.arange(A.shape[0])

    def choice(y: float) -> FloatArray:
        return np.argmax(A @ np.array([y, 1.0 - y]), axis=1)

    def g(y: float) -> float:
        r = choice(y)
        return float(np.mean(B[rows, r, 0] - B[rows, r, 1]))

    scale = max(float(np.ptp(B)), 1e-300)
    if g(1.0) >= 0.0:
        y = 1.0
    elif g(0.0) <= 0.0:
        y = 0.0
    else:  # g(0) > 0 > g(1): bisection on the continuous sampled g
        lo, hi = 0.0, 1.0
        for _ in range(45):  # y to 3e-14
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if g(mid) > 0.0 else (lo, mid)
        y = 0.5 * (lo + hi)
        jump = 2.0 * scale / A.shape[0]  # the sampled g is a step function: one type switching moves it this much
        if abs(g(y)) > jump + tol * scale:  # a bigger jump (an atom in the type law): no mixing point
            raise RuntimeError(f"continuum Bayes-Nash: |g(y*)| = {abs(g(y)):.2e} exceeds one type's jump "
                               f"{jump:.2e} at y* = {y:.6f}")
    r, col = choice(y), np.array([y, 1.0 - y])
    return y, float(np.mean(A[rows, r] @ col)), float(np.mean(B[rows, r] @ col))


def bayes_nash_continuum(game: Game, informed: int, action: int, prior: PerturbationModel, *, n: int = 50_000,
                         replications: int = 16, rng: np.random.Generator, tol: float = 1e-6) -> ContinuumBayesNash:
    """The continuum-type Bayes-Nash equilibrium of a 2 x 2 game in which ``informed`` refines ``action`` privately.

    Parameters
    ----------
    game : a 2 x 2 Game; informed : 0 (refines a row) or 1 (a column); action : 0 or 1.
    prior : the common prior of the informed player's offsets (a continuous law; a discrete one may have no mixing
        point, which raises RuntimeError).
    n, replications : type draws per replication, independent replications (>= 2) for the stated interval.
    rng : the Generator all types come from; tol : verification tolerance of the uninformed indifference.

    Returns
    -------
    ContinuumBayesNash
    """
    if not isinstance(game, Game) or game.shape != (2, 2):
        raise ValueError(f"game: must be a 2x2 Game, got {getattr(game, 'shape', type(game).__name__)}")
    informed = check_index("informed", informed, 2)
    action = check_index("action", action, 2)
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or replications < 2:
        raise ValueError(f"replications: must be an integer >= 2, got {replications!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 100:
        raise ValueError(f"n: must be an integer >= 100, got {n!r}")
    own, other = (game.R1, game.R2) if informed == 0 else (game.R2.T, game.R1.T)
    out = []
    for r in rng.spawn(int(replications)):
        types = prior.sample(rng=r, n_opposing=2, size=int(n))
        A, B = _type_games(own, other, action, prior, types)
        out.append(_solve_sample(A, B, tol))
    y, u_in, u_out = (np.array(v) for v in zip(*out))
    pay = (u_in, u_out) if informed == 0 else (u_out, u_in)
    method = f"continuum Bayes-Nash (threshold types, {n} draws x {replications} replications)"
    return ContinuumBayesNash(Estimate.from_samples(pay[0] + pay[1], method),
                              (Estimate.from_samples(pay[0], method), Estimate.from_samples(pay[1], method)),
                              Estimate.from_samples(y, method), int(n), method)
