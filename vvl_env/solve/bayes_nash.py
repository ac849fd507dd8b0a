"""Bayes-Nash equilibrium of a refined game under private information (model.md §4, visibility "own").

One player (the *informed* refiner) refines one of its actions and alone learns its own offsets ``own1, own2``: its
*type*. Nobody observes the other player's offsets in the new variants; both are risk neutral and payoffs are linear
in them, so they enter at their conditional mean given the type. With ``E = sigma_other (rho Z + sqrt(1-rho^2) Z')``
and ``own = sigma_own Z``-based offsets (either RRP form, any gap law), ``E[other | own] = rho sigma_other / sigma_own
(own - bias)``.

The reference is the Bayes-Nash equilibrium of the game whose types are ``K`` draws from the common prior (the
uninformed player's belief), each with probability 1/K, solved as a Nash equilibrium of the *induced normal form*: a
pure strategy of the informed player maps each type to a row (``m'^K`` of them), payoffs are averages over types.

Exactness and limits: the equilibrium of the K-type game is exact and verified per type (no type and not the
uninformed player gains by deviating, relative regret <= tol). It is only an *approximation* of the Bayes-Nash
equilibrium of the continuous-type game: the sampling error of any statistic is stated by solving ``replications``
independent type samples and reporting their spread. The induced normal form grows as ``m'^K``; ``K`` is capped so it
has at most ``max_strategies`` rows, and one equilibrium is found by Lemke-Howson (selection ``"lemke_howson:k"``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import check_index
from vvl_env.model.game import Game
from vvl_env.model.perturbation import PerturbationModel, RefinementOutcome
from vvl_env.model.refine import refine_rows
from vvl_env.solve.equilibria import equilibria
from vvl_env.solve.results import Estimate

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BayesNashResult:
    """A verified Bayes-Nash equilibrium of the K-type refined game (in the original players' roles).

    ``type_strategies[k]`` is the informed player's mixed strategy over its m+1 actions when of type k,
    ``uninformed_strategy`` the other player's; ``type_payoffs[k]`` both players' expected payoffs given type k;
    ``payoffs`` the ex-ante expected payoffs (mean over types), ``welfare`` their sum.
    """

    informed: int
    action: int
    types: RefinementOutcome
    type_strategies: FloatArray
    uninformed_strategy: FloatArray
    type_payoffs: FloatArray
    payoffs: FloatArray
    max_regret: float
    method: str

    @property
    def welfare(self) -> float:
        return float(self.payoffs.sum())

    @property
    def n_types(self) -> int:
        return int(self.type_strategies.shape[0])


def expected_other_offsets(model: PerturbationModel, types: RefinementOutcome) -> tuple[FloatArray, FloatArray]:
    """``E[other offsets | own offsets]`` under ``model``: ``rho sigma_other / sigma_own (own - bias)``."""
    if model.sigma_own == 0.0:
        return np.zeros_like(types.own1), np.zeros_like(types.own2)
    slope = model.rho * model.sigma_other / model.sigma_own
    return slope * (types.own1 - model.bias), slope * (types.own2 - model.bias)


def _type_games(own: FloatArray, other: FloatArray, action: int, model: PerturbationModel, types: RefinementOutcome,
                ) -> tuple[FloatArray, FloatArray]:
    """Per-type payoff matrices (K, m+1, n) in the frame where the informed player picks rows."""
    o1, o2 = expected_other_offsets(model, types)
    outcome = RefinementOutcome(types.q, types.own1, types.own2, o1, o2)
    K = types.q.shape[0]
    return refine_rows(np.broadcast_to(own, (K,) + own.shape), np.broadcast_to(other, (K,) + other.shape), action,
                       outcome)


def max_types(rows: int, max_strategies: int) -> int:
    """The largest K with ``rows^K <= max_strategies`` (at least 1)."""
    return max(1, int(np.floor(np.log(max_strategies) / np.log(rows) + 1e-9))) if rows > 1 else max_strategies


def bayes_nash_refined(game: Game, informed: int, action: int, prior: PerturbationModel, *, n_types: int | None = None,
                       rng: np.random.Generator, label: int = 0, max_strategies: int = 4096,
                       tol: float = 1e-7) -> BayesNashResult:
    """Bayes-Nash equilibrium when ``informed`` refines ``action`` and alone sees its own offsets.

    Parameters
    ----------
    game : the base game; informed : 0 (refines a row) or 1 (a column); action : the refined action.
    prior : the common prior over the informed player's types (the uninformed player's belief).
    n_types : K, default the largest with ``(m+1)^K <= max_strategies``; rng : draws the types.
    label : the Lemke-Howson starting label; tol : verification tolerance on relative regret.

    Notes
    -----
    Induced normal form: ``A[s, c] = (1/K) sum_k R_own^k[s(k), c]`` and likewise B, for every map ``s`` from types to
    rows. A Nash equilibrium of (A, B) with every type of probability 1/K > 0 is a Bayes-Nash equilibrium; the
    per-type strategies are the marginals ``x_k[r] = P(s(k) = r)``.
    """
    if not isinstance(game, Game):
        raise ValueError(f"game: must be a Game, got {type(game).__name__}")
    informed = check_index("informed", informed, 2)
    own, other = (game.R1, game.R2) if informed == 0 else (game.R2.T, game.R1.T)
    action = check_index("action", action, own.shape[0])
    rows = own.shape[0] + 1
    cap = max_types(rows, max_strategies)
    K = cap if n_types is None else int(n_types)
    if not 1 <= K <= cap:
        raise ValueError(f"n_types: must be an integer in [1, {cap}] so that {rows}^K <= max_strategies="
                         f"{max_strategies}, got {n_types!r}")
    types = prior.sample(rng=rng, n_opposing=own.shape[1], size=K)
    Rk_own, Rk_other = _type_games(own, other, action, prior, types)
    plans = np.array(list(itertools.product(range(rows), repeat=K)))  # (S, K): the row each type plays
    A = Rk_own[np.arange(K), plans].mean(axis=1)  # (S, n)
    B = Rk_other[np.arange(K), plans].mean(axis=1)
    eq = equilibria((A, B), method=f"lemke_howson:{label}", tol=tol)
    p_plan, y = eq.xs[0], eq.ys[0]
    x_types = np.zeros((K, rows))
    for k in range(K):
        np.add.at(x_types[k], plans[:, k], p_plan)
    own_pay = np.einsum("kr,krc,c->k", x_types, Rk_own, y)
    other_pay = np.einsum("kr,krc,c->k", x_types, Rk_other, y)
    type_regret = (np.einsum("krc,c->kr", Rk_own, y).max(axis=1) - own_pay) / max(np.ptp(Rk_own), 1e-300)
    mix = np.einsum("kr,krc->c", x_types, Rk_other) / K
    unin_regret = (mix.max() - mix @ y) / max(np.ptp(Rk_other), 1e-300)
    regret = float(max(type_regret.max(), unin_regret))
    if regret > tol:
        raise RuntimeError(f"Bayes-Nash verification failed: relative regret {regret:.2e} > tol {tol:.1e}")
    pay = np.stack([own_pay, other_pay], axis=1) if informed == 0 else np.stack([other_pay, own_pay], axis=1)
    return BayesNashResult(informed, action, types, x_types, y, pay, pay.mean(axis=0), regret,
                           f"induced normal form, K={K} types, {eq.method}")


def bayes_nash_welfare(game: Game, informed: int, action: int, prior: PerturbationModel, *, replications: int,
                       rng: np.random.Generator, n_types: int | None = None, label: int = 0,
                       ) -> tuple[Estimate, Estimate, Estimate]:
    """Ex-ante welfare and both players' payoffs at the K-type Bayes-Nash equilibrium, over ``replications``
    independent type samples: the interval states the sampling (type-discretisation) error."""
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or replications < 2:
        raise ValueError(f"replications: must be an integer >= 2, got {replications!r}")
    pays = np.array([bayes_nash_refined(game, informed, action, prior, n_types=n_types, rng=r, label=label).payoffs
                     for r in rng.spawn(int(replications))])
    method = "Bayes-Nash (induced normal form), spread over type samples"
    return (Estimate.from_samples(pays.sum(axis=1), method), Estimate.from_samples(pays[:, 0], method),
            Estimate.from_samples(pays[:, 1], method))
