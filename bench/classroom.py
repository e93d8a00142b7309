"""A class on one server: N students press Start on the PPO page at once (issue 13).

A real server and real headless Chromium sessions on this machine's loopback (each session its
own browser context, as each student has their own browser). Each class size N in CLASS_SIZES:
N sessions open the PPO page at its defaults, read it, then all press Start within a second.
The class's browsers run at the lowest CPU priority (on a real class they are the students'
laptops, not the server's cores); the probe's browser at normal priority.
The figures:

- classroom_first_point_s_<N>: the slowest session's Start to its first point on the chart
  (target < 30 s);
- classroom_finish_ratio_<N>: the slowest session's Start to "Finished.", over the same time
  for one student alone (N = 1) (target < 3);
- classroom_probe_p95_ms_<N>: meanwhile, a probe session moves the PPO page's clip ε slider
  once a second; the 95th percentile of the round trip from the key press to the redrawn text
  that shows the new value (target < 300 ms);
- classroom_threads_ratio_<N>, classroom_memory_ratio_<N>: 60 s after every session (the
  probe's too) has closed, the server's threads and resident memory (its worker processes
  included) over the idle server's before the class came (target ≤ 1.1).

What makes the targets reachable on 2 cores: identical runs train once (core.workers._Shared;
the class pressed Start on the same defaults and seed), a crowd of different runs gets more
worker processes (the OS shares the cores instead of a queue for whole runs), and a closed
session is freed within the heartbeat (.streamlit/config.toml). `classroom_distinct_*` is the
same class with one seed per student (URL ?seed=k): nothing to share, every run its own.

CLASSROOM_UPDATES (env) shortens each run (the PPO page's Updates; default: the page's own).
"""
from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.browser import CHROMIUM, CHROMIUM_FLAGS, open_page, page_button, server_process

CLASS_SIZES = (1, 5, 10)
PROBE_TIMEOUT_MS = 10_000
CLASS_MARK = "--rlhf-playground-class"  # an inert flag that finds the class's Chromium
DISTINCT_SIZE = 5
READ_S = 3.0
AFTER_CLOSE_S = 60.0
UPDATES = re.compile(r"(\d+) updates")
CAPTIONS = "[...document.querySelectorAll(\"[data-testid='stCaptionContainer']\")].map(e => e.innerText).join(' ')"


def _footprint(server: psutil.Process) -> tuple[int, float]:
    """(threads, resident MB) of the server and every process it started."""
    threads, rss = 0, 0
    for process in [server, *server.children(recursive=True)]:
        try:
            threads += process.num_threads()
            rss += process.memory_info().rss
        except psutil.Error:
            pass
    return threads, rss / 2**20


def _renice_class() -> None:
    """Keep the class's Chromium at nice 19: Chromium raises its own processes' priority (its
    browser process to -8, its renderers back to 0), whatever it was started at."""
    for main in psutil.process_iter(["cmdline"]):
        if CLASS_MARK in (main.info["cmdline"] or []):
            for process in [main, *main.children(recursive=True)]:
                try:
                    if process.nice() != 19:
                        process.nice(19)
                except psutil.Error:
                    pass


def _captions(page) -> str:
    try:
        return page.evaluate(f"() => {CAPTIONS}")
    except Exception:
        return ""


# what the surface chart draws for ε: the shaded regions start at 1 ± ε
SURFACE = ("() => { const gd = [...document.querySelectorAll('.st-key-fig_ppo_surface .js-plotly-plot')]"
           ".find(g => g.offsetParent !== null); return gd && gd.layout && gd.layout.shapes ? "
           "JSON.stringify(gd.layout.shapes.map(s => s.x0)) : ''; }")


def _probe(page, step: list[str]) -> float:
    """Move the clip ε slider one step (right, then back left); ms until the surface chart
    beside it is drawn for the new value (the server's rerun, and the browser's redraw)."""
    slider = page.locator(".st-key-ppo_clip_eps input[type=range]")
    slider.wait_for(timeout=30_000)
    before = page.evaluate(SURFACE)
    slider.focus()
    start = time.perf_counter()
    slider.press(step[0])
    try:
        page.wait_for_function(f"(old) => ({SURFACE})() !== old", arg=before, timeout=PROBE_TIMEOUT_MS,
                               polling=10)
    except PlaywrightTimeout:  # counted at the timeout: a figure, not a crash
        return float(PROBE_TIMEOUT_MS)
    elapsed = (time.perf_counter() - start) * 1000
    step[0] = "ArrowLeft" if step[0] == "ArrowRight" else "ArrowRight"
    return elapsed


