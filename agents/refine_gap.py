"""The refine-decision gap: how the evaluated policy's first refine decision compares with the reference agent's.

At an agent's first step of an episode (the same state in the evaluated and the reference run: same seed), the
reference analytic agent values its options (its solver record under its belief, model.md §1-2): ``stop`` (do not
refine; then act or play on, as the reference would) and ``q[k]`` (refine own option/action k now, net of the cost,
then continue optimally). With the evaluated policy's probabilities pi at that state:

* ``refine_rate_gap/<a> = pi(refine) - P[reference refines]`` (1 where ``q.max() > stop``, else 0; in
  refine_matrix_v0 where both players may still refine, the reference's probability at its equilibrium of the refine
  stage, :mod:`agents.analytic.refine_stage`, whose values are then against the other's equilibrium mix);
* ``refine_gap/<a> = max(stop, q.max()) - [pi(no refine) stop + sum_k pi(refine k) q[k]]``, the expected value the
  policy's refine decision loses against the Bayes-optimal one (>= 0; Monte Carlo values carry their noise).

Where the reference plays the refine stage as a game (:mod:`agents.analytic.refine_stage`; refine_bargain_v0's
``BargainAgent.refine_stage``), the per-agent gap is against the reference's own equilibrium of it, and the learned
pair may sit at another one (the stage has several: whoever refines first, the other waits). :func:`stage_nash_conv`
judges the pair's first decisions together instead: with ``V`` the reference's first-turn game (both players'
expected payoffs, the answer and the play that follow at equilibrium) and ``(x, y)`` the learned first-turn mixes,
``refine_nash_conv = max_a (V_0 y)_a - x V_0 y + max_b (x V_1)_b - x V_1 y``, 0 at every equilibrium of the refine
stage.

In RefineOrAct "no refine" is every act action (valued at ``stop``: what the act choice loses is the regret metric);
in refine_matrix_v0 it is "pass". Defined where the reference agent exposes its values (the analytic agents of
refine_or_act and refine_matrix_v0 in a refine state with budget); undefined (absent) otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from agents.analytic import BargainAgent, MatrixAgent, RefineOrActAgent
from agents.analytic.matrix_value import parse_view
from vvl_env.envs.refine_matrix.layout import REFINE
from vvl_env.solve.exploitability import nash_conv

FloatArray = npt.NDArray[np.float64]


def decision_values(agent: Any, observation: Any) -> tuple[float, FloatArray, float] | None:
    """``(stop, q, p)`` of the reference ``agent`` at ``observation`` (p: its probability of refining), or None where
    it has no refine decision."""
    if isinstance(agent, RefineOrActAgent):
        record = agent.record(observation)
        if record is None:
            return None
        q = np.asarray(record.q_values, dtype=np.float64)
        return float(record.stop_value), q, float(q.size > 0 and q.max() > record.stop_value + 1e-12)
    if isinstance(agent, MatrixAgent) and agent.mode in ("myopic", "optimal"):
        obs = observation["observation"] if isinstance(observation, dict) else observation
        view = parse_view(obs)
        if view.phase != REFINE or view.budget <= 0:
            return None
        look = agent.evaluate(view)
        return float(look.stop), np.asarray(look.q_values, dtype=np.float64), look.refine_probability
    return None


def refine_slice(env_id: str, n_refine: int) -> slice:
    """Where the actions "refine own option/action k" (k < ``n_refine``) sit in the action space."""
    start = 0 if env_id == "refine_or_act" else 1
    return slice(start, start + n_refine)


def refine_gap(env_id: str, agent: Any, observation: Any, mask: npt.ArrayLike, probs: FloatArray,
               ) -> dict[str, float]:
    """``{"refine_gap": ..., "refine_rate_gap": ...}`` at one first decision (module docstring), or {} where the
    reference has no values or no refinement is legal. Only legal refinements count, for both sides."""
    values = decision_values(agent, observation)
    if values is None:
        return {}
    stop, q, rate = values
    where = refine_slice(env_id, q.size)
    legal = (np.asarray(mask)[where] > 0) & np.isfinite(q)
    if not legal.any():
        return {}
    q = np.where(legal, q, 0.0)
    p = np.where(legal, np.asarray(probs, dtype=np.float64)[where], 0.0)
    top = float(q[legal].max())
    learned = (1.0 - p.sum()) * stop + float(p @ q)
    return {"refine_gap": max(stop, top) - learned, "refine_rate_gap": float(p.sum()) - rate}


def stage_nash_conv(env_id: str, reference: Any, firsts: Any) -> float | None:
    """``refine_nash_conv`` of the first decisions ``firsts`` (agent -> (observation, mask, probabilities), both
    players at the first step) in the reference's refine-stage game (module docstring), or None where the reference
    (agent -> analytic agent) does not play one there."""
    if set(firsts) != {"player_0", "player_1"} or not all(a in reference for a in firsts):
        return None
    obs = {a: np.asarray(o["observation"] if isinstance(o, dict) else o, dtype=np.float64)
           for a, (o, _, _) in firsts.items()}
    agent = reference["player_0"]
    if env_id == "refine_matrix_v0" and isinstance(agent, MatrixAgent):
        game = agent.stage_game(parse_view(obs["player_0"]))
        if game is None:
            return None
        V = game.values
        mixes = [np.asarray(firsts[a][2], dtype=np.float64)[:V.shape[i]] for i, a in enumerate(("player_0",
                                                                                              "player_1"))]
    elif env_id == "refine_bargain_v0" and isinstance(agent, BargainAgent):
        stage = agent.refine_stage(obs["player_0"])
        if stage is None:
            return None
        V = stage[0]
        mixes = [np.asarray(firsts[a][2], dtype=np.float64)[:2] for a in ("player_0", "player_1")]
    else:
        return None
    if any(m.sum() <= 0 for m in mixes):
        return None
    x, y = (m / m.sum() for m in mixes)
    return float(nash_conv((V[:, :, 0], V[:, :, 1]), x, y).total)
