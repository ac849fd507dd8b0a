"""The result of a run of learning dynamics: both iterates, their NashConv trajectories, and the convergence flag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.solve.dynamics.games import FloatArray

HOLD_FRACTION = 0.1
"""A run has converged to ``target`` when NashConv stays <= target over the last HOLD_FRACTION of its records."""


@dataclass(frozen=True, slots=True)
class DynamicsResult:
    """Strategies and NashConv trajectories of one method on B games.

    Attributes
    ----------
    method, params : the method's name (one of ``METHODS``) and every parameter it ran with, defaults included.
    target : the NashConv the run was asked to reach (game units).
    last_x, last_y : (B, m), (B, n) the last iterate.
    avg_x, avg_y : (B, m), (B, n) the average iterate (weights as ``params["averaging"]``).
    steps : (K,) the iteration numbers at which NashConv was recorded (the last one is the final iteration).
    nash_conv_last, nash_conv_avg : (K, B) NashConv of the last and of the average iterate at those iterations.
    evaluations_per_iteration : game evaluations one iteration costs (see ``vvl_env.solve.dynamics.games``).

    Notes
    -----
    ``converged_last`` / ``converged_avg``: NashConv of that iterate <= target at every record in the final
    ``HOLD_FRACTION`` of the records (at least the final one), so a cycle that passes near an equilibrium at the end
    does not count. ``best`` names the iterate that converged ("last" preferred), or where neither did the one with
    the lower final NashConv; ``converged`` is whether ``best`` converged.
    """

    method: str
    params: dict[str, Any]
    target: float
    last_x: FloatArray
    last_y: FloatArray
    avg_x: FloatArray
    avg_y: FloatArray
    steps: npt.NDArray[np.int64]
    nash_conv_last: FloatArray
    nash_conv_avg: FloatArray
    evaluations_per_iteration: int

    def _held(self, trajectory: FloatArray) -> npt.NDArray[np.bool_]:
        hold = max(1, int(np.ceil(HOLD_FRACTION * len(self.steps))))
        return np.all(trajectory[-hold:] <= self.target, axis=0)

    @property
    def converged_last(self) -> npt.NDArray[np.bool_]:
        """(B,) whether the last iterate reached and held the target."""
        return self._held(self.nash_conv_last)

    @property
    def converged_avg(self) -> npt.NDArray[np.bool_]:
        """(B,) whether the average iterate reached and held the target."""
        return self._held(self.nash_conv_avg)

    @property
    def converged(self) -> npt.NDArray[np.bool_]:
        """(B,) whether some iterate reached and held the target (that iterate is ``best``)."""
        return self.converged_last | self.converged_avg

    @property
    def best(self) -> npt.NDArray[np.str_]:
        """(B,) "last" or "average": the iterate that converged (last preferred), else the lower final NashConv."""
        last, avg = self.converged_last, self.converged_avg
        lower_last = self.nash_conv_last[-1] <= self.nash_conv_avg[-1]
        return np.where(last | (~avg & lower_last), "last", "average")

    @property
    def evaluations(self) -> npt.NDArray[np.int64]:
        """(K,) game evaluations spent by each recorded iteration."""
        return self.steps * self.evaluations_per_iteration
