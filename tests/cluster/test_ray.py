"""Runs on a real Ray cluster (issue 13): a local head on loopback, started as an operator
would (`ray start --head`), and the app's own connection to it through RAY_ADDRESS."""
import functools
import os
import shutil
import subprocess
import sys
import time

import pytest

from core.ppo import PPOConfig, train_ppo
from core.runner import FAILED, FINISHED, PAUSED, RUNNING, STOPPED, backend, new_run
from tests.browser.conftest import free_port

if os.environ.get("REQUIRE_CLUSTER_TESTS"):  # CI: a missing Ray fails, never skips
    import ray
else:
    ray = pytest.importorskip("ray", reason="Ray is optional: pip install -r requirements-cluster.txt")
RAY = shutil.which("ray") or os.path.join(os.path.dirname(sys.executable), "ray")


@pytest.fixture(scope="module")
def cluster():
    port = free_port()
    subprocess.run([RAY, "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
                    "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats"],
                   check=True, capture_output=True, timeout=180)
    before = os.environ.get("RAY_ADDRESS")
    os.environ["RAY_ADDRESS"] = f"127.0.0.1:{port}"
    try:
        yield os.environ["RAY_ADDRESS"]
    finally:
        ray.shutdown()
        if before is None:
            os.environ.pop("RAY_ADDRESS", None)
        else:
            os.environ["RAY_ADDRESS"] = before
        subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120)


def wait_until(predicate, run, timeout=120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        run.poll()
        if predicate():
            return True
        time.sleep(0.05)
    return False


def small(max_updates: int) -> PPOConfig:
    return PPOConfig(envs=2, steps=32, epochs=2, minibatches=2, max_updates=max_updates)


def public(records):
    return [{k: v for k, v in r.items() if not k.startswith("_") and k != "time_s"} for r in records]


def test_a_ppo_run_trains_on_the_cluster_and_matches_the_same_seed_here(cluster):
    assert backend() == "ray"
    run = new_run(functools.partial(train_ppo, small(6), 3), name="ppo_run")
    run.start()
    assert wait_until(lambda: not run.active, run) and run.status == FINISHED, run.message
    assert run.message == "Finished." and run.n_seen == 6
    import numpy as np

    here = public(list(train_ppo(small(6), 3)))
    there = public(run.poll())
    assert [r["update"] for r in there] == [r["update"] for r in here]
    for a, b in zip(there, here):
        for key in a:
            assert np.allclose(a[key], b[key]), key
    assert run.has_checkpoint and run.checkpoint()[:8]  # the model came home
    with pytest.raises(ValueError):  # and its actor is gone
        time.sleep(2)
        ray.get_actor(run.actor_name)


def test_stop_pause_resume_and_a_live_knob_on_the_cluster(cluster):
    run = new_run(functools.partial(train_ppo, small(5000), 0), name="ppo_run")
    run.start()
    assert wait_until(lambda: run.n_seen >= 2, run) and run.status == RUNNING
    run.set_live({"lr": 0.001})
    assert wait_until(lambda: run.latest["lr"] == 0.001, run)
    [mark] = run.marks
    assert mark["changes"] == {"lr": 0.001} and mark["record"]["lr"] == 0.001
    assert all(r["lr"] != 0.001 for r in run.poll()[:mark["index"]])
    run.pause()
    assert run.status == PAUSED
    time.sleep(1.5)
    held = run.n_seen
    time.sleep(1.5)
    run.poll()
    assert run.n_seen == held  # nothing trains while paused
    assert run.checkpoint()  # a paused run's model downloads
    run.resume()
    assert wait_until(lambda: run.n_seen > held, run)
    run.stop()
    assert run.join(60) and run.status == STOPPED and run.message == "Stopped."


def test_a_page_on_another_replica_finds_the_run_by_name(cluster):
    from core.cluster import RayRun

    run = new_run(functools.partial(train_ppo, small(5000), 1), name="ppo_run")
    run.start()
    assert wait_until(lambda: run.n_seen >= 3, run)
    again = RayRun.attach(run.actor_name, name="ppo_run")
    assert again is not None and wait_until(lambda: again.n_seen >= run.n_seen, again)
    assert public(again.poll())[:3] == public(run.poll())[:3]
    again.stop()
    assert again.join(60) and run.join(60) and run.status == STOPPED
    assert RayRun.attach("run-that-never-was") is None


def test_errors_and_the_heartbeat_on_the_cluster(cluster):
    broken = new_run(functools.partial(iter, None), name="broken")  # make_iterator() raises
    broken.start()
    assert wait_until(lambda: not broken.active, broken) and broken.status == FAILED
    assert "TypeError" in broken.message
    orphan = new_run(functools.partial(train_ppo, small(5000), 2), name="orphan", heartbeat_s=2.0)
    orphan.start()
    assert orphan.join(90) and orphan.status == STOPPED and "nobody watched" in orphan.message
