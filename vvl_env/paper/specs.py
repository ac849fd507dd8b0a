"""Study scenarios (``scenarios/paper/*.toml``): one small TOML file per result of the reproduction suite.

A file holds ``study`` (one of :data:`STUDY_NAMES`), ``seed`` (int), ``size`` ("tiny" or "full") and an optional
``description``. Errors name the file, the field, the value and what is allowed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from vvl_env.textfile import read_text

STUDY_NAMES: tuple[str, ...] = ("single_agent", "costs", "zero_sum", "bargaining", "beliefs", "learners",
                                "refinement_sign")
_FIELDS = {"study", "seed", "size", "description"}


@dataclass(frozen=True, slots=True)
class StudySpec:
    study: str
    seed: int
    size: str
    description: str
    path: str


def load_spec(path: Path) -> StudySpec:
    try:
        data = tomllib.loads(read_text(path, "study file (.toml)"))
    except RecursionError:
        raise ValueError(f"{path}: not valid TOML (nested too deep)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"{path}: unknown keys {unknown}; allowed: {', '.join(sorted(_FIELDS))}")
    study, seed, size = data.get("study"), data.get("seed", 0), data.get("size", "full")
    if study not in STUDY_NAMES:
        raise ValueError(f"{path}: study: must be one of {', '.join(STUDY_NAMES)}; got {study!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"{path}: seed: must be an integer >= 0, got {seed!r}")
    if size not in ("tiny", "full"):
        raise ValueError(f"{path}: size: must be 'tiny' or 'full', got {size!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"{path}: description: must be a string, got {description!r}")
    return StudySpec(study, seed, size, description, str(path))


def is_study_path(path: str | Path) -> bool:
    """A folder of study files, or one file with a top-level ``study`` key."""
    p = Path(path)
    try:  # any unreadable file is not a study file: load_scenario then says why it cannot be read
        if p.is_dir():
            return any(p.glob("*.toml"))
        return p.suffix == ".toml" and "study" in tomllib.loads(read_text(p, "scenario file (.toml)"))
    except (OSError, ValueError, RecursionError):
        return False


def load_specs(paths: list[str | Path]) -> list[StudySpec]:
    """Every study file named, folders expanded in file-name order; a study named twice is an error."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.toml"))
            if not found:
                raise ValueError(f"{p}: holds no study files (*.toml)")
            files += found
        else:
            files.append(p)
    specs = [load_spec(f) for f in files]
    seen: dict[str, str] = {}
    for s in specs:
        if s.study in seen:
            raise ValueError(f"{s.path}: study {s.study!r} is already given by {seen[s.study]}")
        seen[s.study] = s.path
    return specs
