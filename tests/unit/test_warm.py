"""No figure is built beside a half-imported library (issue 10 item 12: six concurrent first
visits raced on `import pandas`; plotly reads pandas from sys.modules without importing it)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_chart_module_imports_what_plotly_peeks_at():
    # the modules plotly fetches with get_module(..., should_load=False): importing ui.charts
    # must leave each fully imported (a real import waits for another thread's to finish)
    code = ("import sys, ui.charts\n"
            "assert hasattr(sys.modules['pandas'], 'Series') and hasattr(sys.modules['numpy'], 'ndarray')\n"
            "assert hasattr(sys.modules['PIL.Image'], 'Image')\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
