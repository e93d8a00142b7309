"""Advantages without a critic: the other completions of the same prompt are the baseline.

For one prompt, G completions with rewards R_1..R_G (a row of `rewards`):

    GRPO   A_i = (R_i - mean(R)) / (std(R) + eps)     (DeepSeekMath; std with Bessel's n - 1,
                                                      as TRL computes it)
    Dr GRPO  A_i = R_i - mean(R)                     (Liu et al. 2025: the division up-weights
                                                      prompts whose rewards barely differ)
    RLOO   A_i = R_i - mean_{j != i} R_j = G / (G - 1) (R_i - mean(R))   (Ahmadian et al. 2024)

The mean of the group includes R_i itself in GRPO, which shrinks every advantage by
(G - 1) / G; RLOO's leave-one-out mean keeps the baseline independent of the sample it
judges (the baseline page's condition for an unbiased gradient). A group whose rewards are
all equal gives every completion A = 0: no signal at all from that prompt.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from torch import nn

from core.checkpoint import WEIGHTS
from core.config import apply_live, knob
from core.seeding import RunRandom

STD_EPS = 1e-4  # TRL's default in GRPOTrainer


def grpo_advantages(rewards: torch.Tensor, scale: bool = True, eps: float = STD_EPS) -> torch.Tensor:
    """(prompts, G) rewards -> advantages by the group mean, divided by the group's std when
    `scale` (GRPO) or not (Dr GRPO)."""
    centred = rewards - rewards.mean(-1, keepdim=True)
    if not scale:
        return centred
    return centred / (rewards.std(-1, keepdim=True) + eps)


def rloo_advantages(rewards: torch.Tensor) -> torch.Tensor:
    """(prompts, G) rewards -> each reward minus the mean of the group's other G - 1."""
    g = rewards.shape[-1]
    if g < 2:
        raise ValueError("RLOO needs at least two completions per prompt.")
    others = (rewards.sum(-1, keepdim=True) - rewards) / (g - 1)
    return rewards - others


def no_signal_share(rewards: torch.Tensor, tol: float = 0.0) -> float:
    """The share of groups (rows) whose rewards are all equal (within `tol`): their
    advantages are all zero, so those prompts teach nothing this update."""
    spread = rewards.max(-1).values - rewards.min(-1).values
    return float((spread <= tol).float().mean())


ESTIMATORS = ("grpo", "dr_grpo", "rloo")
ESTIMATOR_LABELS = {"grpo": "GRPO (÷ group std)", "dr_grpo": "Dr GRPO (mean only)", "rloo": "RLOO (leave one out)"}


def group_advantages(rewards: torch.Tensor, estimator: str) -> torch.Tensor:
    if estimator == "grpo":
        return grpo_advantages(rewards)
    if estimator == "dr_grpo":
        return grpo_advantages(rewards, scale=False)
    if estimator == "rloo":
        return rloo_advantages(rewards)
    raise ValueError(f"unknown group baseline {estimator!r}; choose from {', '.join(ESTIMATORS)}.")


@dataclass
class GroupConfig:
    estimator: str = knob("rloo", "Baseline", "Which mean of the group each completion is judged "
                          "against.", choices=ESTIMATORS)
    group: int = knob(4, "Completions per prompt G", "The group the baseline is taken from.", lo=2, hi=16)
    prompts: int = knob(8, "Prompts per update", "G completions are sampled for each.", lo=1, hi=64)
    beta: float = knob(0.1, "KL β", "The same leash as PPO's: β times the completion's "
                       "log π/π_ref comes off its reward.", lo=0.0, hi=2.0, step=0.01, live=True)
    lr: float = knob(3e-4, "Policy learning rate", "Adam step size; can be changed while training.",
                     lo=1e-5, hi=1e-2, log=True, live=True)
    epochs: int = knob(2, "Epochs", "Passes over each batch (the ratio is clipped as in PPO).", lo=1, hi=10)
    max_updates: int = knob(60, "Updates", "Stop after this many updates.", lo=1, hi=1000)
    new_tokens: int = 16
    clip_eps: float = 0.2
    device: str = "cpu"


