"""Runs in worker processes: training never shares the web server's GIL.

A page that trains in a thread of the Streamlit server competes with the server itself: every
poll rebuilds figures under the same GIL, and a run watched in the browser trains several times
slower than the same run headless. Here a run executes in one of a few worker processes,
started once per server (torch and the trainers imported up front, not per run), and the page
keeps a `ProcessRun`: the same contract as `core.runner.Run` (start, pause, resume, stop,
heartbeat, bounded record log, NaN and exceptions as messages, live knobs) over a pipe.

- The pool keeps `RLHF_PLAYGROUND_WORKERS` processes warm (default: the machine's cores) and
  grows, while runs wait, up to `RLHF_PLAYGROUND_MAX_WORKERS` (default: 6 per core), so a
  class that presses Start together shares the CPU (the OS time-slices the processes) instead
  of queueing for whole runs: every student sees a first point within seconds. A worker
  started for a crowd quits after `RLHF_PLAYGROUND_WORKER_IDLE_S` (30 s) without a run, giving
  its memory back. Past the maximum, a run waits in a queue and knows its place in it
  (`queue_position`) and about how long it waits (`estimated_wait_s`).
- Limits per run (`core.runner.LIMITS`): seconds of training and the worker's memory; a run
  past one stops with a message that names the limit, keeping its curves and exports.
- A worker that crashes or is killed ends its run with a message and is replaced; the server
  lives on.
- A run's trainer is described by a picklable callable (`functools.partial` of a module-level
  function, say): it is built in the worker, so its randomness lives in that process.

Protocol, one duplex pipe per worker (the server thread that owns a worker is the only one
that talks to it):
    server -> worker: ("run", make_iterator, skip) | ("pause",) | ("resume",) | ("stop",)
                      | ("live", changes) | ("quit",)
    worker -> server: ("ready",) | ("record", record, changes_applied_before_it | None)
                      | ("weights", safetensors bytes)  (when the run pauses, and before "end")
                      | ("end", status, message)
"""
from __future__ import annotations

import collections
import itertools
import math
import multiprocessing as mp
import os
import pickle
import threading
import time
from typing import Callable, Iterator

import psutil

from core.checkpoint import WEIGHTS, to_safetensors
from core.runner import (ACTIVE, FAILED, FINISHED, LIMITS, PAUSED, RUNNING, STOPPED, WAITING, Run,
                         first_non_finite)

POOL_SIZE = int(os.environ.get("RLHF_PLAYGROUND_WORKERS", "0")) or (os.cpu_count() or 1)
MAX_WORKERS = int(os.environ.get("RLHF_PLAYGROUND_MAX_WORKERS", "0")) or 6 * (os.cpu_count() or 1)
WORKER_IDLE_S = float(os.environ.get("RLHF_PLAYGROUND_WORKER_IDLE_S", "30"))
# Workers yield the CPU to the web server: on a busy server a slider's round trip (a page
# rerun, interactive) goes before an update of training (throughput), which takes the rest.
WORKER_NICE = int(os.environ.get("RLHF_PLAYGROUND_WORKER_NICE", "10"))


# ---- the worker process -------------------------------------------------------------------
def _warm_up() -> None:
    """What a worker's first run would otherwise pay before its first record: the trainers'
    imports, and one throwaway optimiser step (the first `Adam.step` of a process imports
    torch._dynamo: a second here, which the policy-gradient page's first point waited for).
    Then the language-model classes, which the RLHF runs unpickle, after the cheap part."""
    import torch

    import core.actor_critic  # noqa: F401
    import core.offpolicy  # noqa: F401
    import core.pg  # noqa: F401
    import core.ppo  # noqa: F401

    torch.set_num_threads(1)
    weight = torch.nn.Parameter(torch.zeros(2))
    optimizer = torch.optim.Adam([weight], lr=0.1)
    (weight * weight).sum().backward()
    optimizer.step()


def _warm_up_language_models() -> None:
    from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast  # noqa: F401

    import core.rlhf.ppo_lm  # noqa: F401
    import core.rlhf.reward  # noqa: F401


