"""Magnetic Mirror Descent as a policy-gradient method: ``MMDPPO``, MaskablePPO with a magnet.

MMD (Sokota et al. 2022) regularises each policy update towards a *magnet* policy rho:

    max_pi  E_pi[A]  +  ent_coef * H(pi)  -  kl_coef * KL(pi || rho)

and its last iterate converges to the regularised equilibrium (a quantal-response equilibrium near the Nash
equilibrium when the regularisation is small), where plain policy gradient cycles around mixed equilibria. The
proximal term of MMD is PPO's own clipping (small ``clip_range`` and ``learning_rate`` keep each update close to the
last policy). Rudolph et al. 2025 ("Reevaluating policy gradient methods for imperfect-information games") report
ent_coef 0.05-0.2, clip_range 0.025-0.1, learning_rate 6e-5..2.5e-4, KL 0.025-0.05 as their best settings.

The magnet is a frozen copy of the policy network, refreshed every ``magnet_every`` updates (one update = one
``train()`` call, i.e. one rollout's ``n_epochs`` passes). A refreshed magnet moves the fixed point towards the Nash
equilibrium of the unregularised game (the "magnet reset" of MMD). KL(pi || rho) is the reverse KL, an expectation
under the current policy, over the legal actions of each observation (masked actions have probability 0 under both).

Implementation: ``MaskablePPO.train`` is reused unchanged; during ``train`` the policy's ``evaluate_actions``
returns the *regularised entropy* ``H(pi) - (kl_coef / ent_coef) KL(pi || rho)`` in place of ``H(pi)``, so PPO's
``ent_coef * entropy_loss`` term becomes ``-ent_coef H(pi) + kl_coef KL(pi || rho)``. ``ent_coef`` must be > 0.
The magnet is frozen during an update, so its logits of the whole rollout are computed once per update
(:meth:`MMDPPO.magnet_logits`) and each minibatch reads its rows, rather than running the magnet on every minibatch
of every epoch.

Temperature annealing (``ent_final``): the entropy weight decays linearly from ``ent_coef`` to ``ent_final`` over
the run, ``ent_t = ent_final + (ent_coef - ent_final) * progress_remaining``. The KL weight keeps its ratio to it,
``kl_t = kl_coef * ent_t / ent_coef``, unless ``kl_final`` is given: then it moves linearly from ``kl_coef`` to
``kl_final`` on its own (``kl_final = kl_coef`` holds it fixed). The fixed point of an update with a refreshed
magnet (rho = pi) is pi ~ exp(Q / ent_t) whatever the KL weight, so the entropy weight alone sets the temperature,
and the KL weight is a proximal term that damps the cycling of a low temperature (MMD with magnet reset; proximal
point). The regularised equilibrium then moves towards the Nash equilibrium as the run ends: a quantal response at
temperature tau puts mass ~exp(-gap / tau) on an action that is worse by ``gap`` (with two refine options each worth
0.1 more than passing, refining has probability 2e^0.5 / (2e^0.5 + 1) ~ 0.77 at tau 0.2), so a fixed temperature
large enough to stop the cycling also keeps the refine rate and the play away from the equilibrium. ``ent_final =
None`` (default) keeps ``ent_coef`` fixed.

Full-information play (``full_information = True``, ``agents.learning.full_information``): on steps whose env
reports what every own action would have earned against the other's realised action (``refine_matrix_v0``'s play
steps), the loss term is ``-sum_a pi(a|s) u_a`` instead of the sampled-action surrogate, and the return credited to
earlier steps is its expectation under the rollout policy. Advantages are then not normalised (the play rows carry
none), so ``ent_coef`` and ``kl_coef`` are in reward units, like the temperature of the exact dynamics. With it, a
large KL weight to a frequently refreshed magnet and a small temperature (``kl_coef`` 1, ``magnet_every`` 10,
``ent_coef`` 0.005) is the proximal-point form of MMD: each magnet phase solves a strongly regularised game, and the
refreshes move its solution to the Nash equilibrium (so the exact dynamics; with a network over the refined games,
10^6 steps and 125 updates it did not beat bandit feedback, README "Learning equilibria").

Checkpoints: the magnet's weights are saved with the model (a torch state dict beside the policy's) and the update
counter with SB3's pickled data, so a resumed run refreshes the magnet at the same updates and continues bit for bit.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import torch as th
from sb3_contrib import MaskablePPO

from agents.learning.frozen import frozen_copy
from agents.learning.full_information import (CounterfactualRolloutBuffer, expected_play_returns,
                                              full_information_gain)
from agents.learning.sb3_args import check_mmd_params as check_params


class MMDPPO(MaskablePPO):
    """MaskablePPO with a reverse-KL term towards a periodically refreshed magnet policy (module docstring).

    Parameters
    ----------
    *args, **kwargs
        As :class:`sb3_contrib.MaskablePPO` (``ent_coef`` > 0 required).
    kl_coef : float >= 0
        Weight of ``KL(pi || magnet)`` in the loss (0: entropy-regularised PPO).
    magnet_every : int >= 1
        Refresh the magnet (copy the current policy) every this many updates.
    ent_final : float > 0 or None
        Anneal the entropy weight (the temperature) linearly from ``ent_coef`` to this over the run (module
        docstring); None: fixed.
    kl_final : float >= 0 or None
        Move the KL weight linearly from ``kl_coef`` to this over the run; None: it keeps its ratio to the entropy
        weight (module docstring).
    full_information : bool
        Learn the play steps from full-information feedback (module docstring); needs ``normalize_advantage``
        false (set by default) and the buffer of :mod:`agents.learning.full_information` (set by default).
    anneal_lr : bool
        Decay the learning rate linearly to 0 over the run (``learning_rate * progress_remaining``). Adam's steps
        keep their size when the expected gradient vanishes, so with a constant rate the last iterate keeps
        jittering around the regularised equilibrium by sampling noise; the decay removes that jitter.
    """

    def __init__(self, *args: Any, kl_coef: float = 0.2, magnet_every: int = 50, anneal_lr: bool = True,
                 ent_final: float | None = None, kl_final: float | None = None, full_information: bool = False,
                 **kwargs: Any) -> None:
        check_params({"kl_coef": kl_coef, "magnet_every": magnet_every, "anneal_lr": anneal_lr, "ent_final": ent_final,
                      "kl_final": kl_final, "full_information": full_information,
                      "normalize_advantage": kwargs.get("normalize_advantage", False)})
        self.full_information = full_information
        if full_information:
            kwargs.update(full_information_kwargs(kwargs))
        self.kl_coef, self.magnet_every, self.anneal_lr, self.magnet_updates = float(kl_coef), magnet_every, \
            anneal_lr, 0
        self.ent_final = None if ent_final is None else float(ent_final)
        self.kl_final = None if kl_final is None else float(kl_final)
        super().__init__(*args, **kwargs)
        self.ent_start = float(self.ent_coef)

    def temperature(self) -> float:
        """The entropy weight of the next update: ``ent_coef``, or annealed towards ``ent_final`` (docstring)."""
        if self.ent_final is None:
            return self.ent_start
        return self.ent_final + (self.ent_start - self.ent_final) * float(self._current_progress_remaining)

    def kl_weight(self) -> float:
        """The KL weight of the next update: ``kl_coef * temperature() / ent_coef``, or moved linearly towards
        ``kl_final`` (docstring)."""
        if self.kl_final is None:
            return self.kl_coef * self.temperature() / self.ent_start
        return self.kl_final + (self.kl_coef - self.kl_final) * float(self._current_progress_remaining)

    def _setup_model(self) -> None:
        check_params({"ent_coef": self.ent_coef})
        super()._setup_model()
        self.magnet = frozen_copy(self.policy)

    def _setup_lr_schedule(self) -> None:
        super()._setup_lr_schedule()
        if self.anneal_lr:
            self.lr_schedule = _Annealed(self.lr_schedule)

    def _get_torch_save_params(self) -> tuple[list[str], list[str]]:
        state_dicts, variables = super()._get_torch_save_params()
        return [*state_dicts, "magnet"], variables

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "magnet"]

    def magnet_kl(self, obs: th.Tensor, action_masks: Any = None) -> th.Tensor:
        """``KL(pi(.|obs) || magnet(.|obs))`` per observation, over the legal actions."""
        return _kl(self.policy.get_distribution(obs, action_masks=action_masks),
                   self.magnet.get_distribution(obs, action_masks=action_masks).distribution.logits)

    def magnet_logits(self, chunk: int = 4096) -> th.Tensor:
        """The magnet's masked logits of every step in the rollout buffer, in the order its ``get`` indexes them
        (``swap_and_flatten``): computed once per update, where every epoch's minibatches would recompute them."""
        buffer = self.rollout_buffer
        flat = (lambda a: a) if buffer.generator_ready else buffer.swap_and_flatten
        obs, masks = flat(buffer.observations), flat(buffer.action_masks)
        with th.no_grad():
            return th.cat([self.magnet.get_distribution(buffer.to_torch(obs[lo:lo + chunk]),
                                                        action_masks=masks[lo:lo + chunk]).distribution.logits
                           for lo in range(0, len(obs), chunk)])

    def _update_info_buffer(self, infos: list[dict[str, Any]], dones: Any = None) -> None:
        # called by collect_rollouts after each env step, before the step is added to the buffer
        if self.full_information:
            self.rollout_buffer.record(infos)
        super()._update_info_buffer(infos, dones)

    def collect_rollouts(self, *args: Any, **kwargs: Any) -> bool:
        """MaskablePPO's rollout; with ``full_information`` the play steps' returns are then rebuilt from the
        feedback (:func:`~agents.learning.full_information.expected_play_returns`)."""
        done = super().collect_rollouts(*args, **kwargs)
        if done and self.full_information:
            expected_play_returns(self.rollout_buffer, lambda obs, masks: self.policy.get_distribution(
                obs, action_masks=masks).distribution.probs)
        return done

    def train(self) -> None:
        """One PPO update with the regularised entropy; the magnet is refreshed first when it is due."""
        if self.magnet_updates and self.magnet_updates % self.magnet_every == 0:
            self.magnet.load_state_dict(self.policy.state_dict())
        self.magnet_updates += 1
        self.ent_coef, kl_weight = self.temperature(), self.kl_weight()
        policy, scale, kls = self.policy, kl_weight / self.ent_coef, []
        buffer = self.rollout_buffer
        magnet_logits = self.magnet_logits()
        yielded: dict[str, Any] = {}
        get_samples = buffer._get_samples

        def remember(batch_inds: np.ndarray, env: Any = None) -> Any:
            samples = get_samples(batch_inds, env)
            yielded["observations"], yielded["rows"] = samples.observations, th.as_tensor(batch_inds)
            return samples

        def evaluate_actions(obs: th.Tensor, actions: th.Tensor, action_masks: Any = None):
            dist = policy.get_distribution(obs, action_masks=action_masks)
            if yielded.get("observations") is obs:          # the minibatch the buffer yielded: its cached logits
                magnet = magnet_logits[yielded["rows"]]
            else:
                with th.no_grad():
                    magnet = self.magnet.get_distribution(obs, action_masks=action_masks).distribution.logits
            kl = _kl(dist, magnet)
            kls.append(float(kl.detach().mean()))
            regularised = dist.entropy() - scale * kl
            if self.full_information:                    # PPO's loss has -ent_coef * mean(regularised)
                regularised = regularised + full_information_gain(
                    self.rollout_buffer, obs, dist.distribution.probs) / self.ent_coef
            return policy.predict_values(obs), dist.log_prob(actions), regularised

        policy.evaluate_actions = evaluate_actions
        buffer._get_samples = remember
        try:
            super().train()
        finally:
            del policy.evaluate_actions
            del buffer._get_samples
        if kls:
            self.logger.record("train/magnet_kl", sum(kls) / len(kls))
        self.logger.record("train/ent_coef", self.ent_coef)
        self.logger.record("train/kl_coef", kl_weight)