def train_group(config: GroupConfig, lm, tokenizer, rm, prompts: list[str], seed: int) -> Iterator[dict]:
    """PPO's clipped update without a critic: G completions per prompt, each completion's
    reward (the reward model's score minus beta times its summed log pi/pi_ref, the leash the
    RLHF page puts on its tokens) judged against its group (`config.estimator`), the advantage
    shared by all its tokens. One record per update: proxy (RM) and gold reward, exact KL to
    the reference, the share of groups with no signal, entropy and clipfrac."""
    from core.ppo import clipped_surrogate
    from core.rlhf.labeler import gold_score
    from core.rlhf.model import Sampling, decode, sample
    from core.rlhf.ppo_lm import completion_mask, exact_token_kl, next_token_logprobs, token_logprobs
    from core.rlhf.reward import encode_texts

    group_advantages(torch.zeros(1, 2), config.estimator)  # an unknown name fails before any work
    device, T = config.device, config.new_tokens
    coins = RunRandom(seed, device)
    policy = copy.deepcopy(lm).to(device)
    reference = copy.deepcopy(lm).to(device).eval()
    rm = rm.to(device).eval()
    for p in list(reference.parameters()) + list(rm.parameters()):
        p.requires_grad_(False)
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)

    start, env_steps = time.perf_counter(), 0
    for update in range(1, config.max_updates + 1):
        asked = [prompts[(update * config.prompts + i) % len(prompts)] for i in range(config.prompts)]
        batch = [p for p in asked for _ in range(config.group)]  # each prompt G times, side by side
        policy.eval()
        ids, mask, tokens = sample(policy, tokenizer, batch, Sampling(new_tokens=T), coins.torch)
        full_ids, full_mask = torch.cat([ids, tokens], 1), torch.cat([mask, torch.ones_like(tokens)], 1)
        done = completion_mask(tokens, tokenizer.eos_token_id)
        env_steps += int(done.sum())
        texts = [p + " " + t for p, t in zip(batch, decode(tokenizer, tokens))]
        with torch.no_grad():
            logp_all = next_token_logprobs(policy, full_ids, full_mask, T)
            ref_all = next_token_logprobs(reference, full_ids, full_mask, T)
            logp_old = token_logprobs(logp_all, tokens)
            sampled_kl = ((logp_old - token_logprobs(ref_all, tokens)) * done).sum(-1)
            scores = rm(*encode_texts(tokenizer, texts, device))
            rewards = (scores - config.beta * sampled_kl).view(config.prompts, config.group)
            advantages = group_advantages(rewards, config.estimator).reshape(-1, 1)
            entropy = float(-((logp_all.exp() * logp_all).sum(-1) * done).sum() / done.sum())
            exact_kl = float(exact_token_kl(logp_all, ref_all, done).sum(-1).mean())
        policy.train()
        optimizer.param_groups[0]["lr"] = config.lr
        clipfracs = []
        for _ in range(config.epochs):
            ratio = torch.exp(token_logprobs(next_token_logprobs(policy, full_ids, full_mask, T), tokens) - logp_old)
            loss = -(clipped_surrogate(ratio, advantages.expand_as(ratio), config.clip_eps) * done).sum() / done.sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
            optimizer.step()
            clipfracs.append(float((((ratio.detach() - 1).abs() > config.clip_eps).float() * done).sum() / done.sum()))
        changes = yield {
            "update": update, "env_steps": env_steps, "time_s": time.perf_counter() - start,
            "rm_reward": float(scores.mean()), "gold": float(np.mean([gold_score(t) for t in texts])),
            "kl": exact_kl, "entropy": entropy, "clipfrac": float(np.mean(clipfracs)),
            "no_signal": no_signal_share(rewards, tol=1e-6), "adv_abs": float(advantages.abs().mean()),
            "beta": float(config.beta), "lr": float(config.lr), WEIGHTS: policy.state_dict(),
        }
        config = apply_live(config, changes)


# ---- the same policy, five baselines: how noisy is each gradient? ------------------------------

BASELINES = ("none", "value", "grpo", "dr_grpo", "rloo")
BASELINE_LABELS = {"none": "no baseline (REINFORCE)", "value": "V(prompt) fitted on other samples (a critic)",
                   **ESTIMATOR_LABELS}
REWARDS = ("reward_model", "pass_fail")


@dataclass
class NoiseConfig:
    reward: str = knob("pass_fail", "Reward", "reward_model: the reward model's score. pass_fail: 1 when the "
                       "labeler's hidden score is positive, else 0 (a verifiable reward, as in GRPO's maths "
                       "problems).", choices=REWARDS)
    group: int = knob(4, "Completions per prompt G", "The group each baseline is taken from.", lo=2, hi=16)
    batches: int = knob(16, "Batches", "Independent batches (each of the 6 prompts G times) the gradient's "
                        "spread is measured over.", lo=4, hi=64)
    device: str = "cpu"


def baseline_advantages(rewards: torch.Tensor, values: torch.Tensor, baseline: str) -> torch.Tensor:
    """(prompts, G) rewards and each prompt's value -> advantages under `baseline`."""
    if baseline == "none":
        return rewards
    if baseline == "value":
        return rewards - values.unsqueeze(-1)
    return group_advantages(rewards, baseline)


def _rewards(kind: str, rm, tokenizer, texts: list[str], device: str) -> torch.Tensor:
    """The reward model's score, or pass/fail: 1 when the labeler's hidden score is positive
    (a verifiable reward, the setting GRPO was made for, where whole groups tie)."""
    from core.rlhf.labeler import gold_score
    from core.rlhf.reward import encode_texts

    if kind == "reward_model":
        with torch.no_grad():
            return rm(*encode_texts(tokenizer, texts, device)).float()
    if kind == "pass_fail":
        return torch.tensor([float(gold_score(t) > 0) for t in texts])
    raise ValueError(f"unknown reward {kind!r}; choose from {', '.join(REWARDS)}.")


