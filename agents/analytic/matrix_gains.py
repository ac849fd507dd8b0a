"""One-step gains of the analytic ``refine_matrix_v0`` agent: batched, sequential Monte Carlo (model.md §2).

``G_k = E[u_p(refine(G, p, k))] - u_p(G)``: the expected change of player p's equilibrium payoff (under the selection
rule) when p refines its own action k once, for every k at once.

* Common random numbers per game shape: the outcome draws depend only on ``(law, opposing actions, n, seed)`` and
  are cached (:func:`outcome_draws`), so every realised game of a shape, and every own action k, uses the same draws.
* One batched solver call per stage for all k (the refined games of all actions share one shape).
* Sequential stopping (``threshold``): draws are solved in stages of ``STAGE`` (250, 500, 1000, ... up to n); after
  each stage the estimate stops once the decision "refine the best action iff its gain exceeds the threshold" is
  settled: the best gain is more than ``Z_SETTLED`` standard errors from the threshold and, when above it, more than
  ``Z_SETTLED`` standard errors (of the paired difference) above every other action's gain. The decision then
  agrees with the full-n decision except with probability of order ``P(|Z| > 4)`` per comparison; the estimates are
  those of the draws used (``used``), with their standard errors.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from vvl_env.model.perturbation import PerturbationModel, RefinementOutcome
from vvl_env.model.refine import refine_arrays
from vvl_env.solve.equilibria_batch import equilibrium_payoffs

FloatArray = npt.NDArray[np.float64]
STAGE = 250
Z_SETTLED = 4.0


@lru_cache(maxsize=64)
def outcome_draws(model: PerturbationModel, opposing: int, n: int, seed: int) -> RefinementOutcome:
    """``n`` refinement outcomes against ``opposing`` actions from ``default_rng(seed)`` (cached: common random
    numbers for every game of the shape)."""
    return model.sample(rng=np.random.default_rng(seed), n_opposing=opposing, size=n)


def payoff_samples(R1: FloatArray, R2: FloatArray, player: int, outcome: RefinementOutcome,
                   selection: str) -> FloatArray:
    """Player ``player``'s equilibrium payoff after refining each own action k with each outcome: (m_p, draws), from
    one batched solver call."""
    size = outcome.batch_shape[0]
    B1, B2 = np.broadcast_to(R1, (size,) + R1.shape), np.broadcast_to(R2, (size,) + R1.shape)
    pairs = [refine_arrays(B1, B2, player, k, outcome) for k in range(R1.shape[player])]
    A1, A2 = np.concatenate([a for a, _ in pairs]), np.concatenate([b for _, b in pairs])
    return equilibrium_payoffs(A1, A2, selection)[:, player].reshape(len(pairs), size)


def _settled(pay: FloatArray, before: float, threshold: float) -> bool:
    n = pay.shape[1]
    gains = pay.mean(axis=1) - before
    k = int(np.argmax(gains))
    se = pay[k].std(ddof=1) / np.sqrt(n)
    if abs(gains[k] - threshold) <= Z_SETTLED * se:
        return False
    if gains[k] < threshold or len(gains) == 1:
        return True
    diff_se = (pay[k] - np.delete(pay, k, axis=0)).std(axis=1, ddof=1) / np.sqrt(n)
    return bool(np.all(gains[k] - np.delete(gains, k) > Z_SETTLED * diff_se))


def one_step_gains(R1: FloatArray, R2: FloatArray, player: int, model: PerturbationModel, *, n: int, seed: int,
                   selection: str, threshold: float | None = None) -> tuple[FloatArray, FloatArray, int]:
    """Expected one-step gains ``G_k`` of ``player`` (one per own action), their standard errors, and the number of
    draws used (``n``, or fewer once the decision against ``threshold`` is settled; module docstring)."""
    outcome = outcome_draws(model, R1.shape[1 - player], int(n), int(seed))
    before = float(equilibrium_payoffs(R1[None], R2[None], selection)[0, player])
    stops = [n] if threshold is None else sorted({min(n, STAGE << i) for i in range(32) if STAGE << i < 2 * n})
    parts, done = [], 0
    for stop in stops:
        parts.append(payoff_samples(R1, R2, player, outcome[done:stop], selection))
        done = stop
        pay = np.concatenate(parts, axis=1)
        if threshold is not None and done < n and _settled(pay, before, threshold):
            break
    se = pay.std(axis=1, ddof=1) / np.sqrt(done)
    return pay.mean(axis=1) - before, se, done
