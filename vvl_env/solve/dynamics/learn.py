"""``learn``: run one learning dynamic on a batch of (padded) games and record NashConv of both iterates."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import check_choice, check_int, check_real, check_rng
from vvl_env.solve.dynamics.fictitious_play import FictitiousPlay
from vvl_env.solve.dynamics.games import GameBatch, initial_strategy
from vvl_env.solve.dynamics.mmd import MagneticMirrorDescent, MagnetResetMMD
from vvl_env.solve.dynamics.omwu import OptimisticMWU
from vvl_env.solve.dynamics.regret_matching import AlternatingRegretMatchingPlus, RegretMatchingPlus
from vvl_env.solve.dynamics.replicator import Replicator
from vvl_env.solve.dynamics.result import DynamicsResult
from vvl_env.solve.exploitability import batch_inputs, masked_gains

METHODS: dict[str, Any] = {
    "fictitious_play": FictitiousPlay,
    "rm+": RegretMatchingPlus,
    "rm+_alternating": AlternatingRegretMatchingPlus,
    "omwu": OptimisticMWU,
    "mmd": MagneticMirrorDescent,
    "mmd_reset": MagnetResetMMD,
    "replicator": Replicator,
}
"""Method name -> implementation; each module's docstring states the update rule, its source and step size."""

AVERAGING = ("uniform", "linear")
INITS = ("random", "pure", "uniform")


def resolve_params(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The method's parameters with defaults filled in and every value checked (ValueError naming it)."""
    check_choice("method", method, tuple(METHODS))
    cls = METHODS[method]
    allowed = {**cls.defaults, "averaging": cls.averaging, "init": getattr(cls, "init", "random")}
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"{unknown[0]}: not a parameter of method {method!r}; allowed: {', '.join(sorted(allowed))}")
    out = allowed | params
    for key, value in out.items():
        if key == "reset_every":
            out[key] = check_int(key, value, 1)
        elif key == "averaging":
            check_choice(key, value, AVERAGING)
        elif key == "init":
            check_choice(key, value, INITS)
        else:
            out[key] = check_real(key, value, low=0.0, low_open=True)
    return out


def run_dynamics(games: GameBatch, method: str, params: dict[str, Any], record: npt.NDArray[np.int64],
                 rng: np.random.Generator, progress: bool = False) -> tuple[Any, ...]:
    """Iterate ``method`` up to ``record[-1]``; NashConv (K, B) of both iterates at the sorted steps ``record``.

    Returns ``(x, y, avg_x, avg_y, nash_conv_last, nash_conv_avg)``; internal (inputs trusted).
    """
    x = initial_strategy(games.row_mask, params["init"], rng)
    y = initial_strategy(games.col_mask, params["init"], rng)
    method_params = {k: v for k, v in params.items() if k not in ("averaging", "init")}
    dynamics = METHODS[method](games, x, y, rng, **method_params)
    linear = params["averaging"] == "linear"
    sx, sy, weight = x.copy(), y.copy(), 1.0
    nc_last = np.empty((len(record), games.shape[0]))
    nc_avg = np.empty_like(nc_last)
    payoffs, masks = (games.R1, games.R2), (games.row_mask, games.col_mask)
    k = 0
    steps = range(1, int(record[-1]) + 1)
    if progress:
        from tqdm import tqdm
        steps = tqdm(steps, desc=method, unit="it", mininterval=1.0)
    for t in itertools.chain((0,), steps):
        if t > 0:
            x, y = dynamics.step(x, y)
            w = t + 1.0 if linear else 1.0
            sx += w * x
            sy += w * y
            weight += w
        while k < len(record) and record[k] == t:
            nc_last[k] = masked_gains(*payoffs, x, y, *masks).sum(-1)
            nc_avg[k] = masked_gains(*payoffs, sx / weight, sy / weight, *masks).sum(-1)
            k += 1
    return x, y, sx / weight, sy / weight, nc_last, nc_avg


def learn(R1: npt.ArrayLike, R2: npt.ArrayLike, method: str = "rm+", iterations: int = 10_000, *,
          rng: np.random.Generator, record_every: int = 100, target: float = 1e-3,
          row_mask: npt.ArrayLike | None = None, col_mask: npt.ArrayLike | None = None, progress: bool = False,
          **method_params: Any) -> DynamicsResult:
    """Run a learning dynamic on B games at once and report both iterates and their NashConv.

    Parameters
    ----------
    R1, R2 : array_like, shape (B, m, n) or (m, n)
        Payoffs of player 0 and player 1 (an unbatched game is B = 1). Padded cells (masked rows or columns) are
        ignored.
    method : str
        One of ``METHODS``: "fictitious_play", "rm+", "rm+_alternating", "omwu", "mmd", "mmd_reset", "replicator".
    iterations : int >= 1
        Number of updates of both players.
    rng : numpy.random.Generator
        Draws the initial strategies (``init="random"``) and fictitious play's tie-breaks.
    record_every : int >= 1
        Record NashConv every this many iterations (and at the final one).
    target : float > 0
        The NashConv (game units) a game must reach and hold to count as converged (``DynamicsResult``).
    row_mask, col_mask : array_like of bool, shape (B, m) and (B, n), optional
        True where the action exists; masked actions get probability 0 and are never best responses.
    progress : bool
        Show a progress bar.
    **method_params
        The method's parameters (its module docstring; defaults in ``METHODS[method].defaults``), and for every
        method ``averaging`` ("uniform" or "linear": weight t + 1 on iterate t; default per method) and ``init``
        ("random": a uniform draw from the simplex, the default but for fictitious play; "pure": a uniformly drawn
        action, fictitious play's default; "uniform").

    Returns
    -------
    DynamicsResult

    Raises
    ------
    ValueError
        Naming the argument: unknown method or parameter, a parameter out of range, bad payoffs or masks.

    Examples
    --------
    >>> import numpy as np
    >>> from vvl_env.model import matching_pennies
    >>> g = matching_pennies()
    >>> res = learn(g.R1, g.R2, "rm+_alternating", 5000, rng=np.random.default_rng(0))
    >>> bool(res.converged[0]), str(res.best[0]), res.avg_x.round(3).tolist()  # the last iterate cycles
    (True, 'average', [[0.5, 0.5]])
    """
    A, Bm, rm, cm = batch_inputs(R1, R2, row_mask, col_mask)
    check_rng(rng)
    params = resolve_params(method, method_params)
    iterations = check_int("iterations", iterations, 1)
    record_every = check_int("record_every", record_every, 1)
    target = check_real("target", target, low=0.0, low_open=True)
    steps = np.unique(np.append(np.arange(record_every, iterations + 1, record_every), iterations))
    games = GameBatch(A, Bm, rm, cm)
    x, y, ax, ay, nc_last, nc_avg = run_dynamics(games, method, params, steps, rng, progress)
    return DynamicsResult(method, params, target, x, y, ax, ay, steps, nc_last, nc_avg,
                          METHODS[method].evaluations_per_iteration)
