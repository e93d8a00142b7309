"""Figures for the importance-sampling page.

- is_update_ms: server-side time from a Gaussian slider change to new figures with 10,000
  samples (median of 20 changes of the proposal mean);
- offpolicy_reuse_best_k: among K = 1, 4, 16 gradient steps per batch, the K with the best
  mean return (last 20 episodes) once 50,000 environment steps have been collected, mean of 3
  seeds (a figure, not a target).
"""
import numpy as np

from bench.apptest import slider_change_ms
from core.offpolicy import REUSE, ReuseConfig, train_reuse

SEEDS = (1, 2, 3)
BUDGET = 50_000


def return_at_budget(k: int, seed: int) -> float:
    for record in train_reuse(ReuseConfig(max_updates=100_000), seed, k):
        if record["env_steps"] >= BUDGET:
            return record["return_avg20"]
    return float("nan")


def run():
    median, worst = slider_change_ms("views/off_policy.py", "is_mu_q",
                                     [0.5, 0.7, 0.9, 1.1, 1.3, -0.5, 0.0, 2.0, 0.6],
                                     query={"is_n": "10000"})
    yield "is_update_ms", median, "ms", {"max_ms": worst, "samples": 10_000}
    means = {k: float(np.mean([return_at_budget(k, s) for s in SEEDS])) for k in REUSE}
    best = max(means, key=means.get)
    yield "offpolicy_reuse_best_k", float(best), "K", {
        "mean_return_at_budget": {str(k): v for k, v in means.items()}, "budget_env_steps": BUDGET,
        "seeds": list(SEEDS)}
