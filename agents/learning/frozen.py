"""Frozen copies of SB3 policy networks (self-play snapshots, average-policy snapshots, MMD's magnet)."""

from __future__ import annotations

from typing import Any

import torch as th


def frozen_copy(policy: Any) -> Any:
    """A new network of ``policy``'s class and shape holding its current weights, in evaluation mode.

    Built from the constructor parameters (``deepcopy`` fails on tensors cached by a forward pass) inside
    ``torch.random.fork_rng``, so drawing the new network's initial weights leaves training's RNG untouched.
    """
    with th.random.fork_rng(devices=[]):
        net = type(policy)(**policy._get_constructor_parameters())
    net.load_state_dict(policy.state_dict())
    net.set_training_mode(False)
    for p in net.parameters():
        p.requires_grad_(False)
    return net