def _signature() -> inspect.Signature:
    """MaskablePPO's constructor signature plus ``kl_coef`` and ``magnet_every`` (read by the config checks)."""
    base = inspect.signature(MaskablePPO.__init__)
    extra = [inspect.Parameter("kl_coef", inspect.Parameter.KEYWORD_ONLY, default=0.2),
             inspect.Parameter("magnet_every", inspect.Parameter.KEYWORD_ONLY, default=50),
             inspect.Parameter("anneal_lr", inspect.Parameter.KEYWORD_ONLY, default=True),
             inspect.Parameter("ent_final", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=float | None),
             inspect.Parameter("kl_final", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=float | None),
             inspect.Parameter("full_information", inspect.Parameter.KEYWORD_ONLY, default=False)]
    params = [p for p in base.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    positional = [p for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    return base.replace(parameters=[*positional, *extra, *[p for p in params if p not in positional]])


MMDPPO.__init__.__signature__ = _signature()  # type: ignore[attr-defined]


class _Annealed:
    """``schedule(p) * p``: a learning-rate schedule decayed linearly to 0 (``p`` is SB3's progress remaining)."""

    def __init__(self, schedule: Any) -> None:
        self.schedule = schedule

    def __call__(self, progress_remaining: float) -> float:
        return float(self.schedule(progress_remaining)) * progress_remaining


def _kl(dist: Any, magnet_logits: th.Tensor) -> th.Tensor:
    """Reverse KL of a masked categorical distribution to the magnet's, given by its normalised masked logits
    (masked logits are -1e8: probability exactly 0)."""
    p = dist.distribution.probs
    return (p * (dist.distribution.logits - magnet_logits)).sum(dim=-1)


def full_information_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """MaskablePPO keyword arguments that ``full_information`` needs: its rollout buffer, and no advantage
    normalisation (``check_mmd_params`` refuses ``normalize_advantage = True``). ValueError for another buffer."""
    buffer = kwargs.get("rollout_buffer_class")
    if buffer is not None and not issubclass(buffer, CounterfactualRolloutBuffer):
        raise ValueError(f"rollout_buffer_class: must be CounterfactualRolloutBuffer with full_information, got "
                         f"{buffer!r}")
    return {"normalize_advantage": False, "rollout_buffer_class": CounterfactualRolloutBuffer}
