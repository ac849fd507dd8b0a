"""Reading a user's text file (a scenario, a game) safely: regular files only, a size limit, clean errors.

Every failure is a ``ValueError`` of one line that names the file: a missing file, a folder, a FIFO or device
(refused without reading: ``/dev/zero`` never ends, a FIFO blocks), a symlink loop or an over-long name (any
``OSError``), a file over :data:`MAX_BYTES`, text that is not UTF-8. :func:`check_nesting` refuses data nested
deeper than a limit without recursion (a 900-deep array breaks ``repr`` and pydantic).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

MAX_BYTES = 2**20  # 1 MiB: a scenario is a few kB
MAX_DEPTH = 32


def read_text(path: str | Path, what: str, *, max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of the regular file ``path`` (at most ``max_bytes`` bytes); ``what`` names it in errors.

    Raises
    ------
    ValueError
        ``<path>: <what> ...`` for anything but a readable regular UTF-8 file of at most ``max_bytes`` bytes.
    """
    p = Path(path)
    try:
        info = os.stat(p)
        if stat.S_ISDIR(info.st_mode):
            raise ValueError(f"{p}: is a folder, expected a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{p}: not a regular file (a device, FIFO or socket), expected a {what}; "
                             f"only regular files are read")
        if info.st_size > max_bytes:
            raise ValueError(f"{p}: {info.st_size} bytes, a {what} must be at most {max_bytes} bytes")
        with open(p, "rb") as fh:  # the O_RDONLY open of a regular file never blocks
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise ValueError(f"{p}: no such {what}") from None
    except OSError as exc:  # a symlink loop, a name too long, no permission, /proc files...
        raise ValueError(f"{p}: cannot read the {what} ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:  # the file grew, or a /proc file that reports size 0
        raise ValueError(f"{p}: more than {max_bytes} bytes, a {what} must be at most {max_bytes} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(f"{p}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); a {what} must be "
                         f"UTF-8") from None


def check_nesting(data: Any, where: str, *, limit: int = MAX_DEPTH) -> None:
    """Refuse tables and arrays nested more than ``limit`` deep (iteratively: no recursion on deep data)."""
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise ValueError(f"{where}: tables and arrays nested more than {limit} deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend((v, depth + 1) for v in node)
