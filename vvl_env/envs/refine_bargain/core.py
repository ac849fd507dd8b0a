"""Episode state and transitions of ``refine_bargain_v0``, free of PettingZoo (model.md §3).

Phases: refinement (both act once, simultaneously), then per offer round t a proposal step (the proposer offers,
the responder waits) and a response step (the responder accepts or rejects, the proposer waits). Utilities come from
:meth:`BargainingProblem.utilities` with the true weights, drawn at reset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.envs.refine_bargain.config import ACCEPT, OFFSET, REFINE, WAIT, BargainConfig
from vvl_env.model.bargaining import BargainingProblem

FloatArray = npt.NDArray[np.float64]
MaskArray = npt.NDArray[np.int8]
REFINEMENT, PROPOSE, RESPOND, DONE = 0, 1, 2, 3
PHASES: tuple[str, ...] = ("refinement", "propose", "respond", "done")
WAITING, REFINING, RESPONDING, PROPOSING, FINISHED = range(5)  # rows of MaskTable


@dataclass(frozen=True, slots=True)
class Offer:
    """One proposal of the history: round t, proposer (0/1), offer index, player_0's shares x, and the response."""

    round: int
    proposer: int
    index: int
    x: FloatArray
    accepted: bool | None = None


@dataclass(slots=True)
class BargainState:
    """The mutable state of one episode. ``problem`` holds the true weights (the hidden truth)."""

    problem: BargainingProblem
    known: FloatArray  # (2, K): each party's own weights as it knows them (its prior's mean, or revealed by refining)
    revealed: npt.NDArray[np.bool_]  # (2,): has party i refined
    budget_left: npt.NDArray[np.int64]  # (2,)
    phase: int = REFINEMENT
    round: int = 0
    offer: int = -1  # index of the latest proposal (-1: none yet)
    history: list[Offer] = field(default_factory=list)


class MaskTable:
    """The few action masks an agent can face, built once per configuration (``step`` only indexes them): row
    ``WAITING`` (pass / wait), ``REFINING`` (pass or refine), ``RESPONDING``, ``PROPOSING``, ``FINISHED`` (none)."""

    def __init__(self, config: BargainConfig) -> None:
        rows = np.zeros((5, config.n_actions), dtype=np.int8)
        rows[WAITING, WAIT], rows[REFINING, [WAIT, REFINE]], rows[RESPONDING, [ACCEPT, ACCEPT + 1]] = 1, 1, 1
        rows[PROPOSING, OFFSET:] = 1
        rows.setflags(write=False)
        self.rows: MaskArray = rows
        self.done: MaskArray = rows[FINISHED]


def proposer(config: BargainConfig, round_: Any) -> Any:
    """Proposers alternate, starting with ``config.first_proposer`` (``round_`` an int or an integer array)."""
    return config.first_proposer ^ (round_ % 2)


def start(config: BargainConfig, rng: np.random.Generator) -> BargainState:
    """Draw the true weights from the configured laws and open the refinement phase; each party knows its own
    weights as the mean of its prior (its belief, model.md §4)."""
    problem = config.law.sample_problem(rng=rng)
    known = np.stack([config.prior_means(i)[i] for i in (0, 1)])
    return BargainState(problem, known, np.zeros(2, dtype=bool), np.array(config.budget, dtype=np.int64))


def advance(config: BargainConfig, state: BargainState, actions: tuple[int, int],
            allowed: tuple[MaskArray, MaskArray]) -> tuple[FloatArray, bool, tuple[bool, bool]]:
    """Apply both agents' actions; return the rewards (2,), whether the episode ended, and who acted invalidly.

    An invalid (masked) action ends the episode: the offender gets ``-invalid_action_penalty``, the other 0
    (``invalid_action="penalize"``; under "raise" the environment refuses the step before calling this).
    """
    rewards = np.zeros(2)
    invalid = (not allowed[0][actions[0]], not allowed[1][actions[1]])
    if invalid[0] or invalid[1]:
        rewards[list(invalid)] = -config.invalid_action_penalty
        state.phase = DONE
        return rewards, True, invalid
    if state.phase == REFINEMENT:
        for i in (0, 1):
            if actions[i] == REFINE:
                state.known[i] = state.problem.w1 if i == 0 else state.problem.w2
                state.revealed[i] = True
                state.budget_left[i] -= 1
                rewards[i] -= config.cost[i]
        state.phase = PROPOSE
        return rewards, False, invalid
    p = proposer(config, state.round)
    if state.phase == PROPOSE:
        state.offer = actions[p] - OFFSET
        state.phase = RESPOND
        return rewards, False, invalid
    accepted = actions[1 - p] == ACCEPT
    x = config.offers[state.offer]
    state.history.append(Offer(state.round, p, state.offer, x, accepted))
    if accepted:
        state.phase = DONE
        return rewards + config.delta**state.round * state.problem.utilities(x), True, invalid
    state.round += 1
    if state.round == config.horizon:
        state.phase = DONE
        return rewards + state.problem.d, True, invalid
    state.phase = PROPOSE
    return rewards, False, invalid
