"""Figures for the critics and actor-critic pages.

- a2c_cartpole_time_to_475_s / a2c_cartpole_steps_to_475: GAE actor-critic (the page's
  defaults) until the mean of the last 20 episodes reaches 475, median of 3 seeds;
- randomwalk_100runs_s: playing 100 runs x 100 episodes of the random walk and computing every
  MC and TD(0) curve of Example 6.2 plus the batch-updating curves (median of 3 repeats).
"""
import statistics
import time

from core.actor_critic import ActorCriticConfig, train_actor_critic
from core.critics import alpha_comparison, batch_values, play_walks

SEEDS = (1, 2, 3)
TARGET = 475.0
TIME_LIMIT_S = 120.0


def time_to_target(seed: int) -> tuple[float, int]:
    start = time.perf_counter()
    for record in train_actor_critic(ActorCriticConfig(max_updates=1_000_000), seed):
        if record["episodes"] >= 20 and record["return_avg20"] >= TARGET:
            return time.perf_counter() - start, record["env_steps"]
        if time.perf_counter() - start > TIME_LIMIT_S:
            break
    return float("inf"), -1


def randomwalk_s() -> float:
    start = time.perf_counter()
    alpha_comparison(100, 100, seed=0)
    batch_values(play_walks(100, 100, seed=0))
    return time.perf_counter() - start


def run():
    results = [time_to_target(seed) for seed in SEEDS]
    detail = {"seeds": list(SEEDS), "per_seed_s": [r[0] for r in results],
              "per_seed_steps": [r[1] for r in results],
              "config": "ActorCriticConfig() defaults: 8 envs x 32 steps, GAE lambda 0.95, "
                        "actor lr 0.003, critic lr 0.01, hidden 64, 1 torch thread"}
    yield "a2c_cartpole_time_to_475_s", statistics.median(r[0] for r in results), "s", detail
    yield "a2c_cartpole_steps_to_475", statistics.median(r[1] for r in results), "steps", detail
    times = [randomwalk_s() for _ in range(3)]
    yield "randomwalk_100runs_s", statistics.median(times), "s", {
        "per_repeat_s": times, "what": "play 100x100 episodes, 4 MC + 3 TD(0) alphas, batch MC and TD"}
