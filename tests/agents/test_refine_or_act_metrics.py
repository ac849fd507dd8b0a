"""benchmarks/refine_or_act_metrics.py (the refine_or_act row of benchmarks/agents.py) against closed forms.

The case: options 0.5, 0, -0.5, pointwise RRP with q = 1/2 and sigma_own 1 (refining option k gives variants
U(k) +- D/2, D ~ N(0, 1)), cost U[0, 0.6], budget 2. The Bayes *myopic* agent refines the best option iff its
one-step gain E|D| / 2 = 1 / sqrt(2 pi) exceeds the cost; refining beats acting by c* - c at the first step (the
cost enters the refine value once, the stop value not at all), so the myopic rule loses, in expectation over the
cost, the integral of (c* - c) over (1 / sqrt(2 pi), c*) divided by 0.6, and nothing at the act choice.
"""

from __future__ import annotations

import numpy as np

from agents.analytic import make_agent
from benchmarks.refine_or_act_metrics import first_threshold, measure, second_decision

CFG = {"values": [0.5, 0.0, -0.5], "cost": {"law": "uniform", "low": 0.0, "high": 0.6}, "budget": 2,
       "perturbation": {"sigma_own": 1.0, "q": 0.5}}
GAIN = 1.0 / np.sqrt(2.0 * np.pi)  # E|D| / 2
STEP = 0.6 / 240                   # first_threshold's grid


def test_myopic_threshold_is_the_one_step_gain() -> None:
    t = first_threshold(make_agent("bayes_myopic", "refine_or_act", env_config=CFG), CFG)
    assert GAIN <= t < GAIN + STEP


def test_myopic_shortfall_split_matches_the_linear_refine_advantage() -> None:
    episodes = 400
    row = measure(CFG, make_agent("bayes_myopic", "refine_or_act", env_config=CFG), episodes=episodes, seed=3)
    c_star = row["optimal_threshold"]
    assert GAIN + 0.1 < c_star < 0.6                      # the optimal agent refines at costs the myopic one does not
    assert row["regret"] == 0.0                           # both act on the best option
    expected = (c_star - GAIN) ** 2 / 2 / 0.6             # E[(c* - c) 1{GAIN < c < c*}], c ~ U[0, 0.6]
    sd = np.sqrt((c_star - GAIN) ** 3 / 3 / 0.6)          # bound on the per-episode standard deviation
    assert abs(row["refine_gap"] - expected) < 4 * sd / np.sqrt(episodes)
    assert row["refine_rate"] < row["optimal_refine_rate"]


class NeverRefinesOne:
    """The optimal agent, except that it acts on the best option where it would refine option 1."""

    def __init__(self) -> None:
        self.inner = make_agent("bayes_optimal", "refine_or_act", env_config=CFG)

    def action_probabilities(self, observation: np.ndarray, action_mask: np.ndarray) -> np.ndarray:
        p = self.inner.action_probabilities(observation, action_mask)
        if p[1] > 0:
            M = p.size // 2
            p = np.zeros_like(p)
            p[M + int(np.argmax(observation[:M][observation[M:2 * M] > 0.5]))] = 1.0
        return p


def test_second_decision_split_by_the_index_of_the_better_variant() -> None:
    # With one refinement left the Bellman rule is the one-step rule: the myopic agent decides as the optimal one
    # (up to the optimal solver's discretisation of the outcome law).
    ref = make_agent("bayes_optimal", "refine_or_act", env_config=CFG)
    myopic = second_decision(make_agent("bayes_myopic", "refine_or_act", env_config=CFG), ref, CFG, states=200, seed=5)
    assert myopic["second_gap"] < 1e-3
    assert myopic["second_right/0"] > 0.97 and myopic["second_right/1"] > 0.97
    # A policy that never refines option 1 refines the better variant only where it landed at index 0.
    lame = second_decision(NeverRefinesOne(), ref, CFG, states=200, seed=5)
    assert lame["second_right/0"] == 1.0 and lame["second_right/1"] == 0.0
    assert lame["second_gap"] > 0.01
