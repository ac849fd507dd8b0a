"""Scenario files: the pydantic models of a ``scenarios/*.toml`` file and ``load_scenario``.

A scenario is checked completely before anything runs: the file (``vvl_env.textfile``: a regular UTF-8 file, size
and nesting limits), the TOML syntax, ``--set`` overrides applied (``vvl_env.runs.grid``), values TOML can write back
exactly (``vvl_env.runs.values``), structure, types and ranges (pydantic, unknown keys forbidden), consistency across
fields, SB3 argument ranges and magnitudes (``vvl_env.runs.checks``), the work and memory the run implies
(``vvl_env.runs.limits``), then the environment configuration and every agent by constructing them once
(``vvl_env.runs.execute``). Every failure is a :class:`ScenarioError` (a ``ValueError``), one
paragraph naming the field, the value and what is allowed, e.g. ``agents[1].learning_rate: must be > 0, got -0.1``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from vvl_env.runs.errors import ScenarioError, format_validation_error
from vvl_env.runs.grid import MAX_CELLS, apply_overrides, count_settings, expand
from vvl_env.runs.values import check_values
from vvl_env.textfile import check_nesting, read_text

ENV_IDS = ("refine_or_act", "refine_matrix_v0", "refine_bargain_v0")
ANALYTIC = ("bayes_myopic", "bayes_optimal")
BASELINES = ("never_refine", "always_refine", "random")
PolicyKind = Literal["bayes_myopic", "bayes_optimal", "never_refine", "always_refine", "random"]
Pair = Annotated[list[PolicyKind], Field(min_length=2, max_length=2)]
FIGURES = ("learning_curves", "refinement_rates", "welfare", "learned_vs_analytic")
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]
NAMED_HYPERPARAMS = ("learning_rate", "gamma", "n_steps", "batch_size", "ent_coef")


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
    "independent" or "self_play". ``exploring_starts`` (refine_bargain_v0): the probability that a training
    episode starts at a random play state (``agents.learning.TrainConfig.exploring_starts``); ``torch_threads``:
    torch threads of its training (default 1; ``TrainConfig.torch_threads``); ``pool_size``, ``snapshot_every``:
    the snapshot pool a self-play learner plays against (``mode = "self_play"`` only). The named
    hyper-parameters go to the SB3 constructor, over ``hyperparams``.
    """

    name: Name
    kind: Literal["learner"]
    algo: Literal["maskable_ppo", "mmd_ppo", "ppo", "dqn", "exploitability_descent"] = "maskable_ppo"
    mode: Literal["single", "shared", "independent", "self_play"] | None = None
    total_timesteps: Annotated[int, Field(ge=1, le=10**9)] | None = None
    n_envs: Annotated[int, Field(ge=1, le=256)] | None = None
    checkpoint_every: Annotated[int, Field(ge=0)] | None = None
    eval_every: Annotated[int, Field(ge=0)] | None = None
    eval_episodes: Annotated[int, Field(ge=1, le=10**6)] | None = None
    pool_size: Annotated[int, Field(ge=1, le=1000)] | None = None
    snapshot_every: Annotated[int, Field(ge=1)] | None = None
    exploring_starts: Annotated[float, Field(ge=0, le=1)] | None = None
    torch_threads: Annotated[int, Field(ge=1, le=256)] | None = None
    learning_rate: Annotated[float, Field(gt=0, le=1)] | None = None
    gamma: Annotated[float, Field(gt=0, le=1)] | None = None
    n_steps: Annotated[int, Field(ge=2, le=10**6)] | None = None
    batch_size: Annotated[int, Field(ge=2, le=10**6)] | None = None
    ent_coef: Annotated[float, Field(ge=0, le=10)] | None = None
    hyperparams: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _set_once(self) -> "Learner":
        twice = [k for k in NAMED_HYPERPARAMS if k in self.hyperparams and getattr(self, k) is not None]
        if twice:
            raise ValueError(f"{twice[0]}: set twice, as a field of the learner and in its hyperparams table "
                             f"({self.hyperparams[twice[0]]!r}); set it once")
        pool = [k for k in ("pool_size", "snapshot_every") if getattr(self, k) is not None]
        if pool and self.mode != "self_play":
            raise ValueError(f"{pool[0]}: only a self-play learner keeps a pool of its snapshots to play against "
                             f"(mode = 'self_play'), got mode {self.mode or 'unset (shared or single)'!r}")
        return self

    def sb3_hyperparams(self) -> dict[str, Any]:
        """The named hyper-parameters that are set, merged over the free-form ``hyperparams`` table."""
        named = {k: getattr(self, k) for k in NAMED_HYPERPARAMS}
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
    """Final evaluation: ``episodes`` per agent and seed; ``selection`` of equilibria; ``reference`` agent;
    ``nash_conv_episodes``: the play NashConv and subgame-perfection gap of refine_bargain_v0 and of
    refine_matrix_v0 with several rounds or visibility "own" (costly: every play state of an episode, or thousands of
    the other's possible refinements, go through the policies) on the
    first this many episodes only, in the final evaluation and at every learning-curve point (None: all)."""

    episodes: Annotated[int, Field(ge=1, le=10**7)] = 1_000
    selection: Annotated[str, Field(pattern=r"^(all|max_welfare|min_welfare|lemke_howson:\d+)$")] = "all"
    reference: Name | None = None
    nash_conv_episodes: Annotated[int, Field(ge=0, le=10**7)] | None = None


Axis = Annotated[list[Any], Field(min_length=1, max_length=100)]


