"""The analytic agent of ``refine_bargain_v0`` (model.md §3): refine iff revealing its own weights is worth the
cost under its own belief, then bargain by the subgame-perfect equilibrium of the problem as it knows it.

Actions (the env's docstring): 0 pass/wait, 1 refine, 2 accept, 3 reject, ``4 + j`` propose grid offer j.

* Belief (model.md §4): the weight laws of both parties as the agent believes them. By default those of its
  party in the environment's configuration (``config.belief_laws(me)``: the true laws under ``beliefs = "common"``,
  else ``beliefs[me]`` for both parties), whose means its observation shows; or the ``belief`` passed in (a weight
  law for both parties, a pair, or ``"truth"``: the configured true laws, a common-knowledge reference that ignores
  the prior means of its observation).
* Problem as known: its own weights (revealed, or its prior mean) and the other's as shown (revealed under public
  visibility, else the prior mean under its belief), with the configured d, delta, horizon and first proposer. Who
  it is follows from the observation (round t, "I propose at t") and ``first_proposer``.
* Value of refining (``"myopic"``; also ``"optimal"`` where the refine stage below does not apply: the budget is at
  most 1, so the one-step rule is the Bellman rule): ``E_w[u_own(SPE(w, w_other))] - u_own(SPE(w_bar, w_other))``,
  w drawn from its believed law of its own weights (``n`` draws from ``seed``; 0 exactly for a point-mass law),
  with the other's weights at their believed value and the revealed weights treated as known to both (exact for
  public visibility; an approximation under "own").
  Not refining, its expected true utility is ``w_bar . x_bar`` (utilities are linear in w), the second term.
  Refine iff the value exceeds its cost.
* The refine stage as a game (``"optimal"``, public visibility, common beliefs, both parties with budget): both
  decide at once, and what refining is worth to one depends on whether the other's weights get revealed too, so the
  one-party rule above (the other's weights at their prior mean) need not be a best reply. Both parties then play an
  equilibrium of the 2 x 2 game of expected SPE utilities net of costs, ``V(a_0, a_1)`` with
  ``V(pass, pass) = u(SPE(w_bar_0, w_bar_1))``, ``V(refine, pass) = E_w0[u(SPE(w_0, w_bar_1))] - (c_0, 0)``,
  ``V(refine, refine) = E[u(SPE(w_0, w_1))] - (c_0, c_1)`` (``n`` joint draws from ``seed``), the welfare-maximising
  one, near-ties within two standard errors settled by the clearer incentive as in the matrix game
  (:func:`agents.analytic.refine_stage.solve_stage`; possibly mixed). Both build the same game from the
  configuration, so they play the same equilibrium (:meth:`BargainAgent.refine_stage`).
* Offers: the grid offer maximising its own utility among those giving the responder at least the SPE threshold
  (its continuation value, :func:`vvl_env.solve.alternating_offers_spe`); ties go to the responder. Responses:
  accept iff the offer gives it at least its own continuation value (tolerance 1e-6 for float32 observations).
  Values, thresholds and offers are those of the SPE on the environment's grid of offers (``offers=`` the grid),
  so they are what play on the grid yields (the continuous SPE overstates them on coarse grids).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from agents.analytic._common import TOL, LRUCache, draw, point_mass
from agents.analytic.refine_stage import solve_stage
from vvl_env.envs.refine_bargain.config import ACCEPT, OFFSET, REFINE, REJECT, WAIT, BargainConfig
from vvl_env.envs.refine_bargain.core import proposer
from vvl_env.model._validate import check_int
from vvl_env.model.bargaining import BargainingProblem, FixedWeights, WeightLaw
from vvl_env.solve.bargaining import AlternatingOffersSPE, alternating_offers_spe

FloatArray = npt.NDArray[np.float64]
Mode = Literal["myopic", "optimal", "never", "always"]
MODES: tuple[str, ...] = ("myopic", "optimal", "never", "always")
ACCEPT_TOL = 1e-6


def _simplex(w: npt.ArrayLike) -> FloatArray:
    w = np.clip(np.asarray(w, dtype=np.float64), 0.0, None)
    return w / w.sum()


class BargainAgent:
    """Bayes refine rule + SPE bargaining in ``refine_bargain_v0`` (module docstring).

    Parameters
    ----------
    mode : "myopic", "optimal", "never" or "always"
    config : BargainConfig or mapping of its fields
        The environment's configuration (delta, horizon, first proposer, d, offer grid are not observed).
    belief : WeightLaw, pair of WeightLaw, or "truth", optional
        The agent's belief: one law for both parties' weights (as the environment's ``beliefs[i]``), a pair
        (player_0's law, player_1's law), or "truth" (``config.weights``: common knowledge). Default: its party's
        belief in ``config`` (``config.belief_laws(me)``), the one its observation shows.
    n, seed : int
        Monte Carlo draws and seed of the value of refining.
    """

    def __init__(self, mode: Mode = "myopic", *, config: BargainConfig | Mapping[str, Any] | None = None,
                 belief: WeightLaw | tuple[WeightLaw, WeightLaw] | str | None = None, n: int = 2000, seed: int = 0,
                 name: str | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode: must be one of {MODES}, got {mode!r}")
        if config is None:
            config = BargainConfig()
        elif not isinstance(config, BargainConfig):
            config = BargainConfig(**{k: v for k, v in dict(config).items() if k != "render_mode"})
        self.mode, self.config = mode, config
        self.n, self.seed = check_int("n", n, 1), check_int("seed", seed, 0)
        self.belief = self._parse_belief(belief)
        self.name = name or f"refine_bargain/{mode}"
        self._cache = LRUCache()

    def _parse_belief(self, belief: Any) -> tuple[WeightLaw, WeightLaw] | None:
        if belief is None:
            return None
        if isinstance(belief, str) and belief == "truth":
            return tuple(self.config.weights)  # type: ignore[return-value]
        if isinstance(belief, WeightLaw):
            belief = (belief, belief)
        if (not isinstance(belief, (tuple, list)) or len(belief) != 2
                or not all(isinstance(b, WeightLaw) for b in belief)):
            raise ValueError(f"belief: must be a WeightLaw, a pair of them, 'truth' or None, got {belief!r}")
        if any(b.K != self.config.K for b in belief):
            raise ValueError(f"belief: must be laws on K = {self.config.K} dimensions, got {belief!r}")
        return (belief[0], belief[1])

    def laws(self, me: int) -> tuple[WeightLaw, WeightLaw]:
        """The weight laws of (player_0, player_1) the agent (party ``me``) believes."""
        return self.belief if self.belief is not None else self.config.belief_laws(me)

    # --- reading the observation -------------------------------------------------------------------------------

    def identity(self, obs: FloatArray) -> int:
        """0 or 1: the proposer of round t if the observation says "I propose", else the other."""
        t = min(int(round(obs[3])), self.config.horizon - 1)
        p = proposer(self.config, t)
        return p if obs[4] > 0.5 else 1 - p

    def known_problem(self, obs: FloatArray, me: int, own: FloatArray | None = None) -> BargainingProblem:
        """The problem as the agent knows it (``own`` replaces its own weights); weights not revealed to it are its
        belief's means (read from the observation, or from an explicit ``belief``)."""
        K = self.config.K
        explicit = self.belief is not None
        if own is not None:
            w_own = own
        elif explicit and obs[6 + 2 * K] < 0.5:
            w_own = _simplex(self.belief[me].mean())
        else:
            w_own = _simplex(obs[6 + K:6 + 2 * K])
        if explicit and obs[8 + 3 * K] < 0.5:
            w_other = _simplex(self.belief[1 - me].mean())
        else:
            w_other = _simplex(obs[7 + 2 * K:7 + 3 * K])
        w1, w2 = (w_own, w_other) if me == 0 else (w_other, w_own)
        return BargainingProblem(w1, w2, self.config.d)

    def spe(self, problem: BargainingProblem) -> AlternatingOffersSPE:
        c = self.config
        return self._cache.get(("spe", problem), lambda: alternating_offers_spe(problem, c.delta, c.horizon,
                                                                                c.first_proposer, c.offers))

    # --- refinement ------------------------------------------------------------------------------------------

    def value_of_refining(self, obs: FloatArray, me: int) -> float:
        """``E_w[u_own(SPE(w, .))] - u_own(SPE(w_bar, .))`` under the agent's own weight law (cached)."""
        law = self.laws(me)[me]
        K = self.config.K
        coarse = self.known_problem(obs, me, _simplex(law.mean()))
        key = ("value", me, repr(law), coarse)

        def compute() -> float:
            base = self.spe(coarse).u[me]
            if isinstance(law, FixedWeights) or K == 1:
                return 0.0
            draws = law.sample(self.n, rng=np.random.default_rng(self.seed))
            after = [self.spe(self.known_problem(obs, me, _simplex(w))).u[me] for w in draws]
            return float(np.mean(after) - base)

        return self._cache.get(key, compute)

    def refine_stage(self, obs: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        """``(values (2, 2, 2), x, y)``: the refine stage's game and the equilibrium both parties play, where it applies
        (module docstring; index 0 pass, 1 refine), else None. Cached."""
        c, K = self.config, self.config.K
        if (self.mode != "optimal" or c.visibility != "public" or c.beliefs != "common"
                or (self.belief is not None and self.belief != tuple(c.weights))
                or obs[9 + 5 * K] < 0.5 or obs[10 + 5 * K] < 0.5):
            return None

        def compute() -> tuple[FloatArray, FloatArray, FloatArray]:
            laws = c.weights
            means = [_simplex(law.mean()) for law in laws]
            draws = [np.array([_simplex(w) for w in law.sample(self.n, rng=np.random.default_rng([self.seed, i]))])
                     for i, law in enumerate(laws)]

            def u(w0: FloatArray, w1: FloatArray) -> FloatArray:
                spe = alternating_offers_spe(BargainingProblem(w0, w1, c.d), c.delta, c.horizon, c.first_proposer,
                                             c.offers)
                return np.asarray(spe.u, dtype=np.float64)

            cost = np.asarray(c.cost, dtype=np.float64)
            V, se = np.zeros((2, 2, 2)), np.zeros((2, 2, 2))
            V[0, 0] = u(*means)
            for cell, rows, paid in (((1, 0), [u(w, means[1]) for w in draws[0]], [1, 0]),
                                     ((0, 1), [u(means[0], w) for w in draws[1]], [0, 1]),
                                     ((1, 1), [u(a, b) for a, b in zip(*draws)], [1, 1])):
                V[cell] = np.mean(rows, axis=0) - cost * paid
                se[cell] = np.std(rows, axis=0, ddof=1) / np.sqrt(len(rows))
            x, y = solve_stage(V, "max_welfare", se)
            return V, x, y

        return self._cache.get(("stage",), compute)

    def probabilities(self, obs: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
        """The agent's action probabilities: its part of the refine stage's equilibrium where that applies, else
        the point mass on :meth:`choose`."""
        if obs[0] > 0.5 and mask[REFINE]:
            stage = self.refine_stage(obs)
            if stage is not None:
                mix = stage[1 + self.identity(obs)]
                probs = np.zeros(mask.size)
                probs[WAIT], probs[REFINE] = mix[0], mix[1]
                return probs
        return point_mass(self.choose(obs, mask), mask.size)

    # --- bargaining ------------------------------------------------------------------------------------------

    def offer(self, obs: FloatArray, me: int) -> int:
        """Index of the grid offer the agent proposes in the current round."""
        c, t = self.config, min(int(round(obs[3])), self.config.horizon - 1)
        problem = self.known_problem(obs, me)
        spe = self.spe(problem)
        key = ("offer", me, t, problem)

        def compute() -> int:
            X = c.offers
            u = np.stack([X @ problem.w1, (1.0 - X) @ problem.w2], axis=1)
            ok = u[:, 1 - me] >= spe.thresholds[t] - 1e-9 if spe.agreed[t] else np.ones(len(X), bool)
            score = np.where(ok, u[:, me], -np.inf) * (1 + 1e-12) + 1e-9 * u[:, 1 - me] * ok
            return int(np.argmax(score))

        return self._cache.get(key, compute)

    def response_rule(self, obs: FloatArray, me: int) -> tuple[FloatArray, float]:
        """(own weights, bar): accept an offer whose own shares ``s`` give ``own . s >= bar``, the continuation value
        of the problem as the agent knows it (less ``ACCEPT_TOL``)."""
        t = min(int(round(obs[3])), self.config.horizon - 1)
        problem = self.known_problem(obs, me)
        return (problem.w1 if me == 0 else problem.w2), self.spe(problem).thresholds[t] - ACCEPT_TOL

    def accepts(self, obs: FloatArray, me: int) -> bool:
        """Accept iff the offer gives at least the continuation value of the problem as the agent knows it."""
        own, bar = self.response_rule(obs, me)
        return float(own @ np.asarray(obs[6:6 + self.config.K], dtype=np.float64)) >= bar

    # --- Policy ----------------------------------------------------------------------------------------------

    def choose(self, obs: FloatArray, mask: npt.NDArray[np.bool_]) -> int:
        """The deterministic action of the agent."""
        me = self.identity(obs)
        if obs[0] > 0.5:  # refinement phase
            want = self.mode == "always" or (self.mode in ("myopic", "optimal")
                                             and self.value_of_refining(obs, me) > obs[-1] + TOL)
            return REFINE if want and mask[REFINE] else WAIT
        if obs[1] > 0.5 and mask[OFFSET:].any():
            return OFFSET + self.offer(obs, me)
        if obs[2] > 0.5 and mask[ACCEPT]:
            return ACCEPT if self.accepts(obs, me) else REJECT
        return WAIT

    def action_probabilities(self, observation: Any, action_mask: npt.ArrayLike) -> FloatArray:
        obs = np.asarray(observation["observation"] if isinstance(observation, dict) else observation, np.float64)
        mask = np.asarray(action_mask) > 0
        return self.probabilities(obs, mask)

    def action_probabilities_batch(self, observations: Any, masks: npt.ArrayLike) -> FloatArray:
        """:meth:`action_probabilities` of many rows. Rows that differ only in the offer on the table share every
        decision but the response, so each such group is decided once and its responses compare the offers' own
        shares with the group's threshold in one vectorised step (the rule of :meth:`accepts`)."""
        obs = np.stack([np.asarray(o["observation"] if isinstance(o, dict) else o, np.float64) for o in observations])
        mask = np.asarray(masks) > 0
        K = self.config.K
        key = obs.copy()
        key[:, 5:6 + K] = 0.0                      # the offer on the table
        groups = {}
        for r, k in enumerate(np.concatenate([key, mask], axis=1)):
            groups.setdefault(k.tobytes(), []).append(r)
        out = np.zeros(mask.shape)
        for rows in groups.values():
            first = obs[rows[0]]
            if first[2] > 0.5 and mask[rows[0], ACCEPT]:   # responding: the rule of accepts, all offers at once
                own, bar = self.response_rule(first, self.identity(first))
                ok = obs[rows, 6:6 + K] @ own >= bar
                out[rows, np.where(ok, ACCEPT, REJECT)] = 1.0
            else:
                out[rows] = self.probabilities(first, mask[rows[0]])
        return out

    def act(self, observation: Any, action_mask: npt.ArrayLike, *, rng: np.random.Generator) -> int:
        return draw(self.action_probabilities(observation, action_mask), rng)
