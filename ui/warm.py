"""Heavy imports and the worker pool, warmed once per server without delaying a first visit.

Why this module: plotly looks for pandas, numpy and PIL with `sys.modules.get(...)` rather than
importing them (`_plotly_utils.optional_imports.get_module(..., should_load=False)`). When a
class opens the link together, one session's thread was halfway through `import pandas` while
another drew a chart, found the half-built module in sys.modules and failed with "partially
initialized module 'pandas' has no attribute 'Series'". `ui.charts` (the only place figures are
built) therefore imports those modules itself: an `import` waits on Python's per-module lock
until another thread's import of the same module has finished, so no figure is ever built
beside a half-imported library.

`warm_in_background` then imports the heavy libraries on a background thread, so the pages
that draw charts find them ready. app.py calls it after the page has been drawn: imports hold
the GIL, and a thread importing torch beside the first render slowed a cold home page from
2.4 s to 4.5 s. The worker processes that runs train in (core.workers) start when a page
with a run is first opened (ui.run_panel), not here: spawning them competes with the first
render for the cores.
"""
import threading
import time

WARM_DELAY_S = 1.0
_started = threading.Event()


def warm_in_background() -> None:
    """Start the warm-up once per process (later calls return at once)."""
    if not _started.is_set():
        _started.set()
        threading.Thread(target=_warm, name="warm-imports", daemon=True).start()


def _warm() -> None:
    # Wait before importing: a script run only queues its page, and the server's event loop
    # sends it to the browser afterwards. Loading torch's C extension holds the GIL, and
    # started at once it left that loop waiting: the home page's picture of the RL loop
    # appeared 0.5-1.3 s after its text. A student reads for longer than this pause.
    time.sleep(WARM_DELAY_S)
    import gymnasium  # noqa: F401
    import torch

    torch.set_num_threads(1)  # as ui.sidebar.current_device does for a page that needs torch first

    import ui.charts  # noqa: F401  (pandas, pyarrow, PIL, plotly)

