"""Server-side time for one bandit slider change to produce the page's figures: the full
script rerun Streamlit does on a widget change, timed with AppTest (median of 20 changes)."""
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
VALUES = [0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 0.4]


def run():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/policy_gradient.py").run()
    at.slider(key="bandit_lr").set_value(0.9).run()  # warm caches
    times = []
    for i in range(20):
        slider = at.slider(key="bandit_lr").set_value(VALUES[i % len(VALUES)])
        start = time.perf_counter()
        slider.run()
        times.append((time.perf_counter() - start) * 1000)
        assert not at.exception, at.exception
    yield "bandit_update_ms", statistics.median(times), "ms", {
        "max_ms": max(times), "changes": len(times),
        "what": "AppTest rerun of the whole policy-gradient page after a bandit lr change"}
