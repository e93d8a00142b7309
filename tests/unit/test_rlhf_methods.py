"""The maths after PPO (issue 14), on hand-computable values: the three KL estimators, group
baselines (GRPO, Dr GRPO, RLOO), the DPO loss, best-of-N's KL and the proportional KL controller."""
import math

import numpy as np
import pytest
import torch

from core.ppo import proportional_beta
from core.rlhf.best_of_n import best_of_n, best_of_n_kl, doublings
from core.rlhf.frontier import method_trails
from core.rlhf.labeler import careless_labels
from core.rlhf.dpo import dpo_loss, implicit_accuracy
from core.rlhf.group_baselines import grpo_advantages, no_signal_share, rloo_advantages
from core.rlhf.kl_estimators import exact_kl, k1, k2, k3, loss_gradients, moments

# pi = (1/2, 1/2), pi_ref = (1/4, 3/4): log pi / pi_ref = (ln 2, ln 2/3)
PI = torch.log(torch.tensor([0.5, 0.5], dtype=torch.float64))
REF = torch.log(torch.tensor([0.25, 0.75], dtype=torch.float64))
KL = 0.5 * math.log(4 / 3)  # 0.5 ln 2 + 0.5 ln 2/3


def test_k1_and_k3_are_unbiased_and_k2_is_not():
    m = moments(PI, REF)
    assert float(exact_kl(PI, REF)) == pytest.approx(KL)
    assert float(m["k1"]["mean"]) == pytest.approx(KL)
    assert float(m["k3"]["mean"]) == pytest.approx(KL)
    k2_mean = 0.25 * (math.log(2) ** 2 + math.log(1.5) ** 2)
    assert float(m["k2"]["mean"]) == pytest.approx(k2_mean)
    assert k2_mean - KL == pytest.approx(0.017373, abs=1e-6)  # k2's bias here


def test_k1_is_negative_on_half_the_samples_and_k3_never():
    m = moments(PI, REF)
    assert float(m["k1"]["negative"]) == pytest.approx(0.5)
    assert float(m["k3"]["negative"]) == 0.0
    assert float(k1(PI[1], REF[1])) == pytest.approx(math.log(2 / 3))
    assert float(k3(PI[0], REF[0])) == pytest.approx(-0.5 + math.log(2))  # r = 1/2
    assert float(k2(PI[0], REF[0])) == pytest.approx(0.5 * math.log(2) ** 2)
    # k1's spread: its two values ln 2 and ln 2/3 with probability 1/2 each
    assert float(m["k1"]["std"]) == pytest.approx(0.5 * (math.log(2) - math.log(2 / 3)))
    assert float(m["k3"]["std"]) < float(m["k1"]["std"])


