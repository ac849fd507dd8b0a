"""What the analytic refine_matrix agent computes: its view of the game, equilibrium payoffs, and the value of
refining one of its own actions (model.md §2), by Monte Carlo under its own belief.

Frame: every computation runs in the one canonical frame of the realised game, ``(R1, R2)`` with player_0's actions
as rows, which both players rebuild from their own-first observations (player_1 sees ``(R2^T, R1^T)``;
:meth:`MatrixView.canonical`). A player is an index ``player`` (0 rows, 1 columns) into it, so frame-dependent rules
(Lemke-Howson labels, welfare ties) answer the same equilibrium for both players.

* :func:`agents.analytic.matrix_gains.one_step_gains`: ``E[own equilibrium payoff after refining own action k] -
  own equilibrium payoff now`` for every k, up to ``n`` draws from ``default_rng(seed)`` (common random numbers across
  k and across games of a shape; one batched solver call; stops early once the refine decision is settled).
* :func:`lookahead`: backward induction over the agent's own refinements, to depth ``min(budget, 2)``:
  ``V_0(G) = e(G)``, ``V_d(G) = max(e(G), max_k E[V_{d-1}(refine(G, k))] - c)``, with the opponent's refinement
  behaviour assumed fixed at "no further refinement" (at the first turn of budgets (1, 1) the agent plays the refine
  stage as a game instead, :mod:`agents.analytic.refine_stage`) and the payoff of one round scaled by ``rounds``.
  Depth 1 is the myopic rule (the same numbers). Depth 2 is nested Monte Carlo (``n_outer`` outer draws, ``n_inner``
  inner draws shared across outer draws; identical outer games, as under discrete laws, are solved once); the
  reported standard error is the outer one, and the inner maximum adds an upward bias of order
  ``sd / sqrt(n_inner)``. Budgets beyond 2 use this depth-2 lookahead (a rolling horizon).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from agents.analytic.matrix_gains import one_step_gains
from vvl_env.envs.refine_matrix.layout import ObsLayout
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.model.refine import refine_arrays
from vvl_env.solve.equilibria_batch import equilibrium_payoffs

FloatArray = npt.NDArray[np.float64]
MAX_DEPTH = 2


@dataclass(frozen=True, slots=True)
class MatrixView:
    """One agent's parsed observation: its payoff blocks (own actions are rows), phase, budgets and belief."""

    M: int
    own: FloatArray
    other: FloatArray
    phase: int
    budget: int
    other_budget: int
    belief: tuple[float, float, float, float, float, float]  # sigma_own, sigma_other, rho, mean q, mean cost, bias
    round: int = 0

    def canonical(self, player: int) -> tuple[FloatArray, FloatArray]:
        """The realised game ``(R1, R2)`` (rows: player_0) from the view of ``player`` (0 or 1)."""
        pair = (self.own, self.other) if player == 0 else (self.other.T, self.own.T)
        return np.ascontiguousarray(pair[0]), np.ascontiguousarray(pair[1])  # one memory layout: the same rounding

    @property
    def model(self) -> PerturbationModel:
        """The belief as a pointwise-RRP, normal-gap law with fixed q = the observed mean."""
        s, so, rho, q, _, bias = self.belief
        return PerturbationModel(max(s, 0.0), max(so, 0.0), min(max(rho, -1.0), 1.0), min(max(q, 1e-6), 1 - 1e-6),
                                 bias=bias)

    @property
    def cost(self) -> float:
        return self.belief[4]


def observation_size_to_M(size: int) -> int:
    """M from the observation length ``2 M^2 + 4 M + 12``."""
    M = int(round((-4 + np.sqrt(16 + 8 * (size - 12))) / 4))
    if ObsLayout(M).size != size:
        raise ValueError(f"observation: length {size} is not 2M^2 + 4M + 12 for any M")
    return M


@lru_cache(maxsize=64)
def observation_layout(size: int) -> tuple[int, dict[str, slice]]:
    """M and the sections of an observation of length ``size`` (cached)."""
    M = observation_size_to_M(size)
    return M, ObsLayout(M).sections()


def parse_view(observation: npt.ArrayLike) -> MatrixView:
    """Reconstruct the agent's view of the realised game from its own-first-frame observation."""
    obs = np.asarray(observation, dtype=np.float64)
    M, s = observation_layout(obs.size)
    m = int(np.sum(obs[s["own_exists"]] > 0.5))
    n = int(np.sum(obs[s["other_exists"]] > 0.5))
    own = obs[s["own_payoffs"]].reshape(M, M)[:m, :n]
    other = obs[s["other_payoffs"]].reshape(M, M)[:m, :n]
    bud = obs[s["budget"]]
    belief = tuple(float(v) for v in obs[s["belief"]])
    return MatrixView(M, own, other, int(np.argmax(obs[s["phase"]])), int(round(bud[0])), int(round(bud[1])),
                      belief, int(round(obs[s["round"]][0])))  # type: ignore[arg-type]


