"""Sweep grids and ``--set`` overrides: dotted paths into a scenario's data, and the settings a sweep runs.

A path is dotted: ``env.config.cost``, ``evaluation.episodes``, ``agents.<name>.learning_rate`` (an agent by name)
or ``agents.<index>.<field>``. An index also selects an item of any other list, so one field inside a pair can be
set, e.g. player_0's prior ``env.config.beliefs.0.sigma_own`` (model.md §4; sweep figures need numeric values).

A sweep's settings are the Cartesian product of its axes: each ``[sweep].parameters`` entry is one axis, and each
table of ``[sweep].linked`` is one axis whose equal-length lists move together (item ``i`` of every list in the
same setting). The number of settings is counted before any is built. This module reads plain data only; the
scenario's validation (``vvl_env.runs.schema``) uses it, never the other way round.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vvl_env.runs.errors import ScenarioError

MAX_CELLS = 10_000
_PATH = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
_BARE_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.+-]*$")


@dataclass(frozen=True, slots=True)
class Cell:
    """One sweep cell: its id, the parameter values it sets, its seed and the resolved scenario it runs."""

    id: str
    params: dict[str, Any]
    seed: int
    scenario: Any  # a vvl_env.runs.schema.Scenario


def set_path(data: dict[str, Any], path: str, value: Any, *, label: str | None = None) -> None:
    """Set ``value`` at the dotted ``path`` of ``data`` in place (agents by name or index; missing tables are
    created, so a misspelt key is then refused by the scenario's validation, naming it). ``label`` names the
    path in errors (default ``sweep.parameters.'<path>'``)."""
    label = label or f"sweep.parameters.{path!r}"
    if not _PATH.match(path):
        raise ScenarioError(f"{label}: must be a dotted path of keys (letters, digits, '_', '-'), got {path!r}")
    keys = path.split(".")
    node: Any = data
    for i, key in enumerate(keys[:-1]):
        where = ".".join(keys[: i + 1])
        if isinstance(node, list):
            match = [a for a in node if isinstance(a, dict) and a.get("name") == key]
            if match:
                node = match[0]
            elif key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            elif keys[:i] == ["agents"]:
                names = [a.get("name") for a in node if isinstance(a, dict)]
                raise ScenarioError(f"{label}: {where!r} names no agent; agents are {names}")
            else:
                raise ScenarioError(f"{label}: {where!r} names no item of a list of {len(node)} "
                                    f"(an index 0..{len(node) - 1})")
        elif isinstance(node, dict):
            node = node.setdefault(key, {})
        else:
            raise ScenarioError(f"{label}: {where!r} is a value, not a table")
    if not isinstance(node, dict):
        raise ScenarioError(f"{label}: cannot set {keys[-1]!r} inside a {type(node).__name__}")
    node[keys[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """``"PATH=VALUE"`` as ``(path, value)``: VALUE is a TOML value (``0.5``, ``[1, 2]``, ``"x"``,
    ``{ law = "uniform", low = 0, high = 1 }``); a bare word such as ``max_welfare`` is taken as a string."""
    path, sep, raw = text.partition("=")
    path, raw = path.strip(), raw.strip()
    if not sep or not path:
        raise ScenarioError(f"--set: must be PATH=VALUE (e.g. env.config.cost=0.2), got {text!r}")
    if not _PATH.match(path):
        raise ScenarioError(f"--set {path!r}: must be a dotted path of keys (letters, digits, '_', '-')")
    if "\n" in raw or "\r" in raw:
        raise ScenarioError(f"--set {path}: the value must be on one line, got {raw!r}")
    try:
        parsed = tomllib.loads(f"v = {raw}")
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        if _BARE_WORD.match(raw) and raw not in ("true", "false", "inf", "nan"):
            return path, raw
        reason = str(exc) if isinstance(exc, tomllib.TOMLDecodeError) else "nested too deep"
        raise ScenarioError(f"--set {path}: {raw!r} is not a TOML value ({reason}); quote strings: "
                            f"{path}='\"text\"'") from None
    if list(parsed) != ["v"]:
        raise ScenarioError(f"--set {path}: {raw!r} is not one TOML value")
    return path, parsed["v"]


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A deep copy of ``data`` with every ``PATH=VALUE`` of ``overrides`` set, in order."""
    out = copy.deepcopy(data)
    for text in overrides:
        path, value = parse_override(text)
        set_path(out, path, value, label=f"--set {path}")
    return out


def axes(parameters: Mapping[str, Sequence[Any]], linked: Sequence[Mapping[str, Sequence[Any]]] = (),
         ) -> list[list[dict[str, Any]]]:
    """The sweep's axes in file order (parameters, then linked groups); each axis is its list of partial settings."""
    out = [[{path: v} for v in values] for path, values in parameters.items()]
    for group in linked:
        out.append([dict(zip(group, row)) for row in zip(*group.values())])
    return out


def count_settings(parameters: Mapping[str, Sequence[Any]], linked: Sequence[Mapping[str, Sequence[Any]]] = ()
                   ) -> int:
    """How many settings the sweep has (the product of its axes' lengths), without building them."""
    lengths = [len(v) for v in parameters.values()]
    lengths += [min((len(v) for v in group.values()), default=0) for group in linked]
    return math.prod(lengths)


def settings(parameters: Mapping[str, Sequence[Any]], linked: Sequence[Mapping[str, Sequence[Any]]] = (),
             ) -> list[dict[str, Any]]:
    """Every setting (path -> value), the first axis slowest; ``[{}]`` for a scenario without a sweep.

    Raises :class:`ScenarioError` when there would be more than :data:`MAX_CELLS` (counted first).
    """
    n = count_settings(parameters, linked)
    if n > MAX_CELLS:
        raise ScenarioError(f"sweep: must have at most {MAX_CELLS} cells, got {n} parameter combinations")
    return [{k: v for part in combo for k, v in part.items()} for combo in itertools.product(*axes(parameters, linked))]


def expand(scenario: Any) -> list[Cell]:
    """The sweep's cells in a fixed order (settings as :func:`settings`, then seeds).

    Each cell's scenario has that one seed and no sweep table. A scenario without a sweep gives one cell per seed.
    Raises :class:`ScenarioError` when a cell's scenario is invalid.
    """
    sweep = scenario.sweep
    seeds = sweep.seeds if sweep.seeds is not None else scenario.seeds
    base = scenario.to_dict()
    base.pop("sweep", None)
    cells = []
    for i, setting in enumerate(settings(sweep.parameters, sweep.linked)):
        data = copy.deepcopy(base)
        for path, value in setting.items():
            set_path(data, path, value)
        try:
            resolved = type(scenario).from_data(data)
        except ScenarioError as exc:
            shown = ", ".join(f"{k} = {v!r}" for k, v in setting.items())
            raise ScenarioError(f"sweep cell ({shown}): {exc}") from None
        for seed in seeds:
            cells.append(Cell(f"c{i:03d}-s{seed}", setting, seed, resolved.model_copy(update={"seeds": [seed]})))
    return cells
