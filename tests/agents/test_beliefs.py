"""Analytic agents act on their beliefs (model.md §4), measured through ``evaluate`` in every environment.

* Common knowledge reproduces the default numbers exactly (same seeds).
* A player who believes refinement is worthless never refines when refining costs something, although the common-
  knowledge agent (``belief="truth"``) does.
* A biased belief (bias > 0) over-refines: refine rate 1 where the common-knowledge agent's is 0, at a cost between
  the true and the believed gain; the welfare cost is what the evaluation measures against the reference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.analytic import make_agent
from agents.evaluate import evaluate
from vvl_env.model.decision import DecisionProblem
from vvl_env.model.game import named_game
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.solve.game_refinement import refinement_effect
from vvl_env.solve.refinement_value import value_of_refinement

PLAYERS = ("player_0", "player_1")
SIGMA1 = {"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.0}


def _mean(report, key: str) -> float:
    return report.summary()[f"eval/{key}"]["mean"]


def _policies(env_id: str, cfg: dict, belief=None, **options):
    if env_id == "refine_or_act":
        return {"agent": make_agent("bayes_myopic", env_id, env_config=cfg, model=belief, **options)}
    return {p: make_agent("bayes_myopic", env_id, env_config=cfg, role=p, belief=belief, **options) for p in PLAYERS}


# --- common knowledge reproduces the default -------------------------------------------------------------------

@pytest.mark.parametrize(("env_id", "cfg", "ck"), [
    ("refine_or_act", dict(values=[0.0, -1.0], cost={"law": "uniform", "low": 0.0, "high": 0.8},
                           perturbation={"sigma_own": 1.0}), dict(belief={"sigma_own": 1.0})),
    ("refine_matrix_v0", dict(budget=(1, 1), cost=0.05, perturbation=SIGMA1), dict(beliefs=(SIGMA1, SIGMA1))),
    ("refine_bargain_v0", dict(K=2, weights="uniform", horizon=2, cost=0.01), dict(beliefs=("uniform", "uniform"))),
])
def test_common_knowledge_reproduces_the_default_numbers(env_id: str, cfg: dict, ck: dict) -> None:
    options = {} if env_id == "refine_or_act" else {"n": 300}
    runs = [evaluate(env_id, c, _policies(env_id, c, **options), episodes=15, seed=3)
            for c in (cfg, dict(cfg, **ck))]
    assert runs[0].records == runs[1].records
    truth = evaluate(env_id, cfg, _policies(env_id, cfg, belief="truth", **options), episodes=15, seed=3)
    assert truth.records == runs[0].records                   # "truth" is what the observation shows under CK


# --- a belief that refinement is worthless -------------------------------------------------------------------------

def test_refine_or_act_a_worthless_belief_never_refines() -> None:
    cfg = dict(values=[0.0, -50.0], cost={"law": "uniform", "low": 0.01, "high": 0.3}, perturbation={"sigma_own": 1.0},
               belief={"sigma_own": 0.0})
    ck = _policies("refine_or_act", cfg, belief="truth")
    rep = evaluate("refine_or_act", cfg, _policies("refine_or_act", cfg), episodes=200, seed=0, reference=ck)
    assert _mean(rep, "refine_rate/agent") == 0.0
    # every cost is below the true gain sigma / sqrt(2 pi) = 0.399 (model.md §1): the truth refines every time
    gain = 1.0 / math.sqrt(2.0 * math.pi)
    est = rep.summary()["eval/welfare_cost"]
    assert abs(est["mean"] - (gain - 0.155)) < 4 * est["stderr"]


def test_refine_matrix_a_worthless_belief_never_refines() -> None:
    cfg = dict(budget=(1, 0), cost={"law": "uniform", "low": 0.0, "high": 0.02}, perturbation=SIGMA1,
               beliefs=({"sigma_own": 0.0, "sigma_other": 0.0}, SIGMA1))
    ck = _policies("refine_matrix_v0", cfg, belief="truth", n=500)
    rep = evaluate("refine_matrix_v0", cfg, _policies("refine_matrix_v0", cfg, n=500), episodes=30, seed=0,
                   reference=ck)
    assert _mean(rep, "refine_rate/player_0") == 0.0
    ref = evaluate("refine_matrix_v0", cfg, ck, episodes=30, seed=0)
    assert _mean(ref, "refine_rate/player_0") == 1.0               # the true gain (~0.15) exceeds every cost


def test_refine_bargain_a_worthless_belief_never_refines() -> None:
    cfg = dict(K=2, weights="uniform", horizon=2, delta=0.9, cost=(1e-3, 0.0), budget=(1, 0),
               beliefs=({"law": "fixed", "w": [0.5, 0.5]}, "uniform"))
    ck = _policies("refine_bargain_v0", cfg, belief="truth", n=300)
    rep = evaluate("refine_bargain_v0", cfg, _policies("refine_bargain_v0", cfg, n=300), episodes=20, seed=0,
                   reference=ck)
    assert _mean(rep, "refine_rate/player_0") == 0.0
    assert _mean(evaluate("refine_bargain_v0", cfg, ck, episodes=20, seed=0), "refine_rate/player_0") == 1.0


# --- a biased belief over-refines --------------------------------------------------------------------------------

def test_refine_or_act_a_biased_belief_over_refines() -> None:
    """True gain G = 0.399 (sigma 1, the other option far below); believed gain under bias 0.3 is G + 0.3; at a cost
    of 0.5 in between, the biased agent always refines, the common-knowledge agent never, and the welfare cost is
    c - G per episode."""
    problem, truth = DecisionProblem([0.0, -50.0]), PerturbationModel(1.0)
    belief = PerturbationModel(1.0, bias=0.3)
    rng = np.random.default_rng(0)
    g_true = value_of_refinement(problem, 0, truth, rng=rng).gain.mean
    g_belief = value_of_refinement(problem, 0, belief, rng=rng).gain.mean
    cost = 0.5
    assert g_true < cost < g_belief
    cfg = dict(values=[0.0, -50.0], cost=cost, perturbation={"sigma_own": 1.0}, belief={"sigma_own": 1.0, "bias": 0.3})
    ck = _policies("refine_or_act", cfg, belief="truth")
    rep = evaluate("refine_or_act", cfg, _policies("refine_or_act", cfg), episodes=2000, seed=0, reference=ck)
    assert _mean(rep, "refine_rate/agent") == 1.0 and _mean(rep, "reference_payoff/agent") == 0.0
    est = rep.summary()["eval/welfare_cost"]
    assert abs(est["mean"] - (cost - g_true)) < 4 * est["stderr"]
    assert rep.summary()["eval/shortfall/agent"] == est              # one agent: the shortfall is the welfare cost


def test_refine_matrix_a_biased_belief_over_refines() -> None:
    game, truth = named_game("matching_pennies"), PerturbationModel(**SIGMA1)
    belief = PerturbationModel(**SIGMA1, bias=0.2)
    gains = [refinement_effect(game, [(0, 0)], law, n=4000, rng=np.random.default_rng(1), selection="max_welfare")
             for law in (truth, belief)]
    g_true, g_belief = (e.payoff(0).mean - e.before[0] for e in gains)
    cost = 0.2
    assert g_true + 0.02 < cost < g_belief - 0.02                # ~0.146 < 0.2 < ~0.25
    cfg = dict(budget=(1, 0), cost=cost, perturbation=SIGMA1, beliefs=({**SIGMA1, "bias": 0.2}, SIGMA1))
    ck = _policies("refine_matrix_v0", cfg, belief="truth")
    rep = evaluate("refine_matrix_v0", cfg, _policies("refine_matrix_v0", cfg), episodes=30, seed=0, reference=ck,
                   selection="max_welfare")
    assert _mean(rep, "refine_rate/player_0") == 1.0 and _mean(rep, "cost/player_0") == pytest.approx(cost)
    assert _mean(evaluate("refine_matrix_v0", cfg, ck, episodes=30, seed=0), "refine_rate/player_0") == 0.0


def test_truth_in_refine_matrix_needs_the_role() -> None:
    with pytest.raises(ValueError, match="^belief: a belief relative to the truth needs the agent's role"):
        make_agent("bayes_myopic", "refine_matrix_v0", env_config={}, belief="truth")
    with pytest.raises(ValueError, match=r"^belief\.sigma_own"):
        make_agent("bayes_myopic", "refine_matrix_v0", env_config={}, role="player_0", belief={"sigma_own": -1.0})


# --- beliefs are the truth with overrides ----------------------------------------------------------------------------

def test_a_partial_belief_is_the_truth_with_those_fields_changed() -> None:
    """``beliefs = [truth, {sigma_own = 0.1}]``: player_1 believes the true law except sigma_own (not the library
    defaults); "truth" and "common" name a player's true law; a PerturbationModel is absolute; the same holds for
    RefineOrAct's ``belief`` and for an agent's ``belief`` option."""
    from dataclasses import replace

    from vvl_env.envs import RefineOrAct
    from vvl_env.envs.refine_matrix.config import make_config
    from vvl_env.model import Beta

    t0 = PerturbationModel(1.0, 0.5, 0.3, q=Beta(2.0, 3.0), gap_law="uniform")
    t1 = PerturbationModel(2.0, 1.0, -0.4, rrp="expectation")
    cfg = make_config(perturbation=(t0, t1), beliefs=("truth", {"sigma_own": 0.1, "q": {"a": 1.0, "b": 1.0}}))
    assert cfg.belief_models == (t0, replace(t1, sigma_own=0.1, q=Beta(1.0, 1.0)))
    cfg = make_config(perturbation=(t0, t1), beliefs=({"bias": -0.2}, "common"))
    assert cfg.belief_models == (replace(t0, bias=-0.2), t1)
    absolute = PerturbationModel(0.3)
    assert make_config(perturbation=(t0, t1), beliefs=(absolute, absolute)).belief_models == (absolute, absolute)
    assert RefineOrAct(perturbation=t1, belief={"bias": 0.1}).belief == replace(t1, bias=0.1)
    agent = make_agent("bayes_myopic", "refine_matrix_v0", env_config=dict(perturbation=(t0, t1)), role="player_1",
                       belief={"rho": 0.9})
    assert agent.belief == replace(t1, rho=0.9)
    with pytest.raises(ValueError, match=r"^beliefs\[1\]: unknown fields \['sigma'\]"):
        make_config(beliefs=("truth", {"sigma": 1.0}))
    with pytest.raises(ValueError, match=r"^beliefs\[0\]: must be 'truth' or 'common'"):
        make_config(beliefs=("the truth", "truth"))
    with pytest.raises(ValueError, match=r"^beliefs\[1\]\.sigma_own"):
        make_config(beliefs=("truth", {"sigma_own": -1.0}))


def test_sweeping_the_truth_moves_relative_beliefs() -> None:
    """A sweep of ``env.config.perturbation.sigma_own`` (the sweep's own path setter) moves a belief written
    relative to the truth, and leaves the overridden field alone."""
    from vvl_env.envs.refine_matrix.config import make_config
    from vvl_env.runs.grid import set_path

    data = {"env": {"config": {"perturbation": {"sigma_own": 1.0, "sigma_other": 1.0},
                               "beliefs": ["truth", {"bias": 0.2}]}}}
    for sigma in (0.5, 2.0):
        set_path(data, "env.config.perturbation.sigma_own", sigma)
        b0, b1 = make_config(**data["env"]["config"]).belief_models
        assert (b0.sigma_own, b1.sigma_own, b1.sigma_other, b1.bias) == (sigma, sigma, 1.0, 0.2)


def test_refining_pays_through_the_opponent_when_only_sigma_own_is_zero() -> None:
    """Believing ``sigma_own = 0`` is *not* believing refinement worthless in a game: the refined action's variants
    differ in the opponent's payoffs (sigma_other = 1, the truth's), which moves the equilibrium in the refiner's
    favour. Rock-paper-scissors, max_welfare: the believed gain is positive (> 4 standard errors) and the agent
    refines at a cost below it; believing sigma_own = sigma_other = 0 it never refines at any positive cost."""
    game, cfg_truth = named_game("rock_paper_scissors"), dict(game="rock_paper_scissors", perturbation=SIGMA1)
    only_own = PerturbationModel(0.0, 1.0, 0.0)
    gain = max((refinement_effect(game, [(0, k)], only_own, n=2000, rng=np.random.default_rng(0),
                                  selection="max_welfare").gain(0) for k in range(3)), key=lambda e: e.mean)
    assert gain.mean > 4 * gain.stderr, gain
    for belief, cost, refines in (({"sigma_own": 0.0}, 0.5 * gain.mean, 1.0),
                                  ({"sigma_own": 0.0, "sigma_other": 0.0}, 1e-6, 0.0)):
        cfg = dict(cfg_truth, budget=(1, 0), cost=cost, beliefs=(belief, "truth"))
        rep = evaluate("refine_matrix_v0", cfg, _policies("refine_matrix_v0", cfg, n=2000, selection="max_welfare"),
                       episodes=3, seed=0)
        assert _mean(rep, "refine_rate/player_0") == refines, belief


def test_bargaining_beliefs_accept_the_truth_per_party() -> None:
    """refine_bargain_v0: ``beliefs = ["truth", law]``: party 0 believes the true (possibly different) weight laws
    of both parties, party 1 believes ``law`` for both; "common" per party means the same as "truth"."""
    from vvl_env.envs.refine_bargain.config import BargainConfig

    w = ({"law": "fixed", "w": [0.8, 0.2]}, "uniform")
    cfg = BargainConfig(K=2, weights=w, beliefs=("truth", {"law": "fixed", "w": [0.7, 0.3]}))
    assert cfg.belief_laws(0) is cfg.weights
    np.testing.assert_allclose(cfg.prior_means(0), [[0.8, 0.2], [0.5, 0.5]])
    np.testing.assert_allclose(cfg.prior_means(1), [[0.7, 0.3], [0.7, 0.3]])
    both = BargainConfig(K=2, weights=w, beliefs=("common", "truth"))
    assert both.belief_laws(0) is both.weights and both.belief_laws(1) is both.weights


def test_belief_words_read_as_the_envs_read_them() -> None:
    """"common" names the truth wherever the env's own belief option takes it (two-player envs), and is refused in
    RefineOrAct, whose `belief` takes "truth" only."""
    from agents.analytic import make_agent

    assert (make_agent("bayes_myopic", "refine_bargain_v0", env_config={}, belief="common").belief
            == make_agent("bayes_myopic", "refine_bargain_v0", env_config={}, belief="truth").belief)
    matrix = dict(game="matching_pennies", budget=(1, 1))
    common = make_agent("bayes_myopic", "refine_matrix_v0", env_config=matrix, role="player_0", belief="common")
    truth = make_agent("bayes_myopic", "refine_matrix_v0", env_config=matrix, role="player_0", belief="truth")
    assert common.belief == truth.belief
    with pytest.raises(ValueError, match="^model: must be 'truth'"):
        make_agent("bayes_myopic", "refine_or_act", env_config={}, model="common")
