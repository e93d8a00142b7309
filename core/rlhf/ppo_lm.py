"""PPO for a language model, InstructGPT style.

A prompt is the state, the completion the action, taken token by token. The reward of a
completion y for a prompt x is the reward model's score minus a per-token leash to the frozen
reference model:

    r_t = -beta * (log pi(y_t | x, y_<t) - log pi_ref(y_t | x, y_<t))   (every token)
    r_T += r_RM(x, y)                                                  (the last token)

A value head on the policy's hidden states gives V per token; GAE over the tokens gives the
advantages; the update is PPO's clipped objective (core.ppo.clipped_surrogate). beta is fixed,
or adapted towards a KL target with PPO's rule.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from torch import nn

from core.advantage import gae
from core.config import knob
from core.ppo import adapt_beta, clipped_surrogate
from core.rlhf.labeler import gold_score
from core.rlhf.model import Sampling, decode, sample
from core.rlhf.reward import RewardModel, encode_texts


@dataclass
class RLHFConfig:
    beta: float = knob(0.1, "KL β", "Weight of the per-token KL leash to the reference model.",
                       lo=0.0, hi=2.0, step=0.01, live=True)
    adaptive: bool = knob(False, "Adaptive β", "Steer the KL towards the target with PPO's rule.")
    kl_target: float = knob(2.0, "KL target", "Per-completion KL the adaptive β aims for.",
                            lo=0.1, hi=20.0, step=0.1)
    lr: float = knob(3e-4, "Policy learning rate", "Adam step size; can be changed while training.",
                     lo=1e-5, hi=1e-2, log=True, live=True)
    prompts: int = knob(32, "Prompts per update", "Completions sampled per update.", lo=4, hi=128)
    new_tokens: int = knob(16, "New tokens", "Length of each completion.", lo=4, hi=48)
    epochs: int = knob(4, "PPO epochs", "Passes over each batch.", lo=1, hi=10)
    clip_eps: float = knob(0.2, "Clip ε", "PPO's clip on the per-token ratio.", lo=0.05, hi=0.5,
                           step=0.01)
    max_updates: int = knob(60, "Updates", "Stop after this many updates.", lo=1, hi=1000)
    minibatches: int = 2
    gamma: float = 1.0
    lam: float = 0.95
    value_coef: float = 0.5
    device: str = "cpu"


class PolicyWithValue(nn.Module):
    """The language model plus a scalar value head on its last hidden layer."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm
        self.value_head = nn.Linear(lm.config.n_embd, 1)
        nn.init.zeros_(self.value_head.weight)
        nn.init.zeros_(self.value_head.bias)

    def forward(self, ids, mask, n_new: int):
        """Log-probabilities of all tokens and values at the positions that predict the last
        n_new tokens: (batch, n_new, vocab) and (batch, n_new)."""
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        out = self.lm(input_ids=ids, attention_mask=mask, position_ids=positions,
                      output_hidden_states=True)
        logits = out.logits[:, -n_new - 1:-1]
        hidden = out.hidden_states[-1][:, -n_new - 1:-1]
        return torch.log_softmax(logits.float(), -1), self.value_head(hidden).squeeze(-1)


def token_logprobs(logp_all: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    return logp_all.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)


def completion_mask(tokens: torch.Tensor, eos_id: int) -> torch.Tensor:
    """1 up to and including the first end-of-text token, 0 after it."""
    is_eos = (tokens == eos_id).long()
    after = is_eos.cumsum(-1) - is_eos
    return (after == 0).float()


