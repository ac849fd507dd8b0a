# noqa: D212, D415
"""
# Refine Matrix

| Import             | `from vvl_env.envs import refine_matrix_v0`                     |
|--------------------|-----------------------------------------------------------------|
| Actions            | Discrete                                                        |
| Parallel API       | Yes (native; AEC through `parallel_to_aec`)                     |
| Manual Control     | No                                                              |
| Agents             | `agents = ['player_0', 'player_1']` (rows, columns)             |
| Action Shape       | Discrete(1 + 2M)                                                |
| Observation Shape  | Dict: `observation` Box(2M² + 4M + 12,), `action_mask` (1 + 2M,) |
| Vectorised         | `RefineMatrixVecEnv` (SB3 VecEnv, same core)                   |

Two players first refine a normal-form game, then play the game they made (our model: model.md §2). In the
*refinement phase* both players, simultaneously and once per turn, either pass or refine one of their own actions,
splitting it into two variants with payoff offsets drawn from a perturbation model (`vvl_env.model.refine`). The
phase ends when both pass in the same turn or no budget is left. In the *play phase* the realised game is played
for `rounds` rounds; each round pays both players the realised payoffs of the chosen cell.

M (`max_actions`) pads every matrix, mask and action space, so shapes stay fixed for the whole episode.

### Arguments

```python
from vvl_env.envs import refine_matrix_v0

env = refine_matrix_v0.parallel_env(game="matching_pennies", perturbation={"sigma_own": 1.0}, budget=(1, 0),
                                    cost={"law": "uniform", "low": 0.0, "high": 0.2}, rounds=1,
                                    beliefs="common", visibility="public", max_actions=None, render_mode=None,
                                    invalid_action="raise", invalid_action_penalty=1.0)
```

`game`: a name ("matching_pennies", "rock_paper_scissors", "prisoners_dilemma") or a `Game`; or instead `R1` (and
`R2`, default `-R1`: zero-sum) as arrays. `perturbation`: the true law of refinements, a `PerturbationModel` or a
mapping of its fields, one for both or a pair (one per refiner). `budget`: refinements per agent, int or pair (0:
the agent can only pass). `cost`: per refinement, a number, `{"law": "uniform", "low", "high"}` or
`{"law": "exponential", "scale"}` (drawn per refinement), or a pair. `rounds`: rounds of play (>= 1). `beliefs`:
"common" (each agent holds the true law of its own refinements) or a pair of priors. `visibility`: "public" or
"own" (below). `max_actions`: M, default `max(m + budget[0], n + budget[1])`, at most 64. `invalid_action`:
"raise" (default) or "penalize", with `invalid_action_penalty` (below). Bad values raise `ValueError` naming the
field, the value and what is allowed.

### Observation Space

`observation` is a float32 vector in the agent's *own-first frame*: its own actions index rows. For player_0 the
payoff blocks are (R1, R2), for player_1 (R2ᵀ, R1ᵀ), so one policy serves both roles. Padding is 0.

| Index                      | Description                                                                 |
|:--------------------------:|-----------------------------------------------------------------------------|
| [0, M²)                    | own payoffs, own action x opponent action, as the agent may see them        |
| [M², 2M²)                  | the opponent's payoffs, same frame                                          |
| [2M², 2M² + M)             | own action k exists (1/0)                                                   |
| [2M² + M, 2M² + 2M)        | opponent action k exists                                                    |
| 2M² + 2M + (0, 1, 2)       | phase one-hot: refine, play, done                                           |
| 2M² + 2M + (3, 4)          | refinements left: own, opponent                                             |
| [2M² + 2M + 5, ... + M)    | own action of the last round (one-hot; zeros before the first)              |
| [2M² + 3M + 5, ... + M)    | opponent's action of the last round                                         |
| 2M² + 4M + 5               | rounds played                                                               |
| 2M² + 4M + (6 ... 11)      | own belief: sigma_own, sigma_other, rho, mean q, mean cost of own refinement, bias (0 unless the belief violates the RRP) |

`vvl_env.envs.refine_matrix.layout.ObsLayout(M).sections()` names every slice.

Visibility "public": both agents see the true realised game. Visibility "own": an agent's view is the game refined
with only the offsets it is entitled to, namely the offsets of *its own payoffs from its own refinements*. A variant
the opponent created shows the coarse payoffs (both players') of its parent, and the opponent's payoffs in a variant
the agent created show the parent's. So an agent knows that a refinement happened (the action count grows) but not
its hidden offsets. Rewards in play still reveal the realised cell.

`action_mask` (int8) marks the legal actions (below). `info[agent]` holds `game` (the true realised `Game`),
`base_game`, `refinements` (tuple of `RefinementEvent(player, action, outcome, cost)`, in the order applied) and
`phase`. The info is not an observation: under "own" it reveals what the observation hides.

### Action Space

| Value            | Action                                 | Legal when                                            |
|:----------------:|----------------------------------------|-------------------------------------------------------|
| 0                | pass                                   | refinement phase                                      |
| 1 + k, k < M     | refine own action k (k -> k.1, k.2)    | refinement phase, action k exists, budget left        |
| 1 + M + k, k < M | play own action k                      | play phase, action k exists                           |

Variant 1 takes index k, variant 2 index k + 1; later actions shift by one. When both refine in a turn, player_0's
row refinement applies first. Nothing is legal once the episode is done.

The layout (0 pass, a refine block, then an act block) is shared by every vvl environment: `RefineOrAct` has the
refine and act blocks without the pass (a step there that neither refines nor acts would change nothing), and
`refine_bargain_v0` has 0 pass/wait, 1 refine, then its bargaining actions.

### Invalid actions

As in every vvl environment (`vvl_env.envs.actions`): `step` needs a dict with one integer in `[0, 1 + 2M)` per live
agent (a numpy integer is fine; a bool, float or string is not), a running episode (after `reset()`, before the
end), and raises `ValueError` naming the agent, the action and the legal range otherwise. A masked action raises
`ValueError` naming the agent, the phase and the legal actions, leaving the env unchanged (`invalid_action="raise"`,
the default), or, with `invalid_action="penalize"` (for learners without masks), the joint action is not applied
and the episode ends at once: each offender gets `-invalid_action_penalty` (default 1), the other agent 0, and
`info[agent]["invalid_action"]` (present after every step) marks the offenders.

### Rewards

| Step                          | player i's reward                                    |
|-------------------------------|------------------------------------------------------|
| refinement turn               | minus the cost of its refinement (0 when it passes)   |
| each round of play (a0, a1)   | R_i[a0, a1] of the true realised game                |

### Episode End

All agents terminate after the last round (at most budget[0] + budget[1] + 1 refinement turns, then `rounds`).
No truncation.

### Seeding

`reset(seed=s)` makes one `np.random.Generator`; it pre-draws 64 episodes of refinement outcomes and costs through
the model layer's batched samplers, consumed in order by later `reset()` calls. Refinement j of agent i in an
episode uses the same draw whatever was refined. `RefineMatrixVecEnv` copy c seeded with s + c plays the same
episodes.

### Version History

* v0: initial release. Changed in place, before any release (spaces unchanged, so saved models still load): masked
  actions raise or are penalised (`invalid_action`) instead of being resolved to pass / own action 0; stepping
  before `reset()` or after the end raises instead of returning empty dicts; nothing is legal once done (pass was);
  `max_actions` is at most 64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from vvl_env.envs.actions import check_joint, episode_error, illegal_action
from vvl_env.envs.aec import aec_env
from vvl_env.envs.refine_matrix.config import AGENTS, make_config
from vvl_env.envs.refine_matrix.core import MatrixCore
from vvl_env.envs.refine_matrix.layout import PHASES
from vvl_env.model._validate import readonly
from vvl_env.model.game import Game
from vvl_env.model.perturbation import RefinementOutcome

_ALL = slice(None)


@dataclass(frozen=True, slots=True, eq=False)
class RefinementEvent:
    """One realised refinement: ``refine(game, player, action, outcome)``, charged ``cost``."""

    player: int
    action: int
    outcome: RefinementOutcome
    cost: float

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RefinementEvent):
            return NotImplemented
        a, b = self.outcome, other.outcome
        return (self.player == other.player and self.action == other.action and self.cost == other.cost
                and all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("q", "own1", "own2", "other1",
                                                                                  "other2")))


def trusted_game(R1: np.ndarray, R2: np.ndarray, row_labels: tuple[str, ...], col_labels: tuple[str, ...],
                 name: str) -> Game:
    """A :class:`Game` built from arrays the core made (finite, float64, labels distinct), without re-validating
    them (``step`` trusts its inputs); the result equals ``Game(R1, R2, row_labels, col_labels, name=name)``."""
    game = object.__new__(Game)
    for field, value in (("R1", readonly(R1)), ("R2", readonly(R2)), ("row_labels", row_labels),
                         ("col_labels", col_labels), ("name", name)):
        object.__setattr__(game, field, value)
    return game


class RefineMatrixEnv(ParallelEnv):
    """The native ParallelEnv of ``refine_matrix_v0`` (see the module docstring); keyword arguments as there."""

    metadata = {"name": "refine_matrix_v0", "render_modes": ["human", "ansi"], "is_parallelizable": True}

    def __init__(self, **config: Any) -> None:
        self.config = make_config(**config)
        self.render_mode = self.config.render_mode
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self._core = MatrixCore(self.config, 1)
        M, L = self._core.M, self._core.layout.size
        self.observation_spaces = {a: spaces.Dict({
            "observation": spaces.Box(-np.inf, np.inf, (L,), np.float32),
            "action_mask": spaces.Box(0, 1, (1 + 2 * M,), np.int8)}) for a in AGENTS}
        self.action_spaces = {a: spaces.Discrete(1 + 2 * M) for a in AGENTS}
        self._act = np.zeros((1, 2), dtype=np.int64)
        self._base = self.config.game
        self._started = False
        self._reset_record()

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    # --- episode --------------------------------------------------------------------------------------------

    def _reset_record(self) -> None:
        self.game = self._base
        self.refinements: tuple[RefinementEvent, ...] = ()
        self._labels = [list(self._base.row_labels), list(self._base.col_labels)]

    def reset(self, seed: int | None = None, options: dict | None = None,
              ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        self._core.reset(_ALL, None if seed is None else [seed])
        self._reset_record()
        self.agents = list(AGENTS)
        self._started = True
        return self._observations(), self._infos()

    def step(self, actions: dict[str, int]) -> tuple[dict, dict, dict, dict, dict]:
        if not self.agents:
            raise episode_error(self._started)
        core, act = self._core, self._act
        act[0, 0], act[0, 1] = check_joint(actions, AGENTS, core.A)
        mask = core.mask[0]
        ok = mask[0, act[0, 0]] and mask[1, act[0, 1]]
        if not ok and self.config.invalid_action == "raise":
            p = 0 if not mask[0, act[0, 0]] else 1
            phase = PHASES[core.phase[0]]
            raise illegal_action(AGENTS[p], int(act[0, p]), f"in the {phase} phase", mask[p])
        rew, done = core.step(act, None if ok else core.legal(act))
        refined = core.refined[0]
        if refined[0] or refined[1]:
            self._record(refined)
        r = rew[0].tolist()
        d = bool(done[0])
        obs, infos = self._observations(), self._infos()
        bad = (False, False) if ok else core.invalid[0].tolist()
        infos["player_0"]["invalid_action"], infos["player_1"]["invalid_action"] = bad
        rewards = {"player_0": r[0], "player_1": r[1]}
        terminations = {"player_0": d, "player_1": d}
        truncations = {"player_0": False, "player_1": False}
        if d:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return obs, rewards, terminations, truncations, infos

    def _record(self, refined: np.ndarray) -> None:
        """Append the realised refinements and rebuild the info's Game (only on refinement turns)."""
        events = []
        for p in (0, 1):
            if refined[p]:
                k, outcome, cost = self._core.event(0, p)
                events.append(RefinementEvent(p, k, outcome, cost))
                base = self._labels[p][k]
                self._labels[p][k:k + 1] = [f"{base}.1", f"{base}.2"]
        self.refinements = self.refinements + tuple(events)
        R1, R2 = self._core.game_arrays(0)
        self.game = trusted_game(R1, R2, tuple(self._labels[0]), tuple(self._labels[1]), self._base.name)

    def _observations(self) -> dict[str, dict[str, np.ndarray]]:
        obs, mask = self._core.obs[0], self._core.mask[0]
        return {"player_0": {"observation": obs[0].copy(), "action_mask": mask[0].copy()},
                "player_1": {"observation": obs[1].copy(), "action_mask": mask[1].copy()}}

    def _infos(self) -> dict[str, dict[str, Any]]:
        phase = PHASES[self._core.phase[0]]
        return {a: {"game": self.game, "base_game": self._base, "refinements": self.refinements, "phase": phase}
                for a in AGENTS}

    # --- rendering ------------------------------------------------------------------------------------------

    def render(self) -> str | None:
        if self.render_mode is None:
            gymnasium.logger.warn("You are calling render method without specifying any render mode.")
            return None
        core = self._core
        b0, b1 = core.bud[0].tolist()
        text = (f"refine_matrix_v0 | phase: {PHASES[core.phase[0]]} | rounds played: {core.rnd[0]}/{core.rounds} | "
                f"refinements left: player_0 {b0}, player_1 {b1}\n{self.game}")
        if self.render_mode == "ansi":
            return text
        print(text)
        return None

    def close(self) -> None:
        pass


def parallel_env(**config: Any) -> RefineMatrixEnv:
    """The native ParallelEnv."""
    return RefineMatrixEnv(**config)


def raw_env(**config: Any):
    """The AEC env: ``parallel_to_aec(parallel_env(**config))``."""
    return parallel_to_aec(parallel_env(**config))


def env(**config: Any):
    """The AEC env, each action checked at its agent's turn, order enforced (``vvl_env.envs.aec``)."""
    return aec_env(parallel_env(**config))
