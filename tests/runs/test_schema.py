"""Scenario validation: the shipped scenarios are valid; malformed ones get one clean paragraph and exit status 2."""

from __future__ import annotations

import copy
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.runs.conftest import run_cli, tiny, write
from vvl_env.runs import toml_io
from vvl_env.runs.grid import expand
from vvl_env.runs.schema import load_scenario, validate_scenario

SCENARIOS = sorted(Path(__file__).resolve().parents[2].joinpath("scenarios").glob("*.toml"))


def test_shipped_scenarios_are_valid() -> None:
    names = {p.stem for p in SCENARIOS}
    assert {"quickstart", "refine_or_act", "refine_matrix", "refine_bargain", "beliefs_scale", "beliefs_bias",
            "beliefs_private"} <= names
    envs = set()
    for path in SCENARIOS:
        scenario = load_scenario(path)
        envs.add(scenario.env.id)
        assert tomllib.loads(toml_io.dumps(scenario.to_dict())) == scenario.to_dict()
    assert envs == {"refine_or_act", "refine_matrix_v0", "refine_bargain_v0"}


def test_resolved_scenario_is_frozen() -> None:
    scenario = validate_scenario(tiny())
    with pytest.raises(Exception):
        scenario.seeds = [1]  # type: ignore[misc]
    assert scenario.training.total_timesteps == 20_000 and scenario.agent("ppo").total_timesteps == 512


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["agents"][2].update(learning_rate=-0.1), "agents[2].learning_rate: must be > 0"),
    (lambda d: d["agents"][2].update(learning_rat=0.1), "agents[2].learning_rat: unknown key"),
    (lambda d: d["agents"][0].update(kind="oracle"), "agents[0].kind: must be one of 'analytic', 'baseline'"),
    (lambda d: d["agents"][1].update(policy="bayes_myopic"), "agents[1].policy: must be one of 'never_refine'"),
    (lambda d: d["env"].update(id="chess"), "env.id: must be one of 'refine_or_act'"),
    (lambda d: d["env"]["config"].update(budget=-1), "env.config.budget: must be an integer >= 0, got -1"),
    (lambda d: d["env"]["config"].update(colour=1), "env.config.colour: unknown configuration field"),
    (lambda d: d.update(seeds=[1, 1]), "seeds: must be distinct seeds"),
    (lambda d: d.update(seeds=[-1]), "seeds[0]: must be >= 0, got -1"),
    (lambda d: d["evaluation"].update(reference="ppo"), "evaluation.reference: must name an analytic agent"),
    (lambda d: d["evaluation"].update(episodes=0), "evaluation.episodes: must be >= 1, got 0"),
    (lambda d: d["agents"][2].update(mode="shared"), "agents[2].mode: must be 'single' for env.id"),
    (lambda d: d["agents"][2].update(exploring_starts=0.5), "agents[2].exploring_starts: only refine_bargain_v0"),
    (lambda d: d["agents"][2].update(exploring_starts=2), "agents[2].exploring_starts: must be <= 1"),
    (lambda d: d["evaluation"].update(nash_conv_episodes=-3), "evaluation.nash_conv_episodes: must be >= 0"),
    (lambda d: d["agents"].append(dict(d["agents"][0])), "agents: names must be distinct"),
    (lambda d: d["agents"][2].update(hyperparams={"n_epoch": 3}), "agents[2].hyperparams.n_epoch: not a settable"),
    (lambda d: d["agents"][2].update(total_timesteps=1.5), "agents[2].total_timesteps: must be an integer"),
    (lambda d: d.update(sweep={"parameters": {"env.config.cost": [0.1, -1.0]}}), "sweep cell (env.config.cost = -1.0)"),
    (lambda d: d.update(sweep={"parameters": {"agents.sac.gamma": [0.9]}}), "'agents.sac' names no agent"),
    (lambda d: d["agents"][0].update(polcy=d["agents"][0].pop("policy")),
     "bad.toml: agents[0].polcy: unknown key (value 'bayes_myopic'); allowed keys here: name, kind, policy, "
     "options; agents[0].policy: is required: one of 'bayes_myopic', 'bayes_optimal'"),
    (lambda d: d["agents"][0].update(options={"model": {"sigma_own": -1.0}}),
     "agents[0].options.model.sigma_own: must be a finite number"),
    (lambda d: d["env"].update(id="refine_bargain_v0", config={"horzon": 3}),
     "env.config.horzon: unknown configuration field"),
])
def test_error_names_field_value_and_allowed(tmp_path: Path, mutate: Any, expected: str) -> None:
    data = tiny()
    mutate(data)
    code, out, err = run_cli(["validate", str(write(tmp_path / "bad.toml", data))])
    assert code == 2 and out == ""
    assert expected in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_validate_ok_and_syntax_errors(tmp_path: Path) -> None:
    code, out, _ = run_cli(["validate", str(SCENARIOS[0])])
    assert code == 0 and "valid scenario" in out
    (tmp_path / "broken.toml").write_text("name = [1, \n")
    for path in (tmp_path / "broken.toml", tmp_path / "missing.toml", tmp_path):
        code, _, err = run_cli(["validate", str(path)])
        assert code == 2 and err.startswith("vvl: error: ") and err.count("\n") == 1


