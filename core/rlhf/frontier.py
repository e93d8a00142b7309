"""Every way to spend the same reward model (or its labels) on one chart: gold score against
the KL to the reference.

PPO (two leashes), GRPO and RLOO (no critic, the same leash), DPO (two betas, no reward model
and no sampling while training) and best-of-N (no training at all) all start from the same
tiny GPT-2 with the same seed, and every point is measured the same way: the exact KL of the
policy to the reference summed over a completion, the reward model's score (the proxy the RL
methods climb) and the labeler's hidden score (gold). Whichever method reaches more gold for
the same KL spends its leash better (Gao et al. 2023; Rafailov et al. 2023).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from core.config import knob
from core.rlhf.best_of_n import best_of_n_rows, doublings
from core.rlhf.dpo import DPOConfig, train_dpo
from core.rlhf.group_baselines import GroupConfig, train_group
from core.rlhf.ppo_lm import RLHFConfig, train_rlhf

PPO_BETAS = (0.05, 0.5)
DPO_BETAS = (0.1, 0.5)
KEPT = ("update", "kl", "rm_reward", "gold")


@dataclass
class FrontierConfig:
    updates: int = knob(25, "Updates per method", "PPO, GRPO and RLOO updates (DPO takes twice as many "
                        "steps: each is a fifth of the cost).", lo=5, hi=200)
    n_max: int = knob(64, "Best-of-N: largest N", "Best-of-N for N = 1, 2, 4, … up to this.",
                      choices=(16, 64, 256))
    device: str = "cpu"


METHODS = ([f"PPO β={b:g}" for b in PPO_BETAS] + ["GRPO", "RLOO"]  # the chart's runs, in training order
           + [f"DPO β={b:g}" for b in DPO_BETAS] + ["best-of-N"])


def all_methods(config: FrontierConfig, lm, tokenizer, rm, pairs: list[dict], prompts: list[str],
                seed: int) -> Iterator[dict]:
    """One record per update (per DPO measurement, per best-of-N's N), tagged with its method:
    its KL, proxy and gold. Each method starts from `lm` with the same seed."""
    n, device = config.updates, config.device

    def tagged(method, records, smooth):
        for record in records:
            if record.get("measured", True):  # DPO measures every few steps only
                yield {"method": method, "smooth": smooth, **{k: record[k] for k in KEPT}}

    for beta in PPO_BETAS:
        ppo = RLHFConfig(beta=beta, max_updates=n, device=device)
        yield from tagged(f"PPO β={beta:g}", train_rlhf(ppo, lm, tokenizer, rm, prompts, seed), True)
    for name, estimator in (("GRPO", "grpo"), ("RLOO", "rloo")):
        group = GroupConfig(estimator=estimator, max_updates=n, device=device)
        yield from tagged(name, train_group(group, lm, tokenizer, rm, prompts, seed), True)
    for beta in DPO_BETAS:
        dpo = DPOConfig(beta=beta, max_updates=2 * n, device=device)
        yield from tagged(f"DPO β={beta:g}", train_dpo(dpo, lm, tokenizer, pairs, prompts, seed, rm=rm), False)
    rows = best_of_n_rows(lm.to(device), tokenizer, rm.to(device).eval(), [p for p in prompts for _ in range(8)],
                          doublings(config.n_max), seed)
    for i, row in enumerate(rows, start=1):
        yield {"method": "best-of-N", "smooth": False, "update": i, "kl": row["kl"],
               "rm_reward": row["proxy"], "gold": row["gold"], "n": row["n"]}


def method_trails(records: list[dict], window: int = 5) -> dict[str, dict[str, np.ndarray]]:
    """Per method, in the order first seen: KL, proxy and gold, as trailing means over `window`
    updates for the sampled RL runs (one update's batch is noisy, and a raw trail zigzags along
    the KL axis), as they are for DPO's measurements and best-of-N's rows."""
    trails = {}
    for method in dict.fromkeys(r["method"] for r in records):
        rows = sorted((r for r in records if r["method"] == method), key=lambda r: r["update"])
        w = min(window, len(rows)) if rows[0].get("smooth") else 1
        kernel = np.ones(w) / w

        def mean(key):
            return np.convolve([r[key] for r in rows], kernel, mode="valid")

        trails[method] = {"update": np.array([r.get("n", r["update"]) for r in rows[w - 1:]]),
                          "kl": mean("kl"), "proxy": mean("rm_reward"), "gold": mean("gold")}
    return trails
