"""Advantage actor-critic (A2C) on vectorised gymnasium envs.

The actor is the policy; the critic V(s) turns each rollout into advantages with GAE(lambda),
and learns from the lambda-returns A_t + V(s_t). One knob spans the critics of the lecture:
lambda = 1 is a Monte-Carlo critic (advantage = return - V), lambda = 0 a TD(0) critic
(advantage = TD error), anything between is GAE. Each update: roll every env forward `steps`
steps, compute advantages, take one gradient step on

    - mean(A_t log pi(a_t|s_t))  +  value_coef * mean((V(s_t) - target_t)^2)  -  entropy_coef * H,

with the actor and the critic on their own learning rates (a critic chasing returns of ~100
needs larger steps than a policy that should move gently).
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from torch import nn

from core.advantage import gae
from core.config import knob
from core.envs import env_knob, gamma_knob, hidden_knob, make_vec_env, space_sizes
from core.nets import CategoricalPolicy, mlp

VARIANTS = ("reinforce", "mc", "td", "gae")
VARIANT_LABELS = {"reinforce": "REINFORCE", "mc": "actor-critic, MC critic (λ = 1)",
                  "td": "actor-critic, TD(0) critic (λ = 0)", "gae": "actor-critic, GAE(λ)"}


@dataclass
class ActorCriticConfig:
    env_id: str = env_knob()
    lr: float = knob(0.003, "Actor learning rate", "Adam step size of the policy; can be "
                     "changed while training.", lo=1e-4, hi=0.1, log=True, live=True)
    critic_lr: float = knob(0.01, "Critic learning rate", "Adam step size of V(s); can be "
                            "changed while training.", lo=1e-4, hi=0.1, log=True, live=True)
    lam: float = knob(0.95, "GAE λ", "0 = TD(0) advantage, 1 = Monte-Carlo advantage.",
                      lo=0.0, hi=1.0, step=0.01)
    gamma: float = gamma_knob()
    envs: int = knob(8, "Parallel envs", "Environments stepped together.", lo=1, hi=64)
    steps: int = knob(32, "Steps per rollout", "Steps per env between updates.", lo=4, hi=512)
    hidden: int = hidden_knob(64, "actor and critic")
    entropy_coef: float = knob(0.0, "Entropy bonus", "Rewards a more random policy.",
                               lo=0.0, hi=0.1, step=0.001)
    max_updates: int = knob(2000, "Updates", "Stop after this many updates.", lo=1, hi=20000)
    value_coef: float = 0.5
    device: str = "cpu"


class ActorCritic(nn.Module):
    def __init__(self, obs_size: int, n_actions: int, hidden: int):
        super().__init__()
        self.actor = CategoricalPolicy(obs_size, n_actions, hidden)
        self.critic = mlp([obs_size, hidden, hidden, 1])

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.critic(obs).squeeze(-1)


def explained_variance(values: torch.Tensor, targets: torch.Tensor) -> float:
    """1 - Var(target - V) / Var(target): 1 is a perfect critic, 0 no better than a constant."""
    var = targets.var()
    return float("nan") if var == 0 else float(1 - (targets - values).var() / var)


def value_slice(model: ActorCritic, env_id: str, size: int = 31) -> dict:
    """V over a 2-D slice of the state (CartPole: pole angle x angular velocity, the rest 0)."""
    if env_id != "CartPole-v1":
        return {}
    angles, velocities = np.linspace(-0.21, 0.21, size), np.linspace(-2.0, 2.0, size)
    grid = np.zeros((size, size, 4), dtype=np.float32)
    grid[..., 2], grid[..., 3] = angles[None, :], velocities[:, None]
    with torch.no_grad():
        v = model.value(torch.as_tensor(grid.reshape(-1, 4))).reshape(size, size).numpy()
    return {"angles": angles, "velocities": velocities, "values": v}


class RolloutCollector:
    """Steps a vector env with a policy and keeps the episode bookkeeping between rollouts.

    gymnasium's vector envs reset a finished copy on its *next* step (NEXT_STEP autoreset):
    the step that ends an episode returns its true final observation (so a truncated episode
    can bootstrap from it), and the following step of that copy is a reset whose transition
    is marked invalid here and masked out of every loss."""

    def __init__(self, env, seed: int, device: str):
        self.env, self.device = env, device
        self.obs, _ = env.reset(seed=seed)
        n = self.obs.shape[0]
        self.episode_return = np.zeros(n)
        self.resetting = np.zeros(n, dtype=bool)
        self.recent: deque = deque(maxlen=20)
        self.env_steps = 0

    def collect(self, policy: CategoricalPolicy, steps: int) -> dict[str, torch.Tensor]:
        """Time-major tensors (steps, envs): obs, act, rew, next_obs, term (terminated),
        end (terminated or truncated) and valid."""
        buf = {k: [] for k in ("obs", "act", "rew", "next_obs", "term", "end", "valid")}
        for _ in range(steps):
            obs_t = torch.as_tensor(self.obs, dtype=torch.float32, device=self.device)
            action = policy.act(obs_t).cpu().numpy()
            next_obs, reward, terminated, truncated, _ = self.env.step(action)
            valid = ~self.resetting
            self.episode_return += reward * valid
            ended = (terminated | truncated) & valid
            self.recent.extend(self.episode_return[ended].tolist())
            self.episode_return[ended] = 0.0
            for key, value in (("obs", self.obs), ("act", action), ("rew", reward),
                               ("next_obs", next_obs), ("term", terminated & valid),
                               ("end", ended), ("valid", valid)):
                buf[key].append(value)
            self.resetting = ended
            self.obs = next_obs
            self.env_steps += int(valid.sum())
        return {k: torch.as_tensor(np.array(v), device=self.device, dtype=torch.float32)
                for k, v in buf.items()}

    @property
    def return_avg20(self) -> float:
        return float(np.mean(self.recent)) if self.recent else 0.0


def advantages_and_targets(model: ActorCritic, t: dict, gamma: float, lam: float):
    """GAE(lambda) advantages and the critic's targets (the lambda-returns) for a rollout."""
    with torch.no_grad():
        values = model.value(t["obs"])
        next_values = model.value(t["next_obs"]) * (1.0 - t["term"])
    advantages = gae(t["rew"], values, next_values, t["end"], gamma, lam)
    return advantages, advantages + values, values


