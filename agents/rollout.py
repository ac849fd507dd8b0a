"""Batched evaluation episodes: every live episode of a chunk advances one step together, with one policy call per
agent and step over the chunk (:func:`agents.policy.probabilities_batch`), so a learned policy makes one network
call for hundreds of episodes (and a policy without a batch method one call per distinct observation).

Episode e is what the sequential evaluator played: ``reset(seed=episode_seed(seed, e))``, agent i's actions drawn
from ``default_rng([seed, e, i])`` by :func:`agents.policy.sample_actions` (the rule of ``act``); the episode's seed
is the public seed of policies that read one (:mod:`agents.policy`). Each episode has its own environment state, so
the records do not depend on the chunk size. The record keys are documented in
:mod:`agents.evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from agents import bargain_play, matrix_play, private_play
from agents.policy import Policy, probabilities_batch, sample_actions
from agents.seeding import episode_seed
from vvl_env.envs.refine_or_act_core import RefineOrActCore
from vvl_env.solve.exploitability import nash_conv

CHUNK = 256
"""Episodes stepped together (and environment objects kept)."""


class EpisodeRngs:
    """Agent ``i``'s Generators of the episodes ``eps``, ``default_rng([seed, e, i])``, each made on first use (a
    point-mass policy never draws, so most analytic play needs none); ``rows(idx)`` views them by row."""

    def __init__(self, seed: int, eps: list[int], i: int) -> None:
        self.seed, self.eps, self.i = seed, eps, i
        self._made: dict[int, np.random.Generator] = {}

    def __getitem__(self, j: int) -> np.random.Generator:
        if j not in self._made:
            self._made[j] = np.random.default_rng([self.seed, self.eps[j], self.i])
        return self._made[j]

    def rows(self, idx: Any) -> _Rows:
        """Item t: the Generator of episode ``idx[t]`` (what :func:`agents.policy.sample_actions` indexes)."""
        return _Rows(self, list(idx))


class _Rows(Sequence[np.random.Generator]):
    def __init__(self, rngs: EpisodeRngs, idx: list[int]) -> None:
        self.rngs, self.idx = rngs, idx

    def __getitem__(self, t: int) -> np.random.Generator:  # type: ignore[override]
        return self.rngs[self.idx[t]]

    def __len__(self) -> int:
        return len(self.idx)


def start_record(agents: tuple[str, ...], e: int, reset_seed: int) -> dict[str, Any]:
    """The record of episode ``e`` (reset with ``reset_seed``) before its first step."""
    rec: dict[str, Any] = {"episode": e, "seed": reset_seed, "invalid": 0.0, "length": 0}
    for a in agents:
        rec.update({f"payoff/{a}": 0.0, f"cost/{a}": 0.0, f"refine_rate/{a}": 0.0, f"refinements/{a}": 0.0})
    return rec


def note_refine(rec: dict[str, Any], agent: str, turn: int, action: int) -> None:
    """Record that ``agent`` refined (its own action ``action``) at ``turn``."""
    rec[f"refine_rate/{agent}"] = 1.0
    rec[f"refinements/{agent}"] += 1.0
    rec[f"refine_rate/{agent}/turn_{turn}"] = 1.0
    rec[f"refine_rate/{agent}/action_{action}"] = 1.0


def refine_action(env_id: str, phase: str, a: int, M: int) -> int | None:
    """The refined own action (matrix) or 0 (bargain) if ``a`` is a refinement, else None."""
    if env_id == "refine_matrix_v0":
        return a - 1 if phase == "refine" and 1 <= a <= M else None
    return 0 if phase == "refinement" and a == 1 else None


def row_key(x: Any) -> tuple[Any, ...]:
    """A hashable key of an observation (array or dict of arrays), a mask or probabilities: shapes, dtypes, bytes."""
    if isinstance(x, Mapping):
        return tuple((k, row_key(v)) for k, v in sorted(x.items()))
    arr = np.ascontiguousarray(x)
    return arr.shape, arr.dtype.str, arr.tobytes()


def distinct_probabilities(policy: Policy, observations: Sequence[Any], masks: np.ndarray,
                           public_seeds: Sequence[int]) -> np.ndarray:
    """:func:`agents.policy.probabilities_batch` of every row; a policy called row by row (no batch method, no
    public seed) is called once per distinct (observation, mask), its probabilities being a function of them
    (analytic agents and baselines: all episodes of a chunk often start in one state)."""
    if getattr(policy, "action_probabilities_batch", None) is not None or getattr(policy, "uses_public_seed", False):
        return probabilities_batch(policy, observations, masks, public_seeds=public_seeds)
    first: dict[tuple[Any, ...], int] = {}
    index = np.array([first.setdefault((row_key(o), row_key(m)), t) for t, (o, m) in
                      enumerate(zip(observations, masks))])
    rows, where = np.unique(index, return_inverse=True)
    return probabilities_batch(policy, [observations[t] for t in rows], masks[rows])[where]


def run_episodes(env_id: str, make: Callable[[], Any], policies: Mapping[str, Policy], episodes: int, seed: int,
                 chunk: int = CHUNK, nash_conv_episodes: int | None = None,
                 ) -> tuple[list[dict[str, Any]], list[Any], list[dict[str, Any]], Any]:
    """Records, realised games (None for RefineOrAct) and first decisions of episodes ``0 .. episodes - 1``, and one
    environment object. ``firsts[e][agent]`` is (observation, mask, probabilities) at the agent's first step.
    ``nash_conv_episodes``: the play NashConv of refine_bargain_v0 and of refine_matrix_v0 with several rounds
    (:mod:`agents.bargain_play`, :mod:`agents.matrix_play`: policy calls over every play state of each episode) is
    computed for the first this many episodes (None: all; 0: none, for evaluations that only need payoffs).

    RefineOrAct episodes run on :class:`~vvl_env.envs.refine_or_act_core.RefineOrActCore` (the same episodes as
    the env's); the two-agent envs on one environment object per episode of a chunk.
    """
    envs: list[Any] = [make()]
    core = RefineOrActCore(envs[0], min(chunk, episodes)) if env_id == "refine_or_act" else None
    records: list[dict[str, Any]] = []
    realised: list[Any] = []
    firsts: list[dict[str, Any]] = []
    for first in range(0, episodes, chunk):
        eps = list(range(first, min(first + chunk, episodes)))
        if core is not None:
            recs, real, first_steps = _gym_chunk(core, policies["agent"], seed, eps)
        else:
            envs += [make() for _ in range(len(eps) - len(envs))]
            recs, real, first_steps = _parallel_chunk(env_id, envs[:len(eps)], policies, seed, eps,
                                                      nash_conv_episodes)
        records += recs
        realised += real
        firsts += first_steps
    return records, realised, firsts, envs[0]


def _gym_chunk(core: RefineOrActCore, policy: Policy, seed: int, eps: list[int],
               ) -> tuple[list[dict[str, Any]], list[Any], list[dict[str, Any]]]:
    seeds = [episode_seed(seed, e) for e in eps]
    recs = [start_record(("agent",), e, s) for e, s in zip(eps, seeds)]
    live = np.arange(len(eps))
    core.reset(live, seeds)
    rngs = EpisodeRngs(seed, eps, 0)
    M, turn = core.M, 0
    firsts: list[dict[str, Any]] = []
    while live.size:
        obs, masks = core.observations()[live], core.masks()[live].astype(np.int8)
        probs = distinct_probabilities(policy, list(obs), masks, [seeds[j] for j in live])
        acts = sample_actions(probs, rngs.rows(live))
        if turn == 0:
            firsts = [{"agent": (obs[t], masks[t], probs[t])} for t in range(live.size)]
        for t, j in enumerate(live.tolist()):
            a, rec = int(acts[t]), recs[j]
            if a >= M and masks[t, a]:
                p, values = probs[t, M:M + core.n[j]], core.values[j, :core.n[j]]
                if p.sum() > 0:
                    gain = float(values.max() - p @ values / p.sum())
                    rec["nash_conv"] = rec["nash_conv/agent"] = rec["regret/agent"] = gain
            elif masks[t, a]:
                note_refine(rec, "agent", turn, a)
        rew, done, invalid = core.step(acts, live)
        for t, j in enumerate(live.tolist()):
            rec = recs[j]
            rec["payoff/agent"] += float(rew[t])
            rec["invalid"] = max(rec["invalid"], float(invalid[t]))
            if done[t]:
                rec["cost/agent"] = float(core.costs_paid[j])
                rec["welfare"], rec["length"] = rec["payoff/agent"], turn + 1
        live = live[~done]
        turn += 1
    return recs, [None] * len(eps), firsts  # no analytic outcome needs RefineOrAct's realised problem


def _parallel_chunk(env_id: str, envs: list[Any], policies: Mapping[str, Policy], seed: int, eps: list[int],
                    nash_conv_episodes: int | None = None,
                    ) -> tuple[list[dict[str, Any]], list[Any], list[dict[str, Any]]]:
    agents = tuple(envs[0].possible_agents)
    seeds = [episode_seed(seed, e) for e in eps]
    recs = [start_record(agents, e, s) for e, s in zip(eps, seeds)]
    obs, infos = map(list, zip(*[env.reset(seed=s) for env, s in zip(envs, seeds)]))
    rngs = [EpisodeRngs(seed, eps, i) for i in range(len(agents))]
    M = getattr(getattr(envs[0], "_core", None), "M", 0)
    play = [{a: 0.0 for a in agents} for _ in eps]
    first_play = [True] * len(eps)
    play_start: dict[int, tuple[np.ndarray, ...]] = {}
    rounds = getattr(envs[0].config, "rounds", 1) if env_id == "refine_matrix_v0" else 1
    history_start: dict[int, tuple[Any, ...]] = {}   # several rounds: the game and play observations at the start
    private = env_id == "refine_matrix_v0" and envs[0].config.visibility == "own"
    refine_joint: list[list[tuple[int, int]]] = [[] for _ in eps]     # private play: the refine phase's actions
    private_start: dict[int, list[np.ndarray]] = {}                   # private play: the play probabilities
    firsts: list[dict[str, Any]] = [{} for _ in eps]
    live, turn = list(range(len(eps))), 0
    while live:
        phase = {j: infos[j][agents[0]]["phase"] for j in live}
        actions: dict[int, dict[str, int]] = {j: {} for j in live}
        probs_of: dict[tuple[int, str], np.ndarray] = {}
        for i, a in enumerate(agents):
            rows = [j for j in live if a in envs[j].agents]
            if not rows:
                continue
            masks = np.stack([np.asarray(obs[j][a]["action_mask"]) for j in rows])
            probs = distinct_probabilities(policies[a], [obs[j][a] for j in rows], masks, [seeds[j] for j in rows])
            acts = sample_actions(probs, rngs[i].rows(rows))
            for t, j in enumerate(rows):
                actions[j][a], probs_of[j, a] = int(acts[t]), probs[t]
                if turn == 0:
                    firsts[j][a] = (obs[j][a], masks[t], probs[t])
        for j in live:
            rec = recs[j]
            if env_id == "refine_matrix_v0" and phase[j] == "play":
                game, profile = infos[j][agents[0]]["game"], [probs_of[j, a] for a in agents]
                _matrix_nash_conv(rec, game, profile, agents, M, first=first_play[j] and rounds == 1)
                if first_play[j] and private:
                    private_start[j] = profile
                elif first_play[j] and rounds > 1:
                    history_start[j] = (game, [obs[j][a] for a in agents],
                                        [np.asarray(obs[j][a]["action_mask"]) for a in agents])
                first_play[j] = False
            if private and phase[j] == "refine":
                refine_joint[j].append((actions[j][agents[0]], actions[j][agents[1]]))
            for a, act in actions[j].items():
                k = refine_action(env_id, phase[j], act, M)
                if k is not None and obs[j][a]["action_mask"][act]:
                    note_refine(rec, a, turn, k)
            obs[j], rewards, _, _, infos[j] = envs[j].step(actions[j])
            if env_id == "refine_bargain_v0" and phase[j] == "refinement" and envs[j].agents:
                s = envs[j].state
                play_start[j] = (s.known.copy(), s.revealed.copy(), s.budget_left.copy())
            for a in agents:
                r = float(rewards.get(a, 0.0))
                rec[f"payoff/{a}"] += r
                if phase[j] in ("refine", "refinement") and r < 0 and not infos[j][a].get("invalid_action", False):
                    rec[f"cost/{a}"] -= r
                else:
                    play[j][a] += r
                rec["invalid"] = max(rec["invalid"], float(infos[j][a].get("invalid_action", False)))
        live = [j for j in live if envs[j].agents]
        turn += 1
        for j in range(len(eps)):
            if j not in live and recs[j]["length"] == 0:
                recs[j]["length"] = turn
    for rec, pl in zip(recs, play):
        rec["welfare"] = sum(rec[f"payoff/{a}"] for a in agents)
        for a in agents:
            rec[f"play_payoff/{a}"] = pl[a]
        if all(f"play_value/{a}" in rec for a in agents):
            rec["expected_welfare"] = sum(rec[f"play_value/{a}"] - rec[f"cost/{a}"] for a in agents)
    if nash_conv_episodes is not None:
        play_start = {j: v for j, v in play_start.items() if eps[j] < nash_conv_episodes}
        history_start = {j: v for j, v in history_start.items() if eps[j] < nash_conv_episodes}
        private_start = {j: v for j, v in private_start.items() if eps[j] < nash_conv_episodes}
    if play_start and bargain_play.defined(envs[0].config):
        _bargain_nash_conv(recs, envs[0].config, policies, agents, play_start)
    if history_start:
        _history_nash_conv(recs, policies, agents, history_start, [seeds[j] for j in sorted(history_start)], M,
                           rounds)
    if private:
        _private_nash_conv(recs, envs[0].config, policies, agents, private_start, refine_joint, seeds)
    realised = [info[agents[0]].get("game", info[agents[0]].get("problem")) for info in infos]
    return recs, realised, firsts


def _private_nash_conv(recs: list[dict[str, Any]], config: Any, policies: Mapping[str, Policy],
                       agents: tuple[str, ...], start: dict[int, list[np.ndarray]],
                       refine_joint: list[list[tuple[int, int]]], seeds: list[int]) -> None:
    """Under visibility "own": ``nash_conv`` and ``nash_conv/<a>`` are the interim gains of
    :mod:`agents.private_play` (one round; the plug-in estimate, biased up), ``nash_conv_lower`` and
    ``nash_conv_lower/<a>`` the cross-fitted ones (biased down: the two bracket the truth in expectation), or not
    defined (several rounds); ``regret/<a>`` stays the full-information one."""
    for rec in recs:
        for key in ("nash_conv", *(f"nash_conv/{a}" for a in agents)):
            rec.pop(key, None)
    if not private_play.defined(config) or not start:
        return
    js = sorted(start)
    bounds = private_play.interim_gain_bounds(config, [policies[a] for a in agents], [seeds[j] for j in js],
                                              [refine_joint[j] for j in js], [start[j] for j in js])
    for t, j in enumerate(js):
        for name, gains in zip(("nash_conv", "nash_conv_lower"), bounds):
            if np.isfinite(gains[t]).all():
                recs[j][name] = float(gains[t].sum())
                for i, a in enumerate(agents):
                    recs[j][f"{name}/{a}"] = float(gains[t, i])


def _bargain_nash_conv(recs: list[dict[str, Any]], config: Any, policies: Mapping[str, Policy],
                       agents: tuple[str, ...], play_start: dict[int, tuple[np.ndarray, ...]]) -> None:
    """``nash_conv``, ``nash_conv/<a>`` and ``spe_gap`` of the play phase of the bargaining episodes that reached it,
    from the state its play started in (:mod:`agents.bargain_play`)."""
    js = sorted(play_start)
    known, revealed, budget = (np.stack([play_start[j][k] for j in js]) for k in range(3))
    pv = bargain_play.play_nash_conv(config, [policies[a] for a in agents], known, revealed, budget)
    for t, j in enumerate(js):
        recs[j]["nash_conv"], recs[j]["spe_gap"] = float(pv.nash_conv[t]), float(pv.one_shot_gap[t])
        for i, a in enumerate(agents):
            recs[j][f"nash_conv/{a}"] = float(pv.gains[t, i])


def _history_nash_conv(recs: list[dict[str, Any]], policies: Mapping[str, Policy], agents: tuple[str, ...],
                       start: dict[int, tuple[Any, ...]], public_seeds: list[int], M: int, rounds: int) -> None:
    """``nash_conv``, ``nash_conv/<a>`` and ``spe_gap`` of the whole play phase (all ``rounds`` rounds) of the
    refine_matrix_v0 episodes in ``start`` (:mod:`agents.matrix_play`)."""
    js = sorted(start)
    pv = matrix_play.play_nash_conv([start[j][0] for j in js], [policies[a] for a in agents],
                                    [start[j][1] for j in js], [start[j][2] for j in js], public_seeds, M, rounds)
    for t, j in enumerate(js):
        recs[j]["nash_conv"], recs[j]["spe_gap"] = float(pv.nash_conv[t]), float(pv.one_shot_gap[t])
        for i, a in enumerate(agents):
            recs[j][f"nash_conv/{a}"] = float(pv.gains[t, i])


def _matrix_nash_conv(rec: dict[str, Any], game: Any, probs: list[np.ndarray], agents: tuple[str, ...], M: int,
                      first: bool) -> None:
    """Each player's best-response gain against the other's play strategy in the true ``game`` at one play step,
    added to ``regret/<a>``, and its expected payoff ``x R y`` under both play strategies, added to
    ``play_value/<a>``; at the ``first`` play step also ``nash_conv`` and ``nash_conv/<a>``."""
    m, n = game.shape
    x, y = probs[0][1 + M:1 + M + m], probs[1][1 + M:1 + M + n]
    if x.sum() <= 0 or y.sum() <= 0:
        return
    x, y = x / x.sum(), y / y.sum()
    nc = nash_conv(game, x, y)
    for i, a in enumerate(agents):
        rec[f"regret/{a}"] = rec.get(f"regret/{a}", 0.0) + float(nc.per_player[i])
        R = game.R1 if i == 0 else game.R2
        rec[f"play_value/{a}"] = rec.get(f"play_value/{a}", 0.0) + float(x @ R @ y)
    if first:
        rec["nash_conv"] = nc.total
        rec[f"nash_conv/{agents[0]}"], rec[f"nash_conv/{agents[1]}"] = float(nc.per_player[0]), \
            float(nc.per_player[1])