def test_sweep_grid_expands_in_order() -> None:
    scenario = validate_scenario(tiny(learner=False, sweep={"parameters": {"env.config.cost": [0.0, 0.2],
                                                                           "evaluation.episodes": [5, 7]},
                                                            "seeds": [3, 4]}))
    cells = expand(scenario)
    assert [c.id for c in cells][:3] == ["c000-s3", "c000-s4", "c001-s3"] and len(cells) == 8
    assert cells[-1].scenario.env.config["cost"] == 0.2 and cells[-1].scenario.evaluation.episodes == 7
    assert cells[-1].scenario.seeds == [4]


def test_sweep_sets_one_field_inside_a_pair_of_priors() -> None:
    """A dotted path with a list index sweeps player_0's believed sigma_own as a number (model.md §4)."""
    prior = {"sigma_own": 1.0, "sigma_other": 1.0}
    data = {"name": "b", "env": {"id": "refine_matrix_v0", "config": {"budget": [1, 0], "beliefs": [prior, prior]}},
            "agents": [{"name": "bayes", "kind": "analytic", "policy": "bayes_myopic", "options": {"n": 50}}],
            "sweep": {"parameters": {"env.config.beliefs.0.sigma_own": [0.0, 0.5]}}}
    cells = expand(validate_scenario(data))
    assert [c.params["env.config.beliefs.0.sigma_own"] for c in cells] == [0.0, 0.5]
    assert [c.scenario.env.config["beliefs"] for c in cells] == [[dict(prior, sigma_own=0.0), prior],
                                                                 [dict(prior, sigma_own=0.5), prior]]
    data["sweep"]["parameters"] = {"env.config.beliefs.2.sigma_own": [0.0]}
    with pytest.raises(ValueError, match=r"'env.config.beliefs.2' names no item of a list of 2"):
        validate_scenario(data)
    data["sweep"]["parameters"] = {"env.config.beliefs.0.sigma_own": [-1.0]}
    with pytest.raises(ValueError, match=r"sweep cell .*env.config.beliefs\[0\].sigma_own: must be a finite"):
        validate_scenario(data)


# --- hypothesis: 1,000 malformed scenarios ------------------------------------------------------------------------
TABLES = [(), ("env",), ("env", "config"), ("agents", 0), ("agents", 2), ("training",), ("evaluation",),
          ("report",), ("agents", 2, "hyperparams")]
WRONG = {str: st.integers(-5, 5), int: st.text("abc", min_size=1, max_size=3), float: st.sampled_from(["x", "1.0"]),
         bool: st.integers(2, 5), list: st.sampled_from(["[]", "list"]), dict: st.integers(-3, 3)}
