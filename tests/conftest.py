import os
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
torch.set_num_threads(1)
# plotly validates every figure a test draws, in this process and in the servers the browser
# tests start (ui/charts.py builds its live charts unvalidated, for speed)
os.environ["RLHF_PLAYGROUND_CHECK_FIGURES"] = "1"
