"""Importance sampling: estimate an expectation under p from samples of q, with w = p/q.

    E_p[f] = E_q[w f]          (ordinary IS: mean of w f; unbiased)
           ~ sum w f / sum w   (self-normalised IS: a ratio, slightly biased, often steadier)

The mean is right; the variance is the catch. For Gaussians everything has a closed form:
p(x)^2 / q(x) is E_q[w^2] times the density of N(m, v) with 1/v = 2/sp^2 - 1/sq^2 and
m = v (2 mp/sp^2 - mq/sq^2), so E_q[w^2 f^2] = E_q[w^2] E_{N(m,v)}[f^2], and

    E_q[w^2] = sq^2 / (sp sqrt(2 sq^2 - sp^2)) exp((mp - mq)^2 / (2 sq^2 - sp^2)),

infinite when 2 sq^2 <= sp^2 (q's tails are too thin for p). Kish's effective sample size
(sum w)^2 / sum w^2 tends to n / E_q[w^2].

For policies the same ratio pi(a|s) / pi_old(a|s) lets a batch collected by pi_old train pi; the
gradient of the surrogate (pi/pi_old) A is A (pi/pi_old) grad log pi: the ratio is a weight.
"""
from __future__ import annotations

import functools
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch

from core.checkpoint import WEIGHTS
from core.config import apply_live, knob
from core.envs import env_knob, gamma_knob, hidden_knob, make_vec_env, space_sizes
from core.multiseed import lockstep
from core.nets import CategoricalPolicy, init_linear_layers
from core.pg import batch_mean_baseline, collect_episodes, returns_to_go
from core.seeding import RunRandom

