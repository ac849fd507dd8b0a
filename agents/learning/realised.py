"""What seeded episodes realise: the games of the play phase (for the exact-dynamics baselines) and, in bargaining,
whether the parties agreed. Episode e is ``reset(seed=episode_seed(seed, e))`` as in ``agents.evaluate``; actions
are drawn with ``default_rng([seed, e, i])`` for agent i."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from agents.learning.envs import make_eval_env
from agents.seeding import episode_seed

AGENTS: tuple[str, str] = ("player_0", "player_1")


def _play(env: Any, policies: Mapping[str, Any], seed: int, e: int, stop_at_play: bool) -> Any:
    obs, infos = env.reset(seed=episode_seed(seed, e))
    rngs = [np.random.default_rng([seed, e, i]) for i in range(2)]
    while env.agents:
        if stop_at_play and infos[AGENTS[0]]["phase"] == "play":
            return infos[AGENTS[0]]["game"]
        actions = {a: int(policies[a].act(obs[a], obs[a]["action_mask"], rng=rngs[i])) for i, a in enumerate(AGENTS)}
        obs, _, _, _, infos = env.step(actions)
    return None


def realised_games(env_config: Mapping[str, Any], policies: Mapping[str, Any], *, episodes: int, seed: int,
                   ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_],
                              npt.NDArray[np.bool_]]:
    """The true games ``policies`` reach the play phase of refine_matrix_v0 in, padded to a common shape:
    ``(R1, R2, row_mask, col_mask)`` with shapes (B, m, n), (B, m, n), (B, m), (B, n)."""
    env = make_eval_env("refine_matrix_v0", dict(env_config))
    games = [g for e in range(episodes) if (g := _play(env, policies, seed, e, True)) is not None]
    m = max(g.shape[0] for g in games)
    n = max(g.shape[1] for g in games)
    R1, R2 = np.zeros((len(games), m, n)), np.zeros((len(games), m, n))
    rm, cm = np.zeros((len(games), m), bool), np.zeros((len(games), n), bool)
    for b, g in enumerate(games):
        gm, gn = g.shape
        R1[b, :gm, :gn], R2[b, :gm, :gn], rm[b, :gm], cm[b, :gn] = g.R1, g.R2, True, True
    return R1, R2, rm, cm


def agreement_rate(env_config: Mapping[str, Any], policies: Mapping[str, Any], *, episodes: int, seed: int) -> float:
    """Share of refine_bargain_v0 episodes that end with an accepted offer."""
    env = make_eval_env("refine_bargain_v0", dict(env_config))
    agreed = 0
    for e in range(episodes):
        _play(env, policies, seed, e, False)
        history = env.state.history
        agreed += bool(history and history[-1].accepted)
    return agreed / episodes
