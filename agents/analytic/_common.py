"""Helpers shared by the analytic agents: masked distributions and a small bounded cache."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from agents.policy import sample_action

FloatArray = npt.NDArray[np.float64]
T = TypeVar("T")
TOL = 1e-12
"""Ties (gain equal to cost, up to this tolerance) resolve to *not* refining: refine iff gain > cost strictly."""


def point_mass(action: int, size: int) -> FloatArray:
    """The distribution putting all mass on ``action``."""
    p = np.zeros(size)
    p[action] = 1.0
    return p


def uniform_over(mask: npt.ArrayLike) -> FloatArray:
    """Uniform over the legal actions of ``mask`` (all actions if none is legal)."""
    m = np.asarray(mask, dtype=np.float64) > 0
    if not m.any():
        m[:] = True
    return m / m.sum()


def draw(probs: FloatArray, rng: np.random.Generator) -> int:
    """One action from ``probs``; a point mass draws nothing from ``rng``."""
    top = int(np.argmax(probs))
    if probs[top] >= 1.0 - 1e-12:
        return top
    return sample_action(probs, rng)


class LRUCache:
    """A bounded least-recently-used cache (per agent: realised games, observations)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for ``key``, computing (and storing) it on a miss."""
        if key in self._data:
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]
        self.misses += 1
        value = compute()
        self._data[key] = value
        if len(self._data) > self.size:
            self._data.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._data)


def array_key(*arrays: npt.ArrayLike) -> tuple[Any, ...]:
    """A hashable key of arrays (shape and bytes)."""
    out: list[Any] = []
    for a in arrays:
        arr = np.ascontiguousarray(a)
        out += [arr.shape, arr.dtype.str, arr.tobytes()]
    return tuple(out)
