"""The trainers after PPO (issue 14) on the shipped tiny GPT-2 and the shipped labels and
reward model (assets/rlhf-start): DPO and the group baselines, short budgets."""
import dataclasses
import math

import numpy as np
import pytest
import torch

from core.rlhf.best_of_n import BestOfNConfig, best_of_n_kl, best_of_n_sweep, train_best_of_n
from core.rlhf.corpus import NEGATIVE, POSITIVE, PROMPTS
from core.rlhf.dpo import DPOConfig, completion_logprobs, train_dpo
from core.rlhf.frontier import METHODS, FrontierConfig, all_methods, method_trails
from core.rlhf.group_baselines import (BASELINES, ESTIMATORS, GroupConfig, NoiseConfig, measure_gradient_noise,
                                       train_group)
from core.rlhf.kl_estimators import estimator_samples, estimator_table, gradient_agreement, word_preference
from core.rlhf.model import ASSETS, load
from core.rlhf.skip_ahead import load_start


@pytest.fixture(scope="module")
def shipped():
    torch.manual_seed(0)
    lm, tok = load(ASSETS)
    pairs, rm, _ = load_start(lm, tok)
    return lm, tok, pairs, rm


def test_completion_logprobs_sum_the_tokens_and_the_end(shipped):
    """log pi(y | x) by hand, token by token, equals the batched sum (padding ignored)."""
    lm, tok, _, _ = shipped
    prompts, completions = ["the cat", "a very long prompt about the dog"], ["is happy", "runs"]
    with torch.no_grad():
        batched = completion_logprobs(lm, tok, prompts, completions)
    for k, (prompt, completion) in enumerate(zip(prompts, completions)):
        ids = [tok.bos_token_id] + tok.encode(prompt)
        answer = tok.encode(" " + completion) + [tok.eos_token_id]
        total = 0.0
        with torch.no_grad():
            for t, token in enumerate(answer):
                logits = lm(input_ids=torch.tensor([ids + answer[:t]])).logits[0, -1]
                total += float(torch.log_softmax(logits, -1)[token])
        assert float(batched[k]) == pytest.approx(total, abs=1e-3)


def test_dpo_raises_the_held_out_implicit_reward_accuracy(shipped):
    lm, tok, pairs, rm = shipped
    config = DPOConfig(max_updates=20, eval_every=10)
    records = list(train_dpo(config, lm, tok, pairs, list(PROMPTS), seed=0, rm=rm))
    measured = [r for r in records if r["measured"]]
    assert [r["update"] for r in measured] == [1, 10, 20]
    assert measured[-1]["heldout_accuracy"] > measured[0]["heldout_accuracy"] + 0.05
    assert measured[-1]["heldout_accuracy"] > 0.6
    assert records[-1]["loss"] < records[0]["loss"]
    assert all(np.isfinite(r[k]) for r in measured for k in ("kl", "gold", "rm_reward"))
    assert measured[-1]["kl"] > measured[0]["kl"] >= 0  # it moved away from the reference


def test_dpo_same_seed_same_curve_and_too_few_pairs(shipped):
    lm, tok, pairs, _ = shipped
    config = DPOConfig(max_updates=2, eval_every=2, eval_prompts=4)
    keys = ("loss", "heldout_accuracy", "kl", "gold")
    runs = [[{k: r[k] for k in keys} for r in train_dpo(config, lm, tok, pairs, list(PROMPTS), seed=3)]
            for _ in range(2)]
    assert runs[0] == runs[1]
    with pytest.raises(ValueError, match="at least 10"):
        next(train_dpo(config, lm, tok, pairs[:5], list(PROMPTS), seed=0))


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_group_baselines_train_and_record(shipped, estimator):
    lm, tok, _, rm = shipped
    config = GroupConfig(estimator=estimator, prompts=4, group=4, max_updates=3, new_tokens=8)
    records = list(train_group(config, lm, tok, rm, list(PROMPTS), seed=0))
    assert [r["update"] for r in records] == [1, 2, 3]
    for r in records:
        assert 0.0 <= r["no_signal"] <= 1.0
        assert all(np.isfinite(r[k]) for k in ("rm_reward", "gold", "kl", "entropy", "clipfrac"))
    assert records[0]["kl"] == pytest.approx(0.0, abs=1e-6)  # sampled before the first step
    assert records[-1]["kl"] > 0.0


