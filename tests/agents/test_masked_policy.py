"""MaskedMlpPolicy builds sb3-contrib's masked categorical with fewer normalisations: every tensor a learner uses
(logits, probabilities, log-probabilities, entropy, samples, the KL to a magnet) must be bit for bit sb3-contrib's."""

from __future__ import annotations

import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from sb3_contrib.common.maskable.distributions import MaskableCategoricalDistribution
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy

from agents.learning.masked_policy import MaskedMlpPolicy, OnceMaskedCategoricalDistribution


def _logits_and_masks(rows: int, actions: int, seed: int) -> tuple[th.Tensor, np.ndarray]:
    g = np.random.default_rng(seed)
    logits = th.as_tensor(g.normal(0, 3, (rows, actions)), dtype=th.float32)
    masks = g.random((rows, actions)) < 0.4
    masks[np.arange(rows), g.integers(actions, size=rows)] = True          # at least one legal action per row
    masks[0] = True                                                          # and one row with all legal
    return logits, masks


@pytest.mark.parametrize("actions", [2, 7, 445])
@pytest.mark.parametrize("masked", [True, False])
def test_distribution_is_bit_for_bit_sb3_contribs(actions: int, masked: bool) -> None:
    logits, masks = _logits_and_masks(64, actions, seed=actions)
    ours, theirs = OnceMaskedCategoricalDistribution(actions), MaskableCategoricalDistribution(actions)
    for d in (ours, theirs):
        d.proba_distribution(logits)
        if masked:
            d.apply_masking(masks)
    a, b = ours.distribution, theirs.distribution
    for name in ("logits", "probs"):
        assert th.equal(getattr(a, name), getattr(b, name)), name
    assert th.equal(ours.entropy(), theirs.entropy())
    th.manual_seed(0)
    sample = ours.sample()
    th.manual_seed(0)
    assert th.equal(sample, theirs.sample())
    assert th.equal(ours.log_prob(sample), theirs.log_prob(sample))
    assert th.equal(ours.mode(), theirs.mode())
    if masked:                                                               # masked actions are never drawn
        assert masks[np.arange(64), sample.numpy()].all()


def test_policy_has_the_same_weights_and_outputs_as_the_mlp_policy() -> None:
    obs_space, act_space = spaces.Box(-1, 1, (9,), np.float32), spaces.Discrete(30)
    nets = []
    for cls in (MaskedMlpPolicy, MaskableActorCriticPolicy):
        th.manual_seed(3)
        nets.append(cls(obs_space, act_space, lambda _: 1e-3, net_arch=[32, 32]))
    ours, theirs = nets
    assert isinstance(ours.action_dist, OnceMaskedCategoricalDistribution)
    for (k, v), (k2, v2) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == k2 and th.equal(v, v2)
    obs = th.as_tensor(np.random.default_rng(1).uniform(-1, 1, (50, 9)), dtype=th.float32)
    _, masks = _logits_and_masks(50, 30, seed=2)
    actions = th.as_tensor(np.argmax(masks, axis=1))
    for x, y in zip(ours.evaluate_actions(obs, actions, action_masks=masks),
                    theirs.evaluate_actions(obs, actions, action_masks=masks)):
        assert th.equal(x, y)
    p, q = (n.get_distribution(obs, action_masks=masks).distribution.probs for n in (ours, theirs))
    assert th.equal(p, q)
    p, q = (n.get_distribution(obs).distribution.probs for n in (ours, theirs))   # no masks
    assert th.equal(p, q)
