"""Counterfactual values of refine decisions for a full-information learner on ``refine_matrix_v0``.

At a refine step of copy c, agent i's value of option o (pass, or refine own action k) is estimated by branching the
episode: the copy's state and the refinement draws its episode has left are forked into a scratch core
(:meth:`vvl_env.envs.refine_matrix.core.MatrixCore.fork`), agent i takes o, the other agent the action it actually
took, and both then follow their current policies to the end of the episode, every play step valued at its
expectation ``x R y`` (as :mod:`agents.learning.exploitability_descent` values its returns). The branches of one copy
share everything random: the refinement draws (which do not depend on which action is split), the other's action and
the uniforms that sample later decisions. So ``Q_i(s, o) - Q_i(s, o')`` is one sample of a value difference without
the between-episode noise of a sampled-return critic, which in matching pennies (options 0.004-0.04 apart, returns
with a standard deviation near 0.5) is what decides whether a learner finds the refine stage's equilibrium.

With ``collect_play`` the brancher also keeps the play states its branches reach after an option other than the one
taken (:attr:`RefineBrancher.play_states`): games off the path of play, on which the learner can train its play too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from agents.policy import inverse_cdf
from vvl_env.envs.refine_matrix.core import MatrixCore
from vvl_env.envs.refine_matrix.layout import DONE, PLAY, REFINE

Policy = Callable[[npt.NDArray[np.float32], npt.NDArray[np.bool_]], npt.NDArray[np.float64]]


class RefineBrancher:
    """Branches refine steps of a source core (module docstring); keeps one scratch core, grown as needed."""

    def __init__(self, config: Any, collect_play: bool = False, draws: int = 1) -> None:
        self.config = config
        self.core: MatrixCore | None = None
        self.collect_play = collect_play
        self.draws = int(draws)
        """Branches per option: 1, the episode's own refinement draws; K > 1 adds K - 1 replicas with fresh draws
        (common to the options of a copy) and averages the K returns."""
        self.play_states: list[tuple[npt.NDArray[Any], ...]] = []
        """With ``collect_play``: per play step of the branches (since the last :meth:`take_play_states`), the
        observations (k, 2, L), masks (k, 2, A) and true games R1, R2 (k, M, M) of the branches off the path."""

    def take_play_states(self) -> tuple[npt.NDArray[Any], ...] | None:
        """The collected play states concatenated (observations, masks, R1, R2), or None; the store is emptied."""
        if not self.play_states:
            return None
        out = tuple(np.concatenate(parts) for parts in zip(*self.play_states))
        self.play_states = []
        return out

    def _scratch(self, n: int) -> MatrixCore:
        if self.core is None or self.core.B < n:
            self.core = MatrixCore(self.config, max(n, 2 * (self.core.B if self.core else 0)), agent_id=True)
        return self.core

    def values(self, src: MatrixCore, actions: npt.NDArray[np.int64], policy: Policy,
               rng: np.random.Generator) -> npt.NDArray[np.float64]:
        """``Q`` (B, 2, A): for every copy of ``src`` in the refine phase, agent i's return from now on after each
        legal option o < 1 + M (pass, refine) with the other agent at ``actions[c, 1 - i]`` (``actions`` (B, 2): the
        joint action about to be taken), later decisions drawn from ``policy`` (observations (n, 2, L) and masks
        (n, 2, A) -> both agents' probabilities (n, 2, A)); NaN elsewhere."""
        M, A, K = src.M, src.A, self.draws
        q = np.full((src.B, 2, A), np.nan)
        legal = src.mask[:, :, :1 + M].astype(bool) & (src.phase == REFINE)[:, None, None]
        copy1, agent1, option1 = np.nonzero(legal)
        n1 = copy1.size
        if n1 == 0:
            return q
        copy, agent, option = np.tile(copy1, K), np.tile(agent1, K), np.tile(option1, K)   # replica r: rows r n1 ..
        replica = np.repeat(np.arange(K), n1)
        n = n1 * K
        core = self._scratch(n)
        rows = np.arange(n)
        core.fork(src, copy, rows)
        if K > 1:                                               # fresh draws, common to the options of a copy
            core.redraw(rows[n1:], rng, groups=(copy * K + replica)[n1:])
        core.phase[n:] = DONE                                   # scratch copies not in use stay put
        joint = np.zeros((core.B, 2), dtype=np.int64)
        joint[rows] = actions[copy]
        joint[rows, agent] = option
        ret, alive, refining = np.zeros(n), np.ones(n, dtype=bool), np.ones(n, dtype=bool)
        while True:
            rew, done = core.step(joint)
            ret += np.where(refining, rew[rows, agent], 0.0)     # costs; play rewards are taken in expectation
            alive &= ~done[rows]
            if not alive.any():
                break
            probs = policy(core.obs[:n], core.mask[:n].astype(bool))
            play = alive & (core.phase[rows] == PLAY)
            if self.collect_play:                               # the taken option's branch is the path; replica 0
                off = np.flatnonzero(play & (option != actions[copy, agent]) & (replica == 0))
                if off.size:
                    self.play_states.append((core.obs[off].copy(), core.mask[off].astype(bool),
                                             core.W[off, 0, 0].copy(), core.W[off, 0, 1].copy()))
            if play.any():                                      # the play step at its expectation x R y
                x, y = probs[:, 0, 1 + M:], probs[:, 1, 1 + M:]
                ret += np.where(play, np.einsum("bi,bij,bj->b", x, core.W[rows, 0, agent], y), 0.0)
            refining = alive & (core.phase[rows] == REFINE)
            if core.rounds == 1 and not refining.any():
                break                                           # every live branch's only play step is valued
            u = rng.random((src.B, 2))[copy] if K == 1 else rng.random((K, src.B, 2))[replica, copy]
            pick = inverse_cdf(probs, u)                        # uniforms common to a copy's branches
            joint[:n] = np.where(alive[:, None], pick, 0)
        q[copy1, agent1, option1] = ret.reshape(K, n1).mean(axis=0)
        return q
