"""Boundary validation helpers: every error names the parameter, the value and what is allowed."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def as_finite_array(name: str, value: Any, ndim: int | None = None) -> npt.NDArray[np.float64]:
    """Convert ``value`` to a float64 array, rejecting ragged input, wrong rank and non-finite entries."""
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: must be an array of real numbers, got {_show(value)} ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: must be a {ndim}-dimensional array, got shape {arr.shape} from {_show(value)}")
    if arr.size == 0:
        raise ValueError(f"{name}: must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: all entries must be finite, got {_show(value)}")
    return arr


def check_real(name: str, value: Any, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float, checking it is a finite real in the stated interval."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: must be a real number, got {_show(value)}")
    v = float(value)
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


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name}: must be one of {', '.join(map(repr, allowed))}; got {_show(value)}")
    return value


def readonly(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    arr = np.array(arr, copy=True)
    arr.setflags(write=False)
    return arr
