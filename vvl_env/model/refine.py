"""Refinement as a pure function: a game (or decision problem) and an outcome give a bigger one (model.md §1-§2).

Player 0 refining row s replaces it by two rows, for every column t
``(R1[s,t] + own1_t, R2[s,t] + other1_t)`` and ``(R1[s,t] + own2_t, R2[s,t] + other2_t)``; player 1 refining
column t is the transpose. The variants take the place of the refined action (variant 1 at its index, variant 2
right after) and labels keep the lineage: "H" -> "H.1", "H.2". Refining twice is refining the result.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import check_index
from vvl_env.model.decision import DecisionProblem
from vvl_env.model.game import Game
from vvl_env.model.perturbation import RefinementOutcome

FloatArray = npt.NDArray[np.float64]


def refine_rows(M_own: FloatArray, M_other: FloatArray, row: int, outcome: RefinementOutcome,
                ) -> tuple[FloatArray, FloatArray]:
    """Split ``row`` of the refiner's matrix ``M_own`` and of the other player's ``M_other``.

    Works on a single game (arrays (m, n)) or a batch (arrays (B, m, n) with a batched outcome of shape (B,)):
    the result has ``m + 1`` rows. Column refinement is this function on the transposes.
    """
    def split(M: FloatArray, d1: FloatArray, d2: FloatArray) -> FloatArray:
        r = M[..., row, :]
        return np.concatenate([M[..., :row, :], (r + d1)[..., None, :], (r + d2)[..., None, :],
                               M[..., row + 1:, :]], axis=-2)

    return split(M_own, outcome.own1, outcome.own2), split(M_other, outcome.other1, outcome.other2)


def refine_arrays(R1: FloatArray, R2: FloatArray, player: int, action: int, outcome: RefinementOutcome,
                  ) -> tuple[FloatArray, FloatArray]:
    """``refine`` on raw (possibly batched) payoff arrays; trusts its inputs (no validation)."""
    if player == 0:
        return refine_rows(R1, R2, action, outcome)
    R2t, R1t = refine_rows(np.swapaxes(R2, -1, -2), np.swapaxes(R1, -1, -2), action, outcome)
    return np.swapaxes(R1t, -1, -2), np.swapaxes(R2t, -1, -2)


def variant_labels(labels: tuple[str, ...], action: int) -> tuple[str, ...]:
    base = labels[action]
    return labels[:action] + (f"{base}.1", f"{base}.2") + labels[action + 1:]


@overload
def refine(target: Game, player: int, action: int, outcome: RefinementOutcome) -> Game: ...
@overload
def refine(target: DecisionProblem, player: int, action: int, outcome: RefinementOutcome) -> DecisionProblem: ...


def refine(target: Game | DecisionProblem, player: int, action: int, outcome: RefinementOutcome,
           ) -> Game | DecisionProblem:
    """Refine ``action`` of ``player`` in ``target`` with the realised ``outcome``; pure.

    Parameters
    ----------
    target : Game or DecisionProblem
        For a decision problem the decision maker is player 0 and the outcome's ``own1, own2`` (shape (1,)) move
        the value of the option.
    player : 0 or 1
    action : index of the refined row (player 0) or column (player 1)
    outcome : a single (unbatched) RefinementOutcome, e.g. ``PerturbationModel.sample(rng=rng, n_opposing=...)``.

    Notes
    -----
    model.md §2: new cells ``(R1[s,t] + x'_t, R2[s,t] + y'_t)`` and ``(R1[s,t] + x''_t, R2[s,t] + y''_t)``.
    """
    if not isinstance(outcome, RefinementOutcome):
        raise ValueError(f"outcome: must be a RefinementOutcome (e.g. PerturbationModel.sample(rng=rng, "
                         f"n_opposing=...)), got {type(outcome).__name__}")
    if isinstance(target, DecisionProblem):
        if player != 0:
            raise ValueError(f"player: a decision problem has one player, 0; got {player!r}")
        return target.refine(action, outcome)
    if not isinstance(target, Game):
        raise ValueError(f"target: must be a Game or a DecisionProblem, got {type(target).__name__}")
    player = check_index("player", player, 2)
    m, n = target.shape
    action = check_index("action", action, m if player == 0 else n)
    opposing = n if player == 0 else m
    if outcome.batch_shape != () or np.shape(outcome.own1) != (opposing,):
        raise ValueError(f"outcome: must be one unbatched outcome against {opposing} opposing actions, got offsets "
                         f"of shape {np.shape(outcome.own1)}; sample it with n={opposing}")
    R1, R2 = refine_arrays(target.R1, target.R2, player, action, outcome)
    rows = variant_labels(target.row_labels, action) if player == 0 else target.row_labels
    cols = variant_labels(target.col_labels, action) if player == 1 else target.col_labels
    return Game(R1, R2, rows, cols, name=target.name)
