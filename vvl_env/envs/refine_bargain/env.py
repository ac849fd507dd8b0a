"""``refine_bargain_v0``: refine one's value weights, then bargain by alternating offers (model.md §3).

| Import             | ``from vvl_env.envs import refine_bargain_v0``                       |
|--------------------|----------------------------------------------------------------------|
| Actions            | Discrete(4 + grid**K)                                                |
| Parallel API       | yes (native; AEC through ``parallel_to_aec``)                        |
| Agents             | ``agents = ["player_0", "player_1"]``                                |
| Observation        | dict: "observation" Box(float32, (12 + 5 K,)), "action_mask" int8    |

The coarse problem divides one bundle (each party values a share s at s). Refining reveals the K value dimensions
and the refiner's own weights w^i, drawn at reset from its weight law (the hidden truth; a party that has not refined
knows only its prior's mean). Step 0 is the refinement phase: both act at once, "pass" or "refine" (with budget).
Then, for offer rounds t = 0 .. horizon - 1, the proposer (``first_proposer`` at even t) offers an allocation
x in grid^K (player_0's share of each dimension; the responder waits), then the responder accepts or rejects (the
proposer waits).

## Arguments
See :class:`~vvl_env.envs.refine_bargain.config.BargainConfig`: ``K`` (1-3), ``weights`` (a weight law, a name, or
``{"law": "uniform" | "dirichlet" | "fixed", ...}``; one for both parties or a pair), ``cost`` (of refining),
``grid`` (levels per dimension, shares ``linspace(0, 1, grid)``), ``delta`` (discount), ``horizon`` (offer rounds),
``first_proposer`` (0/1 or agent name), ``d`` (disagreement pair), ``budget`` (0/1 refinements per party),
``visibility`` ("public": refined weights are seen by both; "own": only by the refiner), ``invalid_action``
("raise" or "penalize", below) and ``invalid_action_penalty``,
``beliefs`` ("common", the default: each party's prior is the true weight laws; or a pair of weight laws, same
formats as ``weights``: party i believes that both parties' weights follow ``beliefs[i]``, model.md §4); and
``render_mode`` ("ansi" or "human"). Beliefs change what a party observes as prior means, never what is drawn.

## Action Space
| Index     | Meaning                                                  | Allowed (mask) when                    |
|-----------|----------------------------------------------------------|----------------------------------------|
| 0         | pass (refinement phase) / wait (not one's turn)          | refinement phase; not one's turn       |
| 1         | refine: reveal one's own weights, pay ``cost``           | refinement phase with budget left      |
| 2, 3      | accept / reject the offer on the table                   | responder's turn                       |
| 4 + j     | propose offer j: player_0 gets ``config.offers[j]``     | proposer's turn                        |

Offers enumerate the grid ``linspace(0, 1, grid)**K`` row-major (``np.unravel_index(j, (grid,) * K)``).

## Observation Space (egocentric: "own" is the observing agent)
| Index              | Meaning                                                                              |
|--------------------|--------------------------------------------------------------------------------------|
| 0, 1, 2            | phase one-hot: refinement, propose, respond (all 0 once done)                        |
| 3                  | offer round t                                                                        |
| 4                  | 1 if the agent proposes in round t                                                   |
| 5                  | 1 if an offer has been made                                                          |
| 6 : 6+K            | own shares in the latest offer (on the table while responding)                      |
| 6+K : 6+2K         | own weights as known: revealed if refined, else its prior mean (own belief)          |
| 6+2K               | 1 if own weights are revealed                                                        |
| 7+2K : 7+3K        | the other's weights: revealed if it refined and visibility is "public", else the      |
|                    | prior mean under the agent's own belief                                              |
| 7+3K, 8+3K         | 1 if the other refined (refining is public); 1 if its revealed weights are shown     |
| 9+3K : 9+5K        | belief parameters: own and other's prior mean weights under the agent's belief       |
| 9+5K, 10+5K, 11+5K | own budget left, other's budget left, own refinement cost                            |

## Rewards
Refining: ``-cost[i]`` at the refinement step. Agreement on x in round t: ``delta**t * (u1, u2)`` with
``(u1, u2) = BargainingProblem.utilities(x)`` for the **true** weights. No agreement after ``horizon`` rounds: ``d``
(undiscounted). ``infos[agent]`` holds "action_mask", the realized ``BargainingProblem`` under "problem" (the hidden
truth: for analysis, not for agents), "phase", and after each step "invalid_action".

## Invalid actions
As in every vvl environment (``vvl_env.envs.actions``): ``step`` needs one integer in ``[0, 4 + grid**K)`` per live
agent (``ValueError`` naming the agent otherwise) and a running episode. A masked action raises ``ValueError``
(``invalid_action="raise"``, the default) or, under ``"penalize"``, is not applied and ends the episode: the
offender gets ``-invalid_action_penalty``, the other 0 (PettingZoo classic's illegal-move convention).

## Version History
* v0: initial version; ``beliefs`` (private priors, default "common": unchanged observations) added in place; so
  was ``invalid_action`` (a masked action used to end the episode with ``-invalid_penalty``: now
  ``invalid_action="penalize"`` with ``invalid_action_penalty``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from gymnasium import spaces
from pettingzoo import ParallelEnv

from vvl_env.envs.actions import check_joint, episode_error, illegal_action
from vvl_env.envs.refine_bargain.config import AGENTS, make_config
from vvl_env.envs.refine_bargain.core import PHASES, BargainState, MaskTable, advance, start
from vvl_env.envs.refine_bargain.observe import Observer
from vvl_env.model._validate import check_choice


class RefineBargainEnv(ParallelEnv):
    """Native ParallelEnv of ``refine_bargain_v0`` (module docstring)."""

    metadata = {"name": "refine_bargain_v0", "render_modes": ["human", "ansi"], "is_parallelizable": True}

    def __init__(self, render_mode: str | None = None, **config: Any) -> None:
        self.config = make_config(**config)
        if render_mode is not None:
            check_choice("render_mode", render_mode, tuple(self.metadata["render_modes"]))
        self.render_mode = render_mode
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        c = self.config
        self._table = MaskTable(c)
        high = np.ones(c.obs_size, dtype=np.float32)
        high[3], high[-3:] = c.horizon, (1.0, 1.0, np.inf)
        obs_box = spaces.Box(np.zeros(c.obs_size, dtype=np.float32), high, dtype=np.float32)
        mask_box = spaces.Box(0, 1, (c.n_actions,), dtype=np.int8)
        self._observation_spaces = {a: spaces.Dict({"observation": obs_box, "action_mask": mask_box})
                                    for a in AGENTS}
        self._action_spaces = {a: spaces.Discrete(c.n_actions) for a in AGENTS}
        self._observer = Observer(c)
        self._rng = np.random.default_rng()
        self.state: BargainState | None = None
        self._masks = (self._table.done, self._table.done)

    def observation_space(self, agent: str) -> spaces.Space:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_spaces[agent]

    def _observe(self) -> dict[str, dict[str, npt.NDArray[Any]]]:
        """Set the masks of the current state; return what each agent is entitled to see (``Observer``)."""
        s, observer = self.state, self._observer
        phase, round_, offer = (np.array([v]) for v in (s.phase, s.round, s.offer))
        codes = observer.mask_codes(phase, round_, s.budget_left[None])[0]
        self._masks = (self._table.rows[codes[0]], self._table.rows[codes[1]])
        obs = observer.observe(phase, round_, offer, s.known[None], s.revealed[None], s.budget_left[None])[0]
        return {a: {"observation": obs[i], "action_mask": self._masks[i].copy()} for i, a in enumerate(AGENTS)}

    def _infos(self, obs: dict[str, Any]) -> dict[str, dict[str, Any]]:
        phase = PHASES[self.state.phase]
        return {a: {"action_mask": obs[a]["action_mask"], "problem": self.state.problem, "phase": phase}
                for a in AGENTS}

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None,
              ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
            for i, a in enumerate(AGENTS):
                self._action_spaces[a].seed(seed + i)
        self.state = start(self.config, self._rng)
        self.agents = list(AGENTS)
        if self.render_mode == "human":
            self.render()
        obs = self._observe()
        return obs, self._infos(obs)

    def step(self, actions: dict[str, int]) -> tuple[dict[str, Any], dict[str, float], dict[str, bool],
                                                     dict[str, bool], dict[str, dict[str, Any]]]:
        if not self.agents:
            raise episode_error(self.state is not None)
        a0, a1 = check_joint(actions, AGENTS, self.config.n_actions)
        m0, m1 = self._masks
        if not (m0[a0] and m1[a1]) and self.config.invalid_action == "raise":
            i, a = (0, a0) if not m0[a0] else (1, a1)
            raise illegal_action(AGENTS[i], a, f"in the {PHASES[self.state.phase]} phase", self._masks[i])
        rewards, done, invalid = advance(self.config, self.state, (a0, a1), self._masks)
        obs = self._observe()
        infos = self._infos(obs)
        for i, a in enumerate(AGENTS):
            infos[a]["invalid_action"] = invalid[i]
        self.agents = [] if done else list(AGENTS)
        if self.render_mode == "human":
            self.render()
        return (obs, {a: float(rewards[i]) for i, a in enumerate(AGENTS)}, {a: done for a in AGENTS},
                {a: False for a in AGENTS}, infos)

    def render(self) -> str | None:
        """The weights table (true, known by each party) and the offer history."""
        if self.render_mode is None or self.state is None:
            return None
        from vvl_env.envs.refine_bargain.render import bargain_table

        text = bargain_table(self.config, self.state)
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def close(self) -> None:
        pass
