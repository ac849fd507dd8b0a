"""The ``vvl`` command line: thin wrappers that parse, call one library function and print.

One module per command group, each with an ``add_parsers(subparsers)`` function: ``paper`` (demo, reproduce),
``solve`` (solve), ``runs`` (validate, run, sweep), ``results`` (report, compare). Errors of the user's input are
``ValueError`` (scenario errors included), which :func:`main` turns into one line on stderr and exit status 2.
Commands import the library inside their functions, so ``vvl --help`` and ``vvl validate`` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from vvl_env.cli import paper, results, runs, solve


def build_parser() -> argparse.ArgumentParser:
    """The ``vvl`` parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="vvl", description="Value refinement in games: models, solvers, runs.")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (paper, solve, runs, results):
        group.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vvl ARGV``; returns the exit status (2 for invalid input, with one line on stderr)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:                       # named by the sub-command's parser, with its usage line (not vvl's)
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"vvl: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
