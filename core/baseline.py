"""Baselines and the variance of the policy gradient, in closed form on the softmax bandit.

With a baseline b the estimator is (R - b) g, g = grad log pi(a) = e_a - pi. It stays unbiased,
because E[g] = sum_a pi_a (e_a - pi) = 0, so E[b g] = 0 for any constant b. Its variance (the
trace of the covariance over the k logits) is

    V(b) = sum_a pi_a ((r_a - b)^2 + sigma^2) ||e_a - pi||^2  -  ||grad J||^2,

with ||e_a - pi||^2 = 1 - 2 pi_a + ||pi||^2, reward noise of variance sigma^2. V is a parabola
in b, lowest at b* = E[R ||g||^2] / E[||g||^2], and V(b) = V(b*) + (b - b*)^2 (1 - ||pi||^2).

The functions take plain sequences and use only + - * /, so they run exactly on Fractions
(the tests check the textbook numbers to the last digit) as well as on floats.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from core.bandit import BanditConfig, policy_gradient, score, train_bandit
from core.config import knob

# The textbook example: pi = (1/2, 1/3, 1/6), r = (1, 2, 4); further arms for k > 3.
DEFAULT_REWARDS = (1.0, 2.0, 4.0, 0.0, 3.0, -1.0, 5.0, 1.5, 2.5, 0.5)
DEFAULT_LOGITS = (np.log(1 / 2), np.log(1 / 3), np.log(1 / 6)) + (-1.5,) * 7


@dataclass
class BaselineBanditConfig:
    k: int = knob(3, "Arms k", "How many actions the bandit has.", lo=2, hi=10)
    noise: float = knob(0.0, "Reward noise σ", "Standard deviation of the noise on each reward.",
                        lo=0.0, hi=5.0, step=0.1)
    shift: float = knob(0.0, "Reward shift c", "Added to every reward: moves the rewards, not "
                        "which arm is best.", lo=-10.0, hi=50.0, step=0.5)
    samples: int = knob(20_000, "Samples", "Single-sample estimates drawn for the empirical "
                        "variance.", lo=100, hi=200_000)
    lr: float = knob(0.1, "Learning rate", "Step size of the learning comparison below.",
                     lo=0.01, hi=2.0, step=0.01)
    batch_size: int = knob(4, "Samples per update", "Pulls per update in the learning "
                           "comparison.", lo=1, hi=64)
    updates: int = knob(100, "Updates", "Length of the learning comparison.", lo=10, hi=500)
    seeds: int = knob(10, "Seeds", "Independent runs per curve (drawn as a band).", lo=1, hi=50)


def _norm2(pi: Sequence) -> object:
    return sum(p * p for p in pi)


def score_norms(pi: Sequence) -> list:
    """||e_a - pi||^2 for each arm a."""
    s = _norm2(pi)
    return [1 - 2 * p + s for p in pi]


def variance_trace(pi: Sequence, r: Sequence, b=0, noise_var=0):
    """Trace of the covariance of the single-sample estimator (R - b) grad log pi(a)."""
    second_moment = sum(p * ((x - b) ** 2 + noise_var) * s
                        for p, x, s in zip(pi, r, score_norms(pi)))
    return second_moment - _norm2(policy_gradient(pi, r))


def optimal_baseline(pi: Sequence, r: Sequence):
    """b* = E[R ||g||^2] / E[||g||^2] (reward noise does not move it)."""
    s = score_norms(pi)
    return sum(p * x * q for p, x, q in zip(pi, r, s)) / sum(p * q for p, q in zip(pi, s))


def variance_curve(pi: np.ndarray, r: np.ndarray, bs: np.ndarray, noise_var: float = 0.0) -> np.ndarray:
    """V(b) for every b in `bs` (vectorised, floats)."""
    s = np.asarray(score_norms(pi))
    grad2 = float(np.sum(np.asarray(policy_gradient(pi, r)) ** 2))
    return ((bs[:, None] - r[None, :]) ** 2 + noise_var) @ (pi * s) - grad2


def sampled_estimates(pi: np.ndarray, r: np.ndarray, baselines: Sequence[float], n: int,
                      rng: np.random.Generator, noise: float = 0.0) -> np.ndarray:
    """n single-sample estimates for each baseline, all from the *same* draws.

    Returns an array (len(baselines), n, k): the only difference between rows is b, so any
    difference in spread is the baseline's doing, not luck."""
    actions = rng.choice(len(pi), size=n, p=pi)
    rewards = r[actions] + noise * rng.standard_normal(n)
    g = score(pi, actions)
    return np.stack([(rewards - b)[:, None] * g for b in baselines])


def batch_means(estimates: np.ndarray, batch_size: int) -> np.ndarray:
    """Average consecutive single-sample estimates in groups of `batch_size`: the estimates an
    update with that many pulls would use. (..., n, k) -> (..., n // batch_size, k)."""
    n = estimates.shape[-2] // batch_size * batch_size
    shape = estimates.shape[:-2] + (n // batch_size, batch_size, estimates.shape[-1])
    return estimates[..., :n, :].reshape(shape).mean(axis=-2)


def empirical_variance_trace(estimates: np.ndarray) -> float:
    """Sum over coordinates of the sample variance (n - 1 in the denominator)."""
    return float(estimates.var(axis=0, ddof=1).sum())


def baseline_grid(paid: np.ndarray, points: int = 200) -> np.ndarray:
    """Baselines to draw V(b) over: from below both 0 and the worst reward to above the best."""
    return np.linspace(min(0.0, paid.min()) - 1.0, max(0.0, paid.max()) + 1.0, points)


def variance_against_shift(pi: np.ndarray, rewards: np.ndarray, shifts: np.ndarray,
                           noise_var: float = 0.0) -> dict[str, np.ndarray]:
    """V(0) and V(E[R]) when every reward is lifted by c, for each c in `shifts`."""
    return {
        "no baseline (b = 0)": np.array([variance_trace(pi, rewards + c, 0.0, noise_var) for c in shifts]),
        "b = E[R]": np.array([variance_trace(pi, rewards + c, float(pi @ (rewards + c)), noise_var)
                             for c in shifts]),
    }


def learning_curves(config: BaselineBanditConfig, rewards: np.ndarray, theta0: np.ndarray,
                    seed: int) -> dict[str, np.ndarray]:
    """Expected (unshifted) reward over updates, without and with the average-reward baseline,
    on the same `config.seeds` seeds: {baseline: array (seeds, updates + 1)}."""
    bandit = BanditConfig(k=len(rewards), lr=config.lr, batch_size=config.batch_size,
                          updates=config.updates)
    paid = np.asarray(rewards, float) + config.shift
    out = {}
    for baseline in ("none", "average"):
        runs = [train_bandit(bandit, paid, seed + i, baseline=baseline, reward_noise=config.noise,
                             theta0=theta0)["probs"] @ np.asarray(rewards, float)
                for i in range(config.seeds)]
        out[baseline] = np.array(runs)
    return out
