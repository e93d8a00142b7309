"""Runs in worker processes: the same contract as a thread run, across a process boundary,
and a server that outlives its workers."""
import functools
import itertools
import os
import signal
import time

import pytest

from core.runner import FAILED, FINISHED, PAUSED, RUNNING, STOPPED, WAITING
from core.workers import ProcessRun, WorkerPool


# ---- trainers, module-level so a worker can unpickle them -------------------------------
def counting(n: int = 10**9, delay: float = 0.002):
    from core.config import apply_live
    from core.ppo import PPOConfig

    config = PPOConfig()
    for i in range(n):
        time.sleep(delay)
        changes = yield {"step": i, "lr": config.lr, "pid": os.getpid()}
        config = apply_live(config, changes)


def crashing(after: int = 3):
    for i in itertools.count():
        if i == after:
            os._exit(7)  # a segfault, an OOM kill: the process is simply gone
        yield {"step": i}


def raising():
    yield {"step": 0}
    raise ValueError("the trainer broke")


def diverging():
    yield {"step": 0, "loss": 1.0}
    yield {"step": 1, "loss": float("nan")}
    yield {"step": 2, "loss": 1.0}


def seeded(seed: int, n: int = 5):
    from core.ppo import PPOConfig, train_ppo

    for record in train_ppo(PPOConfig(envs=2, steps=16, epochs=1, max_updates=n), seed):
        yield {k: v for k, v in record.items() if not k.startswith("_") and k != "time_s"}


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool(2, max_size=2)  # a fixed pool: the queue's tests need it full
    yield pool
    pool.shutdown()


