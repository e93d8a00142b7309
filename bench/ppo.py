"""Figures for the PPO page.

- ppo_cartpole_time_to_475_s / ppo_cartpole_steps_to_475: PPO-clip with the page's defaults,
  through the UI's runner, until the mean of the last 20 episodes reaches 475 (median of 3
  seeds). Targets: under 5 s and under 50,000 environment steps.
- ppo_variants_table: the four variants for 60 updates on 3 seeds, each final return normalised
  between a random policy (0) and the best return observed (1), mean and sd over seeds.
"""
import statistics

from bench.targets import time_to_target
from core.multiseed import lockstep
from core.ppo import VARIANTS, PPOConfig, train_ppo, variants_table

SEEDS = (1, 2, 3)
TABLE_UPDATES = 60


def run():
    results = [time_to_target(lambda s=seed: train_ppo(PPOConfig(max_updates=100_000), s), 475.0)
               for seed in SEEDS]
    detail = {"seeds": list(SEEDS), "per_seed_s": [r[0] for r in results],
              "per_seed_steps": [r[1] for r in results],
              "config": "PPOConfig() defaults: 8 envs x 64 steps, 10 epochs x 4 minibatches, "
                        "lr 2.5e-3, clip 0.2, GAE 0.95, advantage normalisation, grad-norm 0.5, "
                        "orthogonal init, 1 torch thread"}
    yield "ppo_cartpole_time_to_475_s", statistics.median(r[0] for r in results), "s", detail
    yield "ppo_cartpole_steps_to_475", statistics.median(r[1] for r in results), "steps", detail
    records = list(lockstep(lambda v, s: train_ppo(PPOConfig(max_updates=TABLE_UPDATES), s, v),
                            VARIANTS, SEEDS))
    table = variants_table(records, "CartPole-v1")
    clip = next(row for row in table if row["variant"] == "PPO-clip")
    yield "ppo_variants_table", clip["normalised score"], "PPO-clip normalised score", {
        "table": table, "updates": TABLE_UPDATES, "seeds": list(SEEDS)}
