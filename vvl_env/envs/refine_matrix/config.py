"""Configuration of ``refine_matrix_v0``: validated once, at the boundary, into a frozen record.

Every per-agent setting takes one value for both agents or a pair ``(player_0, player_1)``. Errors are ``ValueError``
naming the field, the value and what is allowed (never ``assert``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from vvl_env.envs.actions import parse_invalid_action
from vvl_env.model._validate import check_choice
from vvl_env.model.game import NAMED_GAMES, Game, named_game
from vvl_env.model.cost import parse_cost
from vvl_env.model.belief import believed_law
from vvl_env.model.perturbation import PerturbationModel, parse_perturbation

AGENTS: tuple[str, str] = ("player_0", "player_1")
Visibility = Literal["public", "own"]
VISIBILITIES: tuple[str, ...] = ("public", "own")
RENDER_MODES: tuple[str | None, ...] = (None, "human", "ansi")
MAX_ACTIONS = 64  # padding M: observations hold 2 M^2 payoffs, refinement tables O(M^3) entries


def _pair(name: str, value: Any) -> tuple[Any, Any]:
    """One value for both agents, or a pair (player_0, player_1)."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"{name}: must be one value for both agents or a pair (player_0, player_1), got "
                             f"{value!r}")
        return value[0], value[1]
    return value, value


def _count(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name}: must be an integer >= {low}, got {value!r}")
    return int(value)


