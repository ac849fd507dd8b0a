"""How close can a policy network get to the equilibria of the realised games at all? Writes
``benchmarks/results/learnability.json``.

Run on demand (not part of the tests): ``python benchmarks/learnability.py [--samples N] [--epochs E] [--quick]``.

The learners of ``benchmarks/agents.py`` must map each realised payoff matrix (a new continuous game every episode)
to that game's equilibrium strategies. This benchmark removes everything that makes reinforcement learning hard --
exploration, sampled payoffs, a moving opponent, credit assignment -- and fits the network by *supervised* learning
to the exact answer: the analytic (``bayes_optimal``) agents' play probabilities at the play observations of
``samples`` realised games of each case (refine decisions drawn from the analytic agents too, so the games are the
reference's). Loss: cross-entropy to the target distribution over the legal actions; Adam, lr 1e-3 with cosine
decay, minibatches of 512. Measured: NashConv of the fitted play profile on held-out games (the last fifth), mean
and median, against the epochs of training.

``--loss nash_conv`` fits the same networks to no target at all: it minimises the (sub-differentiable) NashConv of
the network's own play profile in each training game, ``max_i (R1 y)_i - x R1 y + max_j (x R2)_j - x R2 y`` over
the existing actions. Any equilibrium of a game then scores 0, so the network is not asked to reproduce the analytic
agents' selection among several equilibria, which jumps from one to another as the payoffs move (a map no
continuous network fits at the jumps); what remains is the network's own floor.

The resulting NashConv is a floor for RL with the same network and sample count: an RL learner sees one sampled
payoff per episode where this fit sees the whole equilibrium. Networks:

* ``mlp64``: SB3's ``MlpPolicy`` policy net (64 x 64 tanh and a linear head), the learners' network.
* ``mlp256x3``: 256 x 256 x 256 ReLU.
* ``exchangeable``: a permutation-equivariant network over the payoff matrix (Hartford, Wright and Leyton-Brown
  2016, "Deep learning for predicting human strategic behavior"; Hartford et al. 2018, "Deep models of interactions
  across sets"): each cell (i, j) holds (own payoff, other's payoff, row/column exists, last actions, the global
  entries); a layer adds linear maps of the cell, its column mean, its row mean and the overall mean (over existing
  cells); an action's logit is read from its row's mean. Permuting the actions permutes the output, so what it
  learns for one row holds for every row.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch as th
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.analytic import make_agent  # noqa: E402
from agents.policy import probabilities_batch  # noqa: E402
from benchmarks.agents import CASES as AGENT_CASES  # noqa: E402
from vvl_env.envs import RefineMatrixVecEnv  # noqa: E402
from vvl_env.envs.refine_matrix.layout import ObsLayout  # noqa: E402
from vvl_env.solve.exploitability import nash_conv_batch  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "learnability.json"
CASES = {case: cfg for case, (env_id, cfg) in AGENT_CASES.items() if env_id == "refine_matrix_v0"}
"""The matrix cases of ``benchmarks/agents.py``, configured as there."""


def play_data(cfg: dict[str, Any], samples: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``samples`` play observations (rows 2c, 2c + 1: the two players of one game), their masks and the analytic
    agents' play probabilities, from ``RefineMatrixVecEnv`` driven by the analytic agents (seeded)."""
    agents = [make_agent("bayes_optimal", "refine_matrix_v0", env_config=cfg, role=a) for a in ("player_0", "player_1")]
    env = RefineMatrixVecEnv(512, seed=seed, **cfg)
    rng = np.random.default_rng(seed)
    obs, out_obs, out_mask, out_p = env.reset(), [], [], []
    while sum(len(o) for o in out_obs) < samples:
        masks = env.action_masks()
        probs = np.zeros(masks.shape)
        for i in (0, 1):
            probs[i::2] = probabilities_batch(agents[i], list(obs[i::2, 2:]), masks[i::2].astype(np.int8))
        both = ~masks[0::2, 0] & ~masks[1::2, 0]                     # copies in play (pass illegal) for both
        rows = np.flatnonzero(np.repeat(both, 2))
        out_obs.append(obs[rows]), out_mask.append(masks[rows]), out_p.append(probs[rows])
        u = rng.random(len(probs))[:, None]
        obs, *_ = env.step(np.minimum((np.cumsum(probs, 1) < u).sum(1), probs.shape[1] - 1))
    return tuple(np.concatenate(a)[:samples] for a in (out_obs, out_mask, out_p))  # type: ignore[return-value]


