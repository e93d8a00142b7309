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
import time
from dataclasses import dataclass
from typing import Iterator

import torch

from core.config import knob


def best_of_n_kl(n: int) -> float:
    """KL(best-of-n || pi) in nats: 0 for n = 1, growing like log n."""
    if n < 1:
        raise ValueError("best-of-N needs N >= 1.")
    return math.log(n) - (n - 1) / n


def best_of_n(scores: torch.Tensor) -> torch.Tensor:
    """(prompts, N) reward-model scores -> the index of the kept completion per prompt (the
    first of the highest, so a tie keeps the earlier sample)."""
    return scores.argmax(-1)


def best_of_n_rows(lm, tokenizer, rm, prompts: list[str], ns: list[int], seed: int,
                   new_tokens: int = 16, batch: int = 256) -> Iterator[dict]:
    """Best-of-N for each N in `ns` (ascending), on nested samples: each prompt's completions
    are drawn once, in order, and best-of-N keeps the best of the first N, so a larger N only
    adds samples (and a row is ready as soon as its samples are). One row per N: the kept
    completions' mean reward-model score (proxy) and gold score with its standard error, and
    the analytic KL."""
    from core.rlhf.labeler import gold_score
    from core.rlhf.model import Sampling, decode, sample
    from core.rlhf.reward import score
    from core.seeding import RunRandom

    if not ns or min(ns) < 1:
        raise ValueError("best-of-N needs N >= 1.")
    coins = RunRandom(seed, str(next(lm.parameters()).device), stream="best-of-n").torch
    proxy = torch.empty(len(prompts), 0, dtype=torch.float64)
    gold = torch.empty(len(prompts), 0, dtype=torch.float64)
    picked = torch.arange(len(prompts))
    for n in sorted(set(ns)):
        more = n - proxy.shape[1]
        if more > 0:
            asked = [p for p in prompts for _ in range(more)]  # each prompt's new samples side by side
            texts = []
            for i in range(0, len(asked), batch):
                _, _, tokens = sample(lm, tokenizer, asked[i:i + batch], Sampling(new_tokens=new_tokens), coins)
                texts += [p + " " + t for p, t in zip(asked[i:i + batch], decode(tokenizer, tokens))]
            new_proxy = torch.as_tensor(score(rm, tokenizer, texts), dtype=torch.float64).view(len(prompts), more)
            new_gold = torch.tensor([gold_score(t) for t in texts], dtype=torch.float64).view(len(prompts), more)
            proxy, gold = torch.cat([proxy, new_proxy], 1), torch.cat([gold, new_gold], 1)
        kept = best_of_n(proxy[:, :n])
        kept_gold = gold[picked, kept]
        yield {"n": n, "kl": best_of_n_kl(n), "proxy": float(proxy[picked, kept].mean()),
               "gold": float(kept_gold.mean()),
               "gold_se": float(kept_gold.std(unbiased=False) / len(prompts) ** 0.5)}


def best_of_n_sweep(lm, tokenizer, rm, prompts: list[str], ns: list[int], seed: int,
                    new_tokens: int = 16, batch: int = 256) -> list[dict]:
    """All of `best_of_n_rows` at once."""
    return list(best_of_n_rows(lm, tokenizer, rm, prompts, ns, seed, new_tokens, batch))


@dataclass(frozen=True)
class BestOfNConfig:
    n_max: int = knob(1024, "Largest N", "Best-of-N for N = 1, 2, 4, … up to this.", choices=(16, 64, 256, 1024))
    repeats: int = knob(4, "Samples of each prompt", "Each of the 6 prompts is asked this many times; "
                        "more gives a smaller standard error.", lo=1, hi=32)
    rm_pairs: int = knob(100, "Labels for the reward model", "The first this many of the shipped labels "
                         "train the reward model best-of-N consults (all of them, without errors: "
                         "the shipped reward model itself).", lo=20, hi=981)
    rm_flip: float = knob(0.3, "Labeler's error rate", "Share of those labels reversed before training.",
                          lo=0.0, hi=0.5, step=0.05)
    new_tokens: int = knob(16, "New tokens", "Length of each completion.", lo=4, hi=48)
    device: str = "cpu"


def doublings(n_max: int) -> list[int]:
    """1, 2, 4, … up to n_max (n_max itself last, when it is no power of two)."""
    ns = [1]
    while ns[-1] * 2 <= n_max:
        ns.append(ns[-1] * 2)
    return ns + ([n_max] if ns[-1] != n_max else [])


def train_best_of_n(config: BestOfNConfig, lm, tokenizer, pairs: list[dict], rm, prompts: list[str],
                    seed: int) -> Iterator[dict]:
    """Best-of-N as a run the page can watch: one record per N (doubling), as `best_of_n_rows`.
    The reward model is `rm` (trained on `pairs`) when the config asks for all of them without
    errors; otherwise one trained first on the config's share of them, with its errors."""
    from core.rlhf.labeler import careless_labels
    from core.rlhf.reward import RewardConfig, train_reward_model

    start = time.perf_counter()
    if config.rm_pairs < len(pairs) or config.rm_flip > 0:
        labels = careless_labels(pairs, config.rm_pairs, config.rm_flip, seed)
        rm = list(train_reward_model(RewardConfig(device=config.device), lm, tokenizer, labels, seed))[-1]["_rm"]
    lm, rm = lm.to(config.device), rm.to(config.device).eval()
    asked = [p for p in prompts for _ in range(config.repeats)]
    for step, row in enumerate(best_of_n_rows(lm, tokenizer, rm, asked, doublings(config.n_max), seed,
                                              config.new_tokens), start=1):
        yield {"update": step, **row, "time_s": time.perf_counter() - start}
