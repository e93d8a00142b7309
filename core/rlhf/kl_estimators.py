"""Three ways to estimate KL(pi || pi_ref) from tokens sampled from pi (Schulman, "Approximating
KL divergence", 2020), and what each does when it is used as a loss.

With r = pi_ref(y) / pi(y) for a token y ~ pi:

    k1 = -log r = log pi - log pi_ref          unbiased, high variance, negative for many samples
    k2 = (log r)^2 / 2                         biased (its mean is the KL only to second order), low variance near pi_ref
    k3 = (r - 1) - log r                       unbiased (E_pi[r] = 1), never negative, low variance

RLHF libraries add one of them to the reward (per token) or to the loss. Their expectations
agree or not as above; their *gradients*, when a library differentiates the sample's estimate
through log pi (the sample itself held fixed), are a different story:

    E_pi[grad k1] = E_pi[grad log pi] = 0                       (no pull towards pi_ref at all)
    E_pi[grad k2] = E_pi[(log pi - log pi_ref) grad log pi]     = grad KL(pi || pi_ref)
    E_pi[grad k3] = E_pi[(1 - r) grad log pi] = -E_ref[grad log pi] = grad KL(pi_ref || pi)

so k3 as a loss follows the *other* KL (the forward one), and k1 as a loss does nothing in
expectation. The functions below give each quantity exactly for a categorical distribution,
small enough (the tiny GPT-2's vocabulary) to sum.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from core.config import knob

ESTIMATORS = ("k1", "k2", "k3")


def k1(logp: torch.Tensor, logp_ref: torch.Tensor) -> torch.Tensor:
    """log pi - log pi_ref of a sampled token."""
    return logp - logp_ref


def k2(logp: torch.Tensor, logp_ref: torch.Tensor) -> torch.Tensor:
    """Half the squared log ratio of a sampled token."""
    return 0.5 * (logp - logp_ref) ** 2


def k3(logp: torch.Tensor, logp_ref: torch.Tensor) -> torch.Tensor:
    """(r - 1) - log r with r = pi_ref / pi: never negative, since e^x >= 1 + x."""
    log_r = logp_ref - logp
    return torch.expm1(log_r) - log_r


ESTIMATE = {"k1": k1, "k2": k2, "k3": k3}


def exact_kl(logp_all: torch.Tensor, ref_all: torch.Tensor) -> torch.Tensor:
    """KL(pi || pi_ref) summed over the last (vocabulary) axis."""
    return (logp_all.exp() * (logp_all - ref_all)).sum(-1)


def moments(logp_all: torch.Tensor, ref_all: torch.Tensor) -> dict[str, dict[str, torch.Tensor]]:
    """Each estimator's exact mean and standard deviation under y ~ pi, per distribution (the
    last axis is the vocabulary): `mean - exact_kl` is its bias, `negative` the probability
    that one sample's estimate is below zero."""
    p = logp_all.exp()
    out = {}
    for name, estimate in ESTIMATE.items():
        values = estimate(logp_all, ref_all)
        mean = (p * values).sum(-1)
        var = (p * (values - mean.unsqueeze(-1)) ** 2).sum(-1)
        out[name] = {"mean": mean, "std": var.clamp(min=0).sqrt(), "negative": (p * (values < 0)).sum(-1)}
    return out


def loss_gradients(logits: torch.Tensor, ref_logits: torch.Tensor) -> dict[str, torch.Tensor]:
    """The expected gradient, with respect to the policy's logits, of each estimator used as a
    loss (a sample y ~ pi held fixed, the estimate differentiated through log pi(y)), beside the
    gradients of the two KLs it could be taken for. Exact: the expectation is a sum over y."""
    def grad(loss_of):
        theta = logits.detach().clone().requires_grad_(True)
        loss_of(torch.log_softmax(theta, -1)).sum().backward()
        return theta.grad

    ref = torch.log_softmax(ref_logits.detach(), -1)
    p = torch.softmax(logits.detach(), -1)  # the sampling distribution: no gradient through it
    out = {name: grad(lambda logp, f=estimate: (p * f(logp, ref)).sum(-1)) for name, estimate in ESTIMATE.items()}
    out["KL(pi || pi_ref)"] = grad(lambda logp: exact_kl(logp, ref))
    out["KL(pi_ref || pi)"] = grad(lambda logp: exact_kl(ref, logp))
    return out


# ---- on the tiny GPT-2: a policy a slider can move away from the reference ----------------------

class Leaning(torch.nn.Module):
    """The reference model leaning towards some tokens: pi(y | x) ∝ pi_ref(y | x) exp(lean g(y)).

    This is the form the KL-regularised optimum takes for a per-token reward g
    (pi* ∝ pi_ref exp(g / beta), so lean = 1/beta), which makes `lean` a slider that moves a
    policy away from its reference the way RLHF does, with no training in between."""

    def __init__(self, lm, preference: torch.Tensor, lean: float):
        super().__init__()
        self.lm = lm
        self.register_buffer("bias", lean * preference.float())

    def forward(self, **kwargs):
        out = self.lm(**kwargs)
        out.logits = out.logits + self.bias.to(out.logits.dtype)
        return out


def word_preference(tokenizer) -> torch.Tensor:
    """+1 for each token that is a positive word of the corpus, -1 for a negative one, 0 else:
    the labeler's taste, per token."""
    from core.rlhf.corpus import NEGATIVE, POSITIVE

    g = torch.zeros(len(tokenizer))
    for words, sign in ((POSITIVE, 1.0), (NEGATIVE, -1.0)):
        for word in words:
            ids = tokenizer.encode(" " + word)
            if len(ids) == 1:
                g[ids[0]] = sign
    return g


