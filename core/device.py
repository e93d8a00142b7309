"""Where tensors live: cpu by default, a GPU when one is there."""
from __future__ import annotations

import torch


def available_devices() -> list[str]:
    """Devices this process can use, best first."""
    out = []
    if torch.cuda.is_available():
        out.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append("mps")
    out.append("cpu")
    return out


def resolve_device(preference: str = "auto") -> str:
    """'auto' picks cuda > mps > cpu; an unavailable choice falls back to cpu."""
    options = available_devices()
    if preference == "auto":
        return options[0]
    return preference if preference in options else "cpu"
