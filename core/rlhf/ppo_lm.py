"""PPO for a language model, InstructGPT style.

A prompt is the state, the completion the action, taken token by token. The reward of a
completion y for a prompt x is the reward model's score minus a per-token leash to the frozen
reference model:

    r_t = -beta * (log pi(y_t | x, y_<t) - log pi_ref(y_t | x, y_<t))   (every token)
    r_T += r_RM(x, y)                                                  (the last token)

A value head on the policy's hidden states gives V per token; GAE over the tokens gives the
advantages; the update is PPO's clipped objective (core.ppo.clipped_surrogate). beta is fixed,
or adapted towards a KL target with PPO's rule or Ziegler et al.'s proportional controller.

The value head reads the language model's features but does not train them (it sees them
detached, and has its own step size). Measured on the shipped model with a shared trunk, the
value loss at beta = 2 grew with the KL penalties in the returns (the return's variance grows
like beta^2) from about 10 to over 10^4, its gradient on the language model reached 80-200
against the policy loss's 1-4, and after the joint gradient clip nearly every step was the
critic's: the model drifted from the reference (KL 3 -> 120 nats in four updates, gibberish
running to the token limit), which raised the penalties and the value loss again. A strong
leash then spent the most KL. With the critic off the policy's gradient, beta = 2 stays
near 1.5 nats and beta = 0 spends the most.
"""
from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from torch import nn

from core.checkpoint import WEIGHTS
from core.advantage import gae
from core.config import apply_live, knob
from core.ppo import adapt_beta, clipped_surrogate, proportional_beta
from core.rlhf.labeler import gold_score
from core.rlhf.model import Sampling, decode, sample
from core.rlhf.reward import RewardModel, encode_texts
from core.seeding import RunRandom


KL_RULES = ("halve_or_double", "proportional")


@dataclass
class RLHFConfig:
    beta: float = knob(0.1, "KL β", "Weight of the per-token KL leash to the reference model.",
                       lo=0.0, hi=2.0, step=0.01, live=True)
    adaptive: bool = knob(False, "Adaptive β", "Steer the KL towards the target with the rule below.")
    kl_target: float = knob(2.0, "KL target", "Per-completion KL the adaptive β aims for.",
                            lo=0.1, hi=20.0, step=0.1)
    kl_rule: str = knob("halve_or_double", "Adaptive rule", "halve_or_double: the PPO paper's, β halved "
                        "or doubled when the KL is off by 1.5×. proportional: Ziegler et al.'s, as RLHF "
                        "libraries use it, β moved by the KL's relative error (at most ±20 %) times "
                        "completions / horizon.", choices=KL_RULES)
    kl_horizon: int = knob(320, "KL horizon", "The proportional rule's pace: completions over which β "
                           "moves by the full error.", lo=32, hi=10_000)
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
    value_lr: float = 1e-2  # the value head's own Adam step: a linear probe that must keep up
    device: str = "cpu"


