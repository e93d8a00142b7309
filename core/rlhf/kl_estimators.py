"""Three ways to estimate KL(pi || pi_ref) from tokens sampled from pi (Schulman, "Approximating
KL divergence", 2020), and what each does when it is used as a loss.

With r = pi_ref(y) / pi(y) for a token y ~ pi:

    k1 = -log r = log pi - log pi_ref          unbiased, high variance, negative for many samples
    k2 = (log r)^2 / 2                         biased (too large far from pi_ref), low variance
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

import torch

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
