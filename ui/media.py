"""Turn env frames into something a browser plays."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image


def frames_to_gif(frames: list[np.ndarray], fps: int = 25) -> bytes:
    images = [Image.fromarray(f) for f in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                   duration=int(1000 / fps), loop=0)
    return buffer.getvalue()
