"""``TrainConfig``: everything one training run of an SB3 learner needs, validated once at the boundary.

Errors are ``ValueError`` naming the field, the value and what is allowed (never ``assert``). The environment
configuration is checked by building the environment once, so its own messages come back prefixed with
``env_config``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from agents.learning.sb3_args import check_mmd_params, check_sb3_arg

EnvId = Literal["refine_or_act", "refine_matrix_v0", "refine_bargain_v0"]
Algo = Literal["ppo", "maskable_ppo", "mmd_ppo", "dqn", "exploitability_descent"]
Mode = Literal["single", "shared", "independent", "self_play"]
ENV_IDS: tuple[str, ...] = ("refine_or_act", "refine_matrix_v0", "refine_bargain_v0")
ALGOS: tuple[str, ...] = ("ppo", "maskable_ppo", "mmd_ppo", "dqn", "exploitability_descent")
#: Algorithms whose networks take the action mask (masked logits) in training and at inference.
MASKED_ALGOS: tuple[str, ...] = ("maskable_ppo", "mmd_ppo")
MODES: tuple[str, ...] = ("single", "shared", "independent", "self_play")

#: vvl's defaults, merged under ``hyperparams`` (SB3's defaults, e.g. n_steps=2048, are far too slow here).
#: ``gamma = 1``: episodes are a few steps long and the evaluated quantity is the undiscounted return.
DEFAULT_HYPERPARAMS: dict[str, dict[str, Any]] = {
    "ppo": {"n_steps": 128, "batch_size": 64, "n_epochs": 4, "gamma": 1.0, "ent_coef": 0.01,
            "learning_rate": 1e-3},
    "maskable_ppo": {"n_steps": 128, "batch_size": 64, "n_epochs": 4, "gamma": 1.0, "ent_coef": 0.01,
                     "learning_rate": 1e-3},
    # MMD-PPO (agents.learning.mmd_ppo). Rudolph et al. 2025's best settings (ent 0.05-0.2, clip 0.025-0.1, lr
    # 6e-5..2.5e-4, KL 0.025-0.05) are for runs of 10^7-10^9 steps; at our budgets (10^4-10^6 agent-steps) a fixed
    # 2x2 zero-sum game gave last-iterate NashConv ~0.1-0.3 with these (lr 1e-3 decayed to 0, ent 0.2, KL 0.2,
    # magnet every 50 updates, 128 samples per update with n_envs = 16) against 0.3-0.9 with their ranges, and plain
    # MaskablePPO's 1-3 (benchmarks/agents.py measures the refinement games).
    "mmd_ppo": {"n_steps": 8, "batch_size": 64, "n_epochs": 4, "gamma": 1.0, "ent_coef": 0.2,
                "learning_rate": 1e-3, "clip_range": 0.1, "kl_coef": 0.2, "magnet_every": 50, "anneal_lr": True},
    "dqn": {"learning_starts": 500, "buffer_size": 50_000, "batch_size": 64, "gamma": 1.0, "train_freq": 4,
            "target_update_interval": 500, "exploration_fraction": 0.3, "learning_rate": 1e-3},
    # agents.learning.exploitability_descent: not SB3; its defaults are EDConfig's (below)
    "exploitability_descent": {},
}


@dataclass(frozen=True, slots=True)
class EDConfig:
    """Settings of exploitability descent (:mod:`agents.learning.exploitability_descent`, whose docstring has the
    method); a scenario sets them in the learner's ``hyperparams`` (``policy_kwargs = { net_arch = [...] }`` for
    the layer widths). Defaults: the settings of benchmarks/agents.py."""

    n_steps: int = 4
    """Steps of every env copy per rollout (a rollout is ``2 n_envs n_steps`` agent-steps)."""
    replay: int = 20
    """Rollouts whose play-phase games the NashConv loss is averaged over."""
    grad_steps: int = 20
    """Minibatch steps per rollout."""
    batch_size: int = 256
    learning_rate: float = 1e-3
    """Adam's step size (policies and critics)."""
    net_arch: tuple[int, ...] = (256, 256, 256)
    """Hidden ReLU layers of every network."""
    eta: float = 1.0
    """MMD step size of the refine decision."""
    alpha: float = 0.5
    """MMD temperature (weight of the magnet) of the refine decision."""
    magnet_every: int = 10
    """Rollouts between magnet refreshes."""
    critic_epochs: int = 4
    """Passes of the refine critic over each rollout's refine steps."""
    snapshots: int = 20
    """Snapshots of the networks, evenly over the run, that the time-averaged policy mixes."""
    refine_values: str = "critic"
    """What the refine decision's MMD step is taken on: ``"critic"``, a critic regressed on the sampled returns of
    the actions taken, or ``"counterfactual"``, every legal option's return on branches of the same episode that
    share its refinement draws (:mod:`agents.learning.refine_counterfactual`; full information, no critic)."""
    refine_draws: int = 1
    """With ``refine_values = "counterfactual"``: branches per option, each on its own draw of the refinements still
    to come (1: the episode's own draws only; K > 1 adds K - 1 fresh draws, common to a copy's options, and averages
    the K returns). An option's value then carries 1 / K of the variance of the refinement draws: where the other has
    refined and one's own split is worth only about its cost, a single draw (sd near 0.5 in matching pennies) does
    not tell the states where it pays from those where it does not."""
    refine_explore: float = 0.0
    """Share of refine decisions the rollouts take uniformly at random over the legal actions (behaviour only: the
    critic's ``Q(s, a)`` is the value of the action taken, so it needs no correction), decaying linearly to 0 over
    the run; it keeps rarely chosen options (waiting, then answering) sampled, so their values are learned."""
    refine_fit: str = "cross_entropy"
    """How the policy is fitted to the refine decision's MMD step: ``"cross_entropy"`` to the step's closed form
    ``pi_new ∝ [pi rho^(eta alpha) exp(eta Q)]^(1 / (1 + eta alpha))``, or ``"objective"``, the step's own objective
    ``-eta <p, Q> + eta alpha KL(p || rho) + KL(p || pi)`` (divided by ``1 + eta alpha``; it is that factor times
    ``KL(p || pi_new)``, so both have the closed form as minimiser). With noisy values ``Q`` (one branch or one return
    per state) they differ: the mean of the closed-form targets is not the step at the mean values but is pulled
    towards the middle (a softmax of a noisy value is convex where the option is rare), so a worse option with noisy
    values keeps a share; the objective is linear in ``Q``, and its expectation is the objective at ``E[Q]`` (tested
    on two options 0.05 apart, one with noise of sd 0.5: 0.24-0.31 against 0.000-0.001). ``"softmax"``: the critic
    is regressed on the values (with ``refine_values = "counterfactual"``, on every legal option's branch value over
    the last ``replay`` rollouts) and the policy fitted by cross-entropy to ``softmax(Q / alpha)``, a smoothed best
    response that does not depend on the current policy, so a decision that saturated early comes back where the
    values turn (``alpha`` in units of the values). Caution: sharp (small ``alpha``) from the first rollout, it can
    stop refining before play has learned the refined games, under whose unlearned play a split gains nothing (in
    rock-paper-scissors, alpha 0.002: never refines; README)."""
    branch_play: bool = False
    """With ``refine_values = "counterfactual"``: also descend NashConv on the play games the branches reach after
    the options not taken (off the path of play; at most as many per rollout as the rollout's own play games,
    drawn at random), so that the values of those options rest on equilibrium play too. Without it the play network
    is trained on the games its refine decisions lead to, and an option the learner stops taking (passing, where
    answering has been better) is valued by play on games it no longer learns from."""
    welfare_weight: float = 0.0
    """Weight of the welfare ``x (R1 + R2) y`` subtracted from the play loss (0: plain NashConv descent); a small
    weight steers the descent towards high-welfare equilibria, the learned counterpart of ``max_welfare``
    selection, at some cost in NashConv."""
    welfare_final: float | None = None
    """Where the welfare weight ends: it goes linearly from ``welfare_weight`` to this over the run (None: it stays
    at ``welfare_weight``). Annealed to 0, the weight chooses among equilibria early and the descent then settles on
    an equilibrium of the basin chosen, the learned counterpart of ``max_welfare`` selection; held, it keeps
    trading NashConv for welfare, up to play that is no equilibrium."""
    learning_rate_final: float | None = None
    """Where Adam's step size ends: it goes linearly from ``learning_rate`` to this over the run, for the policies
    and the critics (None: it stays at ``learning_rate``). A constant step keeps the last iterate moving by about
    the step times the gradient's noise; a step decayed towards 0 lets it settle where the descent has led it."""
    payoffs: str = "true"
    """The play games the NashConv loss (and the play step's value in the refine returns) is computed in: ``"true"``,
    the env's realised games (``RefineMatrixVecEnv.true_games()``: full information), or ``"learned"``, a centralised
    payoff model ``(s_0, s_1) -> (R1, R2)`` regressed on the rewards the play steps returned for the joint action
    taken (squared error, over the last ``replay`` rollouts); the true games are then never read. Needs
    ``refine_values = "critic"`` (the branches replay the env). Measured on games with mixed equilibria (matching
    pennies, rock-paper-scissors: as close as with the true games); in the prisoners' dilemma, whose equilibria are
    pure, seeds 0-4 end at NashConv 0.003-0.327 (median 0.150) against 0.002-0.003 with the true games, where
    ``play_gradient = "neurd"`` with ``neurd_floor = 0.05`` ends at 0.002-0.004 (benchmarks/learned_payoffs.py,
    docs/learning.md)."""
    play_gradient: str = "softmax"
    """How the play loss moves the play networks: ``"softmax"``, the gradient of the loss through the softmax (the
    default; the table's rows), or ``"neurd"``, Neural Replicator Dynamics (Hennes et al. 2020): each legal play
    action's logit takes the loss's gradient in that action's probability, centred by the policy's mean,
    ``dz_a = -(dL/dx_a - sum_b x_b dL/dx_b)``, without the softmax's factor ``x_a``, so an action whose probability
    has fallen near 0 still moves at full speed when it turns better (the softmax gradient vanishes there, which is
    how a pure equilibrium's better variant can stay unplayed); centred logits stop at ``+-neurd_threshold``."""
    neurd_floor: float = 1.0
    """With ``play_gradient = "neurd"``: the step of an action's logit is ``max(x_a, neurd_floor)`` times NeuRD's
    (1: NeuRD; a small floor such as 0.05: the softmax gradient wherever ``x_a >= neurd_floor``, and NeuRD's, scaled
    by the floor, only for the rare actions, which the softmax gradient all but stops)."""
    neurd_threshold: float = 5.0
    """With ``play_gradient = "neurd"``: bound of the centred play logits (an action's logit is not pushed beyond
    it), so no play probability falls below about ``exp(-2 neurd_threshold)`` times another's."""
    alpha_final: float | None = None
    """Where the refine decision's temperature ``alpha`` ends: it goes linearly from ``alpha`` to this over the run
    (None: it stays at ``alpha``). With ``refine_fit = "softmax"``, a soft start keeps refined games on the path
    while play learns them and a sharp end resolves options close in value."""

    def __post_init__(self) -> None:
        for name in ("n_steps", "replay", "grad_steps", "batch_size", "magnet_every", "critic_epochs", "snapshots",
                     "refine_draws"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: must be an integer >= 1, got {value!r}")
        # (field, 0 allowed, None allowed): the *_final fields are optional schedule ends
        for name, zero_ok, optional in (("learning_rate", False, False), ("eta", False, False), ("alpha", False, False),
                                        ("welfare_weight", True, False), ("refine_explore", True, False),
                                        ("welfare_final", True, True), ("alpha_final", False, True),
                                        ("neurd_threshold", False, False), ("neurd_floor", False, False),
                                        ("learning_rate_final", True, True)):
            value = getattr(self, name)
            if optional and value is None:
                continue
            number = not isinstance(value, bool) and isinstance(value, (int, float)) and bool(np.isfinite(value))
            if not number or value < 0 or (value == 0 and not zero_ok):
                raise ValueError(f"{name}: must be a finite number {'>= 0' if zero_ok else '> 0'}"
                                 f"{' or None' if optional else ''}, got {value!r}")
        if self.refine_values not in ("critic", "counterfactual"):
            raise ValueError(f"refine_values: must be 'critic' or 'counterfactual', got {self.refine_values!r}")
        if self.refine_fit not in ("cross_entropy", "objective", "softmax"):
            raise ValueError(f"refine_fit: must be 'cross_entropy', 'objective' or 'softmax', got {self.refine_fit!r}")
        if self.neurd_floor > 1:
            raise ValueError(f"neurd_floor: must be a probability in (0, 1], got {self.neurd_floor!r}")
        if self.play_gradient not in ("softmax", "neurd"):
            raise ValueError(f"play_gradient: must be 'softmax' or 'neurd', got {self.play_gradient!r}")
        defaults = type(self).__dataclass_fields__
        for name in ("neurd_floor", "neurd_threshold"):
            if self.play_gradient != "neurd" and getattr(self, name) != defaults[name].default:
                raise ValueError(f"{name}: needs play_gradient = 'neurd' (the step it shapes)")
        if self.payoffs not in ("true", "learned"):
            raise ValueError(f"payoffs: must be 'true' or 'learned', got {self.payoffs!r}")
        if self.payoffs == "learned" and self.refine_values != "critic":
            raise ValueError("payoffs = 'learned': needs refine_values = 'critic' (the branches replay the env, "
                             "which reads the true games)")
        if not isinstance(self.branch_play, bool):
            raise ValueError(f"branch_play: must be true or false, got {self.branch_play!r}")
        if self.refine_draws > 1 and self.refine_values != "counterfactual":
            raise ValueError("refine_draws: needs refine_values = 'counterfactual' (the branches it averages)")
        if self.branch_play and self.refine_values != "counterfactual":
            raise ValueError("branch_play: needs refine_values = 'counterfactual' (the branches it trains on)")
        if self.refine_explore > 1:
            raise ValueError(f"refine_explore: must be a share in [0, 1], got {self.refine_explore!r}")
        arch = self.net_arch
        if not isinstance(arch, tuple) or not arch or any(isinstance(h, bool) or not isinstance(h, int) or h < 1
                                                            for h in arch):
            raise ValueError(f"net_arch: must be a non-empty list of layer widths >= 1, got {arch!r}")

    def to_dict(self) -> dict[str, Any]:
        """Field -> value, ``net_arch`` as a list (JSON)."""
        return {name: list(v) if name == "net_arch" else v for name in self.__dataclass_fields__
                for v in (getattr(self, name),)}

    @classmethod
    def from_hyperparams(cls, hyperparams: dict[str, Any]) -> "EDConfig":
        """From a learner's ``hyperparams``; ``ValueError("hyperparams.<key>: ...")`` for a bad or unknown one."""
        kw = dict(hyperparams)
        policy_kwargs = kw.pop("policy_kwargs", None) or {}
        if not isinstance(policy_kwargs, dict) or set(policy_kwargs) - {"net_arch"}:
            raise ValueError(f"hyperparams.policy_kwargs: exploitability_descent takes only net_arch (ReLU layers), "
                             f"got {policy_kwargs!r}")
        if "net_arch" in policy_kwargs:
            arch = policy_kwargs["net_arch"]
            kw["net_arch"] = tuple(arch) if isinstance(arch, (list, tuple)) else arch
        allowed = [f for f in cls.__dataclass_fields__ if f != "net_arch"] + ["policy_kwargs"]
        for key in kw:
            if key not in cls.__dataclass_fields__ or key == "net_arch" and "net_arch" not in policy_kwargs:
                raise ValueError(f"hyperparams.{key}: not a setting of exploitability_descent; allowed: "
                                 f"{sorted(allowed)}")
        try:
            return cls(**kw)
        except ValueError as exc:
            name = str(exc).split(":")[0]
            raise ValueError(f"hyperparams.{'policy_kwargs.' if name == 'net_arch' else ''}{exc}") from None


def _int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < low:
        raise ValueError(f"{name}: must be an integer >= {low}, got {value!r}")
    return int(value)


def make_eval_env(env_id: str, env_config: dict[str, Any]) -> Any:
    """One plain environment: ``RefineOrAct`` or the PettingZoo ``parallel_env`` (no SB3 import: ``TrainConfig``
    builds one to check ``env_config`` when a scenario is validated)."""
    from vvl_env.envs import RefineOrAct, refine_bargain_v0, refine_matrix_v0

    if env_id == "refine_or_act":
        return RefineOrAct(**env_config)
    module = refine_matrix_v0 if env_id == "refine_matrix_v0" else refine_bargain_v0
    return module.parallel_env(**env_config)


def algo_class(algo: str) -> type:
    """The SB3 class of ``algo``."""
    if algo == "maskable_ppo":
        from sb3_contrib import MaskablePPO

        return MaskablePPO
    if algo == "mmd_ppo":
        from agents.learning.mmd_ppo import MMDPPO

        return MMDPPO
    from stable_baselines3 import DQN, PPO

    return {"ppo": PPO, "dqn": DQN}[algo]


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """One training run (see :func:`agents.learning.train`).

    Timesteps count *agent-steps*: one decision of one learning agent. Shared mode counts both agents' steps
    (one policy takes them all); independent mode sums the two models' steps (each trains ``total / 2``); self-play
    counts the learner's steps only (the frozen opponents' steps are not training data).
    """

    env_id: EnvId
    """Environment: "refine_or_act" (Gymnasium), "refine_matrix_v0" or "refine_bargain_v0" (PettingZoo)."""
    env_config: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the environment's constructor (``render_mode`` not allowed)."""
    algo: Algo = "maskable_ppo"
    """SB3 algorithm: "maskable_ppo" (masks in training), "mmd_ppo" (MaskablePPO with a magnet: entropy plus
    ``kl_coef`` KL(pi || magnet), magnet refreshed every ``magnet_every`` updates; :mod:`agents.learning.mmd_ppo`),
    "ppo" (masks only at inference) or "dqn"."""
    mode: Mode = "single"
    """"single" (refine_or_act only), "shared", "independent" or "self_play" (the two-agent envs)."""
    total_timesteps: int = 10_000
    """Training budget in agent-steps (above)."""
    seed: int = 0
    """Seed of everything: SB3 ``set_random_seed``, environment copies, opponent sampling, evaluation episodes."""
    n_envs: int = 4
    """Environment copies stepped together (a copy of a two-agent env holds both agents)."""
    hyperparams: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the SB3 constructor, over :data:`DEFAULT_HYPERPARAMS` (learning_rate, n_steps, ...)."""
    checkpoint_every: int = 0
    """Checkpoint every this many timesteps (at the first rollout boundary past each multiple); 0: final only."""
    eval_every: int = 0
    """Evaluate every this many timesteps for the learning curve (0: only at the end)."""
    eval_episodes: int = 100
    """Episodes per evaluation (seeded ``seed + 1_000_000 + e``, the same at every evaluation)."""
    pool_size: int = 5
    """Self-play: the most recent snapshots kept as opponents."""
    snapshot_every: int = 2_048
    """Self-play: add a snapshot of the learner to the pool every this many timesteps."""
    average_every: int = 0
    """Two-agent envs: snapshot the learners for the time-averaged policy (:mod:`agents.learning.average`) every
    this many timesteps; 0: ``total_timesteps // 20``."""
    torch_threads: int = 1
    """torch's intra-op threads during training. One keeps many runs side by side efficient (sweeps, benchmark
    processes); more speed up one run of a large network (bargaining's 256 x 256 x 256 MaskablePPO: 1.6x with two,
    ``benchmarks/learn_speed.py``). A seed gives the same run for the same thread count, not across counts (the
    reductions' order depends on it)."""
    nash_conv_episodes: int | None = None
    """refine_bargain_v0's curve (and refine_matrix_v0's with several rounds or visibility "own"): play NashConv and
    subgame-perfection gap on the first this many of the ``eval_episodes`` (the costly metrics there;
    ``agents.evaluate.evaluate``'s argument); None: all of them."""
    exploring_starts: float = 0.0
    """refine_bargain_v0: the probability that a training episode starts at a uniformly drawn play state (round,
    whose turn, offer on the table, who refined) instead of the refinement phase, so responses and proposals off
    the path of play are trained too (``RefineBargainVecEnv``'s ``exploring_starts``); evaluation is unchanged."""

    def __post_init__(self) -> None:
        if self.env_id not in ENV_IDS:
            raise ValueError(f"env_id: must be one of {ENV_IDS}, got {self.env_id!r}")
        if self.algo not in ALGOS:
            raise ValueError(f"algo: must be one of {ALGOS}, got {self.algo!r}")
        allowed = ("single",) if self.env_id == "refine_or_act" else ("shared", "independent", "self_play")
        if self.mode not in allowed:
            raise ValueError(f"mode: must be one of {allowed} for env_id {self.env_id!r}, got {self.mode!r}")
        if self.algo == "exploitability_descent":
            if self.env_id != "refine_matrix_v0" or self.mode != "independent":
                hint = " ('shared' is the default of the two-player envs: set mode = 'independent')" \
                    if self.env_id == "refine_matrix_v0" and self.mode == "shared" else ""
                raise ValueError(f"algo: exploitability_descent trains two networks on refine_matrix_v0 (mode "
                                 f"'independent'), got env_id {self.env_id!r}, mode {self.mode!r}{hint}")
            if isinstance(self.env_config, dict) and self.env_config.get("visibility", "public") != "public":
                raise ValueError("algo: exploitability_descent needs the realised game, so env_config.visibility "
                                 f"must be 'public', got {self.env_config['visibility']!r}")
        for name, low in (("total_timesteps", 1), ("seed", 0), ("n_envs", 1), ("checkpoint_every", 0),
                          ("eval_every", 0), ("eval_episodes", 1), ("pool_size", 1), ("snapshot_every", 1),
                          ("average_every", 0), ("torch_threads", 1)):
            object.__setattr__(self, name, _int(name, getattr(self, name), low))
        if self.nash_conv_episodes is not None:
            object.__setattr__(self, "nash_conv_episodes", _int("nash_conv_episodes", self.nash_conv_episodes, 0))
        q = self.exploring_starts
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0.0 <= q <= 1.0:
            raise ValueError(f"exploring_starts: must be a probability in [0, 1], got {q!r}")
        if q > 0 and self.env_id != "refine_bargain_v0":
            raise ValueError(f"exploring_starts: only refine_bargain_v0's learners start episodes in play, got "
                             f"env_id {self.env_id!r}")
        object.__setattr__(self, "exploring_starts", float(q))
        if not isinstance(self.env_config, dict):
            raise ValueError(f"env_config: must be a dict of environment keyword arguments, got {self.env_config!r}")
        if self.env_config.get("render_mode") is not None:
            raise ValueError(f"env_config.render_mode: must be None for training, got "
                             f"{self.env_config['render_mode']!r}")
        self._check_hyperparams()
        if self.hyperparams.get("full_information") and self.env_id != "refine_matrix_v0":
            raise ValueError(f"hyperparams.full_information: only refine_matrix_v0 reports what every own action would "
                             f"have earned (its play steps), got env_id {self.env_id!r}")
        if self.hyperparams.get("full_information") and self.env_config.get("visibility", "public") != "public":
            raise ValueError("hyperparams.full_information: the payoffs every own action would have earned come from "
                             "the realised game, which players do not see under env_config.visibility "
                             f"{self.env_config['visibility']!r}: use visibility 'public' or full_information false")
        try:
            make_eval_env(self.env_id, self.env_config)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"env_config.{exc}") from None

    def _check_hyperparams(self) -> None:
        if not isinstance(self.hyperparams, dict):
            raise ValueError(f"hyperparams: must be a dict of SB3 keyword arguments, got {self.hyperparams!r}")
        if self.algo == "exploitability_descent":
            EDConfig.from_hyperparams(self.hyperparams)
            return
        for key, value in self.hyperparams.items():
            problem = check_sb3_arg(self.algo, key, value)
            if problem:
                raise ValueError(f"hyperparams.{key}: {problem}")
            positive = ("learning_rate", "gamma", "batch_size", "n_steps")
            if key in positive and value is not None and not callable(value) and value <= 0:
                raise ValueError(f"hyperparams.{key}: must be > 0, got {value!r}")
        if self.algo == "mmd_ppo":
            check_mmd_params(self.model_kwargs, prefix="hyperparams.")
        if self.hyperparams.get("gamma", 1.0) > 1:
            raise ValueError(f"hyperparams.gamma: must be in (0, 1], got {self.hyperparams['gamma']!r}")

    @property
    def model_kwargs(self) -> dict[str, Any]:
        """SB3 constructor arguments: the defaults of ``algo`` updated with ``hyperparams`` (exploitability descent:
        every field of its ``EDConfig``)."""
        if self.algo == "exploitability_descent":
            return EDConfig.from_hyperparams(self.hyperparams).to_dict()
        return {**DEFAULT_HYPERPARAMS[self.algo], **self.hyperparams}

    @property
    def learner_names(self) -> tuple[str, ...]:
        """Names of the trained SB3 models (files ``<name>.zip``)."""
        return {"single": ("agent",), "shared": ("shared",), "independent": ("player_0", "player_1"),
                "self_play": ("learner",)}[self.mode]

    @property
    def agent_names(self) -> tuple[str, ...]:
        """Keys of ``TrainResult.policies``: "agent" for RefineOrAct, else the PettingZoo agents."""
        return ("agent",) if self.mode == "single" else ("player_0", "player_1")

    def to_dict(self) -> dict[str, Any]:
        """Field -> value (``env_config``/``hyperparams`` as given)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}
