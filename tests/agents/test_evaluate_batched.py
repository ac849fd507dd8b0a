"""The batched evaluator reproduces the sequential one: per-episode records recorded with the sequential code."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from agents.evaluate import evaluate
from tests.agents.eval_cases import cases

RECORDED = json.loads((Path(__file__).parent / "data" / "evaluate_records.json").read_text())
RENAMED = {"regret/": "shortfall/"}  # the sequential code's "regret" is the payoff shortfall against the reference


def _renamed(key: str) -> str:
    for old, new in RENAMED.items():
        if key.startswith(old):
            return new + key[len(old):]
    return key


@pytest.mark.parametrize("name", sorted(cases()))
def test_batched_records_equal_sequential(name):
    report = evaluate(**cases()[name])
    old = RECORDED[name]
    assert len(report.records) == len(old)
    for new, rec in zip(report.records, old):
        for key, value in rec.items():
            got = new[_renamed(key)]
            if value is None:
                assert math.isnan(got), (name, rec["episode"], key)
            else:
                assert got == pytest.approx(value, rel=1e-12, abs=1e-12), (name, rec["episode"], key)
