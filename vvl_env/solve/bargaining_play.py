"""Values and best responses of Markov play in finite alternating-offers bargaining over a grid of offers: the play
phase of ``refine_bargain_v0`` (model.md §3), batched over B problems.

A *Markov* profile conditions on the round t, the phase and the offer on the table, the state a
``refine_bargain_v0`` observation holds once the refinement phase is over (the weights it shows stay fixed during
play). At round t the proposer ``p = first_proposer ^ (t % 2)`` draws an offer g from ``propose[t, k]``, k the
offer on the table (0: none, at t = 0; ``1 + h``: offer h, the one rejected at t - 1); the responder accepts with
probability ``accept[t, g]``. Agreement on g at round t pays ``delta**t * utilities[:, g]``; a rejection at the last
round pays ``d`` (not discounted: the env's convention).

Exactness: backward induction over the H rounds and G offers, exact for the given profile (no sampling). The best
response of player i is the optimum of the Markov decision problem the other's Markov play leaves i (state: round,
phase, offer on the table), which a history-dependent strategy cannot beat. Cost: O(B H G^2) for the proposer's
expectations; memory ``propose`` (B, H, G + 1, G): chunk the problems for large grids (21^2 offers: 6 MB per problem
in float64). NashConv is the sum of the players' best-response gains (as :mod:`vvl_env.solve.exploitability`); it
is 0 exactly at a Nash equilibrium of the play game, and at a subgame-perfect one (e.g. the grid SPE of
:func:`vvl_env.solve.alternating_offers_spe`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array, check_index, check_real
from vvl_env.model.bargaining import check_disagreement

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
PROB_TOL = 1e-6
NOWHERE = (-1, -1, -1)


@dataclass(frozen=True, slots=True)
class PlayValues:
    """Per problem: ``value`` (B, 2), each player's expected payoff under the profile; ``best_response`` (B, 2),
    player i's value when it best-responds and the other keeps its play. ``nash_conv`` (B,) and ``gains`` (B, 2)
    are derived."""

    value: FloatArray
    best_response: FloatArray
    one_shot_gap: FloatArray
    """(B,): the largest gain of a one-shot deviation, over every play state (each round, each offer on the table,
    reached or not) and its mover, in payoff units discounted to the start; 0 exactly when the play is subgame
    perfect (the one-shot deviation principle)."""
    one_shot_at: IntArray
    """(B, 3): where ``one_shot_gap`` is reached, ``(round, mover, state)``; the state numbering is the solver's
    (:func:`play_values`, :func:`~vvl_env.solve.repeated_play.repeated_play_values`). ``(-1, -1, -1)`` where no
    one-shot deviation gains (gap 0); the latest round wins a tie."""

    @classmethod
    def concatenate(cls, parts: list[PlayValues]) -> PlayValues:
        """The problems of ``parts`` in order, as one batch (an empty batch for no parts)."""
        if not parts:
            return cls(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0), np.zeros((0, 3), dtype=np.int64))
        return cls(*(np.concatenate([getattr(pv, f) for pv in parts])
                     for f in ("value", "best_response", "one_shot_gap", "one_shot_at")))

    @property
    def gains(self) -> FloatArray:
        """(B, 2): each player's best-response gain (>= 0 up to rounding)."""
        return self.best_response - self.value

    @property
    def nash_conv(self) -> FloatArray:
        """(B,): the sum of the two gains."""
        return self.gains.sum(axis=1)


class GapTracker:
    """The running maximum of one-shot deviation gains over a backward induction, and where it sits."""

    def __init__(self, B: int) -> None:
        self.gap = np.zeros(B)
        self.at = np.tile(np.array(NOWHERE, dtype=np.int64), (B, 1))

    def update(self, gains: FloatArray, t: int, mover: int, first_state: int = 0) -> None:
        """Take in ``gains`` (B, S), mover ``mover``'s one-shot gains at round t in states ``first_state + s``."""
        s = gains.argmax(axis=1)
        top = gains[np.arange(len(s)), s]
        better = top > self.gap
        self.gap = np.where(better, top, self.gap)
        self.at[better] = np.stack([np.full(len(s), t), np.full(len(s), mover), first_state + s], axis=1)[better]


