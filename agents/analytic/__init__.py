"""Analytic agents: Bayes refine rules on the agent's own belief and reference play from the solver layer; never
trained. :func:`make_agent` builds one by kind and environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.analytic.bargain import BargainAgent
from agents.analytic.baselines import UniformRandom
from agents.analytic.belief_options import resolve_belief
from agents.analytic.matrix import MatrixAgent
from agents.analytic.matrix_private import PrivatePlay
from agents.analytic.refine_stage import StageBeliefs
from agents.analytic.refine_or_act import RefineOrActAgent, cost_law_of
from agents.policy import Policy
from vvl_env.solve.selection import SelectionRule

KINDS: dict[str, str] = {"bayes_myopic": "myopic", "bayes_optimal": "optimal", "never_refine": "never",
                         "always_refine": "always"}
ENV_IDS: tuple[str, ...] = ("refine_or_act", "refine_matrix_v0", "refine_bargain_v0")


def make_agent(kind: str, env_id: str, *, env_config: Mapping[str, Any] | None = None, role: str | None = None,
               default_selection: str | None = None, default_seed: int | None = None, **options: Any) -> Policy:
    """An analytic agent or baseline.

    Parameters
    ----------
    kind : "bayes_myopic", "bayes_optimal", "never_refine", "always_refine" or "random"
    env_id : "refine_or_act", "refine_matrix_v0" or "refine_bargain_v0"
    env_config : mapping, optional
        The environment's keyword arguments; read for what the observation does not carry (``rounds`` in
        refine_matrix_v0; under ``visibility = "own"`` the base game, laws and budgets of its Bayes-Nash play,
        :mod:`agents.analytic.matrix_private`; under "public", for ``bayes_optimal`` without a ``belief`` or
        ``cost`` option, both players' laws and mean costs, for its equilibrium of the refine stage,
        :mod:`agents.analytic.refine_stage`; delta, horizon, d, grid, first proposer and the weight laws in
        refine_bargain_v0).
    role : str, optional
        The agent's role ("agent", "player_0" or "player_1"); required in refine_matrix_v0 (the frame of the
        equilibrium both players play, and ``belief = "truth"``).
    default_selection : str, optional
        The equilibrium selection of a refine_matrix_v0 agent given no ``selection`` option: a scenario's
        ``[evaluation].selection``, so that agents and the reference line measure the same thing (default: the
        agent class's, "max_welfare").
    default_seed : int, optional
        The ``seed`` of a refine_matrix_v0 agent given none: the run seed (its Monte Carlo and its draw under "all").
    **options
        Passed to the agent class: :class:`RefineOrActAgent` (``model``: default, given ``env_config``, the law the
        env's ``belief`` names, in full: the observation carries only its sigma, mean q and bias, read as a
        normal-gap pointwise law; ``cost_law``: default from ``env_config['cost']``), :class:`MatrixAgent`
        (``belief``, ``selection``, ``n``, ``n_outer``, ``n_inner``, ``seed``, ``cost``) or :class:`BargainAgent`
        (``belief``, ``n``, ``seed``); ``name`` for all. ``model`` / ``belief`` may be plain data (a mapping of
        the law's fields, a weight-law spec) or ``"truth"``, the configured true law: a common-knowledge reference
        (:func:`agents.analytic.belief_options.resolve_belief`).

    Examples
    --------
    >>> make_agent("bayes_myopic", "refine_or_act").name
    'refine_or_act/myopic'
    """
    if env_id not in ENV_IDS:
        raise ValueError(f"env_id: must be one of {ENV_IDS}, got {env_id!r}")
    if kind == "random":
        return UniformRandom(**options)
    if kind not in KINDS:
        raise ValueError(f"kind: must be one of {sorted(KINDS) + ['random']}, got {kind!r}")
    mode = KINDS[kind]
    config = dict(env_config or {})
    for key in ("model", "belief"):
        if options.get(key) is not None:
            options[key] = resolve_belief(env_id, key, options[key], config, role)
    if env_id == "refine_or_act":
        if mode == "optimal" and "cost" in config:
            options.setdefault("cost_law", cost_law_of(config["cost"]))
        if env_config is not None and options.get("model") is None:   # the whole believed law, which the
            from vvl_env.envs import RefineOrAct                          # observation names only in part
            options["model"] = RefineOrAct(**{k: v for k, v in config.items() if k != "render_mode"}).belief
        return RefineOrActAgent(mode, **options)  # type: ignore[arg-type]
    if env_id == "refine_matrix_v0":
        options.setdefault("rounds", config.get("rounds", 1))
        if default_selection is not None:
            options.setdefault("selection", default_selection)
        if default_seed is not None:
            options.setdefault("seed", int(default_seed))
        if role is None:
            raise ValueError("role: a refine_matrix_v0 analytic agent needs its role, 'player_0' or 'player_1' "
                             "(it fixes the frame of the equilibrium both players play), got None")
        if env_config is not None:
            from vvl_env.envs.refine_matrix.config import make_config
            parsed = make_config(**{k: v for k, v in config.items() if k != "render_mode"})
            if "selection" in options:                  # a Lemke-Howson label must exist in the base game
                try:
                    SelectionRule.parse(options["selection"]).check_label(*parsed.game.shape)
                except ValueError as exc:
                    raise ValueError(f"selection: {str(exc).removeprefix('rule: ')} (the base game "
                                     f"{parsed.game.name!r})") from None
            if parsed.visibility == "own" and "private" not in options:
                options["private"] = PrivatePlay.from_config(parsed)
            if (parsed.visibility == "public" and mode == "optimal" and "stage" not in options
                    and options.get("belief") is None and options.get("cost") is None):
                options["stage"] = StageBeliefs.from_config(parsed)
        return MatrixAgent(mode, role=role, **options)  # type: ignore[arg-type]
    config.pop("render_mode", None)
    return BargainAgent(mode, config=config, **options)  # type: ignore[arg-type]


__all__ = ["BargainAgent", "ENV_IDS", "KINDS", "MatrixAgent", "RefineOrActAgent", "UniformRandom", "make_agent"]