TEST_FUNCTIONS = ("x", "x²", "1{x > 1}")


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def normal_log_pdf(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    return -0.5 * ((x - mu) / sigma) ** 2 - math.log(sigma * math.sqrt(2 * math.pi))


def second_moment(mu_p: float, s_p: float, mu_q: float, s_q: float) -> float:
    """E_q[w^2] = E_p[w] for w = p/q, p = N(mu_p, s_p^2), q = N(mu_q, s_q^2); inf when the
    integral diverges (2 s_q^2 <= s_p^2)."""
    spread = 2 * s_q ** 2 - s_p ** 2
    if spread <= 0:
        return math.inf
    exponent = (mu_p - mu_q) ** 2 / spread
    if exponent > 700:
        return math.inf
    return s_q ** 2 / (s_p * math.sqrt(spread)) * math.exp(exponent)


def _tilted(mu_p, s_p, mu_q, s_q) -> tuple[float, float]:
    """Mean and variance of N(m, v), proportional to p^2/q."""
    v = 1.0 / (2.0 / s_p ** 2 - 1.0 / s_q ** 2)
    return v * (2 * mu_p / s_p ** 2 - mu_q / s_q ** 2), v


def _gaussian_moment(f: str, mu: float, var: float) -> float:
    """E[f(x)] for x ~ N(mu, var)."""
    if f == "x":
        return mu
    if f == "x²":
        return mu ** 2 + var
    if f == "x⁴":
        return mu ** 4 + 6 * mu ** 2 * var + 3 * var ** 2
    if f == "1{x > 1}":
        return 1.0 - normal_cdf((1.0 - mu) / math.sqrt(var))
    raise ValueError(f"unknown test function {f!r}")


def true_value(f: str, mu_p: float, s_p: float) -> float:
    """E_p[f]."""
    return _gaussian_moment(f, mu_p, s_p ** 2)


def estimator_variance(f: str, mu_p: float, s_p: float, mu_q: float, s_q: float) -> float:
    """Var_q(w f(x)): the variance of one term of ordinary IS (inf where E_q[w^2] is)."""
    moment = second_moment(mu_p, s_p, mu_q, s_q)
    if math.isinf(moment):
        return math.inf
    m, v = _tilted(mu_p, s_p, mu_q, s_q)
    squared = {"x": "x²", "x²": "x⁴", "1{x > 1}": "1{x > 1}"}[f]
    return moment * _gaussian_moment(squared, m, v) - true_value(f, mu_p, s_p) ** 2


def apply(f: str, x: np.ndarray) -> np.ndarray:
    return {"x": lambda: x, "x²": lambda: x ** 2, "1{x > 1}": lambda: (x > 1).astype(float)}[f]()


def importance_sample(mu_p: float, s_p: float, mu_q: float, s_q: float, n: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n draws from q and their weights p(x)/q(x)."""
    x = rng.normal(mu_q, s_q, size=n)
    return x, np.exp(normal_log_pdf(x, mu_p, s_p) - normal_log_pdf(x, mu_q, s_q))


def running_estimates(x: np.ndarray, w: np.ndarray, f: str) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary and self-normalised IS estimates after 1, 2, ..., n samples."""
    wf = np.cumsum(w * apply(f, x))
    return wf / np.arange(1, len(x) + 1), wf / np.cumsum(w)


def effective_sample_size(w: np.ndarray) -> float:
    """Kish: (sum w)^2 / sum w^2."""
    return float(w.sum() ** 2 / (w ** 2).sum())


# ---- policies: the ratio pi / pi_old -----------------------------------------------------------

def softmax(theta: np.ndarray) -> np.ndarray:
    z = np.exp(theta - theta.max())
    return z / z.sum()


def kl(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) for discrete distributions."""
    return float(np.sum(p * (np.log(p) - np.log(q))))


def drifted_policy(theta_old: np.ndarray, direction: np.ndarray, target_kl: float) -> np.ndarray:
    """theta_old + t * direction, with t >= 0 chosen (bisection) so KL(pi_old || pi) = target."""
    pi_old = softmax(theta_old)
    lo, hi = 0.0, 1.0
    while kl(pi_old, softmax(theta_old + hi * direction)) < target_kl and hi < 1e6:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if kl(pi_old, softmax(theta_old + mid * direction)) < target_kl else (lo, mid)
    return theta_old + hi * direction


def drift_setup(seed: int, n_actions: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The drift study's bandit: pi_old's logits (random for `seed`), rewards 0, 0.2, ..., 1,
    and the direction pi moves in: the policy gradient at pi_old, grad J = pi_old (r - J), as
    training would move it (towards the better actions). A random direction would be no test:
    it may carry pi towards a zero-reward action, where the large weights multiply r = 0 and
    the estimate's variance *falls* as pi drifts (seed 0 did exactly that)."""
    rng = np.random.default_rng(seed)
    theta_old, rewards = rng.normal(size=n_actions), np.linspace(0.0, 1.0, n_actions)
    pi_old = softmax(theta_old)
    gradient = pi_old * (rewards - pi_old @ rewards)
    return theta_old, gradient / np.linalg.norm(gradient), rewards


def ratio_moments(pi: np.ndarray, pi_old: np.ndarray, rewards: np.ndarray) -> dict:
    """Exact facts about reusing samples of pi_old for pi on a bandit with mean rewards r:
    E_old[w^2] (so ESS/n = 1/E_old[w^2]); the variance of one sample's importance-weighted
    estimate of J(pi) = E_pi[r], Var_old(w r), beside Var_pi(r), the variance of one fresh
    sample of pi; and the trace of the covariance of the one-sample importance-weighted
    gradient w R grad log pi(a), grad log pi(a) = e_a - pi."""
    ratio = pi / pi_old
    score2 = 1 - 2 * pi + np.sum(pi ** 2)
    grad = pi * (rewards - pi @ rewards)
    second = float(np.sum(pi_old * ratio ** 2))
    value = float(pi @ rewards)
    variance = float(np.sum(pi_old * ratio ** 2 * rewards ** 2 * score2) - grad @ grad)
    return {"ratio": ratio, "second_moment": second, "ess_fraction": 1.0 / second,
            "value": value,
            "value_variance": float(np.sum(pi_old * ratio ** 2 * rewards ** 2) - value ** 2),
            "fresh_variance": float(np.sum(pi * rewards ** 2) - value ** 2),
            "gradient_variance": variance}


def drift_curves(theta_old: np.ndarray, direction: np.ndarray, rewards: np.ndarray,
                 kls: np.ndarray) -> dict[str, np.ndarray]:
    """ratio_moments along the drift, one value per KL(pi_old || pi) in `kls`."""
    pi_old = softmax(theta_old)
    facts = [ratio_moments(softmax(drifted_policy(theta_old, direction, k)), pi_old, rewards)
             for k in kls]
    keys = ("ess_fraction", "value_variance", "fresh_variance", "second_moment")
    return {"kls": np.asarray(kls, float), **{k: np.array([f[k] for f in facts]) for k in keys}}


def surrogate_gradients(theta: np.ndarray, theta_old: np.ndarray, action: int, advantage: float):
    """The article's remark, checked with autograd: grad_theta of (pi(a)/pi_old(a)) A, and
    A (pi(a)/pi_old(a)) grad_theta log pi(a). Returns both as numpy arrays."""
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    old = torch.softmax(torch.tensor(theta_old, dtype=torch.float64), 0)[action]
    surrogate = torch.softmax(t, 0)[action] / old * advantage
    (autograd,) = torch.autograd.grad(surrogate, t)
    t2 = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    (score,) = torch.autograd.grad(torch.log_softmax(t2, 0)[action], t2)
    ratio = (torch.softmax(t2, 0)[action] / old).detach()
    return autograd.numpy(), (advantage * ratio * score).numpy()


# ---- reusing a batch on CartPole ---------------------------------------------------------------

REUSE = (1, 4, 16)


@dataclass
class ReuseConfig:
    env_id: str = env_knob()
    lr: float = knob(0.005, "Learning rate", "Adam step size of each of the K steps; can be "
                     "changed while training.", lo=1e-4, hi=0.1, log=True, live=True)
    episodes: int = knob(8, "Episodes per batch", "Episodes collected by π_old each update.",
                         lo=1, hi=64)
    gamma: float = gamma_knob()
    hidden: int = hidden_knob(32)
    max_updates: int = knob(150, "Batches", "Stop after this many batches.", lo=1, hi=2000)
    device: str = "cpu"


def train_reuse(config: ReuseConfig, seed: int, reuse: int) -> Iterator[dict]:
    """Collect a batch with pi_old, then take `reuse` Adam steps on the importance-weighted
    surrogate  (1/N) sum_n sum_t (pi/pi_old)(a_t|s_t) (G_t - b_t)  with no constraint at all.
    K = 1 is REINFORCE with the batch-mean baseline (the ratio is exactly 1).

    The learning rate is live: a change sent to the generator is applied before the next
    batch. Randomness is the run's own (core.seeding): the same seed gives the same records
    whatever runs beside it."""
    device = config.device
    rng = RunRandom(seed, device)
    obs_size, n_actions = space_sizes(config.env_id)
    policy = CategoricalPolicy(obs_size, n_actions, config.hidden)
    policy = init_linear_layers(policy, RunRandom(seed, stream="init").cpu).to(device)
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)
    env = make_vec_env(config.env_id, config.episodes)
    recent, env_steps, start = deque(maxlen=20), 0, time.perf_counter()
    try:
        obs, _ = env.reset(seed=seed)
        for update in range(1, config.max_updates + 1):
            obs_b, act_b, rew_b, mask_b = collect_episodes(env, policy, obs, device,
                                                           generator=rng.torch)
            obs, _ = env.reset()
            returns = returns_to_go(rew_b, config.gamma)
            advantages = (returns - batch_mean_baseline(returns, mask_b)) * mask_b
            with torch.no_grad():
                logp_old_all = policy(obs_b)
                logp_old = logp_old_all.gather(-1, act_b.unsqueeze(-1)).squeeze(-1)
            for group in optimizer.param_groups:
                group["lr"] = config.lr
            for _ in range(reuse):
                logp_all = policy(obs_b)
                ratio = torch.exp(logp_all.gather(-1, act_b.unsqueeze(-1)).squeeze(-1) - logp_old)
                loss = -(ratio * advantages).sum() / config.episodes
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                logp_all = policy(obs_b)
                n_valid = mask_b.sum()
                kl_old_new = ((logp_old_all.exp() * (logp_old_all - logp_all)).sum(-1) * mask_b).sum() / n_valid
                ratio = torch.exp(logp_all.gather(-1, act_b.unsqueeze(-1)).squeeze(-1) - logp_old)[mask_b.bool()]
            recent.extend(rew_b.sum(0).tolist())
            env_steps += int(n_valid.item())
            changes = yield {
                "update": update, "env_steps": env_steps, "time_s": time.perf_counter() - start,
                "return_avg20": float(np.mean(recent)), "kl": float(kl_old_new.item()),
                "ratio_std": float(ratio.std().item()) if ratio.numel() > 1 else 0.0,
                "ratio_max": float(ratio.max().item()), "lr": float(config.lr),
                WEIGHTS: policy.state_dict(),  # the live tensors: a checkpoint on request
            }
            config = apply_live(config, changes)
    finally:
        env.close()


def _reuse_variant(config: ReuseConfig, reuse: str, seed: int) -> Iterator[dict]:
    return train_reuse(config, seed, int(reuse))


def train_reuse_comparison(config: ReuseConfig, seeds: Sequence[int]) -> Iterator[dict]:
    """K = 1, 4 and 16 on the same seeds, in lockstep (core.multiseed); picklable as
    `functools.partial(train_reuse_comparison, seeds=...)`."""
    return lockstep(functools.partial(_reuse_variant, config), [str(k) for k in REUSE], list(seeds))
