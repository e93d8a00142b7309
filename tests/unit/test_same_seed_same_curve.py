"""Same seed, same curve, whatever else runs beside it (issue item 8).

Each trainer that a page drives draws from its own generators (core.seeding). Here a seed's
records must be identical: solo; inside `lockstep` next to other seeds and variants; and while
another run trains in another thread, which also reseeds and draws from torch's and numpy's
global generators the whole time (as an old-style trainer or a notebook would).
"""
import dataclasses
import threading

import numpy as np
import pytest
import torch

from core.actor_critic import ActorCriticConfig, train_actor_critic
from core.multiseed import lockstep
from core.offpolicy import ReuseConfig, train_reuse
from core.pg import ReinforceConfig, train_reinforce
from core.ppo import PPOConfig, train_ppo

N = 3  # updates compared

TRAINERS = {
    # name: (make(variant, seed), variants)
    "reinforce": (lambda v, s: train_reinforce(dataclasses.replace(ReinforceConfig(episodes=2, max_updates=N), baseline=v), s),
                  ("none", "batch_mean", "value")),
    "actor_critic": (lambda v, s: train_actor_critic(ActorCriticConfig(envs=2, steps=8, max_updates=N), s, lam={"td": 0.0, "gae": 0.95}[v]),
                     ("td", "gae")),
    "ppo": (lambda v, s: train_ppo(PPOConfig(envs=2, steps=16, epochs=2, max_updates=N), s, v),
            ("clip", "none")),
    "reuse": (lambda v, s: train_reuse(ReuseConfig(episodes=2, max_updates=N), s, int(v)), ("1", "4")),
}


def numbers(record: dict) -> dict:
    """The record's public numbers, wall-clock time left out."""
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in record.items()
            if not k.startswith("_") and k != "time_s" and isinstance(v, (int, float, np.ndarray))}


def solo(name: str, variant: str, seed: int) -> list[dict]:
    make, _ = TRAINERS[name]
    return [numbers(r) for r in make(variant, seed)]


def noisy_neighbour(stop: threading.Event) -> None:
    """Another run in another thread: it reseeds and draws from the global generators."""
    while not stop.is_set():
        torch.manual_seed(123)
        np.random.seed(123)
        torch.rand(1000)
        np.random.rand(1000)


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_a_seed_gives_the_same_records_solo_in_lockstep_and_beside_another_thread(name):
    make, variants = TRAINERS[name]
    variant = variants[0]
    alone = solo(name, variant, 1)
    assert len(alone) == N
    assert solo(name, variant, 1) == alone, "not even reproducible solo"

    ticks = list(lockstep(make, variants, [2, 1, 3]))
    keys = [k for k in alone[0] if k != "update"]
    for t, record in zip(alone, ticks):
        for key in keys:
            if key in record and np.ndim(record[key]) == 2:
                row = record.get("variants_of", {}).get(key, record["variants"]).index(variant)
                assert record[key][row, 1] == t[key], (name, key, record["update"])

    stop = threading.Event()
    neighbour = threading.Thread(target=noisy_neighbour, args=(stop,), daemon=True)
    neighbour.start()
    try:
        beside = solo(name, variant, 1)
    finally:
        stop.set()
        neighbour.join(5)
    assert beside == alone
