"""Analytic agents against closed forms and the solver layer (model.md §1-§3)."""

from __future__ import annotations

import numpy as np
import pytest

from agents.analytic import BargainAgent, MatrixAgent, RefineOrActAgent, UniformRandom, make_agent
from agents.analytic.matrix_value import lookahead, parse_view
from agents.policy import Policy
from vvl_env.envs import RefineOrAct, refine_bargain_v0, refine_matrix_v0
from vvl_env.model import Game, PerturbationModel
from vvl_env.model.bargaining import FixedWeights
from vvl_env.solve import refinement_effect
from vvl_env.solve.sequential import optimal_refinement

S = 1.0 / np.sqrt(2.0)  # e = ±sigma/sqrt(2) in the expectation form with sigma = 1
# Constructed case (our derivation, checked against vvl_env.solve.sequential): one option of value 0, expectation
# RRP, Rademacher gap, sigma 1. One refinement gains E[max(e1, e2)] = s/2; a second one, of the better variant when
# the two variants tie (prob. 1/2), gains 3s/4. For s/2 < c < 3s/4 the myopic rule stops (value 0) while the optimal
# policy with budget 2 refines: value 7s/8 - 3c/2.
EXAMPLE = PerturbationModel(1.0, rrp="expectation", gap_law="rademacher")
C_EXAMPLE = 0.37
V_OPTIMAL = 7 * S / 8 - 1.5 * C_EXAMPLE


def _roa_obs(values, sigma=1.0, cost=0.0, budget=1, perturbation=None):
    env = RefineOrAct(values=values, perturbation=perturbation or {"sigma_own": sigma}, cost=cost, budget=budget)
    obs, _ = env.reset(seed=0)
    return env, obs, env.action_masks().astype(np.int8)


def test_every_kind_is_a_policy():
    for env_id in ("refine_or_act", "refine_matrix_v0", "refine_bargain_v0"):
        for kind in ("bayes_myopic", "bayes_optimal", "never_refine", "always_refine", "random"):
            assert isinstance(make_agent(kind, env_id, role="player_1"), Policy)
    with pytest.raises(ValueError, match="kind"):
        make_agent("clever", "refine_or_act")
    with pytest.raises(ValueError, match="env_id"):
        make_agent("random", "chess")
    with pytest.raises(ValueError, match="^selection"):
        MatrixAgent(selection="best")
    with pytest.raises(ValueError, match="^role"):
        MatrixAgent(role="player_2")
    with pytest.raises(ValueError, match="^role"):
        make_agent("bayes_myopic", "refine_matrix_v0")


@pytest.mark.parametrize("sigma", [0.5, 2.0])
@pytest.mark.parametrize("mode", ["myopic", "optimal"])
def test_refine_or_act_threshold_far_below(sigma, mode):
    """model.md §1: pointwise RRP, q = 1/2, other options far below: refine iff sigma / sqrt(2 pi) > c."""
    gain = sigma / np.sqrt(2 * np.pi)
    agent = RefineOrActAgent(mode)
    for cost, refines in ((gain * 0.99, True), (gain * 1.01, False), (0.0, True), (3 * gain, False)):
        env, obs, mask = _roa_obs([0.0, -50.0], sigma, cost)
        a = agent.act(obs, mask, rng=np.random.default_rng(0))
        assert a == (0 if refines else env.max_options), (cost, gain)


def test_refine_or_act_plays_best_option_and_baselines():
    env, obs, mask = _roa_obs([0.2, 1.0, -0.3], cost=10.0)
    M = env.max_options
    assert make_agent("bayes_myopic", "refine_or_act").act(obs, mask, rng=np.random.default_rng(0)) == M + 1
    assert make_agent("never_refine", "refine_or_act").act(obs, mask, rng=np.random.default_rng(0)) == M + 1
    assert make_agent("always_refine", "refine_or_act").act(obs, mask, rng=np.random.default_rng(0)) == 1
    probs = UniformRandom().action_probabilities(obs, mask)
    assert np.allclose(probs[mask > 0], 1 / mask.sum()) and probs[mask == 0].sum() == 0


