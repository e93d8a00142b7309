import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

from core.actor_critic import ActorCriticConfig, explained_variance, train_actor_critic
from core.advantage import gae, lambda_study

REWARDS = torch.tensor([1.0, 0.0, 0.0, 1.0])
VALUES = torch.tensor([0.5, 0.4, 0.3, 0.2])
NEXT = torch.tensor([0.4, 0.3, 0.2, 0.0])  # the episode ends after the last step
ENDS = torch.tensor([0.0, 0.0, 0.0, 1.0])


def test_gae_lambda_0_is_the_td_error():
    got = gae(REWARDS, VALUES, NEXT, ENDS, 0.99, 0.0)
    torch.testing.assert_close(got, torch.tensor([0.896, -0.103, -0.102, 0.8]))


def test_gae_lambda_1_is_the_discounted_return_minus_v():
    returns = torch.tensor([1 + 0.99 ** 3, 0.99 ** 2, 0.99, 1.0])
    torch.testing.assert_close(gae(REWARDS, VALUES, NEXT, ENDS, 0.99, 1.0), returns - VALUES)


def test_gae_does_not_cross_an_episode_end_and_works_per_column():
    rewards = torch.tensor([[1.0, 1.0], [1.0, 1.0]])
    values = torch.zeros(2, 2)
    ends = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    got = gae(rewards, values, torch.zeros(2, 2), ends, 1.0, 1.0)
    torch.testing.assert_close(got, torch.tensor([[1.0, 2.0], [1.0, 1.0]]))


def test_chain_env_and_its_exact_values():
    env = gym.make("Chain-v0").unwrapped
    check_env(env)
    V, Q = env.exact_values(p_right=0.6, gamma=0.9)
    pi = np.array([0.4, 0.6])
    np.testing.assert_allclose(pi @ Q, V)  # V = sum_a pi(a) Q(s, a)
    # Monte Carlo check of V at the start state (4,000 episodes, standard error ~0.006)
    rng = np.random.default_rng(1)  # not the env's seed: the two streams would be identical
    env.reset(seed=0)
    total = 0.0
    for _ in range(4000):
        env.reset()
        ret, discount, done = 0.0, 1.0, False
        while not done:
            _, r, done, _, _ = env.step(int(rng.random() < 0.6))
            ret += discount * r
            discount *= 0.9
        total += ret
    assert total / 4000 == pytest.approx(V[env.n_states // 2], abs=0.01)


def test_lambda_study_lambda_1_is_unbiased_against_the_exact_advantage():
    study = lambda_study([1.0], critic_error=0.5, trajectories=4000)
    standard_error = np.sqrt(study["variance"][0] / 4000)
    assert abs(study["estimates"][0].mean() - study["truth"]) < 4 * standard_error


def test_with_a_perfect_critic_every_lambda_is_unbiased_and_variance_grows():
    study = lambda_study([0.0, 0.5, 1.0], critic_error=0.0, trajectories=3000)
    standard_error2 = study["variance"] / 3000
    assert np.all(study["bias2"] < 16 * standard_error2)
    assert study["variance"][2] > 5 * study["variance"][0]


def test_with_a_poor_critic_bias_falls_with_lambda_and_the_best_lambda_is_between():
    lams = np.linspace(0, 1, 11)
    study = lambda_study(lams, critic_error=0.1, trajectories=3000, seed=1)
    assert study["bias2"][0] > 10 * study["bias2"][-1]
    assert 0 < int(np.argmin(study["mse"])) < len(lams) - 1


def test_explained_variance():
    targets = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert explained_variance(targets, targets) == 1.0
    assert explained_variance(torch.full((4,), 2.5), targets) == pytest.approx(0.0)


def test_actor_critic_records_and_determinism():
    config = ActorCriticConfig(max_updates=3, envs=2, steps=8)
    a = [{k: v for k, v in r.items() if k not in ("time_s", "_value_slice")} for r in train_actor_critic(config, 0)]
    b = [{k: v for k, v in r.items() if k not in ("time_s", "_value_slice")} for r in train_actor_critic(config, 0)]
    assert a == b and [r["update"] for r in a] == [1, 2, 3]
    assert a[-1]["env_steps"] <= 3 * 2 * 8


def test_gae_actor_critic_solves_cartpole():
    """A learning test with a generous budget (timing is the benchmark's)."""
    config = ActorCriticConfig(max_updates=1500)
    best = 0.0
    for record in train_actor_critic(config, seed=1):
        if record["episodes"] >= 20:
            best = max(best, record["return_avg20"])
        if best >= 475:
            break
    assert best >= 475
