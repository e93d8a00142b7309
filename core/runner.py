"""Drive a trainer generator in a background thread.

A trainer is any `Iterator[dict]`. `Run` pulls records from it on a daemon thread so a page can
poll without blocking, and owns the whole life of a run:

- start / pause / resume / stop, with `join` for tests and teardown;
- a heartbeat: every `poll()` is a sign someone is watching; a run nobody polled for
  `heartbeat_s` (the tab was closed) stops itself;
- a bounded, thread-safe log: when full, every other record is dropped so the log still spans
  the whole run at half the resolution (charts stay small, memory stays flat);
- keys starting with '_' (weights, sample texts) are payloads kept for the latest record only;
  `checkpoint()` writes the model of the latest record as safetensors (core.checkpoint);
- an exception, or a NaN/inf in any number, ends the run with a message the page can show;
- limits for a shared server (`LIMITS`: seconds of training, a worker's memory): a run past
  one stops with a message that names the limit, and keeps what it drew;
- a process-wide cap on concurrent runs (a semaphore): a run over the cap waits its turn and
  says so in its status;
- a live channel: `set_live({"lr": 0.003})` queues knob changes, and the worker hands them to
  the trainer with `generator.send(changes)` before its next update (the trainer applies them
  to its own config: `config = apply_live(config, changes)`). Nothing is shared or mutated
  across threads, and `marks` records at which record each change took effect, so a chart can
  show where a knob moved.
"""
from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
import weakref
from typing import Callable, Iterator

import numpy as np

from core.checkpoint import WEIGHTS, to_safetensors

MAX_CONCURRENT_RUNS = int(os.environ.get("RLHF_PLAYGROUND_MAX_RUNS", "2"))


@dataclasses.dataclass
class Limits:
    """What one run may take on a shared server (a class on one machine). 0 = no limit.

    max_run_s: seconds of training (pauses and the wait for a worker not counted);
    max_run_mb: resident memory of the worker process that trains it (process backend)."""
    max_run_s: float = float(os.environ.get("RLHF_PLAYGROUND_MAX_RUN_S", "1200"))
    max_run_mb: int = int(os.environ.get("RLHF_PLAYGROUND_MAX_RUN_MB", "3072"))


LIMITS = Limits()
_slots = threading.BoundedSemaphore(MAX_CONCURRENT_RUNS)
_started: "weakref.WeakSet[Run]" = weakref.WeakSet()

IDLE, WAITING, RUNNING, PAUSED = "idle", "waiting", "running", "paused"
FINISHED, STOPPED, FAILED = "finished", "stopped", "failed"
ACTIVE = (WAITING, RUNNING, PAUSED)


def active_runs() -> list["Run"]:
    """Every run in this process that is waiting, running or paused."""
    return [run for run in list(_started) if run.active]


def first_non_finite(record: dict) -> str | None:
    """The name of the first public number (or numeric array) in `record` that is NaN or
    infinite, if any."""
    for key, value in record.items():
        if key.startswith("_"):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            return key
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and not np.isfinite(value).all():
            return key
    return None