def _worker_main(conn, warm_language_models: bool = True) -> None:
    """A worker's whole life: warm up once, then serve one run after another. A worker started
    for a crowd skips the language models (an RLHF run imports them when it arrives)."""
    if WORKER_NICE and hasattr(os, "nice"):
        os.nice(WORKER_NICE)
    _warm_up()
    conn.send(("ready",))
    if warm_language_models and not conn.poll(0):  # no run waiting yet: the RLHF imports first
        _warm_up_language_models()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "quit":
            return
        if message[0] == "run":
            _serve_run(conn, *message[1:])
        # anything else is a control meant for a run that has already ended: ignored


def _serve_run(conn, make_iterator, skip: int = 0) -> None:
    """Drive one trainer: a record out after each update, controls in between updates. The
    model's tensors (core.checkpoint.WEIGHTS) stay on this side; their safetensors file goes
    to the server when the run pauses and when it ends, so a student can take it home.

    `skip`: a run that leaves a shared computation (see `_Shared`) trains again from the start
    and is sent only its records from `skip` on: the same seed gives the same first `skip`
    records, which it already has. Controls wait until then (a stop does not)."""
    pending: dict = {}
    paused = False
    iterator = None
    latest: dict = {}  # the latest record with a model: its weights and update number
    deferred: collections.deque = collections.deque()  # controls read while replaying

    def send_weights() -> None:
        if latest:
            conn.send(("weights", to_safetensors(latest[WEIGHTS], update=latest.get("update"))))

    def end(status: str, message: str = "") -> None:
        send_weights()
        conn.send(("end", status, message))

    def controls():
        while deferred:
            yield deferred.popleft()
        while conn.poll():
            yield conn.recv()

    try:
        iterator = make_iterator()
        send = getattr(iterator, "send", None)
        record, applied, index = next(iterator), None, 0
        while True:
            if WEIGHTS in record:
                latest = {WEIGHTS: record.pop(WEIGHTS), "update": record.get("update")}
            if index >= skip:
                conn.send(("record", record, applied))
            replaying = index < skip - 1  # the controls apply from the update after record skip - 1
            if first_non_finite(record) is not None:
                end(FAILED)  # the server words the message
                return
            if replaying:
                while conn.poll():
                    deferred.append(conn.recv())
                    if deferred[-1][0] == "stop":
                        end(STOPPED)
                        return
            while not replaying:  # controls: all that arrived, then wait while paused
                for kind, *args in controls():
                    if kind == "stop":
                        end(STOPPED)
                        return
                    if kind == "pause":
                        paused = True
                        send_weights()
                    elif kind == "resume":
                        paused = False
                    elif kind == "live":
                        pending.update(args[0])
                if not paused:
                    break
                conn.poll(None)
            applied = pending if (pending and send is not None) else None
            try:
                record = send(pending) if send is not None else next(iterator)
            except StopIteration:
                end(FINISHED)
                return
            index += 1
            if applied is not None:
                pending = {}
    except StopIteration:
        end(FINISHED)
    except Exception as exc:
        conn.send(("end", FAILED, f"The run failed: {type(exc).__name__}: {exc}"))
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                pass


