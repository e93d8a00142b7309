"""What a person watching the page gets, beside the same training headless.

A real server and a real headless Chromium on this machine (as an instructor's laptop: both on
the same cores). For each live page at its default settings: press Start, time the first
record on screen, let it train for a window, and read the page's own status line (updates and
training seconds). Meanwhile measure the CPU of Chromium's processes and of the server process
itself (its worker processes excluded: they are the training). Then run the same
configuration headless, in this process with one torch thread, for as many updates, and print
both side by side.

- seen_<page>_first_point_s: Start (pressed READ_S after the page opened) to the first record
  drawn (< 1 s).
- seen_<page>_update_ratio: seconds per update as seen / headless (< 1.3).
- seen_<page>_browser_cpu: Chromium's cores while the run trains (< 0.5).
- seen_server_cpu_per_session: the server's own cores per watching session (< 0.1), the
  largest over the pages.
"""
from __future__ import annotations

import functools
import re
import statistics
import time
from dataclasses import dataclass
from typing import Callable

import psutil

from bench.browser import browser_session, open_page, page_button, server_process

WINDOW_S = 20.0
READ_S = 5.0
LIVE_PAGES = ("policy_gradient", "baseline", "critics", "actor_critic", "off_policy", "ppo")
STATUS = re.compile(r"(\d+) updates\s+·\s+([\d.]+) s")


@dataclass
class LivePage:
    name: str
    path: str
    make: Callable  # the run the page starts at its defaults, built headless
    paced: bool = False  # the page plays its run at a set pace (no speed to compare)


def _pages() -> list[LivePage]:
    from core.actor_critic import ActorCriticConfig, train_comparison
    from core.critics import CriticsConfig, train_mc_vs_td
    from core.offpolicy import ReuseConfig, train_reuse_comparison
    from core.pg import ReinforceConfig, train_baseline_comparison, train_reinforce
    from core.ppo import PPOConfig, train_ppo_comparison

    # seeds as the pages default them (the seed widget 0, K seeds from it)
    return [
        LivePage("policy_gradient", "policy-gradient", functools.partial(train_reinforce, ReinforceConfig(), 0)),
        LivePage("baseline", "baseline", functools.partial(train_baseline_comparison, ReinforceConfig(), (0, 1, 2))),
        LivePage("critics", "critics", functools.partial(train_mc_vs_td, CriticsConfig(), 0), paced=True),
        LivePage("actor_critic", "actor-critic", functools.partial(train_comparison, ActorCriticConfig(), (0, 1, 2))),
        LivePage("off_policy", "off-policy", functools.partial(train_reuse_comparison, ReuseConfig(), (0, 1, 2))),
        LivePage("ppo", "ppo", functools.partial(train_ppo_comparison, PPOConfig(), (0, 1))),
    ]


def _status(page) -> tuple[int, float]:
    text = " ".join(page.locator("[data-testid='stCaptionContainer']").all_inner_texts())
    found = STATUS.search(text)
    return (int(found.group(1)), float(found.group(2))) if found else (0, 0.0)


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _chromium() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if "chrom" in (p.info["name"] or "").lower()]


def headless_s_per_update(make: Callable, updates: int) -> float:
    import torch

    torch.set_num_threads(1)
    iterator = make()
    start = time.perf_counter()
    n = 0
    for _ in iterator:
        n += 1
        if n >= updates:
            break
    iterator.close()
    return (time.perf_counter() - start) / max(n, 1)


def watch(page, url: str, server: psutil.Process, window_s: float = WINDOW_S) -> dict:
    """Open `url`, press Start, and measure what the student sees."""
    open_page(page, url)
    # a student reads the page before pressing Start: 5 s, in which a server started cold gets
    # its worker processes ready (they start when the first page with a run opens)
    page.wait_for_timeout(READ_S * 1000)
    start = time.perf_counter()
    page_button(page, "Start").first.click()
    page.wait_for_function(
        "() => /[1-9]\\d* updates/.test([...document.querySelectorAll(\"[data-testid='stCaptionContainer']\")]"
        ".map(e => e.innerText).join(' '))", timeout=60_000, polling=20)
    first_point = time.perf_counter() - start
    chromium, server_before = _chromium(), _cpu([server])
    browser_before, t0 = _cpu(chromium), time.perf_counter()
    page.wait_for_timeout(window_s * 1000)
    span = time.perf_counter() - t0
    browser_cpu = (_cpu(chromium) - browser_before) / span
    server_cpu = (_cpu([server]) - server_before) / span
    updates, elapsed = _status(page)
    stop = page_button(page, "Stop").first
    if stop.is_enabled():  # a run that finished inside the window has nothing to stop
        stop.click()
        page.get_by_text("Stopped.").first.wait_for(timeout=30_000)
    return {"first_point_s": first_point, "browser_cpu": browser_cpu, "server_cpu": server_cpu,
            "updates": updates, "seen_s_per_update": elapsed / max(updates, 1)}


def run():
    pages = _pages()
    with server_process() as (url, server), browser_session() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_page(page, url)  # the first visit after a start (streamlit#9992), and warm-up
        seen = {p.name: watch(page, f"{url}/{p.path}", server) for p in pages}
        page.close()
    server_cpus = []
    for p in pages:
        s = seen[p.name]
        detail = {k: round(v, 4) for k, v in s.items()}
        yield f"seen_{p.name}_first_point_s", s["first_point_s"], "s", detail
        yield f"seen_{p.name}_browser_cpu", s["browser_cpu"], "cores", detail
        server_cpus.append(s["server_cpu"])
        if not p.paced and s["updates"] > 0:
            headless = headless_s_per_update(p.make, s["updates"])
            yield (f"seen_{p.name}_update_ratio", s["seen_s_per_update"] / headless, "x",
                   {**detail, "headless_s_per_update": round(headless, 4)})
    yield ("seen_server_cpu_per_session", max(server_cpus), "cores",
           {"per_page": dict(zip([p.name for p in pages], [round(c, 4) for c in server_cpus])),
            "median": statistics.median(server_cpus)})
