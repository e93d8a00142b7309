"""Each run draws from its own random generators, never from torch's or numpy's global ones.

Why: runs train side by side (K seeds x variants in lockstep, two sessions' threads in one
server, a test beside a page). A trainer that calls `torch.manual_seed` and then samples from
the global generator changes what every neighbour draws, so "same seed, same curve" breaks.
Here a trainer asks for `RunRandom(seed, device)` and passes its generators explicitly
(`torch.multinomial(..., generator=rng.torch)`, `rng.numpy.permutation(...)`), and draws its
networks' initial weights from its own generator too (`core.nets.init_linear_layers`): a
layer's constructor draws from the global generator, which any other thread may reseed at any
moment, so those first weights are drawn again from the run's `init` stream.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import torch


def stream_seed(seed: int, stream: str = "") -> int:
    """A 63-bit seed for one named stream of a run: independent streams (the policy's coins,
    the minibatch order, ...) from one user seed, and the same numbers every time."""
    entropy = [int(seed) & 0xFFFFFFFF, int(seed) >> 32, zlib.crc32(stream.encode())]
    return int(np.random.SeedSequence(entropy).generate_state(2, dtype=np.uint32).view(np.uint64)[0] >> 1)


@dataclass
class RunRandom:
    """One run's generators: `torch` on the run's device, `cpu` for CPU-side tensors, and
    `numpy`. Two RunRandoms with the same seed and stream draw the same numbers."""

    seed: int
    device: str = "cpu"
    stream: str = ""
    torch: torch.Generator = field(init=False)
    cpu: torch.Generator = field(init=False)
    numpy: np.random.Generator = field(init=False)

    def __post_init__(self):
        s = stream_seed(self.seed, self.stream)
        self.torch = torch.Generator(device=self.device).manual_seed(s)
        self.cpu = self.torch if torch.device(self.device).type == "cpu" else torch.Generator().manual_seed(s)
        self.numpy = np.random.default_rng(s)
