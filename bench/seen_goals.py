"""The meaningful result of a page, timed as a person watching it gets it, beside the same
configuration headless (one torch thread, this process).

A real server and a real headless Chromium on this machine, both on the same cores.

- seen_ppo_clip_solve_s: the PPO page at its defaults (four variants x two seeds in lockstep),
  Start to the moment the returns chart's PPO-clip line (the mean over the seeds) reaches
  475; median over the sidebar seeds 1, 2, 3. Headless: the same comparison, the same seeds,
  to the same point. Target: seen < 1.5 x headless.
- seen_rlhf_rm_s: the RLHF page, the labeler's pairs at their defaults, Start of the reward
  model to a held-out accuracy of 85 % on screen. Headless: the same pairs and seed.
  Target: seen < 1.3 x headless.
- seen_rlhf_ppo_update_s: then PPO with the KL leash at its defaults, seconds per update as
  the page's status line reports them over a window. Headless: the same config, reward model
  and seed, as many updates. Target: seen < 1.3 x headless.
"""
from __future__ import annotations

import re
import statistics
import time

from bench.browser import browser_session, open_page, page_button, server_process

SEEDS = (1, 2, 3)
SOLVED = 475.0
RM_ACCURACY = 0.85
PPO_WINDOW_S = 30.0
STATUS = re.compile(r"(\d+) updates\s+·\s+([\d.]+) s")

# true once the returns chart's PPO-clip line has reached SOLVED (read from plotly's _fullData:
# gd.data keeps the float32 typed arrays the server sends encoded)
_CLIP_SOLVED = """(solved) => {
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const title = gd.layout && gd.layout.title && (gd.layout.title.text || gd.layout.title);
    if (!String(title).includes('Mean return of the last 20 episodes')) continue;  // Streamlit bolds it
    for (const trace of gd._fullData || [])
      if (trace.name === 'PPO-clip' && Array.from(trace.y || []).some(v => v >= solved)) return true;
  }
  return false;
}"""
_HELDOUT = """(target) => [...document.querySelectorAll("[data-testid='stMetric']")].some(m =>
  m.innerText.includes('Held-out accuracy') && parseFloat(m.innerText.split('\\n').pop()) >= target)"""


def headless_ppo_solve_s(seed: int) -> float:
    import torch

    from core.ppo import PPOConfig, train_ppo_comparison

    torch.set_num_threads(1)
    start = time.perf_counter()
    for record in train_ppo_comparison(PPOConfig(), (seed, seed + 1)):
        clip = record["variants"].index("clip")
        if record["return_avg20"][clip].mean() >= SOLVED:
            return time.perf_counter() - start
    return float("inf")


def seen_ppo_solve_s(page, url: str, seed: int) -> float:
    open_page(page, f"{url}/ppo?seed={seed}")
    page.wait_for_timeout(3000)  # the worker pool gets ready while a student reads
    start = time.perf_counter()
    page_button(page, "Start").first.click()
    try:
        page.wait_for_function(_CLIP_SOLVED, arg=SOLVED, timeout=600_000, polling=100)
    except Exception:
        return float("inf")
    seen = time.perf_counter() - start
    page_button(page, "Stop").first.click()
    return seen


def _headless_rlhf(updates: int) -> dict:
    import torch

    from core.rlhf.corpus import PROMPTS
    from core.rlhf.labeler import simulated_pairs
    from core.rlhf.model import load
    from core.rlhf.ppo_lm import RLHFConfig, train_rlhf
    from core.rlhf.reward import RewardConfig, train_reward_model

    torch.set_num_threads(1)
    lm, tok = load()
    pairs = simulated_pairs(lm, tok, list(PROMPTS), 1200, 0, 0.0)  # the page's defaults, seed 0
    start, rm_s, rm = time.perf_counter(), float("inf"), None
    for record in train_reward_model(RewardConfig(), lm, tok, pairs, seed=0):
        if rm_s == float("inf") and (record["heldout_accuracy"] or 0.0) >= RM_ACCURACY:
            rm_s = time.perf_counter() - start
        rm = record.get("_rm", rm)
    start = time.perf_counter()
    done = 0
    for done, _ in enumerate(train_rlhf(RLHFConfig(), lm, tok, rm, list(PROMPTS), seed=0,
                                        watch=list(PROMPTS[:4])), start=1):
        if done >= updates:
            break
    return {"rm_s": rm_s, "ppo_s_per_update": (time.perf_counter() - start) / max(done, 1)}


def seen_rlhf(page, url: str) -> dict:
    open_page(page, f"{url}/rlhf")
    page_button(page, "Let the labeler label").first.click()
    page.get_by_text(re.compile(r"[1-9][\d,]* labelled pairs")).first.wait_for(timeout=300_000)
    page.locator(".st-key-rlhf_rm_run_start button").wait_for(timeout=60_000)
    start = time.perf_counter()
    page.locator(".st-key-rlhf_rm_run_start button").click()
    page.wait_for_function(_HELDOUT, arg=RM_ACCURACY * 100, timeout=600_000, polling=100)
    rm_s = time.perf_counter() - start
    page.get_by_text("Score any text").first.wait_for(timeout=600_000)  # the RM run has ended
    ppo_start = page.locator(".st-key-rlhf_ppo_run_start button")
    ppo_start.wait_for(timeout=60_000)
    ppo_start.click()
    page.wait_for_timeout(PPO_WINDOW_S * 1000)
    text = " ".join(page.locator("[data-testid='stCaptionContainer']").all_inner_texts())
    updates, elapsed = map(float, STATUS.findall(text)[-1])  # the PPO panel's, below the RM's
    page.locator(".st-key-rlhf_ppo_run_stop button").click()
    return {"rm_s": rm_s, "ppo_updates": int(updates), "ppo_s_per_update": elapsed / max(updates, 1)}


def run():
    with server_process() as (url, _), browser_session() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_page(page, url)  # the first visit after a start (streamlit#9992), and warm-up
        seen_solve = {seed: seen_ppo_solve_s(page, url, seed) for seed in SEEDS}
        rlhf = seen_rlhf(page, url)
        page.close()
    headless_solve = {seed: headless_ppo_solve_s(seed) for seed in SEEDS}
    seen_s, headless_s = statistics.median(seen_solve.values()), statistics.median(headless_solve.values())
    yield "seen_ppo_clip_solve_s", seen_s, "s", {
        "seen_per_seed_s": seen_solve, "headless_per_seed_s": headless_solve,
        "headless_s": headless_s, "ratio": seen_s / headless_s, "target_ratio": 1.5}
    headless = _headless_rlhf(rlhf["ppo_updates"])
    yield "seen_rlhf_rm_s", rlhf["rm_s"], "s", {
        "headless_s": headless["rm_s"], "ratio": rlhf["rm_s"] / headless["rm_s"], "target_ratio": 1.3}
    yield "seen_rlhf_ppo_update_s", rlhf["ppo_s_per_update"], "s", {
        "updates": rlhf["ppo_updates"], "headless_s": headless["ppo_s_per_update"],
        "ratio": rlhf["ppo_s_per_update"] / headless["ppo_s_per_update"], "target_ratio": 1.3}