def test_myopic_and_optimal_agree_with_budget_one():
    """Bellman with one refinement left is the myopic rule (model.md §1)."""
    rng = np.random.default_rng(1)
    my, opt = RefineOrActAgent("myopic"), RefineOrActAgent("optimal")
    for _ in range(20):
        values = rng.normal(size=3)
        for cost in (0.05, 0.2, 0.4):
            _, obs, mask = _roa_obs(values, sigma=1.0, cost=cost, budget=1)
            assert my.refine_choice(obs) == opt.refine_choice(obs)
    env = refine_matrix_v0.parallel_env(game="matching_pennies", perturbation={"sigma_own": 1.0}, budget=1,
                                        cost=0.1)
    obs, _ = env.reset(seed=0)
    view = parse_view(obs["player_0"]["observation"])
    a, b = MatrixAgent("myopic", n=500).evaluate(view), MatrixAgent("optimal", n=500).evaluate(view)
    assert a.best_action == b.best_action and np.array_equal(a.q_values, b.q_values)


def test_myopic_and_optimal_differ_on_constructed_case():
    model = EXAMPLE
    assert optimal_refinement([0.0], model, cost=C_EXAMPLE, budget=2).value == pytest.approx(V_OPTIMAL, abs=1e-9)
    env, obs, mask = _roa_obs([0.0], cost=C_EXAMPLE, budget=2, perturbation=model)
    rng = np.random.default_rng(0)
    assert RefineOrActAgent("myopic", model=model).act(obs, mask, rng=rng) == env.max_options  # act: gain s/2 < c
    assert RefineOrActAgent("optimal", model=model).act(obs, mask, rng=rng) == 0  # refine
    # the same case in refine_matrix_v0 (a 1 x 1 game is a one-option decision problem), by nested Monte Carlo
    menv = refine_matrix_v0.parallel_env(R1=[[0.0]], R2=[[0.0]], perturbation=model, budget=(2, 0), cost=C_EXAMPLE)
    mobs, _ = menv.reset(seed=0)
    o, m = mobs["player_0"], mobs["player_0"]["action_mask"]
    my = MatrixAgent("myopic", belief=model, n=20_000)
    opt = MatrixAgent("optimal", belief=model, n_outer=20_000, n_inner=1000)
    assert my.act(o, m, rng=rng) == 0 and opt.act(o, m, rng=rng) == 1
    look = opt.evaluate(parse_view(o["observation"]))
    # outer standard error, plus the inner maximum's bias (of order sd / sqrt(n_inner) ~ 0.02)
    assert abs(look.q_values[0] - V_OPTIMAL) < 4 * look.stderr[0] + 0.02


def test_matching_pennies_played_at_one_half():
    env = refine_matrix_v0.parallel_env(game="matching_pennies", budget=0)
    obs, _ = env.reset(seed=0)
    for a in ("player_0", "player_1"):
        p = MatrixAgent(role=a).action_probabilities(obs[a], obs[a]["action_mask"])
        assert p[3:5] == pytest.approx([0.5, 0.5], abs=1e-9) and p.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("player", [0, 1])
def test_matrix_refine_decision_is_sign_of_refinement_effect(player):
    pm = PerturbationModel(1.0, 0.5, 0.3)
    n, seed = 800, 3
    game = Game([[2.0, -1.0], [0.0, 1.0]], [[-1.0, 1.0], [1.0, 0.0]])
    gains = [refinement_effect(game, [(player, k)], pm, n=n, rng=np.random.default_rng(seed),
                               selection="max_welfare").gain(player).mean for k in range(2)]
    best = int(np.argmax(gains))
    for cost, expect in ((max(gains) - 0.01, 1 + best), (max(gains) + 0.01, 0)):
        env = refine_matrix_v0.parallel_env(game=game, perturbation=pm, budget=1, cost=cost)
        obs, _ = env.reset(seed=0)
        a = f"player_{player}"
        agent = MatrixAgent("myopic", role=a, n=n, seed=seed, cost=cost)
        assert agent.act(obs[a], obs[a]["action_mask"], rng=np.random.default_rng(0)) == expect


