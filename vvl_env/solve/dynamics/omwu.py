"""Optimistic multiplicative weights update, OMWU (Rakhlin and Sridharan 2013; Daskalakis and Panageas 2019).

Update (player 0; player 1 alike with ``x A2``), on normalised payoffs (``games`` module):
``x_{t+1} ∝ x_t exp(eta (2 A1 y_t - A1 y_{t-1}))`` with ``A1 y_{-1} = A1 y_0``, simultaneous; computed in log space.
Step size ``eta`` (default 0.5, in units of the game's payoff range: above the 1/8 of the theory, stable and much
faster on the random zero-sum games of ``benchmarks/dynamics.py``; eta = 2 diverges there).

Iterates: in two-player zero-sum games with a unique equilibrium the *last* iterate converges to it for small enough
eta (Daskalakis and Panageas 2019; Wei, Lee, Zhang and Luo 2021 give a linear rate with a
game-dependent constant that can make it slow: a random 5x5 game in 30 may need more than 10^5 iterations to
reach NashConv 1e-3); the uniform average converges too (regret O(1)). No guarantee in general-sum games.
One game evaluation per iteration (the previous payoff vector is kept).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from vvl_env.solve.dynamics.games import FloatArray, GameBatch, softmax


class OptimisticMWU:
    """Simultaneous OMWU; see the module docstring."""

    defaults: ClassVar[dict[str, Any]] = {"eta": 0.5}
    averaging: ClassVar[str] = "uniform"
    evaluations_per_iteration: ClassVar[int] = 1

    def __init__(self, games: GameBatch, x: FloatArray, y: FloatArray, rng: np.random.Generator, *,
                 eta: float) -> None:
        self.games, self.eta = games, eta
        with np.errstate(divide="ignore"):  # masked actions: log 0 = -inf, kept for ever
            self.log_x, self.log_y = np.log(x), np.log(y)
        self.prev = games.payoffs(x, y)

    def step(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        ux, uy = self.games.payoffs(x, y)
        self.log_x = self.log_x + self.eta * (2.0 * ux - self.prev[0])
        self.log_y = self.log_y + self.eta * (2.0 * uy - self.prev[1])
        self.log_x -= self.log_x.max(axis=-1, keepdims=True)
        self.log_y -= self.log_y.max(axis=-1, keepdims=True)
        self.prev = (ux, uy)
        return softmax(self.log_x), softmax(self.log_y)
