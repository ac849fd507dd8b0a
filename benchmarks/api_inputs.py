"""Campaign: malformed inputs to the environments and the model layer; how many are refused cleanly.

Each case calls one public API with one malformed input and is classified as

* ``clean``: a ``ValueError`` whose message starts with the expected name (agent, sub-env, argument or field);
* ``traceback``: any other exception, or a ValueError naming something else;
* ``silent``: no exception (the input was accepted);
* ``hang``: no answer within ``TIMEOUT`` seconds (SIGALRM).

Inputs: every malformed action in ``BAD_ACTIONS`` to every env (parallel, AEC, Gymnasium, vector) and agent, missing
and unknown agent keys, steps before reset and after the end, masked actions under the default
``invalid_action="raise"``; payoff entries, labels, strategies, sample counts, outcomes and sizes for the model layer.
Run: ``python benchmarks/api_inputs.py`` (writes ``benchmarks/results/api_inputs.json``, about 20 s).
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np

TIMEOUT = 10
BAD_ACTIONS: list[Any] = [-1, -10**20, 10**20, 99, 1.5, 3.0, float("nan"), float("inf"), "1", "pass", True, False,
                          None, [1], {"a": 1}, 1 + 0j, np.float32(1.0), np.bool_(True), np.array([1]),
                          np.array(1.0), b"1", np.int64(-1), np.uint8(250)]
BAD_ENTRIES: list[Any] = ["1", True, np.bool_(False), None, float("nan"), float("inf"), 10**400, 1j, {"x": 2}, b"1"]


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def classify(call: Callable[[], Any], name: str) -> str:
    """Run ``call`` and classify its outcome (module docstring); ``name`` starts a clean error message."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT)
    try:
        call()
        return "silent"
    except _Timeout:
        return "hang"
    except ValueError as exc:
        return "clean" if str(exc).startswith(name) else "traceback"
    except Exception:  # noqa: BLE001 (counted, not hidden)
        return "traceback"
    finally:
        signal.alarm(0)


def _after_end(make: Callable[[], Any]) -> None:
    """Play the first legal action of every mask to the end of an episode, then step once more."""
    env = make()
    obs, _ = env.reset(seed=0)
    while env.agents:
        obs = env.step({a: int(np.flatnonzero(obs[a]["action_mask"])[0]) for a in env.agents})[0]
    env.step({"player_0": 0, "player_1": 0})


def env_cases() -> list[tuple[str, Callable[[], Any], str]]:
    """(class, call, expected name) for every env case."""
    from vvl_env.envs import RefineMatrixVecEnv, RefineOrAct, refine_bargain_v0, refine_matrix_v0
    from vvl_env.envs.refine_or_act_vector import RefineOrActVecEnv

    cases: list[tuple[str, Callable[[], Any], str]] = []
    parallel = {"refine_matrix_v0": lambda: refine_matrix_v0.parallel_env(game="rock_paper_scissors", budget=1),
                "refine_bargain_v0": lambda: refine_bargain_v0.parallel_env(K=2, grid=3)}
    for env_name, make in parallel.items():
        def fresh(make=make):
            env = make()
            env.reset(seed=0)
            return env
        for agent in ("player_0", "player_1"):
            for bad in BAD_ACTIONS:
                actions = {"player_0": 0, "player_1": 0, agent: bad}
                cases.append((f"{env_name} malformed action", lambda a=actions, f=fresh: f().step(a), agent))
            last = make().action_space(agent).n - 1                          # masked at the start in both envs
            cases.append((f"{env_name} masked action", lambda a={"player_0": 0, "player_1": 0, agent: last},
                          f=fresh: f().step(a), agent))
        cases.append((f"{env_name} missing key", lambda f=fresh: f().step({"player_0": 0}), "player_1"))
        cases.append((f"{env_name} unknown key", lambda f=fresh: f().step({"player_0": 0, "player_1": 0, "x": 0}),
                      "'x'"))
        cases.append((f"{env_name} step before reset", lambda m=make: m().step({"player_0": 0, "player_1": 0}),
                      "step() called before reset()"))
        cases.append((f"{env_name} step after the end", lambda m=make: _after_end(m),
                      "step() called after the episode ended"))
        aec = refine_matrix_v0.env if env_name == "refine_matrix_v0" else refine_bargain_v0.env
        for bad in BAD_ACTIONS:
            def aec_step(bad=bad, aec=aec):
                env = aec()
                env.reset(seed=0)
                env.step(bad)
            cases.append((f"{env_name} AEC malformed action", aec_step, "player_0"))

    for bad in BAD_ACTIONS:
        def roa_step(bad=bad):
            env = RefineOrAct(values=[0.0, 1.0], budget=1)
            env.reset(seed=0)
            env.step(bad)
        cases.append(("RefineOrAct malformed action", roa_step, "agent"))

        def vec_step(bad=bad):
            vec = RefineMatrixVecEnv(4, seed=0)
            vec.reset()
            vec.step([0, bad, 0, 0])
        cases.append(("RefineMatrixVecEnv malformed action", vec_step, "sub-env 1"))

        def roa_vec_step(bad=bad):
            vec = RefineOrActVecEnv(3, seed=0, values=[0.0, 1.0], budget=1)
            vec.reset()
            vec.step([0, bad, 0])
        cases.append(("RefineOrActVecEnv malformed action", roa_vec_step, "sub-env 1"))

        if np.ndim(bad) > 0:
            continue                                                  # np.array([[1]] * 4): one legal action each

        def vec_array_step(bad=bad):
            vec = RefineMatrixVecEnv(4, seed=0)
            vec.reset()
            vec.step(np.array([bad] * 4))
        integer = isinstance(bad, (int, np.integer)) and not isinstance(bad, bool) and abs(bad) < 2**63
        cases.append(("RefineMatrixVecEnv malformed action array", vec_array_step, "sub-env 0" if integer else
                      "actions"))
    cases.append(("RefineOrAct step before reset", lambda: RefineOrAct(values=[0.0]).step(0),
                  "step() called before reset()"))

    def roa_after_end() -> None:
        env = RefineOrAct(values=[0.0], budget=0)
        env.reset(seed=0)
        env.step(1)                                                             # act on option 0: the end
        env.step(1)
    cases.append(("RefineOrAct step after the end", roa_after_end, "step() called after the episode ended"))
    cases.append(("RefineOrAct huge budget", lambda: RefineOrAct(values=[0.0], budget=10**9), "budget"))
    cases.append(("refine_matrix_v0 huge budget", lambda: refine_matrix_v0.parallel_env(budget=10**9), "budget"))
    cases.append(("RefineMatrixVecEnv huge state", lambda: RefineMatrixVecEnv(10**6, budget=(20, 20)), "num_envs"))
    return cases


