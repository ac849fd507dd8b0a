"""refine_bargain_v0: PettingZoo API and seed tests, rewards from the model layer, masks, visibility, config errors."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from vvl_env.envs import refine_bargain_v0
from vvl_env.envs.refine_bargain.config import ACCEPT, OFFSET, REFINE, REJECT, WAIT
from vvl_env.model.bargaining import BargainingLaw, DirichletWeights, FixedWeights, UniformWeights

P0, P1 = "player_0", "player_1"
CONFIGS = [
    dict(K=1, grid=5, horizon=3),
    dict(K=2, budget=(1, 0), visibility="own", cost=(0.05, 0.0), first_proposer=1),
    dict(K=2, budget=0, weights=({"law": "dirichlet", "alpha": [2.0, 1.0]}, "uniform"), d=(0.1, 0.2)),
    dict(K=3, grid=4, horizon=4, delta=0.9, visibility="own", weights={"law": "fixed", "w": [0.5, 0.3, 0.2]}),
    dict(K=2, grid=5, beliefs=({"law": "fixed", "w": [0.7, 0.3]}, {"law": "dirichlet", "alpha": [1.0, 3.0]})),
]
# Dict observations (action masks) are the PettingZoo classic convention; api_test warns about them anyway.
DICT_OBS = "ignore:.*(Observation space for each agent probably|Observation is not a NumPy array)"


@pytest.mark.filterwarnings(DICT_OBS)
@pytest.mark.parametrize("config", CONFIGS)
def test_pettingzoo_api_and_seed_tests_pass(config: dict) -> None:
    parallel_api_test(refine_bargain_v0.parallel_env(**config), num_cycles=100)
    api_test(refine_bargain_v0.env(**config), num_cycles=100)
    seed_test(lambda: refine_bargain_v0.env(**config), num_cycles=50)
    # PettingZoo's parallel seed test samples unmasked actions: masked ones end the episode with a penalty
    parallel_seed_test(lambda: refine_bargain_v0.parallel_env(**config, invalid_action="penalize"), num_cycles=50)


def test_metadata_and_cached_spaces() -> None:
    env = refine_bargain_v0.parallel_env(K=2, grid=11)
    assert env.metadata["name"] == "refine_bargain_v0" and env.metadata["is_parallelizable"]
    assert env.action_space(P0) is env.action_space(P0) and env.action_space(P0).n == 4 + 11**2
    assert env.observation_space(P1)["observation"].shape == (12 + 5 * 2,)


def offer_index(env, x: list[float]) -> int:
    """Action proposing that player_0 gets shares x."""
    return OFFSET + int(np.flatnonzero(np.all(np.isclose(env.config.offers, x), axis=1))[0])


def test_agreement_pays_discounted_true_utilities_minus_costs() -> None:
    env = refine_bargain_v0.parallel_env(K=2, grid=11, delta=0.9, horizon=3, cost=(0.05, 0.02))
    obs, infos = env.reset(seed=11)
    problem = infos[P0]["problem"]
    law = BargainingLaw(UniformWeights(2), UniformWeights(2))
    assert problem == law.sample_problem(rng=np.random.default_rng(11))  # the truth is the model layer's draw
    returns = np.zeros(2)

    def play(a0: int, a1: int) -> tuple[dict, dict]:
        obs, rew, term, trunc, infos = env.step({P0: a0, P1: a1})
        returns[:] += [rew[P0], rew[P1]]
        return term, infos

    play(REFINE, REFINE)
    np.testing.assert_allclose(returns, [-0.05, -0.02])
    play(offer_index(env, [0.5, 0.5]), WAIT)   # round 0: player_0 proposes
    play(WAIT, REJECT)
    x = [0.7, 0.2]
    play(WAIT, offer_index(env, x))           # round 1: player_1 proposes
    term, _ = play(ACCEPT, WAIT)
    assert all(term.values()) and env.agents == []
    expected = 0.9 * problem.utilities(x) - [0.05, 0.02]
    np.testing.assert_allclose(returns, expected)


def test_no_agreement_by_the_horizon_pays_d() -> None:
    env = refine_bargain_v0.parallel_env(K=1, grid=3, horizon=2, d=(0.1, 0.3), budget=0)
    env.reset(seed=0)
    env.step({P0: WAIT, P1: WAIT})
    for proposer in (P0, P1):
        responder = P1 if proposer == P0 else P0
        env.step({proposer: OFFSET, responder: WAIT})
        _, rew, term, _, _ = env.step({proposer: WAIT, responder: REJECT})
    assert all(term.values()) and rew == {P0: pytest.approx(0.1), P1: pytest.approx(0.3)}


def mask(obs: dict, agent: str) -> np.ndarray:
    return obs[agent]["action_mask"]


def test_masks_by_phase_and_role() -> None:
    env = refine_bargain_v0.parallel_env(K=2, grid=3, budget=(1, 0), first_proposer=1)
    n = 4 + 9
    obs, infos = env.reset(seed=0)
    assert mask(obs, P0).dtype == np.int8 and mask(obs, P0).shape == (n,)
    np.testing.assert_array_equal(np.flatnonzero(mask(obs, P0)), [WAIT, REFINE])
    np.testing.assert_array_equal(np.flatnonzero(mask(obs, P1)), [WAIT])  # no budget: pass only
    np.testing.assert_array_equal(infos[P0]["action_mask"], mask(obs, P0))
    obs, *_ = env.step({P0: REFINE, P1: WAIT})
    np.testing.assert_array_equal(np.flatnonzero(mask(obs, P1)), np.arange(OFFSET, n))  # player_1 proposes
    np.testing.assert_array_equal(np.flatnonzero(mask(obs, P0)), [WAIT])
    obs, *_ = env.step({P0: WAIT, P1: OFFSET + 4})
    np.testing.assert_array_equal(np.flatnonzero(mask(obs, P0)), [ACCEPT, REJECT])
    np.testing.assert_array_equal(np.flatnonzero(mask(obs, P1)), [WAIT])
    np.testing.assert_allclose(obs[P0]["observation"][6:8], [0.5, 0.5])  # own shares of the offer on the table


def test_invalid_action_ends_the_episode_with_a_penalty_for_the_offender() -> None:
    env = refine_bargain_v0.parallel_env(K=1, budget=0, invalid_action="penalize", invalid_action_penalty=2.0)
    env.reset(seed=0)
    _, rew, term, _, infos = env.step({P0: REFINE, P1: WAIT})  # no budget to refine
    assert rew == {P0: -2.0, P1: 0.0} and all(term.values()) and infos[P0]["invalid_action"]
    assert not infos[P1]["invalid_action"] and env.agents == []


@pytest.mark.parametrize("visibility", ["public", "own"])
def test_visibility_of_realized_weights(visibility: str) -> None:
    K = 3
    law0, law1 = DirichletWeights([1.0, 2.0, 3.0]), DirichletWeights([3.0, 1.0, 1.0])
    env = refine_bargain_v0.parallel_env(K=K, grid=3, weights=(law0, law1), visibility=visibility)
    obs, infos = env.reset(seed=5)
    truth = infos[P0]["problem"]
    own, other = slice(6 + K, 6 + 2 * K), slice(7 + 2 * K, 7 + 3 * K)
    np.testing.assert_allclose(obs[P0]["observation"][own], law0.mean(), rtol=1e-6)  # prior mean before refining
    obs, *_ = env.step({P0: WAIT, P1: REFINE})
    o0, o1 = obs[P0]["observation"], obs[P1]["observation"]
    np.testing.assert_allclose(o1[own], truth.w2, rtol=1e-6)  # the refiner sees its own weights
    np.testing.assert_allclose(o0[own], law0.mean(), rtol=1e-6)  # player_0 did not refine
    assert o0[7 + 3 * K] == 1.0  # that player_1 refined is public
    if visibility == "public":
        np.testing.assert_allclose(o0[other], truth.w2, rtol=1e-6)
        assert o0[8 + 3 * K] == 1.0
    else:
        np.testing.assert_allclose(o0[other], law1.mean(), rtol=1e-6)
        assert o0[8 + 3 * K] == 0.0
    np.testing.assert_allclose(o1[other], law0.mean(), rtol=1e-6)  # player_0 never refined


def test_reset_seed_determines_the_episode() -> None:
    config = dict(K=2, weights=DirichletWeights([1.0, 1.0]))
    a, b = refine_bargain_v0.parallel_env(**config), refine_bargain_v0.parallel_env(**config)
    assert a.reset(seed=3)[1][P0]["problem"] == b.reset(seed=3)[1][P0]["problem"]
    assert a.reset(seed=3)[1][P0]["problem"] != a.reset(seed=4)[1][P0]["problem"]
    assert a.reset()[1][P0]["problem"] != a.reset()[1][P0]["problem"]  # unseeded resets continue the stream


def test_render_shows_weights_and_offer_history(capsys: pytest.CaptureFixture[str]) -> None:
    env = refine_bargain_v0.parallel_env(K=2, grid=3, render_mode="ansi", weights=FixedWeights([0.8, 0.2]))
    env.reset(seed=0)
    env.step({P0: REFINE, P1: WAIT})
    env.step({P0: OFFSET + 5, P1: WAIT})
    text = env.render()
    assert "w0 true" in text and "0.800" in text and "(0.50, 1.00)" in text and "on the table" in text
    env.step({P0: WAIT, P1: ACCEPT})
    assert "accept" in env.render()
    human = refine_bargain_v0.parallel_env(K=1, render_mode="human")
    human.reset(seed=0)
    assert "w0 true" in capsys.readouterr().out


@pytest.mark.parametrize("config, field", [
    (dict(K=4), "K"), (dict(K=0), "K"), (dict(K=1.5), "K"),
    (dict(grid=1), "grid"), (dict(K=3, grid=100), "grid"),
    (dict(delta=0.0), "delta"), (dict(delta=1.5), "delta"),
    (dict(horizon=0), "horizon"),
    (dict(first_proposer=2), "first_proposer"), (dict(first_proposer="player_2"), "first_proposer"),
    (dict(d=(0.0,)), "d"), (dict(budget=2), r"budget\[0\]"), (dict(budget=(1, 0, 1)), "budget"),
    (dict(cost=-0.1), r"cost\[0\]"), (dict(cost=(0.0, np.inf)), r"cost\[1\]"),
    (dict(visibility="private"), "visibility"),
    (dict(K=2, weights=UniformWeights(3)), r"weights\[0\]"),
    (dict(weights={"law": "beta"}), r"weights\[0\].law"),
    (dict(weights={"law": "dirichlet"}), r"weights\[0\]"),
    (dict(weights=("uniform", 3.0)), r"weights\[1\]"),
    (dict(invalid_action_penalty=-1.0), "invalid_action_penalty"),
    (dict(invalid_action="ignore"), "invalid_action: must be one of 'raise', 'penalize'"),
    (dict(invalid_penalty=1.0), "invalid_penalty: unknown configuration field"),
    (dict(beliefs="private"), "beliefs: must be one of 'common'"),
    (dict(beliefs={"law": "uniform"}), "beliefs: must be 'common' or a pair"),
    (dict(beliefs=("uniform",)), "beliefs: must be 'common' or a pair"),
    (dict(beliefs=("uniform", "uniform", "uniform")), "beliefs: must be 'common' or a pair"),
    (dict(K=2, beliefs=({"law": "fixed", "w": [0.5, 0.3, 0.2]}, "uniform")), r"beliefs\[0\]: must be a law on K = 2"),
    (dict(beliefs=("uniform", {"law": "beta"})), r"beliefs\[1\].law"),
    (dict(beliefs=("uniform", {"law": "fixed", "w": [0.5, 0.6]})), r"beliefs\[1\].w: must be nonnegative"),
    (dict(horizn=3), "horizn: unknown configuration field"),
    (dict(render_mode="rgb_array"), "render_mode"),
])
def test_bad_config_raises_a_value_error_naming_the_field(config: dict, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}"):
        refine_bargain_v0.parallel_env(**config)


def test_playing_the_reference_spe_pays_its_utilities() -> None:
    """Full information (fixed weights), offers on the grid: the solver's SPE played in the env pays spe.u.

    Worked by hand: w1 = (0.8, 0.2), w2 = (0.2, 0.8), delta = 0.4, horizon 2. Stage 1: player_1 offers x = (0, 0),
    values (0, 1). Stage 0: player_1 accepts u2 >= 0.4; player_0 keeps dimension 0 and half of dimension 1:
    x = (1, 0.5), u = (0.9, 0.4).
    """
    from vvl_env.solve.bargaining import alternating_offers_spe

    env = refine_bargain_v0.parallel_env(K=2, grid=11, delta=0.4, horizon=2, budget=0,
                                         weights=(FixedWeights([0.8, 0.2]), FixedWeights([0.2, 0.8])))
    _, infos = env.reset(seed=0)
    spe = alternating_offers_spe(infos[P0]["problem"], 0.4, 2, first_proposer=0)
    np.testing.assert_allclose(spe.x, [1.0, 0.5])
    env.step({P0: WAIT, P1: WAIT})
    env.step({P0: offer_index(env, list(spe.x)), P1: WAIT})
    _, rew, term, _, _ = env.step({P0: WAIT, P1: ACCEPT})
    assert all(term.values())
    np.testing.assert_allclose([rew[P0], rew[P1]], spe.u)
    np.testing.assert_allclose(spe.u, [0.9, 0.4])


# --- beliefs (model.md §4) ------------------------------------------------------------------------------------


def _trace(env, seed: int) -> list:
    """Observations, rewards and the true problem of one fixed action sequence."""
    obs, infos = env.reset(seed=seed)
    out = [infos[P0]["problem"], [obs[a]["observation"].tobytes() for a in (P0, P1)]]
    for actions in ({P0: REFINE, P1: WAIT}, {P0: OFFSET + 3, P1: WAIT}, {P0: WAIT, P1: REJECT},
                    {P0: WAIT, P1: OFFSET + 7}, {P0: ACCEPT, P1: WAIT}):
        obs, rew, *_ = env.step(actions)
        out.append(([obs[a]["observation"].tobytes() for a in (P0, P1)], rew))
    return out


def test_common_beliefs_equal_to_the_truth_change_nothing() -> None:
    """``beliefs="common"`` (default) and an explicit pair equal to the (shared) true law give identical episodes."""
    law = {"law": "dirichlet", "alpha": [2.0, 1.0]}
    cfg = dict(K=2, grid=5, horizon=3, weights=law, cost=0.01)
    for seed in range(3):
        expected = _trace(refine_bargain_v0.parallel_env(**cfg), seed)
        assert _trace(refine_bargain_v0.parallel_env(**cfg, beliefs="common"), seed) == expected
        assert _trace(refine_bargain_v0.parallel_env(**cfg, beliefs=(law, law)), seed) == expected


def test_each_party_observes_its_own_prior_and_the_world_draws_from_the_truth() -> None:
    K = 2
    cfg = dict(K=K, grid=5, weights="uniform", visibility="own")
    env = refine_bargain_v0.parallel_env(**cfg, beliefs=({"law": "fixed", "w": [0.8, 0.2]}, "uniform"))
    obs, infos = env.reset(seed=4)
    _, plain_infos = refine_bargain_v0.parallel_env(**cfg).reset(seed=4)
    assert infos[P0]["problem"] == plain_infos[P0]["problem"]                  # same true weights
    own, other, prior = slice(6 + K, 6 + 2 * K), slice(7 + 2 * K, 7 + 3 * K), slice(9 + 3 * K, 9 + 5 * K)
    o0, o1 = obs[P0]["observation"], obs[P1]["observation"]
    for entries in (own, other):                                               # player_0: both follow its prior
        np.testing.assert_allclose(o0[entries], [0.8, 0.2], rtol=1e-6)
        np.testing.assert_allclose(o1[entries], [0.5, 0.5], rtol=1e-6)
    np.testing.assert_allclose(o0[prior], [0.8, 0.2, 0.8, 0.2], rtol=1e-6)
    np.testing.assert_allclose(o1[prior], [0.5, 0.5, 0.5, 0.5], rtol=1e-6)
    obs, *_ = env.step({P0: REFINE, P1: WAIT})                                 # refining reveals the truth
    np.testing.assert_allclose(obs[P0]["observation"][own], infos[P0]["problem"].w1, rtol=1e-6)


def test_a_party_believing_its_weights_fixed_values_refining_at_zero_and_never_refines() -> None:
    """player_0 believes both parties' weights sit at the prior mean (a point mass): the analytic agent values
    refining at exactly 0 and never pays a positive cost, where under the truth (uniform weights) it refines."""
    from agents.analytic import BargainAgent

    cfg = dict(K=2, weights="uniform", horizon=2, delta=0.9, cost=1e-3)
    private = dict(cfg, beliefs=({"law": "fixed", "w": [0.5, 0.5]}, "uniform"))
    for config, value_is_zero in ((private, True), (cfg, False)):
        env = refine_bargain_v0.parallel_env(**config)
        agent = BargainAgent("myopic", config=config, n=300)
        for seed in range(3):
            obs, _ = env.reset(seed=seed)
            value = agent.value_of_refining(np.asarray(obs[P0]["observation"], float), 0)
            action = agent.act(obs[P0], obs[P0]["action_mask"], rng=np.random.default_rng(seed))
            assert (value == 0.0 and action == WAIT) if value_is_zero else (value > 1e-3 and action == REFINE)
