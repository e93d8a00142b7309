"""The RLHF Playground library: environments, algorithms and the run driver.

Pure Python + PyTorch (+ gymnasium, transformers). Nothing here imports streamlit, so every
algorithm can be driven from a test, a benchmark or a notebook exactly as the pages drive it.
"""
