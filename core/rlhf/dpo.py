"""Direct preference optimisation (Rafailov et al. 2023): no reward model, no sampling, no RL.

KL-regularised RLHF's optimum is pi*(y|x) = pi_ref(y|x) exp(r(x, y) / beta) / Z(x), so a
reward can be read off a policy: r(x, y) = beta log(pi(y|x) / pi_ref(y|x)) + beta log Z(x).
Put that into the reward model's Bradley-Terry loss and Z cancels between the two answers of
a pair:

    L = -log sigmoid( beta [ (log pi(y_w) - log pi_ref(y_w)) - (log pi(y_l) - log pi_ref(y_l)) ] )

The bracket, times beta, is the difference of the two *implicit rewards*; the loss trains the
policy as the reward-model page trained its reward model. beta plays the KL leash's part: a
small beta lets the policy move far from the reference for the same margin.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from core.checkpoint import WEIGHTS
from core.config import apply_live, knob
from core.rlhf.reward import prompts_chosen_rejected
from core.seeding import RunRandom


def implicit_rewards(logp: torch.Tensor, logp_ref: torch.Tensor, beta: float) -> torch.Tensor:
    """beta log(pi / pi_ref) of whole completions (sums of token log-probabilities)."""
    return beta * (logp - logp_ref)


def dpo_loss(logp_chosen: torch.Tensor, logp_rejected: torch.Tensor, ref_chosen: torch.Tensor,
             ref_rejected: torch.Tensor, beta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean DPO loss, per-pair implicit reward margin) of completion log-probabilities under
    the policy (with gradient) and the frozen reference."""
    margin = (implicit_rewards(logp_chosen, ref_chosen, beta)
              - implicit_rewards(logp_rejected, ref_rejected, beta))
    return -F.logsigmoid(margin).mean(), margin.detach()


def implicit_accuracy(margin: torch.Tensor) -> float:
    """The share of pairs whose chosen answer has the larger implicit reward (ties count half,
    as a coin would)."""
    return float(((margin > 0).float() + 0.5 * (margin == 0).float()).mean())


@dataclass
class DPOConfig:
    beta: float = knob(0.1, "DPO β", "How far the implicit reward lets the policy move from the "
                       "reference: small β, far.", lo=0.01, hi=2.0, step=0.01)
    lr: float = knob(1e-4, "Learning rate", "Adam step size; can be changed while training.",
                     lo=1e-6, hi=1e-2, log=True, live=True)
    batch: int = knob(32, "Pairs per step", "Preference pairs in each gradient step.", lo=4, hi=128)
    max_updates: int = knob(60, "Steps", "Stop after this many steps.", lo=1, hi=1000)
    holdout: float = 0.2  # the share of pairs kept out, to measure the implicit reward on
    eval_every: int = 5  # steps between measurements of held-out accuracy, gold, proxy and KL
    eval_prompts: int = 32  # completions sampled for gold, proxy and KL
    new_tokens: int = 16
    device: str = "cpu"


MAX_COMPLETION_TOKENS = 47  # with the end-of-text token, the RLHF page's longest completion


def completion_logprobs(lm, tokenizer, prompts: list[str], completions: list[str],
                        device: str = "cpu") -> torch.Tensor:
    """log pi(completion | prompt) of each text pair, summed over the completion's tokens
    and its end-of-text token (the answer's length is part of the answer): (batch,), with the
    model's gradient. The prompt is encoded as sampling encodes it (core.rlhf.model)."""
    from core.rlhf.model import prompt_ids
    from core.rlhf.ppo_lm import next_token_logprobs, token_logprobs

    ids, mask = prompt_ids(tokenizer, prompts, device)
    rows = [tokenizer.encode(" " + c)[:MAX_COMPLETION_TOKENS] + [tokenizer.eos_token_id] for c in completions]
    width = max(len(r) for r in rows)
    tokens = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
    done = torch.zeros((len(rows), width))
    for i, r in enumerate(rows):
        tokens[i, :len(r)], done[i, :len(r)] = torch.tensor(r), 1.0
    tokens, done = tokens.to(device), done.to(device)
    full_ids, full_mask = torch.cat([ids, tokens], 1), torch.cat([mask, torch.ones_like(tokens)], 1)
    return (token_logprobs(next_token_logprobs(lm, full_ids, full_mask, width), tokens) * done).sum(-1)


