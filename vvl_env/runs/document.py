"""Documents as a list of blocks, rendered to Markdown and to self-contained HTML (figures embedded as base64)."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Para:
    text: str


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True, slots=True)
class Figure:
    path: Path
    caption: str


@dataclass(frozen=True, slots=True)
class Code:
    text: str


Block = Union[Heading, Para, Table, Figure, Code]


@dataclass
class Document:
    """A title and blocks; ``markdown(base)`` links figures relative to ``base``, ``html()`` embeds them."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> "Document":
        self.blocks.extend(blocks)
        return self

    def markdown(self, base: Path) -> str:
        out = [f"# {self.title}", ""]
        for b in self.blocks:
            if isinstance(b, Heading):
                out += ["#" * b.level + " " + b.text, ""]
            elif isinstance(b, Para):
                out += [b.text, ""]
            elif isinstance(b, Table):
                out += ["| " + " | ".join(b.header) + " |", "|" + "---|" * len(b.header)]
                out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in b.rows] + [""]
            elif isinstance(b, Figure):
                rel = Path(b.path).relative_to(base) if Path(b.path).is_relative_to(base) else Path(b.path)
                out += [f"![{b.caption}]({rel.as_posix()})", "", f"*{b.caption}*", ""]
            else:
                out += ["```", b.text, "```", ""]
        return "\n".join(out)

    def html(self) -> str:
        e = html.escape
        body = [f"<h1>{e(self.title)}</h1>"]
        for b in self.blocks:
            if isinstance(b, Heading):
                body.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
            elif isinstance(b, Para):
                body.append(f"<p>{e(b.text)}</p>")
            elif isinstance(b, Table):
                head = "".join(f"<th>{e(h).replace('/', '/<wbr>').replace('_', '_<wbr>')}</th>" for h in b.header)
                rows = "".join("<tr>" + "".join(("<td class='text'>" if len(c) > 40 else "<td>") + f"{e(c)}</td>"
                                               for c in r) + "</tr>" for r in b.rows)
                body.append(f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
                            "</div>")
            elif isinstance(b, Figure):
                data = base64.b64encode(Path(b.path).read_bytes()).decode("ascii")
                body.append(f'<figure><img alt="{e(b.caption)}" src="data:image/png;base64,{data}"/>'
                            f"<figcaption>{e(b.caption)}</figcaption></figure>")
            else:
                body.append(f"<pre>{e(b.text)}</pre>")
        style = ("body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}"
                 "div.table{overflow-x:auto;margin:1em 0}table{border-collapse:collapse}"
                 "td,th{border:1px solid #ccc;padding:4px 6px;text-align:left;font-size:85%;vertical-align:top}"
                 "td{white-space:nowrap}td.text{white-space:normal;min-width:18em}th{min-width:4em}th{background:#f3f3f3}img{max-width:100%}"
                 "figcaption{font-style:italic;color:#555}pre{background:#f7f7f7;padding:8px;overflow-x:auto}")
        return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{e(self.title)}</title>"
                f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")

    def write(self, folder: Path, stem: str = "report") -> tuple[Path, Path]:
        """Write ``<stem>.md`` and ``<stem>.html`` into ``folder``."""
        md, page = folder / f"{stem}.md", folder / f"{stem}.html"
        md.write_text(self.markdown(folder), encoding="utf-8")
        page.write_text(self.html(), encoding="utf-8")
        return md, page


def number(x: float, decimals: int | None = None) -> str:
    """``x`` with ``decimals`` fixed decimals, else 4 significant digits; values below 1e-9 in size print as 0."""
    if x is None or not math.isfinite(x):
        return "n/a" if x is None else str(x)
    if abs(x) < 1e-9:
        x = 0.0
    text = f"{x:.{decimals}f}" if decimals is not None else f"{x:.4g}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def estimate_text(mean: float, ci: Sequence[float] | None) -> str:
    """``mean [lo, hi]`` rounded to two significant digits of the interval's half-width (at most 4 decimals); an
    exact value (no interval, or one of zero width) prints alone with 4 significant digits."""
    if mean is None:
        return "n/a"
    if not ci or None in ci or not all(map(math.isfinite, ci)):
        return number(mean)
    half = (ci[1] - ci[0]) / 2
    if half <= 1e-12 * max(1.0, abs(mean)):
        return number(mean)
    d = min(4, max(0, 1 - math.floor(math.log10(half))))
    parts = [number(v, d) for v in (mean, ci[0], ci[1])]
    return parts[0] if len(set(parts)) == 1 else f"{parts[0]} [{parts[1]}, {parts[2]}]"


def fmt(value: object) -> str:
    """A number for a table: ``mean [lo, hi]`` for a metric entry (see :func:`estimate_text`), else the value."""
    if isinstance(value, dict) and "mean" in value:
        return estimate_text(value["mean"], value.get("ci"))
    if isinstance(value, float):
        return number(value)
    return str(value)