def measure_gradient_noise(config: NoiseConfig, lm, tokenizer, rm, prompts: list[str], seed: int,
                           new_tokens: int = 16, value_samples: int = 16) -> Iterator[dict]:
    """The policy-gradient estimate  g = mean_i A_i grad log pi(y_i | x_i)  of one batch (each
    prompt once, G completions each), under every baseline, for batch after batch from the
    same policy `lm` (no update in between). One record per batch, over the batches so far.

    A record holds, per baseline ("rows"), the trace of g's covariance over batches (its
    variance, summed over all parameters), that variance divided by the squared norm of the
    mean g (scale-free: GRPO's division by the std rescales g), and the mean |A|; per sampled
    group ("groups"), the std of its reward-model scores and mean |A| under GRPO and Dr GRPO
    on those scores (the std's effect, seen on a reward that never ties, whichever reward the
    gradients use); and the share of groups with no signal. The value baseline is each prompt's mean reward
    over `value_samples` other completions: the V(prompt) a well-trained critic would give."""
    from core.rlhf.model import Sampling, decode, sample
    from core.rlhf.ppo_lm import completion_mask, next_token_logprobs, token_logprobs

    group = config.group
    if group < 2:
        raise ValueError("a group baseline needs at least two completions per prompt.")
    device = config.device
    policy = copy.deepcopy(lm).to(device).eval()
    rm = rm.to(device).eval()
    params = [p for p in policy.parameters() if p.requires_grad]
    coins = RunRandom(seed, device, stream="gradient-noise").torch
    sampling = Sampling(new_tokens=new_tokens)

    def draw(asked):
        """Samples, the chosen rewards, and the reward model's scores (the groups' spread)."""
        ids, mask, tokens = sample(policy, tokenizer, asked, sampling, coins)
        texts = [p + " " + t for p, t in zip(asked, decode(tokenizer, tokens))]
        scores = _rewards("reward_model", rm, tokenizer, texts, device)
        rewards = scores if config.reward == "reward_model" else _rewards(config.reward, rm, tokenizer, texts, device)
        return ids, mask, tokens, rewards, scores

    values = draw([p for p in prompts for _ in range(value_samples)])[3].view(len(prompts), value_samples).mean(-1)
    total = {b: 0.0 for b in BASELINES}
    squares = {b: 0.0 for b in BASELINES}
    size = {b: 0.0 for b in BASELINES}
    groups, all_rewards = [], []
    start = time.perf_counter()
    for batch in range(1, config.batches + 1):
        ids, mask, tokens, rewards, scores = draw([p for p in prompts for _ in range(group)])
        rewards, scores = rewards.view(len(prompts), group), scores.view(len(prompts), group)
        all_rewards.append(rewards)
        full_ids, full_mask = torch.cat([ids, tokens], 1), torch.cat([mask, torch.ones_like(tokens)], 1)
        done = completion_mask(tokens, tokenizer.eos_token_id)
        logp = (token_logprobs(next_token_logprobs(policy, full_ids, full_mask, new_tokens), tokens) * done).sum(-1)
        for i, baseline in enumerate(BASELINES):
            advantages = baseline_advantages(rewards, values, baseline).reshape(-1)
            grads = torch.autograd.grad((advantages * logp).mean(), params, retain_graph=i < len(BASELINES) - 1)
            g = torch.cat([x.flatten() for x in grads])
            total[baseline] = total[baseline] + g
            squares[baseline] += float(g @ g)
            size[baseline] += float(advantages.abs().mean())
        grpo, dr = grpo_advantages(scores), grpo_advantages(scores, scale=False)
        groups += [{"std": float(scores[k].std()), "grpo": float(grpo[k].abs().mean()),
                    "dr_grpo": float(dr[k].abs().mean())} for k in range(len(prompts))]
        rows = []
        for baseline in BASELINES:
            mean = total[baseline] / batch
            variance = (squares[baseline] - batch * float(mean @ mean)) / max(batch - 1, 1)
            rows.append({"baseline": baseline, "variance": variance,
                         "noise_to_signal": variance / max(float(mean @ mean), 1e-30),
                         "mean_abs_advantage": size[baseline] / batch})
        yield {"update": batch, "rows": rows, "groups": list(groups), "time_s": time.perf_counter() - start,
               "no_signal": no_signal_share(torch.cat(all_rewards), tol=1e-6),
               # the rows again as named numbers, for the page's metrics export
               **{f"{r['baseline']}_{k}": r[k] for r in rows for k in ("variance", "noise_to_signal")}}