def test_group_same_seed_same_curve_and_an_unknown_baseline(shipped):
    lm, tok, _, rm = shipped
    config = GroupConfig(prompts=2, group=2, max_updates=2, new_tokens=6)
    runs = [[(r["rm_reward"], r["kl"]) for r in train_group(config, lm, tok, rm, list(PROMPTS), seed=1)]
            for _ in range(2)]
    assert runs[0] == runs[1]
    with pytest.raises(ValueError, match="unknown group baseline"):
        next(train_group(dataclasses.replace(config, estimator="ppo"), lm, tok, rm, list(PROMPTS), seed=0))


def test_best_of_n_sweep_keeps_the_best_of_nested_samples(shipped):
    """The first N of the same max(ns) samples: the proxy of the kept one can only rise with N,
    the KL is the closed form, and the same seed gives the same rows."""
    lm, tok, _, rm = shipped
    rows = best_of_n_sweep(lm, tok, rm, list(PROMPTS), [4, 1, 2], seed=0, new_tokens=6)
    assert [r["n"] for r in rows] == [1, 2, 4]
    assert [r["kl"] for r in rows] == [best_of_n_kl(1), best_of_n_kl(2), best_of_n_kl(4)]
    proxies = [r["proxy"] for r in rows]
    assert proxies == sorted(proxies) and proxies[-1] > proxies[0]
    assert rows == best_of_n_sweep(lm, tok, rm, list(PROMPTS), [1, 2, 4], seed=0, new_tokens=6)
    with pytest.raises(ValueError):
        best_of_n_sweep(lm, tok, rm, list(PROMPTS), [0, 2], seed=0)


# ---- the page's measurements (views/after_ppo.py) ------------------------------------------------

def test_a_lean_of_zero_is_the_reference_itself(shipped):
    lm, tok, _, _ = shipped
    samples = estimator_samples(lm, tok, list(PROMPTS), lean=0.0, seed=0, new_tokens=6)
    for name in ("exact", "k1", "k2", "k3"):
        assert float(samples[name].abs().max()) < 1e-5, name
    assert all(math.isnan(r["cos with ∇KL(π‖π_ref)"]) for r in gradient_agreement(samples))


def test_word_preference_marks_the_sentiment_words():
    _, tok = load(ASSETS)
    g = word_preference(tok)
    assert float(g[tok.encode(" great")[0]]) == 1.0 and float(g[tok.encode(" boring")[0]]) == -1.0
    assert int((g == 1).sum()) == len(POSITIVE) and int((g == -1).sum()) == len(NEGATIVE)


def test_estimators_on_a_leaning_policy_exact_moments_and_gradients(shipped):
    """Away from the reference: k1's and k3's exact means are the exact KL (E_pi[r] = 1), k2's
    is not; only k1 goes below zero; as losses, k2 follows grad KL(pi||ref), k3 grad KL(ref||pi)
    (which differ), and k1 pulls nowhere."""
    lm, tok, _, _ = shipped
    samples = estimator_samples(lm, tok, list(PROMPTS) * 2, lean=2.0, seed=0, new_tokens=8)
    exact = float(samples["exact"].mean())
    m = samples["moments"]
    assert m["k1"]["mean"] == pytest.approx(exact, rel=1e-4) and m["k3"]["mean"] == pytest.approx(exact, rel=1e-4)
    assert abs(m["k2"]["mean"] - exact) > 0.01
    assert m["k1"]["negative"] > 0.3 and m["k2"]["negative"] == 0 and m["k3"]["negative"] == 0
    table = {r["estimator"]: r for r in estimator_table(samples)}
    assert table["k1"]["share below zero"] > 0.3
    assert table["k2"]["share below zero"] == table["k3"]["share below zero"] == 0
    grads = {r["loss"]: r for r in gradient_agreement(samples)}
    assert grads["k2"]["cos with ∇KL(π‖π_ref)"] == pytest.approx(1, abs=1e-4)
    assert grads["k2"]["size ÷ ∇KL(π‖π_ref)'s"] == pytest.approx(1, abs=1e-4)
    assert grads["k3"]["cos with ∇KL(π_ref‖π)"] == pytest.approx(1, abs=1e-4)
    assert grads["k3"]["cos with ∇KL(π‖π_ref)"] < 0.99
    assert grads["k1"]["size ÷ ∇KL(π‖π_ref)'s"] < 1e-3


