"""Checks of a validated scenario that pydantic's models cannot express, made before anything is built.

- :func:`check_hyperparam_ranges`: the stable-baselines3 arguments a run would pass: each one a settable argument
  of the learner's algorithm, of the type of its default (``agents.learning.sb3_args``: a table, so that no SB3
  or torch import slows validation down), and within the ranges in which it trains (``learning_rate = 1e308`` or
  ``batch_size = 1`` give NaN logits, ``n_epochs = 1e30`` never ends, ``net_arch = [-5]`` is a torch traceback);
- :func:`check_magnitudes`: numbers of ``env.config`` at most :data:`MAX_MAGNITUDE` in size (observations are
  float32: ``sigma_own = 1e308`` becomes inf, and far smaller numbers already drown every other entry);
- :func:`check_selection`: a Lemke-Howson label that exists in the base game (``lemke_howson:99999``).
"""

from __future__ import annotations

from typing import Any

from agents.learning.sb3_args import SB3_ARGS, check_sb3_arg
from vvl_env.runs.errors import ScenarioError, join_key

MAX_MAGNITUDE = 1e12
MAX_LAYERS, MAX_WIDTH = 16, 4096
# name: (integer?, low, high, low inclusive?) -- the ranges in which SB3's PPO / DQN arguments make sense
RANGES: dict[str, tuple[bool, float, float, bool]] = {
    "learning_rate": (False, 0.0, 1.0, False), "gamma": (False, 0.0, 1.0, False),
    "gae_lambda": (False, 0.0, 1.0, True), "clip_range": (False, 0.0, 1.0, False),
    "clip_range_vf": (False, 0.0, 10.0, False), "ent_coef": (False, 0.0, 10.0, True),
    "vf_coef": (False, 0.0, 100.0, True), "max_grad_norm": (False, 0.0, 1e6, False),
    "target_kl": (False, 0.0, 10.0, False), "tau": (False, 0.0, 1.0, False),
    "exploration_fraction": (False, 0.0, 1.0, True), "exploration_initial_eps": (False, 0.0, 1.0, True),
    "exploration_final_eps": (False, 0.0, 1.0, True),
    "n_steps": (True, 2, 10**6, True), "batch_size": (True, 2, 10**6, True), "n_epochs": (True, 1, 1000, True),
    "buffer_size": (True, 1, 10**8, True), "learning_starts": (True, 0, 10**9, True),
    "train_freq": (True, 1, 10**6, True), "gradient_steps": (True, 1, 1000, True),
    "target_update_interval": (True, 1, 10**9, True), "stats_window_size": (True, 1, 10**6, True),
}
#: Ranges of one algorithm that differ from :data:`RANGES` (DQN's ``n_steps`` counts n-step returns: 1 is plain).
ALGO_RANGES: dict[str, dict[str, tuple[bool, float, float, bool]]] = {
    "dqn": {"n_steps": (True, 1, 10**6, True)}, "exploitability_descent": {"n_steps": (True, 1, 10**6, True)}}


def _in_range(where: str, value: Any, rule: tuple[bool, float, float, bool]) -> None:
    integer, low, high, closed = rule
    kind = "an integer" if integer else "a number"
    ok = not isinstance(value, bool) and isinstance(value, int if integer else (int, float))
    if not ok or not ((low <= value if closed else low < value) and value <= high):
        bracket = "[" if closed else "("
        raise ScenarioError(f"{where}: must be {kind} in {bracket}{low:g}, {high:g}], got {value!r}")


def _check_net_arch(where: str, arch: Any) -> None:
    layers = arch.items() if isinstance(arch, dict) else [("", arch)]
    for key, widths in layers:
        at = f"{where}.{key}" if key else where
        if not isinstance(widths, list) or len(widths) > MAX_LAYERS:
            raise ScenarioError(f"{at}: must be a list of at most {MAX_LAYERS} layer widths (or a table of "
                                f"such lists, e.g. {{pi = [64, 64], vf = [64, 64]}}), got {widths!r}")
        for k, w in enumerate(widths):
            if isinstance(w, bool) or not isinstance(w, int) or not 1 <= w <= MAX_WIDTH:
                raise ScenarioError(f"{at}[{k}]: must be a layer width, an integer in [1, {MAX_WIDTH}], got {w!r}")


def check_hyperparam_ranges(scenario: Any) -> None:
    """Every learner's SB3 arguments settable, of the right type and within :data:`RANGES`, and
    ``policy_kwargs.net_arch`` a list of widths."""
    for learner in scenario.learners:
        i = scenario.agents.index(learner)
        ranges = {**RANGES, **ALGO_RANGES.get(learner.algo, {})}
        for key, value in learner.sb3_hyperparams().items():
            where = f"agents[{i}].hyperparams.{key}" if key in learner.hyperparams else f"agents[{i}].{key}"
            if key in ranges and key in SB3_ARGS[learner.algo]:
                if not (key == "gradient_steps" and value == -1):  # -1: as many gradient steps as env steps
                    _in_range(where, value, ranges[key])
                continue
            problem = check_sb3_arg(learner.algo, key, value)
            if problem is not None:
                raise ScenarioError(f"{where}: {problem}")
            if key == "policy_kwargs" and "net_arch" in value:
                _check_net_arch(f"{where}.net_arch", value["net_arch"])


def check_magnitudes(scenario: Any) -> None:
    """Every number in ``env.config`` at most :data:`MAX_MAGNITUDE` in absolute value."""
    stack: list[tuple[Any, str]] = [(scenario.env.config, "env.config")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, join_key(path, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{k}]") for k, v in enumerate(node))
        elif isinstance(node, (int, float)) and not isinstance(node, bool) and abs(node) > MAX_MAGNITUDE:
            raise ScenarioError(f"{path}: must be at most {MAX_MAGNITUDE:g} in absolute value (observations are "
                                f"float32; rescale the problem), got {node!r}")


def check_selection(scenario: Any) -> None:
    """A ``lemke_howson:k`` selection must name a label of the base game of ``refine_matrix_v0`` (k < m + n)."""
    from vvl_env.solve.selection import SelectionRule

    rule = SelectionRule.parse(scenario.evaluation.selection)
    if rule.label is None or scenario.env.id != "refine_matrix_v0":
        return
    from vvl_env.envs.refine_matrix.config import make_config

    try:
        game = make_config(**scenario.env.config).game
    except Exception:  # an invalid config: the environment's own check reports it next
        return
    m, n = game.shape
    try:
        rule.check_label(m, n)                          # the library's own check (as make_agent's)
    except ValueError:
        raise ScenarioError(f"evaluation.selection: label {rule.label} does not exist in the {m}x{n} base game "
                            f"{game.name!r} (lemke_howson:k with k in 0..{m + n - 1}), got "
                            f"{scenario.evaluation.selection!r}") from None

