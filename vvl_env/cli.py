"""The ``vvl`` command line: thin wrappers that parse, call one library function and print."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def _print_table(rows: list) -> None:
    section = None
    width = max(len(r.quantity) for r in rows)
    for r in rows:
        if r.section != section:
            section = r.section
            print(f"\n{section}")
            print(f"  {'quantity'.ljust(width)}  {'estimate [95% CI] or (method)':<36}  theory")
        print(f"  {r.quantity.ljust(width)}  {str(r.estimate):<36}  {r.theory}")


def cmd_demo(args: argparse.Namespace) -> int:
    from vvl_env.headline import headline_results

    start = time.perf_counter()
    rows = headline_results(seed=args.seed, draws=args.draws, game_draws=args.game_draws)
    if args.json:
        json.dump({"seed": args.seed, "rows": [r.as_dict() for r in rows]}, sys.stdout, indent=2)
        print()
    else:
        print(f"vvl demo: the three headline results of our model (seed {args.seed})")
        _print_table(rows)
        print(f"\n({time.perf_counter() - start:.1f} s; intervals are 95% CLT intervals of Monte Carlo means; "
              "'all' averages over every extreme equilibrium of each realised game)")
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    from vvl_env.model.game_file import check_solvable, load_game_file
    from vvl_env.solve.equilibria import equilibria

    game = load_game_file(args.game)
    check_solvable(game.shape, getattr(args, "method", "auto"))
    result = equilibria(game, tol=args.tol)
    records = [{"x": x.tolist(), "y": y.tolist(), "payoffs": p.tolist()}
               for x, y, p in zip(result.xs, result.ys, result.payoffs)]
    if args.json:
        json.dump({"method": result.method, "degenerate": bool(result.degenerate), "max_regret": result.max_regret,
                   "equilibria": records,
                   "components": [[list(a), list(b)] for a, b in result.components]}, sys.stdout, indent=2)
        print()
        return 0
    print(game)
    print()
    print(result)
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Run the study scenarios named (default: every file in scenarios/paper/) into one report."""
    from vvl_env.paper.reproduce import export_key_figures, reproduce
    from vvl_env.paper.specs import load_specs

    specs = load_specs(args.paths or [Path("scenarios") / "paper"])
    sizes = {args.size} if args.size else {s.size for s in specs}
    if len(sizes) != 1:
        raise ValueError(f"size: the study files mix sizes {sorted(sizes)}; pass --size to choose one")
    size = sizes.pop()
    out = args.out or Path("runs") / "reproduce" / f"{size}-{time.strftime('%Y%m%d-%H%M%S')}"
    say = (lambda _msg: None) if args.quiet else print
    say(f"vvl reproduce: {len(specs)} studies ({size}) into {out}")
    start = time.perf_counter()
    page = reproduce(out, size=size, names=[s.study for s in specs], progress=say,
                     seeds={s.study: s.seed for s in specs})
    if args.docs:
        say(f"key figures written to {[str(p) for p in export_key_figures(out, args.docs)]}")
    summary = json.loads((Path(out) / "summary.json").read_text())
    print(f"{summary['checks_passed']}/{summary['checks_total']} checks passed in {time.perf_counter() - start:.0f} s;"
          f" report: {page}")
    return 0 if summary["checks_passed"] == summary["checks_total"] else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vvl", description="Value refinement in games: models, solvers, runs.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="print the three headline results of the model")
    demo.add_argument("--json", action="store_true", help="print JSON instead of a table")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--draws", type=int, default=1_000_000, help="Monte Carlo draws (single agent, bargaining)")
    demo.add_argument("--game-draws", type=int, default=20_000, help="Monte Carlo draws of refined games")
    demo.set_defaults(func=cmd_demo)
    solve = sub.add_parser("solve", help='print the equilibria of a game file {"R1": [[...]], "R2": [[...]]}')
    solve.add_argument("game", metavar="GAME", help="path to a JSON file")
    solve.add_argument("--json", action="store_true")
    solve.add_argument("--tol", type=float, default=1e-9)
    solve.set_defaults(func=cmd_solve)
    repro = sub.add_parser("reproduce", help="run the reproduction suite (every result of the model) into one report")
    repro.add_argument("paths", metavar="STUDY", nargs="*",
                       help="study files or folders of them (default: scenarios/paper/)")
    repro.add_argument("--size", choices=("tiny", "full"), default=None,
                       help="override the files' size (tiny: seconds; full: minutes)")
    repro.add_argument("--out", type=Path, default=None,
                       help="output folder (default runs/reproduce/<size>-<time>); an existing one resumes")
    repro.add_argument("--docs", type=Path, default=None, help="also copy the key figures to DOCS/figures (README)")
    repro.add_argument("--quiet", action="store_true")
    repro.set_defaults(func=cmd_reproduce)
    from vvl_env.runs_cli import add_subcommands

    add_subcommands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"vvl: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
