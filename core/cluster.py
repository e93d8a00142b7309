"""Runs on a Ray cluster: a course that outgrows one machine (issue 13).

When `RAY_ADDRESS` is set (app.py also takes `ray_address` from .streamlit/secrets.toml), runs
execute on the cluster instead of this server's worker processes, behind the same handle as
every other run (`core.runner.Run`: start, pause, resume, stop, live knobs, records, heartbeat,
NaN and errors as messages, the model as safetensors).

One Ray actor per run is the natural fit for a long-lived, steerable run: the actor holds the
trainer (in a `core.runner.Run` of its own: a thread, so control calls are answered while it
trains; `max_concurrency`), and the web server keeps a `RayRun` that pulls the new records a
few times a second and sends controls as actor calls. The actor is named and detached, so it
outlives the web replica that started it: a page reloaded on another replica finds it again
by name (`RayRun.attach`) and goes on drawing it. A run nobody polls stops by its heartbeat,
and its actor then exits on its own (`ORPHAN_S`).

`ray.init` runs once per process (`connect`), never per page rerun. Ray is optional: install
`requirements-cluster.txt`; without `RAY_ADDRESS` nothing here is imported.
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator

from core.checkpoint import WEIGHTS
from core.runner import ACTIVE, FAILED, FINISHED, PAUSED, RUNNING, STOPPED, WAITING, Run

NAMESPACE = "rlhf-playground"
ROOT = Path(__file__).resolve().parent.parent
FETCH_S = 0.2  # how often a RayRun pulls new records
ORPHAN_S = 60.0  # an actor whose run ended, and that nobody asked for this long, exits
CPUS_PER_RUN = float(os.environ.get("RLHF_PLAYGROUND_RAY_CPUS_PER_RUN", "1"))
# the code the cluster's workers need (the repository minus what only develops it)
EXCLUDES = [".git", "artifacts", "tests", "bench", "docs", "**/__pycache__", "*.png"]

_lock = threading.Lock()


def address() -> str | None:
    """The cluster this server sends runs to, if any."""
    return os.environ.get("RAY_ADDRESS") or None


def connect():
    """`ray`, connected to the cluster: once per process, whatever reruns the pages do."""
    import ray

    with _lock:
        if not ray.is_initialized():
            ray.init(address=address(), namespace=NAMESPACE, log_to_driver=False,
                     runtime_env={"working_dir": str(ROOT), "excludes": EXCLUDES})
    return ray


def _records_of(make_iterator: Callable[[], Iterator[dict]], out: list, lock: threading.Lock):
    """The trainer's records, each also kept in `out` (without the model's tensors) for the
    web server to pull; live changes pass through to the trainer."""
    iterator = make_iterator()
    send = getattr(iterator, "send", None)
    try:
        record = next(iterator)
        while True:
            with lock:
                out.append({k: v for k, v in record.items() if k != WEIGHTS})
            changes = yield record
            try:
                record = send(changes) if send is not None else next(iterator)
            except StopIteration:
                return
    except StopIteration:
        return
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


class RunActor:
    """The cluster side of one run (wrapped by `ray.remote` in `_actor_class`)."""

    def __init__(self, make_iterator, heartbeat_s: float, max_records: int):
        import torch

        torch.set_num_threads(1)
        self._out: list[dict] = []
        self._lock = threading.Lock()
        self._asked = time.monotonic()
        self._run = Run(lambda: _records_of(make_iterator, self._out, self._lock), heartbeat_s=heartbeat_s,
                        max_records=max_records, slots=threading.BoundedSemaphore(1), name="ray")
        self._run.start()
        threading.Thread(target=self._exit_when_orphaned, daemon=True).start()

    def since(self, n: int) -> dict:
        """Records from the n-th on, and the run's state; also its heartbeat."""
        self._asked = time.monotonic()
        self._run.touch()
        run = self._run
        with self._lock:
            records = self._out[n:]
        return {"records": records, "status": run.status, "message": run.message, "elapsed_s": run.elapsed_s,
                "marks": run.marks, "has_checkpoint": run.has_checkpoint}

    def pause(self) -> None:
        self._run.pause()

    def resume(self) -> None:
        self._run.resume()

    def stop(self, message: str) -> None:
        self._run.stop(message)

    def set_live(self, changes: dict) -> None:
        self._run.set_live(changes)

    def checkpoint(self) -> bytes | None:
        return self._run.checkpoint()

    def _exit_when_orphaned(self) -> None:
        import ray

        while self._run.active or time.monotonic() - self._asked < ORPHAN_S:
            time.sleep(1.0)
        ray.kill(ray.get_runtime_context().current_actor)


_actor = None


def _actor_class():
    global _actor
    ray = connect()
    if _actor is None:
        _actor = ray.remote(max_concurrency=4)(RunActor)
    return _actor


