"""``BargainBatch``: B episodes of ``refine_bargain_v0`` stepped together in numpy (the vector env's state).

The transitions are those of :func:`vvl_env.envs.refine_bargain.core.advance`, applied to every copy at once;
observations and masks come from :class:`~vvl_env.envs.refine_bargain.observe.Observer`, as in the ParallelEnv.

Randomness: copy c owns a ``np.random.Generator``; each reset of the copy draws its true weights with
``config.law.sample(1, rng=...)``, the draw of :func:`core.start` (``BargainingLaw.sample_problem``), so the
episodes of a copy seeded s are those of ``refine_bargain_v0.parallel_env`` after ``reset(seed=s)``.

Exploring starts (``exploring_starts = q > 0``, a training device; off by default): after drawing the weights, a
reset starts the episode, with probability q, at a play state drawn uniformly instead of the refinement phase: each
party has refined with probability 1/2 (where its budget allows; no cost is charged), the offer round t is uniform
in ``[0, horizon)``, and it is the proposer's turn (the offer on the table, for t > 0, uniform over the grid; none
at t = 0) or the responder's (the offer uniform over the grid) with probability 1/2 each. Play then goes on as
from that state in a normal episode (an agreement at round t pays ``delta**t`` times the utilities), so a learner
sees responses and proposals off the path of its current play, the states a subgame-perfect equilibrium must get
right (the exploring starts of Monte Carlo control, Sutton and Barto 2018, section 5.3). The extra draws come from
the copy's Generator after the weights, so q = 0 leaves every episode as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from vvl_env.envs.refine_bargain.config import ACCEPT, OFFSET, REFINE, BargainConfig
from vvl_env.envs.refine_bargain.core import DONE, PROPOSE, REFINEMENT, RESPOND, MaskTable, proposer
from vvl_env.envs.refine_bargain.observe import Observer

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def dot_rows(x: FloatArray, w: FloatArray) -> FloatArray:
    """``x[b] @ w[b]`` for each row b, through the same BLAS dot as ``BargainingProblem.utilities`` (bit-equal)."""
    return np.matmul(x[:, None, :], w[:, :, None])[:, 0, 0]


class BargainBatch:
    """The state arrays of B copies (``phase``, ``round``, ``offer`` of shape (B,); ``known`` (B, 2, K);
    ``revealed``, ``budget_left`` (B, 2); the true weights ``w`` (2, B, K)) with their observations ``obs``
    (B, 2, 2 + 12 + 5K: the agent's one-hot id first) and action masks ``mask`` (B, 2, n_actions). ``step`` trusts
    its inputs (integers in ``[0, n_actions)``, checked by the vector env).
    """

    def __init__(self, config: BargainConfig, num_copies: int, exploring_starts: float = 0.0) -> None:
        B, K = int(num_copies), config.K
        self.config, self.B, self.exploring_starts = config, B, float(exploring_starts)
        self.observer, self.table = Observer(config), MaskTable(config)
        self.known0 = np.stack([config.prior_means(i)[i] for i in (0, 1)])      # as core.start
        self.discount = np.array([config.delta**t for t in range(config.horizon)])
        self.cost, self.d = np.array(config.cost), np.array(config.d)
        self.w = np.zeros((2, B, K))
        self.known = np.repeat(self.known0[None], B, axis=0)
        self.revealed = np.zeros((B, 2), dtype=bool)
        self.budget_left = np.tile(np.array(config.budget, dtype=np.int64), (B, 1))
        self.phase = np.full(B, DONE, dtype=np.int64)
        self.round = np.zeros(B, dtype=np.int64)
        self.offer = np.full(B, -1, dtype=np.int64)
        self.invalid = np.zeros((B, 2), dtype=bool)                             # who acted illegally (penalize)
        self.obs = np.zeros((B, 2, 2 + config.obs_size), dtype=np.float32)
        self.obs[:, :, :2] = np.eye(2)
        self.mask = np.zeros((B, 2, config.n_actions), dtype=np.int8)
        self._all = np.arange(B)
        self.rngs: list[np.random.Generator | None] = [None] * B
        self._refresh(self._all)

    def reset(self, idx: IntArray | slice, seeds: Sequence[int | None] | None = None) -> None:
        """New episodes in copies ``idx`` (indices, or ``slice(None)``: all), as ``core.start``: true weights drawn,
        refinement phase open. ``seeds[t]`` (not None) reseeds copy ``idx[t]``; an unseeded copy draws from fresh
        entropy."""
        ids = self._all[idx]
        law = self.config.law
        for t, c in enumerate(ids.tolist()):
            if (seeds is not None and seeds[t] is not None) or self.rngs[c] is None:
                self.rngs[c] = np.random.default_rng(None if seeds is None else seeds[t])
            w1, w2 = law.sample(1, rng=self.rngs[c])
            self.w[0, c], self.w[1, c] = w1[0], w2[0]
        self.known[ids], self.revealed[ids] = self.known0, False
        self.budget_left[ids] = self.config.budget
        self.phase[ids], self.round[ids], self.offer[ids] = REFINEMENT, 0, -1
        if self.exploring_starts > 0:
            for c in ids.tolist():
                self._explore(c)
        self._refresh(ids)

    def _explore(self, c: int) -> None:
        """With probability ``exploring_starts``, move copy c's new episode to a uniformly drawn play state
        (module docstring), drawing from the copy's Generator."""
        rng, cfg = self.rngs[c], self.config
        if rng is None or rng.random() >= self.exploring_starts:
            return
        refined = (rng.random(2) < 0.5) & (self.budget_left[c] > 0)
        self.known[c, refined] = self.w[refined.nonzero()[0], c]
        self.revealed[c], self.budget_left[c] = refined, self.budget_left[c] - refined
        t, responds = int(rng.integers(cfg.horizon)), bool(rng.random() < 0.5)
        self.round[c], self.phase[c] = t, RESPOND if responds else PROPOSE
        self.offer[c] = int(rng.integers(cfg.n_offers)) if responds or t > 0 else -1

    def _refresh(self, idx: IntArray) -> None:
        """Recompute the observations and masks of copies ``idx``."""
        ph, rnd, bud = self.phase[idx], self.round[idx], self.budget_left[idx]
        self.obs[idx, :, 2:] = self.observer.observe(ph, rnd, self.offer[idx], self.known[idx], self.revealed[idx],
                                                     bud)
        self.mask[idx] = self.table.rows[self.observer.mask_codes(ph, rnd, bud)]

    def legal(self, actions: IntArray) -> npt.NDArray[np.bool_]:
        """(B, 2): is each agent's action (B, 2) allowed by its mask."""
        return self.mask[self._all[:, None], np.arange(2), actions].astype(bool)

    def step(self, actions: IntArray, legal: npt.NDArray[np.bool_] | None = None,
             ) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        """Apply the joint actions (B, 2) of every copy; return the rewards (B, 2) and which copies ended (B,).

        ``legal`` (from :meth:`legal`) is given when some action is masked: a copy with one ends at once, each
        offender gets ``-invalid_action_penalty``, nothing else happens there (``core.advance``).
        """
        c, B = self.config, self.B
        rewards, done = np.zeros((B, 2)), np.zeros(B, dtype=bool)
        self.invalid = np.zeros((B, 2), dtype=bool) if legal is None else ~legal
        ok = ~self.invalid.any(axis=1)
        rewards[self.invalid] = -c.invalid_action_penalty
        phase = self.phase
        refining, proposing, responding = (np.flatnonzero(ok & (phase == p)) for p in (REFINEMENT, PROPOSE, RESPOND))
        # refinement: a refiner learns its own weights and pays its cost
        rows, agents = np.nonzero(actions[refining] == REFINE)
        copies = refining[rows]
        self.known[copies, agents] = self.w[agents, copies]
        self.revealed[copies, agents] = True
        self.budget_left[copies, agents] -= 1
        rewards[copies, agents] -= self.cost[agents]
        phase[refining] = PROPOSE
        # proposal: the offer goes on the table
        p = proposer(c, self.round[proposing])
        self.offer[proposing] = actions[proposing, p] - OFFSET
        phase[proposing] = RESPOND
        # response: agreement pays the discounted true utilities; the last rejection gives d
        p = proposer(c, self.round[responding])
        accept = actions[responding, 1 - p] == ACCEPT
        agreed, rejected = responding[accept], responding[~accept]
        x = c.offers[self.offer[agreed]]
        utilities = np.stack([dot_rows(x, self.w[0, agreed]), dot_rows(1.0 - x, self.w[1, agreed])], axis=1)
        rewards[agreed] = self.discount[self.round[agreed], None] * utilities
        self.round[rejected] += 1
        failed = rejected[self.round[rejected] == c.horizon]
        rewards[failed] = self.d
        phase[rejected] = PROPOSE
        done[~ok], done[agreed], done[failed] = True, True, True
        phase[done] = DONE
        self._refresh(self._all)
        return rewards, done