@dataclass(frozen=True, slots=True)
class RefineMatrixConfig:
    """A validated ``refine_matrix_v0`` configuration; per-agent fields are normalised to pairs.

    Parameters
    ----------
    game : str or Game, optional
        The base game: a name in ``NAMED_GAMES`` ("matching_pennies", "rock_paper_scissors", "prisoners_dilemma")
        or a :class:`Game`. Default "matching_pennies" unless ``R1`` is given.
    R1, R2 : array_like, optional
        The base game's payoff matrices instead of ``game``; ``R2=None`` means zero-sum (``R2 = -R1``).
    perturbation : PerturbationModel or mapping, or a pair of them
        The true law of each agent's refinements (one shared law or one per refiner).
    budget : int >= 0 or pair
        Refinements each agent may make; 0 means it can only pass. ``(1, 0)``: unilateral refinement by player_0.
    cost : number >= 0, CostLaw or mapping, or a pair
        Cost of one refinement: fixed, ``{"law": "uniform", "low": a, "high": b}`` or
        ``{"law": "exponential", "scale": mean}``, drawn per refinement.
    rounds : int >= 1
        Rounds of play of the realised game.
    beliefs : "common" or a pair (player_0, player_1)
        What each agent believes its refinements follow (shown in its observation). "common": each agent holds the
        true law of its own refinements. In a pair, each entry is "truth" (or "common"): that player's true law; a
        mapping of law fields: its true law with those fields changed (``{"sigma_own": 0.1}`` keeps the true
        sigma_other, rho, q, ...; resolved here, so changing ``perturbation`` moves it); or a PerturbationModel
        (an absolute law). :func:`vvl_env.model.belief.believed_law`.
    visibility : "public" or "own"
        What an agent sees of realised refinements (see the environment's docstring).
    max_actions : int, optional
        Padding size M of payoff matrices and action spaces; default ``max(m + budget_0, n + budget_1)``.
    render_mode : None, "human" or "ansi"
    invalid_action : "raise" or "penalize"
        A masked action raises ``ValueError`` (default) or ends the episode with ``-invalid_action_penalty`` for
        the offender (``vvl_env.envs.actions``).
    invalid_action_penalty : float >= 0
        The penalty of a masked action under "penalize" (default 1).
    """

    game: Any = None
    R1: Any = None
    R2: Any = None
    perturbation: Any = PerturbationModel()
    budget: Any = 1
    cost: Any = 0.0
    rounds: int = 1
    beliefs: Any = "common"
    visibility: Visibility = "public"
    max_actions: int | None = None
    render_mode: str | None = None
    invalid_action: str = "raise"
    invalid_action_penalty: float = 1.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "game", self._base_game())
        set_(self, "R1", None)
        set_(self, "R2", None)
        p0, p1 = _pair("perturbation", self.perturbation)
        set_(self, "perturbation", (parse_perturbation(p0, "perturbation[0]"), parse_perturbation(p1, "perturbation[1]")))
        b0, b1 = _pair("budget", self.budget)
        set_(self, "budget", (_count("budget[0]", b0, 0), _count("budget[1]", b1, 0)))
        c0, c1 = _pair("cost", self.cost)
        set_(self, "cost", (parse_cost("cost[0]", c0), parse_cost("cost[1]", c1)))
        set_(self, "rounds", _count("rounds", self.rounds, 1))
        if isinstance(self.beliefs, str):
            check_choice("beliefs", self.beliefs, ("common",))
        else:
            if not isinstance(self.beliefs, (list, tuple)) or len(self.beliefs) != 2:
                raise ValueError(f"beliefs: must be 'common' or a pair of priors (player_0, player_1), each 'truth', "
                                 f"'common', a mapping of law fields (the truth with those fields changed) or a "
                                 f"PerturbationModel; got {self.beliefs!r}")
            set_(self, "beliefs", tuple(believed_law(b, self.perturbation[i], f"beliefs[{i}]")
                                        for i, b in enumerate(self.beliefs)))
        check_choice("visibility", self.visibility, VISIBILITIES)
        m, n = self.game.shape
        need = max(m + self.budget[0], n + self.budget[1])
        if need > MAX_ACTIONS:
            field = "budget" if max(m, n) <= MAX_ACTIONS else "game"
            raise ValueError(f"{field}: actions plus budget may reach at most {MAX_ACTIONS} per player (the padding "
                             f"size of observations), got {m} + {self.budget[0]} rows, {n} + {self.budget[1]} columns")
        if self.max_actions is None:
            set_(self, "max_actions", need)
        else:
            set_(self, "max_actions", _count("max_actions", self.max_actions, need))
            if self.max_actions > MAX_ACTIONS:
                raise ValueError(f"max_actions: must be at most {MAX_ACTIONS}, got {self.max_actions}")
        if self.render_mode not in RENDER_MODES:
            raise ValueError(f"render_mode: must be one of {RENDER_MODES}; got {self.render_mode!r}")
        mode, penalty = parse_invalid_action(self.invalid_action, self.invalid_action_penalty)
        set_(self, "invalid_action", mode)
        set_(self, "invalid_action_penalty", penalty)

    def _base_game(self) -> Game:
        if self.R1 is not None:
            if self.game is not None:
                raise ValueError(f"game: give either a game or R1 (and R2), not both; got game={self.game!r}")
            return Game(self.R1, self.R2, name="custom")
        if self.R2 is not None:
            raise ValueError("R2: needs R1 (the row player's payoffs), got R1=None")
        game = "matching_pennies" if self.game is None else self.game
        if isinstance(game, Game):
            return game
        if isinstance(game, str):
            return named_game(game)
        raise ValueError(f"game: must be a Game or one of {', '.join(map(repr, NAMED_GAMES))}; got {game!r}")

    @property
    def belief_models(self) -> tuple[PerturbationModel, PerturbationModel]:
        """The law each agent believes its refinements follow."""
        return self.perturbation if self.beliefs == "common" else self.beliefs  # type: ignore[return-value]

    def belief_vector(self, agent: int) -> tuple[float, float, float, float, float, float]:
        """``(sigma_own, sigma_other, rho, q mean, cost mean, bias)`` as agent ``agent`` sees them."""
        b = self.belief_models[agent]
        return (b.sigma_own, b.sigma_other, b.rho, b.q_mean, self.cost[agent].mean, b.bias)


FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RefineMatrixConfig))


def make_config(**kwargs: Any) -> RefineMatrixConfig:
    """``RefineMatrixConfig(**kwargs)``, turning an unknown keyword into a ValueError that lists the allowed ones."""
    unknown = sorted(set(kwargs) - set(FIELDS))
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown configuration field; allowed: {', '.join(FIELDS)}")
    return RefineMatrixConfig(**kwargs)