@torch.no_grad()
def estimator_samples(lm, tokenizer, prompts: list[str], lean: float, seed: int,
                      new_tokens: int = 16) -> dict[str, torch.Tensor]:
    """Completions sampled from the leaning policy; per sampled token (flattened, real tokens
    only): k1, k2, k3 and the exact KL of that position's next-token distributions; per
    completion: each one summed (keys "<name>_sum"). Also "moments", the exact mean, std and
    P(negative) of each estimator at every sampled prefix (`moments`), averaged over prefixes."""
    from core.rlhf.model import Sampling, sample
    from core.rlhf.ppo_lm import completion_mask, next_token_logprobs, token_logprobs
    from core.seeding import RunRandom

    device = str(next(lm.parameters()).device)
    policy = Leaning(lm, word_preference(tokenizer).to(device), lean).eval()
    coins = RunRandom(seed, device, stream="kl-estimators").torch
    ids, mask, tokens = sample(policy, tokenizer, prompts, Sampling(new_tokens=new_tokens), coins)
    full_ids, full_mask = torch.cat([ids, tokens], 1), torch.cat([mask, torch.ones_like(tokens)], 1)
    logp_all = next_token_logprobs(policy, full_ids, full_mask, new_tokens)
    ref_all = next_token_logprobs(lm, full_ids, full_mask, new_tokens)
    done = completion_mask(tokens, tokenizer.eos_token_id).bool()
    logp, logp_ref = token_logprobs(logp_all, tokens), token_logprobs(ref_all, tokens)
    out = {"exact": exact_kl(logp_all, ref_all)}
    out.update({name: estimate(logp, logp_ref) for name, estimate in ESTIMATE.items()})
    summed = {f"{name}_sum": (values * done).sum(-1) for name, values in out.items()}
    exact_moments = moments(logp_all[done], ref_all[done])
    return {**{name: values[done] for name, values in out.items()}, **summed,
            "moments": {name: {k: float(v.mean()) for k, v in m.items()} for name, m in exact_moments.items()},
            "logits": (logp_all[done], ref_all[done])}


def estimator_table(samples: dict) -> list[dict]:
    """One row per estimator, from `estimator_samples`: its mean, bias against the exact KL and
    spread over the sampled tokens and completions, and the share of tokens it puts below zero."""
    exact_token, exact_completion = float(samples["exact"].mean()), float(samples["exact_sum"].mean())
    rows = []
    for name in ESTIMATORS:
        tokens, completions = samples[name], samples[f"{name}_sum"]
        rows.append({"estimator": name,
                     "mean per token": float(tokens.mean()), "exact KL per token": exact_token,
                     "bias per token": float(tokens.mean()) - exact_token,
                     "std per token": float(tokens.std()) if len(tokens) > 1 else 0.0,
                     "mean per completion": float(completions.mean()), "exact KL per completion": exact_completion,
                     "std per completion": float(completions.std()) if len(completions) > 1 else 0.0,
                     "share below zero": float((tokens < 0).float().mean())})
    return rows


def gradient_agreement(samples: dict) -> list[dict]:
    """For each estimator used as a loss: the cosine between its expected gradient (w.r.t. the
    logits, summed over the sampled prefixes) and the gradient of each KL, and its size relative
    to grad KL(pi || pi_ref)'s. Exact (sums over the vocabulary), from `estimator_samples`."""
    logp_all, ref_all = samples["logits"]
    grads = {name: g.flatten() for name, g in loss_gradients(logp_all, ref_all).items()}
    reverse, forward = grads["KL(pi || pi_ref)"], grads["KL(pi_ref || pi)"]
    scale = float(reverse.norm())
    # float32 rounding leaves about 1e-7 per prefix where a gradient is exactly zero
    zero = 1e-5 * max(len(logp_all), 1) ** 0.5

    def cosine(a, b):  # nan where a gradient is zero (at pi = pi_ref every one is): no direction
        na, nb = float(a.norm()), float(b.norm())
        return float(a @ b) / (na * nb) if min(na, nb) > zero else float("nan")

    return [{"loss": name, "cos with ∇KL(π‖π_ref)": cosine(grads[name], reverse),
             "cos with ∇KL(π_ref‖π)": cosine(grads[name], forward),
             "size ÷ ∇KL(π‖π_ref)'s": float(grads[name].norm()) / scale if scale > zero else float("nan")}
            for name in ESTIMATORS]


@dataclass
class EstimatorConfig:
    lean: float = knob(2.0, "Policy's lean", "How hard the policy leans towards positive words and away "
                       "from negative ones: π ∝ π_ref · exp(lean · g), the KL-regularised optimum for "
                       "β = 1/lean. 0 is the reference itself.", lo=0.0, hi=4.0, step=0.25)
    repeats: int = knob(16, "Samples of each prompt", "Completions drawn for each of the 6 prompts.",
                        lo=1, hi=64)


LEANS = tuple(x / 2 for x in range(9))  # 0, 0.5, …, 4


def estimator_sweep(lm, tokenizer, prompts: list[str], seed: int, leans=LEANS, repeats: int = 4) -> list[dict]:
    """Per lean: the exact per-token KL and each estimator's exact mean, std and chance of a
    negative value, averaged over the prefixes the leaning policy visits (`moments`)."""
    rows = []
    for lean in leans:
        samples = estimator_samples(lm, tokenizer, prompts * repeats, lean, seed)
        row = {"lean": lean, "exact": float(samples["exact"].mean())}
        for name, m in samples["moments"].items():
            row.update({f"{name}_mean": m["mean"], f"{name}_std": m["std"], f"{name}_negative": m["negative"]})
        rows.append(row)
    return rows
