"""Game files for ``vvl solve``: ``{"R1": [[...]], "R2": [[...]], "row_labels": [...], "col_labels": [...]}``.

``R2`` is optional (zero-sum: ``R2 = -R1``), so are the labels. :func:`load_game_file` reads a regular UTF-8 file
of at most :data:`MAX_BYTES` bytes (``vvl_env.textfile``) and refuses, naming the entry, before anything is
allocated: JSON nested deeper than a matrix, matrices of more than :data:`MAX_CELLS` entries or ragged rows, entries
that are not numbers (booleans, numeric strings, ``NaN``/``Infinity``), numbers beyond :data:`MAX_PAYOFF` in size
(a 400-digit integer; ``1e308`` and ``-1e308`` whose difference overflows: rescale the game, equilibria are
invariant to positive affine maps of each player's payoffs), labels that are not strings. :func:`check_solvable`
refuses games too big to solve here before a solver allocates for them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from vvl_env.model.game import Game
from vvl_env.textfile import check_nesting, read_text

MAX_BYTES = 16 * 2**20
MAX_CELLS = 1_000_000
MAX_PAYOFF = 1e15
MAX_SOLVE_CELLS = 250_000  # 500 x 500: Lemke-Howson takes seconds to minutes there
KEYS = ("R1", "R2", "row_labels", "col_labels")


def _number(text: str) -> int | float:
    """JSON integers: exact up to 18 digits, longer ones as floats (then refused by size, not by int())."""
    return int(text) if len(text.lstrip("-")) <= 18 else float(text)


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not a payoff (payoffs must be finite numbers)")


def _matrix(value: Any, key: str, shape: tuple[int, int] | None) -> np.ndarray:
    """A list of equal-length lists of finite numbers of at most MAX_PAYOFF in size, checked before converting."""
    if not isinstance(value, list) or not value or not all(isinstance(r, list) and r for r in value):
        raise ValueError(f"{key}: must be a non-empty array of non-empty arrays of numbers (one per row), got "
                         f"{str(value)[:60]}")
    m, n = len(value), len(value[0])
    if m * n > MAX_CELLS:
        raise ValueError(f"{key}: {m} x {n} = {m * n} entries, at most {MAX_CELLS} are read")
    if shape is not None and (m, n) != shape:
        raise ValueError(f"{key}: must have the shape of R1, {shape[0]} x {shape[1]}, got {m} x {n}")
    for i, row in enumerate(value):
        if len(row) != n:
            raise ValueError(f"{key}[{i}]: every row must have {n} entries (as row 0), got {len(row)}")
        for j, x in enumerate(row):
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise ValueError(f"{key}[{i}][{j}]: must be a number, got {json.dumps(x)[:40]}")
            if not (math.isfinite(x) and abs(x) <= MAX_PAYOFF):
                shown = "a number beyond the float range" if math.isinf(x) else f"{x:.3g}"
                raise ValueError(f"{key}[{i}][{j}]: payoffs must be finite and at most {MAX_PAYOFF:g} in absolute "
                                 f"value, got {shown}; rescale the game (equilibria are unchanged by a positive "
                                 f"affine map of a player's payoffs)")
    return np.asarray(value, dtype=np.float64)


def _labels(value: Any, key: str, size: int) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != size or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key}: must be an array of {size} strings (one per action), got {str(value)[:60]}")
    return value


def load_game_file(path: str | Path) -> Game:
    """The :class:`Game` of a JSON game file.

    Raises
    ------
    ValueError
        ``GAME <path>: <what is wrong>``, naming the key or entry.
    """
    try:
        text = read_text(path, "game file (.json)", max_bytes=MAX_BYTES)
        try:
            data = json.loads(text, parse_int=_number, parse_constant=_constant)
        except RecursionError:
            raise ValueError("not valid JSON (nested too deep)") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc})") from None
        check_nesting(data, "game", limit=3)
        if not isinstance(data, dict) or "R1" not in data:
            raise ValueError(f'must be a JSON object {{"R1": [[...]], "R2": [[...]]}} (R2 optional: zero-sum), '
                             f"got {text[:60]!r}")
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise ValueError(f"unknown keys {unknown}; allowed: {', '.join(KEYS)}")
        R1 = _matrix(data["R1"], "R1", None)
        R2 = None if data.get("R2") is None else _matrix(data["R2"], "R2", R1.shape)
        rows = _labels(data.get("row_labels"), "row_labels", R1.shape[0])
        cols = _labels(data.get("col_labels"), "col_labels", R1.shape[1])
        return Game(R1, R2, rows, cols)
    except ValueError as exc:
        text_ = str(exc)
        raise ValueError(text_ if text_.startswith(str(path)) else f"GAME {path}: {text_}") from None


def check_solvable(shape: tuple[int, int]) -> None:
    """Refuse a game too big to hold and solve here, before any solver allocates for it (the solvers guard their
    own time and memory per method)."""
    m, n = shape
    if m * n > MAX_SOLVE_CELLS:
        raise ValueError(f"GAME: {m} x {n} is too big to solve here (at most {MAX_SOLVE_CELLS} entries, e.g. "
                         f"500 x 500); reduce the game (remove dominated actions) first")
