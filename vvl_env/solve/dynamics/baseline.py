"""Reference lines for learners: mean NashConv of a learning dynamic against the number of game evaluations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import check_rng
from vvl_env.solve.dynamics.games import FloatArray, GameBatch
from vvl_env.solve.dynamics.learn import METHODS, resolve_params, run_dynamics
from vvl_env.solve.exploitability import batch_inputs

CURVE_POINTS = 50
"""Log-spaced points of a curve asked for by a total budget."""


@dataclass(frozen=True, slots=True)
class BaselineCurve:
    """Mean (over the games) NashConv of both iterates after at most ``evaluations[k]`` game evaluations.

    ``iterations[k] = evaluations[k] // evaluations_per_iteration`` updates were run (0: the initial strategies).
    """

    method: str
    params: dict[str, Any]
    evaluations: npt.NDArray[np.int64]
    iterations: npt.NDArray[np.int64]
    nash_conv_last: FloatArray
    nash_conv_avg: FloatArray


def _budgets(evaluations: Any) -> npt.NDArray[np.int64]:
    if isinstance(evaluations, (int, np.integer)) and not isinstance(evaluations, bool):
        if evaluations < 1:
            raise ValueError(f"evaluations: must be >= 1, got {evaluations}")
        return np.unique(np.geomspace(1, int(evaluations), CURVE_POINTS).round().astype(np.int64))
    arr = np.asarray(evaluations)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer) or np.any(arr < 0) \
            or np.any(np.diff(arr) <= 0):
        raise ValueError("evaluations: must be an int budget >= 1 or an increasing 1-D array of ints >= 0, got "
                         f"{evaluations!r}")
    return arr.astype(np.int64)


def baseline_curve(R1: npt.ArrayLike, R2: npt.ArrayLike, method: str, evaluations: int | npt.ArrayLike, *,
                   rng: np.random.Generator, row_mask: npt.ArrayLike | None = None,
                   col_mask: npt.ArrayLike | None = None, progress: bool = False,
                   **method_params: Any) -> BaselineCurve:
    """Mean NashConv over B games of ``method``'s last and average iterates against game evaluations.

    Parameters
    ----------
    R1, R2, row_mask, col_mask, rng, method, progress, **method_params
        As for :func:`vvl_env.solve.dynamics.learn`.
    evaluations : int or 1-D array of int
        A total budget (curve at ``CURVE_POINTS`` log-spaced budgets up to it) or the increasing budgets to report.

    Returns
    -------
    BaselineCurve

    Notes
    -----
    One *game evaluation* is one computation of both players' expected-payoff vectors ``R1 y`` and ``x R2`` against
    the current profile: one per iteration for every method but replicator dynamics (4, its Runge-Kutta stages). The
    curve at budget e is NashConv after ``e // evaluations_per_iteration`` iterations, so it never spends more game
    evaluations than a learner it is drawn next to. NashConv is averaged over the B games, in game units. Cost:
    tens of µs plus about 1 µs per game for each iteration (``benchmarks/dynamics.py``): a budget of 10^6 takes
    minutes.
    """
    A, Bm, rm, cm = batch_inputs(R1, R2, row_mask, col_mask)
    check_rng(rng)
    params = resolve_params(method, method_params)
    budgets = _budgets(evaluations)
    per_iteration = METHODS[method].evaluations_per_iteration
    iterations = budgets // per_iteration
    record = np.unique(iterations)
    *_, nc_last, nc_avg = run_dynamics(GameBatch(A, Bm, rm, cm), method, params, record, rng, progress)
    index = np.searchsorted(record, iterations)
    return BaselineCurve(method, params, budgets, iterations, nc_last.mean(axis=1)[index],
                         nc_avg.mean(axis=1)[index])
