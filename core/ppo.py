"""Proximal policy optimisation (Schulman et al. 2017), in one readable file.

Each update collects a rollout with pi_old, computes GAE advantages, then takes several epochs
of minibatch steps on a surrogate of the importance-weighted advantage r A, r = pi / pi_old,
kept honest in one of four ways (the `variant`):

    "clip"         L = min(r A, clip(r, 1 - eps, 1 + eps) A)        the PPO objective
    "adaptive_kl"  L = r A - beta KL(pi_old || pi), beta halved when KL < d/1.5, doubled > 1.5 d
    "fixed_kl"     L = r A - beta KL(pi_old || pi), beta fixed
    "none"         L = r A                                           no constraint at all

The implementation details that matter (advantage normalisation, clipped value loss, entropy
bonus, gradient-norm clipping, orthogonal initialisation, learning-rate annealing) are config
fields; diagnostics carry CleanRL's names (approx_kl, clipfrac, explained_variance, ...).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from core.checkpoint import WEIGHTS
from core.actor_critic import (ActorCritic, RolloutCollector, advantages_and_targets,
                               explained_variance)
from core.config import apply_live, knob
from core.envs import RETURN_RANGE, env_knob, gamma_knob, hidden_knob, make_vec_env, space_sizes
from core.multiseed import lockstep
from core.nets import init_linear_layers
from core.seeding import RunRandom

VARIANTS = ("clip", "adaptive_kl", "fixed_kl", "none")
VARIANT_LABELS = {"clip": "PPO-clip", "adaptive_kl": "adaptive KL penalty",
                  "fixed_kl": "fixed KL penalty", "none": "no constraint"}


def clipped_surrogate(ratio: torch.Tensor, advantages: torch.Tensor, eps: float) -> torch.Tensor:
    """min(r A, clip(r, 1-eps, 1+eps) A), per sample. Its gradient is zero where the clip
    binds in the direction A pushes: r > 1+eps with A > 0, r < 1-eps with A < 0."""
    return torch.min(ratio * advantages, torch.clamp(ratio, 1 - eps, 1 + eps) * advantages)


def kl_penalized_surrogate(ratio: torch.Tensor, advantages: torch.Tensor, kl: torch.Tensor,
                           beta: float) -> torch.Tensor:
    """r A - beta KL, per sample (kl: KL(pi_old || pi) at the sample's state)."""
    return ratio * advantages - beta * kl


def sample_kl(ratio):
    """(r - 1) - log r: a one-sample estimate of KL(pi_old || pi) from the ratio alone
    (unbiased, never negative; CleanRL's approx_kl). Works on tensors and numpy arrays."""
    log = torch.log if isinstance(ratio, torch.Tensor) else np.log
    return (ratio - 1) - log(ratio)


def adapt_beta(beta: float, kl: float, target: float) -> float:
    """The adaptive-KL rule of the PPO paper: halve beta when KL < target / 1.5, double it when
    KL > 1.5 target, else keep it."""
    if kl < target / 1.5:
        return beta / 2
    if kl > target * 1.5:
        return beta * 2
    return beta


def proportional_beta(beta: float, kl: float, target: float, n_steps: int, horizon: int) -> float:
    """The adaptive-KL controller of Ziegler et al. (2019), as RLHF libraries use it (TRL's
    AdaptiveKLController): move beta in proportion to the KL's relative error, clipped to
    +-20 %, at a pace of n_steps / horizon (n_steps: samples in this update)."""
    error = min(max((kl - target) / target, -0.2), 0.2)
    return beta * (1 + error * n_steps / horizon)


@dataclass
class PPOConfig:
    env_id: str = env_knob()
    lr: float = knob(0.0025, "Learning rate", "Adam step size; can be changed while training.",
                     lo=1e-5, hi=0.03, log=True, live=True)
    clip_eps: float = knob(0.2, "Clip ε", "PPO-clip keeps r within [1 − ε, 1 + ε].", lo=0.01,
                           hi=1.0, step=0.01, live=True)
    kl_beta: float = knob(1.0, "KL penalty β", "Weight of the KL penalty (its start value when "
                          "adaptive).", lo=0.0, hi=20.0, step=0.1)
    kl_target: float = knob(0.01, "KL target d", "The adaptive penalty steers the KL towards it.",
                            lo=0.001, hi=0.2, step=0.001)
    envs: int = knob(8, "Parallel envs", "Vectorised environments.", lo=1, hi=64)
    steps: int = knob(64, "Steps per rollout", "Steps per env between updates.", lo=8, hi=1024)
    epochs: int = knob(10, "Epochs", "Passes over each rollout.", lo=1, hi=30)
    minibatches: int = knob(4, "Minibatches", "Each epoch is split into this many steps.",
                            lo=1, hi=32)
    gamma: float = gamma_knob()
    gae_lambda: float = knob(0.95, "GAE λ", "0 = TD advantage, 1 = Monte-Carlo advantage.",
                             lo=0.0, hi=1.0, step=0.01)
    hidden: int = hidden_knob(64, "actor and critic")
    norm_adv: bool = knob(True, "Normalise advantages", "Per minibatch, to mean 0 and std 1: "
                          "the step size then does not depend on the reward scale.")
    clip_vloss: bool = knob(False, "Clip the value loss", "Keep V near its old prediction too "
                            "(CleanRL's default; often unhelpful).")
    entropy_coef: float = knob(0.0, "Entropy bonus", "Rewards a more random policy: slows "
                               "premature collapse.", lo=0.0, hi=0.1, step=0.001)
    max_grad_norm: float = knob(0.5, "Max gradient norm", "Rescale any larger gradient (0 = off).",
                                lo=0.0, hi=10.0, step=0.1)
    ortho_init: bool = knob(True, "Orthogonal init", "Orthogonal weights, a near-uniform first "
                            "policy (tiny output layer) and zero biases.")
    anneal_lr: bool = knob(False, "Anneal the learning rate", "Decay it linearly to 0 over the "
                           "run's updates.")
    max_updates: int = knob(200, "Updates", "Stop after this many updates.", lo=1, hi=5000)
    value_coef: float = 0.5
    device: str = "cpu"


def orthogonal_init(model: ActorCritic, generator: torch.Generator | None = None) -> None:
    """CleanRL's layer_init: orthogonal weights (gain sqrt 2), zero biases; the policy's last
    layer at gain 0.01 (a near-uniform first policy), the critic's at gain 1. Drawn from
    `generator` (a CPU generator; None: torch's global one)."""
    for net, last_gain in ((model.actor.logits, 0.01), (model.critic, 1.0)):
        linears = [m for m in net if isinstance(m, nn.Linear)]
        for i, layer in enumerate(linears):
            nn.init.orthogonal_(layer.weight, last_gain if i == len(linears) - 1 else math.sqrt(2),
                                generator=generator)
            nn.init.zeros_(layer.bias)


def ppo_loss(variant: str, ratio, advantages, kl_per_state, config: PPOConfig, beta: float):
    """Minus the variant's surrogate, averaged over the minibatch."""
    if variant == "clip":
        return -clipped_surrogate(ratio, advantages, config.clip_eps).mean()
    if variant in ("adaptive_kl", "fixed_kl"):
        return -kl_penalized_surrogate(ratio, advantages, kl_per_state, beta).mean()
    if variant == "none":
        return -(ratio * advantages).mean()
    raise ValueError(f"unknown PPO variant {variant!r}")


def train_ppo(config: PPOConfig, seed: int, variant: str = "clip") -> Iterator[dict]:
    """Yield one record per update (see the module docstring).

    Live knobs (learning rate, clip ε) arrive through the generator's send: `config` is
    rebound after every yield and read at every update, and each record carries their current
    values. Randomness is the run's own (core.seeding): the policy's coins, the minibatch order
    and the sample of points shown on the surface each have their own stream, so the same seed
    gives the same records whatever trains beside it."""
    device = config.device
    coins = RunRandom(seed, device)
    shuffle = RunRandom(seed, device, stream="minibatch")
    show = RunRandom(seed, "cpu", stream="shown")
    obs_size, n_actions = space_sizes(config.env_id)
    init = RunRandom(seed, stream="init").cpu  # the weights are drawn from the run's own generator
    model = ActorCritic(obs_size, n_actions, config.hidden)
    if config.ortho_init:
        orthogonal_init(model, init)
    else:
        init_linear_layers(model, init)
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, eps=1e-5)
    env = make_vec_env(config.env_id, config.envs)
    beta, start = config.kl_beta, time.perf_counter()
    try:
        rollouts = RolloutCollector(env, seed, device, generator=coins.torch)
        for update in range(1, config.max_updates + 1):
            lr = config.lr * (1 - (update - 1) / config.max_updates) if config.anneal_lr else config.lr
            for group in optimizer.param_groups:
                group["lr"] = lr
            t = rollouts.collect(model.actor, config.steps)
            advantages, targets, values = advantages_and_targets(model, t, config.gamma,
                                                                 config.gae_lambda)
            keep = t["valid"].reshape(-1).bool()  # drop the masked autoreset steps
            obs, act = t["obs"].reshape(-1, obs_size)[keep], t["act"].reshape(-1).long()[keep]
            adv, ret, old_v = advantages.reshape(-1)[keep], targets.reshape(-1)[keep], values.reshape(-1)[keep]
            with torch.no_grad():
                old_logp_all = model.actor(obs)
            old_logp = old_logp_all.gather(-1, act[:, None]).squeeze(-1)

            n = len(obs)
            size = max(1, n // config.minibatches)
            clipfracs, approx_kls = [], []
            for _ in range(config.epochs):
                order = torch.randperm(n, device=device, generator=shuffle.torch)
                for i in range(0, n, size):
                    idx = order[i:i + size]
                    logp_all = model.actor(obs[idx])
                    logratio = logp_all.gather(-1, act[idx, None]).squeeze(-1) - old_logp[idx]
                    ratio = logratio.exp()
                    mb_adv = adv[idx]
                    if config.norm_adv and len(idx) > 1:
                        mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                    kl_per_state = (old_logp_all[idx].exp() * (old_logp_all[idx] - logp_all)).sum(-1)
                    policy_loss = ppo_loss(variant, ratio, mb_adv, kl_per_state, config, beta)
                    new_v = model.value(obs[idx])
                    if config.clip_vloss:
                        clipped_v = old_v[idx] + torch.clamp(new_v - old_v[idx], -config.clip_eps, config.clip_eps)
                        value_loss = 0.5 * torch.max((new_v - ret[idx]) ** 2, (clipped_v - ret[idx]) ** 2).mean()
                    else:
                        value_loss = 0.5 * ((new_v - ret[idx]) ** 2).mean()
                    entropy = -(logp_all.exp() * logp_all).sum(-1).mean()
                    loss = policy_loss + config.value_coef * value_loss - config.entropy_coef * entropy
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    if config.max_grad_norm > 0:
                        nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                    optimizer.step()
                    with torch.no_grad():
                        approx_kls.append(float(sample_kl(ratio).mean()))
                        clipfracs.append(float(((ratio - 1).abs() > config.clip_eps).float().mean()))

            with torch.no_grad():
                logp_all = model.actor(obs)
                kl = float((old_logp_all.exp() * (old_logp_all - logp_all)).sum(-1).mean())
                ratio_all = (logp_all.gather(-1, act[:, None]).squeeze(-1) - old_logp).exp()
                entropy = float(-(logp_all.exp() * logp_all).sum(-1).mean())
            if variant == "adaptive_kl":
                beta = adapt_beta(beta, kl, config.kl_target)
            shown = torch.as_tensor(show.numpy.permutation(n)[:300], device=device)
            changes = yield {
                "update": update, "env_steps": rollouts.env_steps,
                "time_s": time.perf_counter() - start,
                "return_avg20": rollouts.return_avg20, "episodes": len(rollouts.recent),
                "approx_kl": float(np.mean(approx_kls)), "kl": kl,
                "clipfrac": float(np.mean(clipfracs)), "entropy": entropy,
                "value_loss": float(value_loss.item()),
                "explained_variance": explained_variance(old_v, ret),
                "beta": float(beta) if variant in ("adaptive_kl", "fixed_kl") else 0.0,
                "lr": float(lr), "clip_eps": float(config.clip_eps),
                "_ratios": ratio_all.cpu().numpy(),
                "_points": {"ratio": ratio_all[shown].cpu().numpy(), "advantage": adv[shown].cpu().numpy()},
                WEIGHTS: model.state_dict(),  # the live tensors: a checkpoint on request
            }
            config = apply_live(config, changes)
    finally:
        env.close()



def train_ppo_comparison(config: PPOConfig, seeds: Sequence[int]) -> Iterator[dict]:
    """Every one of VARIANTS on the same seeds, in lockstep (core.multiseed). Module-level, so
    `functools.partial(train_ppo_comparison, seeds=...)` describes the run picklably."""
    return lockstep(lambda variant, seed: train_ppo(config, seed, variant), VARIANTS, list(seeds))

def normalized_scores(final_returns: np.ndarray, best_observed: float, env_id: str) -> np.ndarray:
    """Schulman et al.'s normalisation: 0 is a random policy, 1 the best return observed."""
    random_return = RETURN_RANGE[env_id][0]
    span = best_observed - random_return
    return (final_returns - random_return) / span if span > 0 else np.zeros_like(final_returns)


def surface(ratios: np.ndarray, eps: float, beta: float) -> dict[str, np.ndarray]:
    """The two surrogates as functions of r for A = +1 and A = -1 (the KL penalty estimated
    per sample by (r - 1) - log r), computed with the same functions training uses."""
    r = torch.as_tensor(ratios, dtype=torch.float64)
    out = {}
    for sign, name in ((1.0, "pos"), (-1.0, "neg")):
        a = torch.full_like(r, sign)
        out[f"clip_{name}"] = clipped_surrogate(r, a, eps).numpy()
        out[f"kl_{name}"] = kl_penalized_surrogate(r, a, sample_kl(r), beta).numpy()
    return out


def silenced(ratio: np.ndarray, advantage: np.ndarray, eps: float) -> np.ndarray:
    """Samples whose clipped-surrogate gradient is zero: the clip binds in the direction A
    pushes (r > 1 + eps with A > 0, or r < 1 - eps with A < 0)."""
    return ((advantage > 0) & (ratio > 1 + eps)) | ((advantage < 0) & (ratio < 1 - eps))


def on_surface(ratio: np.ndarray, advantage: np.ndarray, eps: float) -> np.ndarray:
    """Each sample's clipped surrogate per unit |A|: where it sits on the A = +1 or A = -1 curve."""
    r, a = torch.as_tensor(ratio, dtype=torch.float64), torch.as_tensor(advantage, dtype=torch.float64)
    return (clipped_surrogate(r, a, eps) / a.abs().clamp(min=1e-12)).numpy()


def variants_table(records: list[dict], env_id: str) -> list[dict]:
    """Per variant: final return normalised between a random policy (0) and the best return
    observed anywhere in the run (1), mean and standard deviation over seeds."""
    best = max(float(np.max(r["return_avg20"])) for r in records)
    last = records[-1]
    rows = []
    for i, variant in enumerate(last["variants"]):
        scores = normalized_scores(np.asarray(last["return_avg20"][i]), best, env_id)
        rows.append({"variant": VARIANT_LABELS[variant], "normalised score": float(scores.mean()),
                     "± sd over seeds": float(scores.std()),
                     "final return": float(np.mean(last["return_avg20"][i]))})
    return rows
