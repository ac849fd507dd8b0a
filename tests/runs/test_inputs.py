"""Hostile input (issue 14 §1-3): unreadable files, malformed structures, bad numbers, values that must survive the
resolved scenario.toml, work and memory beyond the limits, game files. Every refusal is one clean paragraph naming
the file or the field; nothing that validate accepts is changed on its way to the run."""

from __future__ import annotations

import math
import os
import re
import tomllib
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.runs.conftest import run_cli, tiny, write
from tests.runs.generators import (TOML_VALUES, bad_number_scenarios, env_scenarios, game_texts, malformed_scenarios,
                                  put, special_files)
from vvl_env.model.game_file import check_solvable, load_game_file
from vvl_env.runs import toml_io
from vvl_env.runs.errors import LargeScenarioWarning, ScenarioError
from vvl_env.runs.grid import count_settings, expand
from vvl_env.runs.schema import Scenario, load_scenario, validate_scenario

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_clean_line(code: int, err: str) -> bool:
    return code == 2 and err.startswith("vvl: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_unreadable_scenario_files_are_refused_naming_the_file(tmp_path: Path) -> None:
    for path in special_files(tmp_path):
        if path.suffix == ".json":
            continue
        code, out, err = run_cli(["validate", str(path)])
        assert one_clean_line(code, err), (path, err)
        assert str(path)[:40] in err, err
    code, _, err = run_cli(["validate", str(tmp_path / "latin1.toml")])
    assert "not UTF-8 text (byte 0xe9 on line 1)" in err
    assert "nested" in run_cli(["validate", str(tmp_path / "deep.toml")])[2]
    assert "at most 1048576 bytes" in run_cli(["validate", str(tmp_path / "big.toml")])[2]
    assert "not a regular file" in run_cli(["validate", str(tmp_path / "fifo.toml")])[2]


@FAST
@given(malformed_scenarios())
def test_malformed_structures_give_a_scenario_error_or_a_valid_scenario(data: dict[str, Any]) -> None:
    try:
        scenario = validate_scenario(data, deep=False)
    except ScenarioError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 2000
        return
    assert Scenario.from_data(tomllib.loads(toml_io.dumps(scenario.to_dict()))) == scenario


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(env_scenarios())
def test_random_environment_configurations_are_refused_cleanly_or_run(data: dict[str, Any]) -> None:
    """Deep validation builds the environment and the agent: only a ScenarioError may come out, never a traceback
    from inside numpy, and never a long wait (the work limits hold before anything is built)."""
    try:
        scenario = validate_scenario(data)
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc).split(":")[0].startswith(("env.config", "agents", "evaluation"))
        return
    assert Scenario.from_data(tomllib.loads(toml_io.dumps(scenario.to_dict()))) == scenario


@FAST
@given(bad_number_scenarios())
def test_bad_numbers_are_refused_or_reach_the_run_unchanged(case: tuple[dict[str, Any], str, Any]) -> None:
    data, path, value = case
    try:
        scenario = validate_scenario(data, deep=not path.startswith(("agents", "training")))
    except ScenarioError as exc:
        assert "\n" not in str(exc)
        if isinstance(value, float) and not math.isfinite(value):
            assert "finite" in str(exc) and (path.split(".")[-1] in str(exc) or "seeds" in str(exc)), str(exc)
        return
    assert not (isinstance(value, float) and not math.isfinite(value)) and value is not None
    resolved = tomllib.loads(toml_io.dumps(scenario.to_dict()))
    assert Scenario.from_data(resolved).to_dict() == scenario.to_dict()


@settings(max_examples=80, deadline=None)
@given(TOML_VALUES, st.sampled_from(["hyperparams", "options"]))
def test_free_form_values_round_trip_exactly_through_the_resolved_file(value: Any, table: str) -> None:
    data = tiny()
    put(data, f"agents.{2 if table == 'hyperparams' else 0}.{table}.x", value)
    scenario = validate_scenario(data, deep=False)
    again = tomllib.loads(toml_io.dumps(scenario.to_dict()))
    got = again["agents"][2 if table == "hyperparams" else 0][table]["x"]
    assert typed(got) == typed(value)  # equal, and of the same types (1 vs 1.0 vs True, -0.0 vs 0.0)


def typed(value: Any) -> Any:
    """``value`` with every scalar tagged by its type (and floats by their repr), tables with sorted keys."""
    if isinstance(value, dict):
        return sorted((k, typed(v)) for k, v in value.items())
    if isinstance(value, list):
        return [typed(v) for v in value]
    return type(value).__name__, repr(value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, None])
