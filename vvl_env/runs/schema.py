"""Scenario files: the pydantic models of a ``scenarios/*.toml`` file and ``load_scenario``.

A scenario is checked completely before anything runs: the TOML syntax, then structure, types and ranges (pydantic,
unknown keys forbidden), then consistency across fields, then the environment configuration and every agent by
constructing them once (``vvl_env.runs.execute``). Every failure is a :class:`ScenarioError` (a ``ValueError``), one
paragraph naming the field, the value and what is allowed, e.g. ``agents[1].learning_rate: must be > 0, got -0.1``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from vvl_env.runs.errors import ScenarioError, format_validation_error

ENV_IDS = ("refine_or_act", "refine_matrix_v0", "refine_bargain_v0")
ANALYTIC = ("bayes_myopic", "bayes_optimal")
BASELINES = ("never_refine", "always_refine", "random")
PolicyKind = Literal["bayes_myopic", "bayes_optimal", "never_refine", "always_refine", "random"]
Pair = Annotated[list[PolicyKind], Field(min_length=2, max_length=2)]
FIGURES = ("learning_curves", "refinement_rates", "welfare", "learned_vs_analytic")
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Env(_Model):
    """``id``: the environment; ``config``: its keyword arguments, checked by the environment itself."""

    id: Literal["refine_or_act", "refine_matrix_v0", "refine_bargain_v0"]
    config: dict[str, Any] = Field(default_factory=dict)


class Analytic(_Model):
    """An agent that reads the solvers and never trains; ``policy`` is one kind for every role or one per player."""

    name: Name
    kind: Literal["analytic"]
    policy: Literal["bayes_myopic", "bayes_optimal"] | Pair
    options: dict[str, Any] = Field(default_factory=dict)


class Baseline(_Model):
    """A fixed rule (never or always refine, uniformly random), for comparison."""

    name: Name
    kind: Literal["baseline"]
    policy: Literal["never_refine", "always_refine", "random"] | Pair
    options: dict[str, Any] = Field(default_factory=dict)


class Learner(_Model):
    """A stable-baselines3 learner; unset budget fields fall back to the scenario's ``[training]`` table.

    ``mode``: "single" (refine_or_act, the default there), "shared" (the default of the two-player envs),
    "independent" or "self_play". The named hyper-parameters go to the SB3 constructor, over ``hyperparams``.
    """

    name: Name
    kind: Literal["learner"]
    algo: Literal["maskable_ppo", "mmd_ppo", "ppo", "dqn"] = "maskable_ppo"
    mode: Literal["single", "shared", "independent", "self_play"] | None = None
    total_timesteps: Annotated[int, Field(ge=1, le=10**9)] | None = None
    n_envs: Annotated[int, Field(ge=1, le=256)] | None = None
    checkpoint_every: Annotated[int, Field(ge=0)] | None = None
    eval_every: Annotated[int, Field(ge=0)] | None = None
    eval_episodes: Annotated[int, Field(ge=1, le=10**6)] | None = None
    pool_size: Annotated[int, Field(ge=1, le=1000)] | None = None
    snapshot_every: Annotated[int, Field(ge=1)] | None = None
    learning_rate: Annotated[float, Field(gt=0, le=1)] | None = None
    gamma: Annotated[float, Field(gt=0, le=1)] | None = None
    n_steps: Annotated[int, Field(ge=2, le=10**6)] | None = None
    batch_size: Annotated[int, Field(ge=2, le=10**6)] | None = None
    ent_coef: Annotated[float, Field(ge=0, le=10)] | None = None
    hyperparams: dict[str, Any] = Field(default_factory=dict)

    def sb3_hyperparams(self) -> dict[str, Any]:
        """The named hyper-parameters that are set, merged over the free-form ``hyperparams`` table."""
        named = {k: getattr(self, k) for k in ("learning_rate", "gamma", "n_steps", "batch_size", "ent_coef")}
        return {**self.hyperparams, **{k: v for k, v in named.items() if v is not None}}


Agent = Annotated[Union[Analytic, Baseline, Learner], Field(discriminator="kind")]


class Training(_Model):
    """Defaults of every learner's training budget and of its checkpoints and evaluations during training."""

    total_timesteps: Annotated[int, Field(ge=1, le=10**9)] = 20_000
    n_envs: Annotated[int, Field(ge=1, le=256)] = 4
    checkpoint_every: Annotated[int, Field(ge=0)] = 5_000
    eval_every: Annotated[int, Field(ge=0)] = 5_000
    eval_episodes: Annotated[int, Field(ge=1, le=10**6)] = 100


class Evaluation(_Model):
    """Final evaluation: ``episodes`` per agent and seed; ``selection`` of equilibria; ``reference`` agent."""

    episodes: Annotated[int, Field(ge=1, le=10**7)] = 1_000
    selection: Annotated[str, Field(pattern=r"^(all|max_welfare|min_welfare|lemke_howson:\d+)$")] = "all"
    reference: Name | None = None


