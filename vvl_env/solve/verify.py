"""Verification of mixed profiles: regrets and epsilon-equilibria of two-player games (model.md §2).

Exactness: the regrets are computed in closed form, ``max_a (R1 y)_a - x R1 y`` and ``max_b (x R2)_b - x R2 y``, to
floating-point accuracy. By default they are *relative*: each player's payoffs are first shifted and scaled to
``[0, 1]`` by their range ``max R - min R`` (a constant matrix has regret 0), so one tolerance serves payoffs of any
magnitude (1e-6 .. 1e10) when they span a similar range. :func:`decisive_regrets` (used by the solvers) divides
instead by the payoff differences that decide each best response (per column of R1, per row of R2, weighted by the
opponent's strategy), so a dominated row with a huge loss cannot hide a regret. Practical size: any; every function
broadcasts over leading batch dimensions
(``R1, R2`` of shape (..., m, n), ``x`` (..., m), ``y`` (..., n)). Degenerate input needs no special care.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array
from vvl_env.model.game import Game

FloatArray = npt.NDArray[np.float64]
GameLike = Game | tuple[npt.ArrayLike, npt.ArrayLike]

PROFILE_ATOL = 1e-8
"""Slack allowed on a profile: entries >= -PROFILE_ATOL and ``|sum - 1| <= PROFILE_ATOL``."""


def payoff_arrays(game: Any, name: str = "game", batched: bool = False) -> tuple[FloatArray, FloatArray]:
    """Return ``(R1, R2)`` as float arrays from a :class:`Game` or a pair of arrays.

    With ``batched=True`` the arrays may have leading batch dimensions (``ndim >= 2``); otherwise exactly 2-D.
    Raises ValueError naming ``name`` on anything else.
    """
    if isinstance(game, Game):
        return np.asarray(game.R1, dtype=np.float64), np.asarray(game.R2, dtype=np.float64)
    if not isinstance(game, (tuple, list)) or len(game) != 2:
        raise ValueError(f"{name}: must be a Game or a pair (R1, R2) of payoff arrays, got {type(game).__name__}")
    R1 = as_finite_array(f"{name}[0] (R1)", game[0])
    R2 = as_finite_array(f"{name}[1] (R2)", game[1])
    if (R1.ndim < 2) if batched else (R1.ndim != 2):
        raise ValueError(f"{name}[0] (R1): must be a {'(..., m, n)' if batched else '(m, n)'} array, "
                         f"got shape {R1.shape}")
    if R1.shape != R2.shape:
        raise ValueError(f"{name}[1] (R2): must have the shape of R1 {R1.shape}, got {R2.shape}")
    return R1, R2


def check_profile(name: str, p: npt.ArrayLike, size: int, batch_shape: tuple[int, ...] | None = ()) -> FloatArray:
    """Return ``p`` as a float array of shape ``batch_shape + (size,)`` lying on the simplex (within PROFILE_ATOL).

    ``batch_shape=None`` accepts any leading shape (..., size).
    """
    arr = as_finite_array(name, p)
    if arr.shape[-1:] != (size,) or (batch_shape is not None and arr.shape[:-1] != batch_shape):
        want = f"(..., {size})" if batch_shape is None else f"{(*batch_shape, size)}"
        raise ValueError(f"{name}: must have shape {want} (one probability per action), got {arr.shape}")
    if np.any(arr < -PROFILE_ATOL):
        raise ValueError(f"{name}: probabilities must be >= 0, got min {arr.min():.3g}")
    total = arr.sum(axis=-1)
    if np.any(np.abs(total - 1.0) > PROFILE_ATOL):
        bad = float(total.flat[int(np.argmax(np.abs(total - 1.0)))])
        raise ValueError(f"{name}: probabilities must sum to 1 (within {PROFILE_ATOL:g}), got sum {bad!r}")
    return arr


def normalised(R: FloatArray) -> FloatArray:
    """``(R - min R) / (max R - min R)`` per matrix (last two axes); a constant matrix maps to zeros."""
    lo = R.min(axis=(-2, -1), keepdims=True)
    span = R.max(axis=(-2, -1), keepdims=True) - lo
    return (R - lo) / np.where(span > 0, span, 1.0)


def regrets(R1: FloatArray, R2: FloatArray, x: FloatArray, y: FloatArray, relative: bool = True) -> FloatArray:
    """Regrets ``(..., 2)`` of both players, without input checks (internal, batched).

    Leading axes broadcast: ``R1, R2`` (..., m, n), ``x`` (..., m), ``y`` (..., n).
    """
    if relative:
        R1, R2 = normalised(R1), normalised(R2)
    r1y = np.einsum("...mn,...n->...m", R1, y)
    xr2 = np.einsum("...m,...mn->...n", x, R2)
    g1 = r1y.max(axis=-1) - np.einsum("...m,...m->...", x, r1y)
    g2 = xr2.max(axis=-1) - np.einsum("...n,...n->...", xr2, y)
    return np.stack([g1, g2], axis=-1)


def decisive_regrets(R1: FloatArray, R2: FloatArray, x: FloatArray, y: FloatArray) -> FloatArray:
    """Regrets ``(..., 2)`` relative to the payoff differences that decide each best response (internal, batched).

    Player 0 compares rows within each column j, so its regret is divided by ``sum_j y_j span_j`` with ``span_j``
    the range of column j of R1; player 1's by ``sum_i x_i span_i`` over the rows of R2 (0 where the divisor is 0:
    then every reply is best). In [0, 1], and unchanged by every transformation that preserves the equilibria:
    constants added to a column of R1 or a row of R2, and positive scaling of a column of R1 (or a row of R2) with the
    matching rescaling of y (or x). Differences are taken after subtracting each column's (row's) minimum, so the
    rounding error is relative to those spans, not to the payoffs' magnitude.
    """
    C1 = R1 - R1.min(axis=-2, keepdims=True)
    C2 = R2 - R2.min(axis=-1, keepdims=True)
    r1y = (C1 @ y[..., None])[..., 0]
    xr2 = (x[..., None, :] @ C2)[..., 0, :]
    g1 = r1y.max(axis=-1) - (x * r1y).sum(axis=-1)
    g2 = xr2.max(axis=-1) - (xr2 * y).sum(axis=-1)
    s1 = (y * C1.max(axis=-2)).sum(axis=-1)
    s2 = (x * C2.max(axis=-1)).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack([np.where(s1 > 0, g1 / s1, 0.0), np.where(s2 > 0, g2 / s2, 0.0)], axis=-1)


def max_regret(game: GameLike, x: npt.ArrayLike, y: npt.ArrayLike, *, relative: bool = True) -> Any:
    """Largest regret of the two players at the profile (x, y).

    Parameters
    ----------
    game : Game or (R1, R2)
        A game, or payoff arrays of shape (m, n) or batched (..., m, n).
    x, y : array_like, shape (..., m) and (..., n)
        Mixed strategies of player 0 and player 1; leading axes broadcast with the games' (e.g. K profiles of one
        game: x (K, m), y (K, n)).
    relative : bool
        Scale each player's regret by its payoff range ``max R - min R`` (default), or report absolute regrets.

    Returns
    -------
    float or ndarray
        ``max_i regret_i`` (a float for one game, an array of the batch shape otherwise).

    Notes
    -----
    ``regret_0 = max_a (R1 y)_a - x R1 y`` and ``regret_1 = max_b (x R2)_b - x R2 y`` (model.md §2). (x, y) is a Nash
    equilibrium iff both are 0 and an epsilon-equilibrium iff both are <= epsilon.
    """
    R1, R2 = payoff_arrays(game, batched=True)
    xv = check_profile("x", x, R1.shape[-2], None)
    yv = check_profile("y", y, R1.shape[-1], None)
    try:
        np.broadcast_shapes(R1.shape[:-2], xv.shape[:-1], yv.shape[:-1])
    except ValueError:
        raise ValueError(f"x: leading shape {xv.shape[:-1]} does not broadcast with y's {yv.shape[:-1]} and the "
                         f"games' {R1.shape[:-2]}") from None
    out = regrets(R1, R2, xv, yv, relative).max(axis=-1)
    return float(out) if out.ndim == 0 else out


def is_epsilon_equilibrium(game: GameLike, x: npt.ArrayLike, y: npt.ArrayLike, eps: float = 1e-9, *,
                           relative: bool = True) -> Any:
    """True where no player gains more than ``eps`` by deviating (relative to its payoff range by default).

    Parameters
    ----------
    game, x, y, relative
        As for :func:`max_regret`.
    eps : float
        Tolerance, ``>= 0``.

    Returns
    -------
    bool or ndarray of bool
        ``max_regret(game, x, y) <= eps``.
    """
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not eps >= 0:
        raise ValueError(f"eps: must be a real number >= 0, got {eps!r}")
    out = np.asarray(max_regret(game, x, y, relative=relative)) <= eps
    return bool(out) if out.ndim == 0 else out
