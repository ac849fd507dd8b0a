"""RefineOrAct: one agent refines options of a decision problem, at a cost, then acts on one (model.md §1)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import numpy.typing as npt
from gymnasium import spaces

from vvl_env.model._validate import check_choice, check_real
from vvl_env.model.decision import DecisionProblem
from vvl_env.model.belief import believed_law
from vvl_env.model.cost import parse_cost
from vvl_env.model.perturbation import PerturbationModel, parse_perturbation

def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < low:
        raise ValueError(f"{name}: must be an integer >= {low}, got {value!r}")
    return int(value)


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
    refining existing options while budget and room remain, and acting on existing options.

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
    Terminates when the agent acts, or on an invalid (masked) action, which is treated as an error in the
    PettingZoo classic convention: the episode terminates with reward ``-invalid_penalty`` and
    ``info["invalid_action"] = True``. Episodes therefore last at most ``budget + 1`` steps and need no time limit.

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
    max_options : int >= N, default ``N + budget``
        Padding size of observations and actions.
    invalid_penalty : float >= 0, default 1
        Penalty of a masked action.
    render_mode : None, "ansi" or "human"

    ## References
    London and Mohseni, "Learning the Value of Value Learning", arXiv 2511.17714.

    ## Version History
    * v0: initial version. The ``belief`` argument and the bias entry (observation ``2M + 5`` long, was
      ``2M + 4``) were added in place, before any release.
    """

    metadata = {"render_modes": ["ansi", "human"], "render_fps": 1}

    def __init__(self, values: Any = (0.0, 0.0), perturbation: Any = None, cost: Any = 0.0, budget: int = 1,
                 max_options: int | None = None, invalid_penalty: float = 1.0, render_mode: str | None = None,
                 belief: Any = None):
        self.coarse = DecisionProblem(values)
        self.perturbation = PerturbationModel() if perturbation is None else parse_perturbation(perturbation)
        self.belief = self.perturbation if belief is None else believed_law(belief, self.perturbation, "belief", ("truth",))
        self.cost_law = parse_cost("cost", cost)
        self.budget = _check_int("budget", budget, 0)
        n = self.coarse.n_options
        self.max_options = n + self.budget if max_options is None else _check_int("max_options", max_options, n)
        self.invalid_penalty = check_real("invalid_penalty", invalid_penalty, low=0.0)
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
        b = self.belief
        self._belief = np.array([b.sigma_own, b.q_mean, b.bias], dtype=np.float32)
        self.problem = self.coarse
        self.budget_left, self.cost, self.costs_paid = self.budget, self.cost_law.mean, 0.0
        self._done = False

    @property
    def max_episode_steps(self) -> int:
        """An upper bound on the episode length: every step refines (using budget) or ends the episode."""
        return self.budget + 1

    def action_masks(self) -> npt.NDArray[np.bool_]:
        """Allowed actions (refine k for k < M, act k for M + k), the sb3-contrib MaskablePPO convention."""
        M, n = self.max_options, self.problem.n_options
        mask = np.zeros(2 * M, dtype=bool)
        if not self._done:
            mask[:n] = self.budget_left > 0 and n < M
            mask[M:M + n] = True
        return mask

    def _obs(self) -> npt.NDArray[np.float32]:
        M, n = self.max_options, self.problem.n_options
        obs = np.zeros(2 * M + 5, dtype=np.float32)
        obs[:n] = self.problem.values
        obs[M:M + n] = 1.0
        obs[2 * M], obs[2 * M + 1] = self.budget_left, self.cost
        obs[2 * M + 2:] = self._belief
        return obs

    def _info(self, **extra: Any) -> dict[str, Any]:
        return {"action_mask": self.action_masks().astype(np.int8), "problem": self.problem,
                "budget_left": self.budget_left, "costs_paid": self.costs_paid, **extra}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None,
              ) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
        super().reset(seed=seed)
        self.problem, self.budget_left, self.costs_paid, self._done = self.coarse, self.budget, 0.0, False
        self.cost = float(self.cost_law.sample(rng=self.np_random, size=1)[0])
        if self.render_mode == "human":
            self.render()
        return self._obs(), self._info()

    def step(self, action: int) -> tuple[npt.NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        a, M = int(action), self.max_options
        if not self.action_masks()[a]:
            self._done = True
            return self._obs(), -self.invalid_penalty, True, False, self._info(invalid_action=True)
        if a >= M:
            self._done = True
            reward = float(self.problem.values[a - M])
            info = self._info(invalid_action=False, chosen=a - M, value=reward)
        else:
            outcome = self.perturbation.sample(rng=self.np_random)
            self.problem = self.problem.refine(a, outcome)
            reward = -self.cost
            self.costs_paid += self.cost
            self.budget_left -= 1
            self.cost = float(self.cost_law.sample(rng=self.np_random, size=1)[0])
            info = self._info(invalid_action=False)
        if self.render_mode == "human":
            self.render()
        return self._obs(), reward, self._done, False, info

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