class Sweep(_Model):
    """A grid: every combination of ``parameters`` (dotted paths into the scenario) times every seed."""

    parameters: dict[str, Annotated[list[Any], Field(min_length=1, max_length=100)]] = Field(default_factory=dict)
    seeds: Annotated[list[Seed], Field(min_length=1, max_length=1000)] | None = None
    workers: Annotated[int, Field(ge=1, le=1024)] = 2


class Report(_Model):
    """What the report shows: figures by name and the metrics of its tables (prefixes of namespaced metrics)."""

    title: str | None = None
    figures: list[Literal["learning_curves", "refinement_rates", "welfare", "learned_vs_analytic"]] = \
        Field(default_factory=lambda: list(FIGURES))
    metrics: list[Annotated[str, Field(pattern=r"^(eval|train)/[A-Za-z0-9_/-]*$")]] = \
        Field(default_factory=lambda: ["eval/welfare", "eval/payoff", "eval/refine_rate"])


class Scenario(_Model):
    """A whole scenario file, resolved (every default filled in). Frozen."""

    name: Name
    description: str = ""
    env: Env
    agents: Annotated[list[Agent], Field(min_length=1, max_length=50)]
    seeds: Annotated[list[Seed], Field(min_length=1, max_length=1000)] = Field(default_factory=lambda: [0])
    training: Training = Field(default_factory=Training)
    evaluation: Evaluation = Field(default_factory=Evaluation)
    sweep: Sweep = Field(default_factory=Sweep)
    report: Report = Field(default_factory=Report)

    @field_validator("seeds")
    @classmethod
    def _unique_seeds(cls, seeds: list[int]) -> list[int]:
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"must be distinct seeds, got {seeds}")
        return seeds

    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
        names = [a.name for a in self.agents]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"agents: names must be distinct, got {duplicated[0]!r} more than once")
        ref = self.evaluation.reference
        if ref is not None and ref not in names:
            raise ValueError(f"evaluation.reference: must name an agent ({', '.join(names)}), got {ref!r}")
        if ref is not None and self.agent(ref).kind != "analytic":
            raise ValueError(f"evaluation.reference: must name an analytic agent, got {ref!r} "
                             f"(kind {self.agent(ref).kind!r})")
        for a in self.learners:
            if a.mode is not None and (a.mode == "single") != (self.env.id == "refine_or_act"):
                allowed = "'single'" if self.env.id == "refine_or_act" else "'shared', 'independent', 'self_play'"
                raise ValueError(f"agents[{self.agents.index(a)}].mode: must be {allowed} for env.id "
                                 f"{self.env.id!r}, got {a.mode!r}")
        if self.sweep.seeds is not None and len(set(self.sweep.seeds)) != len(self.sweep.seeds):
            raise ValueError(f"sweep.seeds: must be distinct seeds, got {self.sweep.seeds}")
        return self

    def agent(self, name: str) -> Analytic | Baseline | Learner:
        """The agent called ``name``."""
        return next(a for a in self.agents if a.name == name)

    @property
    def learners(self) -> list[Learner]:
        return [a for a in self.agents if isinstance(a, Learner)]

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (JSON/TOML-ready, no ``None``)."""
        return self.model_dump(mode="json", exclude_none=True)


def parse_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file into a dict, turning every reading error into a :class:`ScenarioError`."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(f"{p}: no such scenario file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{p}: is a folder, expected a scenario file (.toml)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{p}: not valid TOML ({exc})") from None


def validate_scenario(data: Any, *, name: str = "scenario", deep: bool = True) -> Scenario:
    """Validate plain data into a resolved :class:`Scenario` (``name`` fills a missing ``name`` key).

    With ``deep`` the environment and the agents are also constructed once, and every sweep cell is validated.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario: must be a table of keys, got {type(data).__name__}")
    data = dict(data)
    data.setdefault("name", name)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, Scenario)) from None
    if deep:
        from vvl_env.runs.execute import check_scenario
        from vvl_env.runs.grid import expand

        check_scenario(scenario)
        for cell in expand(scenario):
            if cell.params and cell.seed == (scenario.sweep.seeds or scenario.seeds)[0]:
                try:
                    check_scenario(cell.scenario)
                except ScenarioError as exc:
                    shown = ", ".join(f"{k} = {v!r}" for k, v in cell.params.items())
                    raise ScenarioError(f"sweep cell ({shown}): {exc}") from None
    return scenario


def load_scenario(path: str | Path, *, deep: bool = True) -> Scenario:
    """Read and fully validate a scenario file; the file's stem is the default ``name``.

    Raises
    ------
    ScenarioError
        One paragraph naming the field, the value and what is allowed.
    """
    data = parse_toml(path)
    try:
        return validate_scenario(data, name=_stem_name(Path(path).stem), deep=deep)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def _stem_name(stem: str) -> str:
    clean = "".join(c if c.isalnum() or c in "_-" else "_" for c in stem)[:40]
    return clean if clean[:1].isalpha() else f"s{clean}"[:40]
