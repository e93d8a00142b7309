import math

import numpy as np
import pytest

from core.offpolicy import (REUSE, TEST_FUNCTIONS, ReuseConfig, apply, drifted_policy,
                            effective_sample_size, estimator_variance, importance_sample, kl,
                            normal_log_pdf, ratio_moments, running_estimates, second_moment,
                            softmax, surrogate_gradients, train_reuse, true_value)
from tests.unit.determinism import interleaved_with_reseeds


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


# ---- the drift study (issue 10, item 2) ---------------------------------------------------------

def _curves(seed, direction=None):
    from core.offpolicy import drift_curves, drift_setup
    theta_old, gradient, rewards = drift_setup(seed)
    return drift_curves(theta_old, gradient if direction is None else direction, rewards,
                        np.linspace(0.0, 2.0, 41))


@pytest.mark.parametrize("seed", range(10))
def test_along_the_gradient_ess_falls_and_the_weighted_estimates_variance_rises(seed):
    curves = _curves(seed)
    assert np.all(np.diff(curves["ess_fraction"]) < 0)
    assert np.all(np.diff(curves["value_variance"]) > 0)
    assert curves["value_variance"][0] == pytest.approx(curves["fresh_variance"][0])
    assert curves["value_variance"][-1] > 5 * curves["value_variance"][0]
    assert curves["fresh_variance"][-1] < curves["fresh_variance"][0]  # π settles: fresh samples agree


def test_drift_direction_is_the_policy_gradient_at_pi_old():
    from core.offpolicy import drift_setup
    theta_old, direction, rewards = drift_setup(3)
    pi_old = softmax(theta_old)
    gradient = pi_old * (rewards - pi_old @ rewards)
    np.testing.assert_allclose(direction, gradient / np.linalg.norm(gradient))
    pi = softmax(drifted_policy(theta_old, direction, 1.0))
    assert pi @ rewards > pi_old @ rewards  # π improved
    assert rewards[np.argmax(pi / pi_old)] > pi_old @ rewards  # its heaviest weight: a good action


def test_why_the_old_chart_fell_a_random_direction_sends_the_weights_to_a_zero_reward():
    """The old page moved π along a random direction: at seed 0 that carries π towards action 1,
    which pays 0, so the largest weights multiply r = 0 and the estimate's variance falls."""
    rng = np.random.default_rng(0)
    theta_old, direction = rng.normal(size=6), rng.normal(size=6)
    from core.offpolicy import drift_curves
    curves = drift_curves(theta_old, direction, np.linspace(0.0, 1.0, 6), np.array([0.0, 2.0]))
    assert curves["value_variance"][1] < curves["value_variance"][0]
    pi = softmax(drifted_policy(theta_old, direction, 2.0))
    assert np.argmax(pi / softmax(theta_old)) == 0  # the heaviest weight: the action paying 0


def test_value_variance_matches_sampling():
    from core.offpolicy import drift_setup
    theta_old, direction, rewards = drift_setup(0)
    pi_old, pi = softmax(theta_old), softmax(drifted_policy(theta_old, direction, 0.5))
    facts = ratio_moments(pi, pi_old, rewards)
    a = np.random.default_rng(5).choice(6, size=400_000, p=pi_old)
    assert np.var(pi[a] / pi_old[a] * rewards[a]) == pytest.approx(facts["value_variance"], rel=0.02)
    b = np.random.default_rng(6).choice(6, size=400_000, p=pi)
    assert np.var(rewards[b]) == pytest.approx(facts["fresh_variance"], rel=0.02)


# ---- conventions: own generators, live knobs -----------------------------------------------------

def _numbers(record):
    return {k: v for k, v in record.items() if k != "time_s" and not k.startswith("_")}


def test_reuse_same_seed_same_records_interleaved_and_after_a_global_reseed():
    config = ReuseConfig(max_updates=3, episodes=2)
    alone = [_numbers(r) for r in train_reuse(config, 1, 4)]
    mine, other = train_reuse(config, 1, 4), train_reuse(config, 2, 16)
    assert interleaved_with_reseeds(mine, other, 3, _numbers) == alone


def test_reuse_learning_rate_is_live_through_send():
    config = ReuseConfig(max_updates=3, episodes=2)
    trainer = train_reuse(config, 0, 4)
    records = [next(trainer), trainer.send({"lr": 0.02}), trainer.send(None)]
    assert [r["lr"] for r in records] == [0.005, 0.02, 0.02]
    assert config.lr == 0.005
    with pytest.raises(ValueError):
        trainer.send({"episodes": 3})