def wait_until(predicate, run=None, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if run is not None:
            run.poll()
        if predicate():
            return True
        time.sleep(0.01)
    return False


def started(pool, make, **kwargs) -> ProcessRun:
    run = ProcessRun(make, pool=pool, **kwargs)
    run.start()
    return run


def test_a_finite_trainer_finishes_with_all_its_records(pool):
    run = started(pool, functools.partial(counting, 10))
    assert run.join(60) and run.status == FINISHED and run.message == "Finished."
    assert [r["step"] for r in run.poll()] == list(range(10))
    assert run.poll()[0]["pid"] != os.getpid()  # it trained in another process


def test_pause_resume_stop_and_live_knobs_cross_the_process_boundary(pool):
    run = started(pool, counting)
    assert wait_until(lambda: run.n_seen > 3, run)
    run.pause()
    assert run.status == PAUSED
    time.sleep(0.3)
    held = run.n_seen
    time.sleep(0.3)
    assert run.n_seen == held
    run.set_live({"lr": 0.003})
    run.resume()
    assert run.status == RUNNING
    assert wait_until(lambda: run.latest["lr"] == 0.003, run)
    [mark] = run.marks
    assert mark["changes"] == {"lr": 0.003} and mark["record"]["lr"] == 0.003
    run.stop()
    assert run.join(10) and run.status == STOPPED and run.message == "Stopped."


def test_a_crashing_worker_ends_its_run_with_a_message_and_is_replaced(pool):
    before = pool.restarts
    run = started(pool, crashing)
    assert run.join(60) and run.status == FAILED
    assert "died" in run.message and "exit code 7" in run.message
    assert pool.restarts == before + 1
    after = started(pool, functools.partial(counting, 3))  # the pool still serves
    assert after.join(60) and after.status == FINISHED


def test_a_killed_worker_ends_its_run_and_is_replaced(pool):
    run = started(pool, counting)
    assert wait_until(lambda: run.n_seen > 2, run)
    os.kill(run.latest["pid"], signal.SIGKILL)
    assert run.join(30) and run.status == FAILED and "died" in run.message
    again = started(pool, functools.partial(counting, 3))
    assert again.join(60) and again.status == FINISHED


def test_exceptions_and_nan_become_messages(pool):
    broken = started(pool, raising)
    assert broken.join(60) and broken.status == FAILED
    assert "ValueError: the trainer broke" in broken.message
    nan = started(pool, diverging)
    assert nan.join(60) and nan.status == FAILED and "`loss` became non-finite" in nan.message
    assert [r["step"] for r in nan.poll()] == [0, 1]


def test_an_unpicklable_trainer_fails_with_a_message(pool):
    run = started(pool, lambda: counting(3))
    assert run.join(30) and run.status == FAILED and "could not be sent" in run.message


def distinct(i: int):
    """A long counting run unlike any other (identical runs would share one computation)."""
    return functools.partial(counting, 10**9 + i)


def test_runs_queue_for_a_busy_pool_and_know_their_place(pool):
    busy = [started(pool, distinct(i)) for i in range(pool.size)]
    assert all(wait_until(lambda r=r: r.n_seen > 0, r) for r in busy)
    first, second = started(pool, distinct(10)), started(pool, distinct(11))
    assert first.status == WAITING and first.queue_position == 1 and second.queue_position == 2
    busy[0].stop()
    assert wait_until(lambda: first.n_seen > 0, first)
    assert first.queue_position is None and second.queue_position == 1
    second.stop()  # stopped while queued: it ends there, without a worker
    assert second.join(10) and second.status == STOPPED and second.n_seen == 0
    for run in (*busy, first):
        run.stop()
        assert run.join(10)


def test_a_queued_run_knows_about_how_long_it_waits():
    """The estimate: the median time recent runs held a worker, times the rounds ahead."""
    pool = WorkerPool(1, max_size=1)
    try:
        assert pool.estimated_wait_s(ProcessRun(counting)) is None  # not queued
        for _ in range(2):  # two short runs: each holds the worker for about 0.5 s
            run = started(pool, functools.partial(counting, 25, 0.02))
            assert run.join(60) and run.status == FINISHED
        assert len(pool._held_s) == 2 and all(0.4 < h < 30 for h in pool._held_s)

        def median() -> float:
            held = sorted(pool._held_s)
            return held[len(held) // 2]

        busy = started(pool, distinct(0))
        assert wait_until(lambda: busy.n_seen > 0, busy)
        first, second = started(pool, distinct(1)), started(pool, distinct(2))
        assert first.estimated_wait_s == median() and second.estimated_wait_s == 2 * median()
        busy.stop()
        assert wait_until(lambda: first.n_seen > 0, first)
        assert len(pool._held_s) == 3  # the stopped run's time counts too
        assert first.estimated_wait_s is None and second.estimated_wait_s == median()
        for run in (first, second, busy):
            run.stop()
            assert run.join(10)
    finally:
        pool.shutdown()


def test_a_run_nobody_watches_stops_itself(pool):
    run = started(pool, counting, heartbeat_s=0.5)
    assert run.join(30) and run.status == STOPPED and "nobody watched" in run.message


def test_a_seed_gives_the_same_records_alone_and_beside_other_runs(pool):
    alone = started(pool, functools.partial(seeded, 1))
    assert alone.join(120) and alone.status == FINISHED
    beside = [started(pool, functools.partial(seeded, s)) for s in (1, 2, 3)]
    assert all(r.join(120) for r in beside)
    assert beside[0].poll() == alone.poll()
    assert beside[1].poll() != alone.poll()


def holding(mb: int):
    """Holds `mb` MB for as long as it runs (a run that outgrows its memory cap)."""
    import numpy as np

    block = np.ones(mb * 2**20, dtype=np.uint8)
    for i in itertools.count():
        time.sleep(0.01)
        yield {"step": i, "held": int(block[i % block.size])}


def test_a_run_past_the_time_limit_stops_and_says_which_limit(pool, monkeypatch):
    from core.runner import LIMITS

    monkeypatch.setattr(LIMITS, "max_run_s", 0.5)
    run = started(pool, counting)
    assert run.join(30) and run.status == STOPPED
    assert "RLHF_PLAYGROUND_MAX_RUN_S" in run.message and "curves and exports are kept" in run.message
    assert run.n_seen > 0 and run.poll()  # what it drew is kept


def test_a_run_past_the_memory_limit_stops_and_its_worker_is_renewed(monkeypatch):
    import psutil

    from core.runner import LIMITS

    pool = WorkerPool(1)
    try:
        warm = started(pool, functools.partial(counting, 3))
        assert warm.join(60)
        [pid] = pool.pids()
        base_mb = psutil.Process(pid).memory_info().rss / 2**20
        monkeypatch.setattr(LIMITS, "max_run_mb", int(base_mb) + 150)
        run = started(pool, functools.partial(holding, 400))
        assert run.join(60) and run.status == STOPPED
        assert "RLHF_PLAYGROUND_MAX_RUN_MB" in run.message and "MB" in run.message
        assert wait_until(lambda: pool.pids() and pool.pids() != [pid])  # a fresh worker took its place
        monkeypatch.setattr(LIMITS, "max_run_mb", 0)
        after = started(pool, functools.partial(counting, 3))
        assert after.join(60) and after.status == FINISHED
    finally:
        pool.shutdown()


def test_a_crowd_gets_more_workers_which_quit_when_it_has_gone():
    """Issue 13: runs that would queue get a worker each, up to max_size; those extra workers
    quit after idle_s without a run (memory back to the warm pool's)."""
    pool = WorkerPool(1, max_size=3, idle_s=1.0)
    try:
        runs = [started(pool, distinct(i)) for i in range(4)]
        assert all(wait_until(lambda r=r: r.n_seen > 0, r) for r in runs[:3])
        assert pool.workers == 3 and runs[3].status == WAITING and runs[3].queue_position == 1
        for run in runs:
            run.stop()
            assert run.join(30)
        assert wait_until(lambda: pool.workers == 1, timeout=30)
        assert len(pool.pids()) == 1
    finally:
        pool.shutdown()


# ---- identical runs share one computation (issue 13: a class that presses Start together) ----
def steps(run) -> list[tuple[int, float]]:
    return [(r["step"], r["lr"]) for r in run.poll()]


def test_identical_runs_share_one_computation_and_a_late_one_gets_the_records_so_far(pool):
    first = started(pool, functools.partial(counting, 400, 0.01))
    assert wait_until(lambda: first.n_seen > 20, first)
    second = started(pool, functools.partial(counting, 400, 0.01))
    assert second.n_seen >= 20 and second.status == RUNNING  # at once, without a worker of its own
    assert first.shared_with == 1 and second.shared_with == 1
    assert first.join(60) and second.join(60)
    assert first.status == second.status == FINISHED
    assert steps(first) == steps(second) == [(i, 0.0025) for i in range(400)]
    assert {r["pid"] for r in first.poll()} == {r["pid"] for r in second.poll()}  # one process trained both


def test_a_member_that_stops_leaves_and_the_others_train_on(pool):
    runs = [started(pool, functools.partial(counting, 10**6, 0.005)) for _ in range(3)]
    assert wait_until(lambda: runs[0].n_seen > 5, runs[0])
    runs[1].stop()
    assert runs[1].join(5) and runs[1].status == STOPPED and runs[1].message == "Stopped."
    before = runs[0].n_seen
    assert wait_until(lambda: runs[0].n_seen > before + 20 and runs[2].n_seen > before + 20, runs[0])
    assert runs[0].status == runs[2].status == RUNNING and runs[0].shared_with == 1
    for run in (runs[0], runs[2]):
        run.stop()
        assert run.join(10) and run.status == STOPPED


def test_a_live_knob_moved_by_one_member_never_touches_the_others(pool):
    """The member that steers leaves with a computation of its own: it replays its records
    (not sent again) and applies the change before the next update, marked where it did."""
    watcher = started(pool, functools.partial(counting, 10**6, 0.005))
    steerer = started(pool, functools.partial(counting, 10**6, 0.005))
    assert wait_until(lambda: steerer.n_seen > 10, steerer)
    steerer.set_live({"lr": 0.003})
    assert wait_until(lambda: steerer.latest["lr"] == 0.003, steerer)
    assert steerer.shared_with == 0
    [mark] = steerer.marks
    records = steerer.poll()
    assert [r["step"] for r in records] == list(range(len(records)))  # nothing missing or repeated
    assert all(r["lr"] == 0.0025 for r in records[:mark["index"]])
    assert all(r["lr"] == 0.003 for r in records[mark["index"]:])
    assert wait_until(lambda: watcher.n_seen > len(records) + 10, watcher)
    assert {r["lr"] for r in watcher.poll()} == {0.0025} and not watcher.marks
    for run in (watcher, steerer):
        run.stop()
        assert run.join(10)


def test_a_member_that_pauses_resumes_where_it_paused(pool):
    watcher = started(pool, functools.partial(counting, 10**6, 0.005))
    pauser = started(pool, functools.partial(counting, 10**6, 0.005))
    assert wait_until(lambda: pauser.n_seen > 10, pauser)
    pauser.pause()
    held = pauser.n_seen
    assert wait_until(lambda: watcher.n_seen > held + 30, watcher)
    pauser.poll()
    assert pauser.status == PAUSED and pauser.n_seen <= held + 1  # a record already on its way, at most
    held = pauser.n_seen
    pauser.resume()
    assert wait_until(lambda: pauser.n_seen > held + 10, pauser)
    assert [r["step"] for r in pauser.poll()] == list(range(len(pauser.poll())))
    for run in (watcher, pauser):
        run.stop()
        assert run.join(10)


def test_different_runs_never_share(pool):
    a = started(pool, functools.partial(counting, 30, 0.01))
    b = started(pool, functools.partial(counting, 31, 0.01))
    assert a.join(60) and b.join(60)
    assert a.shared_with == b.shared_with == 0
    assert {r["pid"] for r in a.poll()} != {r["pid"] for r in b.poll()}


def test_a_crowd_redraws_less_often():
    """Issue 13: past CROWD_RUNS active runs, a live panel's redraw interval grows with them."""
    from ui.run_panel import CROWD_RUNS, POLL_S, poll_interval

    assert poll_interval(0) == poll_interval(CROWD_RUNS) == POLL_S
    assert poll_interval(2 * CROWD_RUNS) == 2 * POLL_S
    assert poll_interval(10) == POLL_S * 10 / CROWD_RUNS


def test_workers_yield_the_cpu_to_the_web_server(pool):
    """Issue 13: a worker runs at a lower priority (WORKER_NICE) than the server, so a page's
    rerun goes before an update of training on a busy machine."""
    import psutil

    from core.workers import WORKER_NICE

    run = started(pool, functools.partial(counting, 3))
    assert run.join(60) and run.status == FINISHED
    pid = run.poll()[0]["pid"]
    assert psutil.Process(pid).nice() == psutil.Process().nice() + WORKER_NICE > psutil.Process().nice()
