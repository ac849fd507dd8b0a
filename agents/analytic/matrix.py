"""The analytic agent of ``refine_matrix_v0`` (model.md §2): refine by a Bayes rule on its own belief, then play
the reference equilibrium of the game it sees.

Actions (the env's module docstring): 0 pass, ``1 + k`` refine own action k, ``1 + M + k`` play own action k.

Refine rules (``mode``): ``"myopic"`` refines own action ``argmax_k g_k`` iff ``rounds * g_k > c``, where g_k is
the one-step gain of :func:`agents.analytic.matrix_value.one_step_gains` (Monte Carlo, ``n`` draws, ``seed``) and
c the mean cost of its own refinement from the observation; ``"optimal"`` follows
:func:`agents.analytic.matrix_value.lookahead` (backward induction over its own refinements, opponent's fixed);
``"never"`` passes; ``"always"`` refines its action of largest equilibrium weight while budget and mask allow.

Play: the equilibrium of its view ``(own, other)`` (itself as row player) selected by ``selection``
(``"max_welfare"``, ``"min_welfare"`` or ``"lemke_howson:k"``; not ``"all"``, which names no profile), as a mixed
strategy over its play actions. Welfare-based rules are frame-independent, so both players select the same
equilibrium when they see the same game. Results are cached per realised view, so a step costs a lookup.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from agents.analytic._common import LRUCache, array_key, draw, point_mass
from agents.analytic.matrix_value import MatrixView, lookahead, parse_view
from vvl_env.envs.refine_matrix.layout import PLAY, REFINE
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.equilibria import equilibria
from vvl_env.solve.selection import SelectionRule

FloatArray = npt.NDArray[np.float64]
Mode = Literal["myopic", "optimal", "never", "always"]
MODES: tuple[str, ...] = ("myopic", "optimal", "never", "always")


def equilibrium_strategy(own: FloatArray, other: FloatArray, selection: str) -> FloatArray:
    """The row player's strategy in the equilibrium of ``(own, other)`` chosen by ``selection``."""
    rule = SelectionRule.parse(selection)
    if rule.kind == "lemke_howson":
        x = equilibria((own, other), method=str(rule)).xs[0]
    else:
        x = equilibria((own, other)).select(rule).xs[0]
    x = np.clip(x, 0.0, None)
    return x / x.sum()


class MatrixAgent:
    """Bayes refine rule + reference equilibrium play in ``refine_matrix_v0`` (module docstring).

    Parameters
    ----------
    mode : "myopic", "optimal", "never" or "always"
    belief : PerturbationModel, optional
        The agent's law of its own refinements; default: the belief parameters of its observation (pointwise RRP,
        normal gaps, q fixed at the observed mean).
    selection : str
        Equilibrium selection rule for play and for the equilibrium payoffs behind the refine rule.
    rounds : int
        Rounds of play (the env's ``rounds``): gains are per round, costs per episode.
    n, n_outer, n_inner, seed : int
        Monte Carlo sizes of the one-step gain and of the depth-2 lookahead; the seed of every estimate.
    cost : float, optional
        Cost the agent expects to pay per refinement; default: the mean cost in its observation.
    """

    def __init__(self, mode: Mode = "myopic", *, belief: PerturbationModel | None = None,
                 selection: str = "max_welfare", rounds: int = 1, n: int = 2000, n_outer: int = 200,
                 n_inner: int = 200, seed: int = 0, cost: float | None = None, name: str | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode: must be one of {MODES}, got {mode!r}")
        if SelectionRule.parse(selection).kind == "all":
            raise ValueError("selection: 'all' averages over equilibria and names no profile to play; use "
                             "'max_welfare', 'min_welfare' or 'lemke_howson:k'")
        if belief is not None and not isinstance(belief, PerturbationModel):
            raise ValueError(f"belief: must be a PerturbationModel or None, got {belief!r}")
        self.mode, self.belief, self.selection, self.rounds = mode, belief, selection, int(rounds)
        self.n, self.n_outer, self.n_inner, self.seed, self.cost = int(n), int(n_outer), int(n_inner), int(seed), cost
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
            view.own, view.other, model, cost=cost, budget=budget, rounds=self.rounds, n=self.n,
            n_outer=self.n_outer, n_inner=self.n_inner, seed=self.seed, selection=self.selection))

    def strategy(self, view: MatrixView) -> FloatArray:
        """The equilibrium strategy of ``view`` under ``selection`` (cached)."""
        key = ("eq",) + array_key(view.own, view.other)
        return self._cache.get(key, lambda: equilibrium_strategy(view.own, view.other, self.selection))

    def refine_choice(self, view: MatrixView) -> int | None:
        """Own action to refine (None: pass), before masking."""
        if view.phase != REFINE or view.budget <= 0 or self.mode == "never":
            return None
        if self.mode == "always":
            return int(np.argmax(self.strategy(view)))
        return self.evaluate(view).best_action

    def action_probabilities(self, observation: Any, action_mask: npt.ArrayLike) -> FloatArray:
        obs = observation["observation"] if isinstance(observation, dict) else observation
        mask = np.asarray(action_mask) > 0
        view = parse_view(obs)
        M = view.M
        if view.phase == PLAY:
            probs = np.zeros(mask.size)
            x = self.strategy(view)
            probs[1 + M:1 + M + x.size] = x
            return probs
        k = self.refine_choice(view)
        if k is not None and mask[1 + k]:
            return point_mass(1 + k, mask.size)
        return point_mass(0, mask.size)

    def act(self, observation: Any, action_mask: npt.ArrayLike, *, rng: np.random.Generator) -> int:
        return draw(self.action_probabilities(observation, action_mask), rng)