class RayRun(Run):
    """A `Run` whose trainer executes in a Ray actor (see the module docstring)."""

    def __init__(self, make_iterator: Callable[[], Iterator[dict]] | None = None, **kwargs):
        kwargs.pop("slots", None)
        super().__init__(make_iterator or (lambda: iter(())), **kwargs)
        self.actor_name: str | None = None
        self._handle = None
        self._ended = threading.Event()
        self._fetcher: threading.Thread | None = None
        self._remote: dict = {}
        self._checkpoint: bytes | None = None
        self._started_flag = False

    # ---- control (UI thread)
    def start(self) -> None:
        if self._started_flag:
            raise RuntimeError("a Run starts once; make a new Run to train again")
        self._started_flag = True
        self.actor_name = f"run-{uuid.uuid4().hex}"
        self._handle = _actor_class().options(
            name=self.actor_name, lifetime="detached", num_cpus=CPUS_PER_RUN).remote(
            self._make_iterator, self._heartbeat_s, self._max_records)
        self._follow()

    @classmethod
    def attach(cls, actor_name: str, **kwargs) -> "RayRun | None":
        """The run `actor_name` on the cluster, drawn from its first record (None when it no
        longer exists): a page reloaded on another replica goes on showing its run."""
        ray = connect()
        try:
            handle = ray.get_actor(actor_name)
        except ValueError:
            return None
        run = cls(**kwargs)
        run._started_flag = True
        run.actor_name, run._handle = actor_name, handle
        run._follow()
        return run

    def _follow(self) -> None:
        from core import runner

        self._last_poll = time.monotonic()
        self.status = WAITING
        runner._started.add(self)
        self._fetcher = threading.Thread(target=self._fetch, name=f"ray-{self.actor_name}", daemon=True)
        self._fetcher.start()

    def pause(self) -> None:
        if self.status in (WAITING, RUNNING):
            self.status = PAUSED
            self._handle.pause.remote()

    def resume(self) -> None:
        if self.status == PAUSED:
            self._last_poll = time.monotonic()
            self.status = RUNNING
            self._handle.resume.remote()

    def stop(self, message: str = "Stopped.") -> None:
        if self.status in ACTIVE:
            self.message = message
        self._stop.set()
        if self._handle is None:
            return
        if self.status == WAITING and not self._seen:  # still waiting for a CPU of the cluster
            connect().kill(self._handle)
            self._end(STOPPED, "")
            return
        self._handle.stop.remote(message)

    def set_live(self, changes: dict) -> None:
        if changes and self._handle is not None:
            self._handle.set_live.remote(dict(changes))

    def join(self, timeout: float | None = None) -> bool:
        return True if not self._started_flag else self._ended.wait(timeout)

    # ---- reading
    @property
    def elapsed_s(self) -> float:
        return float(self._remote.get("elapsed_s", 0.0))

    @property
    def marks(self) -> list[dict]:
        return list(self._remote.get("marks", []))

    @property
    def has_checkpoint(self) -> bool:
        return self._checkpoint is not None or bool(self._remote.get("has_checkpoint"))

    def checkpoint(self) -> bytes | None:
        """The model as safetensors: asked of the actor while the run lives (paused), kept
        from its end afterwards."""
        return self._checkpoint if self._ended.is_set() else self._get_checkpoint()

    def _get_checkpoint(self) -> bytes | None:
        import ray

        try:
            return ray.get(self._handle.checkpoint.remote(), timeout=60)
        except Exception:
            return None

    # ---- the fetcher thread
    def _fetch(self) -> None:
        import ray

        failures = 0
        while not self._ended.is_set():
            if self.active and not self._stop.is_set() and self._heartbeat_expired():
                self._handle.stop.remote(self.message)
                self._stop.set()
            try:
                state = ray.get(self._handle.since.remote(self._seen), timeout=30)
                failures = 0
            except ray.exceptions.GetTimeoutError:
                continue  # the actor waits for a CPU of the cluster: the run waits with it
            except Exception as exc:  # the actor died, or the cluster went away
                failures += 1
                if failures >= 3:
                    self._end(FAILED, f"The run on the cluster was lost: {type(exc).__name__}: {exc}")
                    return
                time.sleep(1.0)
                continue
            for record in state["records"]:
                self._append(record)
            self._remote = state
            remote = state["status"]
            if remote in (FINISHED, STOPPED, FAILED):
                if state["has_checkpoint"]:  # the model comes home before its actor goes
                    self._checkpoint = self._get_checkpoint()
                ray.kill(self._handle)
                self._end(remote, state["message"])
                return
            if remote == RUNNING and self.status == WAITING:
                self.status = RUNNING
            time.sleep(FETCH_S)

    def _end(self, status: str, message: str) -> None:
        if self._ended.is_set():
            return
        if self.status in ACTIVE:
            self.status = status
        if message and not (self.message and status == STOPPED):
            self.message = message
        if status == FINISHED:
            self.message = self.message or "Finished."
        self._ended.set()
