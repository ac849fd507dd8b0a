"""``vvl solve GAME``: the equilibria of a game file ``{"R1": [[...]], "R2": [[...]]}``.

The output names the method that ran and whether the set is complete; a note from the solver (e.g. ``auto`` turning
from the enumeration to Lemke-Howson, and why) is printed as one line ``vvl solve: note: ...`` on stderr (and under
``"notes"`` with ``--json``), never as a Python warning.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import Any

from vvl_env.cli.args import int_at_least


def cmd_solve(args: argparse.Namespace) -> int:
    from vvl_env.model.game_file import check_solvable, load_game_file
    from vvl_env.solve.equilibria import equilibria

    game = load_game_file(args.game)
    check_solvable(game.shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        budget = {} if args.max_total_pivots is None else {"max_total_pivots": args.max_total_pivots}
        result = equilibria(game, method=args.method, tol=args.tol, max_bases=args.max_bases, **budget)
    notes = list(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))
    for note in notes:
        print(f"vvl solve: note: {note}", file=sys.stderr)
    records = [{"x": x.tolist(), "y": y.tolist(), "payoffs": p.tolist()}
               for x, y, p in zip(result.xs, result.ys, result.payoffs)]
    if args.json:
        json.dump({"method": result.method, "complete": result.complete, "summary": result.describe(),
                   "degenerate": bool(result.degenerate), "max_regret": result.max_regret, "notes": notes,
                   "equilibria": records,
                   "components": [[list(a), list(b)] for a, b in result.components]}, sys.stdout, indent=2)
        print()
        return 0
    print(game)
    print()
    print(result)
    return 0


def add_parsers(sub: Any) -> None:
    """Add ``solve`` to ``vvl``'s sub-command parsers."""
    p = sub.add_parser("solve", help='print the equilibria of a game file {"R1": [[...]], "R2": [[...]]}')
    p.add_argument("game", metavar="GAME", help="path to a JSON file")
    p.add_argument("--json", action="store_true")
    p.add_argument("--tol", type=float, default=1e-9)
    p.add_argument("--method", default="auto", help="auto (all extreme equilibria, certified, if the enumeration "
                   "fits its bound; else lemke_howson_all, with a note) | vertex_enumeration | lemke_howson[:k] | "
                   "lemke_howson_all; the output says which ran and whether the set is complete")
    p.add_argument("--max-bases", type=int_at_least(1), default=None, metavar="N",
                   help="feasible bases one polytope walk may visit (default: 100000 for auto, a few seconds; "
                   "3000000 for vertex_enumeration)")
    p.add_argument("--max-total-pivots", type=int_at_least(1), default=None, metavar="N",
                   help="pivots lemke_howson_all may make in all before returning what it found (default 100000, "
                   "seconds)")
    p.set_defaults(func=cmd_solve)
