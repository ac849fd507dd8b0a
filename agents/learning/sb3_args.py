"""The constructor arguments of the SB3 algorithms vvl trains, known without importing SB3 or torch.

Validating a scenario must answer in well under a second, and importing torch and stable-baselines3 alone takes
2-4 s, so the settable arguments and their types are a table here. ``tests/agents/test_sb3_args.py`` compares it
with ``inspect.signature`` of the real classes (the names, and each kind with the argument's annotation), so it
cannot go stale when SB3 changes.

Kinds: ``"int"``, ``"float"`` (an int is accepted), ``"schedule"`` (a float, or SB3's callable of the progress
remaining), ``"bool"``, ``"table"`` (a dict of keyword arguments) and ``"class"`` (a Python class: settable from
Python, not from a scenario file); a trailing ``"?"`` marks an argument that may be None (SB3's "off" or "SB3
decides"; a scenario file cannot write None).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

#: Arguments vvl sets itself (``TrainConfig`` and the trainer), never through ``hyperparams``.
RESERVED = frozenset({"policy", "env", "seed", "device", "verbose", "_init_setup_model", "tensorboard_log"})

_PPO = {"learning_rate": "schedule", "n_steps": "int", "batch_size": "int", "n_epochs": "int", "gamma": "float",
        "gae_lambda": "float", "clip_range": "schedule", "clip_range_vf": "schedule?", "normalize_advantage": "bool",
        "ent_coef": "float", "vf_coef": "float", "max_grad_norm": "float", "rollout_buffer_class": "class?",
        "rollout_buffer_kwargs": "table?", "target_kl": "float?", "stats_window_size": "int",
        "policy_kwargs": "table?"}
#: algo -> settable constructor argument -> kind (module docstring).
SB3_ARGS: dict[str, dict[str, str]] = {
    "ppo": {**_PPO, "use_sde": "bool", "sde_sample_freq": "int"},
    "maskable_ppo": {**_PPO, "batch_size": "int?"},
    # agents.learning.mmd_ppo: MaskablePPO's arguments and the magnet's
    "mmd_ppo": {**_PPO, "batch_size": "int?", "kl_coef": "float", "magnet_every": "int", "anneal_lr": "bool",
                "ent_final": "float?", "kl_final": "float?", "full_information": "bool"},
    # agents.learning.exploitability_descent (not SB3): agents.learning.config.EDConfig's fields
    "exploitability_descent": {"learning_rate": "float", "n_steps": "int", "batch_size": "int", "replay": "int",
                               "grad_steps": "int", "eta": "float", "alpha": "float", "magnet_every": "int",
                               "critic_epochs": "int", "snapshots": "int", "welfare_weight": "float",
                               "welfare_final": "float?", "alpha_final": "float?", "learning_rate_final": "float?",
                               "refine_values": "str", "refine_draws": "int",
                               "refine_explore": "float", "branch_play": "bool", "refine_fit": "str", "payoffs": "str",
                               "play_gradient": "str", "neurd_floor": "float", "neurd_threshold": "float",
                               "policy_kwargs": "table?"},
    "dqn": {"learning_rate": "schedule", "buffer_size": "int", "learning_starts": "int", "batch_size": "int",
            "tau": "float", "gamma": "float", "train_freq": "int", "gradient_steps": "int",
            "replay_buffer_class": "class?", "replay_buffer_kwargs": "table?", "optimize_memory_usage": "bool",
            "n_steps": "int", "target_update_interval": "int", "exploration_fraction": "float",
            "exploration_initial_eps": "float", "exploration_final_eps": "float", "max_grad_norm": "float",
            "stats_window_size": "int", "policy_kwargs": "table?"},
}
_ALLOWED = {"int": "an integer", "float": "a number", "str": "a string", "schedule": "a number or a schedule (a callable)",
            "bool": "true or false", "table": "a table of keyword arguments",
            "class": "a Python class (not settable from a scenario file)"}


#: ``policy_kwargs.activation_fn`` by name (a scenario file cannot name a class): name -> ``torch.nn`` class name.
ACTIVATIONS: dict[str, str] = {"tanh": "Tanh", "relu": "ReLU", "elu": "ELU", "silu": "SiLU", "gelu": "GELU",
                               "leaky_relu": "LeakyReLU"}


def check_activation(value: Any) -> str | None:
    """What ``policy_kwargs.activation_fn`` must be when ``value`` is not that (a name of :data:`ACTIVATIONS` or a
    class), else None."""
    if isinstance(value, type) or value in ACTIVATIONS:
        return None
    return f"must be one of {sorted(ACTIVATIONS)} (or a torch.nn class from Python), got {value!r}"


def resolve_activation(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with a named ``policy_kwargs.activation_fn`` replaced by its ``torch.nn`` class (imports torch)."""
    pk = kwargs.get("policy_kwargs")
    if not isinstance(pk, dict) or not isinstance(pk.get("activation_fn"), str):
        return kwargs
    from torch import nn

    return {**kwargs, "policy_kwargs": {**pk, "activation_fn": getattr(nn, ACTIVATIONS[pk["activation_fn"]])}}


