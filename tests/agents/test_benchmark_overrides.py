"""benchmarks/agents.py --hyperparams: tuning runs merge settings into the learners' own, never into the table's file."""

from __future__ import annotations

import argparse
import sys

import pytest

from benchmarks import agents as bench


def test_json_object_accepts_objects_only():
    assert bench.json_object('{"ent_coef": 0.05, "n_steps": 4}') == {"ent_coef": 0.05, "n_steps": 4}
    for bad in ("[1]", "0.05", "{a: 1}", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            bench.json_object(bad)


def test_override_merges_into_each_pairs_settings_only(monkeypatch):
    monkeypatch.setattr(bench, "SETTINGS", {k: dict(v) for k, v in bench.SETTINGS.items()})
    before_ppo = bench.settings("matching_pennies", "ppo")
    bench.override(["matching_pennies"], ["mmd_ppo"], {"ent_coef": 0.005, "n_steps": 4})
    got = bench.settings("matching_pennies", "mmd_ppo")
    assert got["hyperparams"]["ent_coef"] == 0.005 and got["hyperparams"]["n_steps"] == 4
    assert got["hyperparams"]["policy_kwargs"] == bench.SETTINGS["default"]["hyperparams"]["policy_kwargs"]
    assert got["n_envs"] == bench.SETTINGS["default"]["n_envs"]
    assert bench.settings("matching_pennies", "ppo") == before_ppo          # other learners untouched
    assert bench.settings("rock_paper_scissors", "mmd_ppo") == bench.SETTINGS["default"]   # other cases too


@pytest.mark.parametrize("argv, message", [
    (["--hyperparams", '{"ent_coef": 0.05}'], "give --out a file of its own"),
    (["--hyperparams", "[1]", "--out", "x.json"], "must be a JSON object"),
])
def test_cli_refuses_bad_or_misdirected_overrides(monkeypatch, capsys, argv, message):
    monkeypatch.setattr(sys, "argv", ["agents.py", *argv])
    with pytest.raises(SystemExit) as exit_:
        bench.main()
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_qre_floor_rises_with_the_temperature_and_says_whether_it_converged(monkeypatch):
    # the fixed point itself is checked against the logit equations in tests/solve/test_dynamics.py
    monkeypatch.setattr(bench, "QRE_TEMPERATURES", (0.05, 0.2))
    out = bench.qre_floor("matching_pennies", episodes=20, iterations=4_000)
    assert out["games"] == 20 and out["temperatures"] == [0.05, 0.2]
    assert all(out["converged"]) and 0 < out["nash_conv"][0] < out["nash_conv"][1]
    short = bench.qre_floor("matching_pennies", episodes=20, iterations=4)
    assert not all(short["converged"])
