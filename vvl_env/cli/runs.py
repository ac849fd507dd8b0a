"""``vvl validate | run | sweep``: load a scenario (with ``--set PATH=VALUE`` overrides), call one library function,
print where the results are. ``vvl run`` ends with the report's results table, then the report path."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any


def load(path: str, overrides: list[str] | None, allow_large: bool = False) -> Any:
    """The validated scenario of ``path`` with the ``--set`` overrides applied (``PATH=VALUE`` strings); with
    ``allow_large`` the work and memory limits warn instead of refusing."""
    import warnings

    from vvl_env.runs.errors import LargeScenarioWarning
    from vvl_env.runs.schema import load_scenario

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LargeScenarioWarning)
        scenario = load_scenario(path, overrides=list(overrides or ()), allow_large=allow_large)
    for w in caught:
        if issubclass(w.category, LargeScenarioWarning):
            print(f"vvl: warning: {w.message} (--allow-large)", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return scenario


def cmd_validate(args: argparse.Namespace) -> int:
    from vvl_env.paper.specs import is_study_path, load_specs
    from vvl_env.runs.grid import expand

    if is_study_path(args.scenario):
        if args.set:
            raise ValueError("--set: applies to scenario files, not to study files (scenarios/paper/)")
        specs = load_specs([args.scenario])
        print(f"{args.scenario}: valid study files: {', '.join(f'{s.study} ({s.size}, seed {s.seed})' for s in specs)}")
        return 0
    scenario = load(args.scenario, args.set, args.allow_large)
    cells = len(expand(scenario)) if scenario.sweep.paths else 0
    print(f"{args.scenario}: valid scenario {scenario.name!r} ({scenario.env.id}; {len(scenario.agents)} agents, "
          f"{len(scenario.learners)} learning; seeds {scenario.seeds}" + (f"; sweep of {cells} cells" if cells else "")
          + ")")
    return 0


def print_results(run_dir: Path) -> None:
    """The report's results table (agents x headline metrics) as plain text."""
    from vvl_env.runs.report import headline_table

    table = headline_table(run_dir)
    widths = [max(len(str(c)) for c in col) for col in zip(table.header, *table.rows)]
    for row in [table.header, ["-" * w for w in widths], *table.rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


def cmd_run(args: argparse.Namespace) -> int:
    from vvl_env.paper.specs import is_study_path
    from vvl_env.runs.run import execute, resume_run, start_run

    start = time.perf_counter()
    say = (lambda _msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    if args.resume:
        run_dir = Path(args.scenario)
        if not run_dir.is_dir():
            raise ValueError(f"RUN_DIR: {run_dir} is not a run folder")
        if args.set:
            raise ValueError("--set: a resumed run keeps its scenario.toml; start a new run to change values")
        say(f"vvl run: resuming {run_dir}")
        try:
            resume_run(run_dir, quiet=args.quiet)
        except KeyboardInterrupt:
            print(f"\nvvl run: interrupted again; continue with: vvl run --resume {run_dir}", file=sys.stderr)
            return 130
    elif is_study_path(args.scenario):  # scenarios/paper/: the reproduction suite's study files
        from vvl_env.cli.paper import reproduce_studies

        if args.set:
            raise ValueError("--set: applies to scenario files, not to study files (scenarios/paper/)")
        return reproduce_studies([args.scenario], quiet=args.quiet)
    else:
        scenario = load(args.scenario, args.set, args.allow_large)
        run_dir = start_run(scenario, args.out)
        say(f"vvl run: {scenario.name} -> {run_dir} (resume after an interruption: vvl run --resume {run_dir})")
        try:
            execute(run_dir, quiet=args.quiet)
        except KeyboardInterrupt:
            print(f"\nvvl run: interrupted; finished units are kept. Continue with: vvl run --resume {run_dir}",
                  file=sys.stderr)
            return 130
    print_results(run_dir)
    print(f"report: {run_dir / 'report.html'} (and report.md; summary.json; {time.perf_counter() - start:.1f} s)")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    import warnings

    from vvl_env.runs.errors import OversubscriptionWarning
    from vvl_env.runs.sweep import failed_cells, run_sweep

    start = time.perf_counter()
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers: must be an integer >= 1, got {args.workers}")
    with warnings.catch_warnings():   # restores showwarning: the sweep's own warnings print as one vvl line
        default_show = warnings.showwarning

        def show(message: Any, category: type[Warning], *rest: Any, **kw: Any) -> None:
            if issubclass(category, OversubscriptionWarning):
                print(f"vvl sweep: warning: {message}", file=sys.stderr)
            else:
                default_show(message, category, *rest, **kw)

        warnings.showwarning = show
        if args.resume:
            if args.set:
                raise ValueError("--set: a resumed sweep keeps its scenario.toml; start a new sweep to change values")
            folder = run_sweep(None, backend=args.backend, workers=args.workers, address=args.address,
                               quiet=args.quiet, sweep_dir=args.scenario, allow_large=args.allow_large)
        else:
            folder = run_sweep(load(args.scenario, args.set, args.allow_large), args.out, backend=args.backend,
                               workers=args.workers, address=args.address, quiet=args.quiet)
    print(f"sweep: {folder / 'report.html'} (table.csv, table_mean.csv, sweep.json; "
          f"{time.perf_counter() - start:.1f} s)")
    failed = failed_cells(folder)
    if failed:
        print(f"vvl sweep: {len(failed)} cell(s) failed: {', '.join(failed)} (errors in sweep.json; rerun them with "
              f"vvl sweep --resume {folder})", file=sys.stderr)
    return 1 if failed else 0


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override one scenario value (repeatable), e.g. --set env.config.cost=0.2; PATH as in "
                        "[sweep].parameters, VALUE in TOML (strings quoted); recorded in the resolved scenario.toml")
    p.add_argument("--allow-large", action="store_true",
                   help="warn instead of refusing a scenario beyond the work and memory limits (vvl_env.runs.limits)")


def add_parsers(sub: Any) -> None:
    """Add ``validate``, ``run`` and ``sweep`` to ``vvl``'s sub-command parsers."""
    p = sub.add_parser("validate", help="check a scenario file (nothing runs); exit status 2 if invalid")
    p.add_argument("scenario", metavar="FILE", help="a scenario file, e.g. scenarios/quickstart.toml")
    _add_set(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="run a scenario into a new folder runs/<scenario>/<run-id>/")
    p.add_argument("scenario", metavar="FILE", help="a scenario file (with --resume: a run folder)")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in the folder FILE")
    p.add_argument("--out", default="runs", help="root folder of runs (default: runs)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or messages")
    _add_set(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sweep", help="run a scenario's grid of parameters x seeds in parallel")
    p.add_argument("scenario", metavar="FILE", help="a scenario file with a [sweep] table (with --resume: a sweep "
                                                    "folder)")
    p.add_argument("--backend", choices=("local", "ray", "inline"), default="local",
                   help="local: a process pool (default); ray: Ray tasks (pip install 'vvl[ray]'); inline: "
                        "one cell at a time in this process (debugging)")
    p.add_argument("--address", default=None, help="Ray cluster address (default: start a local Ray)")
    p.add_argument("--workers", type=int, default=None, help="parallel cells (default: sweep.workers)")
    p.add_argument("--resume", action="store_true", help="continue the sweep in the folder FILE")
    p.add_argument("--out", default="runs", help="root folder (default: runs)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or messages")
    _add_set(p)
    p.set_defaults(func=cmd_sweep)
