"""Best-of-N: sample N completions, keep the one the reward model scores highest.

The simplest way to spend a reward model, and a policy of its own: its KL to the sampling
policy is (for rewards without ties) exactly

    KL(best-of-N || pi) = log N - (N - 1) / N

whatever the rewards are (Stiennon et al. 2020, appendix; Beirami et al. 2024 show it is an
upper bound when ties occur). Gao et al. (2023) measure gold reward against it: the proxy
reward keeps rising with N while the gold reward rises, peaks and falls.
"""
from __future__ import annotations

import math

import torch


def best_of_n_kl(n: int) -> float:
    """KL(best-of-n || pi) in nats: 0 for n = 1, growing like log n."""
    if n < 1:
        raise ValueError("best-of-N needs N >= 1.")
    return math.log(n) - (n - 1) / n


def best_of_n(scores: torch.Tensor) -> torch.Tensor:
    """(prompts, N) reward-model scores -> the index of the kept completion per prompt (the
    first of the highest, so a tie keeps the earlier sample)."""
    return scores.argmax(-1)
