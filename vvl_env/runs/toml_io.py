"""A small TOML writer (the standard library only reads TOML): enough for resolved scenarios.

Writes top-level scalars and arrays first, then tables (``[a.b]``) and arrays of tables (``[[agents]]``). Nested
mappings inside arrays are written as inline tables. Keys that are not bare words are quoted.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and TOML also wants DEL escaped (JSON leaves it)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(key: str) -> str:
    return key if _BARE.match(key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(isinstance(v, Mapping) for v in value)


def _emit(table: Mapping[str, Any], prefix: str, lines: list[str]) -> None:
    for k, v in table.items():
        if v is None or isinstance(v, Mapping) or _is_table_array(v):
            continue
        lines.append(f"{_key(str(k))} = {_value(v)}")
    for k, v in table.items():
        name = f"{prefix}{_key(str(k))}"
        if isinstance(v, Mapping):
            lines.extend(["", f"[{name}]"])
            _emit(v, name + ".", lines)
        elif _is_table_array(v):
            for item in v:
                lines.extend(["", f"[[{name}]]"])
                _emit(item, name + ".", lines)


def dumps(data: Mapping[str, Any]) -> str:
    """``data`` as TOML text; ``None`` values are left out (TOML has no null).

    Examples
    --------
    >>> import tomllib
    >>> tomllib.loads(dumps({"a": 1, "t": {"b": [1.5, "x"]}, "l": [{"c": True}]}))
    {'a': 1, 't': {'b': [1.5, 'x']}, 'l': [{'c': True}]}
    """
    lines: list[str] = []
    _emit(data, "", lines)
    return "\n".join(lines).lstrip("\n") + "\n"
