"""Configuration of ``refine_bargain_v0``: validated once, with the derived offer grid and action layout."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, Mapping

import numpy as np
import numpy.typing as npt

from vvl_env.envs.actions import parse_invalid_action
from vvl_env.model._validate import check_choice, check_real, readonly
from vvl_env.model.belief import TRUTH_WORDS
from vvl_env.model.bargaining import (BargainingLaw, DirichletWeights, FixedWeights, UniformWeights, WeightLaw,
                                      check_disagreement)

FloatArray = npt.NDArray[np.float64]
Visibility = Literal["public", "own"]
VISIBILITIES: tuple[str, ...] = ("public", "own")
WEIGHT_LAWS: tuple[str, ...] = ("uniform", "dirichlet", "fixed")
AGENTS: tuple[str, str] = ("player_0", "player_1")
MAX_K = 3

# Action layout (one Discrete space for every phase and role; the mask says which apply).
WAIT, REFINE, ACCEPT, REJECT, OFFSET = 0, 1, 2, 3, 4  # 0 is also "pass" in the refinement phase


def parse_weight_law(name: str, value: Any, K: int) -> WeightLaw:
    """A WeightLaw, ``"uniform"``, or a mapping ``{"law": "uniform" | "dirichlet" | "fixed", "alpha" | "w": ...}``."""
    if isinstance(value, str):
        value = {"law": value}
    if isinstance(value, Mapping):
        law = check_choice(f"{name}.law", value.get("law"), WEIGHT_LAWS)
        keys = {"uniform": set(), "dirichlet": {"alpha"}, "fixed": {"w"}}[law]
        if set(value) - {"law"} != keys:
            raise ValueError(f"{name}: a {law!r} weight law takes keys {sorted(keys | {'law'})}, got {sorted(value)}")
        try:
            value = (UniformWeights(K) if law == "uniform" else DirichletWeights(value["alpha"]) if law == "dirichlet"
                     else FixedWeights(value["w"]))
        except ValueError as exc:
            raise ValueError(f"{name}.{exc}") from None
    if not isinstance(value, WeightLaw):
        raise ValueError(f"{name}: must be a weight law (DirichletWeights, UniformWeights, FixedWeights), a name in "
                         f"{WEIGHT_LAWS} or a mapping with 'law'; got {value!r}")
    if value.K != K:
        raise ValueError(f"{name}: must be a law on K = {K} dimensions, got K = {value.K} ({value!r})")
    return value


def parse_beliefs(value: Any, K: int, truth: tuple[WeightLaw, WeightLaw]
                  ) -> str | tuple[tuple[WeightLaw, WeightLaw], tuple[WeightLaw, WeightLaw]]:
    """``"common"``, or a pair (one prior per party) whose entry i is ``"truth"`` / ``"common"`` (party i believes the
    true laws ``truth``) or a weight-law spec (party i believes both parties' weights follow it; parsed by
    :func:`parse_weight_law`). Returns, per party, the pair of laws it believes."""
    if isinstance(value, str):
        return check_choice("beliefs", value, ("common",))
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"beliefs: must be 'common' or a pair of weight laws (one prior per party, each 'truth', "
                         f"'common', a weight law, a name in {WEIGHT_LAWS} or a mapping with 'law'); got {value!r}")

    def one(i: int) -> tuple[WeightLaw, WeightLaw]:
        if isinstance(value[i], str) and value[i] in TRUTH_WORDS:
            return truth
        law = parse_weight_law(f"beliefs[{i}]", value[i], K)
        return (law, law)

    return (one(0), one(1))


def _pair(name: str, value: Any) -> tuple[Any, Any]:
    """A per-party setting: one value for both parties, or a pair (player_0, player_1)."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"{name}: must be one value for both parties or a pair, got {value!r}")
        return value[0], value[1]
    return value, value


def _int(name: str, value: Any, low: int, high: int | None = None) -> int:
    bad = isinstance(value, bool) or not isinstance(value, (int, np.integer))
    if bad or value < low or (high is not None and value > high):
        allowed = f"an integer in [{low}, {high}]" if high is not None else f"an integer >= {low}"
        raise ValueError(f"{name}: must be {allowed}, got {value!r}")
    return int(value)


