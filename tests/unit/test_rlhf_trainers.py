"""The trainers after PPO (issue 14) on the shipped tiny GPT-2 and the shipped labels and
reward model (assets/rlhf-start): DPO and the group baselines, short budgets."""
import dataclasses

import numpy as np
import pytest
import torch

from core.rlhf.best_of_n import best_of_n_kl, best_of_n_sweep
from core.rlhf.corpus import PROMPTS
from core.rlhf.dpo import DPOConfig, completion_logprobs, train_dpo
from core.rlhf.group_baselines import ESTIMATORS, GroupConfig, train_group
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
