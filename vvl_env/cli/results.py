"""``vvl report`` and ``vvl compare``: rebuild a run's or a sweep's report; put runs (or a sweep's cells) side by
side."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def cmd_report(args: argparse.Namespace) -> int:
    from vvl_env.runs.folders import folder_kind
    from vvl_env.runs.report import build_report
    from vvl_env.runs.sweep_report import build_sweep_report

    folder = Path(args.run_dir)
    page = build_sweep_report(folder) if folder_kind(folder) == "sweep" else build_report(folder)
    print(f"report: {page}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from vvl_env.runs.compare import compare

    doc = compare(args.run_dirs, out=args.out)
    print(doc.markdown(Path(args.out) if args.out else Path.cwd()))
    if args.out:
        print(f"comparison: {Path(args.out) / 'compare.html'}")
    return 0


def add_parsers(sub: Any) -> None:
    """Add ``report`` and ``compare`` to ``vvl``'s sub-command parsers."""
    p = sub.add_parser("report", help="rebuild the figures and report of a run folder or a sweep folder")
    p.add_argument("run_dir", metavar="FOLDER", help="a run folder (vvl run) or a sweep folder (vvl sweep)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("compare", help="put runs side by side (a Markdown table; a sweep folder adds its cells)")
    p.add_argument("run_dirs", metavar="FOLDER", nargs="+", help="run folders and/or sweep folders")
    p.add_argument("--out", default=None, help="also write compare.md, compare.html and a figure here")
    p.set_defaults(func=cmd_compare)
