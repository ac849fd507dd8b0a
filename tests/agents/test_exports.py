"""The agents package exports: ``agents.evaluate`` is the evaluation module, not its function."""

from __future__ import annotations

import importlib
import types


def test_agents_evaluate_is_the_module() -> None:
    import agents
    import agents.evaluate

    module = importlib.import_module("agents.evaluate")
    assert isinstance(agents.evaluate, types.ModuleType) and agents.evaluate is module
    assert callable(module.evaluate) and agents.EvalReport is module.EvalReport