def test_worthless_belief_never_refines():
    """A player believing sigma_own = sigma_other = 0 sees no gain, so with a positive cost it never refines (with
    sigma_other > 0 it may: tests/agents/test_beliefs.py)."""
    zero = PerturbationModel(0.0, 0.0)
    env, obs, mask = _roa_obs([0.0, 0.0], sigma=1.0, cost=1e-3, budget=3)
    for mode in ("myopic", "optimal"):
        assert RefineOrActAgent(mode, model=zero).act(obs, mask, rng=np.random.default_rng(0)) >= env.max_options
    cfg = dict(game="rock_paper_scissors", perturbation={"sigma_own": 1.0, "sigma_other": 1.0}, budget=2,
               cost=1e-3, beliefs=({"sigma_own": 0.0, "sigma_other": 0.0}, {"sigma_own": 0.0, "sigma_other": 0.0}))
    menv = refine_matrix_v0.parallel_env(**cfg)
    mobs, _ = menv.reset(seed=0)
    for a in ("player_0", "player_1"):
        for mode in ("myopic", "optimal"):
            agent = make_agent(f"bayes_{mode}", "refine_matrix_v0", env_config=cfg, role=a, n=200, n_outer=50,
                               n_inner=50)
            assert agent.act(mobs[a], mobs[a]["action_mask"], rng=np.random.default_rng(0)) == 0
    bcfg = dict(K=2, weights="uniform", cost=1e-3)
    benv = refine_bargain_v0.parallel_env(**bcfg)
    bobs, _ = benv.reset(seed=0)
    agent = BargainAgent("myopic", config=bcfg, belief=FixedWeights([0.5, 0.5]))
    assert agent.act(bobs["player_0"], bobs["player_0"]["action_mask"], rng=np.random.default_rng(0)) == 0


def test_bargain_refine_decision_matches_its_value():
    """Horizon 2: player_1 proposes last, so at stage 0 it is offered delta times everything whatever its weights
    (on the continuum refining is worth 0 to it; on the grid only the rounding of that offer moves); player_0
    gains by knowing which dimension it values. The decision follows the value at the cost threshold."""
    cfg = dict(K=2, weights="uniform", horizon=2, delta=0.9)
    obs, _ = refine_bargain_v0.parallel_env(**cfg).reset(seed=0)
    values = [BargainAgent(config=cfg, n=300).value_of_refining(np.asarray(obs[a]["observation"], float), i)
              for i, a in enumerate(("player_0", "player_1"))]
    assert values[0] > 0.01 and 0.0 <= values[1] < values[0]
    for cost, expect in ((values[0] - 1e-3, 1), (values[0] + 1e-3, 0)):
        c = dict(cfg, cost=cost)
        cobs, _ = refine_bargain_v0.parallel_env(**c).reset(seed=0)
        agent = BargainAgent("myopic", config=c, n=300)
        assert agent.act(cobs["player_0"], cobs["player_0"]["action_mask"], rng=np.random.default_rng(0)) == expect


def test_bargain_spe_play_two_rounds():
    """K = 1, d = 0, delta = 0.9, horizon 2: player_1 would keep all at stage 1, so player_0 offers it 0.9 at
    stage 0 (on the grid), and it accepts: utilities (0.1, 0.9)."""
    cfg = dict(K=1, weights={"law": "fixed", "w": [1.0]}, horizon=2, delta=0.9, budget=0)
    env = refine_bargain_v0.parallel_env(**cfg)
    obs, _ = env.reset(seed=0)
    agents = {a: BargainAgent("myopic", config=cfg) for a in env.possible_agents}
    total = {a: 0.0 for a in env.possible_agents}
    while env.agents:
        acts = {a: agents[a].act(obs[a], obs[a]["action_mask"], rng=np.random.default_rng(0)) for a in env.agents}
        obs, rew, *_ = env.step(acts)
        for a in total:
            total[a] += rew[a]
    assert total["player_0"] == pytest.approx(0.1) and total["player_1"] == pytest.approx(0.9)


