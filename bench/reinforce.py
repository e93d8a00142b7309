"""REINFORCE with reward-to-go on CartPole-v1 until the mean of the last 20 episodes reaches
475: wall time and environment steps, median of 3 seeds, driven through the UI's runner."""
import statistics
import time

from core.pg import ReinforceConfig, train_reinforce
from core.runner import FINISHED, Run

SEEDS = (1, 2, 3)
TARGET = 475.0
TIME_LIMIT_S = 120.0


def time_to_target(seed: int) -> tuple[float, int, int]:
    """(seconds, env steps, updates) until the target, through a `Run` as the page drives it."""
    config = ReinforceConfig(max_updates=100_000)
    run = Run(lambda: train_reinforce(config, seed), name=f"bench-{seed}")
    start = time.perf_counter()
    run.start()
    seen = 0
    try:
        while time.perf_counter() - start < TIME_LIMIT_S:
            records = run.poll()
            for record in records[seen:]:
                if record["return_avg20"] >= TARGET:
                    return record["time_s"], record["env_steps"], record["update"]
            seen = len(records)
            if not run.active:
                break
            time.sleep(0.01)
    finally:
        run.stop()
        run.join(10)
    return float("inf"), -1, -1


def run():
    results = [time_to_target(seed) for seed in SEEDS]
    times = [r[0] for r in results]
    steps = [r[1] for r in results]
    detail = {"seeds": list(SEEDS), "per_seed_s": times, "per_seed_steps": steps,
              "per_seed_updates": [r[2] for r in results], "target": TARGET,
              "config": "ReinforceConfig() defaults: 8 episodes/update, lr 0.01, hidden 32, "
                        "gamma 0.99, reward-to-go, 1 torch thread"}
    yield "reinforce_cartpole_time_to_475_s", statistics.median(times), "s", detail
    yield "reinforce_cartpole_steps_to_475", statistics.median(steps), "steps", detail
