from fractions import Fraction as F

import numpy as np
import pytest

from core.bandit import expected_reward, policy_gradient
from core.baseline import (BaselineBanditConfig, batch_means, empirical_variance_trace,
                           learning_curves, optimal_baseline, sampled_estimates, variance_curve,
                           variance_trace)

PI = [F(1, 2), F(1, 3), F(1, 6)]
R = [F(1), F(2), F(4)]


def test_textbook_numbers_exactly():
    assert policy_gradient(PI, R) == [F(-5, 12), F(1, 18), F(13, 36)]
    assert expected_reward(PI, R) == F(11, 6)
    assert variance_trace(PI, R, 0) == F(2375, 648)
    assert variance_trace(PI, R, expected_reward(PI, R)) == F(107, 162)
    assert optimal_baseline(PI, R) == F(149, 66)
    assert variance_trace(PI, R, optimal_baseline(PI, R)) == F(109, 198)


@pytest.mark.parametrize("b", [F(0), F(1), F(149, 66), F(-3, 7), F(10)])
def test_variance_is_a_parabola_around_b_star(b):
    b_star = optimal_baseline(PI, R)
    norm2 = sum(p * p for p in PI)
    assert variance_trace(PI, R, b) == variance_trace(PI, R, b_star) + (b - b_star) ** 2 * (1 - norm2)


def test_noise_adds_sigma2_times_expected_score_norm_and_leaves_b_star():
    sigma2 = F(9, 4)
    norm2 = sum(p * p for p in PI)
    assert variance_trace(PI, R, 1, sigma2) - variance_trace(PI, R, 1) == sigma2 * (1 - norm2)


def test_vectorised_curve_matches_the_exact_form():
    pi, r = np.array([float(p) for p in PI]), np.array([float(x) for x in R])
    bs = np.array([0.0, 11 / 6, 149 / 66, 5.0])
    expected = [float(variance_trace(PI, R, F(b).limit_denominator(1000))) for b in (0, F(11, 6), F(149, 66), 5)]
    np.testing.assert_allclose(variance_curve(pi, r, bs), expected, rtol=1e-12)


@pytest.mark.parametrize("noise", [0.0, 1.5])
def test_sampled_estimator_matches_closed_form_for_each_baseline(noise):
    pi, r = np.array([0.5, 1 / 3, 1 / 6]), np.array([1.0, 2.0, 4.0])
    baselines = [0.0, 11 / 6, 149 / 66]
    n = 200_000
    estimates = sampled_estimates(pi, r, baselines, n, np.random.default_rng(1), noise=noise)
    exact = np.array(policy_gradient(pi, r))
    for b, e in zip(baselines, estimates):
        closed = variance_trace(pi, r, b, noise ** 2)
        assert empirical_variance_trace(e) == pytest.approx(closed, rel=0.02)
        standard_error = e.std(axis=0) / np.sqrt(n)
        assert np.all(np.abs(e.mean(axis=0) - exact) < 4 * standard_error + 1e-12)


def test_same_draws_for_every_baseline():
    pi, r = np.array([0.5, 0.5]), np.array([1.0, 3.0])
    a, b = sampled_estimates(pi, r, [0.0, 2.0], 50, np.random.default_rng(0))
    # (R - 0) g and (R - 2) g differ by exactly 2 g, g = e_a - pi, for the same action a:
    # recover a from the b = 0 row (R = r_a > 0, so sign(a[:, 0]) tells the arm)
    arm = (a[:, 0] < 0).astype(int)
    g = np.eye(2)[arm] - pi
    np.testing.assert_allclose(a - b, 2 * g, atol=1e-12)
    np.testing.assert_allclose(a, r[arm][:, None] * g, atol=1e-12)


def test_batch_means_average_consecutive_samples():
    x = np.arange(12.0).reshape(1, 6, 2)
    np.testing.assert_array_equal(batch_means(x, 3)[0], [[2.0, 3.0], [8.0, 9.0]])


def test_a_reward_shift_hurts_only_without_a_baseline():
    r = np.array([1.0, 2.0, 4.0])
    theta = np.log([0.5, 1 / 3, 1 / 6])
    calm = learning_curves(BaselineBanditConfig(shift=0.0, seeds=20), r, theta, seed=0)
    shifted = learning_curves(BaselineBanditConfig(shift=20.0, seeds=20), r, theta, seed=0)
    # with the average-reward baseline a shift of 20 changes nothing in expectation
    assert abs(shifted["average"][:, -1].mean() - calm["average"][:, -1].mean()) < 0.3
    # without it the same shift makes learning worse and far more erratic
    assert shifted["none"][:, -1].mean() < shifted["average"][:, -1].mean() - 0.3
    assert shifted["none"][:, -1].std() > 3 * shifted["average"][:, -1].std()


def test_variance_against_shift_grows_only_without_a_baseline():
    from core.baseline import variance_against_shift
    pi, r = np.array([0.5, 1 / 3, 1 / 6]), np.array([1.0, 2.0, 4.0])
    curves = variance_against_shift(pi, r, np.array([0.0, 10.0, 20.0]))
    none, mean = curves["no baseline (b = 0)"], curves["b = E[R]"]
    assert none[0] == pytest.approx(2375 / 648) and none[2] > none[1] > 10 * none[0]
    np.testing.assert_allclose(mean, 107 / 162)
