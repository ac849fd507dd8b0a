"""NashConv of the play phase of ``refine_bargain_v0`` episodes, for any pair of policies.

Once the refinement phase is over, what an agent observes is fixed by the realised refinement (its known weights,
who refined, the budgets) except for the round, the phase and the offer on the table, so its play is a Markov
profile in the sense of :mod:`vvl_env.solve.bargaining_play`. For each episode this module builds every observation
of that state space (the agent's proposals at each round it proposes, given the offer on the table; its responses
to every offer), asks each policy for its action probabilities in batched calls, and solves the profile's values
and best responses exactly (:func:`vvl_env.solve.bargaining_play.play_values`).

Utilities are each player's expected true utility given what it knows: ``x . w_i`` with its true weights if it
refined, else with the mean of its true weight law (its weights are then independent of everything it and the
other observe). NashConv is then the realised-game analogue of refine_matrix_v0's play NashConv (the refine
decision is judged by ``refine_gap``). It is defined under ``visibility = "public"`` only: under "own" the other's
play depends on weights the best-responder does not see, and a per-episode best response would overstate it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agents.policy import Policy, probabilities_batch
from vvl_env.envs.refine_bargain.config import ACCEPT, OFFSET, BargainConfig
from vvl_env.envs.refine_bargain.core import PROPOSE, RESPOND, MaskTable, proposer
from vvl_env.envs.refine_bargain.observe import Observer
from vvl_env.solve.bargaining_play import PlayValues, play_values

FloatArray = npt.NDArray[np.float64]
CHUNK = 8
"""Episodes solved together (the proposal tables of a 21 x 21 grid take 6 MB per episode)."""


def defined(config: BargainConfig) -> bool:
    """Whether play NashConv is defined for this configuration (public visibility, module docstring)."""
    return config.visibility == "public"


def _nodes(config: BargainConfig, agent: int) -> tuple[npt.NDArray[np.int64], ...]:
    """(phase, round, offer on the table) of every play state where ``agent`` moves, proposals first."""
    G, H = config.n_offers, config.horizon
    phase, rnd, offer = [], [], []
    for t in range(H):
        proposes = proposer(config, t) == agent
        k = np.array([-1]) if proposes and t == 0 else np.arange(G)
        phase.append(np.full(k.size, PROPOSE if proposes else RESPOND))
        rnd.append(np.full(k.size, t))
        offer.append(k)
    return tuple(np.concatenate(v).astype(np.int64) for v in (phase, rnd, offer))


def play_tables(config: BargainConfig, policies: Sequence[Policy], known: FloatArray, revealed: npt.ArrayLike,
                budget_left: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The proposal tables (B, H, G + 1, G) and acceptance probabilities (B, H, G) of the two ``policies`` (player_0,
    player_1) in B episodes whose play starts from ``known`` (B, 2, K), ``revealed`` (B, 2), ``budget_left`` (B, 2)."""
    known = np.asarray(known, dtype=np.float64)
    revealed, budget_left = np.asarray(revealed, dtype=bool), np.asarray(budget_left, dtype=np.int64)
    B, G, H = known.shape[0], config.n_offers, config.horizon
    observer, table = Observer(config), MaskTable(config)
    propose, accept = np.zeros((B, H, G + 1, G)), np.zeros((B, H, G))
    for i, policy in enumerate(policies):
        phase, rnd, offer = _nodes(config, i)
        n = phase.size
        ep = np.repeat(np.arange(B), n)
        ph, rd, of = np.tile(phase, B), np.tile(rnd, B), np.tile(offer, B)
        obs = observer.observe(ph, rd, of, known[ep], revealed[ep], budget_left[ep])[:, i]
        masks = table.rows[observer.mask_codes(ph, rd, budget_left[ep])[:, i]]
        rows = [{"observation": o, "action_mask": m} for o, m in zip(obs, masks)]
        probs = probabilities_batch(policy, rows, masks).reshape(B, n, -1)
        at = 0
        for t in range(H):
            if proposer(config, t) == i:
                k = 1 if t == 0 else G
                target = propose[:, t, :1] if t == 0 else propose[:, t, 1:]
                target[:] = probs[:, at:at + k, OFFSET:]
            else:
                k = G
                p = probs[:, at:at + k]
                total = p[..., ACCEPT] + p[..., ACCEPT + 1]
                accept[:, t] = np.divide(p[..., ACCEPT], total, out=np.zeros_like(total), where=total > 0)
            at += k
    return propose, accept


def utilities(config: BargainConfig, known: FloatArray, revealed: npt.ArrayLike) -> FloatArray:
    """(B, 2, G): each player's expected true utility of every offer given what it knows (module docstring)."""
    known = np.asarray(known, dtype=np.float64)
    revealed = np.asarray(revealed, dtype=bool)
    means = np.stack([law.mean() for law in config.weights]).astype(np.float64)   # (2, K)
    w = np.where(revealed[..., None], known, means[None])
    X = config.offers
    return np.stack([w[:, 0] @ X.T, w[:, 1] @ (1.0 - X).T], axis=1)


def play_nash_conv(config: BargainConfig, policies: Mapping[str, Policy] | Sequence[Policy], known: FloatArray,
                   revealed: npt.ArrayLike, budget_left: npt.ArrayLike, chunk: int = CHUNK) -> PlayValues:
    """Values, best responses, NashConv (``.nash_conv``, ``.gains``) and the subgame-perfection gap
    (``.one_shot_gap``; where it sits: ``.one_shot_at``) of the play of ``policies`` (player_0, player_1; a mapping by agent name or a pair) in B
    episodes whose play starts from the given state (arrays as :func:`play_tables`), ``chunk`` episodes at a time.
    Raises ValueError where it is not defined (:func:`defined`)."""
    if not defined(config):
        raise ValueError(f"visibility: play NashConv needs visibility 'public', got {config.visibility!r}")
    if isinstance(policies, Mapping):
        policies = [policies["player_0"], policies["player_1"]]
    known, revealed, budget_left = np.asarray(known, np.float64), np.asarray(revealed), np.asarray(budget_left)
    parts = []
    for lo in range(0, known.shape[0], chunk):
        part = slice(lo, lo + chunk)
        propose, accept = play_tables(config, policies, known[part], revealed[part], budget_left[part])
        parts.append(play_values(utilities(config, known[part], revealed[part]), config.delta,
                                 config.first_proposer, propose, accept, config.d))
    return PlayValues.concatenate(parts)
