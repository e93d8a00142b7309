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


def best_of_n_sweep(lm, tokenizer, rm, prompts: list[str], ns: list[int], seed: int,
                    new_tokens: int = 16, batch: int = 256) -> list[dict]:
    """Best-of-N for each N in `ns`, on the same samples: max(ns) completions per prompt are
    drawn once, and best-of-N keeps the best of the first N (so a larger N only adds samples).
    One row per N: the kept completions' mean reward-model score (proxy) and gold score,
    and the analytic KL."""
    import numpy as np

    from core.rlhf.labeler import gold_score
    from core.rlhf.model import Sampling, decode, sample
    from core.rlhf.reward import score
    from core.seeding import RunRandom

    if not ns or min(ns) < 1:
        raise ValueError("best-of-N needs N >= 1.")
    coins = RunRandom(seed, str(next(lm.parameters()).device), stream="best-of-n").torch
    n_max = max(ns)
    asked = [p for p in prompts for _ in range(n_max)]  # each prompt's samples side by side
    texts = []
    for i in range(0, len(asked), batch):
        _, _, tokens = sample(lm, tokenizer, asked[i:i + batch], Sampling(new_tokens=new_tokens), coins)
        texts += [p + " " + t for p, t in zip(asked[i:i + batch], decode(tokenizer, tokens))]
    proxy = torch.as_tensor(score(rm, tokenizer, texts)).view(len(prompts), n_max)
    gold = torch.tensor([gold_score(t) for t in texts], dtype=torch.float64).view(len(prompts), n_max)
    rows = []
    for n in sorted(ns):
        kept = best_of_n(proxy[:, :n])
        picked = torch.arange(len(prompts))
        rows.append({"n": n, "kl": best_of_n_kl(n), "proxy": float(proxy[picked, kept].mean()),
                     "gold": float(gold[picked, kept].mean()),
                     "gold_se": float(np.std(gold[picked, kept].numpy()) / np.sqrt(len(prompts)))})
    return rows
