"""The tiny GPT-2 and its tokenizer: build, save, load, sample.

The model is a real `transformers.GPT2LMHeadModel`; weights are saved as safetensors beside
config.json and tokenizer.json, so `load` (and `from_pretrained`) reads the shipped model, any
local causal-LM directory, or a hub name for users who are online."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "tiny-gpt2"
MAX_PROMPT_TOKENS = 32
BOS = "<|endoftext|>"


def train_tokenizer(texts: list[str], vocab_size: int = 600):
    """A byte-level BPE tokenizer trained on `texts` (any unicode encodes: emoji, Chinese)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[BOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=BOS,
                                   pad_token=BOS)


def build_model(vocab_size: int, n_embd: int = 192, n_layer: int = 4, n_head: int = 4,
                n_positions: int = 64):
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(vocab_size=vocab_size, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                        n_positions=n_positions, bos_token_id=0, eos_token_id=0,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    return GPT2LMHeadModel(config)


def load(name_or_path: str | Path = ASSETS, device: str = "cpu"):
    """(model, tokenizer) from a local directory or a hub name (the latter needs a network)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging

    logging.disable_progress_bar()

    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(str(name_or_path)).to(device)
    return model.eval(), tokenizer


@dataclass
class Sampling:
    temperature: float = 1.0
    top_k: int = 0
    new_tokens: int = 24


def prompt_ids(tokenizer, prompts: list[str], device: str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded ids and attention mask; each prompt starts with BOS and keeps its last
    MAX_PROMPT_TOKENS tokens (a long prompt is cut from the left, never refused)."""
    rows = [[tokenizer.bos_token_id] + tokenizer.encode(p)[-MAX_PROMPT_TOKENS:] for p in prompts]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, width - len(r):] = torch.tensor(r)
        mask[i, width - len(r):] = 1
    return ids.to(device), mask.to(device)


@torch.no_grad()
def sample(model, tokenizer, prompts: list[str], sampling: Sampling, generator: torch.Generator | None = None):
    """Sample `sampling.new_tokens` tokens after each prompt with a KV cache.

    Returns (prompt ids, prompt mask, completion ids (batch, new_tokens)). Plain multinomial
    sampling written out (temperature, top-k), so PPO knows exactly which distribution
    produced each token."""
    device = next(model.parameters()).device
    ids, mask = prompt_ids(tokenizer, prompts, device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True)
    cache, logits = out.cache, out.logits[:, -1]
    next_pos = positions[:, -1:] + 1
    tokens = []
    for step in range(sampling.new_tokens):
        logits = logits / max(sampling.temperature, 1e-6)
        if sampling.top_k:
            kth = torch.topk(logits, min(sampling.top_k, logits.shape[-1])).values[:, -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        token = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)
        tokens.append(token)
        mask = torch.cat([mask, torch.ones_like(token)], dim=1)
        out = model(input_ids=token, attention_mask=mask, position_ids=next_pos, cache=cache,
                    use_cache=True)
        cache, logits, next_pos = out.cache, out.logits[:, -1], next_pos + 1
    return ids, mask[:, :ids.shape[1]], torch.cat(tokens, dim=1)


def decode(tokenizer, completion_ids: torch.Tensor) -> list[str]:
    """Text of each completion, cut at the first end-of-text token.

    Each row is decoded whole (so a character split over several tokens comes out whole).
    A byte-level model can still sample a lone byte that is no UTF-8 character, or stop in the
    middle of one; those bytes are dropped rather than shown as "�"."""
    texts = []
    for row in completion_ids.tolist():
        if tokenizer.eos_token_id in row:
            row = row[:row.index(tokenizer.eos_token_id)]
        texts.append(tokenizer.decode(row).replace("\ufffd", "").strip())
    return texts


def prepare_prompt(text: str, tokenizer, max_chars: int = 10_000) -> tuple[str, list[str]]:
    """Any typed prompt becomes something the model can continue, plus notes for the student
    on what was changed (never an exception): empty starts a fresh review, a long one keeps
    its end, text outside the training corpus is allowed but flagged."""
    notes = []
    text = "" if text is None else str(text)
    if len(text) > max_chars:
        text = text[-max_chars:]
        notes.append(f"The prompt was longer than {max_chars:,} characters; its end is used.")
    stripped = " ".join(text.split())
    if not stripped:
        notes.append("The prompt is empty: the model starts a review of its own.")
        return "", notes
    n_tokens = len(tokenizer.encode(stripped))
    if n_tokens > MAX_PROMPT_TOKENS:
        notes.append(f"The model reads only the last {MAX_PROMPT_TOKENS} of the prompt's "
                     f"{n_tokens} tokens (it was trained on short sentences).")
    if any(ord(ch) > 127 for ch in stripped):
        notes.append("The model only ever saw English reviews, so characters like these are new "
                     "to it: expect it to carry on in its own words.")
    return stripped, notes