# ---- the server side ------------------------------------------------------------------------
class _Shared:
    """One computation: a trainer in a worker, and the runs that show it (its members).

    Identical runs share one computation: a class that presses Start on the same settings and
    seed at once trains once, and every student gets the very curve their own run would draw
    (the same seed gives the same records whatever runs beside it: tests/unit/
    test_same_seed_same_curve.py). A late member gets the records so far at once. A member
    that stops leaves; one that pauses or turns a live knob while others watch leaves too,
    with a computation of its own that replays the records it has (`skip`), silently, and goes
    on from there: its curve is never touched by another student's knob.

    The pool's server thread drives it with the interface below; members' controls reach the
    worker only while a member is alone."""

    def __init__(self, make_iterator, key: bytes | None, skip: int = 0):
        self._make_iterator = make_iterator
        self.key = key  # pickled make_iterator: equal for identical runs (None: never shared)
        self.skip = skip
        self.members: list[ProcessRun] = []
        self._controls: collections.deque = collections.deque()  # to the worker, in order
        self._stop = threading.Event()
        self.status = WAITING
        self.steered = skip > 0  # paused or changed live once: its records are one student's own
        self.lock = threading.RLock()

    def joinable(self, key: bytes | None) -> bool:
        with self.lock:
            return (key is not None and key == self.key and not self.steered and not self._stop.is_set()
                    and self.status in (WAITING, RUNNING) and any(m._stride == 1 for m in self.members))

    # what the pool's server thread calls
    def _heartbeat_expired(self) -> bool:
        with self.lock:
            for member in list(self.members):
                if member._heartbeat_expired():
                    self._leave(member, STOPPED, "")
            return not self.members

    def over_time_limit(self) -> bool:
        with self.lock:
            over = [m for m in self.members if m.over_time_limit()]
            for member in self.members:
                if over and member not in over:
                    member.message = over[0].message
            return bool(over)

    @property
    def message(self) -> str:
        return self.members[0].message if self.members else ""

    @message.setter
    def message(self, text: str) -> None:
        for member in list(self.members):
            member.message = text

    def _clock_start(self) -> None:
        with self.lock:
            self.status = RUNNING
            for member in self.members:
                if member.status == WAITING:
                    member.status = RUNNING
                    member._clock_start()

    def _receive(self, record: dict, applied: dict | None) -> bool:
        """Relay a record to every member; True when one found it non-finite (it failed)."""
        with self.lock:
            failed = False
            for member in list(self.members):
                member._receive(dict(record), applied)
                failed = failed or member.status == FAILED
            return failed

    def _set_checkpoint(self, data: bytes) -> None:
        with self.lock:
            for member in self.members:
                member._checkpoint = data

    def _finish(self, status: str, message: str) -> None:
        with self.lock:
            self.status = status
            for member in list(self.members):
                self._leave(member, status, message)

    # what the members call
    def _leave(self, member: "ProcessRun", status: str, message: str) -> None:
        with self.lock:
            if member in self.members:
                self.members.remove(member)
            member._finish(status, message)
            if not self.members:
                self._stop.set()


