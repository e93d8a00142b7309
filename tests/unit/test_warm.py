"""Heavy imports are finished before any page draws (issue item 12: six concurrent first
visits raced on `import pandas`; plotly reads pandas from sys.modules without importing it)."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_app_imports_the_warm_module_before_anything_else():
    tree = ast.parse((ROOT / "app.py").read_text())
    first_import = next(node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))
    assert isinstance(first_import, ast.Import) and first_import.names[0].name == "ui.warm"


def test_the_warm_module_leaves_every_module_plotly_peeks_at_fully_imported():
    # the modules plotly fetches with get_module(..., should_load=False)
    code = ("import sys, ui.warm\n"
            "assert hasattr(sys.modules['pandas'], 'Series') and hasattr(sys.modules['numpy'], 'ndarray')\n"
            "assert hasattr(sys.modules['PIL.Image'], 'Image')\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