def check_sb3_arg(algo: str, key: str, value: Any) -> str | None:
    """What ``value`` must be for argument ``key`` of ``algo`` when it is not that, else None.

    Returns "not a settable <algo> argument; allowed: [...]" for an unknown or reserved ``key``. Ranges are
    checked elsewhere (``vvl_env.runs.checks``, ``TrainConfig``).
    """
    args = SB3_ARGS[algo]
    if key not in args:
        return f"not a settable {algo} argument; allowed: {sorted(args)}"
    kind = args[key].rstrip("?")
    if value is None and args[key].endswith("?"):
        return None
    number = not isinstance(value, bool) and isinstance(value, Real)
    ok = {"int": number and isinstance(value, Integral), "float": number, "schedule": number or callable(value),
          "bool": isinstance(value, bool), "table": isinstance(value, dict), "class": isinstance(value, type),
          "str": isinstance(value, str)}[kind]
    if ok and key == "policy_kwargs" and value and "activation_fn" in value:
        problem = check_activation(value["activation_fn"])
        return None if problem is None else f"activation_fn: {problem}"
    return None if ok else f"must be {_ALLOWED[kind]}, got {value!r}"


def check_mmd_params(params: dict[str, Any], prefix: str = "") -> None:
    """ValueError naming the first bad one of ``kl_coef`` (>= 0), ``magnet_every`` (int >= 1), ``anneal_lr``
    (bool), ``ent_final`` (> 0), ``kl_final`` (>= 0), ``full_information`` (bool) and ``ent_coef`` (> 0: the KL
    term rides on it) present in ``params``, and ``normalize_advantage`` with ``full_information``."""
    def number(v: Any) -> bool:
        return not isinstance(v, bool) and isinstance(v, (int, float))

    rules = {"kl_coef": (lambda v: number(v) and v >= 0, "a number >= 0"),
             "magnet_every": (lambda v: number(v) and isinstance(v, int) and v >= 1, "an integer >= 1"),
             "anneal_lr": (lambda v: isinstance(v, bool), "true or false"),
             "ent_final": (lambda v: v is None or number(v) and v > 0, "a number > 0 (or absent: no annealing)"),
             "kl_final": (lambda v: v is None or number(v) and v >= 0,
                          "a number >= 0 (or absent: the KL weight follows the temperature)"),
             "full_information": (lambda v: isinstance(v, bool), "true or false"),
             "ent_coef": (lambda v: number(v) and v > 0, "a number > 0 for mmd_ppo (the KL term rides on it)")}
    for key, (ok, allowed) in rules.items():
        if key in params and not ok(params[key]):
            raise ValueError(f"{prefix}{key}: must be {allowed}, got {params[key]!r}")
    if params.get("full_information") and params.get("normalize_advantage"):
        raise ValueError(f"{prefix}normalize_advantage: must be false with full_information (its play rows carry no "
                         "advantage), got True")
