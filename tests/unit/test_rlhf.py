import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rlhf.corpus import PROMPTS, make_corpus
from core.rlhf.labeler import gold_score, label, pairs_from_json, pairs_to_json, simulated_pairs
from core.rlhf.model import ASSETS, Sampling, decode, load, prepare_prompt, sample
from core.rlhf.ppo_lm import (KL_RULES, PolicyWithValue, RLHFConfig, completion_mask, exact_token_kl,
                              frontier, frontier_trails, next_values, one_token_kl_ppo, per_token_kl,
                              shaped_rewards, token_logprobs, train_rlhf)
from core.rlhf.reward import RewardConfig, RewardModel, accuracy, bradley_terry_loss, train_reward_model


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
    measured = [r["heldout_accuracy"] for r in records if r["heldout_accuracy"] is not None]
    assert measured[-1] >= 0.90
    assert measured[0] < measured[-1]


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
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_token_kl_ppo_reaches_the_known_optimum(beta, seed):
    """Within total variation 0.02 of pi* = pi_ref exp(r / beta) / Z, with its defaults, on
    several seeds (at a constant learning rate Adam jittered 0.02-0.05 around it)."""
    ref = np.log(np.array([0.5, 0.2, 0.2, 0.1]))
    rewards = np.array([0.0, 1.0, 0.5, 2.0])
    pi = one_token_kl_ppo(ref, rewards, beta, seed=seed)
    optimum = np.exp(ref + rewards / beta)
    optimum /= optimum.sum()
    assert 0.5 * np.abs(pi - optimum).sum() <= 0.02


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
                       ("", "empty"), (b"  \n", "empty"), ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
                       ('{"format": "rlhf-playground-labels", "pairs": [' * 5000, "nested too deeply"),
                       (json.dumps({"format": "rlhf-playground-labels", "pairs": [{"prompt": "p", "a": "x", "b": "y", "preferred": True}]}), "pair 1"),
                       (json.dumps({"format": "rlhf-playground-labels", "pairs": [{"prompt": "p", "a": "x", "b": "y", "preferred": 1.0}]}), "pair 1"),
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


# ---- the frontier's root cause: the critic must not train the language model ---------------------
def test_the_value_loss_never_moves_the_language_model(shipped):
    """With a shared trunk, the value loss (its returns carry beta x the KL penalties) steered
    the language model away from the reference: the stronger the leash, the more KL spent."""
    lm, tok = shipped
    policy = PolicyWithValue(lm)
    with torch.no_grad():
        policy.value_head.weight.fill_(0.1)  # a trained head (at its zero start no gradient flows back)
    ids, mask, tokens = sample(lm, tok, list(PROMPTS[:2]), Sampling(new_tokens=4), torch.Generator().manual_seed(0))
    full, full_mask = torch.cat([ids, tokens], 1), torch.cat([mask, torch.ones_like(tokens)], 1)
    _, values = policy(full, full_mask, 4)
    ((values - 100.0) ** 2).mean().backward()
    assert all(p.grad is None or not p.grad.any() for p in policy.lm.parameters())
    assert policy.value_head.weight.grad.abs().sum() > 0
    policy.zero_grad(set_to_none=True)


def test_next_values_stop_at_each_completions_end():
    values = torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    # the first completion ends at token 1: nothing after it is bootstrapped from
    torch.testing.assert_close(next_values(values, mask), torch.tensor([[2.0, 0.0, 0.0, 0.0], [6.0, 7.0, 8.0, 0.0]]))


def test_exact_token_kl_is_the_expectation_of_the_sampled_log_ratio():
    logp = torch.log_softmax(torch.tensor([[[1.0, 0.0, -1.0]]]), -1)
    ref = torch.log_softmax(torch.tensor([[[0.0, 0.0, 0.0]]]), -1)
    expected = sum(float(logp[0, 0, a].exp() * (logp[0, 0, a] - ref[0, 0, a])) for a in range(3))
    assert float(exact_token_kl(logp, ref, torch.ones(1, 1))) == pytest.approx(expected)
    assert float(exact_token_kl(logp, ref, torch.zeros(1, 1))) == 0.0


