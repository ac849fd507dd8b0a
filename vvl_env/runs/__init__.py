"""Scenarios, runs, reports and sweeps: from a scenario file to a report with figures.

``load_scenario(path)`` validates a ``scenarios/*.toml`` file into a frozen :class:`Scenario`; ``run_scenario``
executes it into a new run folder; ``resume_run`` continues an interrupted one; ``build_report`` rebuilds a report;
``compare`` puts runs side by side; ``run_sweep`` runs a grid of parameters x seeds on a process pool or Ray.
"""

from vvl_env.runs.errors import ScenarioError
from vvl_env.runs.schema import Scenario, load_scenario, validate_scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "validate_scenario"]