class PolicyWithValue(nn.Module):
    """The language model plus a scalar value head on its last hidden layer. The head reads
    the hidden states detached: the value loss trains the head only, never the language model
    (see the module's docstring for what a shared trunk did)."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm
        # built without the default random init (it would draw from torch's global generator)
        self.value_head = nn.utils.skip_init(nn.Linear, lm.config.n_embd, 1)
        nn.init.zeros_(self.value_head.weight)
        nn.init.zeros_(self.value_head.bias)

    def forward(self, ids, mask, n_new: int):
        """Log-probabilities of all tokens and values at the positions that predict the last
        n_new tokens: (batch, n_new, vocab) and (batch, n_new)."""
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        # body and head called apart (not output_hidden_states: an unpickled model in a worker
        # process returned None there), and logits only where they are needed
        body = self.lm.base_model(input_ids=ids, attention_mask=mask, position_ids=positions)
        hidden = body.last_hidden_state[:, -n_new - 1:-1]
        logits = self.lm.get_output_embeddings()(hidden)
        return torch.log_softmax(logits.float(), -1), self.value_head(hidden.detach()).squeeze(-1)


def next_token_logprobs(model, ids: torch.Tensor, mask: torch.Tensor, n_new: int) -> torch.Tensor:
    """log pi(. | prefix) over the vocabulary at the positions that predict the last n_new
    tokens of left-padded `ids`: (batch, n_new, vocab). For a model without a value head (the
    reference, DPO's and the group trainer's policies)."""
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits
    return torch.log_softmax(logits[:, -n_new - 1:-1].float(), -1)


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


def exact_token_kl(logp_all: torch.Tensor, ref_all: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """KL(pi(.|prefix) || pi_ref(.|prefix)) summed over the whole vocabulary at each sampled
    prefix: the same expectation as per_token_kl's sum, without the noise of the sampled token,
    and never negative. This is the KL the charts show."""
    return (logp_all.exp() * (logp_all - ref_all)).sum(-1) * mask


def shaped_rewards(scores: torch.Tensor, kl: torch.Tensor, mask: torch.Tensor, beta: float) -> torch.Tensor:
    """-beta * KL on every token, plus the reward model's score on each completion's last token."""
    rewards = -beta * kl
    last = (mask.sum(-1).long() - 1).clamp(min=0)
    rewards[torch.arange(len(scores)), last] += scores
    return rewards * mask


def next_values(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """V(s_{t+1}) for each token, 0 after a completion's last token (it is terminal: nothing
    after an end-of-text token, or the token limit, earns reward)."""
    shifted = torch.cat([values[:, 1:], torch.zeros_like(values[:, :1])], 1)
    alive = torch.cat([mask[:, 1:], torch.zeros_like(mask[:, :1])], 1)
    return shifted * alive


def watch_samples(lm, tokenizer, prompts: list[str], new_tokens: int, seed: int, device: str) -> list[str]:
    """Completions of fixed prompts with fixed coins (the same every update and for the
    pretrained model), so a change in the text is the policy's change, not the dice's."""
    coins = RunRandom(seed, device, stream="watch").torch
    return decode(tokenizer, sample(lm, tokenizer, prompts, Sampling(new_tokens=new_tokens), coins)[2])


def train_rlhf(config: RLHFConfig, lm, tokenizer, rm: RewardModel, prompts: list[str],
               seed: int, watch: list[str] | None = None) -> Iterator[dict]:
    """One record per PPO update: RM reward (proxy), gold score, KL to the reference, entropy,
    clipfrac, beta, lr; the payload `_samples` holds completions for the `watch` prompts.
    Live knobs (beta, lr) arrive through the generator's send."""
    device = config.device
    coins = RunRandom(seed, device)  # sampling completions
    shuffle = RunRandom(seed, device, stream="minibatch")  # minibatch order
    policy = PolicyWithValue(copy.deepcopy(lm)).to(device)  # its value head starts at zero
    reference = copy.deepcopy(lm).to(device).eval()
    rm = rm.to(device).eval()
    for p in list(reference.parameters()) + list(rm.parameters()):
        p.requires_grad_(False)
    optimizer = torch.optim.Adam([{"params": policy.lm.parameters(), "lr": config.lr},
                                  {"params": policy.value_head.parameters(), "lr": config.value_lr}])
    beta, start, T = config.beta, time.perf_counter(), config.new_tokens
    env_steps = 0  # tokens generated: each token is one action of the token-level MDP
    for update in range(1, config.max_updates + 1):
        batch_prompts = [prompts[(update * config.prompts + i) % len(prompts)] for i in range(config.prompts)]
        policy.eval()
        ids, mask, tokens = sample(policy.lm, tokenizer, batch_prompts, Sampling(new_tokens=T), coins.torch)
        full_ids, full_mask = torch.cat([ids, tokens], 1), torch.cat([mask, torch.ones_like(tokens)], 1)
        done = completion_mask(tokens, tokenizer.eos_token_id)
        env_steps += int(done.sum())
        texts = decode(tokenizer, tokens)
        full_texts = [p + " " + t for p, t in zip(batch_prompts, texts)]
        with torch.no_grad():
            logp_all, values = policy(full_ids, full_mask, T)
            logp_old = token_logprobs(logp_all, tokens)
            ref_all = next_token_logprobs(reference, full_ids, full_mask, T)
            logp_ref = token_logprobs(ref_all, tokens)
            scores = rm(*encode_texts(tokenizer, full_texts, device))
            kl = per_token_kl(logp_old, logp_ref, done)
            rewards = shaped_rewards(scores, kl, done, beta)
            ends = torch.zeros_like(done)
            ends[torch.arange(len(done)), (done.sum(-1).long() - 1).clamp(min=0)] = 1.0
            advantages = gae(rewards.T, (values * done).T, next_values(values, done).T, ends.T,
                             config.gamma, config.lam).T
            returns = advantages + values
            valid = done.bool()
            adv_norm = (advantages - advantages[valid].mean()) / (advantages[valid].std() + 1e-8)
            entropy = float(-((logp_all.exp() * logp_all).sum(-1) * done).sum() / done.sum())
            exact_kl = float(exact_token_kl(logp_all, ref_all, done).sum(-1).mean())
        policy.train()
        optimizer.param_groups[0]["lr"] = config.lr  # live: the slider's value at every update
        clipfracs, value_losses = [], []
        n = len(full_ids)
        for _ in range(config.epochs):
            order = torch.randperm(n, device=device, generator=shuffle.torch)
            for chunk in order.chunk(config.minibatches):
                logp_all, new_values = policy(full_ids[chunk], full_mask[chunk], T)
                ratio = torch.exp(token_logprobs(logp_all, tokens[chunk]) - logp_old[chunk])
                m = done[chunk]
                policy_loss = -(clipped_surrogate(ratio, adv_norm[chunk], config.clip_eps) * m).sum() / m.sum()
                value_loss = (((new_values - returns[chunk]) ** 2) * m).sum() / m.sum()
                optimizer.zero_grad(set_to_none=True)
                (policy_loss + value_loss).backward()  # disjoint parameters: no weight needed
                nn.utils.clip_grad_norm_(policy.lm.parameters(), 1.0)
                optimizer.step()
                clipfracs.append(float((((ratio - 1).abs() > config.clip_eps).float() * m).sum() / m.sum()))
                value_losses.append(float(value_loss.detach()))
        record = {
            "update": update, "env_steps": env_steps, "time_s": time.perf_counter() - start,
            "rm_reward": float(scores.mean()), "gold": float(np.mean([gold_score(t) for t in full_texts])),
            "kl": exact_kl, "kl_sample": float(kl.sum(-1).mean()), "entropy": entropy,
            "clipfrac": float(np.mean(clipfracs)), "beta": float(beta), "lr": float(config.lr),
            "value_loss": float(np.mean(value_losses)), "length": float(done.sum(-1).mean()),
        }
        record[WEIGHTS] = policy.state_dict()  # the live tensors: a checkpoint on request
        if watch:
            policy.eval()
            record["_samples"] = watch_samples(policy.lm, tokenizer, watch, T, seed, device)
        changes = yield record
        config = apply_live(config, changes)
        if config.adaptive and not (changes and "beta" in changes) and config.kl_rule == "proportional":
            beta = proportional_beta(beta, exact_kl, config.kl_target, config.prompts, config.kl_horizon)
        elif config.adaptive and not (changes and "beta" in changes):
            beta = adapt_beta(beta, exact_kl, config.kl_target)
        else:
            beta = config.beta