def model_cases() -> list[tuple[str, Callable[[], Any], str]]:
    """(class, call, expected name) for every model-layer case."""
    from vvl_env.model import DecisionProblem, Game, PerturbationModel, matching_pennies, refine

    cases: list[tuple[str, Callable[[], Any], str]] = []
    for bad in BAD_ENTRIES:
        cases.append(("Game payoff entry", lambda b=bad: Game([[1.0, b], [0.0, 1.0]]), "R1"))
        cases.append(("Game payoff entry", lambda b=bad: Game([[1.0, 0.0]], [[b, 0.0]]), "R2"))
        cases.append(("DecisionProblem value", lambda b=bad: DecisionProblem([0.0, b]), "values"))
        cases.append(("Game.payoffs strategy entry", lambda b=bad: matching_pennies().payoffs([b, 0.5], [1, 0]), "x"))
    for labels in ["ab", ("a", 1), ("a", None), ("a", "a"), ("a",), {"a", "b"}, 7, [1, {"x": 2}]]:
        cases.append(("Game labels", lambda l=labels: Game([[1.0, 2.0], [3.0, 4.0]], row_labels=l), "row_labels"))
        cases.append(("DecisionProblem labels", lambda l=labels: DecisionProblem([1.0, 2.0], labels=l), "labels"))
    for x, y, name in [([1, 0, 0], [1, 0], "x"), ([1, 0], [1], "y"), ([], [1, 0], "x"), ([[1, 0]], [1, 0], "x")]:
        cases.append(("Game.payoffs strategy length", lambda x=x, y=y: matching_pennies().payoffs(x, y), name))
    law, rng = PerturbationModel(), np.random.default_rng(0)
    for bad in [-1, 0, 1.5, "2", True, None, [2], float("nan")]:
        cases.append(("PerturbationModel.sample n_opposing", lambda b=bad: law.sample(rng=rng, n_opposing=b),
                      "n_opposing"))
        if bad != 0 and bad is not None:
            cases.append(("PerturbationModel.sample size", lambda b=bad: law.sample(rng=rng, size=b), "size"))
    cases.append(("PerturbationModel.sample rng", lambda: law.sample(rng=0), "rng"))
    for outcome in [None, 0.5, {"q": 0.5}, law.sample(rng=rng, n_opposing=3)]:
        cases.append(("refine outcome", lambda o=outcome: refine(matching_pennies(), 0, 0, o), "outcome"))
    return cases


def run() -> dict[str, Any]:
    by_class: dict[str, Counter] = {}
    for kind, call, name in env_cases() + model_cases():
        by_class.setdefault(kind, Counter())[classify(call, name)] += 1
    total = sum(by_class.values(), Counter())
    return {"benchmark": "api_inputs", "tried": sum(total.values()), "totals": dict(total),
            "by_class": {k: dict(v) for k, v in sorted(by_class.items())}}


if __name__ == "__main__":
    result = run()
    out = Path(__file__).parent / "results" / "api_inputs.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"tried {result['tried']}: " + ", ".join(f"{k} {v}" for k, v in sorted(result["totals"].items())))
    for kind, counts in result["by_class"].items():
        if set(counts) != {"clean"}:
            print(f"  {kind}: {counts}")
