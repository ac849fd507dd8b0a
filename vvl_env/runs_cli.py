"""``vvl validate | run | report | compare | sweep``: parse, load, call one library function, print where the
results are. Errors in scenarios are ``ValueError`` (``ScenarioError``), which ``vvl``'s ``main`` turns into one
line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any


def cmd_validate(args: argparse.Namespace) -> int:
    from vvl_env.paper.specs import is_study_path, load_specs
    from vvl_env.runs.grid import expand
    from vvl_env.runs.schema import load_scenario

    if is_study_path(args.scenario):
        specs = load_specs([args.scenario])
        print(f"{args.scenario}: valid study files: {', '.join(f'{s.study} ({s.size}, seed {s.seed})' for s in specs)}")
        return 0
    scenario = load_scenario(args.scenario)
    learners = len(scenario.learners)
    cells = len(expand(scenario)) if scenario.sweep.parameters else 0
    print(f"{args.scenario}: valid scenario {scenario.name!r} ({scenario.env.id}; {len(scenario.agents)} agents, "
          f"{learners} learning; seeds {scenario.seeds}" + (f"; sweep of {cells} cells" if cells else "") + ")")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from vvl_env.runs.run import execute, resume_run, start_run
    from vvl_env.paper.specs import is_study_path
    from vvl_env.runs.schema import load_scenario

    start = time.perf_counter()
    if args.resume:
        run_dir = Path(args.scenario)
        if not run_dir.is_dir():
            raise ValueError(f"RUN_DIR: {run_dir} is not a run folder")
        if not args.quiet:
            print(f"vvl run: resuming {run_dir}", file=sys.stderr)
        try:
            resume_run(run_dir, quiet=args.quiet)
        except KeyboardInterrupt:
            print(f"\nvvl run: interrupted again; continue with: vvl run --resume {run_dir}", file=sys.stderr)
            return 130
    elif is_study_path(args.scenario):  # scenarios/paper/: the reproduction suite's study files
        from vvl_env.cli import cmd_reproduce

        return cmd_reproduce(argparse.Namespace(paths=[args.scenario], size=None, out=None, docs=None,
                                                quiet=args.quiet))
    else:
        scenario = load_scenario(args.scenario)
        run_dir = start_run(scenario, args.out)
        if not args.quiet:
            print(f"vvl run: {scenario.name} -> {run_dir} (resume after an interruption: vvl run --resume "
                  f"{run_dir})", file=sys.stderr)
        try:
            execute(run_dir, quiet=args.quiet)
        except KeyboardInterrupt:
            print(f"\nvvl run: interrupted; finished units are kept. Continue with: vvl run --resume {run_dir}",
                  file=sys.stderr)
            return 130
    print(f"report: {run_dir / 'report.html'} (and report.md; summary.json; {time.perf_counter() - start:.1f} s)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from vvl_env.runs.report import build_report

    print(f"report: {build_report(args.run_dir)}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from vvl_env.runs.compare import compare

    doc = compare(args.run_dirs, out=args.out)
    print(doc.markdown(Path(args.out) if args.out else Path.cwd()))
    if args.out:
        print(f"comparison: {Path(args.out) / 'compare.html'}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from vvl_env.runs.sweep import failed_cells, run_sweep

    start = time.perf_counter()
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers: must be an integer >= 1, got {args.workers}")
    if args.resume:
        folder = run_sweep(None, backend=args.backend, workers=args.workers, address=args.address,
                           quiet=args.quiet, sweep_dir=args.scenario)
    else:
        folder = run_sweep(args.scenario, args.out, backend=args.backend, workers=args.workers,
                           address=args.address, quiet=args.quiet)
    print(f"sweep: {folder / 'report.html'} (table.csv, table_mean.csv, sweep.json; "
          f"{time.perf_counter() - start:.1f} s)")
    failed = failed_cells(folder)
    if failed:
        print(f"vvl sweep: {len(failed)} cell(s) failed: {', '.join(failed)} (errors in sweep.json; rerun them with "
              f"vvl sweep --resume {folder})", file=sys.stderr)
    return 1 if failed else 0


def add_subcommands(subparsers: Any) -> None:
    """Add ``validate``, ``run``, ``report``, ``compare`` and ``sweep`` to ``vvl``'s sub-command parsers."""
    p = subparsers.add_parser("validate", help="check a scenario file (nothing runs); exit status 2 if invalid")
    p.add_argument("scenario", metavar="FILE", help="a scenario file, e.g. scenarios/quickstart.toml")
    p.set_defaults(func=cmd_validate)

    p = subparsers.add_parser("run", help="run a scenario into a new folder runs/<scenario>/<run-id>/")
    p.add_argument("scenario", metavar="FILE", help="a scenario file (with --resume: a run folder)")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in the folder FILE")
    p.add_argument("--out", default="runs", help="root folder of runs (default: runs)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or messages")
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser("report", help="rebuild the figures and report of a run folder")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser("compare", help="put runs side by side (a Markdown table)")
    p.add_argument("run_dirs", metavar="RUN_DIR", nargs="+")
    p.add_argument("--out", default=None, help="also write compare.md, compare.html and a figure here")
    p.set_defaults(func=cmd_compare)

    p = subparsers.add_parser("sweep", help="run a scenario's grid of parameters x seeds in parallel")
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
    p.set_defaults(func=cmd_sweep)
