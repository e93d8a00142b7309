"""REINFORCE with reward-to-go on CartPole-v1 until the mean of the last 20 episodes reaches
475: wall time and environment steps, median of 3 seeds, driven through the UI's runner."""
import statistics

from bench.targets import time_to_target
from core.pg import ReinforceConfig, train_reinforce

SEEDS = (1, 2, 3)


def run():
    results = [time_to_target(lambda s=seed: train_reinforce(ReinforceConfig(max_updates=100_000), s), 475.0)
               for seed in SEEDS]
    detail = {"seeds": list(SEEDS), "per_seed_s": [r[0] for r in results],
              "per_seed_steps": [r[1] for r in results], "per_seed_updates": [r[2] for r in results],
              "config": "ReinforceConfig() defaults: 8 episodes/update, lr 0.01, hidden 32, "
                        "gamma 0.99, reward-to-go, 1 torch thread"}
    yield "reinforce_cartpole_time_to_475_s", statistics.median(r[0] for r in results), "s", detail
    yield "reinforce_cartpole_steps_to_475", statistics.median(r[1] for r in results), "steps", detail