def one_class(browser, probe_browser, url: str, n: int, distinct: bool = False) -> dict:
    """N sessions press Start on the PPO page; the probe moves its slider meanwhile."""
    updates = os.environ.get("CLASSROOM_UPDATES")
    query = f"?ppo_max_updates={updates}" if updates else ""
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(n)]
    contexts.append(probe_browser.new_context(viewport={"width": 1280, "height": 900}))
    try:
        pages = [c.new_page() for c in contexts]
        for i, page in enumerate(pages):
            seed = f"{'&' if query else '?'}seed={i}" if distinct and i < n else ""
            open_page(page, f"{url}/ppo{query}{seed}")
            page.locator(".st-key-ppo_run_start button").wait_for(timeout=60_000)
        students, probe = pages[:n], pages[n]
        probe.wait_for_function(f"() => ({SURFACE})() !== ''", timeout=60_000)
        value = ["ArrowRight"]
        probe.wait_for_timeout(READ_S * 1000)
        started = []
        _renice_class()
        for page in students:
            page_button(page, "Start").first.click()
            started.append(time.perf_counter())
        first = [None] * n
        finished = [None] * n
        round_trips = []
        next_probe = time.perf_counter() + 1.0
        deadline = time.perf_counter() + 1800
        while None in finished and time.perf_counter() < deadline:
            for i, page in enumerate(students):
                if finished[i] is not None:
                    continue
                text = _captions(page)
                now = time.perf_counter()
                found = UPDATES.search(text)
                if first[i] is None and found and int(found.group(1)) > 0:
                    first[i] = now - started[i]
                if "Finished." in text:
                    finished[i] = now - started[i]
                    first[i] = first[i] if first[i] is not None else finished[i]
            if time.perf_counter() >= next_probe:
                _renice_class()
                round_trips.append(_probe(probe, value))
                next_probe = time.perf_counter() + 1.0
            time.sleep(0.2)
        if None in finished:
            raise RuntimeError(f"class of {n}: {finished.count(None)} runs did not finish in 30 min")
    finally:
        for context in contexts:
            context.close()
    round_trips.sort()
    return {"first_point_s": max(first), "finish_s": max(finished), "finish_s_min": min(finished),
            "probe_p95_ms": round_trips[max(0, int(0.95 * len(round_trips)) - 1)] if round_trips else float("nan"),
            "probe_median_ms": statistics.median(round_trips) if round_trips else float("nan"),
            "probes": len(round_trips)}


@contextmanager
def browsers():
    """(the class's Chromium, the probe's Chromium). The class's runs at the lowest CPU
    priority: on a real class each student's browser runs on their own laptop, not on the
    server's cores. The probe's runs at normal priority: its redraw counts in its round trip."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        wrapper = Path(tmp) / "chromium-nice"
        wrapper.write_text(f'#!/bin/sh\nexec nice -n 19 {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        class_browser = p.chromium.launch(executable_path=str(wrapper), args=[*CHROMIUM_FLAGS, CLASS_MARK])
        probe_browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield class_browser, probe_browser
        finally:
            class_browser.close()
            probe_browser.close()


def run():
    with server_process() as (url, server), browsers() as (class_browser, browser):
        warm = browser.new_context()
        open_page(warm.new_page(), f"{url}/ppo")  # the first visit starts the workers
        time.sleep(20)  # they import torch and the trainers
        warm.close()
        time.sleep(AFTER_CLOSE_S)
        idle_threads, idle_mb = _footprint(server)
        solo = None
        for n, distinct in [(n, False) for n in CLASS_SIZES] + [(DISTINCT_SIZE, True)]:
            seen = one_class(class_browser, browser, url, n, distinct)
            solo = solo or seen["finish_s"]
            time.sleep(AFTER_CLOSE_S)
            threads, mb = _footprint(server)
            name = f"distinct_{n}" if distinct else str(n)
            detail = {k: round(v, 3) if isinstance(v, float) else v for k, v in seen.items()}
            detail.update(solo_finish_s=round(solo, 2), idle_threads=idle_threads, threads=threads,
                          idle_mb=round(idle_mb), mb=round(mb), updates=os.environ.get("CLASSROOM_UPDATES", "page default"))
            yield f"classroom_first_point_s_{name}", seen["first_point_s"], "s", detail
            yield f"classroom_finish_ratio_{name}", seen["finish_s"] / solo, "x solo", detail
            yield f"classroom_probe_p95_ms_{name}", seen["probe_p95_ms"], "ms", detail
            yield f"classroom_threads_ratio_{name}", threads / idle_threads, "x idle", detail
            yield f"classroom_memory_ratio_{name}", mb / idle_mb, "x idle", detail


FIGURES = tuple(f"classroom_{what}_{name}" for name in [*map(str, CLASS_SIZES), f"distinct_{DISTINCT_SIZE}"]
                for what in ("first_point_s", "finish_ratio", "probe_p95_ms", "threads_ratio", "memory_ratio"))
