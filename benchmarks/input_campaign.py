"""Campaign: hostile inputs through ``vvl validate`` and ``vvl solve``, counted as clean / traceback / hang / silent.

Question (issue 14): does every malformed input end in a clean refusal, never a traceback, a hang or a silently
wrong answer? Inputs: generated scenario files (``tests.runs.generators``: malformed structures, bad numbers at every
numeric place, random values in each environment's configuration; those TOML cannot hold, such as None, go through ``validate_scenario``), special files (deep nesting, a FIFO, ``/dev/zero``, a symlink loop, a 300-character name, non-UTF-8,
a folder, 1 MiB + 1 byte) and generated game files. Each goes through the CLI's ``main`` in this process with a
SIGALRM watchdog of ``Config.timeout`` seconds.

* clean: exit 0, or exit 2 with one line ``vvl: error: ...`` on stderr and no traceback;
* traceback: an exception escapes ``main``, or stderr holds a traceback or several lines;
* hang: the watchdog fired;
* silent: validate accepted a scenario whose resolved ``scenario.toml`` does not give back the same scenario, or
  that holds a non-finite number; solve printed "0 equilibria" (every finite game has one).

Run: ``python benchmarks/input_campaign.py`` (writes ``benchmarks/results/input_campaign.json``; about two minutes).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import signal
import sys
import tempfile
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.runs.generators import (bad_number_scenarios, env_scenarios, game_texts,  # noqa: E402
                                  malformed_scenarios, special_files)
from vvl_env.cli import main  # noqa: E402
from vvl_env.runs import toml_io  # noqa: E402
from vvl_env.runs.errors import ScenarioError  # noqa: E402
from vvl_env.runs.schema import Scenario, load_scenario, validate_scenario  # noqa: E402


@dataclass(frozen=True)
class Config:
    scenarios: int = 300  # per generator
    games: int = 300
    timeout: int = 30


class Hang(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise Hang


def run(argv: list[str], timeout: int) -> tuple[str, int, str, str]:
    """``vvl ARGV`` in this process: (outcome so far, exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except Hang:
        return "hang", -1, out.getvalue(), err.getvalue()
    except SystemExit as exc:
        code = int(exc.code or 0)
    except BaseException as exc:  # noqa: BLE001 - counting what escapes is the point
        return "traceback", -1, out.getvalue(), f"{type(exc).__name__}: {exc}"[:300]
    finally:
        signal.alarm(0)
    text = err.getvalue()
    clean = code == 0 or (code == 2 and text.startswith("vvl: error: ") and text.count("\n") == 1)
    return ("clean" if clean and "Traceback" not in text else "traceback"), code, out.getvalue(), text


def round_trips(path: Path) -> bool:
    """The scenario validate accepted comes back identical from its resolved TOML, every number finite."""
    scenario = load_scenario(path, deep=False)
    data = scenario.to_dict()
    finite = all(math.isfinite(x) for x in _numbers(data))
    return finite and Scenario.from_data(tomllib.loads(toml_io.dumps(data))) == scenario


def _numbers(node: Any) -> list[float]:
    if isinstance(node, dict):
        return [x for v in node.values() for x in _numbers(v)]
    if isinstance(node, list):
        return [x for v in node for x in _numbers(v)]
    return [float(node)] if isinstance(node, (int, float)) and not isinstance(node, bool) else []


def campaign(cfg: Config) -> dict[str, Any]:
    counts: dict[str, Counter[str]] = {"scenarios": Counter(), "scenarios (Python API)": Counter(),
                                       "special files": Counter(), "games": Counter()}
    examples: list[dict[str, Any]] = []
    folder = Path(tempfile.mkdtemp(prefix="vvl-campaign-"))

    def record(group: str, outcome: str, what: str, detail: str) -> None:
        counts[group][outcome] += 1
        if outcome != "clean" and len(examples) < 20:
            examples.append({"group": group, "outcome": outcome, "input": what[:200], "detail": detail[:300]})

    def scenario(data: dict[str, Any]) -> None:
        path = folder / "s.toml"
        try:
            path.write_text(toml_io.dumps(data), encoding="utf-8")
        except (TypeError, ValueError, UnicodeEncodeError):  # not writable as TOML (None): the Python API instead
            api(data)
            return
        outcome, code, _, err = run(["validate", str(path)], cfg.timeout)
        if outcome == "clean" and code == 0 and not round_trips(path):
            outcome = "silent"
        record("scenarios", outcome, repr(data), err)

    def api(data: dict[str, Any]) -> None:
        try:
            accepted = validate_scenario(data)
        except ScenarioError as exc:
            record("scenarios (Python API)", "clean" if "\n" not in str(exc) else "traceback", repr(data), str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - counted
            record("scenarios (Python API)", "traceback", repr(data), f"{type(exc).__name__}: {exc}")
            return
        same = Scenario.from_data(tomllib.loads(toml_io.dumps(accepted.to_dict()))) == accepted
        record("scenarios (Python API)", "clean" if same else "silent", repr(data), "")

    strict = settings(max_examples=cfg.scenarios, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
    given(malformed_scenarios())(strict(lambda data: scenario(data)))()
    given(bad_number_scenarios())(strict(lambda case: scenario(case[0])))()
    given(env_scenarios())(strict(lambda data: scenario(data)))()

    for path in special_files(folder):
        command = "solve" if path.suffix == ".json" else "validate"
        outcome, _, _, err = run([command, str(path)], cfg.timeout)
        record("special files", outcome, str(path)[-60:], err)
        if path.suffix != ".json" and path.name != "deep.toml":
            outcome, _, _, err = run(["solve", str(path)], cfg.timeout)
            record("special files", outcome, f"solve {str(path)[-60:]}", err)

    def game(text: str) -> None:
        path = folder / "g.json"
        path.write_text(text, encoding="utf-8")
        outcome, code, out, err = run(["solve", str(path)], cfg.timeout)
        if outcome == "clean" and code == 0 and "0 equilibria" in out:
            outcome = "silent"
        record("games", outcome, text, err)

    given(game_texts())(settings(strict, max_examples=cfg.games)(game))()
    shutil.rmtree(folder, ignore_errors=True)
    totals = sum(counts.values(), Counter())
    return {"tried": sum(totals.values()),
            "counts": {g: dict(c) for g, c in counts.items()}, "totals": dict(totals), "examples": examples}


if __name__ == "__main__":
    cfg = Config()
    result = {"config": asdict(cfg), **campaign(cfg)}
    out = Path(__file__).resolve().parent / "results" / "input_campaign.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("tried", "counts")}, indent=2))
