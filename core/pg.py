"""REINFORCE: the policy gradient estimated from whole episodes.

    grad J ~ (1/N) sum_n sum_t  Psi_t^n  grad log pi(a_t^n | s_t^n)

with Psi_t = R(tau), the episode's whole return, or Psi_t = G_t = sum_{t'>=t} gamma^(t'-t) r_t',
the reward-to-go (an action cannot affect rewards that came before it, so dropping them keeps
the estimate unbiased and removes noise). Subtracting a baseline b(s_t) from Psi_t keeps it
unbiased too (E[grad log pi(a|s)] = 0) and can remove much more: `baseline` is "none", the
batch mean of G_t at the same time step ("batch_mean"), or a learned state value V(s_t)
("value"). Read `train_reinforce` top to bottom: collect N episodes, weight each
log-probability, take one gradient step.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import time
from collections import deque
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch

from core.checkpoint import WEIGHTS
from core.config import apply_live, knob
from core.multiseed import lockstep
from core.envs import env_knob, gamma_knob, hidden_knob, make_vec_env, space_sizes
from core.nets import CategoricalPolicy, init_linear_layers, mlp
from core.seeding import RunRandom

BASELINES = ("none", "batch_mean", "value")
BASELINE_LABELS = {"none": "no baseline", "batch_mean": "batch-mean return",
                   "value": "learned V(s)"}


def returns_to_go(rewards: torch.Tensor, gamma: float) -> torch.Tensor:
    """G_t = r_t + gamma * G_{t+1} along dim 0 (time); rows after an episode ends must be 0."""
    out = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[0])
    for t in range(rewards.shape[0] - 1, -1, -1):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


def reinforce_loss(logp: torch.Tensor, weights: torch.Tensor, n_episodes: int) -> torch.Tensor:
    """Minus the surrogate whose gradient is the REINFORCE estimate (weights carry no grad)."""
    return -(logp * weights.detach()).sum() / n_episodes


@dataclass
class ReinforceConfig:
    env_id: str = env_knob()
    lr: float = knob(0.01, "Learning rate", "Adam step size; can be changed while training.",
                     lo=1e-4, hi=0.1, log=True, live=True)
    episodes: int = knob(8, "Episodes per update", "N in the estimator: whole episodes, run in "
                         "parallel, averaged into one gradient.", lo=1, hi=64)
    gamma: float = gamma_knob()
    hidden: int = hidden_knob(32)
    reward_to_go: bool = knob(True, "Reward-to-go", "Weight each action by the rewards after it "
                              "(G_t) instead of the whole episode's return R(tau).")
    max_updates: int = knob(300, "Updates", "Stop after this many updates.", lo=1, hi=5000)
    baseline: str = knob("none", "Baseline", "What is subtracted from each G_t: nothing, the "
                         "batch's mean G_t at that step, or a learned V(s_t).", choices=BASELINES)
    critic_lr: float = knob(0.03, "Critic learning rate", "Adam step size of V(s) (the "
                            "'value' baseline).", lo=1e-4, hi=0.1, log=True, live=True)
    device: str = "cpu"
    measure_variance: bool = False  # also record the per-episode gradient variance (costs 2N backward passes)


CRITIC_STEPS = 10  # full-batch regression steps of V(s) on each batch's returns


def batch_mean_baseline(weights: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """b_t = mean of G_t over the episodes still running at step t (one value per step)."""
    return (weights * mask).sum(1, keepdim=True) / mask.sum(1, keepdim=True).clamp(min=1.0)


def per_episode_gradient_variance(policy, logp: torch.Tensor, psi: torch.Tensor) -> float:
    """Trace of the covariance, over the N episodes of a batch, of each episode's estimate
    sum_t Psi_t grad log pi(a_t|s_t): how noisy a one-episode gradient is at this policy."""
    params = [p for p in policy.parameters()]
    rows = []
    for n in range(logp.shape[1]):
        grads = torch.autograd.grad((logp[:, n] * psi[:, n]).sum(), params, retain_graph=True)
        rows.append(torch.cat([g.reshape(-1) for g in grads]))
    return float(torch.stack(rows).var(dim=0).sum().item())


def collect_episodes(env, policy: CategoricalPolicy, obs: np.ndarray, device: str,
                     generator: torch.Generator | None = None):
    """Step every copy of the vector env until each has finished one episode, sampling the
    actions with `generator` (the run's own, on `device`).

    Returns time-major tensors (T, N): observations, actions, rewards (0 after an episode
    ends) and the alive mask. A copy that finished keeps stepping (its autoreset) until the
    slowest one is done; those steps are masked out.
    """
    n = obs.shape[0]
    alive = np.ones(n, dtype=bool)
    obs_l, act_l, rew_l, mask_l = [], [], [], []
    while alive.any():
        obs_t = torch.as_tensor(obs, dtype=torch.float32, device=device)
        action = policy.act(obs_t, generator=generator)
        obs_next, reward, terminated, truncated, _ = env.step(action.cpu().numpy())
        obs_l.append(obs_t)
        act_l.append(action)
        rew_l.append(reward * alive)
        mask_l.append(alive.copy())
        alive &= ~(terminated | truncated)
        obs = obs_next
    to = dict(device=device)
    return (torch.stack(obs_l), torch.stack(act_l),
            torch.as_tensor(np.array(rew_l), dtype=torch.float32, **to),
            torch.as_tensor(np.array(mask_l), dtype=torch.float32, **to))


def train_reinforce(config: ReinforceConfig, seed: int) -> Iterator[dict]:
    """Yield one record per REINFORCE update (see the module docstring).

    Live knobs (the learning rates) arrive through the generator's send: `config` is rebound
    after every yield (core.config.apply_live) and read at every update, and each record
    carries their current values. Randomness is the run's own (core.seeding): the same seed
    gives the same records whatever trains beside it. Keys starting with '_' are payloads
    (the current policy's weights) that the runner keeps only for the latest record.

    With `measure_variance`, each record also has the per-episode gradient variance of this
    variant's estimator ("grad_variance"), of the no-baseline estimator on the *same* episodes
    and policy ("grad_variance_none"), and their ratio ("variance_ratio"): a matched
    comparison, in which only the baseline differs.
    """
    device = config.device
    rng = RunRandom(seed, device)
    obs_size, n_actions = space_sizes(config.env_id)
    critic = critic_optimizer = None
    init = RunRandom(seed, stream="init").cpu  # the weights are drawn from the run's own generator
    policy = init_linear_layers(CategoricalPolicy(obs_size, n_actions, config.hidden), init).to(device)
    if config.baseline == "value":
        critic = init_linear_layers(mlp([obs_size, config.hidden, config.hidden, 1]), init).to(device)
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)
    if critic is not None:
        critic_optimizer = torch.optim.Adam(critic.parameters(), lr=config.critic_lr)
    env = make_vec_env(config.env_id, config.episodes)
    recent = deque(maxlen=20)
    env_steps, start = 0, time.perf_counter()
    try:
        obs, _ = env.reset(seed=seed)
        for update in range(1, config.max_updates + 1):
            obs_b, act_b, rew_b, mask_b = collect_episodes(env, policy, obs, device, rng.torch)
            obs, _ = env.reset()
            returns = rew_b.sum(0)
            if config.reward_to_go:
                weights = returns_to_go(rew_b, config.gamma)
            else:
                weights = returns_to_go(rew_b, config.gamma)[0].expand_as(rew_b)
            psi = weights
            if config.baseline == "batch_mean":
                psi = weights - batch_mean_baseline(weights, mask_b)
            elif config.baseline == "value":
                with torch.no_grad():
                    psi = weights - critic(obs_b).squeeze(-1)
                value_loss = fit_critic(critic, critic_optimizer, obs_b, weights, mask_b,
                                        config.critic_lr)
            psi = psi * mask_b
            logp_all = policy(obs_b)
            logp = logp_all.gather(-1, act_b.unsqueeze(-1)).squeeze(-1) * mask_b
            loss = reinforce_loss(logp, psi, config.episodes)
            extra = {}
            if config.measure_variance:
                own = per_episode_gradient_variance(policy, logp, psi)
                none = own if config.baseline == "none" else \
                    per_episode_gradient_variance(policy, logp, weights * mask_b)
                extra.update(grad_variance=own, grad_variance_none=none,
                             variance_ratio=own / none if none > 0 else 1.0)
            if critic is not None:
                extra["value_loss"] = value_loss
            for group in optimizer.param_groups:
                group["lr"] = config.lr
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = torch.sqrt(sum((p.grad ** 2).sum() for p in policy.parameters()))
            optimizer.step()

            n_valid = mask_b.sum()
            entropy = -((logp_all.exp() * logp_all).sum(-1) * mask_b).sum() / n_valid
            returns_np = returns.cpu().numpy()
            recent.extend(returns_np.tolist())
            env_steps += int(n_valid.item())
            changes = yield {
                "update": update,
                "env_steps": env_steps,
                "time_s": time.perf_counter() - start,
                "return_mean": float(returns_np.mean()),
                "return_std": float(returns_np.std()),
                "return_min": float(returns_np.min()),
                "return_max": float(returns_np.max()),
                "return_avg20": float(np.mean(recent)),
                "entropy": float(entropy.item()),
                "loss": float(loss.item()),
                "grad_norm": float(grad_norm.item()),
                "lr": float(config.lr),
                "critic_lr": float(config.critic_lr),
                **extra,
                "_policy": copy.deepcopy(policy.state_dict()),
                WEIGHTS: policy.state_dict(),  # the live tensors: a checkpoint on request
            }
            config = apply_live(config, changes)
    finally:
        env.close()



def _baseline_variant(config: ReinforceConfig, baseline: str, seed: int) -> Iterator[dict]:
    return train_reinforce(dataclasses.replace(config, baseline=baseline, measure_variance=True), seed)


def train_baseline_comparison(config: ReinforceConfig, seeds: Sequence[int]) -> Iterator[dict]:
    """REINFORCE with each of BASELINES on the same seeds, in lockstep (core.multiseed), each
    also measuring its gradient variance. Module-level, so `functools.partial(...,
    seeds=...)` describes the run picklably (a worker process builds it)."""
    return lockstep(functools.partial(_baseline_variant, config), BASELINES, list(seeds))

def fit_critic(critic, optimizer, obs: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor,
               lr: float) -> float:
    """A few full-batch steps of V(s) towards this batch's returns-to-go; the last MSE."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    for _ in range(CRITIC_STEPS):
        loss = (((critic(obs).squeeze(-1) - targets) ** 2) * mask).sum() / mask.sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return float(loss.item())


def gradient_variance_by_baseline(env_id: str = "CartPole-v1", seed: int = 0, episodes: int = 32,
                                  hidden: int = 32, gamma: float = 0.99, fit_episodes: int = 128,
                                  fit_steps: int = 300) -> dict[str, float]:
    """Per-episode gradient variance of each baseline at one fixed (freshly initialised) policy.

    A critic is first fitted to the returns of `fit_episodes` separate episodes, then all three
    estimators are measured on the *same* `episodes` episodes, so only the baseline differs."""
    rng = RunRandom(seed)
    obs_size, n_actions = space_sizes(env_id)
    init = RunRandom(seed, stream="init").cpu
    policy = init_linear_layers(CategoricalPolicy(obs_size, n_actions, hidden), init)
    critic = init_linear_layers(mlp([obs_size, hidden, hidden, 1]), init)
    critic_optimizer = torch.optim.Adam(critic.parameters(), lr=0.01)
    batches = []
    for n, offset in ((fit_episodes, 0), (episodes, 10_000)):
        env = make_vec_env(env_id, n)
        obs, _ = env.reset(seed=seed + offset)
        obs_b, act_b, rew_b, mask_b = collect_episodes(env, policy, obs, "cpu", rng.torch)
        env.close()
        batches.append((obs_b, act_b, returns_to_go(rew_b, gamma), mask_b))
    obs_f, _, g_f, mask_f = batches[0]
    for _ in range(fit_steps // CRITIC_STEPS):
        fit_critic(critic, critic_optimizer, obs_f, g_f, mask_f, 0.01)
    obs_b, act_b, weights, mask_b = batches[1]
    logp = policy(obs_b).gather(-1, act_b.unsqueeze(-1)).squeeze(-1) * mask_b
    with torch.no_grad():
        value = critic(obs_b).squeeze(-1)
    psis = {"none": weights, "batch_mean": weights - batch_mean_baseline(weights, mask_b),
            "value": weights - value}
    return {name: per_episode_gradient_variance(policy, logp, psi * mask_b)
            for name, psi in psis.items()}


def policy_from_state(env_id: str, hidden: int, state: dict) -> CategoricalPolicy:
    """Rebuild a CPU policy from a `_policy` payload (for replays)."""
    obs_size, n_actions = space_sizes(env_id)
    policy = CategoricalPolicy(obs_size, n_actions, hidden)
    policy.load_state_dict({k: v.detach().cpu() for k, v in state.items()})
    return policy.eval()