class ProcessRun(Run):
    """A `Run` whose trainer executes in a worker process of a `WorkerPool` (in a computation
    it may share with identical runs: `_Shared`)."""

    def __init__(self, make_iterator: Callable[[], Iterator[dict]], *, pool: "WorkerPool | None" = None,
                 **kwargs):
        kwargs.pop("slots", None)
        super().__init__(make_iterator, **kwargs)
        self._pool = pool
        self._shared: _Shared | None = None
        self._ended = threading.Event()
        self._started_flag = False
        self._checkpoint: bytes | None = None  # safetensors, from the worker (core.checkpoint)

    # control, from the UI thread
    def start(self) -> None:
        if self._started_flag:
            raise RuntimeError("a Run starts once; make a new Run to train again")
        self._started_flag = True
        self._last_poll = time.monotonic()
        self.status = WAITING
        from core import runner
        runner._started.add(self)
        (self._pool or default_pool()).submit(self)

    @property
    def shared_with(self) -> int:
        """How many other runs share this run's computation (0: it trains alone)."""
        shared = self._shared
        return max(0, len(shared.members) - 1) if shared is not None and self.active else 0

    def _steer(self, control: tuple) -> None:
        """A control for the worker: sent as is while this run is alone in its computation;
        otherwise this run first leaves for a computation of its own (`_Shared`)."""
        shared = self._shared
        if shared is None:
            return
        with shared.lock:
            if self not in shared.members:
                return
            if len(shared.members) == 1:
                shared.steered = True
                shared._controls.append(control)
                return
            shared.members.remove(self)
        own = _Shared(self._make_iterator, None, skip=self._seen)
        own.members.append(self)
        own.status = RUNNING if self.status == RUNNING else WAITING
        own._controls.append(control)
        self._shared = own
        self._pool._enqueue(own)

    def pause(self) -> None:
        if self.status in (WAITING, RUNNING):
            self.status = PAUSED
            self._clock_stop()
            self._steer(("pause",))

    def resume(self) -> None:
        if self.status == PAUSED:
            self._last_poll = time.monotonic()
            self.status = RUNNING
            self._clock_start()
            self._steer(("resume",))

    def stop(self, message: str = "Stopped.") -> None:
        if self.status in ACTIVE or self.status == "idle":
            self.message = message
        self._stop.set()
        shared = self._shared
        if shared is None:
            return
        with shared.lock:
            if self not in shared.members:
                return
            if len(shared.members) > 1:  # the others watch on; this one ends here
                shared._leave(self, STOPPED, "")
                return
            if self._pool is not None and self._pool.cancel(shared):  # still queued: no worker needed
                shared._finish(STOPPED, "")
                return
            shared._controls.append(("stop",))

    def set_live(self, changes: dict) -> None:
        if changes:
            self._steer(("live", dict(changes)))

    def join(self, timeout: float | None = None) -> bool:
        if not self._started_flag:
            return True
        return self._ended.wait(timeout)

    def _queued(self) -> _Shared | None:
        """Its computation while that waits in the pool's queue (for the two figures below)."""
        shared = self._shared
        if self._pool is None or shared is None or self.status not in (WAITING, PAUSED):
            return None
        return shared

    @property
    def estimated_wait_s(self) -> float | None:
        """About how long until it gets a worker (WorkerPool.estimated_wait_s), while queued."""
        shared = self._queued()
        return None if shared is None else self._pool.estimated_wait_s(shared)

    @property
    def queue_position(self) -> int | None:
        """1 for the next run to get a worker; None once it has one (or has ended)."""
        shared = self._queued()
        return None if shared is None else self._pool.position(shared)

    # the pool's server thread calls these (through _Shared)
    def _finish(self, status: str, message: str) -> None:
        if self._since is not None:
            self._clock_stop()
        if self.status in ACTIVE:
            self.status = status
        if message:
            self.message = message
        elif status == FINISHED:
            self.message = self.message or "Finished."
        self._ended.set()

    def _join_log(self, other: "ProcessRun") -> None:
        """Take `other`'s records so far: this run joins the computation `other` shows."""
        with other._lock:
            records, seen, payload, latest = list(other._records), other._seen, dict(other._payload), other._latest
            checkpoint = other._checkpoint
        with self._lock:
            self._records, self._seen, self._payload, self._latest = records, seen, payload, latest
            self._checkpoint = checkpoint

    def _receive(self, record: dict, applied: dict | None) -> None:
        if applied:  # the mark before its record: whoever sees the record sees the mark too
            with self._lock:
                self._marks.append({"index": self._seen, "changes": applied,
                                    "record": {k: v for k, v in record.items() if not k.startswith("_")}})
        self._append(record)
        bad = first_non_finite(record)
        if bad is not None:
            self.status = FAILED
            self.message = (f"The run diverged: `{bad}` became non-finite at record "
                            f"{self._seen}. Try a smaller learning rate, then Reset.")

    @property
    def has_checkpoint(self) -> bool:
        return self._checkpoint is not None

    def checkpoint(self) -> bytes | None:
        """The model as the worker last sent it (when the run paused or ended)."""
        return self._checkpoint


def _key(make_iterator) -> bytes | None:
    """What makes two runs identical: their pickled trainer description (None: not picklable,
    never shared)."""
    try:
        return pickle.dumps(make_iterator)
    except Exception:
        return None


