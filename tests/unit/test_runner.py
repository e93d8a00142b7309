import itertools
import threading
import time

import pytest

from core.runner import FAILED, FINISHED, PAUSED, RUNNING, STOPPED, WAITING, Run


def wait_until(predicate, timeout=5.0, poll=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if poll is not None:
            poll.poll()
        if predicate():
            return True
        time.sleep(0.01)
    return False


def ticking(delay=0.002):
    for i in itertools.count():
        time.sleep(delay)
        yield {"step": i, "value": float(i)}


@pytest.fixture
def slots():
    return threading.BoundedSemaphore(4)


def test_a_finite_trainer_finishes_with_all_records(slots):
    run = Run(lambda: ({"step": i} for i in range(10)), slots=slots)
    run.start()
    assert run.join(5) and run.status == FINISHED
    assert [r["step"] for r in run.poll()] == list(range(10))


def test_stop_ends_the_thread_and_closes_the_trainer(slots):
    closed = threading.Event()

    def trainer():
        try:
            yield from ticking()
        finally:
            closed.set()

    run = Run(trainer, slots=slots)
    run.start()
    assert wait_until(lambda: run.n_seen > 3, poll=run)
    run.stop()
    assert run.join(5) and run.status == STOPPED and closed.is_set()


def test_pause_holds_and_resume_continues(slots):
    run = Run(ticking, slots=slots)
    run.start()
    assert wait_until(lambda: run.n_seen > 3, poll=run)
    run.pause()
    assert run.status == PAUSED
    time.sleep(0.3)  # the record in progress may still land; then nothing more
    held = run.n_seen
    time.sleep(0.2)
    run.poll()
    assert run.n_seen == held
    run.resume()
    assert run.status == RUNNING
    assert wait_until(lambda: run.n_seen > held + 3, poll=run)
    run.stop()
    run.join(5)


@pytest.mark.parametrize("pause", [False, True])
def test_a_run_nobody_polls_stops_itself(slots, pause):
    run = Run(ticking, heartbeat_s=0.3, slots=slots)
    run.start()
    if pause:
        wait_until(lambda: run.n_seen > 0)
        run.pause()
    assert run.join(5)
    assert run.status == STOPPED and "nobody watched" in run.message


def test_polling_keeps_it_alive(slots):
    run = Run(ticking, heartbeat_s=0.3, slots=slots)
    run.start()
    for _ in range(8):
        time.sleep(0.1)
        run.poll()
    assert run.status == RUNNING
    run.stop()
    run.join(5)


def test_an_exception_fails_the_run_with_its_message(slots):
    def trainer():
        yield {"step": 0}
        raise ValueError("bad shapes")

    run = Run(trainer, slots=slots)
    run.start()
    assert run.join(5)
    assert run.status == FAILED and "ValueError: bad shapes" in run.message
    assert len(run.poll()) == 1


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_number_stops_a_diverging_run(slots, bad):
    def trainer():
        yield {"step": 0, "loss": 1.0}
        yield {"step": 1, "loss": bad}
        yield {"step": 2, "loss": 1.0}

    run = Run(trainer, slots=slots)
    run.start()
    assert run.join(5)
    assert run.status == FAILED and "diverged" in run.message and "loss" in run.message
    assert [r["step"] for r in run.poll()] == [0, 1]


def test_the_log_is_bounded_and_still_spans_the_run(slots):
    run = Run(lambda: ({"step": i} for i in range(1000)), max_records=50, slots=slots)
    run.start()
    run.join(5)
    steps = [r["step"] for r in run.poll()]
    assert len(steps) < 50 and steps[0] == 0 and steps[-1] >= 1000 - 64
    assert steps == sorted(steps) and run.n_seen == 1000
    assert run.latest["step"] == 999


def test_payload_keys_are_kept_only_for_the_latest_record(slots):
    run = Run(lambda: ({"step": i, "_weights": [i]} for i in range(5)), slots=slots)
    run.start()
    run.join(5)
    assert all("_weights" not in r for r in run.poll())
    assert run.latest == {"step": 4, "_weights": [4]}


def test_runs_over_the_cap_wait_for_a_slot():
    one = threading.BoundedSemaphore(1)
    first, second = Run(ticking, slots=one), Run(ticking, slots=one)
    first.start()
    assert wait_until(lambda: first.status == RUNNING, poll=first)
    second.start()
    time.sleep(0.3)
    first.poll()
    second.poll()
    assert second.status == WAITING and second.n_seen == 0
    first.stop()
    first.join(5)
    assert wait_until(lambda: second.n_seen > 0, poll=second)
    second.stop()
    second.join(5)


def test_a_run_starts_once(slots):
    run = Run(lambda: iter(()), slots=slots)
    run.start()
    run.join(5)
    with pytest.raises(RuntimeError):
        run.start()


def test_active_runs_lists_the_live_ones(slots):
    from core.runner import active_runs
    run = Run(ticking, slots=slots)
    run.start()
    assert run in active_runs()
    run.stop()
    run.join(5)
    assert run not in active_runs()


def test_elapsed_time_runs_while_training_and_stops_while_paused(slots):
    run = Run(ticking, slots=slots)
    assert run.elapsed_s == 0.0
    run.start()
    assert wait_until(lambda: run.elapsed_s > 0.1, poll=run)
    run.pause()
    frozen = run.elapsed_s
    time.sleep(0.2)
    run.poll()
    assert run.elapsed_s == frozen
    run.resume()
    assert wait_until(lambda: run.elapsed_s > frozen + 0.05, poll=run)
    run.stop()
    run.join(5)
    done = run.elapsed_s
    time.sleep(0.05)
    assert run.elapsed_s == done


def knob_follower():
    """A trainer that applies sent live changes to its own config and reports the lr."""
    from core.config import apply_live
    from core.ppo import PPOConfig

    config = PPOConfig()
    for i in itertools.count():
        time.sleep(0.002)
        changes = yield {"step": i, "lr": config.lr}
        config = apply_live(config, changes)


def test_live_changes_reach_the_trainer_through_the_run_and_are_marked(slots):
    run = Run(knob_follower, slots=slots)
    run.start()
    assert wait_until(lambda: run.n_seen > 3, poll=run)
    run.set_live({"lr": 0.003})
    assert wait_until(lambda: run.latest["lr"] == 0.003, poll=run)
    run.stop()
    assert run.join(5)
    lrs = [r["lr"] for r in run.poll()]
    first_new = lrs.index(0.003)
    assert set(lrs[:first_new]) == {0.0025} and set(lrs[first_new:]) == {0.003}
    [mark] = run.marks
    assert mark["changes"] == {"lr": 0.003} and mark["index"] == first_new
    assert mark["record"]["step"] == first_new and mark["record"]["lr"] == 0.003


def test_changes_made_while_paused_apply_at_resume(slots):
    run = Run(knob_follower, slots=slots)
    run.start()
    assert wait_until(lambda: run.n_seen > 2, poll=run)
    run.pause()
    time.sleep(0.05)
    run.set_live({"lr": 0.001})
    run.set_live({"lr": 0.0015})  # the latest value of a knob wins
    run.resume()
    assert wait_until(lambda: run.latest["lr"] == 0.0015, poll=run)
    run.stop()
    assert run.join(5)
    assert 0.001 not in [r["lr"] for r in run.poll()]


def test_lockstep_passes_live_changes_to_every_trainer():
    from core.multiseed import lockstep

    steps = lockstep(lambda v, s: knob_follower(), ["a", "b"], [1, 2, 3])
    first = next(steps)
    assert (first["lr"] == 0.0025).all()
    second = steps.send({"lr": 0.005})
    assert second["lr"].shape == (2, 3) and (second["lr"] == 0.005).all()
    assert (next(steps)["lr"] == 0.005).all()
    steps.close()


def test_a_refused_live_change_fails_the_run_with_a_message(slots):
    run = Run(knob_follower, slots=slots)
    run.start()
    assert wait_until(lambda: run.n_seen > 1, poll=run)
    run.set_live({"epochs": 3})  # not a live knob: the page never sends it, but if it did
    assert run.join(5) and run.status == FAILED
    assert "not a live knob" in run.message


def test_a_run_past_the_time_limit_stops_with_a_message_and_keeps_its_records(slots, monkeypatch):
    from core.runner import LIMITS

    monkeypatch.setattr(LIMITS, "max_run_s", 0.3)
    run = Run(ticking, slots=slots)
    run.start()
    assert wait_until(lambda: run.status == STOPPED, timeout=10, poll=run)
    assert "RLHF_PLAYGROUND_MAX_RUN_S" in run.message and run.poll()
    assert 0.3 < run.elapsed_s < 2.0
