"""One policy for the actions every vvl environment receives (``refine_matrix_v0``, ``refine_bargain_v0``,
``RefineOrAct``, ``RefineMatrixVecEnv``).

* **Malformed** actions always raise ``ValueError`` naming the agent, the action and the legal range: anything but
  an integer (a Python ``int``, a numpy integer or a 0-d integer array; never a bool, float or string), an
  integer outside ``[0, n)``, a missing or unknown agent key. Stepping before ``reset()`` or after the episode
  ended raises :class:`ResetNeeded` (a RuntimeError and a ValueError).
* **Illegal** actions (well-formed but masked out by the current ``action_mask``) follow the environment option
  ``invalid_action``:

  - ``"raise"`` (default: with masks in every observation, a masked action is a bug of the caller):
    ``ValueError`` naming the agent, the action, the phase and the legal actions; the step is rejected whole and
    the environment is left unchanged.
  - ``"penalize"`` (for learners that do not use masks, e.g. PPO or DQN): the joint action is not applied; the
    episode ends at once (every agent terminates, like PettingZoo's ``TerminateIllegalWrapper``); each offender
    receives ``-invalid_action_penalty`` and every other agent 0 for that step; ``info["invalid_action"]`` is True
    for the offenders.

Checks are plain integer comparisons, so a step stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import check_choice, check_real

INVALID_ACTIONS: tuple[str, ...] = ("raise", "penalize")
IntArray = npt.NDArray[np.int64]
_MISSING = object()


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_action(agent: str, action: Any, n: int) -> int:
    """``action`` as an int in ``[0, n)``, else ``ValueError`` naming ``agent``, the action and the range."""
    if type(action) is not int:
        if isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu":
            action = action.item()
        elif isinstance(action, np.integer):
            action = int(action)
        else:
            raise ValueError(f"{agent}: action must be an integer in [0, {n - 1}], got {_show(action)} "
                             f"({type(action).__name__})")
    if not 0 <= action < n:
        raise ValueError(f"{agent}: action must be an integer in [0, {n - 1}], got {action}")
    return action


def check_joint(actions: Any, agents: Sequence[str], n: int) -> list[int]:
    """One checked action per agent of ``agents`` (in that order) from a mapping with exactly those keys."""
    if type(actions) is not dict and not isinstance(actions, Mapping):
        raise ValueError(f"actions: must be a dict {{agent: action}} for the agents {list(agents)}, got "
                         f"{_show(actions)}")
    out = []
    for agent in agents:
        action = actions.get(agent, _MISSING)
        out.append(action if type(action) is int and 0 <= action < n else _check_one(agent, action, n, actions))
    if len(actions) != len(agents):
        unknown = [k for k in actions if k not in agents]
        raise ValueError(f"{unknown[0]!r}: not a live agent (actions must have one key per live agent "
                         f"{list(agents)}, got keys {list(actions)})")
    return out


def _check_one(agent: str, action: Any, n: int, actions: Mapping) -> int:
    if action is _MISSING:
        raise ValueError(f"{agent}: no action given (actions must have one key per live agent, got keys "
                         f"{list(actions)})")
    return check_action(agent, action, n)


def check_batch(actions: Any, num_envs: int, n: int) -> IntArray:
    """A VecEnv's actions (an integer array, or a sequence of integers) as an int64 array of shape (num_envs,)
    with entries in ``[0, n)``; errors name the sub-env where one is to blame."""
    if isinstance(actions, np.ndarray):
        arr = actions
        if arr.dtype.kind not in "iu" or arr.shape not in ((num_envs,), (num_envs, 1)):
            raise ValueError(f"actions: must be {num_envs} integers in [0, {n - 1}] (one per sub-env), got "
                             f"{_show(actions)} (dtype {arr.dtype}, shape {arr.shape})")
        arr = arr.reshape(num_envs)
        if arr.min() < 0 or arr.max() >= n:
            i = int(np.flatnonzero((arr < 0) | (arr >= n))[0])
            raise ValueError(f"sub-env {i}: action must be an integer in [0, {n - 1}], got {arr[i]}")
        return arr.astype(np.int64, copy=False)
    items = list(actions) if isinstance(actions, (list, tuple)) else None
    if items is None or len(items) != num_envs:
        raise ValueError(f"actions: must be {num_envs} integers in [0, {n - 1}] (one per sub-env), got "
                         f"{_show(actions)}")
    return np.array([check_action(f"sub-env {i}", a, n) for i, a in enumerate(items)], dtype=np.int64)


def illegal_action(agent: str, action: int, where: str, mask: npt.NDArray[Any]) -> ValueError:
    """The error of a masked action under ``invalid_action="raise"``; ``where`` says when, e.g. "in the play
    phase"."""
    legal = np.flatnonzero(mask).tolist()
    return ValueError(f"{agent}: action {action} is not legal {where} (legal actions: {legal}; see "
                      f"the action mask). The step was not applied; create the environment with "
                      f"invalid_action='penalize' to end the episode with a penalty instead")


class ResetNeeded(RuntimeError, ValueError):
    """``step`` with no episode running (a RuntimeError, and a ValueError like every refused action)."""


def episode_error(started: bool) -> ResetNeeded:
    """The error of ``step`` before the first ``reset()`` (``started`` False) or after the episode ended."""
    if not started:
        return ResetNeeded("step() called before reset(): call reset() to start an episode")
    return ResetNeeded("step() called after the episode ended: call reset() to start a new one")


def parse_invalid_action(mode: Any, penalty: Any) -> tuple[str, float]:
    """Check the options ``invalid_action`` ("raise" or "penalize") and ``invalid_action_penalty`` (>= 0)."""
    return (check_choice("invalid_action", mode, INVALID_ACTIONS),
            check_real("invalid_action_penalty", penalty, low=0.0))