@dataclass(frozen=True, slots=True)
class BargainConfig:
    """Configuration of ``refine_bargain_v0`` (validated in ``__post_init__``; see the env docstring).

    Per-party fields (``weights``, ``cost``, ``budget``) take one value for both parties or a pair.

    ``beliefs`` (model.md §4): ``"common"`` (default: every party's prior is the true weight laws, and this is
    common knowledge) or a pair ``(prior of player_0, prior of player_1)``: party i believes that *both* parties'
    weights follow the weight law ``beliefs[i]`` (same formats as ``weights``), or, for ``"truth"`` / ``"common"``,
    the true laws. Priors set the "prior mean" entries
    of party i's observation and the analytic agent's value of refining; the world still draws from ``weights``.
    """

    K: int = 2
    weights: Any = "uniform"
    cost: Any = 0.0
    grid: int = 11
    delta: float = 0.95
    horizon: int = 2
    first_proposer: Any = 0
    d: Any = (0.0, 0.0)
    budget: Any = 1
    visibility: Visibility = "public"
    invalid_action: str = "raise"
    invalid_action_penalty: float = 1.0
    beliefs: Any = "common"
    law: BargainingLaw = field(init=False, repr=False)
    offers: FloatArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        K = _int("K", self.K, 1, MAX_K)
        laws = tuple(parse_weight_law(f"weights[{i}]", w, K) for i, w in enumerate(_pair("weights", self.weights)))
        costs = tuple(check_real(f"cost[{i}]", c, low=0.0) for i, c in enumerate(_pair("cost", self.cost)))
        budgets = tuple(_int(f"budget[{i}]", b, 0, 1) for i, b in enumerate(_pair("budget", self.budget)))
        first = self.first_proposer
        if isinstance(first, str) and first in AGENTS:
            first = AGENTS.index(first)
        if isinstance(first, bool) or first not in (0, 1):
            raise ValueError(f"first_proposer: must be 0, 1, 'player_0' or 'player_1', got {self.first_proposer!r}")
        d = check_disagreement(self.d)
        grid = _int("grid", self.grid, 2)
        invalid_action, penalty = parse_invalid_action(self.invalid_action, self.invalid_action_penalty)
        if grid**K > 100_000:
            raise ValueError(f"grid: grid**K offers must be at most 100000, got {grid}**{K} = {grid**K}")
        values = dict(K=K, weights=laws, beliefs=parse_beliefs(self.beliefs, K, laws), cost=costs, budget=budgets,
                      first_proposer=int(first), d=readonly(d),
                      grid=grid, delta=check_real("delta", self.delta, low=0.0, high=1.0, low_open=True),
                      horizon=_int("horizon", self.horizon, 1),
                      visibility=check_choice("visibility", self.visibility, VISIBILITIES),
                      invalid_action=invalid_action, invalid_action_penalty=penalty)
        for key, value in values.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "law", BargainingLaw(laws[0], laws[1], d))
        levels = np.linspace(0.0, 1.0, grid)
        mesh = np.meshgrid(*([levels] * K), indexing="ij")
        object.__setattr__(self, "offers", readonly(np.stack([m.ravel() for m in mesh], axis=-1)))

    def belief_laws(self, i: int) -> tuple[WeightLaw, WeightLaw]:
        """The weight laws of (player_0, player_1) as party ``i`` believes them (the truth under "common")."""
        if self.beliefs == "common":
            return self.weights  # type: ignore[return-value]
        return self.beliefs[i]  # type: ignore[index]

    def prior_means(self, i: int) -> FloatArray:
        """(2, K): the mean weights of (player_0, player_1) under party ``i``'s belief."""
        return np.stack([law.mean() for law in self.belief_laws(i)]).astype(np.float64)

    @property
    def n_offers(self) -> int:
        """``grid**K`` allocations; offer j gives player_0 the shares ``offers[j]`` (row-major over dimensions)."""
        return int(self.offers.shape[0])

    @property
    def n_actions(self) -> int:
        return OFFSET + self.n_offers

    @property
    def obs_size(self) -> int:
        return 12 + 5 * self.K


def make_config(**kwargs: Any) -> BargainConfig:
    """``BargainConfig(**kwargs)``, turning an unknown keyword into a ValueError that lists the allowed ones."""
    allowed = [f.name for f in fields(BargainConfig) if f.init]
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown configuration field; allowed: {', '.join(allowed)}, render_mode")
    return BargainConfig(**kwargs)
