"""Sweep grids: every combination of a scenario's swept parameters, times every seed, as validated scenarios.

A parameter is a dotted path into the scenario: ``env.config.cost``, ``evaluation.episodes``,
``agents.<name>.learning_rate`` (an agent by name) or ``agents.<index>.<field>``. An index also selects an item of any
other list, so one field inside a pair can be swept as a number, e.g. player_0's prior
``env.config.beliefs.0.sigma_own`` (model.md §4; sweep figures need numeric values).
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import Any

from vvl_env.runs.errors import ScenarioError

MAX_CELLS = 10_000


@dataclass(frozen=True, slots=True)
class Cell:
    """One sweep cell: its id, the parameter values it sets, its seed and the resolved scenario it runs."""

    id: str
    params: dict[str, Any]
    seed: int
    scenario: Any  # Scenario (not imported here to avoid a cycle)


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at the dotted ``path`` of ``data`` in place (agents by name or index)."""
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
                raise ScenarioError(f"sweep.parameters.{path!r}: {where!r} names no agent; agents are {names}")
            else:
                raise ScenarioError(f"sweep.parameters.{path!r}: {where!r} names no item of a list of {len(node)} "
                                    f"(an index 0..{len(node) - 1})")
        elif isinstance(node, dict):
            if key not in node:
                if key in ("config", "options", "hyperparams", "training", "evaluation", "report"):
                    node[key] = {}
                else:
                    raise ScenarioError(f"sweep.parameters.{path!r}: the scenario has no {where!r}")
            node = node[key]
        else:
            raise ScenarioError(f"sweep.parameters.{path!r}: {where!r} is a value, not a table")
    if not isinstance(node, dict):
        raise ScenarioError(f"sweep.parameters.{path!r}: cannot set {keys[-1]!r} inside a {type(node).__name__}")
    node[keys[-1]] = value


def expand(scenario: Any) -> list[Cell]:
    """The sweep's cells in a fixed order (parameters in file order, values in list order, then seeds).

    Each cell's scenario has that one seed and no sweep table. A scenario without swept parameters gives one cell
    per seed. Raises :class:`ScenarioError` when a cell's scenario is invalid.
    """
    from vvl_env.runs.schema import validate_scenario

    params = scenario.sweep.parameters
    seeds = scenario.sweep.seeds if scenario.sweep.seeds is not None else scenario.seeds
    combos = list(itertools.product(*params.values())) if params else [()]
    if len(combos) * len(seeds) > MAX_CELLS:
        raise ScenarioError(f"sweep: must have at most {MAX_CELLS} cells, got {len(combos)} parameter "
                            f"combinations x {len(seeds)} seeds")
    base = scenario.to_dict()
    base.pop("sweep", None)
    cells = []
    for i, combo in enumerate(combos):
        setting = dict(zip(params, combo))
        data = copy.deepcopy(base)
        for path, value in setting.items():
            set_path(data, path, value)
        try:
            resolved = validate_scenario(data, deep=False)
        except ScenarioError as exc:
            shown = ", ".join(f"{k} = {v!r}" for k, v in setting.items())
            raise ScenarioError(f"sweep cell ({shown}): {exc}") from None
        for seed in seeds:
            cell = resolved.model_copy(update={"seeds": [seed]})
            cells.append(Cell(f"c{i:03d}-s{seed}", setting, seed, cell))
    return cells