def train_actor_critic(config: ActorCriticConfig, seed: int, lam: float | None = None) -> Iterator[dict]:
    """Yield one record per update; `lam` overrides config.lam (the MC / TD variants)."""
    lam = config.lam if lam is None else lam
    torch.manual_seed(seed)
    device = config.device
    obs_size, n_actions = space_sizes(config.env_id)
    model = ActorCritic(obs_size, n_actions, config.hidden).to(device)
    optimizer = torch.optim.Adam([{"params": model.actor.parameters(), "lr": config.lr},
                                  {"params": model.critic.parameters(), "lr": config.critic_lr}])
    env = make_vec_env(config.env_id, config.envs)
    start = time.perf_counter()
    try:
        rollouts = RolloutCollector(env, seed, device)
        for update in range(1, config.max_updates + 1):
            t = rollouts.collect(model.actor, config.steps)
            advantages, targets, values = advantages_and_targets(model, t, config.gamma, lam)
            valid = t["valid"]
            n_valid = valid.sum()

            logp_all = model.actor(t["obs"])
            logp = logp_all.gather(-1, t["act"].long().unsqueeze(-1)).squeeze(-1)
            entropy = -((logp_all.exp() * logp_all).sum(-1) * valid).sum() / n_valid
            policy_loss = -(logp * advantages * valid).sum() / n_valid
            new_values = model.value(t["obs"])
            value_loss = (((new_values - targets) ** 2) * valid).sum() / n_valid
            loss = policy_loss + config.value_coef * value_loss - config.entropy_coef * entropy
            optimizer.param_groups[0]["lr"], optimizer.param_groups[1]["lr"] = config.lr, config.critic_lr
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

            mask = valid.bool()
            yield {
                "update": update,
                "env_steps": rollouts.env_steps,
                "time_s": time.perf_counter() - start,
                "return_avg20": rollouts.return_avg20,
                "episodes": len(rollouts.recent),
                "entropy": float(entropy.item()),
                "policy_loss": float(policy_loss.item()),
                "value_loss": float(value_loss.item()),
                "explained_variance": explained_variance(values[mask], targets[mask]),
                "lr": float(config.lr),
                "_value_slice": value_slice(model, config.env_id),
            }
    finally:
        env.close()
