"""Plain-text rendering of a ``refine_bargain_v0`` episode: the weights table and the offer history."""

from __future__ import annotations

from vvl_env.envs.refine_bargain.config import AGENTS, BargainConfig
from vvl_env.envs.refine_bargain.core import PHASES, BargainState, proposer


def _shares(x) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in x) + ")"


def bargain_table(config: BargainConfig, state: BargainState) -> str:
    """Weights per dimension (true, and as each party knows them), then one line per offer."""
    p = state.problem
    lines = [f"phase {PHASES[state.phase]}, round {state.round} of {config.horizon}, delta {config.delta:g}, "
             f"visibility {config.visibility}",
             "dim | w0 true | w0 known | w1 true | w1 known"]
    for k in range(config.K):
        lines.append(f"{k:>3} | {p.w1[k]:7.3f} | {state.known[0, k]:8.3f} | {p.w2[k]:7.3f} | {state.known[1, k]:8.3f}")
    lines.append(f"refined: {AGENTS[0]} {bool(state.revealed[0])}, {AGENTS[1]} {bool(state.revealed[1])}")
    lines.append("round | proposer | player_0 shares | response")
    for o in state.history:
        lines.append(f"{o.round:>5} | {AGENTS[o.proposer]} | {_shares(o.x)} | {'accept' if o.accepted else 'reject'}")
    if PHASES[state.phase] == "respond":
        x = config.offers[state.offer]
        lines.append(f"{state.round:>5} | {AGENTS[proposer(config, state.round)]} | {_shares(x)} | (on the table)")
    return "\n".join(lines)
