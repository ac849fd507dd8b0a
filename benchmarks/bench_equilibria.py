"""Benchmark: batched extreme-equilibrium enumeration (vvl) against nashpy's ``vertex_enumeration``, per game.

For each shape, ``n_games`` seeded random games (payoffs i.i.d. uniform on [-1, 1]) are solved by
:func:`vvl_env.solve.equilibria.batch_equilibria` in one call (after a warm-up; median of ``repeats`` timings), and a
subset of ``n_nashpy`` of them one by one by nashpy. Reported: seconds per game for both, their ratio, and the number
of games (of the subset) whose equilibrium sets differ (order-free, atol 1e-7). Inputs are generated outside the
timed regions. Numbers vary 20-50 % between runs on a shared machine: quote the ratio and the machine.
"""

from __future__ import annotations

import json
import platform
import time
import warnings

import nashpy
import numpy as np

from vvl_env.solve.equilibria import batch_equilibria

SHAPES = ((2, 2), (3, 2), (3, 3), (4, 4))


def _same(ours: list, theirs: list, atol: float = 1e-7) -> bool:
    return len(ours) == len(theirs) and all(
        any(np.allclose(x, u, atol=atol) and np.allclose(y, v, atol=atol) for u, v in ours) for x, y in theirs)


def bench_equilibria(n_games: int = 1000, seed: int = 0, n_nashpy: int = 100, repeats: int = 5) -> dict:
    """Time vvl's batched solver against nashpy per game for each shape in ``SHAPES``; see the module docstring."""
    rng = np.random.default_rng(seed)
    rows = {}
    for m, n in SHAPES:
        R1, R2 = rng.uniform(-1.0, 1.0, size=(2, n_games, m, n))
        batch_equilibria(R1[:10], R2[:10])  # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            batch = batch_equilibria(R1, R2)
            times.append(time.perf_counter() - t0)
        k = min(n_nashpy, n_games)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            list(nashpy.Game(R1[0], R2[0]).vertex_enumeration())  # warm-up
            t0 = time.perf_counter()
            theirs = [list(nashpy.Game(R1[b], R2[b]).vertex_enumeration()) for b in range(k)]
            t_nashpy = (time.perf_counter() - t0) / k
        mismatches = sum(not _same(list(zip(batch.xs[b, :batch.count[b]], batch.ys[b, :batch.count[b]])), theirs[b])
                         for b in range(k))
        t_ours = float(np.median(times)) / n_games
        rows[f"{m}x{n}"] = {"n_games": n_games, "vvl_batch_s": float(np.median(times)), "vvl_s_per_game": t_ours,
                            "nashpy_games": k, "nashpy_s_per_game": t_nashpy, "speedup": t_nashpy / t_ours,
                            "mismatches": int(mismatches), "mean_equilibria": float(batch.count.mean())}
    return {"benchmark": "bench_equilibria", "seed": seed, "machine": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__, "nashpy": nashpy.__version__,
            "shapes": rows}


if __name__ == "__main__":
    print(json.dumps(bench_equilibria(), indent=2))


# --- single games against exact peers: Gambit (pygambit), lrsnash, nashpy ------------------------------

def _gambit_sets(A: np.ndarray, B: np.ndarray, solver: str) -> list:
    import pygambit as gbt

    g = gbt.StrategicGame.from_arrays(A, B)
    if solver == "lcp":
        res = gbt.nash.lcp_solve(g, rational=False)
    else:
        res = gbt.nash.enummixed_solve(g, rational=solver == "enummixed_rational")
    p0, p1 = list(g.players)
    s0, s1 = g.get_strategies(p0), g.get_strategies(p1)
    return [(np.array([float(eq[p0][s]) for s in s0]), np.array([float(eq[p1][s]) for s in s1]))
            for eq in res.equilibria]


def _lrsnash_sets(A: np.ndarray, B: np.ndarray) -> list:
    """Run Debian's ``lrsnash`` on the game (each float written as its exact rational p/q)."""
    import subprocess
    import tempfile
    from fractions import Fraction

    m, n = A.shape
    def rows(M: np.ndarray) -> str:
        return "\n".join(" ".join(str(Fraction(float(v))) for v in row) for row in M)

    text = f"{m} {n}\n\n{rows(A)}\n\n{rows(B)}\n"
    with tempfile.NamedTemporaryFile("w", suffix=".game") as f:
        f.write(text)
        f.flush()
        out = subprocess.run(["lrsnash", f.name], capture_output=True, text=True, check=True).stdout
    pairs, ys, xs = [], [], []
    for line in out.splitlines() + [""]:
        parts = line.split()
        if parts and parts[0] in ("1", "2") and len(parts) == (m if parts[0] == "1" else n) + 2:
            v = np.array([float(Fraction(t)) for t in parts[1:-1]])
            (xs if parts[0] == "1" else ys).append(v)
        elif xs and ys:
            pairs += [(x, y) for x in xs for y in ys]
            xs, ys = [], []
    return pairs


