"""Small networks: a policy over discrete actions and a state-value critic."""
from __future__ import annotations

import math

import torch
from torch import nn


def mlp(sizes: list[int], activation=nn.Tanh) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def init_linear_layers(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """Redraw every nn.Linear of `module` with PyTorch's default init (Kaiming-uniform weights
    with a = sqrt 5, biases uniform in ±1/sqrt(fan_in)), from `generator` (a CPU generator; call
    before moving the module to another device).

    Why: a layer's constructor draws from torch's global generator, and a thread that reseeds
    it between two constructors (another session, a notebook) changes the weights. Drawn from
    the run's own generator they are the seed's alone."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                bound = 1 / math.sqrt(layer.in_features) if layer.in_features > 0 else 0.0
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return module


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
