"""``agents.learning.sb3_args``: the table of SB3 constructor arguments against the real classes, and the checks
that use it (``TrainConfig`` and scenario validation), none of which imports SB3."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable

import numpy as np
import pytest

from agents.learning.config import TrainConfig, algo_class
from agents.learning.sb3_args import RESERVED, SB3_ARGS, check_sb3_arg
from tests.runs.conftest import tiny
from vvl_env.runs.errors import ScenarioError
from vvl_env.runs.schema import validate_scenario


def _kind(param: inspect.Parameter) -> str:
    """The table's kind of one real constructor argument, read from its annotation (the default's type where the
    argument has none: MMDPPO's own keywords)."""
    if param.annotation is inspect.Parameter.empty:
        return {bool: "bool", int: "int", float: "float"}[type(param.default)]
    members = set(typing.get_args(param.annotation)) if isinstance(param.annotation, types.UnionType) \
        or typing.get_origin(param.annotation) is typing.Union else {param.annotation}
    optional = "?" if type(None) in members else ""
    members.discard(type(None))
    origins = {typing.get_origin(m) or m for m in members}
    if origins == {float, Callable}:
        return "schedule" + optional
    if origins == {int, tuple}:  # DQN's train_freq: n, or (n, "step" | "episode") -- the table allows n
        return "int" + optional
    (only,) = origins
    return {int: "int", float: "float", bool: "bool", dict: "table", type: "class"}[only] + optional


@pytest.mark.parametrize("algo", sorted(set(SB3_ARGS) - {"exploitability_descent"}))
def test_table_matches_the_real_constructor(algo: str) -> None:
    params = inspect.signature(algo_class(algo).__init__).parameters
    assert RESERVED <= set(params)
    real = {name: _kind(p) for name, p in params.items() if name != "self" and name not in RESERVED}
    assert SB3_ARGS[algo] == real


def test_exploitability_descent_table_matches_its_config() -> None:
    """Not SB3: the settable keys are EDConfig's fields, the layer widths through policy_kwargs.net_arch."""
    from agents.learning.config import EDConfig

    kinds = {"int": "int", "float": "float", "str": "str", "bool": "bool", "float | None": "float?"}
    fields = {name: kinds.get(f.type) for name, f in EDConfig.__dataclass_fields__.items()}
    expected = {name: kind for name, kind in fields.items() if name != "net_arch"} | {"policy_kwargs": "table?"}
    assert SB3_ARGS["exploitability_descent"] == expected


def test_mmd_ppo_passes_maskable_ppo_arguments_through() -> None:
    from sb3_contrib import MaskablePPO

    assert issubclass(algo_class("mmd_ppo"), MaskablePPO)
    assert set(SB3_ARGS["mmd_ppo"]) - set(SB3_ARGS["maskable_ppo"]) == {"kl_coef", "magnet_every", "anneal_lr",
                                                                         "ent_final", "kl_final", "full_information"}


@pytest.mark.parametrize(("algo", "key", "value", "problem"), [
    ("ppo", "n_steps", 64, None), ("ppo", "n_steps", np.int64(64), None), ("ppo", "n_steps", 64.0, "an integer"),
    ("ppo", "n_steps", True, "an integer"), ("ppo", "gamma", 1, None), ("ppo", "gamma", "0.9", "a number"),
    ("ppo", "gamma", lambda p: p, "a number"), ("ppo", "learning_rate", lambda p: 1e-3 * p, None),
    ("ppo", "normalize_advantage", 1, "true or false"), ("ppo", "target_kl", None, None),
    ("ppo", "gae_lambda", None, "a number"), ("ppo", "policy_kwargs", [64], "a table"),
    ("ppo", "rollout_buffer_class", "RolloutBuffer", "a Python class"), ("dqn", "max_grad_norm", 0.5, None),
    ("maskable_ppo", "use_sde", True, "not a settable maskable_ppo argument"),
    ("ppo", "seed", 3, "not a settable ppo argument"), ("mmd_ppo", "kl_coef", "x", "a number"),
])
def test_check_sb3_arg(algo: str, key: str, value: object, problem: str | None) -> None:
    found = check_sb3_arg(algo, key, value)
    assert found is None if problem is None else problem in found, found


