"""The analytic agent of ``refine_matrix_v0`` (model.md §2): refine by a Bayes rule on its own belief, then play
the reference equilibrium of the game it sees.

Actions (the env's module docstring): 0 pass, ``1 + k`` refine own action k, ``1 + M + k`` play own action k.

Refine rules (``mode``): ``"myopic"`` refines own action ``argmax_k g_k`` iff ``rounds * g_k > c``, where g_k is
the one-step gain of :func:`agents.analytic.matrix_gains.one_step_gains` (Monte Carlo, up to ``n`` draws, ``seed``;
with ``adaptive`` it stops drawing once the decision is settled at 4 standard errors) and c the mean cost of its
own refinement from the observation; ``"optimal"`` follows
:func:`agents.analytic.matrix_value.lookahead` (backward induction over its own refinements, opponent's fixed);
``"never"`` passes; ``"always"`` refines its action of largest equilibrium weight while budget and mask allow.

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
realised game.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from agents.analytic._common import LRUCache, array_key, draw, point_mass
from agents.analytic.matrix_value import MatrixView, lookahead, parse_view
from vvl_env.envs.refine_matrix.config import AGENTS as ROLES
from vvl_env.envs.refine_matrix.layout import PLAY, REFINE
from vvl_env.model._validate import readonly
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.equilibria import equilibria
from vvl_env.solve.selection import SelectionRule

FloatArray = npt.NDArray[np.float64]
Mode = Literal["myopic", "optimal", "never", "always"]
MODES: tuple[str, ...] = ("myopic", "optimal", "never", "always")


_PROFILES = LRUCache(4096)  # shared by both players: they rebuild the same canonical game, solved once


def equilibrium_profiles(R1: FloatArray, R2: FloatArray, selection: str) -> tuple[FloatArray, FloatArray]:
    """The equilibria ``(xs (K, m), ys (K, n))`` of ``(R1, R2)`` that ``selection`` names: all K extreme equilibria
    for ``"all"`` (the solver's deterministic order), otherwise the one it selects (K = 1). Cached per process."""
    return _PROFILES.get((selection,) + array_key(R1, R2), lambda: _solve_profiles(R1, R2, selection))


def _solve_profiles(R1: FloatArray, R2: FloatArray, selection: str) -> tuple[FloatArray, FloatArray]:
    rule = SelectionRule.parse(selection)
    if rule.kind == "lemke_howson":
        eq = equilibria((R1, R2), method=str(rule))
    else:
        eq = equilibria((R1, R2)).select(rule)
    xs, ys = np.clip(eq.xs, 0.0, None), np.clip(eq.ys, 0.0, None)
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
        Monte Carlo sizes of the one-step gain (at most ``n`` draws) and of the depth-2 lookahead; the seed of every
        estimate.
    adaptive : bool
        Stop the one-step gain's draws once the refine decision is settled (:mod:`agents.analytic.matrix_gains`).
    cost : float, optional
        Cost the agent expects to pay per refinement; default: the mean cost in its observation.
    """

    def __init__(self, mode: Mode = "myopic", *, belief: PerturbationModel | None = None,
                 selection: str = "max_welfare", role: str = "player_0", rounds: int = 1, n: int = 2000,
                 n_outer: int = 200, n_inner: int = 200, seed: int = 0, cost: float | None = None,
                 adaptive: bool = True, name: str | None = None) -> None:
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
        self.mode, self.belief, self.selection, self.rounds = mode, belief, selection, int(rounds)
        self.n, self.n_outer, self.n_inner, self.seed, self.cost = int(n), int(n_outer), int(n_inner), int(seed), cost
        self.adaptive = bool(adaptive)
        self.name = name or f"refine_matrix/{mode}"
        self._cache = LRUCache()

    def _model(self, view: MatrixView) -> PerturbationModel:
        return self.belief if self.belief is not None else view.model

    def evaluate(self, view: MatrixView) -> Any:
        """The cached lookahead record of ``view`` (depth 1 for "myopic", ``min(budget, 2)`` for "optimal")."""
        model = self._model(view)
        cost = view.cost if self.cost is None else self.cost
        budget = 1 if self.mode == "myopic" else view.budget
        key = ("look", model, cost, budget) + array_key(view.own, view.other)
        return self._cache.get(key, lambda: lookahead(
            *view.canonical(self.player), self.player, model, cost=cost, budget=budget, rounds=self.rounds,
            n=self.n, n_outer=self.n_outer, n_inner=self.n_inner, seed=self.seed, selection=self.selection,
            adaptive=self.adaptive))

    uses_public_seed = True
    """Selection "all" reads the episode's public seed (module docstring)."""

    def strategy(self, view: MatrixView, public_seed: int | None = None) -> FloatArray:
        """This player's part of the equilibrium of the realised game under ``selection`` (module docstring)."""
        R1, R2 = view.canonical(self.player)
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
        k = self.refine_choice(view)
        if k is not None and mask[1 + k]:
            return point_mass(1 + k, mask.size)
        return point_mass(0, mask.size)

    def act(self, observation: Any, action_mask: npt.ArrayLike, *, rng: np.random.Generator) -> int:
        return draw(self.action_probabilities(observation, action_mask), rng)