def test_non_finite_and_null_values_in_free_form_tables_are_refused(bad: Any) -> None:
    data = put(tiny(), "agents.2.hyperparams.policy_kwargs", {"net_arch": [64], "x": [1, {"y": bad}]})
    with pytest.raises(ScenarioError, match=r"agents\[2\]\.hyperparams\.policy_kwargs\.x\[1\]\.y: "):
        validate_scenario(data, deep=False)


def test_overrides_are_applied_before_validation_and_recorded(tmp_path: Path) -> None:
    from vvl_env.runs.run import start_run

    path = write(tmp_path / "t.toml", tiny(learner=False))
    scenario = load_scenario(path, ["env.config.cost=0.3", "evaluation.selection=max_welfare",
                                    'env.config.perturbation={ sigma_own = 2.0, rho = 0.5 }', "seeds=[4, 5]",
                                    "agents.never.policy='always_refine'"])
    resolved = tomllib.loads((start_run(scenario, tmp_path / "runs") / "scenario.toml").read_text())
    assert resolved["env"]["config"]["cost"] == 0.3 and resolved["evaluation"]["selection"] == "max_welfare"
    assert resolved["env"]["config"]["perturbation"] == {"sigma_own": 2.0, "rho": 0.5}
    assert resolved["seeds"] == [4, 5] and resolved["agents"][1]["policy"] == "always_refine"
    for bad, expected in [("env.config.cost", "must be PATH=VALUE"), ("a..b=1", "dotted path"),
                          ("env.config.cost=[1,", "not a TOML value"), ("env.config.cost=-1", "env.config.cost"),
                          ("agents.sac.gamma=0.9", "names no agent"), ("evalution.episodes=3", "evalution")]:
        with pytest.raises(ScenarioError, match=expected):
            load_scenario(path, [bad])


def test_linked_axes_move_together_next_to_the_grid() -> None:
    data = tiny(learner=False, sweep={"parameters": {"evaluation.episodes": [5, 7]},
                                      "linked": [{"env.config.cost": [0.0, 0.1, 0.2],
                                                  "env.config.perturbation.sigma_own": [1.0, 2.0, 3.0]}],
                                      "seeds": [0]})
    cells = expand(validate_scenario(data, deep=False))
    got = [(c.scenario.evaluation.episodes, c.scenario.env.config["cost"],
            c.scenario.env.config["perturbation"]["sigma_own"]) for c in cells]
    assert got == [(e, c, s) for e in (5, 7) for c, s in [(0.0, 1.0), (0.1, 2.0), (0.2, 3.0)]]
    data["sweep"]["linked"][0]["env.config.cost"] = [0.0]
    with pytest.raises(ScenarioError, match=r"sweep.linked\[0\]: .*equal lengths"):
        validate_scenario(data, deep=False)