def nash_conv(obs: np.ndarray, probs: np.ndarray, M: int) -> npt.NDArray[np.float64]:
    """NashConv of each game (rows 2c, 2c + 1) for the play probabilities ``probs``, from player_0's observation
    (own payoffs R1[i, j], other's R2[i, j], rows = player_0's actions; ``nash_conv_batch``)."""
    s = ObsLayout(M, prefix=2).sections()
    x, y = (p / p.sum(1, keepdims=True) for p in (probs[0::2, 1 + M:], probs[1::2, 1 + M:]))  # float32 outputs
    R1 = obs[0::2, s["own_payoffs"]].reshape(-1, M, M).astype(np.float64)
    R2 = obs[0::2, s["other_payoffs"]].reshape(-1, M, M).astype(np.float64)
    return nash_conv_batch(R1, R2, x, y, obs[0::2, s["own_exists"]] > 0, obs[0::2, s["other_exists"]] > 0)[0]


def mlp(inputs: int, outputs: int, hidden: int, depth: int, act: type[nn.Module]) -> nn.Module:
    dims = [inputs] + [hidden] * depth
    layers: list[nn.Module] = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(a, b), act()]
    return nn.Sequential(*layers, nn.Linear(hidden, outputs))


def _mean(h: th.Tensor, w: th.Tensor, dims: Any) -> th.Tensor:
    return (h * w).sum(dims, keepdim=True) / w.sum(dims, keepdim=True).clamp_min(1.0)


class Exchangeable(nn.Module):
    """The permutation-equivariant network of the module docstring (``layers`` layers of width ``hidden``)."""

    def __init__(self, M: int, hidden: int = 64, layers: int = 3) -> None:
        super().__init__()
        self.M, self.s = M, ObsLayout(M, prefix=2).sections()
        n_global = 2 + 3 + 2 + 1 + 6                                # agent id, phase, budget, round, belief
        dims = [6 + n_global] + [hidden] * layers
        self.layers = nn.ModuleList([nn.ModuleList([nn.Linear(a, b)] + [nn.Linear(a, b, bias=False) for _ in "rcg"])
                                     for a, b in zip(dims[:-1], dims[1:])])
        self.play, self.refine, self.pass_ = nn.Linear(2 * hidden, 1), nn.Linear(2 * hidden, 1), nn.Linear(hidden, 1)

    def forward(self, x: th.Tensor) -> th.Tensor:
        s, M, B = self.s, self.M, x.shape[0]
        own, other = x[:, s["own_exists"]], x[:, s["other_exists"]]
        cells = [x[:, s["own_payoffs"]].reshape(B, M, M), x[:, s["other_payoffs"]].reshape(B, M, M),
                 own[:, :, None].expand(B, M, M), other[:, None, :].expand(B, M, M),
                 x[:, s["own_last"]][:, :, None].expand(B, M, M), x[:, s["other_last"]][:, None, :].expand(B, M, M)]
        glob = th.cat([x[:, :2], x[:, s["phase"]], x[:, s["budget"]], x[:, s["round"]], x[:, s["belief"]]], 1)
        h = th.cat([th.stack(cells, -1), glob[:, None, None, :].expand(B, M, M, glob.shape[1])], -1)
        w = (own[:, :, None] * other[:, None, :])[..., None]
        for cell, row, col, whole in self.layers:
            h = th.relu(cell(h) + row(_mean(h, w, 1)) + col(_mean(h, w, 2)) + whole(_mean(h, w, (1, 2))))
        rows, pooled = _mean(h, w, 2)[:, :, 0, :], _mean(h, w, (1, 2))[:, 0, 0, :]
        r = th.cat([rows, pooled[:, None, :].expand_as(rows)], -1)
        return th.cat([self.pass_(pooled), self.refine(r)[..., 0], self.play(r)[..., 0]], 1)


def nash_conv_loss(obs: th.Tensor, probs: th.Tensor, M: int) -> th.Tensor:
    """Mean NashConv of the games in a batch (rows 2c, 2c + 1: the two players of one game, as :func:`nash_conv`),
    differentiable in ``probs`` almost everywhere."""
    s = ObsLayout(M, prefix=2).sections()
    x, y = probs[0::2, 1 + M:], probs[1::2, 1 + M:]
    R1 = obs[0::2, s["own_payoffs"]].reshape(-1, M, M)
    R2 = obs[0::2, s["other_payoffs"]].reshape(-1, M, M)
    rows, cols = obs[0::2, s["own_exists"]] > 0, obs[0::2, s["other_exists"]] > 0
    u1, u2 = (R1 @ y[:, :, None])[..., 0], (x[:, None, :] @ R2)[:, 0]      # (B, M) each: payoff of each own action
    gain1 = u1.masked_fill(~rows, -1e9).max(1).values - (x * u1).sum(1)
    gain2 = u2.masked_fill(~cols, -1e9).max(1).values - (y * u2).sum(1)
    return (gain1 + gain2).mean()


