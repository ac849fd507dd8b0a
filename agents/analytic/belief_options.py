"""Belief options of the analytic agents as a scenario file writes them (model.md §4).

A scenario's ``options`` table is plain data, so an agent's belief arrives as a mapping of the law's fields, a
weight-law spec, or the word ``"truth"`` (in the two-player envs also ``"common"``, as their ``beliefs`` read it):
the true law of the environment's configuration for the agent's role, which makes a *common-knowledge reference*
whatever the beliefs its observation shows. A mapping is read relative to that
truth (:func:`vvl_env.model.belief.believed_law`): the true law with those fields changed. :func:`resolve_belief`
turns these into the objects the agent classes take (``model`` of :class:`RefineOrActAgent`, ``belief`` of
:class:`MatrixAgent` and :class:`BargainAgent`); objects pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TRUTH = "truth"


def resolve_belief(env_id: str, key: str, value: Any, env_config: Mapping[str, Any], role: str | None) -> Any:
    """The belief object for option ``key`` (``"model"`` or ``"belief"``) of an agent in ``env_id``.

    Parameters
    ----------
    env_id : "refine_or_act", "refine_matrix_v0" or "refine_bargain_v0"
    key : the option's name (used in error messages).
    value : a law object (returned as is), a mapping of some of its fields (the truth with those fields changed), a
        weight-law spec (bargaining: a name, a mapping with ``law``, or a pair of them) or ``"truth"``.
    env_config : the environment's keyword arguments (for ``"truth"``).
    role : the agent's role ("player_0", "player_1"); refine_matrix_v0 needs it (each refiner has its own true
        law).

    Raises
    ------
    ValueError
        Naming ``key``, the value and what is allowed.
    """
    if env_id == "refine_or_act":
        from vvl_env.model.belief import believed_law
        from vvl_env.model.perturbation import PerturbationModel, parse_perturbation

        truth = env_config.get("perturbation")             # one agent: "truth" only, as the env's `belief`
        return believed_law(value, PerturbationModel() if truth is None else parse_perturbation(truth), key,
                            (TRUTH,))
    if env_id == "refine_matrix_v0":
        from vvl_env.envs.refine_matrix.config import AGENTS, make_config
        from vvl_env.model.belief import believed_law
        from vvl_env.model.perturbation import PerturbationModel

        if isinstance(value, PerturbationModel):
            return value
        if role not in AGENTS:
            raise ValueError(f"{key}: a belief relative to the truth needs the agent's role (one of {AGENTS}) in "
                             f"refine_matrix_v0, got role {role!r}")
        config = {k: v for k, v in env_config.items() if k != "render_mode"}
        return believed_law(value, make_config(**config).perturbation[AGENTS.index(role)], key)
    if isinstance(value, str) and value in (TRUTH, "common"):   # as the two-player envs' `beliefs` read them
        return TRUTH  # BargainAgent reads its configuration's true laws
    from vvl_env.envs.refine_bargain.config import BargainConfig, parse_weight_law
    from vvl_env.model.bargaining import WeightLaw

    if isinstance(value, WeightLaw):
        return value
    K = BargainConfig(**{k: v for k, v in env_config.items() if k != "render_mode"}).K
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return (parse_weight_law(f"{key}[0]", value[0], K), parse_weight_law(f"{key}[1]", value[1], K))
    return parse_weight_law(key, value, K)
