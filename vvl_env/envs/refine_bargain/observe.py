"""Observations and action masks of ``refine_bargain_v0`` for a batch of B episodes, as numpy functions of the state
arrays; the ParallelEnv calls them with B = 1, the vector env with all its copies.

Axis 1 of every per-agent array is the agent (player_0, player_1); ``x[:, ::-1]`` is the other agent's entry, so
agent i's view of the other is row ``1 - i``. The layout is the env module's "Observation Space" table. The parts
that take few values (phase and round, the offer on the table, the priors) come from tables built once per
configuration, so one call is a handful of numpy operations whatever B.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vvl_env.envs.refine_bargain.config import BargainConfig
from vvl_env.envs.refine_bargain.core import (DONE, FINISHED, PROPOSE, PROPOSING, REFINEMENT, REFINING, RESPOND,
                                              RESPONDING, WAITING, proposer)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


def prior_table(config: BargainConfig) -> FloatArray:
    """(2, 2, K): ``[i, j]`` is the prior mean of party j's weights under party i's belief (float32, as observed)."""
    return np.stack([config.prior_means(i) for i in (0, 1)]).astype(np.float32)


class Observer:
    """What each agent is entitled to see, and the actions it may take, in a batch of states of one configuration.

    Observation of agent i (12 + 5K entries): phase one-hot and round, whether it proposes, the offer on the table
    as its own shares, its own weights as known, the other's weights (revealed ones only under visibility
    "public", else the prior mean under i's own belief), the priors, the budgets and its cost.
    """

    def __init__(self, config: BargainConfig) -> None:
        K, H, L = config.K, config.horizon, config.obs_size
        self.config, self.K = config, K
        prior = prior_table(config)
        self.other_prior = prior[[0, 1], [1, 0]]                                 # (2, K): agent i's prior of 1 - i
        self.template = np.zeros((2, L), dtype=np.float32)
        self.template[:, 7 + 2 * K:7 + 3 * K] = self.other_prior
        self.template[:, 9 + 3 * K:9 + 4 * K], self.template[:, 9 + 4 * K:9 + 5 * K] = prior[[0, 1], [0, 1]], \
            self.other_prior
        self.template[:, 11 + 5 * K] = config.cost
        # entries 0-4 by (phase, round): phase one-hot (none once done), round, "agent proposes in this round"
        self.head = np.zeros((4, H + 1, 2, 5), dtype=np.float32)
        for phase in range(4):
            for t in range(H + 1):
                if phase != DONE:
                    self.head[phase, t, :, phase] = 1.0
                self.head[phase, t, :, 3] = t
                self.head[phase, t, proposer(config, min(t, H - 1)), 4] = 1.0
        # entries 5 : 6+K by offer index + 1 (row 0: no offer yet): "an offer was made", own shares
        x = config.offers
        self.offer = np.zeros((len(x) + 1, 2, 1 + K), dtype=np.float32)
        self.offer[1:, :, 0] = 1.0
        self.offer[1:, 0, 1:], self.offer[1:, 1, 1:] = x, 1.0 - x
        # mask row (core.MaskTable) by (phase, agent proposes, budget left > 0)
        self.codes = np.full((4, 2, 2), FINISHED, dtype=np.int64)
        self.codes[REFINEMENT] = [[WAITING, REFINING], [WAITING, REFINING]]
        self.codes[PROPOSE] = [[WAITING, WAITING], [PROPOSING, PROPOSING]]
        self.codes[RESPOND] = [[RESPONDING, RESPONDING], [WAITING, WAITING]]

    def mask_codes(self, phase: IntArray, round_: IntArray, budget_left: IntArray) -> IntArray:
        """(B, 2): the row of ``core.MaskTable`` each agent faces in phases ``phase`` (B,) at offer rounds
        ``round_`` (B,) with refinements ``budget_left`` (B, 2) left."""
        proposes = (proposer(self.config, round_)[:, None] == np.arange(2)).astype(np.int64)
        return self.codes[phase[:, None], proposes, (budget_left > 0).astype(np.int64)]

    def observe(self, phase: IntArray, round_: IntArray, offer: IntArray, known: npt.NDArray[np.float64],
                revealed: npt.NDArray[np.bool_], budget_left: IntArray) -> FloatArray:
        """(B, 2, 12 + 5K) float32 observations.

        Parameters: ``phase``, ``round_``, ``offer`` (index of the latest offer, -1 for none) of shape (B,);
        ``known`` (B, 2, K) each party's weights as it knows them; ``revealed`` (B, 2) who refined;
        ``budget_left`` (B, 2).
        """
        K = self.K
        obs = np.repeat(self.template[None], phase.shape[0], axis=0)
        obs[:, :, :5] = self.head[phase, round_]
        obs[:, :, 5:6 + K] = self.offer[offer + 1]
        obs[:, :, 6 + K:6 + 2 * K], obs[:, :, 6 + 2 * K] = known, revealed
        other_refined = revealed[:, ::-1]
        shown = other_refined & (self.config.visibility == "public")
        if shown.any():
            obs[:, :, 7 + 2 * K:7 + 3 * K] = np.where(shown[..., None], known[:, ::-1], self.other_prior)
        obs[:, :, 7 + 3 * K], obs[:, :, 8 + 3 * K] = other_refined, shown
        obs[:, :, 9 + 5 * K], obs[:, :, 10 + 5 * K] = budget_left, budget_left[:, ::-1]
        return obs