def test_train_config_accepts_schedules_and_rejects_wrong_types() -> None:
    base = dict(env_id="refine_matrix_v0", mode="shared", env_config={"game": "matching_pennies"})
    TrainConfig(algo="ppo", hyperparams={"learning_rate": lambda p: 1e-3 * p}, **base)
    TrainConfig(algo="mmd_ppo", hyperparams={"n_steps": 16, "kl_coef": 0.1}, **base)
    with pytest.raises(ValueError, match=r"^hyperparams\.gamma: must be a number"):
        TrainConfig(algo="ppo", hyperparams={"gamma": lambda p: 0.9}, **base)
    with pytest.raises(ValueError, match=r"^hyperparams\.magnet_every: must be an integer >= 1, got 0"):
        TrainConfig(algo="mmd_ppo", hyperparams={"magnet_every": 0}, **base)
    with pytest.raises(ValueError, match=r"^env_config\.budget"):
        TrainConfig(algo="ppo", env_id="refine_matrix_v0", mode="shared", env_config={"budget": -1})


def _learner(algo: str, **hyperparams: object) -> dict:
    data = tiny()
    data["agents"][2] = {"name": "l", "kind": "learner", "algo": algo, "total_timesteps": 512,
                         "hyperparams": hyperparams}
    return data


@pytest.mark.parametrize(("algo", "hyperparams", "error"), [
    ("ppo", {"normalize_advantage": 1}, "agents[2].hyperparams.normalize_advantage: must be true or false, got 1"),
    ("ppo", {"sde_sample_freq": 1.5}, "agents[2].hyperparams.sde_sample_freq: must be an integer, got 1.5"),
    ("ppo", {"rollout_buffer_class": "RolloutBuffer"}, "agents[2].hyperparams.rollout_buffer_class: must be a "
                                                       "Python class (not settable from a scenario file)"),
    ("mmd_ppo", {"kl_coef": "x"}, "agents[2].hyperparams.kl_coef: must be a number, got 'x'"),
    ("mmd_ppo", {"kl_coef": -1.0}, "agents[2].hyperparams.kl_coef: must be a number >= 0, got -1.0"),
    ("mmd_ppo", {"policy_kwargs": {"activation_fn": "rel"}}, "agents[2].hyperparams.policy_kwargs: activation_fn: "
                                                             "must be one of ['elu', 'gelu', 'leaky_relu', 'relu'"),
    ("dqn", {"n_steps": 0}, "agents[2].hyperparams.n_steps: must be an integer in [1, 1e+06], got 0"),
    ("maskable_ppo", {"use_sde": True}, "agents[2].hyperparams.use_sde: not a settable maskable_ppo argument"),
])
def test_scenario_rejects_wrong_argument_types(algo: str, hyperparams: dict, error: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        validate_scenario(_learner(algo, **hyperparams))
    assert str(exc.value).startswith(error), exc.value


def test_scenario_accepts_what_sb3_accepts() -> None:
    """DQN's max_grad_norm (int default 10, a float argument) and n-step returns of 1, PPO's sde_sample_freq -1."""
    validate_scenario(_learner("dqn", max_grad_norm=0.5, n_steps=1))
    validate_scenario(_learner("ppo", sde_sample_freq=-1, normalize_advantage=False))


def test_named_activation_reaches_the_network(tmp_path) -> None:
    """``policy_kwargs.activation_fn = "relu"`` (a scenario can only name it) builds ReLU layers, and the saved model
    reloads with them."""
    from torch import nn

    from agents.learning import train

    config = TrainConfig("refine_matrix_v0", {"game": "matching_pennies"}, algo="maskable_ppo", mode="shared",
                         total_timesteps=64, n_envs=2, hyperparams={"n_steps": 16, "policy_kwargs": {
                             "net_arch": [8], "activation_fn": "relu"}})
    result = train(config, tmp_path)
    layers = list(result.models["shared"].policy.mlp_extractor.policy_net)
    assert [type(m) for m in layers] == [nn.Linear, nn.ReLU]
    reloaded = algo_class("maskable_ppo").load(result.model_paths["shared"], device="cpu")
    assert reloaded.policy.activation_fn is nn.ReLU