def test_gradient_noise_per_batch_rloo_is_dr_grpo_scaled(shipped):
    """RLOO's advantages are Dr GRPO's times G/(G-1): the same noise-to-signal, variance
    (G/(G-1))^2 times; one record per batch; the same seed, the same records."""
    lm, tok, _, rm = shipped
    config = NoiseConfig(reward="pass_fail", group=4, batches=3)
    records = list(measure_gradient_noise(config, lm, tok, rm, list(PROMPTS), seed=0, new_tokens=6, value_samples=4))
    assert [r["update"] for r in records] == [1, 2, 3]
    rows = {r["baseline"]: r for r in records[-1]["rows"]}
    assert set(rows) == set(BASELINES)
    assert rows["rloo"]["noise_to_signal"] == pytest.approx(rows["dr_grpo"]["noise_to_signal"], rel=1e-3)
    assert rows["rloo"]["variance"] == pytest.approx(rows["dr_grpo"]["variance"] * (4 / 3) ** 2, rel=1e-3)
    assert 0 <= records[-1]["no_signal"] <= 1 and len(records[-1]["groups"]) == 3 * len(PROMPTS)
    assert records[-1]["rloo_noise_to_signal"] == rows["rloo"]["noise_to_signal"]  # named for the export
    again = list(measure_gradient_noise(config, lm, tok, rm, list(PROMPTS), seed=0, new_tokens=6, value_samples=4))
    assert again[-1]["rows"] == records[-1]["rows"]
    scored = list(measure_gradient_noise(dataclasses.replace(config, reward="reward_model", batches=2), lm, tok, rm,
                                         list(PROMPTS), seed=0, new_tokens=6, value_samples=4))
    assert scored[-1]["no_signal"] == 0.0  # reward-model scores never tie


def test_best_of_n_run_with_every_label_uses_the_shipped_reward_model(shipped):
    lm, tok, pairs, rm = shipped
    config = BestOfNConfig(n_max=4, repeats=1, rm_pairs=len(pairs), rm_flip=0.0, new_tokens=6)
    records = list(train_best_of_n(config, lm, tok, pairs, rm, list(PROMPTS), seed=0))
    rows = best_of_n_sweep(lm, tok, rm, list(PROMPTS), [1, 2, 4], seed=0, new_tokens=6)
    assert [{k: r[k] for k in rows[0]} for r in records] == rows
    assert [r["update"] for r in records] == [1, 2, 3]


def test_all_methods_train_in_order_and_are_measured_alike(shipped):
    lm, tok, pairs, rm = shipped
    records = list(all_methods(FrontierConfig(updates=5, n_max=4), lm, tok, rm, pairs, list(PROMPTS), seed=0))
    assert list(dict.fromkeys(r["method"] for r in records)) == METHODS
    for r in records:
        assert {"kl", "rm_reward", "gold", "update"} <= set(r) and np.isfinite(r["kl"])
    assert [r["n"] for r in records if r["method"] == "best-of-N"] == [1, 2, 4]
    trails = method_trails(records)
    assert list(trails) == METHODS
    assert len(trails["PPO β=0.05"]["kl"]) == 1  # five updates, a window of five: one mean
