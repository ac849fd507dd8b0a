"""Regret matching+ (Tammelin 2014; Tammelin, Burch, Johanson and Bowling 2015), simultaneous and alternating.

Update (player 0; player 1 alike with ``x A2``): with the instantaneous regrets ``r_t = A1 y_t - (x_t A1 y_t) 1``,
``Q_{t+1} = [Q_t + r_t]^+`` (Q_0 = 0) and ``x_{t+1} = Q_{t+1} / sum(Q_{t+1})`` (uniform over the allowed actions when
Q = 0). No step size (RM+ is scale free). *Simultaneous* ("rm+") updates both players from (x_t, y_t); *alternating*
("rm+_alternating") updates x first and then y against x_{t+1}, as in CFR+.

Iterates: RM+ has regret O(sqrt(T)), so the uniform average converges to the equilibrium set of a two-player
zero-sum game at rate O(T^{-1/2}) (the folk theorem of no-regret learning); the last iterate need not converge (it
cycles on matching pennies). Default averaging: uniform for "rm+"; linear for "rm+_alternating" (weight t + 1 on
iterate t, the initial strategy being iterate 0; Tammelin et al. (2015), who proved the scheme for CFR+, weight
iterate t >= 1 by t, a difference that fades within a few hundred iterations), usually much faster. In general-sum
games the average converges only to coarse correlated equilibria, which need not be Nash. One game evaluation per
iteration.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from vvl_env.solve.dynamics.games import FloatArray, GameBatch, normalise


def _regret_step(Q: FloatArray, p: FloatArray, u: FloatArray, mask: Any) -> tuple[FloatArray, FloatArray]:
    """``Q <- [Q + u - <p, u>]^+`` on the allowed actions; returns (Q, the new strategy)."""
    Q = np.maximum(Q + u - np.einsum("bk,bk->b", p, u)[:, None], 0.0) * mask
    return Q, normalise(Q, mask)


class RegretMatchingPlus:
    """Simultaneous RM+; see the module docstring."""

    defaults: ClassVar[dict[str, Any]] = {}
    averaging: ClassVar[str] = "uniform"
    evaluations_per_iteration: ClassVar[int] = 1

    def __init__(self, games: GameBatch, x: FloatArray, y: FloatArray, rng: np.random.Generator) -> None:
        self.games = games
        self.Qx, self.Qy = np.zeros_like(x), np.zeros_like(y)

    def step(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        ux, uy = self.games.payoffs(x, y)
        self.Qx, x_next = _regret_step(self.Qx, x, ux, self.games.row_mask)
        self.Qy, y_next = _regret_step(self.Qy, y, uy, self.games.col_mask)
        return x_next, y_next


class AlternatingRegretMatchingPlus(RegretMatchingPlus):
    """Alternating RM+ (player 0 first); see the module docstring."""

    averaging: ClassVar[str] = "linear"

    def step(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        self.Qx, x_next = _regret_step(self.Qx, x, self.games.row_payoffs(y), self.games.row_mask)
        self.Qy, y_next = _regret_step(self.Qy, y, self.games.col_payoffs(x_next), self.games.col_mask)
        return x_next, y_next
