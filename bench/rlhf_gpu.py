"""RLHF PPO on a GPU, with the shipped tiny GPT-2 and with one about 10x larger (the same
pipeline: `core.rlhf.pretrain --size large`, pretrained here on the GPU into a temporary
folder), beside the tiny model on this CPU.

- rlhf_gpu_ppo_update_s_tiny / _large: one PPO update at the page's defaults on cuda (median
  of the updates after the first, which pays for CUDA's warm-up);
- rlhf_gpu_large_parameters: the larger model's size.
Where no CUDA device is present, the group says so and prints no figure.
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

UPDATES = 6
PRETRAIN_STEPS = 400


def _ppo_update_s(model_dir, device: str) -> dict:
    from core.rlhf.corpus import PROMPTS
    from core.rlhf.labeler import simulated_pairs
    from core.rlhf.model import load
    from core.rlhf.ppo_lm import RLHFConfig, train_rlhf
    from core.rlhf.reward import RewardConfig, train_reward_model

    lm, tok = load(model_dir, device)
    pairs = simulated_pairs(lm, tok, list(PROMPTS), 400, seed=0)
    rm = [r for r in train_reward_model(RewardConfig(epochs=1, device=device), lm, tok, pairs, seed=0)
          if "_rm" in r][-1]["_rm"]
    stamps = [time.perf_counter()]
    for _ in train_rlhf(RLHFConfig(max_updates=UPDATES, device=device), lm, tok, rm, list(PROMPTS), seed=0):
        stamps.append(time.perf_counter())
    per_update = [b - a for a, b in zip(stamps, stamps[1:])]
    return {"update_s": statistics.median(per_update[1:]), "per_update_s": per_update,
            "parameters": sum(p.numel() for p in lm.parameters())}


def run():
    import torch

    from core.rlhf.model import ASSETS
    from core.rlhf.pretrain import pretrain

    if not torch.cuda.is_available():
        print("rlhf_gpu: no CUDA device here; run `python -m bench rlhf_gpu` on a GPU machine",
              file=sys.stderr)
        return
    cpu = _ppo_update_s(ASSETS, "cpu")
    tiny = _ppo_update_s(ASSETS, "cuda")
    with tempfile.TemporaryDirectory() as folder:
        made = pretrain(Path(folder), steps=PRETRAIN_STEPS, size="large", device="cuda", log_every=10**9)
        large = _ppo_update_s(Path(folder), "cuda")
    gpu = torch.cuda.get_device_name(0)
    yield "rlhf_gpu_ppo_update_s_tiny", tiny["update_s"], "s", {**tiny, "gpu": gpu, "cpu_update_s": cpu["update_s"]}
    yield "rlhf_gpu_ppo_update_s_large", large["update_s"], "s", {
        **large, "gpu": gpu, "pretrain_loss": made["loss"], "pretrain_s": made["seconds"]}
    yield "rlhf_gpu_large_parameters", large["parameters"], "parameters", {"tiny": tiny["parameters"]}