def _logprobs(lm, tokenizer, pairs: list[dict], device: str, batch: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """(chosen, rejected) completion log-probabilities of `pairs` under `lm`, without gradient."""
    prompts, chosen, rejected = prompts_chosen_rejected(pairs)
    out_c, out_r = [], []
    with torch.no_grad():
        for i in range(0, len(pairs), batch):
            out_c.append(completion_logprobs(lm, tokenizer, prompts[i:i + batch], chosen[i:i + batch], device))
            out_r.append(completion_logprobs(lm, tokenizer, prompts[i:i + batch], rejected[i:i + batch], device))
    return torch.cat(out_c), torch.cat(out_r)


def train_dpo(config: DPOConfig, lm, tokenizer, pairs: list[dict], prompts: list[str], seed: int,
              rm=None) -> Iterator[dict]:
    """One record per step: DPO loss, the implicit reward's accuracy on the step's pairs and
    (every eval_every steps) on the held-out pairs, and, on completions sampled from the policy
    for `prompts`, the gold score, the reward model's score (when `rm` is given: the proxy the
    RL methods optimise) and the exact KL to the reference summed over each completion. The
    learning rate is live (send)."""
    from core.rlhf.labeler import gold_score
    from core.rlhf.model import Sampling, decode, sample
    from core.rlhf.ppo_lm import completion_mask, exact_token_kl, next_token_logprobs
    from core.rlhf.reward import encode_texts, split

    if len(pairs) < 10:
        raise ValueError("at least 10 labelled pairs are needed to train with DPO.")
    device = config.device
    policy = copy.deepcopy(lm).to(device)
    reference = copy.deepcopy(lm).to(device).eval()
    for p in reference.parameters():
        p.requires_grad_(False)
    train, held = split(pairs, config.holdout, seed)
    ref_c, ref_r = _logprobs(reference, tokenizer, train, device)
    held_ref = _logprobs(reference, tokenizer, held, device) if held else None
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)
    order_rng = RunRandom(seed, device, stream="dpo-order").numpy
    start, measured = time.perf_counter(), {}
    order, i = order_rng.permutation(len(train)), 0
    for step in range(1, config.max_updates + 1):
        if i >= len(train):  # every pair seen once: a new epoch, a new order
            order, i = order_rng.permutation(len(train)), 0
        idx = order[i:i + config.batch]  # an epoch's last batch may be smaller
        i += config.batch
        batch_prompts, chosen, rejected = prompts_chosen_rejected([train[j] for j in idx])
        policy.train()
        logp_c = completion_logprobs(policy, tokenizer, batch_prompts, chosen, device)
        logp_r = completion_logprobs(policy, tokenizer, batch_prompts, rejected, device)
        loss, margin = dpo_loss(logp_c, logp_r, ref_c[idx], ref_r[idx], config.beta)
        optimizer.param_groups[0]["lr"] = config.lr
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        measure = step == 1 or step % config.eval_every == 0 or step == config.max_updates
        if measure:
            policy.eval()
            if held:
                held_c, held_r = _logprobs(policy, tokenizer, held, device)
                measured["heldout_accuracy"] = implicit_accuracy(
                    config.beta * ((held_c - held_ref[0]) - (held_r - held_ref[1])))
            asked = [prompts[(step * config.eval_prompts + k) % len(prompts)] for k in range(config.eval_prompts)]
            # the same coins at every measurement: a change is the policy's, not the dice's
            coins = RunRandom(seed, device, stream="dpo-eval")
            ids, mask, tokens = sample(policy, tokenizer, asked, Sampling(new_tokens=config.new_tokens), coins.torch)
            texts = [a + " " + t for a, t in zip(asked, decode(tokenizer, tokens))]
            with torch.no_grad():
                full_ids = torch.cat([ids, tokens], 1)
                full_mask = torch.cat([mask, torch.ones_like(tokens)], 1)
                logp_all = next_token_logprobs(policy, full_ids, full_mask, tokens.shape[1])
                ref_all = next_token_logprobs(reference, full_ids, full_mask, tokens.shape[1])
                done = completion_mask(tokens, tokenizer.eos_token_id)
                measured["kl"] = float(exact_token_kl(logp_all, ref_all, done).sum(-1).mean())
                measured["gold"] = float(np.mean([gold_score(t) for t in texts]))
                if rm is not None:
                    measured["rm_reward"] = float(rm.to(device).eval()(*encode_texts(tokenizer, texts, device)).mean())
        changes = yield {"update": step, "loss": float(loss.detach()), "beta": float(config.beta),
                         "train_accuracy": implicit_accuracy(margin), "margin": float(margin.mean()),
                         "lr": float(config.lr), "time_s": time.perf_counter() - start,
                         "measured": measure,
                         **measured, WEIGHTS: policy.state_dict()}
        config = apply_live(config, changes)
