"""Exploitability descent on the true games against the same learner on learned payoffs (``payoffs = "learned"``),
side by side on games whose equilibria are pure or mixed, seed after seed.

Each run trains both players with ``agents.learning.exploitability_descent`` (EDConfig's defaults, 250 copies, Adam's
step decayed to 0: the settings of the benchmark row ``exploitability_descent``) on a budget of ``--steps``
agent-steps and records the last iterate's play NashConv and welfare on ``--episodes`` seeded episodes. In the
prisoners' dilemma the equilibrium of every realised game is pure; in the custom 3 x 2 game and in matching pennies
it is mixed (docs/learning.md says what the runs showed). ``--gradients softmax neurd neurd_floor`` runs each pair
with each play gradient (``EDConfig.play_gradient``: the softmax's, NeuRD's, and NeuRD's with ``neurd_floor``
:data:`FLOOR`, the softmax gradient wherever an action's probability is at least the floor; the keys of the
latter two end in ``/neurd`` and ``/neurd_floor``).

Usage: ``python benchmarks/learned_payoffs.py [--games ...] [--seeds ...]`` ->
``benchmarks/results/learned_payoffs.json`` (resumable: runs already in the file are kept).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch as th

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from agents.evaluate import evaluate  # noqa: E402
from agents.learning.config import EDConfig  # noqa: E402
from agents.learning.exploitability_descent import train_exploitability_descent  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "learned_payoffs.json"
GAMES = {
    "prisoners_dilemma": {"game": "prisoners_dilemma", "budget": [1, 1], "cost": 0.05},
    "custom_3x2": {"R1": [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], "R2": [[0.0, 1.0], [1.0, 0.0], [0.2, 0.3]],
                   "budget": [1, 1], "cost": 0.05},
    "matching_pennies": {"game": "matching_pennies", "budget": [1, 1], "cost": 0.05},
}


FLOOR = 0.05
"""``neurd_floor`` of the ``neurd_floor`` gradient."""


def run(game: str, payoffs: str, seed: int, steps: int, episodes: int, gradient: str = "softmax"
        ) -> dict[str, float]:
    """Train one pair and evaluate its last iterate."""
    t0 = time.perf_counter()
    config = EDConfig(payoffs=payoffs, learning_rate_final=0.0, play_gradient=gradient.split("_")[0],
                      neurd_floor=FLOOR if gradient == "neurd_floor" else 1.0)
    result = train_exploitability_descent(GAMES[game], steps, seed=seed, n_copies=250, config=config)
    summary = evaluate("refine_matrix_v0", GAMES[game], result.policies, episodes=episodes, seed=seed).summary()
    return {"nash_conv": summary["eval/nash_conv"]["mean"], "welfare": summary["eval/welfare"]["mean"],
            "wall_s": time.perf_counter() - t0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", nargs="+", default=list(GAMES), choices=list(GAMES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--payoffs", nargs="+", default=["true", "learned"], choices=["true", "learned"])
    parser.add_argument("--steps", type=int, default=400_000, help="agent-steps, both players together")
    parser.add_argument("--episodes", type=int, default=300)
    parser.add_argument("--gradients", nargs="+", default=["softmax"], choices=["softmax", "neurd", "neurd_floor"])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    th.set_num_threads(1)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    for game in args.games:
        for seed in args.seeds:
            for payoffs, gradient in ((p, g) for p in args.payoffs for g in args.gradients):
                key = f"{game}/{payoffs}/{seed}/{args.steps}" + ("" if gradient == "softmax" else f"/{gradient}")
                if key not in results:
                    results[key] = run(game, payoffs, seed, args.steps, args.episodes, gradient)
                    args.out.parent.mkdir(parents=True, exist_ok=True)
                    args.out.write_text(json.dumps(results, indent=1, sort_keys=True))
                row = results[key]
                print(f"{key}: NashConv {row['nash_conv']:.3f}, welfare {row['welfare']:.3f}, "
                      f"{row['wall_s']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
