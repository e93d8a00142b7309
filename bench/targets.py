"""Time a trainer to a return target the way the page runs it: through core.runner.Run."""
import time

from core.runner import Run

TIME_LIMIT_S = 120.0


def time_to_target(make_iterator, target: float, min_episodes: int = 20) -> tuple[float, int, int]:
    """(seconds, env steps, updates) until a record's `return_avg20` reaches `target` (and,
    when the record counts them, at least `min_episodes` episodes are in that mean);
    (inf, -1, -1) if it does not within TIME_LIMIT_S."""
    run = Run(make_iterator, name="bench")
    start = time.perf_counter()
    run.start()
    seen = 0
    try:
        while time.perf_counter() - start < TIME_LIMIT_S:
            records = run.poll()
            for record in records[seen:]:
                if record["return_avg20"] >= target and record.get("episodes", min_episodes) >= min_episodes:
                    return record["time_s"], record["env_steps"], record["update"]
            seen = len(records)
            if not run.active:
                break
            time.sleep(0.005)
    finally:
        run.stop()
        run.join(10)
    return float("inf"), -1, -1
