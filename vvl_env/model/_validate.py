"""Boundary validation helpers: every error names the parameter, the value and what is allowed."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def as_finite_array(name: str, value: Any, ndim: int | None = None) -> npt.NDArray[np.float64]:
    """Convert ``value`` to a float64 array of real numbers, rejecting strings, booleans, complex numbers, ragged
    input, wrong rank, non-finite entries and integers too large for a float."""
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: must be an array of real numbers, got {_show(value)} ({exc})") from None
    kind = raw.dtype.kind
    if kind == "O" or (kind in "iuf" and not isinstance(value, np.ndarray)):      # numpy casts True to 1
        items = raw.flat if kind == "O" else np.asarray(value, dtype=object).flat
        if any(isinstance(v, (bool, np.bool_)) for v in items):
            kind = "b"
        elif kind == "O":
            kind = "f" if all(isinstance(v, numbers.Real) for v in raw.flat) else "O"
    if kind not in "iuf":
        what = {"b": "booleans", "U": "strings", "S": "bytes", "c": "complex numbers"}.get(kind, "non-numbers")
        raise ValueError(f"{name}: must be an array of real numbers, got {what}: {_show(value)}")
    try:
        arr = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name}: must be an array of real numbers, got {_show(value)} ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: must be a {ndim}-dimensional array, got shape {arr.shape} from {_show(value)}")
    if arr.size == 0:
        raise ValueError(f"{name}: must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: all entries must be finite, got {_show(value)}")
    return arr


def check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    """Return ``value`` as an int in ``[low, high]`` (an int or numpy integer, never a bool or float)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low or \
            (high is not None and value > high):
        allowed = f"an integer in [{low}, {high}]" if high is not None else f"an integer >= {low}"
        raise ValueError(f"{name}: must be {allowed}, got {_show(value)}")
    return int(value)


def check_rng(rng: Any) -> np.random.Generator:
    """``rng`` must be a ``numpy.random.Generator`` (seeded draws, no global state)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: must be a numpy.random.Generator (e.g. np.random.default_rng(seed)), got "
                         f"{_show(rng)}")
    return rng


def check_real(name: str, value: Any, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float, checking it is a finite real in the stated interval."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: must be a real number, got {_show(value)}")
    try:
        v = float(value)
    except OverflowError:
        raise ValueError(f"{name}: must be a finite number, got an integer of {len(str(value))} digits") from None
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    interval = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
    bad = not np.isfinite(v)
    if low is not None:
        bad |= v <= low if low_open else v < low
    if high is not None:
        bad |= v >= high if high_open else v > high
    if bad:
        raise ValueError(f"{name}: must be a finite number in {interval}, got {_show(value)}")
    return v


def check_index(name: str, value: Any, size: int) -> int:
    """Return ``value`` as an int index in ``range(size)``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: must be an integer in [0, {size - 1}], got {_show(value)}")
    if not 0 <= int(value) < size:
        raise ValueError(f"{name}: must be an integer in [0, {size - 1}], got {value}")
    return int(value)


def check_labels(name: str, labels: Any, size: int) -> tuple[str, ...]:
    """``size`` distinct strings, given as a list, tuple or array (a single string is refused, not split)."""
    if isinstance(labels, np.ndarray):
        labels = labels.tolist()
    if not isinstance(labels, (list, tuple)):
        raise ValueError(f"{name}: must be a list or tuple of {size} strings (one per action), got {_show(labels)}")
    bad = [s for s in labels if not isinstance(s, str)]
    if bad:
        raise ValueError(f"{name}: every label must be a string, got {_show(bad[0])} in {_show(labels)}")
    if len(labels) != size:
        raise ValueError(f"{name}: must have {size} labels (one per action), got {len(labels)}: {_show(labels)}")
    if len(set(labels)) != size:
        raise ValueError(f"{name}: labels must be distinct, got {_show(labels)}")
    return tuple(labels)


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name}: must be one of {', '.join(map(repr, allowed))}; got {_show(value)}")
    return value


def readonly(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    arr = np.array(arr, copy=True)
    arr.setflags(write=False)
    return arr
