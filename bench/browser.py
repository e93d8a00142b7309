"""A server and a headless Chromium for the benchmarks that measure what a person sees (the
same helpers the browser tests use)."""
from contextlib import contextmanager

import psutil

from tests.browser.conftest import (CHROMIUM, CHROMIUM_FLAGS, button, free_port, open_page,  # noqa: F401
                                    start_server, wait_healthy)

page_button = button


@contextmanager
def server_process():
    """(url, the server's psutil.Process) of a fresh `streamlit run app.py`."""
    port = free_port()
    process = start_server(port)
    try:
        wait_healthy(port)
        yield f"http://127.0.0.1:{port}", psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def browser_session():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
