import json
import math

import numpy as np
import pytest
import torch

from core.rlhf.corpus import PROMPTS, make_corpus
from core.rlhf.labeler import gold_score, label, pairs_from_json, pairs_to_json, simulated_pairs
from core.rlhf.model import ASSETS, Sampling, decode, load, prepare_prompt, sample
from core.rlhf.ppo_lm import (PolicyWithValue, RLHFConfig, completion_mask, one_token_kl_ppo,
                              per_token_kl, shaped_rewards, token_logprobs, train_rlhf)
from core.rlhf.reward import RewardConfig, RewardModel, bradley_terry_loss, train_reward_model


@pytest.fixture(scope="module")
def shipped():
    torch.manual_seed(0)
    return load(ASSETS)


@pytest.fixture(scope="module")
def reward_model(shipped):
    """The reward model trained as the page trains it, on 1,200 simulated pairs (seed 0)."""
    lm, tok = shipped
    pairs = simulated_pairs(lm, tok, list(PROMPTS), 1200, seed=0)
    records = list(train_reward_model(RewardConfig(), lm, tok, pairs, seed=0))
    return records, next(r["_rm"] for r in reversed(records) if "_rm" in r)


def test_bradley_terry_loss_on_a_hand_batch():
    loss = bradley_terry_loss(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0]))
    expected = (math.log(1 + math.exp(-1)) + math.log(1 + math.exp(2))) / 2
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_reward_model_reaches_90_percent_held_out(reward_model):
    records, _ = reward_model
    assert records[-1]["heldout_accuracy"] >= 0.90
    assert records[0]["heldout_accuracy"] < records[-1]["heldout_accuracy"]


def test_unchanged_policy_has_zero_kl_to_its_reference(shipped):
    lm, tok = shipped
    policy = PolicyWithValue(lm)
    ids, mask, tokens = sample(lm, tok, list(PROMPTS[:3]), Sampling(new_tokens=8), torch.Generator().manual_seed(0))
    full, full_mask = torch.cat([ids, tokens], 1), torch.cat([mask, torch.ones_like(tokens)], 1)
    with torch.no_grad():
        logp_policy = token_logprobs(policy(full, full_mask, 8)[0], tokens)
        positions = (full_mask.cumsum(-1) - 1).clamp(min=0)
        ref = torch.log_softmax(lm(input_ids=full, attention_mask=full_mask, position_ids=positions).logits[:, -9:-1], -1)
    done = completion_mask(tokens, tok.eos_token_id)
    assert torch.equal(per_token_kl(logp_policy, token_logprobs(ref, tokens), done), torch.zeros_like(done))


def test_safetensors_round_trip_and_local_loading(shipped, tmp_path):
    lm, tok = shipped
    lm.save_pretrained(tmp_path, safe_serialization=True)
    tok.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    again, tok2 = load(tmp_path)
    for (name, a), (_, b) in zip(lm.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), name
    assert tok2.encode("the movie was great") == tok.encode("the movie was great")


def test_ppo_raises_the_reward_model_score(shipped, reward_model):
    """Seed 0, 32 prompts x 16 tokens: within 10 updates the mean RM reward of the last three
    updates is at least 0.5 above the first update's."""
    lm, tok = shipped
    _, rm = reward_model
    records = list(train_rlhf(RLHFConfig(max_updates=10), lm, tok, rm, list(PROMPTS), seed=0))
    assert np.mean([r["rm_reward"] for r in records[-3:]]) >= records[0]["rm_reward"] + 0.5
    assert records[0]["kl"] == pytest.approx(0.0, abs=1e-5)  # the first batch is the reference's


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_one_token_kl_ppo_reaches_the_known_optimum(beta):
    ref = np.log(np.array([0.5, 0.2, 0.2, 0.1]))
    rewards = np.array([0.0, 1.0, 0.5, 2.0])
    pi = one_token_kl_ppo(ref, rewards, beta)
    optimum = np.exp(ref + rewards / beta)
    optimum /= optimum.sum()
    assert 0.5 * np.abs(pi - optimum).sum() <= 0.05


def test_reward_shaping_hand_example():
    scores = torch.tensor([2.0, -1.0])
    kl = torch.tensor([[0.5, 0.1, 0.0], [0.2, 0.0, 0.3]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    got = shaped_rewards(scores, kl, mask, beta=0.1)
    torch.testing.assert_close(got, torch.tensor([[-0.05, -0.01 + 2.0, 0.0], [-0.02, 0.0, -0.03 - 1.0]]))
    torch.testing.assert_close(completion_mask(torch.tensor([[5, 0, 7], [5, 6, 7]]), 0),
                               torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]))


@pytest.mark.parametrize("typed", ["", "   ", "the movie was " * 800, "🎬🍿 the movie was", "这部电影",
                                   "the movie\x00 was", "<|endoftext|>"])
def test_any_typed_prompt_gives_samples(shipped, typed):
    lm, tok = shipped
    prompt, notes = prepare_prompt(typed, tok)
    _, _, tokens = sample(lm, tok, [prompt], Sampling(new_tokens=6), torch.Generator().manual_seed(0))
    assert len(decode(tok, tokens)) == 1
    if not typed.strip() or len(typed) > 1000 or any(ord(c) > 127 for c in typed):
        assert notes


def test_gold_score_and_labels():
    assert gold_score("the movie was great and funny .") == 2
    assert gold_score("the movie was great great great") == -1  # one positive, two repeats
    assert gold_score("the movie was dull") == -1
    assert gold_score("the movie was zzzz") == -1
    rng = np.random.default_rng(0)
    assert label("it was great .", "it was dull .", rng) == 0
    assert label("it was dull .", "it was great .", rng) == 1
    assert label("it was great .", "it was funny .", rng) is None
    assert label("it was great .", "it was dull .", rng, flip=1.0) == 1


def test_labels_round_trip_and_bad_files_are_refused_with_a_reason():
    pairs = [{"prompt": "the movie was", "a": "great .", "b": "dull .", "preferred": 0, "source": "you"}]
    assert pairs_from_json(pairs_to_json(pairs)) == pairs
    for bad, words in [("not json", "not a JSON"), (b"\xff\xfe", "not a JSON"), ("[1, 2]", "not a labels file"),
                       (json.dumps({"format": "rlhf-playground-labels", "pairs": 3}), "no list"),
                       (json.dumps({"format": "rlhf-playground-labels", "pairs": [{"prompt": 1}]}), "pair 1"),
                       (json.dumps({"format": "rlhf-playground-labels", "pairs": [{"prompt": "p", "a": "x", "b": "y", "preferred": 2}]}), "pair 1")]:
        with pytest.raises(ValueError, match=words):
            pairs_from_json(bad)
    with pytest.raises(ValueError, match="at most"):
        pairs_from_json(pairs_to_json(pairs * 3), limit=2)


def test_corpus_is_deterministic_and_has_both_sentiments():
    a, b = make_corpus(200, seed=3), make_corpus(200, seed=3)
    assert a == b and len(set(a)) > 150
    scores = [gold_score(t) for t in a]
    assert min(scores) < 0 < max(scores)


def test_pretrain_script_writes_a_loadable_model(tmp_path):
    from core.rlhf.pretrain import pretrain
    info = pretrain(tmp_path, steps=2, batch=4, log_every=1)
    model, tok = load(tmp_path)
    assert info["parameters"] == sum(p.numel() for p in model.parameters())
    assert {"model.safetensors", "config.json", "tokenizer.json"} <= {p.name for p in tmp_path.iterdir()}
