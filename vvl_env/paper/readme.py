"""Numbers that stay true: every measured number of the README's Results sits between markers naming its source
value, ``<!--v:KEY-->TEXT<!--/v-->``, and is rewritten from ``docs/results.json``, which ``vvl reproduce --docs docs``
writes from a full reproduction (:func:`vvl_env.paper.readme_values.results_values`). (The Benchmarks tables have
their own generator, ``benchmarks/solvers_table.py``, and test.)

``python -m vvl_env.paper.readme`` refills the README from that file; ``--check`` exits 1 and lists every stale or
unknown number (the test suite runs the same comparison, so a stale README number fails a test).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

MARK = re.compile(r"<!--v:(?P<key>[\w.\-]+)-->(?P<text>.*?)<!--/v-->", re.S)
RESULTS_FILE = Path("docs") / "results.json"


def source_values(root: str | Path) -> dict[str, str]:
    """Every value the README may quote: ``docs/results.json`` under ``root``."""
    path = Path(root) / RESULTS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def stale(text: str, values: dict[str, str]) -> list[str]:
    """One line per marked number whose text differs from its value, or whose key has no value."""
    out = []
    for m in MARK.finditer(text):
        key, shown = m["key"], m["text"]
        if key not in values:
            out.append(f"{key}: no such value (README shows {shown!r})")
        elif shown != values[key]:
            out.append(f"{key}: README shows {shown!r}, the source gives {values[key]!r}")
    return out


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with every marked number replaced by its value (unknown keys left as they are)."""
    return MARK.sub(lambda m: f"<!--v:{m['key']}-->{values.get(m['key'], m['text'])}<!--/v-->", text)


def write_results(values: dict[str, str], root: str | Path) -> Path:
    """Write ``docs/results.json`` under ``root`` (sorted keys, so a diff shows what changed)."""
    path = Path(root) / RESULTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def update_readme(root: str | Path) -> list[str]:
    """Refill ``root/README.md`` from the source files; returns what is still stale (unknown keys)."""
    readme = Path(root) / "README.md"
    values = source_values(root)
    text = fill(readme.read_text(encoding="utf-8"), values)
    readme.write_text(text, encoding="utf-8")
    return stale(text, values)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(".")
    if "--check" in args:
        problems = stale((root / "README.md").read_text(encoding="utf-8"), source_values(root))
    else:
        problems = update_readme(root)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