def _check(utilities: npt.ArrayLike, propose: npt.ArrayLike, accept: npt.ArrayLike
           ) -> tuple[FloatArray, FloatArray, FloatArray]:
    U = as_finite_array("utilities", utilities, ndim=3)
    B, two, G = U.shape
    if two != 2 or G < 1:
        raise ValueError(f"utilities: must have shape (B, 2, G), got {U.shape}")
    P = as_finite_array("propose", propose, ndim=4)
    H = P.shape[1]
    if P.shape != (B, H, G + 1, G) or H < 1:
        raise ValueError(f"propose: must have shape (B, H, G + 1, G) = ({B}, H, {G + 1}, {G}), got {P.shape}")
    A = as_finite_array("accept", accept, ndim=3)
    if A.shape != (B, H, G):
        raise ValueError(f"accept: must have shape (B, H, G) = {(B, H, G)}, got {A.shape}")
    if P.min() < -PROB_TOL or A.min() < -PROB_TOL or A.max() > 1 + PROB_TOL:
        raise ValueError("propose, accept: probabilities must lie in [0, 1]")
    return U, P, A


def play_values(utilities: npt.ArrayLike, delta: float, first_proposer: int, propose: npt.ArrayLike,
                accept: npt.ArrayLike, d: npt.ArrayLike = (0.0, 0.0)) -> PlayValues:
    """Each player's value of a Markov profile and of its best response to the other's play (module docstring).

    Parameters
    ----------
    utilities : array_like (B, 2, G)
        ``utilities[b, i, g]``: player i's (undiscounted) utility of agreeing on offer g in problem b.
    delta : float in (0, 1]
        Discount per round.
    first_proposer : 0 or 1
    propose : array_like (B, H, G + 1, G)
        The proposer's offer distribution at round t given the offer on the table (row 0: none; rows of
        unreachable states, row 0 at t >= 1 and rows >= 1 at t = 0, are ignored). Rows need not be normalised
        exactly (each is used as given).
    accept : array_like (B, H, G)
        The responder's acceptance probability of offer g at round t.
    d : array_like (2,)
        Disagreement payoffs after the last rejection.

    Returns
    -------
    PlayValues
        With ``one_shot_gap``: the largest one-shot deviation gain, ``max(delta^t u_r(g), S^r_{t+1}(g)) -
        R^r_t(g)`` at the responses and ``max_g R^p_t(g) - S^p_t(k)`` at the proposals; ``one_shot_at``: where,
        ``(t, mover, state)``, the state being the offer g responded to when the mover is round t's responder, the
        table k (0: none; ``1 + h``: offer h) when it is the proposer.

    Notes
    -----
    With ``R_t(g)`` the value of offer g on the table at the response of round t and ``S_t(k)`` the value at the
    start of round t with offer k on the table: ``R_t(g) = a_t(g) delta^t u(g) + (1 - a_t(g)) S_{t+1}(g)``,
    ``S_t(k) = sum_g propose_t(k, g) R_t(g)``, ``S_H = d``. Player i's best response replaces its own nodes by a
    maximum: ``max(delta^t u_i(g), S^i_{t+1}(g))`` where it responds, ``max_g R^i_t(g)`` where it proposes.
    """
    U, P, A = _check(utilities, propose, accept)
    delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True)
    first = check_index("first_proposer", first_proposer, 2)
    dd = check_disagreement(d)
    B, _, G = U.shape
    H = P.shape[1]
    start = np.broadcast_to(dd, (B, G, 2)).copy()   # S_{t+1}(g) after a rejection of g; S_H = d
    best = start.copy()                               # [..., i]: player i's value when it best-responds
    gap = GapTracker(B)
    for t in reversed(range(H)):
        p = first ^ (t % 2)
        r = 1 - p
        agree = delta**t * U.transpose(0, 2, 1)       # (B, G, 2)
        a = A[:, t, :, None]
        respond = a * agree + (1.0 - a) * start
        respond_best = a * agree + (1.0 - a) * best
        respond_best[..., r] = np.maximum(agree[..., r], best[..., r])
        rows = P[:, t, :1] if t == 0 else P[:, t, 1:]  # (B, 1 or G, G): the reachable tables
        gap.update(np.maximum(agree[..., r], start[..., r]) - respond[..., r], t, r)
        start = rows @ respond
        gap.update(respond[..., p].max(axis=1)[:, None] - start[..., p], t, p, first_state=0 if t == 0 else 1)
        best = rows @ respond_best
        best[..., p] = respond_best[..., p].max(axis=1)[:, None]
    return PlayValues(start[:, 0], best[:, 0], gap.gap, gap.at)
