"""The analytic agent of ``refine_matrix_v0`` (model.md §2): refine by a Bayes rule on its own belief, then play
the reference equilibrium of the game it sees.

Actions (the env's module docstring): 0 pass, ``1 + k`` refine own action k, ``1 + M + k`` play own action k.

Refine rules (``mode``): ``"myopic"`` refines own action ``argmax_k g_k`` iff ``rounds * g_k > c``, where g_k is
the one-step gain of :func:`agents.analytic.matrix_gains.one_step_gains` (Monte Carlo, up to ``n`` draws, ``seed``;
with ``adaptive`` it stops drawing once the decision is settled at 4 standard errors) and c the mean cost of its
own refinement from the observation; ``"optimal"`` follows
:func:`agents.analytic.matrix_value.lookahead` (backward induction over its own refinements, opponent's fixed);
``"never"`` passes; ``"always"`` refines its action of largest equilibrium weight while budget and mask allow.
Under ``"optimal"`` with ``stage`` (public visibility; :func:`agents.analytic.make_agent` sets it from the env config),
at the first turn of budgets (1, 1) the decision is the agent's part of an equilibrium of the refine stage instead
(:mod:`agents.analytic.refine_stage`: the other may refine too, now or in answer to one's refinement), possibly
mixed.

Play: both players take their part of one equilibrium of the realised game, stated in the canonical frame
``(R1, R2)`` (rows: player_0) that each rebuilds from its own-first view and its ``role``; ``selection`` picks it:
``"max_welfare"`` / ``"min_welfare"`` (ties: the solver's first), ``"lemke_howson:k"`` (label k of the canonical
frame: k < m is player_0's action k) or ``"all"``: one extreme equilibrium, number ``h mod K`` of the K in the
solver's order, where ``h`` is a hash of ``(coin, the realised game)`` (:func:`shared_draw`). The coin is the episode's
*public seed*, which the evaluators pass to both agents (``public_seed``, see :mod:`agents.policy`). Both players see
the same realised game and the same coin, so they play the same equilibrium: every episode is a Nash profile, and over
episodes each extreme equilibrium is played with probability 1/K, so the played payoffs average the "all" statistic in
expectation. Without a public seed (``act`` in a loop of one's own) the coin is the agent's ``seed``: a realised game
that repeats (no refinement, discrete laws) then gets the same equilibrium in every episode. Results are cached per
realised game. Under visibility "own" (``private``), where every refiner refined once and one round is played, both
play a Bayes-Nash equilibrium of the play game instead (:mod:`agents.analytic.matrix_private`): the equilibrium of
one's own view is not one of the Bayesian game.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from agents.analytic._common import LRUCache, array_key, draw, point_mass
from agents.analytic.matrix_private import PrivatePlay
from agents.analytic.matrix_value import (Lookahead, MatrixView, lookahead, observation_layout, own_payoff,
                                          parse_view)
from agents.analytic.refine_stage import StageBeliefs, StageGame, refine_stage
from vvl_env.envs.refine_matrix.config import AGENTS as ROLES
from vvl_env.envs.refine_matrix.layout import PLAY, REFINE
from vvl_env.model._validate import check_int, check_real, readonly
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.equilibria import equilibria
from vvl_env.solve.equilibria_batch import batch_equilibria, select_profiles
from vvl_env.solve.selection import SelectionRule

FloatArray = npt.NDArray[np.float64]
Mode = Literal["myopic", "optimal", "never", "always"]
MODES: tuple[str, ...] = ("myopic", "optimal", "never", "always")


_PROFILES = LRUCache(4096)  # shared by both players: they rebuild the same canonical game, solved once


def equilibrium_profiles(R1: FloatArray, R2: FloatArray, selection: str) -> tuple[FloatArray, FloatArray]:
    """The equilibria ``(xs (K, m), ys (K, n))`` of ``(R1, R2)`` that ``selection`` names: all K extreme equilibria
    for ``"all"`` (the solver's deterministic order), otherwise the one it selects (K = 1). Cached per process."""
    return _PROFILES.get((selection,) + array_key(R1, R2), lambda: _solve_profiles(R1, R2, selection))


def _first_copies(actions: FloatArray) -> npt.NDArray[np.bool_]:
    """(..., k): whether each of k actions (rows of ``actions`` (..., k, d), its payoffs) is the first of its copies."""
    same = (actions[..., :, None, :] == actions[..., None, :, :]).all(axis=-1)
    return ~np.triu(same, 1).any(axis=-2)


def distinct_actions(R1: FloatArray, R2: FloatArray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The rows and columns of ``(R1, R2)`` to keep: the first of each group of actions with the same payoffs for
    both players. A copy adds no strategic choice (an "own" view shows the other's variants at their parent's
    payoffs), but makes the game degenerate, whose exact solution is slow."""
    return (np.flatnonzero(_first_copies(np.concatenate([R1, R2], axis=1))),
            np.flatnonzero(_first_copies(np.concatenate([R1, R2], axis=0).T)))


def _solve_profiles(R1: FloatArray, R2: FloatArray, selection: str) -> tuple[FloatArray, FloatArray]:
    rule = SelectionRule.parse(selection)
    if rule.kind == "lemke_howson":
        eq = equilibria((R1, R2), method=str(rule))
        xs, ys = eq.xs, eq.ys
    elif rule.kind == "all":
        eq = equilibria((R1, R2)).select(rule)
        xs, ys = eq.xs, eq.ys
    else:   # a welfare rule: the copies of an action get no mass (an equilibrium of the same welfare, own part)
        rows, cols = distinct_actions(R1, R2)
        eq = equilibria((R1[np.ix_(rows, cols)], R2[np.ix_(rows, cols)])).select(rule)
        xs, ys = np.zeros((len(eq.xs), R1.shape[0])), np.zeros((len(eq.ys), R1.shape[1]))
        xs[:, rows], ys[:, cols] = eq.xs, eq.ys
    xs, ys = np.clip(xs, 0.0, None), np.clip(ys, 0.0, None)
    return readonly(xs / xs.sum(axis=1, keepdims=True)), readonly(ys / ys.sum(axis=1, keepdims=True))


def shared_draw(seed: int, R1: FloatArray, R2: FloatArray) -> int:
    """A uniform 63-bit integer from ``SeedSequence([seed, digest of (R1, R2)])``: the same for both players of an
    episode (same coin, same realised game), independent across realised games and coins."""
    words = np.frombuffer(hashlib.blake2b(R1.tobytes() + R2.tobytes() + repr(R1.shape).encode(),
                                          digest_size=16).digest(), dtype=np.uint32)
    return int(np.random.default_rng([int(seed), *words.tolist()]).integers(2**63 - 1))


class MatrixAgent:
    """Bayes refine rule + reference equilibrium play in ``refine_matrix_v0`` (module docstring).

    Parameters
    ----------
    mode : "myopic", "optimal", "never" or "always"
    belief : PerturbationModel, optional
        The agent's law of its own refinements; default: the belief parameters of its observation (pointwise RRP,
        normal gaps, q fixed at the observed mean).
    selection : str
        Equilibrium selection rule for play and for the equilibrium payoffs behind the refine rule (module
        docstring); the runner passes the scenario's ``[evaluation].selection``.
    role : "player_0" or "player_1"
        The role the agent plays (its observation does not say): it fixes the canonical frame.
    rounds : int
        Rounds of play (the env's ``rounds``): gains are per round, costs per episode.
    n, n_outer, n_inner, seed : int
        Monte Carlo sizes of the one-step gain (at most ``n`` draws) and of the depth-2 lookahead (the refine stage's
        are ``stage.draws``); the seed of every estimate.
    adaptive : bool
        Stop the one-step gain's draws once the refine decision is settled (:mod:`agents.analytic.matrix_gains`).
    cost : float, optional
        Cost the agent expects to pay per refinement; default: the mean cost in its observation.
    private : PrivatePlay, optional
        Under visibility "own": play the continuum-type Bayes-Nash equilibrium where it is solved
        (:mod:`agents.analytic.matrix_private`; :func:`agents.analytic.make_agent` sets it from the env config).
    stage : StageBeliefs, optional
        Both players' laws, mean costs and base shape: mode "optimal" then decides at an equilibrium of the refine
        stage at the first turn of budgets (1, 1) (module docstring), its values from ``stage.draws``.
    """

    def __init__(self, mode: Mode = "myopic", *, belief: PerturbationModel | None = None,
                 selection: str = "max_welfare", role: str = "player_0", rounds: int = 1, n: int = 2000,
                 n_outer: int = 200, n_inner: int = 200, seed: int = 0, cost: float | None = None,
                 adaptive: bool = True, name: str | None = None, private: PrivatePlay | None = None,
                 stage: StageBeliefs | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode: must be one of {MODES}, got {mode!r}")
        try:
            SelectionRule.parse(selection)
        except ValueError as exc:
            raise ValueError(f"selection: {str(exc).removeprefix('rule: ')}") from None
        if role not in ROLES:
            raise ValueError(f"role: must be one of {ROLES}, got {role!r}")
        self.player = ROLES.index(role)
        if belief is not None and not isinstance(belief, PerturbationModel):
            raise ValueError(f"belief: must be a PerturbationModel or None, got {belief!r}")
        self.mode, self.belief, self.selection = mode, belief, selection
        self.rounds = check_int("rounds", rounds, 1)
        self.n, self.n_outer = check_int("n", n, 1), check_int("n_outer", n_outer, 2)   # n_outer: a standard error
        self.n_inner, self.seed = check_int("n_inner", n_inner, 1), check_int("seed", seed, 0)
        self.cost = None if cost is None else check_real("cost", cost, low=0.0)
        self.adaptive = bool(adaptive)
        if private is not None and not isinstance(private, PrivatePlay):
            raise ValueError(f"private: must be a PrivatePlay or None, got {private!r}")
        self.private = private
        if stage is not None and not isinstance(stage, StageBeliefs):
            raise ValueError(f"stage: must be a StageBeliefs or None, got {stage!r}")
        self.stage = stage
        self.name = name or f"refine_matrix/{mode}"
        self._cache = LRUCache()

    def _model(self, view: MatrixView) -> PerturbationModel:
        """The law of the agent's own refinements: its ``belief``, else the configured one of ``stage`` (the law the
        refine stage's game assumes it answers with), else the normal-gap law its observation's parameters name."""
        if self.belief is not None:
            return self.belief
        return self.stage.laws[self.player] if self.stage is not None else view.model

    def stage_game(self, view: MatrixView) -> StageGame | None:
        """The refine stage's first-turn game at ``view`` and its equilibrium (:mod:`agents.analytic.refine_stage`),
        where this agent decides by it (mode "optimal" with ``stage``, where :meth:`StageBeliefs.applies`)."""
        if (self.stage is None or self.mode != "optimal" or view.phase != REFINE
                or not self.stage.applies(view.canonical(self.player)[0].shape, view.budget, view.other_budget)):
            return None
        return refine_stage(*view.canonical(self.player), self.stage.laws, self.stage.costs, rounds=self.rounds,
                            selection=self.selection, n_outer=self.stage.draws[0], n_inner=self.stage.draws[1],
                            seed=self.seed)

    def evaluate(self, view: MatrixView) -> Any:
        """The cached lookahead record of ``view`` (depth 1 for "myopic", ``min(budget, 2)`` for "optimal")."""
        game = self.stage_game(view)
        if game is not None:                                  # the other may refine too: the refine stage's game
            stop, q, se = game.option_values(self.player)
            return Lookahead(stop, q, se, 1, *self.stage.draws, probabilities=game.mix(self.player))
        model = self._model(view)
        cost = view.cost if self.cost is None else self.cost
        budget = 1 if self.mode == "myopic" else view.budget
        key = ("look", model, cost, budget) + array_key(view.own, view.other)
        if self.private is not None and view.phase == REFINE:
            R1, R2 = view.canonical(self.player)
            private = self.private.refine_values(R1, R2, self.player, model, n=self.n, seed=self.seed)
            if private is not None:                      # Bayes-Nash play follows (matrix_private)
                values, errs, stop = private
                stop = self.rounds * (own_payoff(R1, R2, self.player, self.selection) if stop is None else stop)
                return Lookahead(stop, self.rounds * values - cost, self.rounds * errs, 1, self.n, 0)
        return self._cache.get(key, lambda: lookahead(
            *view.canonical(self.player), self.player, model, cost=cost, budget=budget, rounds=self.rounds,
            n=self.n, n_outer=self.n_outer, n_inner=self.n_inner, seed=self.seed, selection=self.selection,
            adaptive=self.adaptive))

    uses_public_seed = True
    """Selection "all" reads the episode's public seed (module docstring)."""

    def strategy(self, view: MatrixView, public_seed: int | None = None) -> FloatArray:
        """This player's part of the equilibrium of the realised game under ``selection`` (module docstring)."""
        R1, R2 = view.canonical(self.player)
        if self.private is not None:
            bayes_nash = self.private.strategy(R1, R2, self.player)
            if bayes_nash is not None:
                return bayes_nash
        xs, ys = equilibrium_profiles(R1, R2, self.selection)
        coin = self.seed if public_seed is None else public_seed
        pick = shared_draw(coin, R1, R2) % len(xs) if len(xs) > 1 else 0  # "all": the shared draw
        return (xs, ys)[self.player][pick]

    def refine_choice(self, view: MatrixView) -> int | None:
        """Own action to refine (None: pass), before masking."""
        if view.phase != REFINE or view.budget <= 0 or self.mode == "never":
            return None
        if self.mode == "always":
            return int(np.argmax(self.strategy(view)))
        return self.evaluate(view).best_action

    def action_probabilities(self, observation: Any, action_mask: npt.ArrayLike, public_seed: int | None = None
                             ) -> FloatArray:
        obs = observation["observation"] if isinstance(observation, dict) else observation
        mask = np.asarray(action_mask) > 0
        view = parse_view(obs)
        M = view.M
        if view.phase == PLAY:
            probs = np.zeros(mask.size)
            x = self.strategy(view, public_seed)
            probs[1 + M:1 + M + x.size] = x
            return probs
        if view.phase == REFINE and view.budget > 0 and self.mode in ("myopic", "optimal"):
            mix = self.evaluate(view).probabilities
            if mix is not None:                               # an equilibrium of the refine stage, maybe mixed
                probs = np.zeros(mask.size)
                probs[:mix.size] = mix
                probs *= mask
                return probs / probs.sum() if probs.sum() > 0 else point_mass(0, mask.size)
        k = self.refine_choice(view)
        if k is not None and mask[1 + k]:
            return point_mass(1 + k, mask.size)
        return point_mass(0, mask.size)

    def action_probabilities_batch(self, observations: Any, masks: npt.ArrayLike,
                                   public_seeds: Sequence[int] | None = None) -> FloatArray:
        """``action_probabilities`` of every row (B, 1 + 2M). Play rows are parsed together and solved with one
        batched equilibrium call per game shape (:func:`vvl_env.solve.equilibria_batch.batch_equilibria`, which
        lists the extreme equilibria in the order of :func:`~vvl_env.solve.equilibria.equilibria`), each distinct
        game once; refine rows, and play under a Lemke-Howson rule, row by row."""
        masks = np.asarray(masks)
        out = np.zeros(masks.shape)
        if len(masks) == 0:
            return out
        seeds = [None] * len(masks) if public_seeds is None else list(public_seeds)
        rule = SelectionRule.parse(self.selection)
        O = np.stack([np.asarray(o["observation"] if isinstance(o, dict) else o, dtype=np.float64)
                      for o in observations])
        M, s = observation_layout(O.shape[1])
        play = (O[:, s["phase"]].argmax(axis=1) == PLAY) & (rule.kind != "lemke_howson")
        for t in np.flatnonzero(~play).tolist():
            out[t] = self.action_probabilities(observations[t], masks[t], public_seed=seeds[t])
        rows = np.flatnonzero(play)
        m = (O[rows, s["own_exists"]] > 0.5).sum(axis=1)
        n = (O[rows, s["other_exists"]] > 0.5).sum(axis=1)
        own = O[rows, s["own_payoffs"]].reshape(-1, M, M)
        other = O[rows, s["other_payoffs"]].reshape(-1, M, M)
        for mm, nn in sorted(set(zip(m.tolist(), n.tolist()))):
            at = np.flatnonzero((m == mm) & (n == nn))
            P, Q = own[at, :mm, :nn], other[at, :mm, :nn]
            R1, R2 = (P, Q) if self.player == 0 else (Q.transpose(0, 2, 1), P.transpose(0, 2, 1))
            self._play_rows(np.ascontiguousarray(R1), np.ascontiguousarray(R2), rows[at],
                            [seeds[t] for t in rows[at].tolist()], rule, out, M)
        return out

    def _play_rows(self, R1: FloatArray, R2: FloatArray, rows: npt.NDArray[np.int64], seeds: list[int | None],
                   rule: SelectionRule, out: FloatArray, M: int) -> None:
        """Write this player's equilibrium strategy of each game ``(R1[g], R2[g])`` into ``out[rows[g]]``."""
        if self.private is not None:                     # Bayes-Nash play where it is solved (matrix_private)
            left = []
            for g in range(len(R1)):
                bayes_nash = self.private.strategy(R1[g], R2[g], self.player)
                if bayes_nash is None:
                    left.append(g)
                else:
                    out[rows[g], 1 + M:1 + M + bayes_nash.size] = bayes_nash
            R1, R2, rows, seeds = R1[left], R2[left], rows[left], [seeds[g] for g in left]
        G, m, n = R1.shape
        if G == 0:
            return
        if rule.kind == "all":
            keep_r, keep_c = np.ones((G, m), bool), np.ones((G, n), bool)
        else:
            keep_r, keep_c = _first_copies(np.concatenate([R1, R2], axis=2)), \
                _first_copies(np.concatenate([R1, R2], axis=1).transpose(0, 2, 1))
        groups: dict[tuple[Any, ...], dict[tuple[Any, ...], list[int]]] = {}
        for g in range(G):
            coin = self.seed if seeds[g] is None else int(seeds[g])
            pattern = (tuple(keep_r[g].tolist()), tuple(keep_c[g].tolist()))
            key = ((coin,) if rule.kind == "all" else ()) + array_key(R1[g], R2[g])
            groups.setdefault(pattern, {}).setdefault(key, []).append(g)
        for (kr, kc), games in groups.items():
            first = [members[0] for members in games.values()]
            r, c = np.flatnonzero(kr), np.flatnonzero(kc)
            A, B = R1[first][:, r][:, :, c], R2[first][:, r][:, :, c]
            found = batch_equilibria(A, B)
            if rule.kind == "all":
                count = np.maximum(found.count, 1)
                pick = np.array([shared_draw(key[0], A[u], B[u]) % count[u] if count[u] > 1 else 0
                                 for u, key in enumerate(games)])
                xs, ys = found.xs[np.arange(len(first)), pick], found.ys[np.arange(len(first)), pick]
            else:
                xs, ys = select_profiles(found, A, B, rule)
            strat = np.clip(xs if self.player == 0 else ys, 0.0, None)
            strat = strat / strat.sum(axis=1, keepdims=True)
            where = 1 + M + (r if self.player == 0 else c)
            for u, members in enumerate(games.values()):
                out[np.ix_(rows[members], where)] = strat[u]

    def act(self, observation: Any, action_mask: npt.ArrayLike, *, rng: np.random.Generator) -> int:
        return draw(self.action_probabilities(observation, action_mask), rng)