def test_optimal_lookahead_depth_two_matches_solver_on_continuous_law():
    """A 1 x 1 game is a decision problem: the depth-2 lookahead reproduces the sequential solver's Q-value."""
    model = PerturbationModel(1.0)
    exact = optimal_refinement([0.0], model, cost=0.3, budget=2)
    look = lookahead(np.zeros((1, 1)), np.zeros((1, 1)), 0, model, cost=0.3, budget=2, n_outer=400, n_inner=400)
    assert look.depth == 2
    assert abs(look.q_values[0] - exact.q_values[0]) < 4 * look.stderr[0] + 0.02


def test_bargain_agents_realise_the_grid_spe() -> None:
    """Known weights (point masses), a coarse grid: the analytic agents' play pays exactly the SPE on the grid of
    offers, and the refinement decision uses it (on this grid refining cannot pay, so nobody refines)."""
    from agents.evaluate import evaluate
    from vvl_env.model import BargainingProblem
    from vvl_env.solve import alternating_offers_spe

    w1, w2 = [0.8, 0.2], [0.3, 0.7]
    cfg = {"K": 2, "grid": 5, "delta": 0.9, "horizon": 3, "weights": ({"law": "fixed", "w": w1},
                                                                      {"law": "fixed", "w": w2}), "budget": 0}
    agents_ = {p: make_agent("bayes_myopic", "refine_bargain_v0", env_config=cfg) for p in ("player_0", "player_1")}
    s = evaluate("refine_bargain_v0", cfg, agents_, episodes=5, seed=0).summary()
    grid = refine_bargain_v0.parallel_env(**cfg).config.offers
    spe = alternating_offers_spe(BargainingProblem(w1, w2), 0.9, 3, offers=grid)
    assert s["eval/payoff/player_0"]["mean"] == pytest.approx(spe.u[0], abs=1e-6)
    assert s["eval/payoff/player_1"]["mean"] == pytest.approx(spe.u[1], abs=1e-6)
    coarse = {"K": 2, "weights": "uniform", "cost": 0.02, "grid": 5, "delta": 0.95, "horizon": 4}
    agents_ = {p: make_agent("bayes_myopic", "refine_bargain_v0", env_config=coarse) for p in ("player_0", "player_1")}
    s = evaluate("refine_bargain_v0", coarse, agents_, episodes=50, seed=0).summary()
    assert s["eval/refine_rate/player_0"]["mean"] == 0.0 and s["eval/payoff/player_0"]["mean"] >= 0.0


# --- one joint equilibrium: both players take their part of the same profile ---------------------------------------

RULES = ("all", "max_welfare", "min_welfare", "lemke_howson:0", "lemke_howson:1", "lemke_howson:last")