def test_frontier_trails_are_trailing_means():
    records = [{"beta": b, "update": u, "kl": float(u), "rm_reward": 2.0 * u, "gold": -u}
               for b in (0.0, 2.0) for u in range(1, 7)]
    trails = frontier_trails(records, window=3)
    assert sorted(trails) == [0.0, 2.0]
    np.testing.assert_allclose(trails[0.0]["kl"], [2, 3, 4, 5])
    np.testing.assert_allclose(trails[2.0]["proxy"], [4, 6, 8, 10])
    np.testing.assert_allclose(trails[2.0]["update"], [3, 4, 5, 6])


# ---- display --------------------------------------------------------------------------------------
def test_decode_drops_bytes_that_are_no_character(shipped):
    """A byte-level model can sample a lone byte (the first half of "é"); shown it was "was� great"."""
    _, tok = shipped
    e_acute = tok.encode("é")
    assert len(e_acute) == 2
    row = tok.encode("was") + e_acute[:1] + tok.encode(" great")
    assert decode(tok, torch.tensor([row])) == ["was great"]
    whole = tok.encode("was ") + e_acute + tok.encode(" great")
    assert decode(tok, torch.tensor([whole])) == ["was é great"]  # a whole character stays
    assert decode(tok, torch.tensor([tok.encode("great") + e_acute[:1]])) == ["great"]  # cut mid-character


# ---- the reward model's held-out accuracy -----------------------------------------------------------
def test_held_out_accuracy_is_none_until_measured_and_a_tie_is_half(shipped):
    lm, tok = shipped
    pairs = [{"prompt": "the movie was", "a": "great .", "b": "dull .", "preferred": i % 2, "source": "you"}
             for i in range(20)]
    config = RewardConfig(epochs=1, batch=4)
    records = list(train_reward_model(config, lm, tok, pairs, seed=0))
    assert len(records) == 4  # 16 training pairs, batches of 4
    assert all(r["heldout_accuracy"] is None for r in records[:-1])  # not measured yet: not 0
    assert records[0]["train_accuracy"] == 0.5  # the untrained model ties every pair: a coin's half
    assert records[-1]["heldout_accuracy"] is not None and "_rm" in records[-1]
    assert [r["heldout_measured"] for r in records] == [False, False, False, True]
    assert accuracy(RewardModel(lm), tok, pairs[:4]) == 0.5  # untrained: every pair a tie


# ---- same seed, same records: solo, beside another run, whatever reseeds the global generator -------
def _comparable(record) -> str:
    """A record without its timing and payloads, as exact text (NaN == NaN here)."""
    return repr({k: v for k, v in record.items() if not k.startswith("_") and k != "time_s"})


def _records(gen):
    return [_comparable(r) for r in gen]


def _interleaved(make_a, make_b):
    """Records of a while b (another seed) is advanced between each of a's updates, and torch's
    and numpy's global generators are reseeded in between."""
    a, b, out = make_a(), make_b(), []
    for record in a:
        out.append(_comparable(record))
        next(b, None)
        torch.manual_seed(123)
        np.random.seed(123)
    return out


TINY = RLHFConfig(prompts=4, new_tokens=4, epochs=1, max_updates=2)


def test_train_rlhf_same_seed_same_records(shipped, reward_model):
    lm, tok = shipped
    _, rm = reward_model

    def run(seed, config=TINY):
        return train_rlhf(config, lm, tok, rm, list(PROMPTS), seed, watch=list(PROMPTS[:1]))

    solo = _records(run(1))
    assert _interleaved(lambda: run(1), lambda: run(2)) == solo
    assert _records(run(2)) != solo


