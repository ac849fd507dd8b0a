"""Values and best responses of Markov play in a finitely repeated matrix game with observed actions: the play phase
of ``refine_matrix_v0`` with ``rounds = H`` (model.md §2), batched over B games.

A *Markov* profile conditions on the round t and the cell (a, b) played in the round before, the state a
``refine_matrix_v0`` play observation holds (its payoff tables stay fixed during play). States are numbered per
game: 0 is "no round played yet" (round 0), ``1 + a M + b`` the cell (a, b) of the last round (rounds >= 1), with
games padded to M x M. Each round pays ``R1[a, b]``, ``R2[a, b]``, undiscounted (the env's convention).

Exactness: backward induction over the H rounds, exact for the given profile (no sampling). With ``V_{t+1}`` the
profile's values after each cell, player 0's stage at round t is ``R1 + V^0_{t+1}`` and its value at state s is
``x_t(s) (R1 + V^0_{t+1}) y_t(s)``; its best response replaces its own play by a maximum over its actions with its
own best-response continuation, ``max_a ((R1 + B^0_{t+1}) y_t(s))_a``, the optimum of the decision problem the
other's Markov play leaves it, which a history-dependent strategy cannot beat. NashConv is the sum of the two
best-response gains at the start (as :mod:`vvl_env.solve.exploitability`; for H = 1 exactly its stage NashConv, for a
stationary profile H times it); the one-shot gap is the largest gain of changing one action at one state, reached or
not, 0 exactly at a subgame-perfect equilibrium. Cost O(B H M^4).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array
from vvl_env.solve.bargaining_play import GapTracker, PlayValues

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
PROB_TOL = 1e-6


def _masks(name: str, mask: npt.ArrayLike | None, B: int, M: int) -> BoolArray:
    if mask is None:
        return np.ones((B, M), dtype=bool)
    out = np.asarray(mask)
    if out.shape != (B, M) or out.dtype.kind not in "bui":
        raise ValueError(f"{name}: must be a boolean array of shape {(B, M)}, got {out.dtype} {out.shape}")
    out = out.astype(bool)
    if not out.any(axis=1).all():
        raise ValueError(f"{name}: every game needs at least one action")
    return out


def repeated_play_values(R1: npt.ArrayLike, R2: npt.ArrayLike, x: npt.ArrayLike, y: npt.ArrayLike, *,
                         row_mask: npt.ArrayLike | None = None,
                         col_mask: npt.ArrayLike | None = None) -> PlayValues:
    """Each player's value of a Markov profile and of its best response to the other's play (module docstring).

    Parameters
    ----------
    R1, R2 : array_like (B, M, M)
        Payoff matrices, padded to M x M (padding is never played).
    x, y : array_like (B, H, 1 + M^2, M)
        Player 0's (rows) and player 1's (columns) strategy at round t in each state: row 0 is used at t = 0, rows
        ``1 + a M + b`` at t >= 1 (the others are ignored). Rows need not be normalised exactly (each is used as
        given); probability on padded actions is an error.
    row_mask, col_mask : array_like (B, M) of bool, optional
        The actions that exist (default: all). States after a nonexistent cell are ignored.

    Returns
    -------
    PlayValues
        ``value``, ``best_response`` (B, 2), ``one_shot_gap`` (B,), the largest one-shot deviation gain over
        every state, reached or not, and both movers, and ``one_shot_at`` (B, 3), where: ``(t, player, state)``, the
        state numbered as ``x``'s rows.
    """
    A = as_finite_array("R1", R1, ndim=3)
    Bm = as_finite_array("R2", R2, ndim=3)
    B, M, M2 = A.shape
    if M != M2 or Bm.shape != A.shape or M < 1:
        raise ValueError(f"R1, R2: must both have shape (B, M, M), got {A.shape} and {Bm.shape}")
    X = as_finite_array("x", x, ndim=4)
    Y = as_finite_array("y", y, ndim=4)
    H = X.shape[1]
    if X.shape != (B, H, 1 + M * M, M) or Y.shape != X.shape or H < 1:
        raise ValueError(f"x, y: must both have shape (B, H, 1 + M^2, M) = ({B}, H, {1 + M * M}, {M}), got "
                         f"{X.shape} and {Y.shape}")
    rm, cm = _masks("row_mask", row_mask, B, M), _masks("col_mask", col_mask, B, M)
    for name, S, mask in (("x", X, rm), ("y", Y, cm)):
        if S.min() < -PROB_TOL or (S * ~mask[:, None, None, :]).max() > PROB_TOL:
            raise ValueError(f"{name}: probabilities must be >= 0 and 0 on actions that do not exist")
    states = np.concatenate([np.ones((B, 1), bool), (rm[:, :, None] & cm[:, None, :]).reshape(B, -1)], axis=1)
    value_next = np.zeros((B, 2, M, M))   # the profile's values after each cell of round t
    best_next = np.zeros((B, 2, M, M))    # [:, i]: player i's best-response value after each cell
    gap = GapTracker(B)
    payoff = np.stack([A, Bm], axis=1)    # (B, 2, M, M)
    for t in reversed(range(H)):
        at = slice(0, 1) if t == 0 else slice(1, None)
        xs, ys, live = X[:, t, at], Y[:, t, at], states[:, at]
        stage, stage_best = payoff + value_next, payoff + best_next
        row_q = np.einsum("bac,bsc->bsa", stage[:, 0], ys)                # player 0's action values
        col_q = np.einsum("bsa,bac->bsc", xs, stage[:, 1])
        value = np.stack([(xs * row_q).sum(-1), (ys * col_q).sum(-1)], axis=1)   # (B, 2, S)
        low = -np.inf
        best = np.stack([np.where(rm[:, None], np.einsum("bac,bsc->bsa", stage_best[:, 0], ys), low).max(-1),
                         np.where(cm[:, None], np.einsum("bsa,bac->bsc", xs, stage_best[:, 1]), low).max(-1)], axis=1)
        one_shot = np.stack([np.where(rm[:, None], row_q, low).max(-1), np.where(cm[:, None], col_q, low).max(-1)],
                            axis=1) - value
        for i in (0, 1):
            gap.update(np.where(live, one_shot[:, i], 0.0), t, i, first_state=0 if t == 0 else 1)
        if t > 0:
            value_next, best_next = value.reshape(B, 2, M, M), best.reshape(B, 2, M, M)
    return PlayValues(value[:, :, 0], best[:, :, 0], gap.gap, gap.at)
