"""RefineOrAct: one agent refines options of a decision problem, at a cost, then acts on one (model.md §1)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import numpy.typing as npt
from gymnasium import spaces

from vvl_env.envs.actions import check_action, episode_error, parse_invalid_action
from vvl_env.envs.refine_or_act_core import RefineOrActCore
from vvl_env.model._validate import check_choice, check_int, readonly
from vvl_env.model.belief import believed_law
from vvl_env.model.cost import parse_cost
from vvl_env.model.decision import DecisionProblem
from vvl_env.model.perturbation import PerturbationModel, parse_perturbation

MAX_OPTIONS = 4096  # padding M: observations have 2 M + 5 entries
_FIRST = np.zeros(1, dtype=np.int64)  # the single copy of the core


def _trusted_problem(values: npt.NDArray[np.float64], labels: tuple[str, ...], name: str) -> DecisionProblem:
    """``DecisionProblem(values, labels, name=name)`` from values the core made (finite) and distinct labels, without
    re-validating them (a step trusts its state)."""
    problem = object.__new__(DecisionProblem)
    for field, value in (("values", readonly(values)), ("labels", labels), ("name", name)):
        object.__setattr__(problem, field, value)
    return problem


class RefineOrAct(gym.Env[npt.NDArray[np.float32], np.int64]):
    """Refine options at a cost, then act on one.

    ## Description
    A single agent faces N options with known coarse values U(X) (model.md §1). Each step it either refines an
    option, paying the current cost c, after which the option splits into its two variants (variant 1 at the
    option's index, variant 2 right after it, values drawn from the perturbation model by
    :meth:`DecisionProblem.refine`), or acts on an option, receiving its current value and ending the episode.
    Refining a variant again refines the result. At most ``budget`` refinements are allowed, and none once
    ``max_options`` options exist.

    ## Action Space
    ``Discrete(2 * M)`` with ``M = max_options``: action ``k < M`` refines option k, action ``M + k`` acts on option
    k. Masks (``action_masks()`` in the sb3-contrib MaskablePPO convention, and ``info["action_mask"]``, int8) allow
    refining existing options while budget and room remain, and acting on existing options. This is the layout of
    ``refine_matrix_v0`` (refine block, then act/play block) without its leading pass: here a step that neither
    refines nor acts would change nothing, so there is no pass.

    ## Observation Space
    ``Box(float32, (2 M + 5,))``:

    ==============  =============================================================================================
    Index           Description
    ==============  =============================================================================================
    ``[0, M)``      values of the options (0 for padding)
    ``[M, 2M)``     option k exists (1/0)
    ``2M``          remaining budget
    ``2M + 1``      the cost of the next refinement
    ``2M + 2``      belief: sigma_own (scale of the gap between variants)
    ``2M + 3``      belief: mean of q
    ``2M + 4``      belief: bias (0 unless the believed law violates the RRP)
    ==============  =============================================================================================

    The belief entries are the parameters of ``belief`` (the agent's law of refinements, model.md §4), not of the
    true ``perturbation`` unless the two agree (the default: common knowledge). Values and the bias are unbounded
    (bounds +-inf); the budget and cost bounds are widened to at least [0, 1] so that no bound is degenerate.

    ## Starting State
    The coarse problem ``DecisionProblem(values)``, the full budget, a cost drawn from the cost law.

    ## Rewards
    Refining: ``-c`` at that step (the cost, known before refining). Acting on option k: its current value
    ``U(k)``. The return is the realized value of the chosen option minus the costs paid.

    ## Episode End
    Terminates when the agent acts. Episodes therefore last at most ``budget + 1`` steps and need no time limit.

    ## Implementation
    The dynamics are :class:`~vvl_env.envs.refine_or_act_core.RefineOrActCore` with one copy (the vector env
    ``RefineOrActVecEnv`` steps many); this class validates the configuration and adds the Gymnasium API, the
    realised problem (values and labels) and rendering.

    ## Invalid actions
    As in every vvl environment (``vvl_env.envs.actions``): an action that is not an integer in ``[0, 2M)``
    raises ``ValueError``, as does stepping before ``reset()`` or after the episode ended. A masked action raises
    ``ValueError`` (``invalid_action="raise"``, the default), or (``"penalize"``) is not applied and terminates the
    episode with reward ``-invalid_action_penalty``. ``info["invalid_action"]`` says which, on every step.

    ## Arguments
    values : array_like, shape (N,)
        Coarse option values.
    perturbation : PerturbationModel or mapping of its fields, default ``PerturbationModel()`` (sigma_own 1)
        The true law of a refinement outcome (what the world draws from); only ``own1, own2`` (the variants'
        values) are used.
    belief : PerturbationModel, mapping of its fields or "truth", optional
        The agent's belief about refinements, whose ``sigma_own``, mean of q and ``bias`` the observation shows
        (model.md §4). Default: the true ``perturbation`` (common knowledge). A mapping is the truth with those
        fields changed (:func:`vvl_env.model.belief.believed_law`). It never changes what is drawn.
    cost : float >= 0 or mapping, default 0
        Cost of one refinement (:class:`vvl_env.model.cost.CostLaw`): a number, ``{"law": "fixed", "value": c}``,
        ``{"law": "uniform", "low", "high"}`` or ``{"law": "exponential", "scale"}``.
        The cost of the next refinement is drawn at reset and after each refinement, and is observed before
        deciding (the stochastic-cost question of model.md §1).
    budget : int >= 0, default 1
        Maximum number of refinements.
    max_options : int in [N, 4096], default ``N + budget``
        Padding size of observations and actions; no refinement once ``max_options`` options exist (so a huge
        budget needs an explicit ``max_options``).
    invalid_action : "raise" (default) or "penalize"
        What a masked action does (above).
    invalid_action_penalty : float >= 0, default 1
        The penalty of a masked action under "penalize".
    render_mode : None, "ansi" or "human"

    ## References
    London and Mohseni, "Learning the Value of Value Learning", arXiv 2511.17714.

    ## Version History
    * v0: initial version. The ``belief`` argument and the bias entry (observation ``2M + 5`` long, was
      ``2M + 4``) were added in place, before any release; so was ``invalid_action`` (a masked action used to end
      the episode with ``-invalid_penalty``, now ``invalid_action="penalize"`` with ``invalid_action_penalty``).
    """

    metadata = {"render_modes": ["ansi", "human"], "render_fps": 1}

    def __init__(self, values: Any = (0.0, 0.0), perturbation: Any = None, cost: Any = 0.0, budget: int = 1,
                 max_options: int | None = None, render_mode: str | None = None, belief: Any = None,
                 invalid_action: str = "raise", invalid_action_penalty: float = 1.0):
        self.coarse = DecisionProblem(values)
        self.perturbation = PerturbationModel() if perturbation is None else parse_perturbation(perturbation)
        self.belief = self.perturbation if belief is None else believed_law(belief, self.perturbation, "belief", ("truth",))
        self.cost_law = parse_cost("cost", cost)
        self.budget = check_int("budget", budget, 0)
        n = self.coarse.n_options
        if n > MAX_OPTIONS:
            raise ValueError(f"values: at most {MAX_OPTIONS} options, got {n}")
        if max_options is None:
            if n + self.budget > MAX_OPTIONS:
                raise ValueError(f"budget: {n} options + budget {self.budget} exceeds {MAX_OPTIONS} options (the "
                                 f"padding size max_options); give max_options <= {MAX_OPTIONS} explicitly (refining "
                                 f"stops once that many options exist) or a smaller budget")
            max_options = n + self.budget
        self.max_options = check_int("max_options", max_options, n, MAX_OPTIONS)
        self.invalid_action, self.invalid_action_penalty = parse_invalid_action(invalid_action, invalid_action_penalty)
        if render_mode is not None:
            check_choice("render_mode", render_mode, tuple(self.metadata["render_modes"]))
        self.render_mode = render_mode
        M = self.max_options
        self.action_space = spaces.Discrete(2 * M)
        # budget and cost bounds are widened to [0, >0] so that no bound is degenerate (low == high)
        top = [max(self.budget, 1), self.cost_law.upper or 1.0, np.inf, 1.0, np.inf]
        low = np.concatenate([np.full(M, -np.inf), np.zeros(M), np.zeros(4), [-np.inf]])
        high = np.concatenate([np.full(M, np.inf), np.ones(M), top])
        self.observation_space = spaces.Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)
        self._core = RefineOrActCore(self, 1, agent="agent")                   # the dynamics (one copy)
        self._act = np.zeros(1, dtype=np.int64)
        self._labels = list(self.coarse.labels)
        self.problem = self.coarse                                              # the realised problem
        self._started = False

    @property
    def budget_left(self) -> int:
        """Refinements left in this episode."""
        return int(self._core.budget_left[0])

    @property
    def cost(self) -> float:
        """The cost of the next refinement (the mean of the cost law before the first reset)."""
        return float(self._core.cost[0])

    @property
    def costs_paid(self) -> float:
        """Costs paid in this episode."""
        return float(self._core.costs_paid[0])

    @property
    def max_episode_steps(self) -> int:
        """An upper bound on the episode length: every step refines (using budget) or ends the episode."""
        return self.budget + 1

    def action_masks(self) -> npt.NDArray[np.bool_]:
        """Allowed actions (refine k for k < M, act k for M + k), the sb3-contrib MaskablePPO convention."""
        return self._core.mask[0].copy()

    def _info(self, **extra: Any) -> dict[str, Any]:
        return {"action_mask": self._core.mask[0].astype(np.int8), "problem": self.problem,
                "budget_left": self.budget_left, "costs_paid": self.costs_paid, **extra}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None,
              ) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
        super().reset(seed=seed)
        self._core.rngs[0] = self.np_random                                     # the core draws from np_random
        self._core.reset(_FIRST)
        self.problem, self._labels, self._started = self.coarse, list(self.coarse.labels), True
        if self.render_mode == "human":
            self.render()
        return self._core.obs[0].copy(), self._info()

    def step(self, action: int) -> tuple[npt.NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        core = self._core
        if core.done[0]:
            raise episode_error(self._started)
        M = self.max_options
        a = self._act[0] = check_action("agent", action, 2 * M)
        rew, _, invalid = core.step(self._act)                                 # raises for a masked action
        reward = float(rew[0])
        if invalid[0]:
            return core.obs[0].copy(), reward, True, False, self._info(invalid_action=True)
        if a >= M:
            info = self._info(invalid_action=False, chosen=a - M, value=reward)
        else:
            self._record(a)
            info = self._info(invalid_action=False)
        if self.render_mode == "human":
            self.render()
        return core.obs[0].copy(), reward, bool(core.done[0]), False, info

    def _record(self, k: int) -> None:
        """The realised problem after refining option k: the core's values, option k relabelled k.1, k.2."""
        base = self._labels[k]
        self._labels[k:k + 1] = [f"{base}.1", f"{base}.2"]
        self.problem = _trusted_problem(self._core.values[0, :self._core.n[0]], tuple(self._labels), self.coarse.name)

    def render(self) -> str | None:
        """The options table (label, value), the remaining budget and the next cost."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='ansi' or 'human'.")
            return None
        p = self.problem
        width = max(len(s) for s in p.labels)
        lines = [f"{'option'.ljust(width)} | value"] + [f"{s.ljust(width)} | {v: .4g}" for s, v in
                                                       zip(p.labels, p.values)]
        lines.append(f"budget left {self.budget_left}, next cost {self.cost:.4g}, costs paid {self.costs_paid:.4g}")
        text = "\n".join(lines)
        if self.render_mode == "human":
            print(text)
            return None
        return text
