"""Fictitious play (Brown 1951; Robinson 1951), simultaneous, batched over padded games.

Update: each player best-responds to the opponent's empirical mixture of past play,
``x_{t+1} = BR_0(ybar_t)``, ``y_{t+1} = BR_1(xbar_t)``, with ``xbar_t = (x_0 + ... + x_t) / (t + 1)`` (the initial
strategies x_0, y_0 count as the first play; by default, ``init="pure"``, they are pure actions drawn uniformly, as in
Brown's and Shapley's setting). Ties are broken uniformly at random (a tie: payoffs within 1e-12 times the number
of plays summed, the reach of their rounding). No step size.

Iterates: the last iterate is the current (pure) best response and does not converge in games with only mixed
equilibria; the average iterate is the empirical mixture. Robinson (1951) proved the average converges to the
equilibrium set in every two-player zero-sum game (rate slow and game dependent, O(t^{-1/2}) typical); Monderer and
Shapley (1996) in games with identical interests, hence in exact potential games; Shapley (1964) gave a 3x3
general-sum game where it cycles for ever (from pure starts; from interior initial beliefs simultaneous play can
instead lock into a miscoordinated 3-cycle whose marginals do converge to the equilibrium, the effect Fudenberg and
Levine 1998, ch. 2, describe for coordination games). One game evaluation per iteration.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from vvl_env.solve.dynamics.games import FloatArray, GameBatch, best_response


class FictitiousPlay:
    """Simultaneous fictitious play; see the module docstring."""

    defaults: ClassVar[dict[str, Any]] = {}
    averaging: ClassVar[str] = "uniform"
    init: ClassVar[str] = "pure"
    evaluations_per_iteration: ClassVar[int] = 1

    def __init__(self, games: GameBatch, x: FloatArray, y: FloatArray, rng: np.random.Generator) -> None:
        self.games, self.rng = games, rng
        # cumulative payoff of each action against the opponent's past play: sum_s A1 y_s and sum_s x_s A2
        self.ux, self.uy = games.payoffs(x, y)
        self.plays = 1

    def step(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        # a tie: a gap within the rounding of a sum of `plays` payoffs of at most 1 (normalised), far above it
        # (exact ties read as gaps of 2e-12 after 2,700 plays of a pennies game with payoffs 0.3 / -0.7)
        tol = 1e-12 * self.plays
        x_next = best_response(self.ux, self.games.row_mask, self.rng, tol)
        y_next = best_response(self.uy, self.games.col_mask, self.rng, tol)
        ux, uy = self.games.payoffs(x_next, y_next)
        self.ux += ux
        self.uy += uy
        self.plays += 1
        return x_next, y_next