class Sweep(_Model):
    """A grid: every combination of ``parameters`` (dotted paths into the scenario) and of ``linked`` groups (each
    a table of equal-length lists that move together), times every seed."""

    parameters: dict[str, Axis] = Field(default_factory=dict)
    linked: Annotated[list[Annotated[dict[str, Axis], Field(min_length=1)]], Field(max_length=20)] = \
        Field(default_factory=list)
    seeds: Annotated[list[Seed], Field(min_length=1, max_length=1000)] | None = None
    workers: Annotated[int, Field(ge=1, le=1024)] = 2

    @model_validator(mode="after")
    def _axes(self) -> "Sweep":
        seen = set(self.parameters)
        for i, group in enumerate(self.linked):
            lengths = {path: len(values) for path, values in group.items()}
            if len(set(lengths.values())) > 1:
                raise ValueError(f"sweep.linked[{i}]: the lists of a linked group must have equal lengths, got "
                                 f"{lengths}")
            twice = sorted(seen & set(group))
            if twice:
                raise ValueError(f"sweep.linked[{i}]: {twice[0]!r} is swept twice (each path on one axis only)")
            seen |= set(group)
        return self

    @property
    def paths(self) -> list[str]:
        """Every swept path, parameters first, then the linked groups' paths."""
        return list(self.parameters) + [p for group in self.linked for p in group]


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
        n_seeds = len(self.sweep.seeds or self.seeds)
        n = count_settings(self.sweep.parameters, self.sweep.linked)
        if n * n_seeds > MAX_CELLS:
            raise ValueError(f"sweep: must have at most {MAX_CELLS} cells, got {n} parameter settings x "
                             f"{n_seeds} seeds")
        return self

    @classmethod
    def from_data(cls, data: Any) -> "Scenario":
        """Validate plain data (every key present: no defaults from a file name) into a Scenario.

        Raises :class:`ScenarioError`: values TOML cannot hold or that do not fit the models.
        """
        _check_nesting(data, "scenario")
        check_values(data)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(format_validation_error(exc, cls)) from None

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
    """Read a TOML file into a dict, turning every reading error into a :class:`ScenarioError`.

    Only a regular UTF-8 file of at most ``vvl_env.textfile.MAX_BYTES`` bytes is read; tables and arrays may nest
    at most ``vvl_env.textfile.MAX_DEPTH`` deep.
    """
    try:
        text = read_text(path, "scenario file (.toml)")
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML (arrays or inline tables nested too deep)") from None
    _check_nesting(data, str(path))
    return data


def _check_nesting(data: Any, where: str) -> None:
    try:
        check_nesting(data, where)
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None


def validate_scenario(data: Any, *, name: str = "scenario", deep: bool = True, overrides: Sequence[str] = (),
                      allow_large: bool = False) -> Scenario:
    """Validate plain data into a resolved :class:`Scenario` (``name`` fills a missing ``name`` key).

    ``overrides`` (``"PATH=VALUE"`` strings, :func:`vvl_env.runs.grid.parse_override`) are applied first. With
    ``deep`` the estimated work and memory are checked against the limits of :mod:`vvl_env.runs.limits` (beyond
    them: an error, or with ``allow_large`` a :class:`~vvl_env.runs.errors.LargeScenarioWarning`), then the
    environment and the agents are constructed once, and every sweep setting is checked the same way.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario: must be a table of keys, got {type(data).__name__}")
    _check_nesting(data, "scenario")
    data = apply_overrides(data, overrides) if overrides else dict(data)
    data.setdefault("name", name)
    scenario = Scenario.from_data(data)
    if deep:
        _check_deep(scenario, allow_large)
        for cell in expand(scenario):
            if cell.params and cell.seed == (scenario.sweep.seeds or scenario.seeds)[0]:
                try:
                    _check_deep(cell.scenario, allow_large)
                except ScenarioError as exc:
                    shown = ", ".join(f"{k} = {v!r}" for k, v in cell.params.items())
                    raise ScenarioError(f"sweep cell ({shown}): {exc}") from None
    return scenario


def _check_deep(scenario: Scenario, allow_large: bool) -> None:
    """What a run would meet, before it runs: SB3 argument ranges, magnitudes, work and memory limits, the
    selection label, then the environment and every agent built once."""
    from vvl_env.runs import checks
    from vvl_env.runs.execute import check_scenario
    from vvl_env.runs.limits import check_limits

    checks.check_hyperparam_ranges(scenario)
    checks.check_magnitudes(scenario)
    check_limits(scenario, allow_large=allow_large)
    checks.check_selection(scenario)
    check_scenario(scenario)


def load_scenario(path: str | Path, overrides: Sequence[str] = (), *, deep: bool = True,
                  allow_large: bool = False) -> Scenario:
    """Read and fully validate a scenario file; the file's stem is the default ``name``.

    ``overrides``: ``"PATH=VALUE"`` strings (``vvl ... --set``), the dotted paths of ``[sweep].parameters`` and a
    TOML value each, applied before validation so that the resolved scenario records them. ``allow_large`` turns
    the work and memory limits into warnings (``--allow-large``).

    Raises
    ------
    ScenarioError
        One paragraph naming the field, the value and what is allowed.
    """
    data = parse_toml(path)
    try:
        return validate_scenario(data, name=_stem_name(Path(path).stem), deep=deep, overrides=overrides,
                                 allow_large=allow_large)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def _stem_name(stem: str) -> str:
    clean = "".join(c if c.isalnum() or c in "_-" else "_" for c in stem)[:40]
    return clean if clean[:1].isalpha() else f"s{clean}"[:40]