def _peer(name: str, A: np.ndarray, B: np.ndarray) -> list:
    if name == "nashpy_vertex_enumeration":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return list(nashpy.Game(A, B).vertex_enumeration())
    if name == "lrsnash":
        return _lrsnash_sets(A, B)
    return _gambit_sets(A, B, name)


def _dedup(pairs: list) -> list:
    out: list = []
    for x, y in pairs:
        if not any(np.allclose(x, u, atol=1e-7) and np.allclose(y, v, atol=1e-7) for u, v in out):
            out.append((x, y))
    return out


PEER_LIMITS = {"enummixed_float": 12, "enummixed_rational": 8, "lcp": 15, "lrsnash": 12,
               "nashpy_vertex_enumeration": 6}
SLOW_PEERS = {"enummixed_rational": 3, "nashpy_vertex_enumeration": 5}
"""Games these peers solve per shape at most (seconds per game at 6 x 6 and beyond)."""
"""Largest size max(m, n) each peer runs at (here Gambit enummixed takes ~20 s per 12 x 12 game, its rational mode
~20 s at 8 x 8, nashpy ~1 s at 6 x 6)."""


def bench_peers(shapes: tuple[tuple[int, int], ...] = tuple((n, n) for n in (2, 3, 4, 6, 8, 10, 12, 13, 15)),
                seed: int = 0, degenerate: bool = False) -> dict:
    """Per-game time of :func:`vvl_env.solve.equilibria.equilibria` and each peer on the same random m x n games.

    Games per shape: 20 up to 8 x 8, 5 up to 12 x 12, 2 beyond; the peers run on the first 1-2 above 6 x 6, the slow
    ones (``SLOW_PEERS``) on at most 3-5.
    Payoffs
    i.i.d. uniform on [-1, 1], or (``degenerate``) integers in {0, 1, 2} (ties everywhere). Reported per peer: seconds
    per game, the ratio peer / vvl, and games whose sets differ from vvl's (order-free, atol 1e-6; ``lcp`` is
    compared as a subset: it finds only equilibria reachable by Lemke-Howson paths). vvl's peak traced memory
    (tracemalloc, numpy included) is reported per size.
    """
    import shutil
    import tracemalloc

    from vvl_env.solve.equilibria import equilibria

    have_lrs = shutil.which("lrsnash") is not None
    try:
        import pygambit  # noqa: F401
        have_gambit = True
    except ImportError:
        have_gambit = False
    rng = np.random.default_rng(seed)
    rows = {}
    for m, n in shapes:
        size = max(m, n)
        k = 20 if size <= 8 else 5 if size <= 12 else 2
        if degenerate:
            games = rng.integers(0, 3, size=(k, 2, m, n)).astype(float)
        else:
            games = rng.uniform(-1.0, 1.0, size=(k, 2, m, n))
        tracemalloc.start()  # memory on the first game (tracing slows Python down: timed separately)
        equilibria((games[0, 0], games[0, 1]))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        t0 = time.perf_counter()
        ours = [equilibria((A, B)) for A, B in games]
        t_ours = (time.perf_counter() - t0) / k
        row = {"games": k, "vvl_s_per_game": t_ours, "vvl_peak_traced_MB": peak / 2**20,
               "mean_equilibria": float(np.mean([len(e) for e in ours])),
               "vvl_degenerate_games": int(sum(e.degenerate for e in ours)), "peers": {}}
        for name, limit in PEER_LIMITS.items():
            if size > limit or (name == "lrsnash" and not have_lrs) or (name.startswith(("enum", "lcp")) and
                                                                      not have_gambit):
                continue
            kp = min(k if size <= 6 else 2 if size <= 10 else 1, SLOW_PEERS.get(name, k))
            _peer(name, games[0, 0], games[0, 1])  # warm-up
            t0 = time.perf_counter()
            theirs = [_dedup(_peer(name, A, B)) for A, B in games[:kp]]
            t_peer = (time.perf_counter() - t0) / kp
            differ = 0
            for e, t in zip(ours, theirs):
                if name == "lcp":
                    differ += not all(any(np.allclose(x, u, atol=1e-6) and np.allclose(y, v, atol=1e-6)
                                          for u, v in e.profiles) for x, y in t)
                else:
                    differ += not _same(list(e.profiles), t, atol=1e-6)
            row["peers"][name] = {"games": kp, "s_per_game": t_peer, "ratio_peer_over_vvl": t_peer / t_ours,
                                  "sets_differ": int(differ)}
        rows[f"{m}x{n}"] = row
        print(f"{m}x{n}: vvl {t_ours:.4g} s/game, " + ", ".join(
            f"{p} {v['s_per_game']:.4g} s ({v['ratio_peer_over_vvl']:.3g}x, differ {v['sets_differ']})"
            for p, v in row["peers"].items()), flush=True)
    notes = []
    if not have_lrs:
        notes.append("lrsnash not installed (Debian package lrslib): skipped")
    if not have_gambit:
        notes.append("pygambit not installed (pip install pygambit==17.0.0b2): skipped")
    return {"benchmark": "bench_peers", "seed": seed, "degenerate": degenerate, "sizes": rows, "notes": notes,
            "lrsnash_note": "lrsnash times include starting the process (about a millisecond)"}
