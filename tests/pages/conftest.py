import base64
import json
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.runner import Run, active_runs

APP = str(Path(__file__).resolve().parents[2] / "app.py")
# widgets app.py draws on every page (the sidebar, "Download a figure"): the same on every
# page by design, so not one page's own
SHARED_KEYS = {"lang", "seed", "device", "present",
               "figure_export_title", "figure_export_format", "figure_export_download"}


@pytest.fixture
def app():
    """An AppTest of the whole app; every run it started is stopped and joined afterwards."""
    apps = []

    def make(page: str | None = None, **query) -> AppTest:
        """The app opened with `query` in its URL, on `page` (a path under pages/)."""
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in query.items():
            at.query_params[key] = value
        apps.append(at)
        at.run()
        return at.switch_page(page).run() if page else at

    yield make
    for run in active_runs():
        run.stop()
        assert run.join(10), "a run thread did not stop"


def keyed_widgets(at) -> dict[str, object]:
    """Every widget of the page with a user key (buttons, sliders, inputs...), by key."""
    out = {}

    def walk(node):
        key = getattr(node, "key", None)
        if isinstance(key, str) and not key.startswith("$$"):
            out[key] = node
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def wait_for_records(run: Run, n: int = 1, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while run.n_seen < n and time.monotonic() < end:
        run.poll()
        time.sleep(0.05)
    assert run.n_seen >= n, f"run yielded {run.n_seen} records ({run.status}: {run.message})"


def wait_for_end(run: Run, timeout: float = 120.0) -> None:
    """Wait for a run to end, polling it like the page does (an unpolled run stops itself
    after its heartbeat, which is not what these tests are about)."""
    end = time.monotonic() + timeout
    while run.active and time.monotonic() < end:
        run.poll()
        time.sleep(0.05)
    assert not run.active, f"run still {run.status} after {timeout} s"


def plotly_specs(at: AppTest) -> list[dict]:
    """Each chart's plotly spec; a title that ui.charts broke into lines (`<br>`) reads as one."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    for spec in specs:
        title = spec.get("layout", {}).get("title", {})
        if isinstance(title, dict) and isinstance(title.get("text"), str):
            title["text"] = title["text"].replace("<br>", " ")
    return specs


def arr(values) -> np.ndarray:
    """A trace's data as drawn: plotly sends numpy arrays as {"dtype", "bdata"(, "shape")},
    other sequences as JSON lists."""
    if isinstance(values, dict) and "bdata" in values:
        out = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
        return out.reshape([int(n) for n in str(values["shape"]).split(",")]) if "shape" in values else out
    return np.asarray(values, dtype=float)


def flat(values) -> np.ndarray:
    """`arr` as one flat array of floats."""
    return arr(values).astype(float).ravel()