def test_a_huge_grid_is_counted_not_built() -> None:
    parameters = {f"env.config.values.{i}": [0.0, 1.0] for i in range(40)}
    assert count_settings(parameters) == 2**40
    tracemalloc.start()
    with pytest.raises(ScenarioError, match=r"at most 10000 cells, got 1099511627776"):
        validate_scenario(tiny(learner=False, sweep={"parameters": parameters}), deep=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50 * 2**20


@pytest.mark.parametrize("path, value, field", [
    ("env.config.perturbation.sigma_own", 1e308, "env.config.perturbation.sigma_own"),
    ("agents.2.hyperparams.learning_rate", 1e308, "agents[2].hyperparams.learning_rate"),
    ("agents.2.hyperparams.batch_size", 1, "agents[2].hyperparams.batch_size"),
    ("agents.2.hyperparams.policy_kwargs", {"net_arch": [-5]}, "net_arch[0]"),
    ("agents.2.hyperparams.n_epochs", 1e30, "agents[2].hyperparams.n_epochs"),
    ("agents.2.hyperparams.n_epochs", 10**12, "agents[2].hyperparams.n_epochs"),
    ("env.config.budget", 10**9, "env.config.budget"),
    ("env.config.budget", 10**7, "env.config.budget"),
])
def test_what_would_fail_at_run_time_is_refused_at_validate(path: str, value: Any, field: str) -> None:
    data = put(tiny(), path, value)
    for named in ("learning_rate", "batch_size", "n_steps"):
        data["agents"][2].pop(named, None)
    data["agents"][0]["policy"] = "bayes_optimal"
    tracemalloc.start()
    with pytest.raises(ScenarioError, match=re.escape(field)):
        validate_scenario(data)
    assert tracemalloc.get_traced_memory()[1] < 200 * 2**20  # budget = 1e9 must not allocate in validate
    tracemalloc.stop()


@pytest.mark.parametrize("field", ["pool_size", "snapshot_every"])
def test_a_snapshot_pool_is_for_self_play_only(field: str) -> None:
    """pool_size / snapshot_every do nothing outside self-play: refused there rather than silently ignored."""
    with pytest.raises(ScenarioError, match=f"{field}: only a self-play learner"):
        validate_scenario(put(tiny(), f"agents.2.{field}", 3))


def test_dqn_buffer_and_selection_label_and_large_work() -> None:
    data = put(tiny(), "agents.2.algo", "dqn")
    data["agents"][2] = {k: v for k, v in data["agents"][2].items() if k not in ("n_steps", "batch_size")}
    data["agents"][2]["hyperparams"] = {"buffer_size": 10**12}
    with pytest.raises(ScenarioError, match=r"agents\[2\].hyperparams.buffer_size"):
        validate_scenario(data)
    matrix = {"name": "m", "env": {"id": "refine_matrix_v0", "config": {"budget": [1, 1]}},
              "agents": [{"name": "b", "kind": "analytic", "policy": "bayes_optimal"}]}
    with pytest.raises(ScenarioError, match=r"evaluation.selection: label 99999 does not exist in the 2x2"):
        validate_scenario({**matrix, "evaluation": {"selection": "lemke_howson:99999"}})
    with pytest.raises(ScenarioError, match=r"env.config.budget \(with analytic agents.*--allow-large"):
        validate_scenario(put(matrix, "env.config.budget", [20, 20]))
    # a learner alone: its learning curve plays the analytic agents as its reference (rock-paper-scissors with
    # budgets (4, 4) ran for hours in that reference before this counted it)
    learner = {"name": "m", "env": {"id": "refine_matrix_v0",
                                    "config": {"game": "rock_paper_scissors", "budget": [4, 4]}},
               "agents": [{"name": "l", "kind": "learner", "algo": "maskable_ppo"}],
               "training": {"total_timesteps": 2000, "eval_episodes": 20}}
    with pytest.raises(ScenarioError, match=r"env.config.budget \(with analytic agents, or learners"):
        validate_scenario(learner)
    validate_scenario(put(learner, "env.config.budget", [1, 1]))
    rounds = put(dict(matrix, agents=[{"name": "n", "kind": "baseline", "policy": "never_refine"}]),
                 "env.config", {"budget": [0, 0], "rounds": 10**8})
    with pytest.raises(ScenarioError, match=r"env.config.rounds.*environment steps"):
        validate_scenario(rounds)
    with pytest.warns(LargeScenarioWarning, match="environment steps"):
        validate_scenario(rounds, allow_large=True)


def analytic_case(config: dict[str, Any], episodes: int = 150) -> dict[str, Any]:
    """The audit's refine_matrix_v0 scenarios: bayes_myopic and bayes_optimal, the latter the reference (a field
    given as None is left out)."""
    base = {"game": "matching_pennies", "budget": [1, 1], "cost": 0.05,
            "perturbation": {"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.0}}
    merged = {k: v for k, v in {**base, **config}.items() if v is not None}
    return {"name": "a", "env": {"id": "refine_matrix_v0", "config": merged},
            "agents": [{"name": "myopic", "kind": "analytic", "policy": "bayes_myopic"},
                       {"name": "optimal", "kind": "analytic", "policy": "bayes_optimal"}],
            "evaluation": {"episodes": episodes, "reference": "optimal"}}


def analytic_estimate(data: dict[str, Any]) -> tuple[str, float]:
    """The analytic-seconds estimate of a scenario and the field it names."""
    from vvl_env.runs.limits import estimates

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LargeScenarioWarning)
        scenario = validate_scenario(data, deep=False, allow_large=True)
    return next((field, value) for field, value, _, what in estimates(scenario) if what.startswith("seconds"))


# measured on 2 cores (seconds for 150 episodes of both agents; ">": a lower bound, the run was stopped there)
SLOW_CASES = [
    ({"beliefs": [{"sigma_own": 0.0, "sigma_other": 0.0}, "truth"]}, 64.7, "env.config.beliefs"),
    ({"game": "rock_paper_scissors", "cost": 0.01, "perturbation": {"sigma_own": 0.0, "sigma_other": 1.0}},
     700.0, "env.config.perturbation"),         # the refine stage alone: 44 s at 50 of its 800 outer draws
    ({"game": None, "R1": [[3.0, 0.0, 1.0], [1.0, 2.0, 0.0], [0.0, 1.0, 3.0]],
      "R2": [[1.0, 2.0, 0.0], [0.0, 3.0, 1.0], [2.0, 0.0, 2.0]]}, 160.0, "env.config.R1"),   # refine stage alone
    ({"visibility": "own", "budget": [2, 1]}, 150 * 200.0, "evaluation.nash_conv_episodes"),  # > 200 s an episode
    ({"visibility": "own", "budget": [2, 2]}, 150 * 200.0, "evaluation.nash_conv_episodes"),
    ({"visibility": "own", "budget": [2, 1], "game": "rock_paper_scissors"}, 150 * 200.0,
     "evaluation.nash_conv_episodes"),
    ({"visibility": "own", "budget": [1, 1]}, 56.8, 'env.config.visibility ("own")'),
    ({"visibility": "own", "budget": [1, 0]}, 18.8, 'env.config.visibility ("own")'),
]


@pytest.mark.parametrize(("config", "measured", "field"), SLOW_CASES)
def test_analytic_estimates_are_at_most_3x_optimistic_and_name_the_cause(config: dict[str, Any], measured: float,
                                                                         field: str) -> None:
    """Degenerate refined games (zero own sigma, tied base payoffs) and the interim NashConv under visibility "own"
    are in the model: the estimate is at least a third of the measured time, and names the field that drives it."""
    named, seconds = analytic_estimate(analytic_case(config))
    assert seconds >= measured / 3, (seconds, measured)
    assert named.startswith(field), named


def test_slow_analytic_scenarios_are_refused_naming_the_field_or_warn_with_allow_large() -> None:
    data = analytic_case({"visibility": "own", "budget": [2, 1]})
    with pytest.raises(ScenarioError, match=r"evaluation.nash_conv_episodes \(interim NashConv.*seconds of analytic"):
        validate_scenario(data)
    with pytest.warns(LargeScenarioWarning, match=r"evaluation.nash_conv_episodes"):
        validate_scenario(data, allow_large=True)
    validate_scenario(put(data, "evaluation.nash_conv_episodes", 0))    # the knob it names
    with pytest.raises(ScenarioError, match=r"env.config.perturbation \(sigma_own = 0"):
        validate_scenario(analytic_case({"game": "rock_paper_scissors",
                                         "perturbation": {"sigma_own": 0.0, "sigma_other": 1.0}}, 300))
    # the Lemke-Howson rule is no factor: its paths walk in lockstep (150 episodes 5.5 s, max_welfare 6.0 s)
    lh = put(analytic_case({}), "evaluation.selection", "lemke_howson:0")
    assert analytic_estimate(lh) == analytic_estimate(analytic_case({}))


@FAST
@given(game_texts())
def test_game_files_load_or_are_refused_cleanly(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("g") / "game.json"
    path.write_text(text)
    try:
        game = load_game_file(path)
    except ValueError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        return
    R = [game.R1, game.R2]
    assert all(abs(float(x)) <= 1e15 for M in R for x in M.ravel())
    check_solvable(game.shape)


def test_game_files_named_in_the_issue(tmp_path: Path) -> None:
    cases = {'{"R1": [[1' + "0" * 400 + ', 0], [0, 1]]}': "R1[0][0]: payoffs must be finite",
             '{"R1": [[1e308, -1e308], [-1e308, 1e308]]}': "rescale the game",
             '{"R1": [["1", 2], [3, 4]]}': 'R1[0][0]: must be a number, got "1"',
             '{"R1": [[true, 2], [3, 4]]}': "R1[0][0]: must be a number, got true",
             '{"R1": [[1, 2], [3, 4]], "row_labels": [1, {"x": 2}]}': "row_labels: must be an array of 2 strings",
             "[" * 100_000 + "]" * 100_000: "nested too deep"}
    for i, (text, expected) in enumerate(cases.items()):
        (tmp_path / f"{i}.json").write_text(text)
        code, _, err = run_cli(["solve", str(tmp_path / f"{i}.json")])
        assert one_clean_line(code, err) and expected in err, err
    (tmp_path / "wide.json").write_text('{"R1": [[' + ", ".join(["0"] * 1_000_000) + "]]}")
    code, _, err = run_cli(["solve", str(tmp_path / "wide.json")])
    assert one_clean_line(code, err) and "1 x 1000000 is too big to solve here" in err
    os.mkfifo(tmp_path / "fifo.json")
    for path in (tmp_path / "fifo.json", Path("/dev/zero"), tmp_path):
        code, _, err = run_cli(["solve", str(path)])
        assert one_clean_line(code, err) and str(path) in err
