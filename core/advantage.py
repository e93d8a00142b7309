"""The advantage, estimated with a critic: GAE(gamma, lambda) (Schulman et al. 2016).

    delta_t = r_t + gamma V(s_{t+1}) - V(s_t)                 (the TD error)
    A_t     = delta_t + gamma lambda A_{t+1}   (cut where an episode ends)

lambda = 0 gives the one-step TD error: low variance, but as biased as the critic.
lambda = 1 gives the discounted return minus V(s_t): unbiased whatever the critic, noisy.
"""
from __future__ import annotations

import torch


def gae(rewards: torch.Tensor, values: torch.Tensor, next_values: torch.Tensor,
        episode_ends: torch.Tensor, gamma: float, lam: float) -> torch.Tensor:
    """Advantages along dim 0 (time); any trailing dims are independent envs.

    next_values[t] is V(s_{t+1}) for the *true* next state, already 0 where the episode
    terminated (a truncated episode still bootstraps from its last state);
    episode_ends[t] is 1 where an episode ended at step t (terminated or truncated), so the
    sum does not run into the next episode."""
    deltas = rewards + gamma * next_values - values
    advantages = torch.zeros_like(deltas)
    running = torch.zeros_like(deltas[0])
    for t in range(deltas.shape[0] - 1, -1, -1):
        running = deltas[t] + gamma * lam * (1.0 - episode_ends[t]) * running
        advantages[t] = running
    return advantages
