"""Heavy imports, once per server, before any page draws.

Why: plotly looks for pandas, numpy and PIL with `sys.modules.get(...)` rather than importing
them (`_plotly_utils.optional_imports.get_module(..., should_load=False)`). When a class opens
the link together, one session's script thread is halfway through `import pandas` while
another draws a chart, finds the half-built module in sys.modules and fails with "partially
initialized module 'pandas' has no attribute 'Series'". app.py imports this module first:
Python's per-module import lock makes every other session wait at that import until the first
has finished, so no page ever sees a half-imported library.

torch (seconds to import) is warmed on a background thread instead, so a cold visit still
shows its page at once; nothing reads torch from sys.modules behind Python's import lock, so
a page that needs it simply waits for that import to finish. The same thread starts the pool
of worker processes that runs train in (core.workers), so the first Start finds them ready.
"""
import threading

import numpy  # noqa: F401
import pandas  # noqa: F401
import PIL.Image  # noqa: F401
import plotly.graph_objects  # noqa: F401
import plotly.io  # noqa: F401
import pyarrow  # noqa: F401  (st.dataframe's wire format)


def _warm_torch() -> None:
    import gymnasium  # noqa: F401
    import torch  # noqa: F401

    from core.runner import backend

    if backend() == "process":
        from core.workers import default_pool

        default_pool()


threading.Thread(target=_warm_torch, name="warm-imports", daemon=True).start()
