"""Every trainer a few updates on `cuda`: the records are finite and the GPU did the work.

Runs only where CUDA is available (skipped elsewhere, with the reason shown: CI and the
development machines have no GPU). On a GPU machine: `python -m pytest tests/gpu`.
"""
import math

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


def finite(record: dict) -> bool:
    for key, value in record.items():
        if key.startswith("_") or isinstance(value, (str, list, dict)) or value is None:
            continue
        if not np.all(np.isfinite(np.asarray(value, dtype=float))):
            return False
    return True


def trained_on_cuda(trainer, updates: int | None = 3) -> list[dict]:
    """The first `updates` records (all of them for None), checked."""
    torch.cuda.reset_peak_memory_stats()
    records = list(trainer) if updates is None else [r for _, r in zip(range(updates), trainer)]
    assert records and (updates is None or len(records) == updates)
    assert all(finite(r) for r in records)
    assert torch.cuda.max_memory_allocated() > 0, "nothing was allocated on the GPU"
    return records


def test_reinforce_on_cuda():
    from core.pg import ReinforceConfig, train_reinforce
    trained_on_cuda(train_reinforce(ReinforceConfig(device="cuda", episodes=2, baseline="value"), 0))


def test_a2c_on_cuda():
    from core.actor_critic import ActorCriticConfig, train_actor_critic
    trained_on_cuda(train_actor_critic(ActorCriticConfig(device="cuda", envs=2, steps=16), 0))


def test_ppo_on_cuda():
    from core.ppo import PPOConfig, train_ppo
    trained_on_cuda(train_ppo(PPOConfig(device="cuda", envs=2, steps=16, epochs=2), 0))


@pytest.fixture(scope="module")
def shipped_on_cuda():
    from core.rlhf.model import ASSETS, load
    return load(ASSETS, "cuda")


def test_reward_model_and_rlhf_ppo_on_cuda(shipped_on_cuda):
    from core.rlhf.corpus import PROMPTS
    from core.rlhf.labeler import simulated_pairs
    from core.rlhf.ppo_lm import RLHFConfig, train_rlhf
    from core.rlhf.reward import RewardConfig, train_reward_model

    lm, tokenizer = shipped_on_cuda
    pairs = simulated_pairs(lm, tokenizer, list(PROMPTS), 64, seed=0)
    rm_records = trained_on_cuda(train_reward_model(RewardConfig(device="cuda", epochs=1), lm, tokenizer,
                                                    pairs, 0), updates=None)
    rm = rm_records[-1]["_rm"]  # the trained model travels on the run's last record
    assert next(rm.parameters()).device.type == "cuda"
    records = trained_on_cuda(train_rlhf(RLHFConfig(device="cuda", prompts=8, new_tokens=8), lm, tokenizer,
                                         rm, list(PROMPTS), 0), 2)
    assert math.isfinite(records[-1]["kl"])
