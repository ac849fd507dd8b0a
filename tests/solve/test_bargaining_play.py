"""vvl_env.solve.bargaining_play against an independent oracle: the game tree of small alternating-offers games,
walked history by history, with the best response found by enumerating every pure (history-dependent) strategy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vvl_env.solve.bargaining_play import play_values


def random_profile(rng: np.random.Generator, G: int, H: int) -> tuple[np.ndarray, np.ndarray]:
    propose = rng.dirichlet(np.ones(G), size=(1, H, G + 1))
    propose[rng.random(propose.shape[:3]) < 0.3] = np.eye(G)[rng.integers(G)]    # some pure rows
    accept = rng.random((1, H, G))
    accept[rng.random(accept.shape) < 0.3] = 1.0
    return propose, accept


def tree_value(U, delta, first, d, propose, accept, player, strategy=None, t=0, table=-1):
    """Expected payoff of ``player`` by walking the tree; ``strategy`` (a dict from a history key to a choice)
    replaces ``player``'s own moves, its keys the full history so far (history-dependent play)."""
    H, G = propose.shape[0], U.shape[1]
    return _start(U, delta, first, d, propose, accept, player, strategy, t, table, ())


def _start(U, delta, first, d, propose, accept, player, strategy, t, table, history):
    H, G = propose.shape[0], U.shape[1]
    if t == H:
        return d[player]
    p = first ^ (t % 2)
    if strategy is not None and p == player:
        return _respond(U, delta, first, d, propose, accept, player, strategy, t, strategy[("p",) + history],
                        history)
    row = propose[t, table + 1]
    return sum(row[g] * _respond(U, delta, first, d, propose, accept, player, strategy, t, g, history)
               for g in range(G) if row[g] > 0)


def _respond(U, delta, first, d, propose, accept, player, strategy, t, g, history):
    r = 1 - (first ^ (t % 2))
    agree = delta**t * U[player, g]
    later = _start(U, delta, first, d, propose, accept, player, strategy, t + 1, g, history + (g,))
    if strategy is not None and r == player:
        return agree if strategy[("r",) + history + (g,)] else later
    a = accept[t, g]
    return a * agree + (1 - a) * later


def player_histories(G, H, first, player):
    """The decision points of ``player``: ("p", offers so far) where it proposes, ("r", offers so far) where it
    responds (the offers so far end with the one on the table)."""
    keys = []
    for t in range(H):
        for hist in itertools.product(range(G), repeat=t):
            if first ^ (t % 2) == player:
                keys.append(("p",) + hist)
            else:
                keys.extend(("r",) + hist + (g,) for g in range(G))
    return keys


def brute_best_response(U, delta, first, d, propose, accept, player):
    keys = player_histories(U.shape[1], propose.shape[0], first, player)
    choices = [range(U.shape[1]) if k[0] == "p" else (False, True) for k in keys]
    return max(tree_value(U, delta, first, d, propose, accept, player, dict(zip(keys, pick)))
               for pick in itertools.product(*choices))


@pytest.mark.parametrize("G,H,first,seed", [(2, 1, 0, 0), (3, 2, 0, 1), (2, 3, 1, 2), (3, 2, 1, 3), (2, 2, 0, 4)])
def test_values_and_best_responses_match_the_game_tree(G, H, first, seed):
    rng = np.random.default_rng(seed)
    U = rng.random((2, G))
    d = rng.random(2) * 0.3
    delta = 0.9
    propose, accept = random_profile(rng, G, H)
    pv = play_values(U[None], delta, first, propose, accept, d)
    for i in (0, 1):
        assert pv.value[0, i] == pytest.approx(tree_value(U, delta, first, d, propose[0], accept[0], i), abs=1e-12)
        brute = brute_best_response(U, delta, first, d, propose[0], accept[0], i)
        assert pv.best_response[0, i] == pytest.approx(brute, abs=1e-12)
    assert (pv.gains >= -1e-12).all()


def node_value(U, delta, first, d, propose, accept, player, t, table, offer=None):
    """``player``'s value at the proposal of round t with ``table`` on the table (``offer`` None), or at the
    response to ``offer``, by walking the tree from there."""
    if offer is None:
        return _start(U, delta, first, d, propose, accept, player, None, t, table, ())
    return _respond(U, delta, first, d, propose, accept, player, None, t, offer, ())


def brute_one_shot_gap(U, delta, first, d, propose, accept):
    """The largest gain of a one-shot deviation, state by state, from tree walks of each action, and where it sits:
    (round, mover, state), the state the table (0: none, 1 + h) at a proposal, the offer at a response."""
    H, G = propose.shape[0], U.shape[1]
    gap, at = 0.0, (-1, -1, -1)
    for t in range(H):
        p = first ^ (t % 2)
        for table in ([-1] if t == 0 else range(G)):
            here = node_value(U, delta, first, d, propose, accept, p, t, table)
            best = max(node_value(U, delta, first, d, propose, accept, p, t, table, g) for g in range(G))
            if best - here > gap:
                gap, at = best - here, (t, p, table + 1)
        for g in range(G):
            r = 1 - p
            here = node_value(U, delta, first, d, propose, accept, r, t, None, g)
            later = _start(U, delta, first, d, propose, accept, r, None, t + 1, g, ())
            if max(delta**t * U[r, g], later) - here > gap:
                gap, at = max(delta**t * U[r, g], later) - here, (t, r, g)
    return gap, at


