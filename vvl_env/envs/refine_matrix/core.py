"""The batched numpy episode logic of ``refine_matrix_v0``, shared by the ParallelEnv (one copy) and the vector env.

State of B copies (game frame: rows are player_0's actions, columns player_1's, padded with zeros to M x M):

* ``W[b, layer, i]``: payoff matrix of player i (R1, R2). Layer 0 is the truth; under visibility "own", layer
  1 + a is agent a's view: the game refined with only the offsets agent a may see (its own payoffs from its own
  refinements).
* ``state[b]``: actions of each player (cnt), refinements left (bud), phase (REFINE, PLAY, DONE), rounds played,
  last played actions (-1 before the first round).

Randomness: copy b owns a ``np.random.Generator`` and pre-draws ``EPISODES_PER_DRAW`` episodes at once through the
model layer's batched samplers: for each agent i with budget b_i > 0, ``perturbation[i].sample(n_opposing=M, size=K b_i)``
then ``cost[i].sample(size=K b_i)``. Refinement j of agent i in episode e of a block uses draw e b_i + j whatever
was refined, so an episode depends only on the seed, its place after ``reset(seed)`` and the actions. Offsets
against opposing actions that do not exist yet are dropped (the first n of M i.i.d. columns are a draw with n).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from vvl_env.envs.refine_matrix.config import RefineMatrixConfig
from vvl_env.envs.refine_matrix.layout import (DONE, PLAY, REFINE, ObsLayout, last_table, split_tables,
                                               status_tables)
from vvl_env.model.perturbation import RefinementOutcome

EPISODES_PER_DRAW = 64
MAX_BYTES = 4 << 30  # state and pre-drawn refinements of all copies
IntArray = npt.NDArray[np.int64]


class MatrixCore:
    """B copies of the episode, stepped together; ``step`` trusts its inputs (ints in [0, 1 + 2M), checked by the
    environments with ``vvl_env.envs.actions``).

    Parameters
    ----------
    config : RefineMatrixConfig
    num_copies : int
    agent_id : bool
        Prefix each observation with the agent's one-hot id (the vector env's shared-policy layout).
    """

    def __init__(self, config: RefineMatrixConfig, num_copies: int, agent_id: bool = False) -> None:
        self.config = config
        B = self.B = int(num_copies)
        M = self.M = config.max_actions
        per_copy = self.bytes_per_copy(config)
        if B * per_copy > MAX_BYTES:
            raise ValueError(f"num_envs: {B} copies with budget {config.budget} and max_actions {M} would hold "
                             f"{B * per_copy / 2**30:.1f} GiB of state; at most {MAX_BYTES >> 30} GiB (use fewer "
                             f"copies or a smaller budget)")
        self.A = 1 + 2 * M
        self.layout = ObsLayout(M, 2 if agent_id else 0)
        self._s = self.layout.sections()
        self.budgets = np.array(config.budget, dtype=np.int64)
        self.rounds = config.rounds
        self._ar = np.arange(M)
        self._arB = np.arange(B)
        m, n = config.game.shape
        self.base_counts = np.array([m, n], dtype=np.int64)
        public = config.visibility == "public"
        layers = 1 if public else 3
        self._view = (0, 0) if public else (1, 2)                               # the layer each agent sees
        self._base = np.zeros((layers, 2, M, M))
        self._base[:, 0, :m, :n] = config.game.R1
        self._base[:, 1, :m, :n] = config.game.R2
        self._gather, self._add, self._field = split_tables(M, layers, ((0,), (0,)) if public else ((0, 1), (0, 2)))
        self._stride = layers * 2 * M * M
        self.start_phase = REFINE if self.budgets.sum() > 0 else PLAY
        # state: one int array, so a reset is one assignment. Columns: cnt (2), bud (2), phase, rnd, last (2),
        # next draw row of each agent (2)
        K = EPISODES_PER_DRAW
        self._state0 = np.array([m, n, *config.budget, self.start_phase, 0, -1, -1, 0, 0], dtype=np.int64)
        self.state = np.tile(self._state0, (B, 1))
        self.cnt, self.bud, self.phase = self.state[:, 0:2], self.state[:, 2:4], self.state[:, 4]
        self.rnd, self.last, self.next_draw = self.state[:, 5], self.state[:, 6:8], self.state[:, 8:10]
        self._delta = np.zeros((2, 10), dtype=np.int64)                          # state change of a refinement
        self._delta[[0, 1], [0, 1]], self._delta[[0, 1], [2, 3]], self._delta[[0, 1], [8, 9]] = 1, -1, 1
        self.W = np.repeat(self._base[None], B, axis=0)
        self._Wrows = self.W.reshape(B, -1)                                      # views of W
        self._Wflat = self.W.reshape(-1)
        self.refined = np.zeros((B, 2), dtype=bool)                             # who refined at the last step
        self.invalid = np.zeros((B, 2), dtype=bool)                             # who acted illegally (penalize)
        # randomness: one Generator per copy; draw rows [c K b_i, (c + 1) K b_i) of agent i belong to copy c
        self.rngs: list[np.random.Generator | None] = [None] * B
        self._unseeded = True
        self._draw0 = (np.arange(B) * K)[:, None] * self.budgets                # first draw row of each copy
        self.ep = np.zeros(B, dtype=np.int64)
        self._q = [np.zeros(B * K * b) for b in config.budget]
        self._off = [np.zeros((B * K * b, 4, M)) for b in config.budget]
        self._cost = [np.zeros(B * K * b) for b in config.budget]
        # action kinds (0 pass, 1 refine, 2 play) and the mask of existing opposing actions by their count
        self._kind = np.repeat([0, 1, 2], [1, M, M])
        self._exists = (np.arange(M)[None, :] < np.arange(M + 1)[:, None])[:, None, :]
        self._mask_at = (np.arange(2 * B) * self.A).reshape(B, 2)                # flat index of each mask row
        # observations: lookup tables, and the first observation of every episode
        self._status, self._masks = status_tables(M, self.base_counts, self.budgets)
        self._last = last_table(M)
        b0, b1 = config.budget                                                 # code of (bud0, bud1, phase)
        self._code = (((b0 - np.arange(b0 + 1))[:, None, None] * (b1 + 1) + (b1 - np.arange(b1 + 1))[None, :, None])
                      * 3 + np.arange(3)[None, None, :])
        self._none = np.zeros((B, 2), dtype=bool)
        obs0 = np.zeros((2, self.layout.size), dtype=np.float32)
        if agent_id:
            obs0[:, :2] = np.eye(2)
        obs0[:, self._s["belief"]] = [config.belief_vector(0), config.belief_vector(1)]
        obs0[:, self._s["payoffs"]] = self._payoff_rows(self._base[None])[0]
        obs0[:, self._s["status"]] = self._status[self.start_phase]
        self._obs0, self._mask0 = obs0, self._masks[self.start_phase].copy()
        self.obs = np.repeat(obs0[None], B, axis=0)
        self.mask = np.repeat(self._mask0[None], B, axis=0)

    @staticmethod
    def bytes_per_copy(config: RefineMatrixConfig) -> int:
        """Memory of one copy: its pre-drawn refinements and its payoff and observation state."""
        M = config.max_actions
        return 8 * (EPISODES_PER_DRAW * sum(config.budget) * (4 * M + 2) + 6 * M * M + 4 * M * M)

    # --- randomness and resets --------------------------------------------------------------------------------

    def _refill(self, c: int) -> None:
        """Draw the next block of episodes of copy ``c`` from its Generator."""
        rng, K, M = self.rngs[c], EPISODES_PER_DRAW, self.M
        for i, b in enumerate(self.config.budget):
            if b == 0:
                continue
            rows = slice(c * K * b, (c + 1) * K * b)
            out = self.config.perturbation[i].sample(rng=rng, n_opposing=M, size=K * b)
            self._q[i][rows] = out.q
            off = self._off[i][rows]
            off[:, 0], off[:, 1], off[:, 2], off[:, 3] = out.own1, out.own2, out.other1, out.other2
            self._cost[i][rows] = self.config.cost[i].sample(rng=rng, size=K * b)

    def reset(self, idx: IntArray | slice, seeds: list[int | None] | None = None) -> None:
        """Start a new episode in copies ``idx`` (indices, or ``slice(None)``: all); ``seeds[t]`` (not None)
        reseeds copy ``idx[t]``, else its Generator goes on to the next pre-drawn episode."""
        ids = self._arB[idx] if isinstance(idx, slice) else idx
        refill: list[int] = []
        if seeds is not None or self._unseeded:
            for t, c in enumerate(ids.tolist()):
                if (seeds is not None and seeds[t] is not None) or self.rngs[c] is None:
                    self.rngs[c] = np.random.default_rng(None if seeds is None else seeds[t])
                    refill.append(c)
            self._unseeded = any(r is None for r in self.rngs)
        self.ep[idx] += 1
        wrap = self.ep[idx] >= EPISODES_PER_DRAW
        if np.count_nonzero(wrap):
            refill += ids[wrap].tolist()
        for c in set(refill):
            self._refill(c)
            self.ep[c] = 0
        self.state[idx] = self._state0
        self.state[idx, 8:10] = self._draw0[idx] + self.ep[idx][:, None] * self.budgets
        self.W[idx] = self._base
        self.obs[idx] = self._obs0
        self.mask[idx] = self._mask0

    def episode_draws(self, c: int) -> list[tuple[npt.NDArray[np.float64], ...]]:
        """Per agent, ``(q (b,), offsets (b, 4, M), costs (b,))``: the refinement draws copy ``c``'s current episode
        takes, in the order of its refinements (b the agent's budget; offsets own1, own2, other1, other2)."""
        out = []
        for i, b in enumerate(self.config.budget):
            rows = slice(int(self._draw0[c, i] + self.ep[c] * b), int(self._draw0[c, i] + (self.ep[c] + 1) * b))
            out.append((self._q[i][rows].copy(), self._off[i][rows].copy(), self._cost[i][rows].copy()))
        return out

    def restart(self, idx: IntArray, draws: Sequence[tuple[npt.ArrayLike, ...]]) -> None:
        """Start a new episode in copies ``idx`` whose refinements take the given draws, per agent ``(q (len(idx),
        b), offsets (len(idx), b, 4, M), costs (len(idx), b))`` as :meth:`episode_draws` gives them per copy: a
        counterfactual replay (the copies' Generators are not used; a later :meth:`reset` goes on from them)."""
        ids = np.asarray(idx, dtype=np.int64)
        self.ep[ids] = 0
        for i, b in enumerate(self.config.budget):
            if b == 0:
                continue
            q, off, cost = (np.asarray(a, dtype=np.float64) for a in draws[i])
            rows = (self._draw0[ids, i][:, None] + np.arange(b)[None, :]).ravel()
            self._q[i][rows] = q.reshape(-1)
            self._off[i][rows] = off.reshape(-1, 4, self.M)
            self._cost[i][rows] = cost.reshape(-1)
        self.state[ids] = self._state0
        self.state[ids, 8:10] = self._draw0[ids]
        self.W[ids] = self._base
        self.obs[ids] = self._obs0
        self.mask[ids] = self._mask0

    def fork(self, src: MatrixCore, copies: IntArray, into: IntArray) -> None:
        """Continue the current episodes of ``src``'s copies ``copies`` (a core of the same config) in this core's
        copies ``into``: state, payoffs, observations, masks and the refinement draws their episodes have left, so
        the branches can be stepped with other actions (counterfactual branches on common draws; ``src`` is not
        changed, this core's Generators are not used)."""
        copies, into = np.asarray(copies, dtype=np.int64), np.asarray(into, dtype=np.int64)
        self.ep[into] = 0
        used = src.next_draw[copies] - (src._draw0[copies] + src.ep[copies][:, None] * src.budgets)
        for i, b in enumerate(self.config.budget):
            if b == 0:
                continue
            rows_src = ((src._draw0[copies, i] + src.ep[copies] * b)[:, None] + np.arange(b)).ravel()
            rows_dst = (self._draw0[into, i][:, None] + np.arange(b)).ravel()
            self._q[i][rows_dst] = src._q[i][rows_src]
            self._off[i][rows_dst] = src._off[i][rows_src]
            self._cost[i][rows_dst] = src._cost[i][rows_src]
        self.state[into] = src.state[copies]
        self.state[into, 8:10] = self._draw0[into] + used
        self.W[into] = src.W[copies]
        self.obs[into] = src.obs[copies]
        self.mask[into] = src.mask[copies]

    def redraw(self, idx: IntArray, rng: np.random.Generator, groups: IntArray | None = None) -> None:
        """Replace the refinement and cost draws of copies ``idx``'s current episodes by fresh ones from the laws,
        drawn from ``rng`` (the copies' Generators are not used); copies with equal ``groups[t]`` get the same draws.
        Draws already used (refinements made) stay in ``W``: only the refinements still to come change. Monte Carlo
        over the refinements from a forked state (:mod:`agents.learning.refine_counterfactual`)."""
        idx = np.asarray(idx, dtype=np.int64)
        groups = np.arange(idx.size) if groups is None else np.asarray(groups)
        _, inverse = np.unique(groups, return_inverse=True)
        size = int(inverse.max()) + 1 if idx.size else 0
        for i, b in enumerate(self.config.budget):
            if b == 0 or size == 0:
                continue
            out = self.config.perturbation[i].sample(rng=rng, n_opposing=self.M, size=size * b)
            cost = self.config.cost[i].sample(rng=rng, size=size * b)
            take = (inverse[:, None] * b + np.arange(b)).ravel()
            rows = ((self._draw0[idx, i] + self.ep[idx] * b)[:, None] + np.arange(b)).ravel()
            self._q[i][rows] = out.q[take]
            self._off[i][rows] = np.stack([out.own1, out.own2, out.other1, out.other2], axis=1)[take]
            self._cost[i][rows] = cost[take]

    # --- dynamics ---------------------------------------------------------------------------------------------

    def _refine(self, S: IntArray, p: int, k: IntArray, rew: npt.NDArray[np.float64]) -> None:
        """Player p refines its action k[t] in copies S[t] (p = 0 splits rows, p = 1 columns)."""
        draw = self.next_draw[S, p]
        rew[S, p] = -self._cost[p][draw]
        at = (S * self._stride)[:, None]
        self._Wrows[S] = np.take(self._Wflat, at + self._gather[p, k])          # split: variants k, k + 1
        vals = self._off[p][draw[:, None], self._field[p]] * self._exists[self.cnt[S, 1 - p]]
        self._Wflat[at[:, :, None] + self._add[p, k]] += vals                   # offsets, own and other
        self.state[S] += self._delta[p]

    def legal(self, actions: IntArray) -> npt.NDArray[np.bool_]:
        """(B, 2): whether each agent's action (ints in [0, 1 + 2M)) is allowed by its current mask."""
        return self.mask.reshape(-1)[self._mask_at + actions].view(bool)

    def step(self, actions: IntArray, legal: npt.NDArray[np.bool_] | None = None,
             ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Apply one joint action per copy (``actions`` of shape (B, 2)); ``legal`` is None when the caller checked
        that every action is legal, else ``self.legal(actions)``. Return rewards (B, 2) and done (B,).

        A copy where an agent's action is illegal is not stepped: it ends at once, each offender receiving
        ``-invalid_action_penalty`` (``invalid_action="penalize"``; under "raise" the caller refuses the step before
        calling this). ``self.invalid`` (B, 2) marks the offenders. Copies already done stay done (the caller resets
        them). Phases with no copy in them are skipped.
        """
        rew = np.zeros((self.B, 2))
        self._last_actions = actions
        in_ref = self.phase == REFINE
        in_play = self.phase == PLAY
        void = None
        if legal is not None:
            void = ~(legal[:, 0] & legal[:, 1])
            in_ref &= ~void
            in_play &= ~void
        touched, refining, playing = None, np.count_nonzero(in_ref) > 0, np.count_nonzero(in_play) > 0
        if refining:
            ref = self._kind[actions] == 1                                         # legal: the mask allows it
            if void is not None:
                ref &= legal & ~void[:, None]
            any_ref = ref[:, 0] | ref[:, 1]
            if np.count_nonzero(any_ref):
                for p in (0, 1):
                    S = ref[:, p].nonzero()[0]
                    if S.size:
                        self._refine(S, p, actions[S, p] - 1, rew)
                touched = any_ref.nonzero()[0]
            self.phase[in_ref & ~(any_ref & np.logical_or(self.bud[:, 0], self.bud[:, 1]))] = PLAY
            self.refined = ref
        else:
            self.refined = self._none
        if playing:
            kp = actions - (1 + self.M)
            kp = np.where((kp >= 0) & (kp < self.cnt), kp, 0)                      # copies not in play: any index
            rew += self.W[self._arB, 0, :, kp[:, 0], kp[:, 1]] * in_play[:, None]   # (B, 2): R1, R2 of the cell
            self.rnd += in_play
            np.copyto(self.last, kp, where=in_play[:, None])
            done = in_play & (self.rnd >= self.rounds)
            self.phase[done] = DONE
        else:
            done = self._none[:, 0]
        self.invalid = self._none
        if void is not None:
            self.invalid = ~legal
            rew[void] = np.where(self.invalid[void], -self.config.invalid_action_penalty, 0.0)
            self.phase[void] = DONE
            done = done | void
        self._write(touched, playing)
        return rew, done

    # --- observations -----------------------------------------------------------------------------------------

    def _payoff_rows(self, W: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Payoff sections (n, 2, 2 M^2) of copies W (n, layers, 2, M, M) in each agent's own-first frame:
        player_0 sees (R1, R2), player_1 (R2ᵀ, R1ᵀ)."""
        n = W.shape[0]
        v0, v1 = self._view
        return np.stack([W[:, v0].reshape(n, -1), W[:, v1, ::-1].transpose(0, 1, 3, 2).reshape(n, -1)], axis=1)

    def _write(self, touched: IntArray | None, played: bool) -> None:
        """Update observations and masks after a step: payoffs of the copies ``touched`` by a refinement, last
        actions and rounds if anyone ``played``, status and masks always."""
        O, s = self.obs, self._s
        if touched is not None:
            O[touched, :, s["payoffs"]] = self._payoff_rows(self.W[touched])
        code = self._code[self.state[:, 2], self.state[:, 3], self.state[:, 4]]
        O[:, :, s["status"]] = self._status[code]
        self.mask = self._masks[code]
        if played:
            O[:, :, s["last"]] = self._last[(self.last[:, 0] + 1) * (self.M + 1) + self.last[:, 1] + 1]
            O[:, :, s["round"].start] = self.rnd[:, None]

    def counterfactual(self, S: IntArray) -> npt.NDArray[np.float64]:
        """Full-information feedback of the last play step in copies ``S``: (len(S), 2, M), the true reward each
        of an agent's own actions would have earned against the other's realised action, ``R1[:, b]`` for
        player_0 and ``R2[a, :]`` for player_1 (0 for actions that do not exist)."""
        a, b = self.last[S, 0], self.last[S, 1]
        return np.stack([self.W[S, 0, 0, :, b], self.W[S, 0, 1, a, :]], axis=1)

    # --- read-outs (not on the hot path) ------------------------------------------------------------------------

    def game_arrays(self, c: int, layer: int = 0) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(R1, R2) of copy c, cut to its actions; layer 0 is the truth."""
        m, n = self.cnt[c]
        return self.W[c, layer, 0, :m, :n], self.W[c, layer, 1, :m, :n]

    def event(self, c: int, p: int) -> tuple[int, RefinementOutcome, float]:
        """(action, outcome, cost) of player p's refinement in copy c at the last step, as ``refine`` takes it."""
        d = int(self.next_draw[c, p]) - 1
        n = int(self.cnt[c, 1 - p]) - int(p == 0 and self.refined[c, 1])         # player_0's applies first
        k = self._last_actions[c, p] - 1
        off = self._off[p][d, :, :n].copy()
        return int(k), RefinementOutcome(np.asarray(self._q[p][d]), off[0], off[1], off[2], off[3]), \
            float(self._cost[p][d])