def per_token_kl(logp_policy: torch.Tensor, logp_ref: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """log pi - log pi_ref of the sampled tokens (its sum is a one-sample estimate of the
    completion's KL(pi || pi_ref)); zero where masked."""
    return (logp_policy - logp_ref) * mask


def shaped_rewards(scores: torch.Tensor, kl: torch.Tensor, mask: torch.Tensor, beta: float) -> torch.Tensor:
    """-beta * KL on every token, plus the reward model's score on each completion's last token."""
    rewards = -beta * kl
    last = (mask.sum(-1).long() - 1).clamp(min=0)
    rewards[torch.arange(len(scores)), last] += scores
    return rewards * mask


def train_rlhf(config: RLHFConfig, lm, tokenizer, rm: RewardModel, prompts: list[str],
               seed: int, watch: list[str] | None = None) -> Iterator[dict]:
    """One record per PPO update: RM reward (proxy), gold score, KL to the reference, entropy,
    clipfrac, beta; the payload `_samples` holds completions for the `watch` prompts."""
    torch.manual_seed(seed)
    device = config.device
    policy = PolicyWithValue(copy.deepcopy(lm)).to(device)
    reference = copy.deepcopy(lm).to(device).eval()
    rm = rm.to(device).eval()
    for p in list(reference.parameters()) + list(rm.parameters()):
        p.requires_grad_(False)
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)
    generator = torch.Generator(device=device).manual_seed(seed)
    beta, start, T = config.beta, time.perf_counter(), config.new_tokens
    for update in range(1, config.max_updates + 1):
        batch_prompts = [prompts[(update * config.prompts + i) % len(prompts)] for i in range(config.prompts)]
        policy.eval()
        ids, mask, tokens = sample(policy.lm, tokenizer, batch_prompts, Sampling(new_tokens=T), generator)
        full_ids, full_mask = torch.cat([ids, tokens], 1), torch.cat([mask, torch.ones_like(tokens)], 1)
        done = completion_mask(tokens, tokenizer.eos_token_id)
        texts = decode(tokenizer, tokens)
        full_texts = [p + " " + t for p, t in zip(batch_prompts, texts)]
        with torch.no_grad():
            logp_all, values = policy(full_ids, full_mask, T)
            logp_old = token_logprobs(logp_all, tokens)
            positions = (full_mask.cumsum(-1) - 1).clamp(min=0)
            ref_logits = reference(input_ids=full_ids, attention_mask=full_mask, position_ids=positions).logits
            logp_ref = token_logprobs(torch.log_softmax(ref_logits[:, -T - 1:-1].float(), -1), tokens)
            scores = rm(*encode_texts(tokenizer, full_texts, device))
            kl = per_token_kl(logp_old, logp_ref, done)
            rewards = shaped_rewards(scores, kl, done, beta)
            next_values = torch.cat([values[:, 1:], torch.zeros_like(values[:, :1])], 1) * done
            ends = torch.zeros_like(done)
            ends[torch.arange(len(done)), (done.sum(-1).long() - 1).clamp(min=0)] = 1.0
            advantages = gae(rewards.T, (values * done).T, next_values.T, ends.T, config.gamma, config.lam).T
            returns = advantages + values
            valid = done.bool()
            adv_norm = (advantages - advantages[valid].mean()) / (advantages[valid].std() + 1e-8)
        policy.train()
        clipfracs = []
        for group in optimizer.param_groups:
            group["lr"] = config.lr
        n = len(full_ids)
        for _ in range(config.epochs):
            order = torch.randperm(n, device=device)
            for chunk in order.chunk(config.minibatches):
                logp_all, new_values = policy(full_ids[chunk], full_mask[chunk], T)
                ratio = torch.exp(token_logprobs(logp_all, tokens[chunk]) - logp_old[chunk])
                m = done[chunk]
                policy_loss = -(clipped_surrogate(ratio, adv_norm[chunk], config.clip_eps) * m).sum() / m.sum()
                value_loss = (((new_values - returns[chunk]) ** 2) * m).sum() / m.sum()
                loss = policy_loss + config.value_coef * value_loss
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
                optimizer.step()
                clipfracs.append(float((((ratio - 1).abs() > config.clip_eps).float() * m).sum() / m.sum()))
        with torch.no_grad():
            entropy = float(-((logp_all.exp() * logp_all).sum(-1) * m).sum() / m.sum())
        kl_per_completion = float(kl.sum(-1).mean())
        if config.adaptive:
            beta = adapt_beta(beta, kl_per_completion, config.kl_target)
        else:
            beta = config.beta
        record = {
            "update": update, "time_s": time.perf_counter() - start,
            "rm_reward": float(scores.mean()), "gold": float(np.mean([gold_score(t) for t in full_texts])),
            "kl": kl_per_completion, "entropy": entropy, "clipfrac": float(np.mean(clipfracs)),
            "beta": float(beta), "value_loss": float(value_loss.item()),
        }
        if watch:
            policy.eval()
            watch_gen = torch.Generator(device=device).manual_seed(seed)
            _, _, watched = sample(policy.lm, tokenizer, watch, Sampling(new_tokens=T), watch_gen)
            record["_samples"] = decode(tokenizer, watched)
        yield record


def one_token_kl_ppo(ref_logits: np.ndarray, rewards: np.ndarray, beta: float, updates: int = 300,
                     batch: int = 256, epochs: int = 4, lr: float = 0.05, clip_eps: float = 0.2,
                     seed: int = 0) -> np.ndarray:
    """The same KL-penalised PPO on a one-token action space: reward r(a) - beta log(pi/pi_ref),
    a batch-mean baseline, the clipped objective. Returns the final policy; the optimum of
    E_pi[r] - beta KL(pi || pi_ref) is pi*(a) proportional to pi_ref(a) exp(r(a) / beta)."""
    torch.manual_seed(seed)
    ref = torch.log_softmax(torch.as_tensor(ref_logits, dtype=torch.float64), 0)
    r = torch.as_tensor(rewards, dtype=torch.float64)
    theta = ref.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([theta], lr=lr)
    for _ in range(updates):
        with torch.no_grad():
            logp_old = torch.log_softmax(theta, 0)
            actions = torch.multinomial(logp_old.exp(), batch, replacement=True)
            total = r[actions] - beta * (logp_old[actions] - ref[actions])
            advantages = total - total.mean()
        for _ in range(epochs):
            ratio = torch.exp(torch.log_softmax(theta, 0)[actions] - logp_old[actions])
            loss = -clipped_surrogate(ratio, advantages, clip_eps).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return torch.softmax(theta.detach(), 0).numpy()


def frontier(config: RLHFConfig, betas: list[float], lm, tokenizer, rm, prompts: list[str],
             seed: int) -> Iterator[dict]:
    """The over-optimisation picture: a PPO run per beta (same seed), one record per update
    tagged with its beta, so proxy (RM) and gold reward can be drawn against the KL spent."""
    import dataclasses

    for beta in betas:
        run_config = dataclasses.replace(config, beta=beta, adaptive=False)
        for record in train_rlhf(run_config, lm, tokenizer, rm, prompts, seed):
            yield {**record, "beta": beta}
