"""Figures for the RLHF page, on this CPU, one torch thread, in a fresh process (so the peak
memory is the demo's own):

- rlhf_rm_train_s: reward-model training until held-out accuracy >= 90% (1,200 simulated
  pairs asked, the page's defaults);
- rlhf_ppo_update_s: one PPO update, 32 prompts x 24 new tokens (median of 5);
- rlhf_demo_total_s: model load + labelling + reward model + PPO until the labeler's gold
  score of the samples has clearly improved (mean of 3 updates >= first update + 0.5);
- rlhf_peak_rss_mb: the process's peak resident memory over all of that.
Targets: an update under 1.5 s, the demo under 60 s, under 1 GB.
"""
import json
import resource
import statistics
import subprocess
import sys
import time


def demo() -> dict:
    import torch

    torch.set_num_threads(1)
    from core.rlhf.corpus import PROMPTS
    from core.rlhf.labeler import simulated_pairs
    from core.rlhf.model import load
    from core.rlhf.ppo_lm import RLHFConfig, train_rlhf
    from core.rlhf.reward import RewardConfig, train_reward_model

    start = time.perf_counter()
    lm, tok = load()
    pairs = simulated_pairs(lm, tok, list(PROMPTS), 1200, seed=0)
    labelled = time.perf_counter()
    rm, rm_s, accuracy = None, float("inf"), 0.0
    for record in train_reward_model(RewardConfig(), lm, tok, pairs, seed=0):
        if "_rm" in record:
            rm, accuracy = record["_rm"], record["heldout_accuracy"]
            if accuracy >= 0.9:
                rm_s = record["time_s"]
                break
    golds, update_s, improved_at = [], [], None
    last = time.perf_counter()
    for record in train_rlhf(RLHFConfig(max_updates=40), lm, tok, rm, list(PROMPTS), seed=0):
        now = time.perf_counter()
        update_s.append(now - last)
        last = now
        golds.append(record["gold"])
        if len(golds) >= 4 and statistics.mean(golds[-3:]) >= golds[0] + 0.5:
            improved_at = len(golds)
            break
    total = time.perf_counter() - start
    timing = list(train_rlhf(RLHFConfig(max_updates=5, new_tokens=24), lm, tok, rm, list(PROMPTS), seed=1))
    per_update = [b["time_s"] - a["time_s"] for a, b in zip([{"time_s": 0.0}] + timing[:-1], timing)]
    return {"rm_train_s": rm_s, "rm_accuracy": accuracy, "pairs": len(pairs),
            "labelling_s": labelled - start, "ppo_update_s": statistics.median(per_update),
            "demo_total_s": total if improved_at else float("inf"), "gold_first": golds[0],
            "gold_last3": statistics.mean(golds[-3:]), "ppo_updates_to_improve": improved_at,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run():
    out = subprocess.run([sys.executable, "-m", "bench.rlhf"], capture_output=True, text=True,
                         check=True)
    d = json.loads(out.stdout.strip().splitlines()[-1])
    yield "rlhf_rm_train_s", d["rm_train_s"], "s", {"heldout_accuracy": d["rm_accuracy"], "pairs": d["pairs"]}
    yield "rlhf_ppo_update_s", d["ppo_update_s"], "s", {"prompts": 32, "new_tokens": 24}
    yield "rlhf_demo_total_s", d["demo_total_s"], "s", {k: d[k] for k in (
        "labelling_s", "rm_train_s", "ppo_updates_to_improve", "gold_first", "gold_last3")}
    yield "rlhf_peak_rss_mb", d["peak_rss_mb"], "MB", {}


if __name__ == "__main__":
    print(json.dumps(demo()))