OUT_OF_RANGE = [(("training", "total_timesteps"), [0, -5]), (("training", "n_envs"), [0, 1000]),
                (("evaluation", "episodes"), [0, -1]), (("agents", 2, "learning_rate"), [0.0, -0.1, 2.0]),
                (("agents", 2, "gamma"), [0.0, 1.5]), (("env", "config", "cost"), [-0.1, -3]),
                (("env", "config", "budget"), [-1]), (("seeds",), [[-1], [0, 0], []]),
                (("agents", 2, "n_envs"), [0, 257]), (("agents", 2, "ent_coef"), [-1.0])]
REQUIRED = [("env",), ("agents",), ("env", "id"), ("agents", 0, "name"), ("agents", 1, "kind"),
            ("agents", 0, "policy")]


def _node(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _leaves(v, path + (k,))] + ([path] if path else [])
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return [p for i, v in enumerate(data) for p in _leaves(v, path + (i,))]
    return [path]


BASE = tiny()
BASE["agents"][2]["hyperparams"] = {"n_epochs": 2}
BASE["report"] = {"metrics": ["eval/welfare"]}
LEAVES = [p for p in _leaves(BASE) if p[-1] not in ("description", "title")]


@st.composite
def malformed(draw: st.DrawFn) -> str:
    data = copy.deepcopy(BASE)
    kind = draw(st.sampled_from(["unknown", "type", "range", "missing", "inconsistent", "syntax"]))
    if kind == "unknown":
        table = draw(st.sampled_from(TABLES))
        _node(data, table)[draw(st.sampled_from(["colour", "learnin_rate", "seed", "x-y", "Agents"]))] = 1
    elif kind == "type":
        path = draw(st.sampled_from(LEAVES))
        value = _node(data, path)
        parent, key = _node(data, path[:-1]), path[-1]
        parent[key] = draw(WRONG[type(value)])
    elif kind == "range":
        path, values = draw(st.sampled_from(OUT_OF_RANGE))
        _node(data, path[:-1])[path[-1]] = draw(st.sampled_from(values))
    elif kind == "missing":
        path = draw(st.sampled_from(REQUIRED))
        del _node(data, path[:-1])[path[-1]]
    elif kind == "inconsistent":
        choice = draw(st.integers(0, 3))
        if choice == 0:
            data["agents"][1]["name"] = "bayes"
        elif choice == 1:
            data["evaluation"]["reference"] = draw(st.sampled_from(["ppo", "never", "nobody"]))
        elif choice == 2:
            data["agents"][2]["mode"] = draw(st.sampled_from(["shared", "self_play", "independent"]))
        else:
            data["sweep"] = {"parameters": {draw(st.sampled_from(["env.config.budget", "agents.ppo.gamma"])):
                                            [1, draw(st.sampled_from([-1, "x"]))]}}
    else:
        text = toml_io.dumps(data)
        cut = draw(st.integers(1, len(text) - 1))
        return text[:cut] + draw(st.sampled_from(["= =", "[[", "\"", "}", "=\n", "[a]\n[a]\n"])) + text[cut:]
    return toml_io.dumps(data)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(malformed())
def test_thousand_malformed_scenarios_get_clean_errors(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bad.toml"
        path.write_text(text, encoding="utf-8")
        code, out, err = run_cli(["validate", str(path)])
    assert code == 2, (text, out, err)
    assert err.startswith("vvl: error: ") and err.count("\n") == 1 and "Traceback" not in err, err


def test_bargaining_learner_settings_reach_the_train_config() -> None:
    """``exploring_starts`` of a learner and ``[evaluation].nash_conv_episodes`` end up in its TrainConfig."""
    from vvl_env.runs.execute import train_config

    path = Path(__file__).resolve().parents[2] / "scenarios" / "refine_bargain.toml"
    scenario = load_scenario(path, ["agents.ppo.exploring_starts=0.25"])
    config = train_config(scenario, scenario.agent("ppo"), seed=0)
    assert config.exploring_starts == 0.25 and config.nash_conv_episodes == scenario.evaluation.nash_conv_episodes == 50
