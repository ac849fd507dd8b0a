"""Replicator dynamics (Taylor and Jonker 1978; Hofbauer and Sigmund 1998, ch. 7 and 11), two-population.

Dynamics: ``dx_i/dt = x_i ((A1 y)_i - x A1 y)``, ``dy_j/dt = y_j ((x A2)_j - x A2 y)`` on normalised payoffs. They are
integrated exactly on the simplex in cumulative-payoff coordinates: ``x = softmax(z)`` with ``dz/dt = A1 y`` (the
replicator equation is continuous-time follow-the-regularised-leader with the entropy; Mertikopoulos, Papadimitriou
and Piliouras 2018), by classical 4th-order Runge-Kutta with time step ``dt`` (default 0.25, in units of
1 / payoff range).

Iterates: in a zero-sum game with an interior equilibrium the orbits are closed (KL divergence to the equilibrium is
conserved), so the last iterate cycles and never converges; the time average converges to the equilibrium set, with
NashConv <= (max_i log(1 / x_0i) + max_j log(1 / y_0j)) / (t dt) in normalised units (the continuous FTRL regret
bound; log m + log n from the uniform start). In exact potential games the potential increases along orbits and
interior orbits converge to rest points. Shapley's game: the orbits spiral
out towards a heteroclinic cycle on the boundary. Four game evaluations per iteration (the Runge-Kutta stages).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from vvl_env.solve.dynamics.games import FloatArray, GameBatch, softmax


class Replicator:
    """Replicator dynamics by RK4 in cumulative-payoff coordinates; see the module docstring."""

    defaults: ClassVar[dict[str, Any]] = {"dt": 0.25}
    averaging: ClassVar[str] = "uniform"
    evaluations_per_iteration: ClassVar[int] = 4

    def __init__(self, games: GameBatch, x: FloatArray, y: FloatArray, rng: np.random.Generator, *,
                 dt: float) -> None:
        self.games, self.dt = games, dt
        with np.errstate(divide="ignore"):
            self.z = (np.log(x), np.log(y))

    def _field(self, zx: FloatArray, zy: FloatArray) -> tuple[FloatArray, FloatArray]:
        return self.games.payoffs(softmax(zx), softmax(zy))

    def step(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        (zx, zy), h = self.z, self.dt
        k1 = self._field(zx, zy)
        k2 = self._field(zx + h / 2 * k1[0], zy + h / 2 * k1[1])
        k3 = self._field(zx + h / 2 * k2[0], zy + h / 2 * k2[1])
        k4 = self._field(zx + h * k3[0], zy + h * k3[1])
        zx = zx + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        zy = zy + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        self.z = (zx - zx.max(axis=-1, keepdims=True), zy - zy.max(axis=-1, keepdims=True))
        return softmax(self.z[0]), softmax(self.z[1])
