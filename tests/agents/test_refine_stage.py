"""The refine stage as a game (agents.analytic.refine_stage): where both players may still refine, the analytic
agents decide at an equilibrium of the first-turn game, whose values are checked against an exact enumeration of a
law with atoms (Rademacher gaps, q = 1/2: every refinement has finitely many equally likely outcomes, each game
solved by vertex enumeration, independent of the batch solver), and the agents' episodes in the env."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from agents.analytic import make_agent
from agents.analytic.matrix import MatrixAgent
from agents.analytic.matrix_value import parse_view
from agents.analytic.refine_stage import StageBeliefs, refine_stage, solve_stage, stage_values
from agents.evaluate import evaluate
from agents.refine_gap import refine_gap, stage_nash_conv
from vvl_env.envs import refine_matrix_v0
from vvl_env.model import PerturbationModel
from vvl_env.model.perturbation import RefinementOutcome
from vvl_env.solve.equilibria import equilibria

PENNIES = np.array([[1.0, -1.0], [-1.0, 1.0]])
ATOMS = {"sigma_own": 1.0, "sigma_other": 0.0, "gap_law": "rademacher"}
LAW = PerturbationModel(**ATOMS)


def outcomes(n_opposing: int, sigma_own: float, sigma_other: float) -> list[RefinementOutcome]:
    """Every equally likely outcome of a Rademacher refinement with q = 1/2 (rho = 0: independent signs)."""
    out = []
    for z in itertools.product((-1.0, 1.0), repeat=2 * n_opposing):
        d, e = sigma_own * np.array(z[:n_opposing]), sigma_other * np.array(z[n_opposing:])
        out.append(RefinementOutcome(np.asarray(0.5), d / 2, -d / 2, e / 2, -e / 2))
    return list({(o.own1.tobytes(), o.other1.tobytes()): o for o in out}.values())   # sigma 0: one outcome


def split(R1, R2, player, k, o):
    """Player ``player`` splits its action k (rows for 0) with outcome o, written out by hand."""
    if player == 1:
        B2, B1 = split(R2.T, R1.T, 0, k, o)
        return B1.T, B2.T
    rows = lambda R, a, b: np.vstack([R[:k], R[k] + a, R[k] + b, R[k + 1:]])  # noqa: E731
    return rows(R1, o.own1, o.own2), rows(R2, o.other1, o.other2)


def exact_stage(R1, R2, sigmas, costs):
    """The first-turn game by enumeration, and the smallest distance of an answer's gain from its cost."""
    cache = {}

    def pay(A1, A2):
        key = A1.tobytes() + A2.tobytes() + bytes(A1.shape)
        if key not in cache:
            cache[key] = equilibria((A1, A2)).select("max_welfare").payoffs[0]
        return cache[key]

    m, n = R1.shape
    V, c, margin = np.zeros((m + 1, n + 1, 2)), np.asarray(costs, float), np.inf
    V[0, 0] = pay(R1, R2)
    for first in (0, 1):
        other = 1 - first
        for k in range(R1.shape[first]):
            total, both = np.zeros(2), np.zeros((R1.shape[other], 2))
            outer = outcomes(R1.shape[other], *sigmas[first])
            for o in outer:
                G1, G2 = split(R1, R2, first, k, o)
                now = pay(G1, G2)
                inner = outcomes(G1.shape[first], *sigmas[other])
                after = np.array([np.mean([pay(*split(G1, G2, other, col, u)) for u in inner], axis=0)
                                  for col in range(G1.shape[other])])
                gains = after[:, other] - now[other]
                best = int(np.argmax(gains))
                margin = min(margin, abs(gains[best] - c[other]))
                total += after[best] - np.eye(2)[other] * c[other] if gains[best] > c[other] else now
                both += after
            total, both = total / len(outer), both / len(outer)
            total[first] -= c[first]
            if first == 0:
                V[1 + k, 0], V[1 + k, 1:] = total, both - c
            else:
                V[0, 1 + k] = total
    return V, margin


def regret(V, x, y):
    """How much either player gains by deviating from (x, y) in the first-turn game V."""
    return max(float(np.max(V[:, :, 0] @ y) - x @ V[:, :, 0] @ y), float(np.max(x @ V[:, :, 1]) - x @ V[:, :, 1] @ y))


