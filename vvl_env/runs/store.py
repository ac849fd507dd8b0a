"""The files of a run folder: new folders that never collide, the append-only metrics log, atomic JSON writes."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

SCENARIO_FILE, METRICS_FILE, SUMMARY_FILE, LOCK_FILE = "scenario.toml", "metrics.jsonl", "summary.json", ".lock"


class FolderBusyError(ValueError):
    """Another process is writing to the run or sweep folder (``vvl`` exits with status 2)."""


@contextlib.contextmanager
def folder_lock(folder: str | Path, what: str = "run folder") -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``fcntl.flock`` of ``folder/.lock``, released when the process ends,
    however it ends) while writing to it; a second writer gets :class:`FolderBusyError` at once. Where ``fcntl``
    does not exist (Windows) nothing is locked."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(Path(folder) / LOCK_FILE, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise FolderBusyError(f"{folder}: another vvl process (pid {holder}) is writing to this {what}; wait "
                                  f"for it to end (or stop it), then resume") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def new_run_dir(root: str | Path, scenario: str, tag: str, *, now: float | None = None) -> Path:
    """Create ``root/<scenario>/<scenario>-<tag>-<YYYYmmdd-HHMMSS>[-<k>]`` (``mkdir(exist_ok=False)``, so two
    runs, even started in the same second by different processes, never share a folder). ``tag`` is ``s<seed>``
    for a run, ``sweep`` for a sweep."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))
    parent = Path(root) / scenario
    parent.mkdir(parents=True, exist_ok=True)
    for k in range(10_000):
        path = parent / (f"{scenario}-{tag}-{stamp}" + (f"-{k}" if k else ""))
        try:
            path.mkdir(exist_ok=False)
            return path
        except FileExistsError:
            continue
    raise RuntimeError(f"could not create a new run folder under {parent}")


def plain(value: Any) -> Any:
    """``value`` as JSON data: numpy scalars and arrays, dataclasses, tuples and non-finite floats handled."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "_asdict"):
        return plain(value._asdict())
    return str(value)


class MetricsLog:
    """``metrics.jsonl``: one JSON object per line, appended, flushed and fsynced as each result comes.

    A run killed mid-write can leave a partial last line; :func:`read_metrics` skips it and the next writer starts
    on a fresh line, so nothing complete that was written is lost.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fh = self.path.open("a", encoding="utf-8")
        if self._fh.tell() > 0:
            with self.path.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    self._fh.write("\n")

    def write(self, record: Mapping[str, Any]) -> None:
        self._fh.write(json.dumps(plain(record), allow_nan=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "MetricsLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """Every complete record of a metrics log (a missing file has none; partial lines are skipped)."""
    p = Path(path)
    if not p.exists():
        return []
    records = []
    for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict):
            records.append(rec)
    return records


def write_json(path: str | Path, data: Any) -> None:
    """Write JSON atomically (a temporary file, fsync, rename): readers never see half a file."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(plain(data), fh, indent=2, allow_nan=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, p)