def _minibatches(n_train: int, loss_name: str) -> list[th.Tensor]:
    """Rows of one epoch's minibatches of 512: shuffled rows, or (NashConv loss) shuffled games, both rows each."""
    if loss_name == "cross_entropy":
        return list(th.randperm(n_train).split(512))
    return [th.stack([2 * g, 2 * g + 1], 1).reshape(-1) for g in th.randperm(n_train // 2).split(256)]


def fit(net: nn.Module, obs: np.ndarray, masks: np.ndarray, target: np.ndarray, M: int, epochs: int,
        seed: int, loss_name: str = "cross_entropy") -> list[dict[str, float]]:
    """Fit on the first 4/5 of the games (``loss_name``: "cross_entropy" to ``target`` or "nash_conv", module
    docstring); NashConv on the rest after every epoch."""
    th.manual_seed(seed)
    n_train = (len(obs) * 4 // 5) // 2 * 2
    X, Y, K = th.as_tensor(obs), th.as_tensor(target, dtype=th.float32), th.as_tensor(masks)
    opt = th.optim.Adam(net.parameters(), 1e-3)
    steps = epochs * -(-n_train // 512)
    sched = th.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    curve, t0 = [], time.perf_counter()
    for epoch in range(1, epochs + 1):
        for b in _minibatches(n_train, loss_name):
            logp = th.log_softmax(net(X[b]).masked_fill(~K[b], -1e8), 1)
            loss = (nash_conv_loss(X[b], logp.exp(), M) if loss_name == "nash_conv" else
                    -(Y[b] * logp).sum(1).mean())
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        with th.no_grad():
            p = th.softmax(net(X[n_train:]).masked_fill(~K[n_train:], -1e8), 1).double().numpy()
        nc = nash_conv(obs[n_train:], p, M)
        curve.append({"epoch": epoch, "nash_conv_mean": float(nc.mean()), "nash_conv_median": float(np.median(nc)),
                      "wall_s": time.perf_counter() - t0})
        print(f"  epoch {epoch}: held-out NashConv mean {nc.mean():.4f}, median {np.median(nc):.4f}",
              file=sys.stderr)
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200_000, help="play observations (two per game)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--nets", nargs="+", default=["mlp64", "mlp256x3", "exchangeable"])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--loss", choices=["cross_entropy", "nash_conv"], default="cross_entropy",
                        help="fit to the analytic agents' strategies, or minimise NashConv itself (module docstring)")
    parser.add_argument("--out", type=Path, default=None, help="result file (default: learnability.json, or "
                        "learnability_nash_conv.json with --loss nash_conv)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 4,000 samples, 2 epochs")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.epochs = 4_000, 2
    if args.out is None:
        args.out = RESULTS if args.loss == "cross_entropy" else RESULTS.with_name("learnability_nash_conv.json")
    th.set_num_threads(1)
    results: dict[str, Any] = {"samples": args.samples, "epochs": args.epochs, "loss": args.loss, "cases": {},
                               "machine": {"platform": platform.platform(), "torch": th.__version__}}
    for case in args.cases:
        obs, masks, target = play_data(CASES[case], args.samples, seed=0)
        M = (masks.shape[1] - 1) // 2
        check = float(nash_conv(obs, target, M).max())
        results["cases"][case] = {"config": CASES[case], "target_nash_conv_max": check, "nets": {}}
        for name in args.nets:
            print(f"{case} / {name}", file=sys.stderr)
            th.manual_seed(0)
            net = {"mlp64": lambda: mlp(obs.shape[1], masks.shape[1], 64, 2, nn.Tanh),
                   "mlp256x3": lambda: mlp(obs.shape[1], masks.shape[1], 256, 3, nn.ReLU),
                   "exchangeable": lambda: Exchangeable(M)}[name]()
            results["cases"][case]["nets"][name] = {
                "parameters": sum(p.numel() for p in net.parameters()),
                "curve": fit(net, obs, masks, target, M, args.epochs, seed=0, loss_name=args.loss)}
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=1))
    for case, r in results["cases"].items():
        for name, n in r["nets"].items():
            last = n["curve"][-1]
            print(f"{case:20s} {name:13s} held-out NashConv mean {last['nash_conv_mean']:.4f} median "
                  f"{last['nash_conv_median']:.4f} ({n['parameters']:,} parameters, {last['wall_s']:.0f} s)")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
