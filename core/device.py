"""Where tensors live: cpu by default, a GPU when one is there.

torch is imported inside the functions: the home page asks for the device list, and a cold
`import torch` would otherwise hold back its first render by most of a second.
"""
from __future__ import annotations

DEVICES = ("cuda", "mps", "cpu")


def available_devices() -> list[str]:
    """Devices this process can use, best first."""
    import torch

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
