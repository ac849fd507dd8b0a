"""``vvl reproduce``: run every study of the reproduction suite and write one combined report.

Output folder layout: ``<study>.json`` (curves, checks, tables), ``figures/*.png``, ``summary.json`` (every check and
its verdict, timings), ``report.md`` and a self-contained ``report.html``. Studies already written to the folder are
loaded, not recomputed, so an interrupted reproduction resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from vvl_env.paper import bargaining, beliefs, costs, learners, refinement_sign, single_agent, zero_sum
from vvl_env.paper.figures import panel_figures
from vvl_env.paper.records import Check, Curve, Size, StudyResult
from vvl_env.runs.document import Document, Figure, Heading, Para, Table

STUDIES: dict[str, Callable[..., StudyResult]] = {
    "single_agent": single_agent.study,
    "costs": costs.study,
    "zero_sum": zero_sum.study,
    "bargaining": bargaining.study,
    "beliefs": beliefs.study,
    "learners": learners.study,
    "refinement_sign": refinement_sign.study,
}


def _load(path: Path) -> StudyResult:
    d = json.loads(path.read_text())
    return StudyResult(d["study"], d["title"], d["assumptions"],
                       tuple(Curve(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in c.items()})
                             for c in d["curves"]),
                       tuple(Check(**{k: v for k, v in c.items() if k != "passed"}) for c in d["checks"]),
                       tuple(d["tables"]), {k: tuple(v) for k, v in d["samples"].items()})


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=float))
    os.replace(tmp, path)  # atomic: an interrupted write never leaves half a file


def run_studies(out: Path, *, size: Size = "full", seed: int = 0, names: Sequence[str] | None = None,
                progress: Callable[[str], None] = print,
                seeds: dict[str, int] | None = None) -> dict[str, tuple[StudyResult, float]]:
    """Run (or load) each study; returns name -> (result, seconds). ``seeds`` overrides ``seed`` per study."""
    out.mkdir(parents=True, exist_ok=True)
    names = list(STUDIES) if names is None else list(names)
    unknown = [n for n in names if n not in STUDIES]
    if unknown:
        raise ValueError(f"studies: unknown {unknown}; allowed: {', '.join(STUDIES)}")
    results = {}
    for name in names:
        study_seed = (seeds or {}).get(name, seed)
        path = out / f"{name}.json"
        start = time.perf_counter()
        if path.exists():
            result = _load(path)
            progress(f"  {name}: loaded from {path}")
        else:
            progress(f"  {name}: running ({size}) ...")
            result = STUDIES[name](size, study_seed)
            _write_json(path, result.as_dict())
        results[name] = (result, time.perf_counter() - start)
        passed = sum(bool(c.passed) for c in result.checks)
        progress(f"  {name}: {passed}/{len(result.checks)} checks passed ({results[name][1]:.1f} s)")
    return results


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_cell(x) for x in v) + "]"
    return str(v)


def write_report(out: Path, results: dict[str, tuple[StudyResult, float]], *, size: Size, seed: int) -> Path:
    """Figures, ``summary.json`` and the combined report; returns the HTML report's path."""
    doc = Document("vvl reproduction suite: the results of our model")
    total = sum(len(r.checks) for r, _ in results.values())
    passed = sum(bool(c.passed) for r, _ in results.values() for c in r.checks)
    doc.add(Para(f"Size {size}, seed {seed}. {passed} of {total} checks against closed forms and independent "
                 "oracles passed. Every figure names the model choices it rests on."))
    figures = []
    for name, (result, seconds) in results.items():
        doc.add(Heading(result.title), Para(f"Model choices: {result.assumptions}. ({seconds:.1f} s)"))
        for path, caption in panel_figures(result, out / "figures"):
            doc.add(Figure(path, caption))
            figures.append({"path": path.relative_to(out).as_posix(), "caption": caption})
        for table in result.tables:
            doc.add(Table(list(table), [[_cell(v) for v in table.values()]]))
        doc.add(Table(["check", "value", "relation", "expected", "tolerance", "source", "passed"],
                      [[c.name, f"{c.value:.6g}", c.relation, f"{c.expected:.6g}", f"{c.tolerance:.2g}", c.source,
                        "yes" if c.passed else "NO"] for c in result.checks]))
    _write_json(out / "summary.json", {
        "size": size, "seed": seed, "checks_passed": passed, "checks_total": total,
        "studies": {n: {"seconds": s, "checks": [c.name for c in r.checks if not c.passed] or "all passed"}
                    for n, (r, s) in results.items()}, "figures": figures})
    _, page = doc.write(out)
    return page


KEY_FIGURES = {  # docs/figures/<name>.png <- the first figure whose caption contains the text
    "single_agent": "gain vs sigma",
    "costs": "two-point gap",
    "zero_sum": "matching_pennies: mutual refinement (bands",
    "zero_sum_draws": "matching_pennies: unilateral refinement, rho=0: welfare per draw",
    "bargaining": "K = 2: refined Nash bargain",
    "bargaining_spe": "alternating offers",
    "beliefs": "matching pennies, player 0 refines H: believed scale / true scale (over- and under-confidence): "
               "welfare cost",
    "beliefs_private": "private vs public",
    "learners": "refine rate against the cost",
    "refinement_sign": "stag_hunt: player 0 refines Stag",
}


def export_key_figures(out: str | Path, docs: str | Path) -> list[Path]:
    """Copy the key figures of a finished reproduction into ``docs/figures/`` under stable names (for the README)."""
    out, target = Path(out), Path(docs) / "figures"
    target.mkdir(parents=True, exist_ok=True)
    figures = json.loads((out / "summary.json").read_text())["figures"]
    written = []
    for name, text in KEY_FIGURES.items():
        match = next((f for f in figures if text in f["caption"]), None)
        if match is not None:
            dest = target / f"{name}.png"
            dest.write_bytes((out / match["path"]).read_bytes())
            written.append(dest)
    return written


def reproduce(out: str | Path, *, size: Size = "full", seed: int = 0, names: Sequence[str] | None = None,
              progress: Callable[[str], None] = print, seeds: dict[str, int] | None = None) -> Path:
    """Run the suite into ``out`` and return the report path."""
    out = Path(out)
    results = run_studies(out, size=size, seed=seed, names=names, progress=progress, seeds=seeds)
    return write_report(out, results, size=size, seed=seed)
