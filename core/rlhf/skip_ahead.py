"""`python -m core.rlhf.skip_ahead` makes assets/rlhf-start/: the simulated labeler's pairs at
the RLHF page's defaults (1,200 asked, seed 0, no errors) and the reward model trained on them
(RewardConfig's defaults, seed 0), saved as safetensors with a small JSON card.

Why: labelling and reward-model training take minutes of a lecture before PPO and
over-optimisation, the part a class came for. With these, steps 2 and 3 load in one click;
training them live stays on the page. Deterministic: the same files for the same code.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from core.rlhf.model import ASSETS

START = ASSETS.parent / "rlhf-start"
PAIRS_ASKED, SEED = 1200, 0


def make(out: Path = START) -> dict:
    import torch
    from safetensors.torch import save_file

    from core.rlhf.corpus import PROMPTS
    from core.rlhf.labeler import pairs_to_json, simulated_pairs
    from core.rlhf.model import load
    from core.rlhf.reward import RewardConfig, train_reward_model

    torch.set_num_threads(1)
    lm, tokenizer = load(ASSETS)
    pairs = simulated_pairs(lm, tokenizer, list(PROMPTS), PAIRS_ASKED, SEED, 0.0)
    config = RewardConfig()
    records = list(train_reward_model(config, lm, tokenizer, pairs, seed=SEED))
    rm = records[-1]["_rm"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "labels.json").write_text(pairs_to_json(pairs), encoding="utf-8")
    save_file({k: v.contiguous() for k, v in rm.state_dict().items()}, out / "reward_model.safetensors")
    card = {"pairs": len(pairs), "pairs_asked": PAIRS_ASKED, "seed": SEED,
            "heldout_accuracy": records[-1]["heldout_accuracy"], "steps": records[-1]["update"],
            "reward_config": {k: v for k, v in dataclasses.asdict(config).items() if k != "device"},
            "base_model": ASSETS.name}
    (out / "reward_model.json").write_text(json.dumps(card, indent=1), encoding="utf-8")
    return card


def load_start(lm, tokenizer, device: str = "cpu", folder: Path = START):
    """(pairs, reward model, card) from `folder`, for the shipped model `lm`. Raises
    ValueError when the checkpoint does not fit `lm` (another model was loaded)."""
    from safetensors.torch import load_file

    from core.rlhf.labeler import pairs_from_json
    from core.rlhf.reward import RewardModel

    card = json.loads((folder / "reward_model.json").read_text(encoding="utf-8"))
    pairs = pairs_from_json((folder / "labels.json").read_bytes())
    rm = RewardModel(lm)
    state = load_file(folder / "reward_model.safetensors")
    try:
        rm.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"the shipped reward model fits the shipped tiny GPT-2 only ({exc.__class__.__name__})") from exc
    return pairs, rm.to(device).eval(), card


if __name__ == "__main__":
    print(make())
