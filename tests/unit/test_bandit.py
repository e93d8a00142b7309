from fractions import Fraction

import numpy as np
import pytest
import torch

from core.bandit import (BanditConfig, default_rewards, effective_rewards, exact_gradient,
                         sample_gradients, score, softmax, train_bandit)

PI = [Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]
R = [Fraction(1), Fraction(2), Fraction(4)]


def test_exact_gradient_hand_example_in_fractions():
    # J = 1/2 + 2/3 + 4/6 = 11/6 ; dJ/dtheta_i = pi_i (r_i - J)
    J = sum(p * r for p, r in zip(PI, R))
    assert J == Fraction(11, 6)
    expected = [Fraction(-5, 12), Fraction(1, 18), Fraction(13, 36)]
    assert [p * (r - J) for p, r in zip(PI, R)] == expected
    theta = np.log(np.array([float(p) for p in PI]))
    got = exact_gradient(theta, np.array([float(r) for r in R]))
    np.testing.assert_allclose(got, [float(e) for e in expected], rtol=0, atol=1e-12)


def test_exact_gradient_matches_autograd():
    rng = np.random.default_rng(3)
    theta, r = rng.normal(size=6), rng.normal(size=6)
    t = torch.tensor(theta, requires_grad=True)
    (torch.softmax(t, 0) @ torch.tensor(r)).backward()
    np.testing.assert_allclose(exact_gradient(theta, r), t.grad.numpy(), atol=1e-12)


def test_score_is_onehot_minus_pi():
    pi = softmax(np.array([0.0, 1.0, 2.0]))
    g = score(pi, np.array([2, 0]))
    np.testing.assert_allclose(g[0], np.array([0, 0, 1.0]) - pi)
    np.testing.assert_allclose(g[1], np.array([1.0, 0, 0]) - pi)


@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_reinforce_estimator_is_unbiased(noise):
    theta = np.log(np.array([0.5, 1 / 3, 1 / 6]))
    r = np.array([1.0, 2.0, 4.0])
    n = 200_000
    g = sample_gradients(theta, r, n, np.random.default_rng(0), reward_noise=noise)
    standard_error = g.std(axis=0) / np.sqrt(n)
    # within 4 standard errors on every coordinate (fails by chance with p < 2e-4)
    assert np.all(np.abs(g.mean(axis=0) - exact_gradient(theta, r)) < 4 * standard_error)


def test_positive_rewards_push_up_whichever_arm_was_sampled():
    config = BanditConfig(all_positive=True, shift=1.0)
    r = effective_rewards(np.array([-1.0, 0.0, 3.0]), config)
    assert r.min() == pytest.approx(1.0)
    pi = softmax(np.zeros(3))
    for arm in range(3):  # the worst arm too
        g = r[arm] * score(pi, np.array([arm]))[0]
        assert g[arm] > 0 and np.all(np.delete(g, arm) < 0)


def test_training_is_deterministic_and_learns_the_best_arm():
    config = BanditConfig()
    a = train_bandit(config, default_rewards(4), seed=5)
    b = train_bandit(config, default_rewards(4), seed=5)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert a["probs"].shape == (config.updates + 1, 4)
    np.testing.assert_allclose(a["probs"].sum(axis=1), 1.0)
    assert a["probs"][-1, -1] > 0.7 > a["probs"][0, -1]


def test_large_positive_shift_can_starve_the_best_arm():
    # The article's point: with every reward positive and a small batch, the rarely sampled
    # best arm is pushed down whenever it is not drawn. Over 20 seeds it mostly loses.
    ends = [train_bandit(BanditConfig(all_positive=True), default_rewards(4), s)["probs"][-1, -1]
            for s in range(20)]
    assert np.median(ends) < 0.1