def test_frontier_same_seed_same_records(shipped, reward_model):
    lm, tok = shipped
    _, rm = reward_model
    config = dataclasses.replace(TINY, max_updates=1)

    def run(seed):
        return frontier(config, [0.0, 1.0], lm, tok, rm, list(PROMPTS), seed)

    solo = _records(run(1))
    assert len(solo) == 2
    assert _interleaved(lambda: run(1), lambda: run(2)) == solo


def test_train_reward_model_same_seed_same_records(shipped):
    lm, tok = shipped
    pairs = simulated_pairs(lm, tok, list(PROMPTS), 40, seed=0, new_tokens=6)
    config = RewardConfig(epochs=1, batch=8)

    def run(seed):
        return train_reward_model(config, lm, tok, pairs, seed)

    solo = _records(run(1))
    assert _interleaved(lambda: run(1), lambda: run(2)) == solo


def test_simulated_pairs_and_one_token_ppo_ignore_the_global_generators(shipped):
    lm, tok = shipped
    first = simulated_pairs(lm, tok, list(PROMPTS), 8, seed=3, new_tokens=4)
    torch.manual_seed(123)
    np.random.seed(123)
    torch.rand(5)
    assert simulated_pairs(lm, tok, list(PROMPTS), 8, seed=3, new_tokens=4) == first
    ref, rewards = np.log([0.5, 0.3, 0.2]), np.array([0.0, 1.0, 2.0])
    a = one_token_kl_ppo(ref, rewards, 1.0, updates=5, seed=4)
    torch.manual_seed(7)
    torch.rand(3)
    np.testing.assert_array_equal(one_token_kl_ppo(ref, rewards, 1.0, updates=5, seed=4), a)


# ---- live knobs ------------------------------------------------------------------------------------
def test_live_lr_and_beta_reach_train_rlhf(shipped, reward_model):
    lm, tok = shipped
    _, rm = reward_model
    run = train_rlhf(dataclasses.replace(TINY, max_updates=3), lm, tok, rm, list(PROMPTS), 0)
    first = next(run)
    assert first["lr"] == TINY.lr and first["beta"] == TINY.beta
    second = run.send({"lr": 1e-3, "beta": 0.5})
    assert second["lr"] == 1e-3 and second["beta"] == 0.5
    with pytest.raises(ValueError):
        run.send({"prompts": 8})  # not live


@pytest.mark.parametrize("rule", KL_RULES)
def test_each_adaptive_rule_steers_beta_in_train_rlhf(shipped, reward_model, rule):
    """The first update samples before any step, so its KL is 0, far under the target: PPO's
    rule halves beta, the proportional controller takes 20 % times completions / horizon off."""
    lm, tok = shipped
    _, rm = reward_model
    config = dataclasses.replace(TINY, adaptive=True, kl_rule=rule, kl_target=1.0, kl_horizon=40)
    records = list(train_rlhf(config, lm, tok, rm, list(PROMPTS), 0))
    assert records[0]["kl"] == pytest.approx(0.0, abs=1e-6) and records[0]["beta"] == TINY.beta
    expected = TINY.beta / 2 if rule == "halve_or_double" else TINY.beta * (1 - 0.2 * TINY.prompts / 40)
    assert records[1]["beta"] == pytest.approx(expected)


def test_live_lr_reaches_frontier_but_its_beta_is_the_sweeps(shipped, reward_model):
    lm, tok = shipped
    _, rm = reward_model
    run = frontier(TINY, [0.0, 1.0], lm, tok, rm, list(PROMPTS), 0)
    assert next(run)["lr"] == TINY.lr
    second = run.send({"lr": 1e-3, "beta": 0.7})
    assert (second["lr"], second["beta"]) == (1e-3, 0.0)
    third = next(run)  # the next beta's run keeps the new lr
    assert (third["lr"], third["beta"]) == (1e-3, 1.0)


def test_live_lr_reaches_train_reward_model(shipped):
    lm, tok = shipped
    pairs = [{"prompt": "the movie was", "a": "great .", "b": "dull .", "preferred": i % 2, "source": "you"}
             for i in range(20)]
    run = train_reward_model(RewardConfig(epochs=1, batch=4), lm, tok, pairs, seed=0)
    assert next(run)["lr"] == RewardConfig().lr
    assert run.send({"lr": 1e-4})["lr"] == 1e-4