GAMES = {"pennies": (PENNIES, -PENNIES, ((1.0, 0.0), (1.0, 0.0)), (0.05, 0.05)),
         "general_sum_2x3": (np.array([[0.3, -0.5, 1.0], [0.8, 0.1, -0.6]]), np.array([[0.2, 0.9, -0.4],
                                                                                      [-0.3, 0.5, 0.7]]),
                             ((1.0, 0.0), (0.8, 0.5)), (0.05, 0.08))}


@pytest.mark.parametrize("name", sorted(GAMES))
def test_stage_values_match_an_exact_enumeration(name):
    """Every cell of the Monte Carlo first-turn game is within 4.5 standard errors of the enumeration (seeds 0-4:
    at most 3.3); the answers' decisions are clear of their costs, so inner noise cannot flip them."""
    R1, R2, sigmas, costs = GAMES[name]
    laws = tuple(PerturbationModel(sigma_own=s, sigma_other=o, gap_law="rademacher") for s, o in sigmas)
    exact, margin = exact_stage(R1, R2, sigmas, costs)
    assert margin > 0.02
    values, stderr = stage_values(R1, R2, laws, costs, n_outer=300, n_inner=100, seed=3)
    assert np.all(np.abs(values - exact) <= 4.5 * stderr + 1e-9), (values - exact, stderr)
    x, y = solve_stage(values)
    assert regret(values, x, y) < 1e-9                       # an equilibrium of the game it estimated


def pennies_config(**extra):
    return dict(game="matching_pennies", budget=(1, 1), cost=0.05, perturbation=ATOMS, **extra)


def turn_one(agents, config):
    obs, _ = refine_matrix_v0.parallel_env(**config).reset(seed=0)
    return {a: agents[a].action_probabilities(obs[a], obs[a]["action_mask"]) for a in agents}, obs


def test_the_agents_refine_at_an_equilibrium_of_the_refine_stage_where_the_old_rule_did_not():
    """Pennies, both may refine once at cost 0.05: whoever refines first, the other does better waiting and refining
    in answer (0.106 against 0.075 refining at once), so "both refine at once", what each player's own lookahead
    (the other assumed to refine no further) chooses, is no equilibrium; the agents' first-turn mixes are one."""
    config = pennies_config()
    exact, _ = exact_stage(PENNIES, -PENNIES, ((1.0, 0.0), (1.0, 0.0)), (0.05, 0.05))
    assert exact[0, 1, 0] == pytest.approx(0.10625) and exact[1, 1, 0] == pytest.approx(0.075)   # README
    agents = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=config, role=a) for a in
              ("player_0", "player_1")}
    probs, obs = turn_one(agents, config)
    x, y = probs["player_0"][:3], probs["player_1"][:3]
    assert regret(exact, x, y) < 0.005
    alone = {a: MatrixAgent("optimal", role=a) for a in ("player_0", "player_1")}   # no stage: the old rule
    old, _ = turn_one(alone, config)
    assert old["player_0"][0] == 0 and old["player_1"][0] == 0                      # both refine at once
    assert regret(exact, old["player_0"][:3], old["player_1"][:3]) > 0.02
    # both players built the same game
    views = [parse_view(obs[a]["observation"]).canonical(i) for i, a in enumerate(("player_0", "player_1"))]
    assert all(np.array_equal(u, v) for u, v in zip(*views))


def test_episodes_pay_what_the_stage_game_says():
    """The agents' mean episode payoffs in the env (turn-2 answers by their own one-step rule, play at the
    max-welfare equilibrium) equal the exact first-turn values of the profile they chose, within 4 standard
    errors."""
    config = pennies_config()
    agents = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=config, role=a) for a in
              ("player_0", "player_1")}
    exact, _ = exact_stage(PENNIES, -PENNIES, ((1.0, 0.0), (1.0, 0.0)), (0.05, 0.05))
    probs, _ = turn_one(agents, config)
    x, y = probs["player_0"][:3], probs["player_1"][:3]
    summary = evaluate("refine_matrix_v0", config, agents, episodes=2000, seed=5).summary()
    for i, a in enumerate(("player_0", "player_1")):
        est = summary[f"eval/payoff/{a}"]
        assert abs(est["mean"] - x @ exact[:, :, i] @ y) <= 4 * est["stderr"] + 1e-9


