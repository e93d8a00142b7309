"""Small networks: a policy over discrete actions and a state-value critic."""
from __future__ import annotations

import torch
from torch import nn


def mlp(sizes: list[int], activation=nn.Tanh) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class CategoricalPolicy(nn.Module):
    """pi(a|s) = softmax(logits(s)); `act` samples without building a Distribution object
    (that alone costs more than the forward pass of a net this small)."""

    def __init__(self, obs_size: int, n_actions: int, hidden: int):
        super().__init__()
        self.logits = mlp([obs_size, hidden, hidden, n_actions])

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.logits(obs), dim=-1)

    @torch.no_grad()
    def act(self, obs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Sample one action per row; pass the run's generator (core.seeding) so the draw
        is the run's own, not the process's."""
        return torch.multinomial(self(obs).exp(), 1, generator=generator).squeeze(-1)
