"""A run's report: figures (PNG) and ``report.md`` + a self-contained ``report.html``, rebuilt from the run folder
alone (``vvl report RUN_DIR``)."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

from vvl_env.runs import figures, figures_learning
from vvl_env.runs.document import Code, Document, Figure, Heading, Para, Table, fmt
from vvl_env.runs.errors import ScenarioError
from vvl_env.runs.folders import folder_kind
from vvl_env.runs.store import METRICS_FILE, SCENARIO_FILE, SUMMARY_FILE, read_metrics
from vvl_env.runs.summary import INTERVAL_NOTE, unit_records


def load_summary(run_dir: str | Path) -> dict[str, Any]:
    """``summary.json`` of a finished run folder; a ScenarioError naming the command that makes or finishes one
    otherwise (a sweep folder: ``vvl report`` / ``vvl compare`` take it whole)."""
    if folder_kind(run_dir) == "sweep":
        raise ScenarioError(f"{run_dir} is a sweep folder, not a run folder: vvl report {run_dir} builds its report, "
                            f"vvl compare {run_dir} puts its cells side by side")
    return json.loads((Path(run_dir) / SUMMARY_FILE).read_text(encoding="utf-8"))


def selected_metrics(summary: dict[str, Any], prefixes: list[str], depth: int | None = 3) -> list[str]:
    """The summary's metric keys that start with one of ``prefixes``, in prefix order (at most ``depth`` path
    segments, e.g. ``eval/refine_rate/player_0`` but not its ``.../turn_0`` breakdown; ``None``: all)."""
    keys: list[str] = []
    for prefix in prefixes:
        for entry in summary["agents"].values():
            keys += [k for k in entry["metrics"] if k.startswith(prefix) and k not in keys
                     and (depth is None or k.count("/") < depth)]
    return keys


def results_table(summary: dict[str, Any], keys: list[str]) -> Table:
    """Agents x metrics, each cell ``mean [95% interval across seeds]``."""
    rows = [[name, e["kind"], str(len(e["seeds"]))] + [fmt(e["metrics"].get(k, {"mean": None})) for k in keys]
            for name, e in summary["agents"].items()]
    return Table(["agent", "kind", "seeds"] + keys, rows)


def headline_table(run_dir: str | Path) -> Table:
    """The report's results table of a finished run (agents x the scenario's ``[report].metrics``)."""
    import tomllib

    summary = load_summary(run_dir)
    scenario = tomllib.loads((Path(run_dir) / SCENARIO_FILE).read_text(encoding="utf-8"))
    return results_table(summary, selected_metrics(summary, scenario["report"]["metrics"]))


def _agents_table(scenario: dict[str, Any]) -> Table:
    rows = []
    for a in scenario["agents"]:
        if a["kind"] == "learner":
            t = scenario["training"]
            detail = (f"{a['algo']}, mode {a.get('mode', 'default')}, "
                      f"{a.get('total_timesteps', t['total_timesteps'])} timesteps, "
                      f"hyper-parameters {json.dumps({k: v for k, v in a.items() if k in ('learning_rate', 'gamma', 'n_steps', 'batch_size', 'ent_coef')} | a.get('hyperparams', {}))}")
        else:
            detail = f"policy {a['policy']}" + (f", options {json.dumps(a['options'])}" if a.get("options") else "")
        rows.append([a["name"], a["kind"], detail])
    return Table(["agent", "kind", "setting"], rows)


def _versions() -> str:
    import importlib.metadata as md

    names = ("vvl", "numpy", "torch", "stable-baselines3", "sb3-contrib", "gymnasium", "pettingzoo")
    found = []
    for n in names:
        try:
            found.append(f"{n} {md.version(n)}")
        except md.PackageNotFoundError:
            continue
    return f"Python {platform.python_version()}, " + ", ".join(found)


def make_figures(run_dir: Path, summary: dict[str, Any], scenario: dict[str, Any]) -> list[Figure]:
    """The figures the scenario asks for (those with data), written under ``run_dir/figures``."""
    out, wanted = run_dir / "figures", scenario["report"]["figures"]
    units = unit_records(read_metrics(run_dir / METRICS_FILE), summary["units"])
    note = (f"{scenario['name']}: {scenario['env']['id']}; seeds {summary['seeds']}, {summary['episodes']} "
            f"episodes each; equilibrium selection '{summary['selection']}'")
    made: list[Figure] = []
    ref = summary.get("reference", {})
    line = ref.get("welfare_net_of_costs") or ref.get("expected_return")
    ref_welfare = line.get("mean") if isinstance(line, dict) else None
    sel = f" Equilibrium selection '{summary['selection']}'."
    if "learning_curves" in wanted and (p := figures.learning_curves(summary, out / "learning_curves.png", note)):
        made.append(Figure(p, "Learning curves: evaluation during training, mean across seeds with each seed as a "
                              f"thin line (fewer than {figures.FEW_SEEDS} seeds) or a 95% Student-t band; horizontal lines: the final evaluation of each analytic agent and "
                              "baseline, one colour and line style each." + sel))
    if "refinement_rates" in wanted and (p := figures.metric_bars(
            summary, "eval/refine_rate", out / "refinement_rates.png", "Refinement rates per agent", note=note)):
        made.append(Figure(p, "Refinement rates per agent (95% hierarchical bootstrap intervals, within [0, 1])."
                           + sel))
    if "welfare" in wanted:
        samples: dict[str, list[float]] = {}
        for u in units:
            samples.setdefault(u["agent"], []).extend(u.get("welfare", []))
        label = "return" if scenario["env"]["id"] == "refine_or_act" else "welfare"
        if p := figures.welfare_distributions(samples, out / "welfare.png", label, note):
            made.append(Figure(p, f"Per-episode {label} of each agent (one panel each, shared axis), pooled over "
                                  "seeds." + sel))
    if "learned_vs_analytic" in wanted and (p := figures.metric_bars(
            summary, "eval/welfare", out / "learned_vs_analytic.png", "Mean welfare: learned and analytic agents",
            reference=ref_welfare, note=note)):
        made.append(Figure(p, "Mean welfare (the return, for one agent) of learned and analytic agents (95% "
                              "intervals); black dashed: the solvers' reference, net of expected costs, where there "
                              "is one. The welfare cost of miscalibrated beliefs is in the tables, not on this "
                              "axis." + sel))
    if p := figures_learning.nash_conv_curves(summary, scenario, out / "nash_conv.png"):
        made.append(Figure(p, figures_learning.CAPTION))
    return made


def build_report(run_dir: str | Path) -> Path:
    """(Re)build the figures and ``report.md`` / ``report.html`` of a run; returns the HTML path."""
    import tomllib

    run_dir = Path(run_dir)
    summary = load_summary(run_dir)
    scenario = tomllib.loads((run_dir / "scenario.toml").read_text(encoding="utf-8"))
    title = scenario["report"].get("title") or f"{scenario['name']}: {scenario['env']['id']}"
    doc = Document(title)
    if scenario.get("description"):
        doc.add(Para(scenario["description"]))
    doc.add(Para(f"Run folder {run_dir}. Seeds {summary['seeds']}; {summary['episodes']} evaluation episodes per "
                 f"agent and seed; equilibrium selection '{summary['selection']}' (evaluation.selection). Intervals: {INTERVAL_NOTE}." +
                 ("" if summary.get("complete") else " INCOMPLETE: some units have not run (vvl run --resume).")))
    doc.add(Heading("Results"), results_table(summary, selected_metrics(summary, scenario["report"]["metrics"])))
    ref = summary.get("reference") or {}
    if ref:
        rows = [[k, fmt(v) if not isinstance(v, dict) or "mean" in v else json.dumps(v)] for k, v in ref.items()]
        doc.add(Heading("Analytic reference (solvers, our model)"),
                Table(["quantity", "value"], [["equilibrium selection", summary["selection"]]] + rows))
    figs = make_figures(run_dir, summary, scenario)
    if figs:
        doc.add(Heading("Figures"), *figs)
    doc.add(Heading("Setup"), Para(f"Environment {scenario['env']['id']} with configuration:"),
            Code(json.dumps(scenario["env"].get("config", {}), indent=1)), _agents_table(scenario))
    all_keys = selected_metrics(summary, ["eval/", "train/"], depth=None)
    doc.add(Heading("All metrics"), results_table(summary, all_keys))
    doc.add(Heading("Provenance"), Para(_versions() + f". Resolved scenario: scenario.toml; every result as it "
                                                      f"came: {METRICS_FILE}."))
    return doc.write(run_dir)[1]
