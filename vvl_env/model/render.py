"""Plain-text tables of games (used by ``str(game)`` and the environments' ``render``).

Works on the payoff matrices and labels alone, so this module imports nothing of ``game.py`` (no import circle).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy.typing as npt


def game_table(R1: npt.ArrayLike, R2: npt.ArrayLike, row_labels: Sequence[str], col_labels: Sequence[str],
               digits: int = 3) -> str:
    """A bimatrix game as a table whose cells read ``R1, R2``."""
    cells = [[f"{a:.{digits}g}, {b:.{digits}g}" for a, b in zip(r1, r2)] for r1, r2 in zip(R1, R2)]
    width = max([len(c) for row in cells for c in row] + [len(s) for s in col_labels])
    lw = max(len(s) for s in row_labels)
    head = " " * lw + " | " + " | ".join(s.rjust(width) for s in col_labels)
    lines = [head, "-" * len(head)]
    for label, row in zip(row_labels, cells):
        lines.append(label.rjust(lw) + " | " + " | ".join(c.rjust(width) for c in row))
    return "\n".join(lines)