@pytest.mark.parametrize("G,H,first,seed", [(3, 2, 0, 1), (2, 3, 1, 2), (3, 3, 0, 5)])
def test_one_shot_gap_matches_the_game_tree(G, H, first, seed):
    rng = np.random.default_rng(seed)
    U, d = rng.random((2, G)), rng.random(2) * 0.3
    propose, accept = random_profile(rng, G, H)
    pv = play_values(U[None], 0.8, first, propose, accept, d)
    gap, at = brute_one_shot_gap(U, 0.8, first, d, propose[0], accept[0])
    assert pv.one_shot_gap[0] == pytest.approx(gap, abs=1e-12)
    assert pv.one_shot_gap[0] > 0
    assert tuple(pv.one_shot_at[0]) == at


def test_a_nash_equilibrium_with_an_incredible_threat_has_nash_conv_zero_and_a_positive_gap():
    """Ultimatum game, G = 2 offers (u0, u1) = (1, 0) and (0.5, 0.5): the responder threatens to reject (1, 0) and
    accepts (0.5, 0.5); the proposer offers (0.5, 0.5). A Nash equilibrium (NashConv 0), but rejecting (1, 0) gives
    the responder d = 0 where accepting gives 0 too: no gain. With d = -0.2 for the responder the threat costs it
    0.2 at an unreached state: NashConv stays 0, the subgame-perfection gap is 0.2."""
    U = np.array([[[1.0, 0.5], [0.0, 0.5]]])
    propose = np.zeros((1, 1, 3, 2))
    propose[0, 0, 0] = [0.0, 1.0]
    accept = np.array([[[0.0, 1.0]]])
    pv = play_values(U, 1.0, 0, propose, accept, d=(0.0, -0.2))
    np.testing.assert_allclose(pv.nash_conv, 0.0, atol=1e-15)
    np.testing.assert_allclose(pv.one_shot_gap, 0.2)
    assert tuple(pv.one_shot_at[0]) == (0, 1, 0)      # round 0, the responder, offer 0 = (1, 0)
    propose[0, 0, 0] = [1.0, 0.0]                      # accept everything, offer (1, 0): the SPE
    pv = play_values(U, 1.0, 0, propose, np.array([[[1.0, 1.0]]]), d=(0.0, -0.2))
    assert pv.one_shot_gap[0] == 0.0 and tuple(pv.one_shot_at[0]) == (-1, -1, -1)     # subgame perfect


def test_ultimatum_closed_form_and_batching():
    """H = 1: the proposer's best response is max_g a(g) u_p(g) + (1 - a(g)) d_p; the responder's is
    sum_g q(g) max(u_r(g), d_r). Problems of a batch do not interact."""
    rng = np.random.default_rng(7)
    B, G = 5, 4
    U = rng.random((B, 2, G))
    propose = np.zeros((B, 1, G + 1, G))
    propose[:, 0, 0] = rng.dirichlet(np.ones(G), size=B)
    accept = rng.random((B, 1, G))
    d = np.array([0.1, 0.2])
    pv = play_values(U, 0.5, 0, propose, accept, d)
    q, a = propose[:, 0, 0], accept[:, 0]
    np.testing.assert_allclose(pv.best_response[:, 0], (a * U[:, 0] + (1 - a) * d[0]).max(axis=1))
    np.testing.assert_allclose(pv.best_response[:, 1], (q * np.maximum(U[:, 1], d[1])).sum(axis=1))
    np.testing.assert_allclose(pv.value[:, 0], (q * (a * U[:, 0] + (1 - a) * d[0])).sum(axis=1))
    one = play_values(U[2:3], 0.5, 0, propose[2:3], accept[2:3], d)
    np.testing.assert_array_equal(one.value[0], pv.value[2])


def test_bad_input_names_the_argument():
    U = np.zeros((1, 2, 3))
    with pytest.raises(ValueError, match="propose"):
        play_values(U, 0.9, 0, np.zeros((1, 2, 3, 3)), np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="accept"):
        play_values(U, 0.9, 0, np.zeros((1, 2, 4, 3)), np.full((1, 2, 3), 2.0))
    with pytest.raises(ValueError, match="utilities"):
        play_values(np.zeros((1, 3, 3)), 0.9, 0, np.zeros((1, 2, 4, 3)), np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="delta"):
        play_values(U, 0.0, 0, np.zeros((1, 2, 4, 3)), np.zeros((1, 2, 3)))
