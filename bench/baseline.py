"""Figures for the baseline page.

- baseline_cartpole_time_to_195_s_<variant>: REINFORCE with each baseline, alone, until the
  mean of the last 20 episodes reaches 195 (median of 3 seeds);
- baseline_grad_variance_ratio: per-episode gradient variance without a baseline over that
  with a learned V(s), at the initial policy (median of 3 seeds);
- baseline_seeds_update_ms: with 5 seeds x 3 variants training, the interval between
  refreshes of the page's live panel in headless Chromium (median; p95 and max beside it).
"""
import statistics
import time

import numpy as np

from core.pg import BASELINES, ReinforceConfig, gradient_variance_by_baseline, train_reinforce
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, free_port, open_page, start_server, wait_healthy

SEEDS = (1, 2, 3)
TARGET = 195.0
WATCH_S = 20.0


def time_to_target(baseline: str, seed: int) -> float:
    start = time.perf_counter()
    for record in train_reinforce(ReinforceConfig(baseline=baseline, max_updates=2000), seed):
        if record["return_avg20"] >= TARGET:
            return time.perf_counter() - start
    return float("inf")


def refresh_intervals(seeds: int = 5) -> list[float]:
    """Seconds between successive redraws of the live panel's status line."""
    from playwright.sync_api import sync_playwright
    port = free_port()
    server = start_server(port)
    try:
        wait_healthy(port)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 3600})
            open_page(page, f"http://127.0.0.1:{port}/")
            open_page(page, f"http://127.0.0.1:{port}/baseline?cp_seeds={seeds}")
            page.get_by_role("button", name="Start").click()
            page.get_by_text("Mean return of the last 20 episodes").wait_for(timeout=60_000)
            # the status line ends in the run's elapsed time, so every redraw changes it
            stamps = page.evaluate("""(watchMs) => new Promise(resolve => {
                const stamps = []; let last = null; const t0 = performance.now();
                const tick = () => {
                  const line = [...document.querySelectorAll("[data-testid='stCaptionContainer']")]
                      .map(e => e.innerText).find(t => t.includes(" updates "));
                  if (line !== undefined && line !== last) { stamps.push(performance.now()); last = line; }
                  if (performance.now() - t0 < watchMs) requestAnimationFrame(tick); else resolve(stamps);
                };
                tick();
            })""", WATCH_S * 1000)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    return list(np.diff(stamps) / 1000.0)


def run():
    for baseline in BASELINES:
        times = [time_to_target(baseline, seed) for seed in SEEDS]
        yield (f"baseline_cartpole_time_to_195_s_{baseline}", statistics.median(times), "s",
               {"per_seed_s": times, "seeds": list(SEEDS)})
    ratios = []
    for seed in SEEDS:
        v = gradient_variance_by_baseline(seed=seed)
        ratios.append(v["none"] / v["value"])
    yield "baseline_grad_variance_ratio", statistics.median(ratios), "x", {
        "per_seed": ratios, "what": "none / learned V(s), initial policy, CartPole-v1, 32 episodes"}
    intervals = refresh_intervals()
    yield "baseline_seeds_update_ms", 1000 * statistics.median(intervals), "ms", {
        "p95_ms": 1000 * float(np.percentile(intervals, 95)), "max_ms": 1000 * max(intervals),
        "refreshes": len(intervals), "watched_s": WATCH_S, "runs": "5 seeds x 3 variants"}
