"""Advantage actor-critic (A2C) on vectorised gymnasium envs.

The actor is the policy; the critic V(s) turns each rollout into advantages with GAE(lambda),
and learns from the lambda-returns A_t + V(s_t). One knob spans the critics of the lecture:
lambda = 1 is a Monte-Carlo critic (advantage = return - V), lambda = 0 a TD(0) critic
(advantage = TD error), anything between is GAE. Each update: roll every env forward `steps`
steps, compute advantages, take one gradient step on

    - mean(A_t log pi(a_t|s_t))  +  value_coef * mean((V(s_t) - target_t)^2)  -  entropy_coef * H,

with the actor and the critic on their own learning rates (a critic chasing returns of ~100
needs larger steps than a policy that should move gently).

The critic's network predicts V in units of the largest return, 1/(1 - gamma) (100 at
gamma = 0.99): a tanh network asked for outputs near 100 first saturates its hidden units to
get there (measured: every unit of the last hidden layer at |h| > 0.99 after 25 updates), and
a saturated network outputs one constant for every state, so it explains none of the return.
"""
from __future__ import annotations

import functools
import time
from collections import deque
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from core.checkpoint import WEIGHTS
from core.advantage import gae
from core.config import apply_live, knob
from core.envs import env_knob, gamma_knob, hidden_knob, make_vec_env, space_sizes
from core.multiseed import lockstep
from core.nets import CategoricalPolicy, init_linear_layers, mlp
from core.pg import ReinforceConfig, train_reinforce
from core.seeding import RunRandom

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
    """The policy and V(s) = value_scale * critic(s): the critic's network works in units of
    `value_scale` (see `return_scale`), so its outputs stay near 1 whatever the returns."""

    def __init__(self, obs_size: int, n_actions: int, hidden: int, value_scale: float = 1.0):
        super().__init__()
        self.actor = CategoricalPolicy(obs_size, n_actions, hidden)
        self.critic = mlp([obs_size, hidden, hidden, 1])
        self.value_scale = float(value_scale)

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.value_scale * self.critic(obs).squeeze(-1)


def return_scale(env_id: str, gamma: float) -> float:
    """The largest discounted return of a reward of size 1 per step: 1/(1 - gamma), or the
    episode's step limit when that is smaller (gamma = 1)."""
    import gymnasium as gym

    limit = gym.spec(env_id).max_episode_steps or 1000
    return float(limit) if gamma >= 1.0 else min(1.0 / (1.0 - gamma), float(limit))


def explained_variance(values: torch.Tensor, targets: torch.Tensor) -> float:
    """1 - Var(target - V) / Var(target): 1 is a perfect critic, 0 no better than a constant."""
    var = targets.var()
    return float("nan") if var == 0 else float(1 - (targets - values).var() / var)


SLICE_ANGLE, SLICE_VELOCITY = 0.2, 1.0  # CartPole ends at 0.21 rad; 99 % of visited |dθ/dt| < 1


def value_slice(model: ActorCritic, env_id: str, size: int = 31) -> dict:
    """V over a 2-D slice of the state (CartPole: pole angle x angular velocity, the cart at
    rest in the centre), over the range the policy's states actually cover."""
    if env_id != "CartPole-v1":
        return {}
    angles = np.linspace(-SLICE_ANGLE, SLICE_ANGLE, size)
    velocities = np.linspace(-SLICE_VELOCITY, SLICE_VELOCITY, size)
    grid = np.zeros((size, size, 4), dtype=np.float32)
    grid[..., 2], grid[..., 3] = angles[None, :], velocities[:, None]
    with torch.no_grad():
        v = model.value(torch.as_tensor(grid.reshape(-1, 4))).reshape(size, size).numpy()
    return {"angles": angles, "velocities": velocities, "values": v,
            "value_max": model.value_scale}


class RolloutCollector:
    """Steps a vector env with a policy and keeps the episode bookkeeping between rollouts.

    gymnasium's vector envs reset a finished copy on its *next* step (NEXT_STEP autoreset):
    the step that ends an episode returns its true final observation (so a truncated episode
    can bootstrap from it), and the following step of that copy is a reset whose transition
    is marked invalid here and masked out of every loss."""

    def __init__(self, env, seed: int, device: str, generator: torch.Generator | None = None):
        self.env, self.device, self.generator = env, device, generator
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
            action = policy.act(obs_t, generator=self.generator).cpu().numpy()
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
    """Yield one record per update; `lam` overrides config.lam (the MC / TD variants).

    Live knobs (the two learning rates) arrive through the generator's send: the config is
    rebound after every yield and read at every update. Randomness is the run's own
    (core.seeding): the same seed gives the same records whatever runs beside it."""
    lam = config.lam if lam is None else lam
    device = config.device
    rng = RunRandom(seed, device)
    obs_size, n_actions = space_sizes(config.env_id)
    model = ActorCritic(obs_size, n_actions, config.hidden,
                        value_scale=return_scale(config.env_id, config.gamma))
    model = init_linear_layers(model, RunRandom(seed, stream="init").cpu).to(device)
    optimizer = torch.optim.Adam([{"params": model.actor.parameters(), "lr": config.lr},
                                  {"params": model.critic.parameters(), "lr": config.critic_lr}])
    env = make_vec_env(config.env_id, config.envs)
    start = time.perf_counter()
    try:
        rollouts = RolloutCollector(env, seed, device, generator=rng.torch)
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
            changes = yield {
                WEIGHTS: model.state_dict(),  # the live tensors: a checkpoint on request
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
                "critic_lr": float(config.critic_lr),
                "_value_slice": value_slice(model, config.env_id),
            }
            config = apply_live(config, changes)
    finally:
        env.close()


def reinforce_config(config: ActorCriticConfig) -> ReinforceConfig:
    """The REINFORCE the comparison trains beside the actor-critics: the same environment,
    discount, network width, budget and actor learning rate (no baseline, reward-to-go)."""
    return ReinforceConfig(env_id=config.env_id, gamma=config.gamma, hidden=config.hidden,
                           device=config.device, max_updates=config.max_updates, lr=config.lr)


def train_reinforce_variant(config: ActorCriticConfig, seed: int) -> Iterator[dict]:
    """REINFORCE driven by an actor-critic config: a live change of the actor's learning rate
    is mapped onto the inner REINFORCE config and sent on to it."""
    inner = train_reinforce(reinforce_config(config), seed)
    try:
        record = next(inner, None)
        while record is not None:
            changes = yield record
            config = apply_live(config, changes)
            try:
                record = inner.send({"lr": config.lr} if changes else None)
            except StopIteration:
                return
    finally:
        inner.close()


def train_variant(config: ActorCriticConfig, variant: str, seed: int) -> Iterator[dict]:
    """One of VARIANTS: REINFORCE, or actor-critic with lambda 1 (MC), 0 (TD) or config.lam."""
    if variant == "reinforce":
        return train_reinforce_variant(config, seed)
    return train_actor_critic(config, seed, lam={"mc": 1.0, "td": 0.0, "gae": None}[variant])


def train_comparison(config: ActorCriticConfig, seeds: Sequence[int]) -> Iterator[dict]:
    """Every one of VARIANTS on the same seeds, in lockstep (core.multiseed). A module-level
    function, so `functools.partial(train_comparison, seeds=...)` describes a run picklably."""
    return lockstep(functools.partial(train_variant, config), VARIANTS, list(seeds))
