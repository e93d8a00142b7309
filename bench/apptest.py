"""Server-side time of a slider change: the full script rerun Streamlit does on a widget
change, timed with AppTest."""
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def slider_change_ms(page: str, key: str, values: list, changes: int = 20,
                     query: dict | None = None) -> tuple[float, float]:
    """(median, max) milliseconds over `changes` moves of slider `key` through `values`."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    at.slider(key=key).set_value(values[-1]).run()  # warm caches
    times = []
    for i in range(changes):
        slider = at.slider(key=key).set_value(values[i % (len(values) - 1)])
        start = time.perf_counter()
        slider.run()
        times.append((time.perf_counter() - start) * 1000)
        assert not at.exception, at.exception
    return statistics.median(times), max(times)
