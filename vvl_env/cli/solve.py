"""``vvl solve GAME``: the equilibria of a game file ``{"R1": [[...]], "R2": [[...]]}``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def load_game(path: str) -> Any:
    """The :class:`vvl_env.model.Game` of a JSON file; errors name ``GAME``, the problem and what is allowed."""
    from vvl_env.model import Game

    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ValueError(f"GAME: no such file {path!r}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"GAME: {path!r} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or "R1" not in data:
        raise ValueError(f'GAME: must be a JSON object {{"R1": [[...]], "R2": [[...]]}} (R2 optional: zero-sum), '
                         f"got {str(data)[:80]!r}")
    unknown = set(data) - {"R1", "R2", "row_labels", "col_labels"}
    if unknown:
        raise ValueError(f"GAME: unknown keys {sorted(unknown)}; allowed: R1, R2, row_labels, col_labels")
    return Game(data["R1"], data.get("R2"), data.get("row_labels"), data.get("col_labels"))


def cmd_solve(args: argparse.Namespace) -> int:
    from vvl_env.solve.equilibria import equilibria

    game = load_game(args.game)
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