def one_token_kl_ppo(ref_logits: np.ndarray, rewards: np.ndarray, beta: float, updates: int = 200,
                     batch: int = 256, epochs: int = 4, lr: float = 0.05, clip_eps: float = 0.2,
                     seed: int = 0) -> np.ndarray:
    """The same KL-penalised PPO on a one-token action space: reward r(a) - beta log(pi/pi_ref),
    a batch-mean baseline, the clipped objective. Returns the final policy; the optimum of
    E_pi[r] - beta KL(pi || pi_ref) is pi*(a) proportional to pi_ref(a) exp(r(a) / beta).

    The learning rate falls linearly to zero over the updates (CleanRL's anneal_lr). At a
    constant rate Adam keeps taking steps of about lr near the optimum, so the policy jitters
    around pi* (total variation 0.02-0.05 at lr 0.05, even with 16x the batch); annealed, it
    settles on it. At pi* every action's penalised reward is the same, so the sampled
    advantages vanish there and the last small steps need no luck."""
    coins = RunRandom(seed).cpu
    ref = torch.log_softmax(torch.as_tensor(ref_logits, dtype=torch.float64), 0)
    r = torch.as_tensor(rewards, dtype=torch.float64)
    theta = ref.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([theta], lr=lr)
    for update in range(updates):
        optimizer.param_groups[0]["lr"] = lr * (1 - update / updates)
        with torch.no_grad():
            logp_old = torch.log_softmax(theta, 0)
            actions = torch.multinomial(logp_old.exp(), batch, replacement=True, generator=coins)
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
    tagged with its beta, so proxy (RM) and gold reward can be drawn against the KL spent.
    A live change of the learning rate reaches the run in progress and the ones after it; beta
    is the sweep's, so a change of it is ignored here."""
    for beta in betas:
        run = train_rlhf(dataclasses.replace(config, beta=beta, adaptive=False), lm, tokenizer,
                         rm, prompts, seed)
        changes = None
        while True:
            try:
                record = run.send(changes) if changes is not None else next(run)
            except StopIteration:
                break
            changes = yield {**record, "beta": beta}
            changes = {k: v for k, v in (changes or {}).items() if k != "beta"} or None
            config = apply_live(config, changes)


def frontier_trails(records: list[dict], window: int = 5) -> dict[float, dict[str, np.ndarray]]:
    """Per beta, the run's KL, proxy and gold reward as trailing means over `window` updates
    (one point per update from the window-th on): one update's batch of 32 completions is
    noisy, and a raw trail zigzags back and forth along the KL axis."""
    trails = {}
    for beta in sorted({r["beta"] for r in records}):
        rows = sorted((r for r in records if r["beta"] == beta), key=lambda r: r["update"])
        w = min(window, len(rows))
        kernel = np.ones(w) / w

        def mean(key):
            return np.convolve([r[key] for r in rows], kernel, mode="valid")

        trails[beta] = {"update": np.array([r["update"] for r in rows[w - 1:]]),
                        "kl": mean("kl"), "proxy": mean("rm_reward"), "gold": mean("gold")}
    return trails