def test_refine_gap_counts_the_reference_mix():
    """A policy that refines at once where the reference waits loses the value of waiting, and its refine-rate gap
    is against the reference's probability of refining."""
    config = pennies_config()
    agents = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=config, role=a) for a in
              ("player_0", "player_1")}
    probs, obs = turn_one(agents, config)
    waiter = next(a for a in agents if probs[a][0] > 0.5)
    eager = np.zeros_like(probs[waiter])
    eager[1] = 1.0
    gap = refine_gap("refine_matrix_v0", agents[waiter], obs[waiter], obs[waiter]["action_mask"], eager)
    assert gap["refine_rate_gap"] == pytest.approx(1.0 - (1.0 - probs[waiter][0]))
    assert gap["refine_gap"] > 0.02
    assert refine_gap("refine_matrix_v0", agents[waiter], obs[waiter], obs[waiter]["action_mask"],
                      probs[waiter])["refine_gap"] == pytest.approx(0.0, abs=1e-12)


def test_make_agent_sets_the_stage_only_where_it_applies():
    base = pennies_config()
    stage = make_agent("bayes_optimal", "refine_matrix_v0", env_config=base, role="player_0").stage
    assert stage == StageBeliefs((LAW, LAW), (0.05, 0.05), (2, 2))
    assert stage.applies((2, 2), 1, 1) and not stage.applies((3, 2), 1, 1) and not stage.applies((2, 2), 2, 1)
    big = StageBeliefs((LAW, LAW), (0.05, 0.05), (4, 3))
    assert not big.applies((4, 3), 1, 1)                     # beyond MAX_CELLS: the one-player lookahead
    wide = make_agent("bayes_optimal", "refine_matrix_v0", env_config={**base, "budget": (2, 2)}, role="player_0")
    probs, _ = turn_one({"player_0": wide}, {**base, "budget": (2, 2)})
    assert np.max(probs["player_0"]) == 1.0                  # budgets beyond (1, 1): the one-player lookahead
    assert make_agent("bayes_myopic", "refine_matrix_v0", env_config=base, role="player_0").stage is None
    assert make_agent("bayes_optimal", "refine_matrix_v0", env_config={**base, "visibility": "own"},
                      role="player_0").stage is None
    assert make_agent("bayes_optimal", "refine_matrix_v0", env_config=base, role="player_0",
                      belief="truth").stage is None
    assert make_agent("bayes_optimal", "refine_matrix_v0", role="player_0").stage is None
    with pytest.raises(ValueError, match="stage"):
        MatrixAgent("optimal", stage="both")


def test_stage_is_seeded_and_shared():
    laws = (PerturbationModel(1.0, 1.0), PerturbationModel(1.0, 1.0))
    a = refine_stage(PENNIES, -PENNIES, laws, (0.05, 0.05), n_outer=50, n_inner=20, seed=1)
    values, _ = stage_values(PENNIES, -PENNIES, laws, (0.05, 0.05), n_outer=50, n_inner=20, seed=1)
    assert np.array_equal(a.values, values)
    assert refine_stage(PENNIES, -PENNIES, laws, (0.05, 0.05), n_outer=50, n_inner=20, seed=1) is a


def test_refine_nash_conv_is_zero_at_any_stage_equilibrium_and_positive_off_it():
    """``refine_nash_conv`` (agents.refine_gap.stage_nash_conv, recorded by evaluate against a reference): 0 for the
    reference pair and for the other pure equilibrium (player_0 refines, player_1 answers), positive for "both refine
    at once", where it agrees with the same profile's regret in the exact game within Monte Carlo error."""
    config = pennies_config()
    agents = {a: make_agent("bayes_optimal", "refine_matrix_v0", env_config=config, role=a) for a in
              ("player_0", "player_1")}
    exact, _ = exact_stage(PENNIES, -PENNIES, ((1.0, 0.0), (1.0, 0.0)), (0.05, 0.05))
    probs, obs = turn_one(agents, config)
    first = lambda p0, p1: {a: (obs[a], obs[a]["action_mask"], p) for a, p in (("player_0", p0),  # noqa: E731
                                                                               ("player_1", p1))}
    point = lambda k: np.eye(5)[k]                                                               # noqa: E731
    assert stage_nash_conv("refine_matrix_v0", agents, first(probs["player_0"], probs["player_1"])) == \
        pytest.approx(0.0, abs=1e-12)
    swapped = stage_nash_conv("refine_matrix_v0", agents, first(point(1), point(0)))
    assert regret(exact, np.eye(3)[1], np.eye(3)[0]) < 1e-9 and swapped < 0.01   # an equilibrium, up to MC error
    eager = stage_nash_conv("refine_matrix_v0", agents, first(point(1), point(1)))
    assert eager > 0.02 and abs(eager - regret(exact, np.eye(3)[1], np.eye(3)[1])) < 0.03
    alone = {a: MatrixAgent("optimal", role=a) for a in ("player_0", "player_1")}
    s = evaluate("refine_matrix_v0", config, alone, episodes=20, seed=1, reference=agents).summary()
    assert s["eval/refine_nash_conv"]["mean"] == pytest.approx(eager)
    assert stage_nash_conv("refine_matrix_v0", alone, first(point(1), point(1))) is None   # no stage: undefined


