"""Magnetic Mirror Descent, MMD (Sokota, D'Orazio, Kolter, Loizou, Lanctot, Mitliagkas, Brown and Kroer 2023),
with a uniform magnet ("mmd") and with magnet reset ("mmd_reset").

Update (player 0; player 1 alike with ``x A2``), negative-entropy mirror map, on normalised payoffs:
``x_{t+1} ∝ [x_t rho_t^(eta alpha) exp(eta A1 y_t)]^(1 / (1 + eta alpha))``, simultaneous, in log space (as
OpenSpiel's ``mmd_dilated.py``). Step size ``eta`` and regularisation temperature ``alpha`` (in units of the payoff
range), magnet rho_t:

* "mmd": rho uniform over the allowed actions. In a two-player zero-sum game the last iterate converges linearly to
  the logit quantal response equilibrium with temperature alpha (Sokota et al. 2023, Theorem 3.4, for eta small
  enough against alpha). Defaults eta 0.25, alpha 0.05 (eta 0.5 already oscillates on some random 2x2 games). That
  QRE is not a Nash equilibrium: its NashConv is O(alpha) (0.04-0.11 median on random 3x3-10x10 zero-sum games;
  0 only when the QRE is the equilibrium, e.g. in matching pennies and RPS by symmetry).
* "mmd_reset": rho is reset to the current iterate every ``reset_every`` iterations, the magnet update
  of Perolat et al. (2021, "From Poincaré recurrence to convergence ...") and Abe et al. (2024, "Adaptively
  perturbed mirror descent"): each phase converges to the QRE of the game regularised towards the last magnet, and
  the sequence of magnets (a KL proximal-point method) converges to a Nash equilibrium of a zero-sum game, so the
  last iterate does too. Defaults eta 0.5, alpha 0.1, reset_every 50: phases are cut short, which on the random
  zero-sum games of ``benchmarks/dynamics.py`` converged much faster than fully solved phases (slow where the
  equilibrium puts little mass on some action); the guarantee is for solved phases (small eta alpha, long phases).

No guarantee in general-sum games. One game evaluation per iteration.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from vvl_env.solve.dynamics.games import FloatArray, GameBatch, log_mask, softmax


class MagneticMirrorDescent:
    """MMD with a uniform magnet; see the module docstring."""

    defaults: ClassVar[dict[str, Any]] = {"eta": 0.25, "alpha": 0.05}
    averaging: ClassVar[str] = "uniform"
    evaluations_per_iteration: ClassVar[int] = 1

    def __init__(self, games: GameBatch, x: FloatArray, y: FloatArray, rng: np.random.Generator, *,
                 eta: float, alpha: float) -> None:
        self.games, self.eta, self.alpha = games, eta, alpha
        self.magnet = (log_mask(games.row_mask), log_mask(games.col_mask))

    def _update(self, p: FloatArray, u: FloatArray, log_magnet: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore"):
            log_p = np.log(p)
        ea = self.eta * self.alpha
        return softmax((log_p + self.eta * u + ea * log_magnet) / (1.0 + ea))

    def step(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        ux, uy = self.games.payoffs(x, y)
        return self._update(x, ux, self.magnet[0]), self._update(y, uy, self.magnet[1])


class MagnetResetMMD(MagneticMirrorDescent):
    """MMD whose magnet is reset to the current iterate every ``reset_every`` iterations; see the module docstring."""

    defaults: ClassVar[dict[str, Any]] = {"eta": 0.5, "alpha": 0.1, "reset_every": 50}

    def __init__(self, games: GameBatch, x: FloatArray, y: FloatArray, rng: np.random.Generator, *,
                 eta: float, alpha: float, reset_every: int) -> None:
        super().__init__(games, x, y, rng, eta=eta, alpha=alpha)
        self.reset_every, self.t = reset_every, 0

    def step(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        x_next, y_next = super().step(x, y)
        self.t += 1
        if self.t % self.reset_every == 0:
            with np.errstate(divide="ignore"):
                self.magnet = (np.log(x_next), np.log(y_next))
        return x_next, y_next
