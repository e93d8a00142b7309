"""A run's model as safetensors (issue 12 item 5): the file holds the weights after the last
update the run showed, in a thread and in a worker process, and names each trainer's tensors
in a comparison."""
import functools
import time

import pytest
import torch

from core.checkpoint import WEIGHTS, from_safetensors, to_safetensors
from core.multiseed import lockstep
from core.ppo import PPOConfig, train_ppo
from core.runner import FINISHED, PAUSED, Run
from core.workers import ProcessRun, WorkerPool

SMALL = PPOConfig(envs=2, steps=16, epochs=1, minibatches=2, hidden=8, max_updates=3)


def weights_after(n: int, seed: int = 0) -> dict:
    """The model's tensors after `n` updates, trained here, copied."""
    for i, record in enumerate(train_ppo(SMALL, seed), start=1):
        if i == n:
            return {k: v.detach().clone() for k, v in record[WEIGHTS].items()}
    raise AssertionError("the trainer ended early")


def assert_same(tensors: dict, expected: dict) -> None:
    assert set(tensors) == set(expected)
    for name, t in expected.items():
        assert torch.equal(tensors[name], t), name


def test_round_trip_keeps_every_name_and_the_metadata():
    shared = torch.arange(6.0).reshape(2, 3)
    data = to_safetensors({"wte": shared, "lm_head": shared, "b": torch.zeros(2), "note": "not a tensor"},
                          page="rlhf", update=7)
    tensors, metadata = from_safetensors(data)
    assert set(tensors) == {"wte", "lm_head", "b"}
    assert torch.equal(tensors["lm_head"], shared) and tensors["wte"].data_ptr() != tensors["lm_head"].data_ptr()
    assert metadata == {"format": "rlhf-playground-checkpoint", "page": "rlhf", "update": "7"}


def test_a_finished_thread_run_gives_the_weights_of_its_last_update():
    run = Run(functools.partial(train_ppo, SMALL, 0))
    run.start()
    assert run.join(60) and run.status == FINISHED
    tensors, metadata = from_safetensors(run.checkpoint())
    assert metadata["update"] == "3"
    assert_same(tensors, weights_after(3))


def test_a_trainer_without_a_model_has_no_checkpoint():
    run = Run(lambda: iter([{"update": 1}]))
    run.start()
    assert run.join(10)
    assert run.checkpoint() is None


def test_lockstep_names_each_trainers_tensors():
    record = next(lockstep(lambda v, s: train_ppo(SMALL, s, v), ["clip", "none"], [0, 1]))
    names = set(record[WEIGHTS])
    assert {n.split("/")[0] for n in names} == {"clip", "none"}
    assert WEIGHTS not in record["_first_seed"]["clip"]
    solo = weights_after(1, seed=1)
    assert_same({n.removeprefix("clip/seed1/"): t for n, t in record[WEIGHTS].items()
                 if n.startswith("clip/seed1/")}, solo)


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool(1)
    yield pool
    pool.shutdown()


def test_a_worker_sends_the_model_when_the_run_ends_not_with_each_record(pool):
    run = ProcessRun(functools.partial(train_ppo, SMALL, 0), pool=pool)
    run.start()
    assert run.join(120) and run.status == FINISHED
    assert all(WEIGHTS not in r for r in run.poll())
    tensors, metadata = from_safetensors(run.checkpoint())
    assert metadata["update"] == "3"
    assert_same(tensors, weights_after(3))


def test_a_paused_worker_run_has_its_model_too(pool):
    run = ProcessRun(functools.partial(train_ppo, PPOConfig(envs=2, steps=16, epochs=1, hidden=8,
                                                            max_updates=10_000), 0), pool=pool)
    run.start()
    end = time.monotonic() + 60
    while run.n_seen < 2 and time.monotonic() < end:
        run.poll()
        time.sleep(0.05)
    run.pause()
    while run.checkpoint() is None and time.monotonic() < end:
        run.poll()
        time.sleep(0.05)
    assert run.status == PAUSED
    tensors, metadata = from_safetensors(run.checkpoint())
    assert int(metadata["update"]) >= 2 and tensors
    run.stop()
    assert run.join(30)
