"""Light imports: ``import vvl_env``, ``import vvl_env.envs`` and ``vvl validate`` of a scenario without learners
must not import torch or stable-baselines3 (checked in a fresh interpreter); the CLI package has no import circle."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runs.conftest import tiny, write

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "stable_baselines3", "sb3_contrib")
#: Besides HEAVY, what ``vvl validate`` must not import either (each 0.2-1.3 s; validation answers in under 1 s).
VALIDATE_HEAVY = (*HEAVY, "scipy.stats", "scipy.optimize", "scipy.integrate", "matplotlib", "pandas", "ray")


def _heavy_after(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    probe = f"import sys\n{code}\nprint('@@' + repr([m for m in {heavy!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True).stdout
    return ast.literal_eval(out.rsplit("@@", 1)[1])


@pytest.mark.parametrize("module", ["vvl_env", "vvl_env.envs", "vvl_env.cli", "vvl_env.runs", "vvl_env.paper"])
def test_import_is_light(module: str) -> None:
    assert _heavy_after(f"import {module}") == []


def test_validate_without_learners_is_light(tmp_path: Path) -> None:
    scenario = write(tmp_path / "s.toml", tiny(learner=False))
    assert _heavy_after(f"from vvl_env.cli import main\nassert main(['validate', {str(scenario)!r}]) == 0") == []


def test_validate_of_every_shipped_scenario_is_light() -> None:
    """Learners included (quickstart.toml): their SB3 arguments are checked against a table
    (``agents.learning.sb3_args``) and their environment is built without SB3."""
    paths = sorted(str(p) for p in (ROOT / "scenarios").rglob("*.toml"))
    assert any(p.endswith("quickstart.toml") for p in paths)
    code = f"from vvl_env.cli import main\nfor p in {paths!r}:\n    assert main(['validate', p]) == 0, p"
    assert _heavy_after(code, VALIDATE_HEAVY) == []


def test_vec_env_is_still_an_sb3_vec_env() -> None:
    from stable_baselines3.common.vec_env import VecEnv

    from vvl_env.envs import RefineMatrixVecEnv

    assert issubclass(RefineMatrixVecEnv, VecEnv)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        import vvl_env.envs

        vvl_env.envs.Nope  # noqa: B018


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The modules ``path`` imports; ``from pkg import sub`` depends on ``pkg.sub`` where that is a module."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            subs = {f"{node.module}.{a.name}" for a in node.names} & modules
            out |= subs or {node.module}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("package", ["vvl_env/cli", "vvl_env/model", "vvl_env/paper", "vvl_env/runs", "vvl_env/envs", "vvl_env/solve"])
def test_no_import_circles(package: str) -> None:
    """No two modules of the package import each other (at any depth of the package's own graph)."""
    files = {_module(p): p for p in (ROOT / package).glob("*.py")}
    graph = {m: {n for n in _imports(p, set(files)) if n in files and n != m} for m, p in files.items()}

    def reach(start: str) -> set[str]:
        seen, todo = set(), list(graph[start])
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo += graph[m]
        return seen

    circles = sorted(m for m in graph if m in reach(m) and not m.endswith(package.split("/")[-1]))
    assert circles == [], json.dumps({m: sorted(graph[m]) for m in circles})
