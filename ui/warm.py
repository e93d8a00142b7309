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

_started = threading.Event()


def warm_in_background() -> None:
    """Start the warm-up once per process (later calls return at once)."""
    if not _started.is_set():
        _started.set()
        threading.Thread(target=_warm, name="warm-imports", daemon=True).start()


def _warm() -> None:
    import gymnasium  # noqa: F401
    import torch  # noqa: F401

    import ui.charts  # noqa: F401  (pandas, pyarrow, PIL, plotly)

