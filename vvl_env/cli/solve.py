"""``vvl solve GAME``: the equilibria of a game file ``{"R1": [[...]], "R2": [[...]]}``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def cmd_solve(args: argparse.Namespace) -> int:
    from vvl_env.model.game_file import check_solvable, load_game_file
    from vvl_env.solve.equilibria import equilibria

    game = load_game_file(args.game)
    check_solvable(game.shape)
    result = equilibria(game, method=args.method, tol=args.tol)
    records = [{"x": x.tolist(), "y": y.tolist(), "payoffs": p.tolist()}
               for x, y, p in zip(result.xs, result.ys, result.payoffs)]
    if args.json:
        json.dump({"method": result.method, "complete": result.complete, "summary": result.describe(),
                   "degenerate": bool(result.degenerate), "max_regret": result.max_regret,
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
    p.add_argument("--method", default="auto", help="auto (all extreme equilibria, certified) | vertex_enumeration | "
                   "lemke_howson[:k] | lemke_howson_all; the output says which ran and whether the set is complete")
    p.set_defaults(func=cmd_solve)
