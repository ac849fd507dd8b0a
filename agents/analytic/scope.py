"""What the analytic reference of ``refine_matrix_v0`` computes in a given configuration, and where it is exact.

The ``bayes_optimal`` agents solve some configurations exactly (up to Monte Carlo) and approximate others; a reader
comparing a learner with them needs to know which. :func:`matrix_reference_scope` states, for a configuration, how
the agents take their refine decisions and how they play, and whether both are equilibrium behaviour of the whole
game (``equilibrium``). The statements follow the agents' own dispatch: :meth:`StageBeliefs.applies
<agents.analytic.refine_stage.StageBeliefs.applies>` for the refine stage's game, :class:`PrivatePlay
<agents.analytic.matrix_private.PrivatePlay>` for Bayes-Nash play under ``visibility = "own"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.analytic.refine_stage import MAX_CELLS


def matrix_reference_scope(env_config: Mapping[str, Any], selection: str = "max_welfare") -> dict[str, Any]:
    """``{"refine_decisions": str, "play": str, "equilibrium": bool}`` for the ``bayes_optimal`` agents of
    ``refine_matrix_v0(**env_config)`` under the equilibrium ``selection`` (module docstring).

    >>> matrix_reference_scope({"game": "matching_pennies", "budget": (1, 1)})["equilibrium"]
    True
    >>> matrix_reference_scope({"game": "matching_pennies", "budget": (2, 2)})["equilibrium"]
    False
    """
    from vvl_env.envs.refine_matrix.config import make_config

    cfg = make_config(**{k: v for k, v in dict(env_config).items() if k != "render_mode"})
    budget = tuple(int(b) for b in cfg.budget)
    m, n = cfg.game.shape
    rounds, private = int(cfg.rounds), cfg.visibility == "own"
    refiners = [p for p in (0, 1) if budget[p] > 0]
    if private:
        covered = rounds == 1 and all(b <= 1 for b in budget)
        play = ("a Bayes-Nash equilibrium of the play game under the refinements' common law "
                "(agents/analytic/matrix_private.py)" if covered else
                "an equilibrium of each player's own view of the realised game, which is no equilibrium of the "
                "Bayesian play game (Bayes-Nash play is solved for one round and budgets <= 1 only)")
    else:
        play = f"an equilibrium of each realised game, selection {selection!r} (every extreme equilibrium enumerated)"
        if rounds > 1:
            play += f", repeated in each of the {rounds} rounds (a subgame-perfect equilibrium of the repeated game)"
    if not refiners:
        return {"refine_decisions": "none (no refinement budget)", "play": play,
                "equilibrium": not private or covered}
    if not private and budget == (1, 1) and m * n <= MAX_CELLS:
        decisions = ("first turn: an equilibrium of the refine stage's first-turn game, whose options' values "
                     "take the other's refinements, now or in answer, into account (agents/analytic/refine_stage.py; "
                     "Monte Carlo, near-ties settled by the widest margin); after one split the other answers by the "
                     "one-step rule (refine iff the expected gain exceeds the cost)")
        return {"refine_decisions": decisions, "play": play, "equilibrium": True}
    alone = len(refiners) == 1
    depth = min(max(budget), 2)
    if private:
        decisions = ("Bayes values of one's own refinement against the Bayes-Nash play that follows"
                     if covered else "the one-player lookahead on one's own view")
    else:
        decisions = f"the one-player lookahead over one's own refinements (depth {depth})"
    if alone:
        if private and not covered:
            decisions += (": only one player may refine, but its values rest on play that is no Bayes-Nash "
                          "equilibrium here")
        elif max(budget) > 2:
            decisions += (f": only one player may refine, but the lookahead stops at depth 2 of its {max(budget)} "
                          "refinements")
        else:
            decisions += ": only one player may refine, so this is its optimal decision"
        exact = max(budget) <= 2 and (not private or covered)
        return {"refine_decisions": decisions, "play": play, "equilibrium": exact}
    why = ("budgets other than (1, 1)" if budget != (1, 1) else
           f"a base game of {m * n} cells (the refine stage's game is solved up to {MAX_CELLS})")
    if private:
        why = "private refinements"
    decisions += (", which values each player's refinements as if the other refined no further: not an equilibrium "
                  f"of the refine stage ({why}), an approximation where the other's refinements change what one's "
                  "own are worth")
    return {"refine_decisions": decisions, "play": play, "equilibrium": False}
