"""`python -m core.rlhf.pretrain` reproduces assets/tiny-gpt2: the corpus, the tokenizer, and a
tiny GPT-2 trained on it (next-token prediction), saved as safetensors + config.json +
tokenizer.json. Deterministic for a seed; about a minute on two CPU cores.

`--size large` makes the same pipeline's model about 10x larger (20 M parameters instead of
2 M) for the GPU benchmark (`python -m bench rlhf_gpu`); the app ships the tiny one."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from core.rlhf.corpus import make_corpus
from core.rlhf.model import ASSETS, BOS, build_model, train_tokenizer


# the model's shape by name: "tiny" is the shipped one
SIZES = {"tiny": dict(n_embd=192, n_layer=4, n_head=4),
         "large": dict(n_embd=512, n_layer=6, n_head=8)}


def pretrain(out: Path = ASSETS, steps: int = 800, batch: int = 64, seed: int = 0,
             log_every: int = 100, size: str = "tiny", device: str = "cpu") -> dict:
    torch.manual_seed(seed)
    texts = make_corpus(20_000, seed)
    tokenizer = train_tokenizer(texts)
    model = build_model(len(tokenizer), **SIZES[size]).to(device)
    ids = [tokenizer.encode(BOS + t + BOS) for t in texts]
    width = min(max(len(r) for r in ids), model.config.n_positions)
    data = torch.full((len(ids), width), tokenizer.pad_token_id)
    mask = torch.zeros((len(ids), width))
    for i, r in enumerate(ids):
        data[i, :len(r[:width])] = torch.tensor(r[:width])
        mask[i, :len(r[:width])] = 1
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    data, mask = data.to(device), mask.to(device)
    model.train()
    start = time.perf_counter()
    for step in range(1, steps + 1):
        idx = torch.randint(len(data), (batch,), generator=generator).to(device)
        labels = data[idx].masked_fill(mask[idx] == 0, -100)
        loss = model(input_ids=data[idx], attention_mask=mask[idx], labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % log_every == 0:
            print(f"step {step}: loss {loss.item():.3f} ({time.perf_counter() - start:.0f} s)", flush=True)
    model.eval().cpu()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return {"loss": float(loss.item()), "parameters": sum(p.numel() for p in model.parameters()),
            "seconds": time.perf_counter() - start}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ASSETS)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", choices=tuple(SIZES), default="tiny")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(2)
    print(pretrain(args.out, args.steps, seed=args.seed, size=args.size, device=args.device))
