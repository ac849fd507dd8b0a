"""Does exploitability descent learn the refine stage's equilibrium? (matching pennies, budgets (1, 1), cost 0.05,
sigma 1, rho 0, public: the benchmarks/agents.py case.)

The analytic reference plays the refine stage as a game (``agents/analytic/refine_stage.py``): whoever refines second
refines in answer to the first split, which is worth more than refining at once, so one player waits. The learner's
refine decision is an MMD step on a sampled-return critic at temperature ``alpha`` (``EDConfig.alpha``, default 0.5);
the value differences at stake are 0.004-0.04, so a lower temperature is tried too, and the decision taken on branch
values (``--values counterfactual``, ``EDConfig.refine_values``) instead of a sampled-return critic, with the welfare
weight of play held (``--welfare``) or annealed (``--welfare-final``), play trained on the branches' off-path games
too (``--branch-play``, ``EDConfig.branch_play``), the refine step's size ``--eta`` and branches on several draws of
the refinements to come (``--draws``, ``EDConfig.refine_draws``), and the decision fitted to ``softmax(Q / alpha)`` of a
critic regressed on the values (``--fit softmax``, ``EDConfig.refine_fit``), its temperature annealed
(``--alpha-final``) and Adam's step decayed (``--lr-final``, ``EDConfig.learning_rate_final``). Reported per run: play
NashConv, welfare, the refine-stage NashConv of the learned first decisions (``refine_nash_conv``: 0 at any
equilibrium of the stage), the first-turn refine rates and the refine gaps against the reference's own equilibrium;
with ``--diagnose``, whether player_1's answer to a split pays under the learned play and under the reference's
(:func:`answer_values_by_play`); with ``--paired N``, the welfare gap to the reference on N shared episodes, split
into the part of the refine decisions and the part of play (:func:`paired_welfare`). 10^6 agent-steps per learner,
1,000 evaluation episodes (seed 10,000), one torch thread. Each run keeps the reference row it was scored against
(``scored_against``): the reference's estimate of the stage game has changed (``agents/analytic/refine_stage.py``:
nested draws, near-ties by margin), and the runs made before that change and not rerun (alpha 0.5, refine_explore)
were scored against its earlier choice, player_0 waiting.

Usage: ``python benchmarks/refine_stage_learning.py --alphas 0.5 0.05 --seeds 0`` (resumable: runs already in the
result file are kept) -> ``benchmarks/results/refine_stage_learning.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch as th

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from agents.evaluate import evaluate  # noqa: E402
from agents.learning.config import EDConfig  # noqa: E402
from agents.learning.exploitability_descent import train_exploitability_descent  # noqa: E402
from agents.learning.phase_metrics import PhaseMetrics  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "refine_stage_learning.json"
CONFIG = dict(game="matching_pennies", budget=(1, 1), cost=0.05,
              perturbation={"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.0})
KEEP = ("nash_conv", "welfare", "refine_nash_conv", "refine_rate_gap/player_0", "refine_rate_gap/player_1",
        "refine_gap/player_0", "refine_gap/player_1")


def run(alpha: float, seed: int, steps: int, explore: float = 0.0, welfare: float = 0.0,
        values: str = "critic", welfare_final: float | None = None, branch_play: bool = False,
        eta: float = 1.0, diagnose: bool = False, fit: str = "cross_entropy", paired: int = 0,
        draws: int = 1, alpha_final: float | None = None, lr_final: float | None = None,
        save: Path | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    config = EDConfig(alpha=alpha, eta=eta, refine_fit=fit, refine_explore=explore, welfare_weight=welfare,
                      refine_values=values, welfare_final=welfare_final, branch_play=branch_play,
                      refine_draws=draws, alpha_final=alpha_final, learning_rate_final=lr_final)
    result = train_exploitability_descent(CONFIG, 2 * steps, seed=seed, config=config)
    wall = time.perf_counter() - t0
    if save is not None:                     # the trained pair, for diagnostics beyond this script's (torch.load)
        save.parent.mkdir(parents=True, exist_ok=True)
        th.save({"policies": result.policies, "average": result.average, "config": config}, save)
    phase = PhaseMetrics("refine_matrix_v0", CONFIG, episodes=1000, seed=10_000)
    metrics = phase(result.policies, "")
    summary = evaluate("refine_matrix_v0", CONFIG, result.policies, episodes=1000, seed=10_000).summary()
    turns = {k.removeprefix("eval/"): summary[k]["mean"] for k in summary if "/turn_" in k}
    answers = answer_values_by_play(result.policies, states=500) if diagnose else {}
    if paired:
        answers.update(paired_welfare(result.policies, paired))
    return {"alpha": alpha, "eta": eta, "refine_fit": fit, "refine_values": values, "refine_explore": explore,
            "welfare_weight": welfare, "welfare_final": welfare_final, "branch_play": branch_play,
            "refine_draws": draws, "alpha_final": alpha_final, "learning_rate_final": lr_final, "seed": seed,
            "steps_per_learner": steps, "wall_s": wall,
            **{k: metrics[k] for k in KEEP if k in metrics}, **turns, **answers}


_REFERENCE_REPORTS: dict[int, Any] = {}


def paired_welfare(policies: dict[str, Any], episodes: int, seed: int = 10_000) -> dict[str, float]:
    """The learned pair's welfare against the analytic agents' (``bayes_optimal``, the reference) on the same
    ``episodes`` seeded episodes: both means, the mean of the per-episode difference (reference minus learned,
    ``eval/welfare_cost``) and its standard error, which the shared draws make smaller than either mean's; the same
    for the *expected* welfare (play valued at ``x R y``, net of costs: ``expected_welfare``, without the noise of
    sampled play actions), split into the part of the refine decisions (the reference's expected welfare against
    the learned episodes' realised games each valued at its ``max_welfare`` equilibrium, net of the learned costs)
    and the part of play (those equilibria against the learned play on the same games: negative where the learned
    play earns more welfare than the best equilibrium, off equilibrium); and the refine rates of both."""
    from agents.analytic import make_agent

    if episodes not in _REFERENCE_REPORTS:              # once per process
        agents = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=CONFIG, role=a)
                  for a in ("player_0", "player_1")}
        _REFERENCE_REPORTS[episodes] = evaluate("refine_matrix_v0", CONFIG, agents, episodes=episodes, seed=seed)
    ref = _REFERENCE_REPORTS[episodes]
    learned_report = evaluate("refine_matrix_v0", CONFIG, policies, episodes=episodes, seed=seed, reference=ref,
                              selection="max_welfare")
    learned = learned_report.summary()
    analytic = ref.summary()
    out = {f"paired{episodes}/welfare": learned["eval/welfare"]["mean"],
           f"paired{episodes}/reference_welfare": analytic["eval/welfare"]["mean"],
           f"paired{episodes}/welfare_gap": learned["eval/welfare_cost"]["mean"],
           f"paired{episodes}/welfare_gap_stderr": learned["eval/welfare_cost"]["stderr"]}
    ours = np.array([r["expected_welfare"] for r in learned_report.records])
    theirs = np.array([r["expected_welfare"] for r in ref.records])
    out[f"paired{episodes}/expected_welfare"] = float(ours.mean())
    out[f"paired{episodes}/reference_expected_welfare"] = float(theirs.mean())
    out[f"paired{episodes}/expected_welfare_gap"] = float((theirs - ours).mean())
    out[f"paired{episodes}/expected_welfare_gap_stderr"] = float((theirs - ours).std(ddof=1) / np.sqrt(episodes))
    out[f"paired{episodes}/reference_expected_welfare_stderr"] = float(theirs.std(ddof=1) / np.sqrt(episodes))
    # the gap in two parts: the games the learned refine decisions reach, each valued at its max_welfare equilibrium
    # (net of costs), against the reference's; and the learned play against that equilibrium on the same games
    best = np.array([sum(r[f"eq_payoff/{a}"] - r[f"cost/{a}"] for a in ("player_0", "player_1"))
                     for r in learned_report.records])
    out[f"paired{episodes}/refine_part_of_gap"] = float((theirs - best).mean())
    out[f"paired{episodes}/refine_part_of_gap_stderr"] = float((theirs - best).std(ddof=1) / np.sqrt(episodes))
    out[f"paired{episodes}/play_part_of_gap"] = float((best - ours).mean())
    out[f"paired{episodes}/play_part_of_gap_stderr"] = float((best - ours).std(ddof=1) / np.sqrt(episodes))
    for a in ("player_0", "player_1"):
        out[f"paired{episodes}/refine_rate/{a}"] = learned[f"eval/refine_rate/{a}"]["mean"]
        out[f"paired{episodes}/reference_refine_rate/{a}"] = analytic[f"eval/refine_rate/{a}"]["mean"]
    return out


def answer_values_by_play(policies: dict[str, Any], states: int = 300, inner: int = 64,
                          seed: int = 10_000) -> dict[str, float]:
    """Is player_1's answer to a split worth its cost under the learned play, and under the analytic agents'?

    ``states`` episodes (seeded ``seed + c``) where player_0 split its first action at the first turn and player_1
    waited: at player_1's second turn, each option (pass, refine column l) is played out on ``inner`` copies of the
    state with fresh draws of player_1's refinement (the core's own, seeded ``seed + states + j``), play valued at
    ``x R y`` under the learned networks and, on the same games, at the ``max_welfare`` equilibrium payoffs (the
    reference's answer rule, :func:`agents.analytic.refine_stage.answer_values`). Returns the share of states where
    answering pays (best option's mean value above passing's) under each play, the learned refine probability at
    those states, the mean answer gain under each (net of the cost) and what answering in every state loses against
    answering where it pays (per episode, under each play), and the regret of the learned answer (pass or which
    column) under each play: ``sum_o pi(o) (max_o' V(o') - V(o))``, averaged over the states."""
    from vvl_env.envs import RefineMatrixVecEnv
    from vvl_env.envs.refine_matrix.core import MatrixCore
    from vvl_env.envs.refine_matrix.layout import PLAY
    from vvl_env.solve.equilibria_batch import equilibrium_payoffs

    env = RefineMatrixVecEnv(2 * states, seed=seed, **CONFIG)
    env.reset()
    src = env._core
    env.step(np.tile([1, 0], states))                              # player_0 splits its action 0, player_1 waits
    obs1, mask1 = src.obs[:, 1], src.mask[:, 1].astype(bool)
    option_probs = policies["player_1"].probabilities_batch(obs1, mask1)
    refine_prob = 1.0 - option_probs[:, 0]
    n, M = states * inner, src.M
    rows, cols = (int(c) for c in src.cnt[0])                     # the split game's shape, the same in every copy
    learned, analytic = np.zeros((states, 1 + cols)), np.zeros((states, 1 + cols))
    for option in range(1 + cols):                                 # pass, then refine each own column
        core = MatrixCore(src.config, n, agent_id=True)
        core.reset(slice(None), seeds=[seed + states + j for j in range(n)])
        own = [(a.copy(), b.copy(), c.copy()) for a, b, c in zip(core._q, core._off, core._cost)]
        core.fork(src, np.repeat(np.arange(states), inner), np.arange(n))
        core._q[1][:], core._off[1][:], core._cost[1][:] = own[1]    # player_1's draws: fresh per inner copy
        rew, _ = core.step(np.tile([0, option], (n, 1)))
        assert (core.phase == PLAY).all()
        probs = np.stack([policies[a].probabilities_batch(core.obs[:, i], core.mask[:, i].astype(bool))
                          for i, a in enumerate(("player_0", "player_1"))], axis=1)
        n_cols = cols + (option > 0)
        x, y = probs[:, 0, 1 + M:1 + M + rows], probs[:, 1, 1 + M:1 + M + n_cols]
        R1, R2 = core.W[:, 0, 0, :rows, :n_cols], core.W[:, 0, 1, :rows, :n_cols]
        value = rew[:, 1] + np.einsum("bi,bij,bj->b", x, R2, y)
        eq = equilibrium_payoffs(R1, R2, "max_welfare")[:, 1] + rew[:, 1]
        learned[:, option] = value.reshape(states, inner).mean(1)
        analytic[:, option] = eq.reshape(states, inner).mean(1)
    gain_l, gain_a = learned[:, 1:].max(1) - learned[:, 0], analytic[:, 1:].max(1) - analytic[:, 0]
    pi = option_probs[:, :1 + cols] / option_probs[:, :1 + cols].sum(1, keepdims=True)

    def regret(values: np.ndarray) -> float:     # what the learned choice (pass or which column) loses, per state
        return float((pi * (values.max(1, keepdims=True) - values)).sum(1).mean())

    return {"answer_pays_learned_play": float((gain_l > 0).mean()),
            "answer_pays_max_welfare_play": float((gain_a > 0).mean()),
            "learned_refine_prob": float(refine_prob.mean()),
            "answer_gain_learned_play": float(gain_l.mean()), "answer_gain_max_welfare_play": float(gain_a.mean()),
            "always_answering_loses_learned_play": float(np.maximum(-gain_l, 0.0).mean()),
            "always_answering_loses_max_welfare_play": float(np.maximum(-gain_a, 0.0).mean()),
            "answer_regret_learned_play": regret(learned), "answer_regret_max_welfare_play": regret(analytic),
            "states": states, "inner": inner}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.5, 0.05])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--values", choices=("critic", "counterfactual"), default="critic",
                        help="EDConfig.refine_values")
    parser.add_argument("--explore", type=float, default=0.0, help="EDConfig.refine_explore")
    parser.add_argument("--welfare", type=float, default=0.0, help="EDConfig.welfare_weight")
    parser.add_argument("--welfare-final", type=float, default=None, help="EDConfig.welfare_final")
    parser.add_argument("--eta", type=float, default=1.0, help="EDConfig.eta (the refine decision's MMD step)")
    parser.add_argument("--fit", choices=("cross_entropy", "objective", "softmax"), default="cross_entropy",
                        help="EDConfig.refine_fit")
    parser.add_argument("--paired", type=int, default=0,
                        help="also compare welfare with the reference's on this many shared episodes (paired_welfare)")
    parser.add_argument("--diagnose", action="store_true",
                        help="also measure whether answering a split pays under the learned play "
                             "(answer_values_by_play)")
    parser.add_argument("--branch-play", action="store_true", help="EDConfig.branch_play")
    parser.add_argument("--draws", type=int, default=1, help="EDConfig.refine_draws (branches per option)")
    parser.add_argument("--alpha-final", type=float, default=None, help="EDConfig.alpha_final")
    parser.add_argument("--lr-final", type=float, default=None, help="EDConfig.learning_rate_final")
    parser.add_argument("--steps", type=int, default=1_000_000, help="agent-steps per learner")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--save", type=Path, default=None, metavar="DIR",
                        help="also save each trained pair to DIR/<run key>.pt (not under version control)")
    args = parser.parse_args()
    th.set_num_threads(1)
    results = json.loads(args.out.read_text()) if args.out.exists() else {"config": CONFIG, "runs": {}}
    reference = PhaseMetrics("refine_matrix_v0", CONFIG, episodes=1000, seed=10_000).reference_row()
    results["reference"] = reference
    for alpha in args.alphas:
        for seed in args.seeds:
            parts = {"values": None if args.values == "critic" else args.values, "explore": args.explore or None,
                     "welfare": args.welfare or None, "welfare_final": args.welfare_final,
                     "branch_play": args.branch_play or None, "eta": None if args.eta == 1.0 else args.eta,
                     "fit": None if args.fit == "cross_entropy" else args.fit, "diagnosed": args.diagnose or None,
                     "paired": args.paired or None, "draws": None if args.draws == 1 else args.draws,
                     "alpha_final": args.alpha_final, "lr_final": args.lr_final}
            extra = "".join(f"/{name}={value}" for name, value in parts.items() if value is not None)
            key = f"alpha={alpha}{extra}/seed={seed}/steps={args.steps}"
            if key in results["runs"]:
                continue
            results["runs"][key] = {**run(alpha, seed, args.steps, args.explore, args.welfare, args.values,
                                         args.welfare_final, args.branch_play, args.eta, args.diagnose,
                                         args.fit, args.paired, args.draws, args.alpha_final, args.lr_final,
                                         args.save / (key.replace("/", "_") + ".pt") if args.save else None),
                                     "scored_against": reference}
            print(key, {k: round(v, 4) for k, v in results["runs"][key].items() if isinstance(v, float)}, flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