# ---- fuzz: the labels parser and the prompt path ------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)
texts = st.text(max_size=10)
pair_like = st.fixed_dictionaries(  # mostly well-formed, with one field now and then wrong or missing
    {"prompt": texts, "a": texts, "b": texts,
     "preferred": st.sampled_from([0, 1, True, False, 0.0, 1.0, "0", None, 2, -1])},
    optional={"source": texts | json_values}) | st.fixed_dictionaries({}, optional={
        "prompt": texts | json_values, "a": texts | json_values, "b": texts | json_values,
        "preferred": st.integers(-1, 2) | json_values})
deep = st.builds(lambda n, open_, close: open_ * n + close * n, st.integers(0, 20_000),
                 st.sampled_from(["[", '{"pairs": [', '{"a": ']), st.sampled_from(["]", "]}", "}", ""]))


def _parse_or_refuse(data):
    """pairs_from_json either returns well-typed pairs or raises ValueError, nothing else."""
    try:
        pairs = pairs_from_json(data)
    except ValueError as exc:
        assert str(exc)
        return None
    for p in pairs:
        assert {type(p[k]) for k in ("prompt", "a", "b", "source")} == {str}
        assert type(p["preferred"]) is int and p["preferred"] in (0, 1)
    return pairs


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200) | deep)
def test_fuzz_labels_parser_on_junk(data):
    _parse_or_refuse(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(pair_like | json_values, max_size=5), json_values)
def test_fuzz_labels_parser_on_near_misses(pairs, extra):
    text = json.dumps({"format": "rlhf-playground-labels", "version": 1, "pairs": pairs, "extra": extra})
    parsed = _parse_or_refuse(text)
    ok = all(isinstance(p, dict) and all(isinstance(p.get(k), str) for k in ("prompt", "a", "b"))
             and type(p.get("preferred")) is int and p.get("preferred") in (0, 1) for p in pairs)
    assert (parsed is not None) == ok


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fixed_dictionaries({"prompt": st.text(max_size=30), "a": st.text(max_size=30),
                                       "b": st.text(max_size=30), "preferred": st.sampled_from([0, 1]),
                                       "source": st.text(max_size=8)}), max_size=5))
def test_fuzz_labels_round_trip(pairs):
    assert pairs_from_json(pairs_to_json(pairs)) == pairs
    assert pairs_from_json(pairs_to_json(pairs).encode("utf-8")) == pairs


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300)
       | st.builds(lambda piece, n: piece * n, st.text(min_size=1, max_size=12), st.integers(500, 2500)))
def test_fuzz_prompt_path(shipped, text):
    """Whatever is typed: a prompt the model continues, and a note whenever the text was changed
    beyond its whitespace."""
    lm, tok = shipped
    prompt, notes = prepare_prompt(text, tok)
    assert isinstance(prompt, str) and len(prompt) <= 10_000
    assert all(isinstance(n, str) and n for n in notes)
    if len(text) > 10_000 or not text.strip():
        assert notes
    _, _, tokens = sample(lm, tok, [prompt], Sampling(new_tokens=1), torch.Generator().manual_seed(0))
    assert tokens.shape == (1, 1)


# ---- a run described picklably trains in a fresh process (the server's worker pool) ------------------
def _train_in_child(blob: bytes, queue) -> None:
    import pickle
    import traceback

    try:
        make, config = pickle.loads(blob)
        queue.put(("ok", [{k: v for k, v in r.items() if not k.startswith("_")} for r in make(config)]))
    except Exception:
        queue.put(("error", traceback.format_exc()))


