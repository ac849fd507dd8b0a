"""The one interface every vvl agent implements, analytic or learned.

A policy maps one agent's observation (as its environment gives it: a dict with "observation" and "action_mask" for
the PettingZoo envs, a flat array for RefineOrAct, whose mask comes from ``env.action_masks()``) to an action.
``action_probabilities`` exposes the mixed strategy behind the choice, which evaluation needs for NashConv.

Batched evaluation (:mod:`agents.rollout`) asks a policy for the probabilities of many observations at once:
``action_probabilities_batch(observations, masks)`` if the policy has it (learned policies: one network call), else
one ``action_probabilities`` call per row. It then draws each action with :func:`sample_actions`, the rule of
:func:`sample_action`; so ``act`` must be ``sample_action(action_probabilities(...), rng)`` (every vvl policy's is),
or a batched evaluation would not reproduce a sequential one.

Correlated play: a policy whose ``uses_public_seed`` is True (the analytic matrix agents under selection "all", which
draw one extreme equilibrium per episode) also reads a *public seed*, the same for every agent of an episode, as the
keyword ``public_seed`` of ``action_probabilities`` (and ``public_seeds``, one per row, of
``action_probabilities_batch`` where it has one); the evaluators pass the episode's seed. It plays the role of a
public coin both players see, without which two independent draws would not form one equilibrium.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt


@runtime_checkable
class Policy(Protocol):
    """``act`` draws an action; ``action_probabilities`` gives the distribution it draws from (masked)."""

    name: str

    def action_probabilities(self, observation: Any, action_mask: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
        """Probabilities over the whole (padded) action space; zero on masked actions."""
        ...

    def act(self, observation: Any, action_mask: npt.NDArray[np.int8], *, rng: np.random.Generator) -> int:
        """One action, drawn with ``rng`` from ``action_probabilities`` (deterministic policies ignore ``rng``)."""
        ...


POINT_MASS = 1.0 - 1e-12
"""A distribution whose largest probability is at least this is a point mass: its action is drawn without ``rng``."""


def sample_action(probs: npt.NDArray[np.float64], rng: np.random.Generator) -> int:
    """Draw an index from ``probs``: the argmax of a point mass (nothing drawn from ``rng``), else inverse CDF with
    one uniform variate, so seeds reproduce across policies."""
    top = int(np.argmax(probs))
    if probs[top] >= POINT_MASS:
        return top
    cdf = np.cumsum(probs)
    return int(min(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"), len(probs) - 1))


def inverse_cdf(probs: npt.NDArray[np.float64], u: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Indices drawn from distributions along the last axis of ``probs`` by inverse CDF with the uniforms ``u`` (one
    per distribution, ``probs.shape[:-1]``); unnormalised rows are scaled by their totals."""
    cdf = np.cumsum(probs, axis=-1)
    return np.minimum((cdf <= (u * cdf[..., -1])[..., None]).sum(axis=-1), probs.shape[-1] - 1).astype(np.int64)


def sample_actions(probs: npt.NDArray[np.float64], rngs: Sequence[np.random.Generator]) -> npt.NDArray[np.int64]:
    """:func:`sample_action` of each row ``probs[t]`` with ``rngs[t]``."""
    probs = np.asarray(probs, dtype=np.float64)
    out = probs.argmax(axis=1)
    mixed = np.flatnonzero(probs[np.arange(len(probs)), out] < POINT_MASS)
    if mixed.size:
        out[mixed] = inverse_cdf(probs[mixed], np.array([rngs[t].random() for t in mixed.tolist()]))
    return out.astype(np.int64)


def probabilities_batch(policy: Policy, observations: Sequence[Any], masks: npt.NDArray[np.int8],
                        public_seeds: Sequence[int] | None = None) -> npt.NDArray[np.float64]:
    """Action probabilities (B, A) of ``policy`` for B observations and their masks: one
    ``action_probabilities_batch`` call where the policy has it, else one ``action_probabilities`` call per row
    (with ``public_seed=public_seeds[t]`` where the policy ``uses_public_seed``, module docstring)."""
    batch = getattr(policy, "action_probabilities_batch", None)
    if public_seeds is not None and getattr(policy, "uses_public_seed", False):
        if batch is not None:
            return np.asarray(batch(observations, masks, public_seeds=public_seeds), dtype=np.float64)
        return np.stack([np.asarray(policy.action_probabilities(o, m, public_seed=s), dtype=np.float64)
                         for o, m, s in zip(observations, masks, public_seeds)])
    if batch is not None:
        return np.asarray(batch(observations, masks), dtype=np.float64)
    return np.stack([np.asarray(policy.action_probabilities(o, m), dtype=np.float64)
                     for o, m in zip(observations, masks)])
