"""Hypothesis generators of hostile inputs: malformed scenario data, bad numbers at every numeric place, values that
must round-trip through the resolved scenario.toml, and malformed game files. Shared by the tests and by
``benchmarks/input_campaign.py``."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.runs.conftest import tiny

INT64 = 2**63
# TOML-writable values: what a scenario's free-form tables (config, options, hyperparams) may hold
SCALARS = st.one_of(st.booleans(), st.integers(-INT64, INT64 - 1), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=12))
TOML_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                           max_leaves=12)
BAD_NUMBERS = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 10**30, 2**63, -(2**64), 1e-308, -1,
                               0, 0.5, 1e12, 1e9, 10**9, 3.0e38, True, "1", None])
# (path in the scenario data, a tiny scenario with or without a learner)
NUMERIC_PATHS = [
    ("env.config.cost", False), ("env.config.budget", False), ("env.config.values.0", False),
    ("env.config.perturbation.sigma_own", False), ("env.config.max_options", False),
    ("evaluation.episodes", False), ("seeds.0", False), ("sweep.workers", False),
    ("agents.2.learning_rate", True), ("agents.2.total_timesteps", True), ("agents.2.hyperparams.clip_range", True),
    ("agents.2.hyperparams.max_grad_norm", True), ("agents.2.hyperparams.vf_coef", True),
    ("agents.2.hyperparams.n_epochs", True), ("agents.2.hyperparams.gae_lambda", True),
    ("training.n_envs", True), ("training.eval_every", True),
]


def put(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``data`` with ``value`` at the dotted ``path`` (list items by index), tables created as needed."""
    keys = path.split(".")
    node: Any = data
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(keys[-1])] = value
    else:
        node[keys[-1]] = value
    return data


@st.composite
def bad_number_scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], str, Any]:
    """A tiny scenario with one bad (or borderline) number at one numeric place: (data, path, value)."""
    path, learner = draw(st.sampled_from(NUMERIC_PATHS))
    value = draw(BAD_NUMBERS)
    return put(tiny(learner=learner), path, value), path, value


@st.composite
def malformed_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A tiny scenario with a random TOML value (or a deeply nested one) at a random place, new or existing."""
    data = tiny(learner=draw(st.booleans()))
    places = ["name", "seeds", "env", "env.id", "env.config", "env.config.perturbation", "agents", "agents.0",
              "agents.0.policy", "agents.1.kind", "training", "evaluation.selection", "sweep", "sweep.parameters",
              "sweep.linked", "report.metrics", "env.config.beliefs"]
    where = draw(st.sampled_from(places))
    value = draw(st.one_of(TOML_VALUES, st.integers(33, 60).map(lambda d: json.loads("[" * d + "]" * d))))
    if draw(st.booleans()):
        where += "." + draw(st.text("abcxyz_", min_size=1, max_size=6))
    try:
        return put(data, where, value)
    except (TypeError, ValueError, IndexError, AttributeError):  # the place is a value: replace its parent
        return put(data, where.rsplit(".", 1)[0], value)


def _matrix(cells: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.integers(1, 3).flatmap(lambda n: st.lists(st.lists(cells, min_size=n, max_size=n), min_size=1,
                                                        max_size=3))


JSON_ANY = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5)),
                        lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                        max_leaves=10)
PAYOFFS = st.one_of(st.integers(-10, 10), st.floats(-1e3, 1e3), st.sampled_from([1e308, -1e308, 10**400, 1e16]),
                    st.sampled_from(["1", True, None, [1]]))


@st.composite
def game_texts(draw: st.DrawFn) -> str:
    """JSON text of a game file, well-formed or not (raw JSON constants NaN/Infinity and broken text included)."""
    kind = draw(st.sampled_from(["matrix", "any", "labels", "text"]))
    if kind == "text":
        return draw(st.sampled_from(['{"R1": [[NaN, 1]]}', '{"R1": [[Infinity]]}', '{"R1": [[1,', "[" * 5000,
                                     '{"R1": [[1e999]]}', "", "null", '{"R1": [[' + "9" * 400 + "]]}"]))
    if kind == "any":
        return json.dumps({"R1": draw(JSON_ANY), **({"R2": draw(JSON_ANY)} if draw(st.booleans()) else {})})
    R1 = draw(_matrix(PAYOFFS))
    game: dict[str, Any] = {"R1": R1}
    if draw(st.booleans()):
        game["R2"] = draw(_matrix(PAYOFFS))
    if kind == "labels":
        game["row_labels"] = draw(st.one_of(st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=4),
                                            st.text(max_size=3)))
    return json.dumps(game)


ENV_KEYS = {"refine_or_act": ["values", "cost", "budget", "perturbation", "belief", "max_options", "invalid_penalty"],
            "refine_matrix_v0": ["game", "R1", "R2", "budget", "cost", "rounds", "perturbation", "beliefs",
                                 "visibility", "max_actions"],
            "refine_bargain_v0": ["K", "weights", "cost", "grid", "delta", "horizon", "first_proposer", "d",
                                  "budget", "visibility", "beliefs"]}


@st.composite
def env_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """An analytic-agent scenario of a random environment whose config holds random (or bad) values at its keys."""
    env_id = draw(st.sampled_from(sorted(ENV_KEYS)))
    keys = draw(st.lists(st.sampled_from(ENV_KEYS[env_id]), min_size=1, max_size=3, unique=True))
    config = {k: draw(st.one_of(TOML_VALUES, BAD_NUMBERS.filter(lambda v: v is not None),
                                st.lists(BAD_NUMBERS.filter(lambda v: v is not None), min_size=2, max_size=2)))
              for k in keys}
    policy = draw(st.sampled_from(["bayes_myopic", "bayes_optimal", "never_refine", "random"]))
    kind = "analytic" if policy.startswith("bayes") else "baseline"
    return {"name": "e", "env": {"id": env_id, "config": config}, "evaluation": {"episodes": 5},
            "agents": [{"name": "a", "kind": kind, "policy": policy}]}


def special_files(folder: Path) -> list[Path]:
    """Files no reader may choke on, created in ``folder``: deep arrays, dotted keys and inline tables, 1 MiB + 1
    byte of comment, Latin-1 text, a symlink loop, a FIFO, a 300-character name (missing), a deep JSON array; then
    ``/dev/zero``, ``/proc/self/mem`` (Linux) and the folder itself."""
    texts = {"deep.toml": "a = " + "[" * 900 + "]" * 900, "dotted.toml": "a." * 5000 + "b = 1",
             "inline.toml": "a = " + "{x = " * 500 + "1" + "}" * 500, "big.toml": "#" * (2**20 + 1),
             "deep.json": "[" * 100_000 + "]" * 100_000}
    for name, text in texts.items():
        (folder / name).write_text(text)
    (folder / "latin1.toml").write_bytes(b"name = \"caf\xe9\"\n")
    os.symlink("loop_b.toml", folder / "loop_a.toml")
    os.symlink("loop_a.toml", folder / "loop_b.toml")
    os.mkfifo(folder / "fifo.toml")
    proc = [Path("/proc/self/mem")] if sys.platform.startswith("linux") else []
    return [folder / n for n in (*texts, "latin1.toml", "loop_a.toml", "fifo.toml")] + \
        [folder / ("x" * 300 + ".toml"), Path("/dev/zero"), *proc, folder]