def test_the_pages_runs_train_in_a_fresh_process(shipped, reward_model):
    """Pickled and trained in a spawned process, as the page's worker pool does (there, an
    unpickled GPT-2 returned no hidden states for the value head)."""
    import functools
    import multiprocessing
    import pickle

    lm, tok = shipped
    _, rm = reward_model
    make = functools.partial(frontier, betas=[0.0], lm=lm, tokenizer=tok, rm=rm, prompts=list(PROMPTS), seed=0)
    config = dataclasses.replace(TINY, max_updates=1)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_train_in_child, args=(pickle.dumps((make, config)), queue))
    child.start()
    status, result = queue.get(timeout=120)
    child.join(30)
    assert status == "ok", result
    assert _records(iter(result)) == _records(make(config))


def test_trainers_leave_the_global_generators_alone(shipped, reward_model):
    lm, tok = shipped
    _, rm = reward_model
    pairs = [{"prompt": "the movie was", "a": "great .", "b": "dull .", "preferred": i % 2, "source": "you"}
             for i in range(12)]
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    list(train_rlhf(dataclasses.replace(TINY, max_updates=1), lm, tok, rm, list(PROMPTS), 0, watch=list(PROMPTS[:1])))
    list(train_reward_model(RewardConfig(epochs=1, batch=6), lm, tok, pairs, seed=0))
    one_token_kl_ppo(np.log([0.5, 0.5]), np.array([0.0, 1.0]), 1.0, updates=2)
    simulated_pairs(lm, tok, list(PROMPTS), 2, seed=0, new_tokens=2)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)


def test_accuracy_chart_draws_held_out_only_where_measured():
    from ui.charts import reward_model_accuracy

    records = [{"update": s, "train_accuracy": 0.5, "heldout_accuracy": None if s < 3 else 0.8,
                "heldout_measured": s in (3, 6)} for s in range(1, 7)]
    fig = reward_model_accuracy(records, title="Accuracy")
    held = next(t for t in fig.data if t.name.startswith("held out"))
    assert list(held.x) == [3, 6] and list(held.y) == pytest.approx([0.8, 0.8])
    assert fig.layout.legend.y > 1  # above the plot, clear of the x-axis title


def test_the_large_pretrain_size_is_about_ten_times_the_shipped_model(shipped):
    """`core.rlhf.pretrain --size large`: the GPU benchmark's model, the same pipeline ~10x."""
    from core.rlhf.model import build_model
    from core.rlhf.pretrain import SIZES

    lm, tok = shipped
    tiny = sum(p.numel() for p in build_model(len(tok), **SIZES["tiny"]).parameters())
    assert tiny == sum(p.numel() for p in lm.parameters())  # "tiny" is what ships
    large = sum(p.numel() for p in build_model(len(tok), **SIZES["large"]).parameters())
    assert 7 <= large / tiny <= 14, (tiny, large)


def test_the_shipped_start_is_the_page_defaults_labels_and_their_reward_model(shipped):
    """Issue 12 item 3: assets/rlhf-start/ holds what `python -m core.rlhf.skip_ahead` makes:
    the labeler's pairs at the page's defaults, and a reward model that ranks the held-out
    ones as well as its card says."""
    from core.rlhf.reward import accuracy, split
    from core.rlhf.skip_ahead import PAIRS_ASKED, SEED, START, load_start

    lm, tok = shipped
    pairs, rm, card = load_start(lm, tok)
    assert (START / "reward_model.safetensors").stat().st_size < 10_000_000
    regenerated = simulated_pairs(lm, tok, list(PROMPTS), PAIRS_ASKED, SEED, 0.0)
    assert pairs == regenerated and card["pairs"] == len(pairs)
    _, held = split(pairs, card["reward_config"]["holdout"], SEED)
    assert accuracy(rm, tok, held) == pytest.approx(card["heldout_accuracy"]) and card["heldout_accuracy"] > 0.85


def test_the_shipped_reward_model_refuses_another_model():
    from core.rlhf.model import build_model
    from core.rlhf.pretrain import SIZES
    from core.rlhf.skip_ahead import load_start

    other = build_model(300, **SIZES["large"])
    with pytest.raises(ValueError, match="shipped tiny GPT-2"):
        load_start(other, None)