def own_payoff(R1: FloatArray, R2: FloatArray, player: int, selection: str) -> float:
    """``player``'s payoff in the equilibrium of ``(R1, R2)`` under ``selection``."""
    return float(equilibrium_payoffs(R1[None], R2[None], selection)[0, player])


@dataclass(frozen=True, slots=True)
class Lookahead:
    """Backward-induction values: ``stop`` (act now), ``q_values[k]`` (refine own action k, net of cost, in units of
    the episode's play payoff), their standard errors, and the depth and sample sizes used; ``probabilities``, where
    the decision is a (possibly mixed) equilibrium of the refine stage (:mod:`agents.analytic.refine_stage`), its
    probabilities of (stop, refine own action 0, 1, ...), else None (refine ``best_action``)."""

    stop: float
    q_values: FloatArray
    stderr: FloatArray
    depth: int
    n_outer: int
    n_inner: int
    probabilities: FloatArray | None = None

    @property
    def refine_probability(self) -> float:
        """The probability of refining at all."""
        if self.probabilities is not None:
            return float(1.0 - self.probabilities[0])
        return float(self.best_action is not None)

    @property
    def best_action(self) -> int | None:
        """The action to refine (None: stop), refining only on a strict improvement."""
        k = int(np.argmax(self.q_values))
        return k if self.q_values[k] > self.stop + 1e-12 else None


def _inner_values(R1: FloatArray, R2: FloatArray, player: int, model: PerturbationModel, cost: float, rounds: int,
                  n_inner: int, rng: np.random.Generator, selection: str) -> FloatArray:
    """``V_1`` of each game of the batch (B, m, n): stop, or refine the best own action once (common draws)."""
    B, m, n = R1.shape
    best = rounds * equilibrium_payoffs(R1, R2, selection)[:, player]
    outcome = model.sample(rng=rng, n_opposing=R1.shape[2 - player], size=n_inner)
    big1 = np.broadcast_to(R1[:, None], (B, n_inner, m, n))
    big2 = np.broadcast_to(R2[:, None], (B, n_inner, m, n))
    stop = best.copy()
    for k in range(R1.shape[1 + player]):
        A1, A2 = refine_arrays(big1, big2, player, k, outcome)
        pay = equilibrium_payoffs(A1.reshape((-1,) + A1.shape[2:]), A2.reshape((-1,) + A1.shape[2:]),
                                  selection)[:, player]
        best = np.maximum(best, rounds * pay.reshape(B, n_inner).mean(axis=1) - cost)
    return np.maximum(best, stop)


def lookahead(R1: FloatArray, R2: FloatArray, player: int, model: PerturbationModel, *, cost: float, budget: int,
              rounds: int = 1, n: int = 2000, n_outer: int = 200, n_inner: int = 200, seed: int = 0,
              selection: str = "max_welfare", adaptive: bool = True) -> Lookahead:
    """Backward induction over ``player``'s own refinements in the game ``(R1, R2)`` to depth ``min(budget, 2)``
    (module docstring); ``adaptive``: depth 1 stops drawing once its decision is settled
    (:mod:`agents.analytic.matrix_gains`)."""
    stop = rounds * own_payoff(R1, R2, player, selection)
    depth = min(int(budget), MAX_DEPTH)
    m = R1.shape[player]
    if depth <= 0:
        return Lookahead(stop, np.full(m, -np.inf), np.zeros(m), 0, 0, 0)
    if depth == 1:
        gains, errs, used = one_step_gains(R1, R2, player, model, n=n, seed=seed, selection=selection,
                                           threshold=cost / rounds if adaptive else None)
        return Lookahead(stop, stop + rounds * gains - cost, rounds * errs, 1, used, 0)
    q, se = np.empty(m), np.empty(m)
    for k in range(m):
        outcome = model.sample(rng=np.random.default_rng(seed), n_opposing=R1.shape[1 - player], size=n_outer)
        A1, A2 = refine_arrays(np.broadcast_to(R1, (n_outer,) + R1.shape), np.broadcast_to(R2, (n_outer,) + R1.shape),
                               player, k, outcome)
        flat = np.concatenate([A1.reshape(n_outer, -1), A2.reshape(n_outer, -1)], axis=1)
        uniq, inverse = np.unique(flat, axis=0, return_inverse=True)  # discrete laws repeat games: solve each once
        size = A1.shape[1] * A1.shape[2]
        U1, U2 = uniq[:, :size].reshape((-1,) + A1.shape[1:]), uniq[:, size:].reshape((-1,) + A1.shape[1:])
        v = _inner_values(U1, U2, player, model, cost, rounds, n_inner, np.random.default_rng([seed, 1]), selection)
        v = v[np.ravel(inverse)]
        q[k] = v.mean() - cost
        se[k] = v.std(ddof=1) / np.sqrt(n_outer)
    return Lookahead(stop, q, se, 2, n_outer, n_inner)
