"""Shared check of convention 1 (issue 10 item 8): a trainer draws from its own generators only."""
from typing import Callable, Iterator

import numpy as np
import torch


def public_numbers(record: dict) -> dict:
    """A record's public values, wall-clock time left out (arrays as lists, comparable with ==)."""
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in record.items()
            if not k.startswith("_") and k != "time_s"}


def interleaved_with_reseeds(mine: Iterator[dict], other: Iterator[dict], n: int,
                             numbers: Callable[[dict], dict] = public_numbers) -> list[dict]:
    """`mine`'s first n records while `other` (another seed) advances between them and a
    neighbour reseeds and draws from torch's and numpy's global generators."""
    out = []
    for _ in range(n):
        next(other)
        out.append(numbers(next(mine)))
        torch.manual_seed(123)
        np.random.seed(123)
        torch.rand(100)
        torch.randperm(50)
    return out
