"""The README's Benchmarks tables, rendered from ``benchmarks/results/solvers.json`` (so every number there comes from
the file; ``tests/solve/test_benchmarks_table.py`` checks the README against it). ``python benchmarks/solvers_table.py``
prints the tables; ``--write`` puts them into README.md between its ``solvers-table`` markers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "solvers.json"
README = Path(__file__).resolve().parent.parent / "README.md"
MARKERS = ("<!-- solvers-table -->\n", "<!-- /solvers-table -->")
EXACT_PEERS = ("enummixed_rational", "lrsnash")


def _t(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def _x(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2g}x"


def _peers_rows(section: dict) -> list[str]:
    rows = []
    for shape, r in section["sizes"].items():
        peers = r["peers"]
        exact = {p: peers[p] for p in EXACT_PEERS if p in peers}
        if exact:
            best = min(exact, key=lambda p: exact[p]["s_per_game"])
            ex = f"{best} {_t(exact[best]['s_per_game'])} | **{_x(exact[best]['ratio_peer_over_vvl'])}**"
        else:
            ex = "(none run at this size) |"
        flt = " / ".join(f"{_x(peers[p]['ratio_peer_over_vvl'])}" if p in peers else "-"
                         for p in ("enummixed_float", "lcp"))
        others = {k: v for k, v in peers.items() if not k.startswith("nashpy")}
        differ = f"{sum(p['sets_differ'] for p in others.values())} of {sum(p['games'] for p in others.values())}"
        if "nashpy_vertex_enumeration" in peers:
            nash = peers["nashpy_vertex_enumeration"]
            differ += f" (nashpy: {nash['sets_differ']} of {nash['games']})"
        rows.append(f"| {shape} | {r['games']} | {_t(r['vvl_s_per_game'])} | {r['vvl_peak_traced_MB']:.3g} MB | {ex} | "
                    f"{flt} | {differ} |")
    return rows


def render(results: dict) -> str:
    """Markdown tables of the solver benchmarks in ``results`` (the content of solvers.json)."""
    zs, eq, mc = results["zero_sum_2x2"], results["equilibria"], results["refinement_value_mc"]
    shapes = eq["shapes"]
    compared = sum(s["nashpy_games"] for s in shapes.values())
    lines = [f"Measured {results['started'][:10]} on this project's 2-core {results['machine']['platform'].split('-')[0]} "
             f"machine while other jobs ran (`benchmarks/results/solvers.json`):", "",
             "| question | vvl | peer, same run | ratio |", "| --- | --- | --- | --- |",
             f"| value of a 2x2 zero-sum game, per game ({zs['n_games']:,} games) | {_t(zs['batched_s_per_game'])} "
             f"(batched closed form) | nashpy `linear_program` {_t(zs['nashpy_linear_program_s_per_game'])} | "
             f"**{_x(zs['speedup_vs_nashpy'])}** |"]
    for shape, r in results["zero_sum_nxn"]["sizes"].items():
        lines.append(f"| value of a {shape} zero-sum game, per game ({r['n_games']:,} games) | "
                     f"{_t(r['batched_s_per_game'])} (batched vertex enumeration) | one HiGHS LP "
                     f"{_t(r['lp_s_per_game'])} | **{_x(r['speedup_vs_lp'])}** |")
    for shape, r in shapes.items():
        lines.append(f"| all equilibria, {r['n_games']:,} random {shape} games in one batch, per game | "
                     f"{_t(r['vvl_s_per_game'])} | nashpy `vertex_enumeration` {_t(r['nashpy_s_per_game'])} | "
                     f"**{_x(r['speedup'])}** |")
    lines.append(f"| equilibrium sets differing from nashpy's ({compared:,} games) | "
                 f"{sum(s['mismatches'] for s in shapes.values())} mismatches | | |")
    for row in mc["rows"]:
        rate = row["draws_per_s"] / 1e6
        lines.append(f"| Monte Carlo value of refinement ({row['rrp']}) | {rate:.3g} M draws/s | | |")
    head = ["", "| game | games | vvl `equilibria` per game (certified exactly) | vvl peak memory | fastest exact peer "
            "| ratio | Gambit enummixed float / lcp ratio | games whose sets differ from vvl's, Gambit and lrsnash |",
            "| --- " * 8 + "|"]
    lines += ["", "One game at a time, random payoffs uniform on [-1, 1] (ratio = peer time / vvl time):"] + head
    lines += _peers_rows(results["equilibria_vs_peers"])
    lines += ["", "Degenerate games (integer payoffs in {0, 1, 2}):"] + head
    lines += _peers_rows(results["equilibria_vs_peers_degenerate"])
    big = results["largest_within_30s_1GB"]
    runs = "; ".join(f"{k}: {v['s']:.3g} s, {v['peak_rss_GB']:.2g} GB" if v.get("s") is not None
                     else f"{k}: {v['note']}" for k, v in big["runs"].items())
    lines += ["", f"Largest random n x n game whose extreme equilibria are all found within {big['seconds']:g} s and "
                  f"{big['gigabytes']:g} GB (peak RSS of a fresh process): **{big['largest_n']}x{big['largest_n']}** "
                  f"({runs})."]
    return "\n".join(lines)


def readme_section(readme: str) -> str:
    """The text between the README's markers."""
    start = readme.index(MARKERS[0]) + len(MARKERS[0])
    return readme[start:readme.index(MARKERS[1])]


if __name__ == "__main__":
    table = render(json.loads(RESULTS.read_text()))
    if "--write" in sys.argv:
        text = README.read_text()
        README.write_text(text.replace(MARKERS[0] + readme_section(text), MARKERS[0] + table + "\n"))
    else:
        print(table)
