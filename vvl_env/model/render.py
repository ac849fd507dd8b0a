"""Plain-text tables of games (used by ``str(game)`` and the environments' ``render``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vvl_env.model.game import Game


def game_table(game: "Game", digits: int = 3) -> str:
    """Render a game as a table whose cells read ``R1, R2``."""
    cells = [[f"{a:.{digits}g}, {b:.{digits}g}" for a, b in zip(r1, r2)] for r1, r2 in zip(game.R1, game.R2)]
    width = max([len(c) for row in cells for c in row] + [len(s) for s in game.col_labels])
    lw = max(len(s) for s in game.row_labels)
    head = " " * lw + " | " + " | ".join(s.rjust(width) for s in game.col_labels)
    lines = [head, "-" * len(head)]
    for label, row in zip(game.row_labels, cells):
        lines.append(label.rjust(lw) + " | " + " | ".join(c.rjust(width) for c in row))
    return "\n".join(lines)