class Run:
    """One training run in a daemon thread. See the module docstring."""

    def __init__(self, make_iterator: Callable[[], Iterator[dict]], *, max_records: int = 4000,
                 heartbeat_s: float = 15.0, slots: threading.Semaphore | None = None,
                 name: str = "run"):
        if max_records < 2:
            raise ValueError("max_records must be at least 2")
        self._make_iterator = make_iterator
        self._max_records = max_records
        self._heartbeat_s = heartbeat_s
        self._slots = slots if slots is not None else _slots
        self.name = name
        self._lock = threading.Lock()
        self._records: list[dict] = []
        self._stride = 1  # keep one record in `_stride` once the log has been thinned
        self._seen = 0
        self._payload: dict = {}
        self._latest: dict | None = None
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self._thread: threading.Thread | None = None
        self._last_poll = time.monotonic()
        self.status = IDLE
        self.message = ""
        self._spent = 0.0  # seconds trained before the current stretch
        self._since: float | None = None  # start of the current stretch of training
        self._pending: dict = {}  # live knob changes not yet sent to the trainer
        self._marks: list[dict] = []

    # ---- control (called from the UI thread) -------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a Run starts once; make a new Run to train again")
        self._last_poll = time.monotonic()
        self.status = WAITING
        self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
        _started.add(self)
        self._thread.start()

    def pause(self) -> None:
        if self.status in (WAITING, RUNNING):
            self._resume.clear()
            self.status = PAUSED
            self._clock_stop()

    def resume(self) -> None:
        if self.status == PAUSED:
            self._last_poll = time.monotonic()
            self.status = RUNNING
            self._clock_start()
            self._resume.set()

    def stop(self, message: str = "Stopped.") -> None:
        if self.status in ACTIVE or self.status == IDLE:
            self.message = message
        self._stop.set()
        self._resume.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker; True when it has ended (or never started)."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def elapsed_s(self) -> float:
        """Seconds spent training so far, pauses and the wait for a slot excluded (a clock
        that moves at every redraw, not only when a record arrives)."""
        since = self._since
        return self._spent + (time.monotonic() - since if since is not None else 0.0)

    def _clock_start(self) -> None:
        if self._since is None:
            self._since = time.monotonic()

    def _clock_stop(self) -> None:
        since, self._since = self._since, None
        if since is not None:
            self._spent += time.monotonic() - since

    def set_live(self, changes: dict) -> None:
        """Queue live knob changes for the trainer (the latest value of each knob wins)."""
        if changes:
            with self._lock:
                self._pending.update(changes)

    # ---- reading (called from the UI thread) -------------------------------------------
    def touch(self) -> None:
        """A sign that someone watches, without reading the log (the heartbeat of a run that
        is read from elsewhere: core.cluster)."""
        self._last_poll = time.monotonic()

    def poll(self) -> list[dict]:
        """A snapshot of the log (oldest first); also the heartbeat that keeps the run alive."""
        self._last_poll = time.monotonic()
        with self._lock:
            return list(self._records)

    @property
    def has_checkpoint(self) -> bool:
        """Whether `checkpoint()` has a model to write."""
        return bool(self._payload.get(WEIGHTS))

    def checkpoint(self) -> bytes | None:
        """The model of the latest record as a safetensors file (None when the trainer has no
        model). Asked only while the run is not training: the trainer's thread changes the
        tensors it points to at every update."""
        with self._lock:
            weights, update = self._payload.get(WEIGHTS), (self._latest or {}).get("update")
        if not weights:
            return None
        return to_safetensors(weights, run=self.name, update=update)

    @property
    def latest(self) -> dict | None:
        """The newest record with its payload keys."""
        with self._lock:
            return None if self._latest is None else {**self._latest, **self._payload}

    @property
    def marks(self) -> list[dict]:
        """Where live changes took effect: {"record": the first record trained with them (its
        public numbers), "index": its position among all records yielded, "changes": {...}}."""
        with self._lock:
            return list(self._marks)

    @property
    def n_seen(self) -> int:
        """Records the trainer has yielded (the log may hold fewer)."""
        return self._seen

    # ---- the worker thread ---------------------------------------------------------------
    def over_time_limit(self) -> bool:
        """Whether it has trained longer than LIMITS.max_run_s (and if so, says so)."""
        cap = LIMITS.max_run_s
        if cap and self.elapsed_s > cap:
            self.message = (f"Stopped at this server's limit of {cap:,.0f} s of training per run "
                            "(RLHF_PLAYGROUND_MAX_RUN_S). Its curves and exports are kept; press "
                            "Start to train again.")
            return True
        return False

    def _alive(self) -> bool:
        if self._stop.is_set():
            return False
        if self.over_time_limit():
            self._stop.set()
            return False
        if self._heartbeat_expired():
            self._stop.set()
            return False
        return True

    def _heartbeat_expired(self) -> bool:
        """Nobody polled this run for heartbeat_s (its tab was closed): say so, for its stop."""
        if time.monotonic() - self._last_poll > self._heartbeat_s:
            self.message = (f"Stopped: nobody watched this run for {self._heartbeat_s:.0f} s "
                            "(was the tab closed?).")
            return True
        return False

    def _wait_for_slot(self) -> bool:
        while self._alive():
            if self._slots.acquire(timeout=0.1):
                return True
        return False

    def _wait_while_paused(self) -> bool:
        while not self._resume.wait(timeout=0.1):
            if not self._alive():
                return False
        return self._alive()

    def _append(self, record: dict) -> None:
        public = {k: v for k, v in record.items() if not k.startswith("_")}
        payload = {k: v for k, v in record.items() if k.startswith("_")}
        with self._lock:
            self._latest = public
            if payload:
                self._payload = payload
            if self._seen % self._stride == 0:
                self._records.append(public)
                if len(self._records) >= self._max_records:
                    self._records = self._records[::2]
                    self._stride *= 2
            self._seen += 1

    def _take_pending(self) -> dict:
        with self._lock:
            changes, self._pending = self._pending, {}
        return changes

    def _records_of(self, iterator) -> Iterator[dict]:
        """The trainer's records, sending it the queued live changes before each update. A
        plain iterator (no `send`) cannot take changes: they stay queued, unused."""
        send = getattr(iterator, "send", None)
        record = next(iterator, None)
        while record is not None:
            yield record
            changes = self._take_pending() if send is not None else {}
            try:
                record = send(changes) if send is not None else next(iterator)
            except StopIteration:
                return
            if changes:
                with self._lock:
                    self._marks.append({"index": self._seen, "changes": changes,
                                        "record": {k: v for k, v in record.items()
                                                   if not k.startswith("_")}})

    def _work(self) -> None:
        if not self._wait_for_slot():
            self.status = STOPPED
            return
        try:
            if self.status == WAITING:
                self.status = RUNNING
                self._clock_start()
            iterator = self._make_iterator()
            for record in self._records_of(iterator):
                bad = first_non_finite(record)
                if bad is not None:
                    self._append(record)
                    self.status = FAILED
                    self.message = (f"The run diverged: `{bad}` became non-finite at record "
                                    f"{self._seen}. Try a smaller learning rate, then Reset.")
                    return
                self._append(record)
                if not self._wait_while_paused():
                    break
            else:
                self.status = FINISHED
                self.message = self.message or "Finished."
                return
            self.status = STOPPED
        except Exception as exc:  # the page shows it; the app lives on
            self.status = FAILED
            self.message = f"The run failed: {type(exc).__name__}: {exc}"
        finally:
            close = getattr(locals().get("iterator"), "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    pass
            self._clock_stop()
            self._slots.release()


def backend() -> str:
    """Where this server's runs train: "process" (the default), "ray" (when RAY_ADDRESS names
    a cluster) or "thread" (see new_run); RLHF_PLAYGROUND_BACKEND chooses explicitly."""
    name = os.environ.get("RLHF_PLAYGROUND_BACKEND") or ("ray" if os.environ.get("RAY_ADDRESS") else "process")
    if name not in ("process", "thread", "ray"):
        raise ValueError(f"RLHF_PLAYGROUND_BACKEND={name!r}: use 'process', 'ray' or 'thread'")
    return name


def capacity() -> int:
    """How many runs train at once on this server: its most workers, its thread slots, or
    the cluster's CPUs."""
    if backend() == "thread":
        return MAX_CONCURRENT_RUNS
    if backend() == "ray":
        from core.cluster import CPUS_PER_RUN, connect

        return max(1, int(connect().cluster_resources().get("CPU", 1) // CPUS_PER_RUN))
    from core.workers import MAX_WORKERS

    return MAX_WORKERS


_warming = threading.Lock()


def warm_workers() -> None:
    """Get this server's runs ready to start (it returns at once): the worker processes
    import torch and the trainers in the background, or the connection to the Ray cluster is
    made in a thread of its own (once per process)."""
    if backend() == "process":
        from core.workers import default_pool

        default_pool()
    elif backend() == "ray" and _warming.acquire(blocking=False):
        from core.cluster import connect

        threading.Thread(target=connect, name="ray-connect", daemon=True).start()


def new_run(make_iterator: Callable[[], Iterator[dict]], **kwargs) -> Run:
    """A run on the backend this server is configured for (`backend()`): "process" (the
    default: a worker process of core.workers' pool, so training never shares the web
    server's GIL and its randomness is its own process's), "ray" (an actor on the cluster
    RAY_ADDRESS names: core.cluster) or "thread" (a thread of this process: what tests of the
    runner itself and notebooks use, with no process to start). Process and Ray runs need a
    picklable `make_iterator` (functools.partial of a module-level function)."""
    if backend() == "thread":
        return Run(make_iterator, **kwargs)
    if backend() == "ray":
        from core.cluster import RayRun

        return RayRun(make_iterator, **kwargs)
    from core.workers import ProcessRun

    return ProcessRun(make_iterator, **kwargs)
