"""The simulated human labeler and its hidden preference (the "gold" reward).

It likes positive reviews, dislikes negative ones, and dislikes text that repeats its
describing words ("great great great") or uses words that are not in the corpus. The reward model never sees this function,
only the labels it produces, so on the PPO step it can be fooled: the gold score is how we
see over-optimisation of the proxy.

    gold(text) = min(#distinct positive words, 3) - #negative words
                 - #repeats of a describing word - #words outside the corpus vocabulary
"""
from __future__ import annotations

import json
import re

import numpy as np

from core.jsonfile import read_json
from core.rlhf.corpus import ENDINGS, LINKS, NEGATIVE, NEUTRAL, OPENERS, POSITIVE, SUBJECTS, VERBS

PREFERENCE = ("positive sentiment (up to three distinct positive words), no negative words, no "
              "describing word used twice, only real words")
DESCRIBING = frozenset(POSITIVE + NEGATIVE + NEUTRAL)
VOCABULARY = frozenset(w for group in (POSITIVE, NEGATIVE, NEUTRAL, SUBJECTS, VERBS, LINKS,
                                       OPENERS, ENDINGS) for phrase in group for w in phrase.split())
_WORD = re.compile(r"[a-z]+")


def gold_score(text: str) -> float:
    words = _WORD.findall(text.lower())
    positive = len({w for w in words if w in POSITIVE})
    negative = sum(w in NEGATIVE for w in words)
    described = [w for w in words if w in DESCRIBING]
    repeated = len(described) - len(set(described))
    unknown = sum(w not in VOCABULARY for w in words)
    return min(positive, 3) - negative - repeated - unknown


def label(text_a: str, text_b: str, rng: np.random.Generator, flip: float = 0.0) -> int | None:
    """0 if the labeler prefers A, 1 if B, None when it cannot tell (equal gold scores).
    With probability `flip` the answer is reversed (a careless labeler)."""
    a, b = gold_score(text_a), gold_score(text_b)
    if a == b:
        return None
    choice = 0 if a > b else 1
    return 1 - choice if rng.random() < flip else choice


def pairs_to_json(pairs: list[dict]) -> str:
    return json.dumps({"format": "rlhf-playground-labels", "version": 1, "pairs": pairs},
                      ensure_ascii=False, indent=1)


def pairs_from_json(text: str | bytes, limit: int = 100_000) -> list[dict]:
    """Parse exported labels; raise ValueError with a sentence a student can act on, whatever
    the file holds (empty, not UTF-8, not JSON, nested thousands deep, wrong types, too many)."""
    data = read_json(text, "a labels file")
    if not isinstance(data, dict) or data.get("format") != "rlhf-playground-labels":
        raise ValueError("this JSON is not a labels file exported from this page.")
    pairs = data.get("pairs")
    if not isinstance(pairs, list):
        raise ValueError("the file has no list of pairs.")
    if len(pairs) > limit:
        raise ValueError(f"the file has {len(pairs):,} pairs; at most {limit:,} are accepted.")
    out = []
    for i, p in enumerate(pairs):
        preferred = p.get("preferred") if isinstance(p, dict) else None
        # true/false are ints to Python (bool subclasses int): a label must be the number 0 or 1
        if not (isinstance(p, dict) and isinstance(p.get("prompt"), str)
                and isinstance(p.get("a"), str) and isinstance(p.get("b"), str)
                and type(preferred) is int and preferred in (0, 1)):
            raise ValueError(f"pair {i + 1} needs text fields prompt, a, b and preferred = 0 or 1.")
        source = p.get("source")
        out.append({"prompt": p["prompt"], "a": p["a"], "b": p["b"], "preferred": preferred,
                    "source": source if isinstance(source, str) else "imported"})
    return out


def careless_labels(pairs: list[dict], n: int, flip: float, seed: int) -> list[dict]:
    """The first `n` pairs, each preference reversed with probability `flip`: what a hurried
    labeler would have given (a weaker reward model for the same prompts)."""
    rng = np.random.default_rng([seed, 7])
    return [{**p, "preferred": 1 - p["preferred"]} if rng.random() < flip else dict(p) for p in pairs[:n]]


def simulated_pairs(model, tokenizer, prompts: list[str], n: int, seed: int, flip: float = 0.0,
                    new_tokens: int = 16) -> list[dict]:
    """Sample two completions for each of n prompts (cycling through `prompts`) and let the
    simulated labeler choose; pairs it cannot tell apart are skipped."""
    import torch

    from core.rlhf.model import Sampling, decode, sample

    generator = torch.Generator(device=next(model.parameters()).device).manual_seed(seed)
    rng = np.random.default_rng(seed)
    asked = [prompts[i % len(prompts)] for i in range(n)]
    texts = []
    for i in range(0, 2 * n, 64):
        batch = [asked[j // 2] for j in range(i, min(2 * n, i + 64))]
        _, _, completion = sample(model, tokenizer, batch, Sampling(new_tokens=new_tokens), generator)
        texts += decode(tokenizer, completion)
    pairs = []
    for k, prompt in enumerate(asked):
        a, b = texts[2 * k], texts[2 * k + 1]
        choice = label(prompt + " " + a, prompt + " " + b, rng, flip)
        if choice is not None:
            pairs.append({"prompt": prompt, "a": a, "b": b, "preferred": choice, "source": "simulated"})
    return pairs