def test_as_losses_k1_pulls_nowhere_k2_follows_the_kl_and_k3_the_other_kl():
    g = loss_gradients(PI, REF)  # logits = log-probabilities: softmax gives pi back
    reverse = torch.tensor([0.5 * (math.log(2) - KL), 0.5 * (math.log(2 / 3) - KL)], dtype=torch.float64)
    assert torch.allclose(g["KL(pi || pi_ref)"], reverse)
    assert torch.allclose(g["k1"], torch.zeros(2, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(g["k2"], reverse)
    # the forward KL's gradient in the logits: pi - pi_ref
    assert torch.allclose(g["KL(pi_ref || pi)"], torch.tensor([0.25, -0.25], dtype=torch.float64))
    assert torch.allclose(g["k3"], g["KL(pi_ref || pi)"])
    assert not torch.allclose(g["k3"], reverse)


def test_estimators_per_token_on_a_batch_of_random_distributions():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(5, 7, 11, generator=gen, dtype=torch.float64)
    ref = torch.randn(5, 7, 11, generator=gen, dtype=torch.float64)
    logp, logr = torch.log_softmax(logits, -1), torch.log_softmax(ref, -1)
    m = moments(logp, logr)
    assert torch.allclose(m["k1"]["mean"], exact_kl(logp, logr))
    assert torch.allclose(m["k3"]["mean"], exact_kl(logp, logr))
    assert bool((m["k2"]["mean"] >= 0).all())


def test_grpo_rloo_and_dr_grpo_on_a_hand_group():
    rewards = torch.tensor([[1.0, 1.0, 1.0, 0.0]])
    # mean 3/4, std (Bessel) sqrt((3 * 1/16 + 9/16) / 3) = 1/2
    assert torch.allclose(grpo_advantages(rewards, eps=0.0), torch.tensor([[0.5, 0.5, 0.5, -1.5]]))
    assert torch.allclose(grpo_advantages(rewards), torch.tensor([[0.5, 0.5, 0.5, -1.5]]), rtol=1e-3)
    assert torch.allclose(grpo_advantages(rewards, scale=False), torch.tensor([[0.25, 0.25, 0.25, -0.75]]))
    assert torch.allclose(rloo_advantages(rewards), torch.tensor([[1 / 3, 1 / 3, 1 / 3, -1.0]]))
    # RLOO is GRPO's centred advantage scaled by G / (G - 1)
    assert torch.allclose(rloo_advantages(rewards), grpo_advantages(rewards, scale=False) * 4 / 3)


def test_an_all_equal_group_gives_no_signal():
    rewards = torch.tensor([[1.0, 1.0, 1.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
    assert torch.equal(grpo_advantages(rewards)[1], torch.zeros(4))
    assert torch.equal(rloo_advantages(rewards)[1], torch.zeros(4))
    assert no_signal_share(rewards) == 0.5
    with pytest.raises(ValueError):
        rloo_advantages(torch.tensor([[1.0]]))


def test_dpo_loss_value_and_gradient_signs():
    lc = torch.tensor([-1.0], requires_grad=True)
    lr_ = torch.tensor([-2.0], requires_grad=True)
    loss, margin = dpo_loss(lc, lr_, torch.tensor([-1.5]), torch.tensor([-1.5]), beta=0.5)
    assert float(margin) == pytest.approx(0.5)  # 0.5 * (0.5 - (-0.5))
    assert float(loss.detach()) == pytest.approx(math.log1p(math.exp(-0.5)))
    loss.backward()
    sig = 1 / (1 + math.exp(0.5))  # sigmoid(-margin)
    assert float(lc.grad) == pytest.approx(-0.5 * sig)  # descent raises the chosen answer
    assert float(lr_.grad) == pytest.approx(0.5 * sig)  # and lowers the rejected one
    zero = torch.zeros(3)
    loss, margin = dpo_loss(zero, zero, zero, zero, beta=1.0)
    assert float(loss) == pytest.approx(math.log(2))
    assert implicit_accuracy(torch.tensor([0.5, -0.1, 0.0])) == pytest.approx(0.5)


def test_best_of_n_kl_in_closed_form_and_against_a_fine_discrete_policy():
    assert best_of_n_kl(1) == 0.0
    assert best_of_n_kl(2) == pytest.approx(math.log(2) - 0.5)
    assert best_of_n_kl(4) == pytest.approx(math.log(4) - 0.75)
    # a policy uniform over M outcomes with distinct rewards: best-of-N keeps rank k with
    # probability (k/M)^N - ((k-1)/M)^N; its KL tends to the closed form as M grows
    M = 200_000
    k = np.arange(1, M + 1)
    for n in (2, 8, 64):
        q = (k / M) ** n - ((k - 1) / M) ** n
        kl = float(np.sum(q[q > 0] * np.log(q[q > 0] * M)))
        assert kl == pytest.approx(best_of_n_kl(n), abs=1e-3)
    assert best_of_n(torch.tensor([[0.1, 0.9, 0.9], [2.0, 1.0, 0.0]])).tolist() == [1, 0]
    with pytest.raises(ValueError):
        best_of_n_kl(0)


def test_proportional_controller_on_worked_inputs():
    # KL 50 % over target: the error is clipped to +20 %; 32 samples of a 10,000 horizon
    assert proportional_beta(0.1, 3.0, 2.0, 32, 10_000) == pytest.approx(0.1 * (1 + 0.2 * 32 / 10_000))
    # 5 % under: beta shrinks by 5 % of the pace
    assert proportional_beta(0.1, 1.9, 2.0, 32, 10_000) == pytest.approx(0.1 * (1 - 0.05 * 32 / 10_000))
    assert proportional_beta(0.1, 2.0, 2.0, 32, 10_000) == pytest.approx(0.1)
    assert proportional_beta(0.1, 0.0, 2.0, 10_000, 10_000) == pytest.approx(0.08)  # clipped at -20 %


def test_careless_labels_reverse_the_asked_share_of_the_first_n():
    pairs = [{"prompt": "p", "a": str(i), "b": "x", "preferred": i % 2} for i in range(200)]
    assert careless_labels(pairs, 50, 0.0, seed=0) == pairs[:50]
    assert [p["preferred"] for p in careless_labels(pairs, 10, 1.0, seed=0)] == [1 - i % 2 for i in range(10)]
    half = careless_labels(pairs, 200, 0.5, seed=3)
    flipped = sum(a["preferred"] != b["preferred"] for a, b in zip(half, pairs))
    assert 70 < flipped < 130 and half == careless_labels(pairs, 200, 0.5, seed=3)
    assert pairs[0]["preferred"] == 0  # the originals are untouched


def test_doublings():
    assert doublings(1) == [1]
    assert doublings(16) == [1, 2, 4, 8, 16]
    assert doublings(100) == [1, 2, 4, 8, 16, 32, 64, 100]


def test_method_trails_smooth_only_the_sampled_rl_runs():
    records = ([{"method": "PPO", "smooth": True, "update": u, "kl": float(u), "rm_reward": 2.0 * u, "gold": 1.0}
                for u in (1, 2, 3, 4)]
               + [{"method": "best-of-N", "smooth": False, "update": i, "n": n, "kl": float(n), "rm_reward": 0.0,
                   "gold": float(-i)} for i, n in enumerate((1, 2, 4), start=1)])
    trails = method_trails(records, window=2)
    assert list(trails) == ["PPO", "best-of-N"]
    assert trails["PPO"]["kl"].tolist() == [1.5, 2.5, 3.5] and trails["PPO"]["proxy"].tolist() == [3.0, 5.0, 7.0]
    assert trails["PPO"]["update"].tolist() == [2, 3, 4]
    assert trails["best-of-N"]["kl"].tolist() == [1.0, 2.0, 4.0] and trails["best-of-N"]["update"].tolist() == [1, 2, 4]
