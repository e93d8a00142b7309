import math

import numpy as np
import pytest
import torch

from core.offpolicy import (REUSE, TEST_FUNCTIONS, ReuseConfig, apply, drifted_policy,
                            effective_sample_size, estimator_variance, importance_sample, kl,
                            normal_log_pdf, ratio_moments, running_estimates, second_moment,
                            softmax, surrogate_gradients, train_reuse, true_value)


def test_second_moment_textbook_case_is_e():
    assert second_moment(0, 1, 1, 1) == pytest.approx(math.e, rel=1e-15)


@pytest.mark.parametrize("mp,sp,mq,sq", [(0, 1, 1, 1), (0.5, 1, -0.5, 1.4), (1, 0.8, 0, 1.2), (0, 1.2, 0, 0.9)])
def test_general_formula_against_numerical_integration(mp, sp, mq, sq):
    xs = np.linspace(-40, 40, 800_001)
    dx = xs[1] - xs[0]
    log_p, log_q = normal_log_pdf(xs, mp, sp), normal_log_pdf(xs, mq, sq)
    p, p2_over_q = np.exp(log_p), np.exp(2 * log_p - log_q)
    closed = sq ** 2 / (sp * math.sqrt(2 * sq ** 2 - sp ** 2)) * math.exp((mp - mq) ** 2 / (2 * sq ** 2 - sp ** 2))
    assert second_moment(mp, sp, mq, sq) == pytest.approx(closed, rel=1e-12)
    assert np.sum(p2_over_q) * dx == pytest.approx(closed, rel=1e-6)
    for f in ("x", "x²"):
        numeric = np.sum(p2_over_q * apply(f, xs) ** 2) * dx - (np.sum(p * apply(f, xs)) * dx) ** 2
        assert estimator_variance(f, mp, sp, mq, sq) == pytest.approx(numeric, rel=1e-5)


@pytest.mark.parametrize("sp,sq", [(1.0, 0.7), (2.0, 1.0), (1.0, 1 / math.sqrt(2))])
def test_infinite_when_q_is_too_narrow(sp, sq):
    assert math.isinf(second_moment(0, sp, 0, sq))
    assert math.isinf(estimator_variance("x", 0, sp, 0, sq))


@pytest.mark.parametrize("mp,sp,mq,sq", [(0, 1, 1, 1), (0, 1, 0.5, 1.2), (0.3, 1, 0, 1.5)])
def test_ess_fraction_matches_one_over_second_moment(mp, sp, mq, sq):
    moment = second_moment(mp, sp, mq, sq)
    assert moment < 3
    x, w = importance_sample(mp, sp, mq, sq, 400_000, np.random.default_rng(0))
    assert effective_sample_size(w) / len(w) == pytest.approx(1 / moment, rel=0.03)


@pytest.mark.parametrize("f", TEST_FUNCTIONS)
def test_is_estimates_converge_to_the_truth(f):
    x, w = importance_sample(0, 1, 0.5, 1.2, 200_000, np.random.default_rng(1))
    ordinary, normalised = running_estimates(x, w, f)
    standard_error = math.sqrt(estimator_variance(f, 0, 1, 0.5, 1.2) / len(x))
    assert abs(ordinary[-1] - true_value(f, 0, 1)) < 4 * standard_error
    assert abs(normalised[-1] - true_value(f, 0, 1)) < 6 * standard_error


def test_surrogate_gradient_is_the_ratio_weighted_score():
    rng = np.random.default_rng(2)
    for _ in range(10):
        theta, theta_old = rng.normal(size=5), rng.normal(size=5)
        autograd, weighted = surrogate_gradients(theta, theta_old, int(rng.integers(5)), float(rng.normal()))
        np.testing.assert_allclose(autograd, weighted, atol=1e-12)


def test_drift_hits_the_target_kl_and_costs_what_the_formula_says():
    rng = np.random.default_rng(0)
    theta_old, direction, rewards = rng.normal(size=6), rng.normal(size=6), np.linspace(0, 1, 6)
    pi_old = softmax(theta_old)
    previous = None
    for target in (0.0, 0.05, 0.2, 1.0):
        pi = softmax(drifted_policy(theta_old, direction, target))
        assert kl(pi_old, pi) == pytest.approx(target, abs=1e-9)
        facts = ratio_moments(pi, pi_old, rewards)
        assert facts["second_moment"] == pytest.approx(np.sum(pi ** 2 / pi_old))
        if previous is not None:
            assert facts["ess_fraction"] < previous
        previous = facts["ess_fraction"]
    # sampled check of the weighted-gradient variance at KL = 0.2
    pi = softmax(drifted_policy(theta_old, direction, 0.2))
    a = rng.choice(6, size=200_000, p=pi_old)
    g = (pi[a] / pi_old[a] * rewards[a])[:, None] * (np.eye(6)[a] - pi)
    assert g.var(axis=0).sum() == pytest.approx(ratio_moments(pi, pi_old, rewards)["gradient_variance"], rel=0.03)


def test_more_reuse_moves_further_from_the_policy_that_collected_the_batch():
    # same seed: the first batch is the same for every K
    config = ReuseConfig(max_updates=1, episodes=4)
    first = {k: next(train_reuse(config, 0, k)) for k in REUSE}
    assert first[1]["env_steps"] == first[16]["env_steps"]
    assert first[1]["kl"] < first[4]["kl"] < first[16]["kl"]
    assert first[16]["ratio_std"] > 3 * first[1]["ratio_std"]
