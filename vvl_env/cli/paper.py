"""``vvl demo`` (the three headline results) and ``vvl reproduce`` (the reproduction suite)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from vvl_env.cli.args import int_at_least


def _print_table(rows: list[Any]) -> None:
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


def reproduce_studies(paths: list[str | Path], *, size: str | None = None, out: Path | None = None,
                      docs: Path | None = None, quiet: bool = False) -> int:
    """Run the study files ``paths`` (files or folders) into one report; exit status 0 iff every check passed."""
    from vvl_env.paper.reproduce import export_key_figures, reproduce
    from vvl_env.paper.specs import load_specs

    specs = load_specs(paths or [Path("scenarios") / "paper"])
    sizes = {size} if size else {s.size for s in specs}
    if len(sizes) != 1:
        raise ValueError(f"size: the study files mix sizes {sorted(sizes)}; pass --size to choose one")
    size = sizes.pop()
    if docs and size != "full":
        raise ValueError(f"--docs: only a full-size reproduction may write the README's figures and numbers, got "
                         f"size {size!r}")
    out = out or Path("runs") / "reproduce" / f"{size}-{time.strftime('%Y%m%d-%H%M%S')}"
    say = (lambda _msg: None) if quiet else print
    say(f"vvl reproduce: {len(specs)} studies ({size}) into {out}")
    start = time.perf_counter()
    page = reproduce(out, size=size, names=[s.study for s in specs], progress=say,
                     seeds={s.study: s.seed for s in specs})
    if docs:
        say(f"key figures written to {[str(p) for p in export_key_figures(out, docs)]}")
        say(f"README numbers: {write_docs_numbers(out, Path(docs))}")
    summary = json.loads((Path(out) / "summary.json").read_text())
    print(f"{summary['checks_passed']}/{summary['checks_total']} checks passed in {time.perf_counter() - start:.0f} s;"
          f" report: {page}")
    return 0 if summary["checks_passed"] == summary["checks_total"] else 1


def write_docs_numbers(out: Path, docs: Path) -> str:
    """Merge the reproduction's README numbers into ``docs/results.json`` and refill the README beside ``docs``."""
    from vvl_env.paper.readme import RESULTS_FILE, update_readme, write_results
    from vvl_env.paper.readme_values import results_values

    root = docs.parent
    old = root / RESULTS_FILE
    values = (json.loads(old.read_text(encoding="utf-8")) if old.exists() else {}) | results_values(out)
    path = write_results(values, root)
    if not (root / "README.md").exists():
        return f"{path} (no README.md beside {docs})"
    left = update_readme(root)
    return f"{path}; README.md refilled" + (f"; still stale: {left}" if left else "")


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Run the study scenarios named (default: every file in scenarios/paper/) into one report."""
    return reproduce_studies(args.paths, size=args.size, out=args.out, docs=args.docs, quiet=args.quiet)


def add_parsers(sub: Any) -> None:
    """Add ``demo`` and ``reproduce`` to ``vvl``'s sub-command parsers."""
    demo = sub.add_parser("demo", help="print the three headline results of the model")
    demo.add_argument("--json", action="store_true", help="print JSON instead of a table")
    demo.add_argument("--seed", type=int_at_least(0), default=0)
    # the 95 % intervals are normal approximations (mean +- 1.96 standard errors): at least 30 draws, below which
    # they mislead (at 3 draws an expected utility in [0, 1] got [0.51, 1.03], a probability [0, 0])
    demo.add_argument("--draws", type=int_at_least(30), default=1_000_000,
                      help="Monte Carlo draws (single agent, bargaining; >= 30)")
    demo.add_argument("--game-draws", type=int_at_least(30), default=20_000,
                      help="Monte Carlo draws of refined games (>= 30)")
    demo.set_defaults(func=cmd_demo)
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
