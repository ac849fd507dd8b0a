"""The values a scenario may hold: exactly what TOML can write and read back, so nothing is lost on the way.

A resolved ``scenario.toml`` must give back every value of the scenario it records. TOML has no null and no NaN a
run could use, and dates would come back as strings; so :func:`check_values` refuses, naming the field: ``None``,
NaN and infinities (also inside free-form tables such as ``hyperparams``, which pydantic does not check), dates and
times, integers outside 64 bits (TOML's range), strings with characters TOML cannot hold (lone surrogates) and any
other Python object.
"""

from __future__ import annotations

import math
from typing import Any

from vvl_env.runs.errors import ScenarioError, join_key

INT64 = 2**63


def _where(path: str) -> str:
    return path.lstrip(".") or "scenario"


def check_values(data: Any) -> None:
    """Raise :class:`ScenarioError` at the first value of ``data`` that TOML cannot round-trip (iteratively)."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if not isinstance(k, str):
                    raise ScenarioError(f"{_where(path)}: keys must be strings, got {k!r}")
                stack.append((v, join_key(path, k)))
        elif isinstance(node, (list, tuple)):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int):
            if not -INT64 <= node < INT64:
                raise ScenarioError(f"{_where(path)}: integers must fit in 64 bits (TOML), got {len(str(node))} "
                                    f"digits")
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise ScenarioError(f"{_where(path)}: must be a finite number, got {node!r}")
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise ScenarioError(f"{_where(path)}: must be valid Unicode text, got {node[:40]!r}") from None
        elif node is None:
            raise ScenarioError(f"{_where(path)}: has no value (None); TOML has no null: leave the key out")
        else:
            raise ScenarioError(f"{_where(path)}: must be a number, string, boolean, array or table, got "
                                f"{type(node).__name__} {str(node)[:40]!r}")
