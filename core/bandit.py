"""The k-armed softmax bandit: the smallest place where the policy gradient is exact.

Policy pi = softmax(theta) over k arms with true mean rewards r. The objective is
J(theta) = sum_i pi_i r_i and its gradient has the closed form dJ/dtheta_i = pi_i (r_i - J).
The REINFORCE estimator replaces the expectation by samples: for a sampled arm a with reward R,
g = R * grad log pi(a) = R * (onehot(a) - pi). Everything here is numpy so a page can redo it
on every slider move.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.config import knob


def softmax(theta: np.ndarray) -> np.ndarray:
    z = np.exp(theta - np.max(theta))
    return z / z.sum()


def expected_reward(pi, r):
    """J = sum_i pi_i r_i (plain arithmetic: exact on Fractions too)."""
    return sum(p * x for p, x in zip(pi, r))


def policy_gradient(pi, r) -> list:
    """dJ/dtheta_i = pi_i (r_i - J) as a list (exact on Fractions too)."""
    J = expected_reward(pi, r)
    return [p * (x - J) for p, x in zip(pi, r)]


def exact_gradient(theta: np.ndarray, r: np.ndarray) -> np.ndarray:
    """dJ/dtheta_i = pi_i (r_i - J): pushes up exactly the arms better than average."""
    pi = softmax(theta)
    return pi * (r - pi @ r)


def score(pi: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """grad_theta log pi(a) = onehot(a) - pi, one row per sampled action."""
    g = -np.broadcast_to(pi, (len(actions), len(pi))).copy()
    g[np.arange(len(actions)), actions] += 1.0
    return g


def sample_gradients(theta: np.ndarray, r: np.ndarray, n: int, rng: np.random.Generator,
                     baseline: float = 0.0, reward_noise: float = 0.0) -> np.ndarray:
    """n single-sample REINFORCE estimates (R - b) grad log pi(a), one per row."""
    pi = softmax(theta)
    actions = rng.choice(len(pi), size=n, p=pi)
    rewards = r[actions] + reward_noise * rng.standard_normal(n)
    return (rewards - baseline)[:, None] * score(pi, actions)


def initial_logits(r: np.ndarray, skew: float) -> np.ndarray:
    """Start with the better arms rarer: theta = -skew * standardised reward (0 = uniform)."""
    spread = r.std()
    if spread == 0:
        return np.zeros_like(r)
    return -skew * (r - r.mean()) / spread


@dataclass
class BanditConfig:
    k: int = knob(4, "Arms k", "How many actions the bandit has.", lo=2, hi=10)
    lr: float = knob(0.5, "Learning rate", "Step size of each gradient-ascent update.",
                     lo=0.01, hi=5.0, step=0.01)
    batch_size: int = knob(4, "Samples per update", "Pulls averaged into one gradient estimate.",
                           lo=1, hi=256)
    updates: int = knob(60, "Updates", "How many REINFORCE updates to take.", lo=1, hi=500)
    skew: float = knob(0.8, "Initial skew", "0 starts uniform; larger starts the best arm rarer.",
                       lo=0.0, hi=4.0, step=0.1)
    all_positive: bool = knob(False, "Make every reward positive",
                              "Add the shift to every reward so that even the worst arm pays.")
    shift: float = knob(5.0, "Shift", "How much is added to every reward when they are made "
                        "positive (after lifting the worst to 0).", lo=0.0, hi=50.0, step=0.5)


def default_rewards(k: int) -> np.ndarray:
    """-1, -0.5, 0, 0.5, ...: the last arm is the best, and arm i's default does not depend
    on k (so adding an arm leaves the others where they were)."""
    return -1.0 + 0.5 * np.arange(k)


def effective_rewards(r: np.ndarray, config: BanditConfig) -> np.ndarray:
    """The rewards the agent actually receives (lifted when `all_positive`)."""
    if not config.all_positive:
        return r
    return r - r.min() + config.shift


def train_bandit(config: BanditConfig, rewards: np.ndarray, seed: int, baseline: str = "none",
                 reward_noise: float = 0.0, theta0: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Run `config.updates` REINFORCE updates; return the whole trajectory as arrays.

    `baseline="average"` subtracts the average of all rewards received in earlier updates
    (the gradient-bandit baseline of Sutton & Barto, section 2.8; the first update uses its own
    batch mean). Rewards get Gaussian noise of standard deviation `reward_noise`. The policy
    starts at logits `theta0` when given, else at `initial_logits(rewards, config.skew)`.

    Returned arrays have one row per update t = 0..updates (row 0 is the start):
    probs (updates+1, k), exact_grad (updates+1, k), estimate (updates, k) — the sampled
    batch gradient actually used at update t — and counts (updates, k) of each arm's pulls.
    """
    rng = np.random.default_rng(seed)
    r_true = np.asarray(rewards, dtype=float)
    r = effective_rewards(r_true, config)
    theta = initial_logits(r_true, config.skew) if theta0 is None else np.asarray(theta0, float)
    probs, grads, estimates, counts = [softmax(theta)], [exact_gradient(theta, r)], [], []
    reward_sum, reward_count = 0.0, 0
    for _ in range(config.updates):
        pi = softmax(theta)
        actions = rng.choice(len(pi), size=config.batch_size, p=pi)
        paid = r[actions] + reward_noise * rng.standard_normal(config.batch_size)
        b = 0.0
        if baseline == "average":
            b = reward_sum / reward_count if reward_count else paid.mean()
            reward_sum, reward_count = reward_sum + paid.sum(), reward_count + len(paid)
        g = ((paid - b)[:, None] * score(pi, actions)).mean(axis=0)
        theta = theta + config.lr * g
        estimates.append(g)
        counts.append(np.bincount(actions, minlength=len(pi)))
        probs.append(softmax(theta))
        grads.append(exact_gradient(theta, r))
    return {
        "probs": np.array(probs),
        "exact_grad": np.array(grads),
        "estimate": np.array(estimates).reshape(config.updates, len(r)),
        "counts": np.array(counts).reshape(config.updates, len(r)),
        "rewards": r,
        "expected_true_reward": np.array(probs) @ r_true,
    }
