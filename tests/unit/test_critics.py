import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from core.critics import (MC_ALPHAS, CriticsConfig, NStepConfig, alpha_comparison, batch_values,
                          every_visit_mc, nstep_sweep, nstep_td, play_walks, rms_error, td0,
                          train_mc_vs_td)
from core.envs import RandomWalkEnv
from tests.unit.determinism import interleaved_with_reseeds, public_numbers


@pytest.mark.parametrize("kwargs", [{}, {"n_states": 19, "left_reward": -1.0}])
def test_random_walk_is_a_proper_registered_env(kwargs):
    env = gym.make("RandomWalk-v0", **kwargs)
    check_env(env.unwrapped)
    obs, _ = env.reset(seed=0)
    assert obs == env.unwrapped.n_states // 2


def test_true_values_of_example_6_2_and_figure_7_2():
    np.testing.assert_allclose(RandomWalkEnv().true_values(), np.arange(1, 6) / 6)
    np.testing.assert_allclose(RandomWalkEnv(19, left_reward=-1.0).true_values(),
                               np.arange(-9, 10) / 10)


def test_true_values_are_what_the_walk_pays_on_average():
    walks = play_walks(runs=1, episodes=4000, seed=3)
    # every visit to state s is followed by the exit reward: the average is V(s)
    visits, paid = np.zeros(5), np.zeros(5)
    for e in range(4000):
        path = walks.states[0, e, :walks.lengths[0, e]]
        np.add.at(visits, path, 1)
        np.add.at(paid, path, walks.exit_rewards[0, e])
    np.testing.assert_allclose(paid / visits, walks.true_values, atol=0.02)


def test_td0_hand_step():
    # one episode C -> D -> E -> exit right, alpha = 0.5, V = 0.5 everywhere:
    # V(C) += .5 (V(D) - V(C)) = .5 ; V(D) stays .5 ; V(E) += .5 (1 - .5) = .75
    from core.critics import Walks
    walks = Walks(np.array([[[2, 3, 4]]]), np.array([[3]]), np.array([[1.0]]), RandomWalkEnv().true_values())
    np.testing.assert_allclose(td0(walks, 0.5)[0, 1], [0.5, 0.5, 0.5, 0.5, 0.75])
    # MC: every visited state moves halfway to G = 1
    np.testing.assert_allclose(every_visit_mc(walks, 0.5)[0, 1], [0.5, 0.5, 0.75, 0.75, 0.75])
    # 2-step TD: tau=0 target V(E) = .5 ; tau=1 and tau=2 reach the exit: 1
    np.testing.assert_allclose(nstep_td(walks, 2, 0.5)[0, 1], [0.5, 0.5, 0.5, 0.75, 0.75])


WALKS = play_walks(runs=100, episodes=100, seed=0)


def test_td0_at_alpha_005_matches_the_book():
    """S&B Example 6.2: TD(0), alpha = .05, V0 = .5, 100 episodes, 100 runs: about 0.035."""
    rms = rms_error(td0(WALKS, 0.05), WALKS.true_values).mean(axis=0)
    assert rms[100] == pytest.approx(0.035, abs=0.006)


def test_td_beats_every_listed_mc_alpha_at_episode_100():
    td = rms_error(td0(WALKS, 0.05), WALKS.true_values).mean(axis=0)[100]
    mc = rms_error(every_visit_mc(WALKS, np.array(MC_ALPHAS)), WALKS.true_values).mean(axis=1)[:, 100]
    assert np.all(td < mc)


def test_batch_td_below_batch_mc():
    mc, td = batch_values(WALKS)
    mc_rms, td_rms = (rms_error(v, WALKS.true_values).mean(axis=0) for v in (mc, td))
    assert np.all(td_rms[20:] < mc_rms[20:])


def test_batch_td_is_the_fixed_point_of_batch_td_updates():
    walks = play_walks(runs=1, episodes=5, seed=1)
    _, td = batch_values(walks)
    V = np.full(5, 0.5)
    paths = [walks.states[0, e, :walks.lengths[0, e]] for e in range(5)]
    for _ in range(20000):  # S&B 6.3: sum the increments over all data, then apply
        delta = np.zeros(5)
        for e, path in enumerate(paths):
            for t, s in enumerate(path):
                target = V[path[t + 1]] if t + 1 < len(path) else walks.exit_rewards[0, e]
                delta[s] += target - V[s]
        V += 0.01 * delta
    np.testing.assert_allclose(V, td[0, 5], atol=1e-6)


def test_live_trainer_matches_the_vectorised_learners():
    records = list(train_mc_vs_td(CriticsConfig(runs=20, episodes=30, pace=500), seed=4))
    walks = play_walks(20, 30, 4)
    td = rms_error(td0(walks, 0.05), walks.true_values).mean(axis=0)
    assert [r["episode"] for r in records] == list(range(31))
    np.testing.assert_allclose([r["rms_td_mean"] for r in records], td)


def test_alpha_comparison_has_every_alpha():
    curves = alpha_comparison(runs=5, episodes=10, seed=0)
    assert len(curves) == 7 and all(c.shape == (11,) for c in curves.values())


def test_nstep_sweep_has_an_intermediate_best_n():
    records = list(nstep_sweep(NStepConfig(runs=50, max_n_power=6), seed=0))
    assert [r["n"] for r in records] == [1, 2, 4, 8, 16, 32, 64]
    best = min(records, key=lambda r: r["best_rms"])
    assert 2 <= best["n"] <= 16
    assert best["best_rms"] < records[0]["best_rms"] and best["best_rms"] < records[-1]["best_rms"]


def test_step_sizes_are_live_through_send():
    """Convention 2: a change sent to the trainer applies from the next episode, shows in the
    records, and changes what is learned from then on."""
    config = CriticsConfig(runs=5, episodes=5, pace=500)
    trainer = train_mc_vs_td(config, 0)
    steady = list(train_mc_vs_td(config, 0))
    records = [next(trainer), next(trainer), trainer.send({"alpha_td": 0.3, "alpha_mc": 0.1}), trainer.send(None)]
    assert [r["alpha_td"] for r in records] == [0.05, 0.05, 0.3, 0.3]
    assert [r["alpha_mc"] for r in records] == [0.02, 0.02, 0.1, 0.1]
    assert records[1]["rms_td_mean"] == steady[1]["rms_td_mean"]
    assert records[2]["rms_td_mean"] != steady[2]["rms_td_mean"]
    assert config.alpha_td == 0.05
    with pytest.raises(ValueError):
        trainer.send({"runs": 3})


def test_same_seed_same_records_interleaved_and_after_a_global_reseed():
    config = CriticsConfig(runs=3, episodes=4, pace=500)
    alone = [public_numbers(r) for r in train_mc_vs_td(config, 1)][:5]
    assert interleaved_with_reseeds(train_mc_vs_td(config, 1), train_mc_vs_td(config, 2), 5) == alone
