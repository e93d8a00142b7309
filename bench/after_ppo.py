"""Figures for the methods after PPO (issue 14), on this CPU, one torch thread, on the shipped
tiny GPT-2 with the shipped labels and reward model (assets/rlhf-start):

- grpo_update_s: one critic-free update of `core.rlhf.group_baselines.train_group` at its
  defaults: 8 prompts x G = 4 completions, the RLHF page's batch of 32 (median of 5 updates);
- dpo_step_s: one DPO step of `core.rlhf.dpo.train_dpo` on 32 pairs, the steps without a
  measurement (median);
- frontier_all_methods_s: the page's headline chart at its defaults (PPO at two β, GRPO, RLOO,
  DPO at two β, best-of-N), as a person sees it: a real server and headless Chromium on these
  cores, Start pressed to "Finished." on screen. Beside it, `all_methods` headless, one torch
  thread, the same config and seed. Target: seen < 180 s.
"""
import statistics
import time


def _per_record(records: list[dict]) -> list[float]:
    times = [r["time_s"] for r in records]
    return [b - a for a, b in zip([0.0] + times[:-1], times)]


def run():
    import torch

    torch.set_num_threads(1)
    from core.rlhf.corpus import PROMPTS
    from core.rlhf.dpo import DPOConfig, train_dpo
    from core.rlhf.frontier import FrontierConfig, all_methods
    from core.rlhf.group_baselines import GroupConfig, train_group
    from core.rlhf.model import load
    from core.rlhf.skip_ahead import load_start

    lm, tok = load()
    pairs, rm, _ = load_start(lm, tok)
    group = GroupConfig(estimator="grpo", max_updates=6)
    records = list(train_group(group, lm, tok, rm, list(PROMPTS), seed=0))
    grpo_s = statistics.median(_per_record(records)[1:])
    yield "grpo_update_s", grpo_s, "s", {"completions": group.prompts * group.group, "epochs": group.epochs,
                                         "new_tokens": group.new_tokens}
    dpo = DPOConfig(max_updates=12, eval_every=6)
    records = list(train_dpo(dpo, lm, tok, pairs, list(PROMPTS), seed=0, rm=rm))
    steps = [s for s, r in zip(_per_record(records), records) if not r["measured"]]
    yield "dpo_step_s", statistics.median(steps), "s", {"pairs_per_step": dpo.batch}

    start = time.perf_counter()
    for _ in all_methods(FrontierConfig(), lm, tok, rm, pairs, list(PROMPTS), seed=0):
        pass
    headless_s = time.perf_counter() - start
    yield "frontier_all_methods_s", seen_frontier_s(), "s", {"headless_s": round(headless_s, 1), "target_s": 180}


def seen_frontier_s() -> float:
    """Start of the page's frontier to its "Finished." in Chromium (the sidebar's seed: 0)."""
    from bench.browser import browser_session, open_page, server_process

    with server_process() as (url, _), browser_session() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        open_page(page, f"{url}/after-ppo")
        start_button = page.locator(".st-key-ap_frontier_run_start button")
        start_button.wait_for(timeout=60_000)
        start = time.perf_counter()
        start_button.click()
        page.get_by_text("Finished.").filter(visible=True).first.wait_for(timeout=900_000)
        return time.perf_counter() - start
