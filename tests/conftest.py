import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
torch.set_num_threads(1)
# plotly validates every figure a test draws, in this process and in the servers the browser
# tests start (ui/charts.py builds its live charts unvalidated, for speed)
os.environ["RLHF_PLAYGROUND_CHECK_FIGURES"] = "1"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session, shared by the browser tests and the
    cluster tests: Playwright's sync API runs one instance per thread at a time."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
