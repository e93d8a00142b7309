"""Server start (`streamlit run app.py`) to the home page rendered in headless Chromium: its
text and its picture of the RL loop (median of 3 cold starts; target < 2 s)."""
import statistics
import time

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, CONNECTED, free_port, start_server, wait_healthy

STARTS = 3


def first_render_s(browser) -> float:
    port = free_port()
    page = browser.new_page()
    start = time.perf_counter()
    server = start_server(port)
    try:
        # poll the health endpoint, not the page: each refused page.goto drew Chromium's error
        # page, CPU taken from the server starting on the same two cores
        wait_healthy(port, timeout=60, poll_s=0.02)
        page.goto(f"http://127.0.0.1:{port}/", timeout=60_000)
        page.wait_for_selector(CONNECTED, timeout=60_000)
        page.get_by_text("The path", exact=True).wait_for(timeout=60_000)
        page.locator("svg[aria-label^='The reinforcement']").wait_for(timeout=60_000)  # the RL loop
        return time.perf_counter() - start
    finally:
        page.close()
        server.terminate()
        server.wait(10)


def run():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        times = [first_render_s(browser) for _ in range(STARTS)]
        browser.close()
    yield "app_first_render_s", statistics.median(times), "s", {"per_start_s": times}