class WorkerPool:
    """Worker processes and the queue of runs waiting for one. Each worker is owned by one
    server thread that hands it runs and relays their records and controls. `size` workers
    are kept warm; while runs wait, the pool starts more, up to `max_size`, and each of those
    quits after `idle_s` without a run."""

    def __init__(self, size: int = POOL_SIZE, max_size: int | None = None, idle_s: float = WORKER_IDLE_S,
                 share_identical: bool = True):
        self.size = max(1, size)
        self.share_identical = share_identical
        self._computations: list[_Shared] = []  # queued or training
        self.max_size = max(self.size, MAX_WORKERS if max_size is None else max_size)
        self.idle_s = idle_s
        self._ctx = mp.get_context("spawn")  # a clean interpreter: no forked locks or threads
        self._queue: collections.deque[_Shared] = collections.deque()
        self._cond = threading.Condition()
        self._closed = False
        self.restarts = 0
        self._held_s: collections.deque[float] = collections.deque(maxlen=20)  # recent runs' worker time
        self._processes: dict[int, object] = {}  # worker slot -> its process
        self._threads: dict[int, threading.Thread] = {}
        self._busy = 0  # server threads driving a run
        self._slots = itertools.count()
        with self._cond:
            for _ in range(self.size):
                self._add_worker(permanent=True)

    # ---- public
    def submit(self, run: ProcessRun) -> None:
        """Give `run` a computation: an identical one under way (`_Shared`), or its own, queued
        for a worker."""
        key = _key(run._make_iterator) if self.share_identical else None
        run._pool = self
        with self._cond:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            for shared in self._computations:
                with shared.lock:
                    if shared.joinable(key):
                        leader = next(m for m in shared.members if m._stride == 1)
                        run._join_log(leader)
                        shared.members.append(run)
                        run._shared = shared
                        if shared.status == RUNNING:
                            run.status = RUNNING
                            run._clock_start()
                        return
            shared = _Shared(run._make_iterator, key)
            shared.members.append(run)
            run._shared = shared
            self._enqueue(shared)

    def _enqueue(self, shared: _Shared) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            self._computations.append(shared)
            self._queue.append(shared)
            free = len(self._threads) - self._busy  # waiting for a run, or still starting up
            if len(self._queue) > free and len(self._threads) < self.max_size:
                self._add_worker(permanent=False)  # a crowd: share the CPU rather than queue
            self._cond.notify()

    @property
    def workers(self) -> int:
        """Worker processes now (warm ones and those started for a crowd)."""
        with self._cond:
            return len(self._threads)

    def position(self, run: _Shared) -> int | None:
        with self._cond:
            try:
                return self._queue.index(run) + 1
            except ValueError:
                return None

    def estimated_wait_s(self, run: _Shared) -> float | None:
        """About how long `run` waits for a worker: the median time the last runs held one,
        times the rounds of `max_size` runs ahead of it (None before any run has ended)."""
        place = self.position(run)
        with self._cond:
            held = sorted(self._held_s)
        if place is None or not held:
            return None
        return held[len(held) // 2] * math.ceil(place / self.max_size)

    def cancel(self, run: _Shared) -> bool:
        """Take `run` out of the queue; False if it was not there (it has a worker)."""
        with self._cond:
            try:
                self._queue.remove(run)
                self._computations.remove(run)
                return True
            except ValueError:
                return False

    def pids(self) -> list[int]:
        with self._cond:
            processes = list(self._processes.values())
        return [p.pid for p in processes if p is not None and p.is_alive()]

    def shutdown(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(10)

    # ---- one server thread per worker
    def _add_worker(self, permanent: bool) -> None:
        """Start a server thread (which spawns its worker). Called holding `_cond`."""
        slot = next(self._slots)
        thread = threading.Thread(target=self._serve, args=(slot, permanent), name=f"worker-{slot}", daemon=True)
        self._threads[slot] = thread
        thread.start()

    def _spawn(self, slot: int, permanent: bool = True):
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_worker_main, args=(child, permanent), name=f"rlhf-worker-{slot}",
                                    daemon=True)
        process.start()
        child.close()
        with self._cond:
            self._processes[slot] = process
        return process, parent

    def _next_run(self, permanent: bool) -> _Shared | None:
        """The oldest queued run still waiting (a run stopped in the queue ends there); None
        when the pool shuts down, or when a worker started for a crowd has idled `idle_s`."""
        with self._cond:
            idle_since = time.monotonic()
            while not self._closed:
                while self._queue:
                    run = self._queue.popleft()
                    if run._stop.is_set() or run._heartbeat_expired():
                        run._finish(STOPPED, "")
                        self._computations.remove(run)
                        continue
                    self._busy += 1
                    return run
                if not permanent and time.monotonic() - idle_since > self.idle_s:
                    return None
                self._cond.wait(0.2)
                for run in list(self._queue):  # the heartbeat of runs waiting in the queue
                    if run._stop.is_set() or run._heartbeat_expired():
                        self._queue.remove(run)
                        self._computations.remove(run)
                        run._finish(STOPPED, "")
            return None

    def _serve(self, slot: int, permanent: bool) -> None:
        process, conn = self._spawn(slot, permanent)
        try:
            while True:
                run = self._next_run(permanent)
                if run is None:
                    _quit(process, conn)
                    return
                try:
                    process, conn = self._drive(slot, process, conn, run)
                except Exception as exc:  # never let a server thread die: the pool would shrink
                    run._finish(FAILED, f"The run failed in the server: {type(exc).__name__}: {exc}")
                finally:
                    with self._cond:
                        self._busy -= 1
                        if run in self._computations:
                            self._computations.remove(run)
        finally:
            with self._cond:
                self._threads.pop(slot, None)
                self._processes.pop(slot, None)

    def _drive(self, slot: int, process, conn, run: _Shared):
        """Hand the computation `run` to worker `slot` and relay until it ends; returns the
        (maybe new) worker."""
        if not process.is_alive():  # died while idle: a fresh one, and nobody's run lost
            conn.close()
            self.restarts += 1
            process, conn = self._spawn(slot)
        handed = time.monotonic()
        try:
            conn.send(("run", run._make_iterator, run.skip))
        except Exception as exc:  # an unpicklable trainer description
            run._finish(FAILED, f"The run could not be sent to a worker: {type(exc).__name__}: {exc}")
            return process, conn
        run._clock_start()
        stopping, over_memory, next_check = False, False, 0.0
        while True:
            while run._controls:
                control = run._controls.popleft()
                stopping = stopping or control[0] == "stop"
                conn.send(control)
            now = time.monotonic()
            if not stopping and now >= next_check:  # the heartbeat and the limits, a few times a second
                next_check = now + 0.25
                over_memory = limit_exceeded(run, process.pid)
                if run._heartbeat_expired() or over_memory or run._stop.is_set():
                    conn.send(("stop",))
                    stopping = True
            try:
                if not conn.poll(0.05):
                    if not process.is_alive():
                        raise EOFError
                    continue
                message = conn.recv()
            except (EOFError, OSError, ConnectionError):
                return self._replace(slot, process, conn, run)
            if message[0] == "record":
                if run._receive(message[1], message[2]) and not stopping:
                    conn.send(("stop",))
                    stopping = True
            elif message[0] == "ready":
                continue
            elif message[0] == "weights":
                run._set_checkpoint(message[1])
            elif message[0] == "end":
                run._finish(message[1], message[2])
                with self._cond:
                    self._held_s.append(time.monotonic() - handed)
                if over_memory:  # give the memory back: a fresh worker for the next run
                    _quit(process, conn)
                    process, conn = self._spawn(slot)
                return process, conn

    def _replace(self, slot: int, process, conn, run: _Shared):
        process.join(1)
        code = process.exitcode
        conn.close()
        self.restarts += 1
        replacement = self._spawn(slot)  # before the run hears of it: its next Start finds a worker
        run._finish(FAILED, f"The worker process training this run died (exit code {code}); "
                            "a fresh one has taken its place. Press Reset, then Start to train again.")
        return replacement


def limit_exceeded(run: Run, pid: int | None = None) -> bool:
    """Whether `run` has passed a limit of `core.runner.LIMITS`: its seconds of training, or
    the memory of the worker process `pid` trains it in. Sets the run's message, which names
    the limit and says that what it drew is kept."""
    if run.over_time_limit():
        return True
    cap = LIMITS.max_run_mb
    if cap and pid is not None:
        try:
            rss_mb = psutil.Process(pid).memory_info().rss / 2**20
        except psutil.Error:
            return False
        if rss_mb > cap:
            run.message = (f"Stopped: this run's worker used {rss_mb:,.0f} MB, over this server's limit of "
                           f"{cap:,} MB per run (RLHF_PLAYGROUND_MAX_RUN_MB). Its curves and exports are kept; "
                           "try fewer seeds or a smaller batch.")
            return True
    return False


def _quit(process, conn) -> None:
    try:
        conn.send(("quit",))
    except Exception:
        pass
    process.join(5)
    if process.is_alive():
        process.terminate()


_default: WorkerPool | None = None
_default_lock = threading.Lock()


def default_pool() -> WorkerPool:
    """The server's pool, started on first use (app.py warms it at the first visit)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = WorkerPool()
        return _default