def _refined_games(count: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Refined games: named and random base games, one or two refinements by either player; a third of them
    degenerate (payoffs in {-1, 0, 1}, refinement offsets rounded to integers: ties, duplicated actions)."""
    from vvl_env.model.game import named_game
    from vvl_env.model.refine import refine_arrays

    bases = [named_game(g) for g in ("matching_pennies", "rock_paper_scissors", "prisoners_dilemma")]
    bos = Game([[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]])
    chicken = Game([[0.0, -1.0], [1.0, -10.0]], [[0.0, 1.0], [-1.0, -10.0]])
    out = []
    for i in range(count):
        degenerate = i % 3 == 0
        if i % 2:
            R1, R2 = (bases + [bos, chicken])[(i // 2) % 5].R1, (bases + [bos, chicken])[(i // 2) % 5].R2
        else:
            m, n = rng.integers(2, 4, size=2)
            R1, R2 = rng.normal(size=(m, n)), rng.normal(size=(m, n))
        if degenerate:
            R1, R2 = np.sign(np.round(R1)), np.sign(np.round(R2))
        law = PerturbationModel(1.0, 1.0, float(rng.uniform(-1, 1)))
        for _ in range(int(rng.integers(1, 3))):
            player = int(rng.integers(2))
            outcome = law.sample(rng=rng, n_opposing=R1.shape[1 - player])
            if degenerate:
                outcome = type(outcome)(outcome.q, *(np.round(o) for o in (outcome.own1, outcome.own2,
                                                                            outcome.other1, outcome.other2)))
            R1, R2 = refine_arrays(R1, R2, player, int(rng.integers(R1.shape[player])), outcome)
        out.append((np.array(R1, dtype=np.float64), np.array(R2, dtype=np.float64)))
    return out


def _views(R1: np.ndarray, R2: np.ndarray) -> tuple:
    """The two players' own-first views of the realised game in the play phase (as parse_view gives them)."""
    from agents.analytic.matrix_value import MatrixView
    from vvl_env.envs.refine_matrix.layout import PLAY

    belief = (1.0, 0.0, 0.0, 0.5, 0.0, 0.0)
    M = max(R1.shape)
    return (MatrixView(M, R1, R2, PLAY, 0, 0, belief), MatrixView(M, R2.T.copy(), R1.T.copy(), PLAY, 0, 0, belief))


@pytest.mark.parametrize("rule", RULES)
def test_joint_analytic_play_is_a_nash_equilibrium(rule):
    """Item 1 of issue 11: for every selection rule the two analytic agents, each from its own view, play one
    equilibrium of the realised game: NashConv (vvl_env.solve.exploitability) <= 1e-9 on 200 refined games."""
    from vvl_env.solve.exploitability import nash_conv

    for R1, R2 in _refined_games(200, np.random.default_rng(7)):
        sel = f"lemke_howson:{sum(R1.shape) - 1}" if rule.endswith("last") else rule
        agents = [MatrixAgent("never", selection=sel, role=r) for r in ("player_0", "player_1")]
        v0, v1 = _views(R1, R2)
        nc = nash_conv((R1, R2), agents[0].strategy(v0), agents[1].strategy(v1))
        assert nc.total <= 1e-9 * max(1.0, np.abs(R1).max(), np.abs(R2).max()), (sel, R1, R2, nc)


def test_all_selection_plays_the_average_of_the_extreme_equilibria():
    """Selection "all" is playable: both players play the extreme equilibrium a hash of (seed, realised game)
    picks, so each episode is a Nash profile. Battle of the sexes (equilibria (2, 1), (1, 2), (2/3, 2/3)):
    (a) refined by both players every episode (a continuous law: every realised game differs), the played payoffs
    average the "all" statistic of the realised games (eq_payoff) within 4 standard errors of the paired
    difference; (b) without refinement and without a public coin, over 150 agent seeds both players draw the same one
    of the three equilibria, uniformly (chi-square, 2 degrees of freedom, below its 99.9% point 13.8); (c) with the
    evaluator's public coin, the played mean is the exact average 11/9 within 4 standard errors."""
    from scipy import stats

    from agents.evaluate import evaluate

    bos = dict(R1=[[2.0, 0.0], [0.0, 1.0]], R2=[[1.0, 0.0], [0.0, 2.0]])
    cfg = dict(bos, budget=1, perturbation={"sigma_own": 0.3, "sigma_other": 0.3})
    pol = {p: make_agent("always_refine", "refine_matrix_v0", env_config=cfg, role=p, default_selection="all")
           for p in ("player_0", "player_1")}
    rep = evaluate("refine_matrix_v0", cfg, pol, episodes=300, seed=0, selection="all")
    diff = np.array([r["play_payoff/player_0"] - r["eq_payoff/player_0"] for r in rep.records])
    assert abs(diff.mean()) <= 4 * diff.std(ddof=1) / np.sqrt(diff.size), diff.mean()
    assert diff.std() > 0.1 and max(r["nash_conv"] for r in rep.records) < 1e-6
    from vvl_env.solve.exploitability import nash_conv

    obs, _ = refine_matrix_v0.parallel_env(**bos, budget=0).reset(seed=0)
    R1, R2 = np.array(bos["R1"]), np.array(bos["R2"])
    picks = []
    for seed in range(150):
        x, y = (MatrixAgent("never", selection="all", role=p, seed=seed).action_probabilities(
            obs[p], obs[p]["action_mask"])[3:5] for p in ("player_0", "player_1"))
        assert nash_conv((R1, R2), x, y).total < 1e-9
        picks.append(0 if x[0] == 1.0 else 1 if x[1] == 1.0 else 2)
    observed = np.bincount(picks, minlength=3)
    assert stats.chisquare(observed).statistic < 13.8, observed
    # (c) through the evaluator the episode's seed is a public coin (agents.policy): the repeated game gets a fresh
    # shared draw every episode, so player_0's mean payoff over 600 episodes is the "all" average 11/9
    cfg0 = dict(bos, budget=0)
    pol = {p: make_agent("bayes_myopic", "refine_matrix_v0", env_config=cfg0, role=p, default_selection="all")
           for p in ("player_0", "player_1")}
    rep = evaluate("refine_matrix_v0", cfg0, pol, episodes=600, seed=0, selection="all")
    pay = np.array([r["payoff/player_0"] for r in rep.records])
    assert abs(pay.mean() - 11 / 9) <= 4 * pay.std(ddof=1) / np.sqrt(pay.size), pay.mean()
    assert max(r["nash_conv"] for r in rep.records) < 1e-6


# --- the one-step gain: batched, common random numbers, sequential stopping ------------------------------------------

@pytest.mark.parametrize("player", [0, 1])
def test_batched_gains_equal_refinement_effect(player):
    """Without a threshold the batched estimate is refinement_effect's (the solver layer's Monte Carlo) on the same
    draws, to rounding, for every own action."""
    from agents.analytic.matrix_gains import one_step_gains

    rng = np.random.default_rng(5)
    R1, R2 = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    law = PerturbationModel(1.0, 0.7, 0.4)
    gains, se, used = one_step_gains(R1, R2, player, law, n=600, seed=9, selection="all")
    for k in range(R1.shape[player]):
        ref = refinement_effect(Game(R1, R2), [(player, k)], law, n=600, rng=np.random.default_rng(9),
                                selection="all").gain(player)
        assert gains[k] == pytest.approx(ref.mean, abs=1e-12) and se[k] == pytest.approx(ref.stderr, rel=1e-9)
    assert used == 600


def test_sequential_stopping_keeps_the_decision():
    """The adaptive estimate decides as the full-n one wherever the full-n decision is clear (best gain more than
    4 standard errors from the cost), and stops early on most of those games."""
    from agents.analytic.matrix_gains import one_step_gains

    rng = np.random.default_rng(11)
    law, early, clear = PerturbationModel(1.0, 1.0), 0, 0
    for i in range(16):
        R1, R2 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
        full, se, _ = one_step_gains(R1, R2, i % 2, law, n=2000, seed=0, selection="max_welfare")
        k = int(np.argmax(full))
        for cost in (full[k] - 0.3, full[k] + 0.3, full[k] - 5 * se[k]):
            fast, _, used = one_step_gains(R1, R2, i % 2, law, n=2000, seed=0, selection="max_welfare",
                                           threshold=cost)
            if abs(full[k] - cost) > 4 * se[k]:
                clear += 1
                early += used < 2000
                assert (fast.max() > cost) == (full[k] > cost)
                if full[k] > cost and np.all(full[k] - np.delete(full, k) > 8 * se.max()):
                    assert int(np.argmax(fast)) == k
    assert early >= 0.5 * clear


def play_rows(visibility: str, budget: tuple[int, int], episodes: int) -> tuple[list[list], list[list], list[int]]:
    """Play observations and masks of both agents (random refinements, so views of every shape), and the seeds."""
    env = refine_matrix_v0.parallel_env(game="rock_paper_scissors", budget=budget, visibility=visibility,
                                        perturbation={"sigma_own": 1.0, "sigma_other": 1.0, "rho": 0.3})
    rng = np.random.default_rng(0)
    obs_rows, mask_rows, seeds = [[], []], [[], []], []
    for e in range(episodes):
        obs, info = env.reset(seed=e)
        while info["player_0"]["phase"] == "refine":
            acts = {a: int(rng.choice(np.flatnonzero(obs[a]["action_mask"][:4]))) for a in env.agents}
            obs, _, _, _, info = env.step(acts)
        for i, a in enumerate(("player_0", "player_1")):
            obs_rows[i].append(obs[a])
            mask_rows[i].append(obs[a]["action_mask"])
        seeds.append(e)
    return obs_rows, mask_rows, seeds


@pytest.mark.parametrize("selection", ["max_welfare", "min_welfare", "all", "lemke_howson:0"])
@pytest.mark.parametrize("visibility", ["public", "own"])
def test_batched_play_equals_row_by_row(selection, visibility):
    """``action_probabilities_batch`` (one batched solve per shape) gives each row's ``action_probabilities``, under
    "own" too, where the views show the other's variants as copies of their parent (degenerate games)."""
    obs_rows, mask_rows, seeds = play_rows(visibility, (2, 1), 40)
    for i, role in enumerate(("player_0", "player_1")):
        agent = MatrixAgent(role=role, selection=selection)
        batch = agent.action_probabilities_batch(obs_rows[i], np.stack(mask_rows[i]), public_seeds=seeds)
        fresh = MatrixAgent(role=role, selection=selection)
        rows = np.stack([fresh.action_probabilities(o, m, public_seed=s)
                         for o, m, s in zip(obs_rows[i], mask_rows[i], seeds)])
        np.testing.assert_allclose(batch, rows, atol=1e-9)


def test_copies_of_an_action_get_no_mass_and_the_welfare_is_the_full_games():
    """A game with a copied column: the welfare rules solve it without the copy; the profile is an equilibrium of the
    full game with the same welfare as the full game's selected one."""
    from agents.analytic.matrix import equilibrium_profiles
    from vvl_env.solve import equilibria, nash_conv
    rng = np.random.default_rng(4)
    for _ in range(20):
        R1, R2 = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
        R1, R2 = np.column_stack([R1, R1[:, 1]]), np.column_stack([R2, R2[:, 1]])
        for rule in ("max_welfare", "min_welfare"):
            xs, ys = equilibrium_profiles(R1, R2, rule)
            assert ys[0, 2] == 0.0
            assert nash_conv(Game(R1, R2), xs[0], ys[0]).total < 1e-9
            full = equilibria((R1, R2)).select(rule)
            welfare = xs[0] @ (R1 + R2) @ ys[0]
            assert welfare == pytest.approx(full.xs[0] @ (R1 + R2) @ full.ys[0], abs=1e-9)


def test_a_lemke_howson_label_outside_the_base_game_is_refused_when_the_agent_is_made():
    """lemke_howson:4 names no label of a 2 x 2 base game: refused by make_agent, as by the scenario checks, rather
    than at the first refine decision eleven frames deep; lemke_howson:3 is fine."""
    config = {"game": "prisoners_dilemma", "budget": (1, 0)}
    with pytest.raises(ValueError, match=r"selection: label 4 does not exist in a 2x2 game .*'prisoners_dilemma'"):
        make_agent("bayes_optimal", "refine_matrix_v0", env_config=config, role="player_0", selection="lemke_howson:4")
    make_agent("bayes_optimal", "refine_matrix_v0", env_config=config, role="player_0", selection="lemke_howson:3")


def test_cost_law_of_exponential_cells_are_conditional_means() -> None:
    """The exponential law's 16 equal-probability cells sit at their conditional means (against Monte Carlo binned
    by the law's quantiles), so the discrete law keeps the mean exactly."""
    from agents.analytic.refine_or_act import cost_law_of

    law = cost_law_of({"law": "exponential", "scale": 0.3})
    assert np.allclose(law.probs, 1 / 16) and law.values @ law.probs == pytest.approx(0.3, abs=1e-12)
    draws = np.random.default_rng(0).exponential(0.3, size=2_000_000)
    cells = np.minimum((16 * (1 - np.exp(-draws / 0.3))).astype(int), 15)
    for j in range(16):
        inside = draws[cells == j]
        assert abs(inside.mean() - law.values[j]) < 5 * inside.std() / np.sqrt(inside.size) + 1e-9, j
    assert cost_law_of({"law": "exponential", "scale": 0.0}) == 0.0
    assert cost_law_of({"law": "uniform", "low": 0.2, "high": 0.2}) == 0.2
    with pytest.raises(ValueError, match="cost.law"):
        cost_law_of({"law": "gamma"})


def test_refine_or_act_optimal_agent_with_an_exponential_cost() -> None:
    """A cost drawn afresh from an exponential law before each refinement: the Bayes-optimal agent's mean return in
    the env (Monte Carlo, 4,000 episodes) matches the sequential solver's ex-ante value, the solver's value at the
    first cost averaged over 400 quantiles of the law (later costs from the 16-cell law)."""
    from agents.analytic.refine_or_act import cost_law_of
    from agents.evaluate import evaluate

    cfg = dict(values=[0.0, -0.3], cost={"law": "exponential", "scale": 0.2}, budget=2, perturbation={"sigma_own": 1.0})
    firsts = -0.2 * np.log1p(-(np.arange(400) + 0.5) / 400)
    exact = np.mean([optimal_refinement([0.0, -0.3], PerturbationModel(1.0), cost=cost_law_of(cfg["cost"]), budget=2,
                                        current_cost=c).value for c in firsts])
    agent = make_agent("bayes_optimal", "refine_or_act", env_config=cfg)
    payoff = evaluate("refine_or_act", cfg, {"agent": agent}, episodes=4000, seed=0).summary()["eval/payoff/agent"]
    assert abs(payoff["mean"] - exact) < 4 * payoff["stderr"] + 0.005, (payoff, exact)


@pytest.mark.parametrize("env_id, options, message", [
    ("refine_matrix_v0", dict(n=0), "n: must be an integer >= 1, got 0"),
    ("refine_matrix_v0", dict(rounds=0), "rounds: must be an integer >= 1, got 0"),
    ("refine_matrix_v0", dict(cost=float("nan")), "cost: must be a finite number"),
    ("refine_matrix_v0", dict(cost=-1.0), "cost: must be a finite number in \\[0.0, inf\\]"),
    ("refine_matrix_v0", dict(seed=-1), "seed: must be an integer >= 0"),
    ("refine_matrix_v0", dict(n_outer=1), "n_outer: must be an integer >= 2"),
    ("refine_matrix_v0", dict(n="a"), "n: must be an integer >= 1, got 'a'"),
    ("refine_bargain_v0", dict(n=2.5), "n: must be an integer >= 1, got 2.5"),
    ("refine_bargain_v0", dict(seed=-1), "seed: must be an integer >= 0"),
])
def test_analytic_agent_options_are_checked_when_built(env_id, options, message):
    """Bad sample sizes, rounds, seeds or costs are refused by name at construction, not at the first refine
    decision (an UnboundLocalError for n = 0, a ZeroDivisionError for rounds = 0, NaN costs never refining)."""
    with pytest.raises(ValueError, match=f"^{message}"):
        make_agent("bayes_myopic", env_id, role="player_0", **options)


def test_refine_or_act_agents_built_for_an_env_act_on_its_whole_law() -> None:
    """Rademacher gaps (sigma 1, q = 1/2): refining the option worth 0.6 gives variants 0.6 +- 0.5, a gain of 0.5
    for sure (the other option, 0, stays below), worth its cost of 0.45: every episode pays 1.1 - 0.45 = 0.65. The
    observation names only sigma, q and the bias, and read as a normal-gap law the gain would be 1/sqrt(2 pi) =
    0.399 < 0.45 (never refine: 0.6); built with ``env_config`` the agent knows the gap law."""
    from agents.evaluate import evaluate

    cfg = dict(values=[0.0, 0.6], perturbation={"gap_law": "rademacher"}, cost=0.45, budget=1)
    for kind in ("bayes_optimal", "bayes_myopic"):
        agent = make_agent(kind, "refine_or_act", env_config=cfg)
        payoffs = [r["payoff/agent"] for r in evaluate("refine_or_act", cfg, {"agent": agent}, episodes=50,
                                                         seed=0).records]
        np.testing.assert_allclose(payoffs, 0.65, atol=1e-12)
    reading = RefineOrActAgent("optimal")                      # no law given: the observation's normal-gap reading
    env, obs, mask = _roa_obs([0.0, 0.6], cost=0.45, perturbation={"gap_law": "rademacher"})
    assert reading.act(obs, mask, rng=np.random.default_rng(0)) == env.max_options + 1     # acts on 0.6 at once