def test_near_ties_in_welfare_go_to_the_clearest_equilibrium_and_clear_welfare_wins():
    """A hand-made first-turn game (options pass, refine) with two pure equilibria, (refine, pass) and (pass,
    refine): player_0 barely prefers waiting when player_1 refines (by 0.002), player_1 clearly does (by 0.03).
    Without standard errors the welfare rule picks the higher-welfare one; with standard errors that cannot tell
    their welfare apart, the reference plays the one whose incentives hold by the wider margin; where the welfare
    difference is well beyond the errors, welfare decides again."""
    V = np.zeros((2, 2, 2))
    V[1, 0] = (0.14, 0.16)          # player_0 refines, player_1 waits and answers (welfare 0.30)
    V[0, 1] = (0.142, 0.17)         # player_1 refines, player_0 waits and answers (welfare 0.312)
    V[1, 1] = (0.14, 0.13)          # both at once
    wide = np.full_like(V, 0.01)
    assert solve_stage(V)[0] @ [0, 1] == 0                           # welfare alone: player_0 waits
    x, y = solve_stage(V, "max_welfare", wide)
    np.testing.assert_array_equal(x, [0, 1]), np.testing.assert_array_equal(y, [1, 0])
    x, y = solve_stage(V, "max_welfare", np.full_like(V, 0.001))     # 0.012 apart: beyond two errors
    np.testing.assert_array_equal(x, [1, 0]), np.testing.assert_array_equal(y, [0, 1])
    x, y = solve_stage(V, "min_welfare", wide)                       # the rule's sign, same near-tie
    np.testing.assert_array_equal(x, [0, 1])


@pytest.mark.parametrize("config", [
    dict(game="matching_pennies", budget=(1, 1)),
    dict(game="rock_paper_scissors", budget=(1, 1), rounds=2),
    dict(game="matching_pennies", budget=(2, 2)),
    dict(game="matching_pennies", budget=(1, 2)),
    dict(game="matching_pennies", budget=(1, 0)),
    dict(game="matching_pennies", budget=(1, 1), visibility="own"),
    dict(R1=np.arange(16.0).reshape(4, 4).tolist(), budget=(1, 1)),
])
def test_the_reference_scope_states_what_the_agents_dispatch_to(config):
    """``matrix_reference_scope`` describes the refine stage's game exactly where the bayes_optimal agents decide
    the first turn by it, Bayes-Nash play exactly where they have a PrivatePlay, and calls the reference an
    equilibrium of the whole game only where the refine decisions are not the one-player lookahead of two refiners."""
    from agents.analytic import make_agent
    from agents.analytic.scope import matrix_reference_scope
    from vvl_env.envs.refine_matrix.config import make_config

    scope = matrix_reference_scope(config)
    cfg = make_config(**config)
    agent = make_agent("bayes_optimal", "refine_matrix_v0", env_config=config, role="player_0")
    b0, b1 = cfg.budget
    stage = agent.stage is not None and agent.stage.applies(cfg.game.shape, b0, b1)
    assert scope["refine_decisions"].startswith("first turn: an equilibrium") == stage
    assert scope["play"].startswith("a Bayes-Nash") == (agent.private is not None)
    both_refine = b0 > 0 and b1 > 0
    assert scope["equilibrium"] == (stage or not both_refine)


@pytest.mark.parametrize("config, exact", [
    (dict(game="matching_pennies", budget=(2, 0)), True),                     # one refiner, depth 2 is all of it
    (dict(game="matching_pennies", budget=(3, 0)), False),                    # the lookahead stops at depth 2
    (dict(game="matching_pennies", budget=(1, 0), visibility="own"), True),   # Bayes-Nash play, one refinement
    (dict(game="matching_pennies", budget=(2, 0), visibility="own"), False),  # no Bayes-Nash play for budget 2
    (dict(game="matching_pennies", budget=(1, 0), visibility="own", rounds=2), False),
])
def test_the_reference_scope_of_one_refiner(config, exact):
    from agents.analytic.scope import matrix_reference_scope

    assert matrix_reference_scope(config)["equilibrium"] is exact
