"""The reward model: the pretrained GPT-2 body with a scalar head, trained on preference
pairs with the Bradley-Terry loss  -log sigmoid(r(chosen) - r(rejected))."""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.checkpoint import WEIGHTS
from core.config import apply_live, knob


class RewardModel(nn.Module):
    """r(text): a linear head on the last real token's final hidden state."""

    def __init__(self, lm):
        super().__init__()
        self.body = copy.deepcopy(lm.transformer)
        # built without the default random init (it would draw from torch's global generator)
        self.head = nn.utils.skip_init(nn.Linear, lm.config.n_embd, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        hidden = self.body(input_ids=ids, attention_mask=mask, position_ids=positions).last_hidden_state
        last = mask.shape[1] - 1 - mask.flip(-1).argmax(-1)  # index of the last real token
        return self.head(hidden[torch.arange(len(ids)), last]).squeeze(-1)


def encode_texts(tokenizer, texts: list[str], device: str = "cpu", max_tokens: int = 60):
    """Right-padded ids and mask, BOS first, at most `max_tokens` tokens of each text."""
    rows = [[tokenizer.bos_token_id] + tokenizer.encode(t)[:max_tokens - 1] for t in texts]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)], mask[i, :len(r)] = torch.tensor(r), 1
    return ids.to(device), mask.to(device)


def bradley_terry_loss(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> torch.Tensor:
    """Mean of -log sigmoid(r_chosen - r_rejected)."""
    return -F.logsigmoid(r_chosen - r_rejected).mean()


@torch.no_grad()
def score(rm: RewardModel, tokenizer, texts: list[str], batch: int = 64) -> np.ndarray:
    device = next(rm.parameters()).device
    out = []
    for i in range(0, len(texts), batch):
        out.append(rm(*encode_texts(tokenizer, texts[i:i + batch], device)).cpu())
    return torch.cat(out).numpy() if out else np.zeros(0)


@dataclass
class RewardConfig:
    lr: float = knob(2e-3, "RM learning rate", "Adam step size of the reward model.",
                     lo=1e-5, hi=1e-2, log=True, live=True)
    epochs: int = knob(4, "RM epochs", "Passes over the training pairs.", lo=1, hi=50)
    batch: int = knob(32, "RM batch", "Pairs per step.", lo=4, hi=128)
    holdout: float = knob(0.2, "Held-out share", "Pairs kept aside to measure accuracy.",
                          lo=0.1, hi=0.5, step=0.05)
    device: str = "cpu"


def split(pairs: list[dict], holdout: float, seed: int) -> tuple[list[dict], list[dict]]:
    order = np.random.default_rng(seed).permutation(len(pairs))
    cut = int(round(len(pairs) * (1 - holdout)))
    return [pairs[i] for i in order[:cut]], [pairs[i] for i in order[cut:]]


def prompts_chosen_rejected(pairs: list[dict]) -> tuple[list[str], list[str], list[str]]:
    """Each labelled pair's prompt, and its preferred and other answer."""
    prompts = [p["prompt"] for p in pairs]
    chosen = [p["b"] if p["preferred"] else p["a"] for p in pairs]
    rejected = [p["a"] if p["preferred"] else p["b"] for p in pairs]
    return prompts, chosen, rejected


def _chosen_rejected(pairs: list[dict]) -> tuple[list[str], list[str]]:
    """The preferred and the other whole text (prompt and answer) of each pair."""
    prompts, chosen, rejected = prompts_chosen_rejected(pairs)
    return [p + " " + c for p, c in zip(prompts, chosen)], [p + " " + r for p, r in zip(prompts, rejected)]


def accuracy(rm: RewardModel, tokenizer, pairs: list[dict]) -> float:
    """Share of pairs the model ranks as the labeler did; a tie counts as half (a coin flip
    would get it right half the time), so a model that cannot tell scores 50 %, not 0."""
    if not pairs:
        return float("nan")
    chosen, rejected = _chosen_rejected(pairs)
    r_c, r_r = score(rm, tokenizer, chosen), score(rm, tokenizer, rejected)
    return float(np.mean((r_c > r_r) + 0.5 * (r_c == r_r)))


def train_reward_model(config: RewardConfig, lm, tokenizer, pairs: list[dict], seed: int) -> Iterator[dict]:
    """One record per step: Bradley-Terry loss, and held-out accuracy, measured at the end of
    each epoch (None before the first measurement: nothing to draw yet, which is not 0 %; later
    records carry the last measurement, and `heldout_measured` marks where it was made). The
    trained model travels as the payload `_rm`. The learning rate is live (send)."""
    if len(pairs) < 10:
        raise ValueError("at least 10 labelled pairs are needed to train a reward model.")
    device = config.device
    rm = RewardModel(lm).to(device)  # its head starts at zero: nothing random to draw
    train, held = split(pairs, config.holdout, seed)
    chosen, rejected = _chosen_rejected(train)
    optimizer = torch.optim.Adam(rm.parameters(), lr=config.lr)
    generator = np.random.default_rng(seed)  # the run's own: the order of the pairs
    step, start = 0, time.perf_counter()
    held_acc = None
    for epoch in range(1, config.epochs + 1):
        rm.train()
        order = generator.permutation(len(train))
        for i in range(0, len(order), config.batch):
            idx = order[i:i + config.batch]
            ids_c, mask_c = encode_texts(tokenizer, [chosen[j] for j in idx], device)
            ids_r, mask_r = encode_texts(tokenizer, [rejected[j] for j in idx], device)
            r_c, r_r = rm(ids_c, mask_c), rm(ids_r, mask_r)
            loss = bradley_terry_loss(r_c, r_r)
            for group in optimizer.param_groups:
                group["lr"] = config.lr
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            last = i + config.batch >= len(order)
            if last:
                held_acc = accuracy(rm.eval(), tokenizer, held)
            changes = yield {"update": step, "epoch": epoch, "loss": float(loss.item()),
                             "train_accuracy": float(((r_c > r_r) + 0.5 * (r_c == r_r)).float().mean()),
                             "heldout_accuracy": held_acc, "heldout_measured": last, "lr": float(config.lr),
                             "time_s": time.perf_counter() - start, WEIGHTS: rm.state_dict(),
                             **({"_rm": rm} if last else {})}
            config = apply_live(config, changes)
