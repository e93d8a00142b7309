"""A real streamlit server driven by Debian's headless Chromium through Playwright.

Skipped, with the reason shown, where Chromium or Playwright is missing; CI sets
REQUIRE_BROWSER_TESTS=1 so that there a missing browser is a failure, never a quiet skip.
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements.txt)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise pytest.UsageError(f"browser tests are required here but {reason}")
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_healthy(port: int, timeout: float = 60.0, poll_s: float = 0.1) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                return
        except OSError:
            time.sleep(poll_s)
    raise RuntimeError("streamlit did not become healthy")


@pytest.fixture(scope="session")
def server():
    port = free_port()
    process = start_server(port)
    try:
        wait_healthy(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def app_url(server, browser):
    """The server, after one visit to its home page (its first session warms the caches)."""
    page = browser.new_page()
    open_page(page, server)
    page.close()
    return server


@pytest.fixture
def page(browser):
    # A tall viewport: streamlit scrolls inside its own container, so this is what a
    # screenshot of the whole page takes.
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    yield page
    page.close()


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(CONNECTED, timeout=30_000)
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=30_000)
    page.wait_for_load_state("networkidle")


# The height of Streamlit's own scrolling container (the document itself does not scroll).
CONTENT_HEIGHT = """() => {
  const main = document.querySelector("[data-testid='stMain']") || document.body;
  return Math.max(main.scrollHeight, document.body.scrollHeight);
}"""


def screenshot(page, name: str) -> None:
    """A full-page screenshot: the viewport grows to the page's whole height first (Streamlit
    scrolls inside its own container, which Playwright's full_page does not see)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = min(int(page.evaluate(CONTENT_HEIGHT)) + 40, 16_000)
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": height})
    settle(page)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def settle(page) -> None:
    """Wait until the page is drawn: no spinner, no skeleton placeholder, the script between
    runs (a live panel reruns its fragment every second: one of those gaps), then a moment for
    plotly to lay the charts out at the new size."""
    page.wait_for_function(
        """() => !document.querySelector("[data-testid='stSpinner'], [data-testid='stSkeleton']")
                && document.querySelector("[data-testid='stApp']").dataset.testScriptState !== 'running'""",
        timeout=60_000, polling=50)
    page.wait_for_timeout(1200)


def button(page, name: str):
    """A button of the page itself (Streamlit's header has a Stop of its own during a rerun)."""
    return page.get_by_test_id("stMainBlockContainer").get_by_role("button", name=name, exact=True)


def stop_run(page) -> None:
    """Press Stop and wait until the page says so: a run left going would hold one of the
    server's run slots (until its heartbeat expires) and make the next test's run wait."""
    button(page, "Stop").click()
    page.get_by_text("Stopped.").filter(visible=True).first.wait_for(timeout=30_000)
