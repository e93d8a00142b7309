"""A corpus of short movie-review-like sentences, generated, so the tiny model has something
to learn and the labeler something to prefer. Deterministic for a seed.

The words carry sentiment (POSITIVE, NEGATIVE) that the simulated labeler's hidden preference
reads; the templates mix them so the pretrained model writes both kinds of review."""
from __future__ import annotations

import random

POSITIVE = ("great", "wonderful", "brilliant", "moving", "beautiful", "funny", "charming",
            "superb", "delightful", "excellent", "touching", "clever")
NEGATIVE = ("boring", "awful", "dull", "terrible", "slow", "bland", "messy", "painful",
            "weak", "silly", "forgettable", "tedious")
NEUTRAL = ("long", "quiet", "loud", "strange", "simple", "dark", "familiar", "short")
SUBJECTS = ("the movie", "the film", "the story", "the acting", "the ending", "the music",
            "the script", "the cast", "the plot", "the director", "this film", "this movie")
VERBS = ("was", "is", "felt", "seemed")
LINKS = ("and", "but", "yet", "so")
OPENERS = ("i think", "honestly ,", "overall ,", "to be fair ,", "in the end ,", "")
ENDINGS = (".", "!", ". i would watch it again .", ". i left early .", ". not for me .",
           ". see it .")

PROMPTS = ("the movie was", "i think the film", "honestly , the story", "the acting",
           "overall , this movie", "the ending")


def _adjective(rng: random.Random, mood: str) -> str:
    pool = {"pos": POSITIVE, "neg": NEGATIVE, "mix": POSITIVE + NEGATIVE + NEUTRAL}[mood]
    return rng.choice(pool)


def sentence(rng: random.Random) -> str:
    mood = rng.choice(("pos", "neg", "mix"))
    opener = rng.choice(OPENERS)
    first = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {_adjective(rng, mood)}"
    if rng.random() < 0.6:
        second_mood = mood if rng.random() < 0.6 else rng.choice(("pos", "neg"))
        first += f" {rng.choice(LINKS)} {_adjective(rng, second_mood)}"
    if rng.random() < 0.4:
        first += f" , {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {_adjective(rng, mood)}"
    ending = ENDINGS[0] if mood == "mix" else rng.choice(ENDINGS)
    return " ".join(part for part in (opener, first) if part) + " " + ending


def make_corpus(n: int = 20_000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [sentence(rng) for _ in range(n)]
