"""A run's model, taken home as safetensors (issue 12 item 5).

A trainer with a network puts `WEIGHTS: model.state_dict()` in each record: the tensors of the
live model, not copies, so this costs nothing per update. The run keeps that reference beside
its latest record (a worker process keeps it on its side of the pipe, and sends the file only
when the run pauses or ends), and `to_safetensors` writes the file when a student asks for
it. A comparison of several trainers (core.multiseed.lockstep) names each one's tensors
`<variant>/seed<k>/<tensor>`.
"""
from __future__ import annotations

import json

WEIGHTS = "_weights"
FORMAT = "rlhf-playground-checkpoint"


def to_safetensors(weights: dict, **about) -> bytes:
    """`weights` ({name: tensor}) as a safetensors file, with `about` (page, update, ...) and
    the format name in its metadata. Tensors are copied to the CPU, one by one: a tied weight
    (GPT-2's embedding and output layer) is saved under each of its names."""
    import torch
    from safetensors.torch import save

    tensors = {name: t.detach().to("cpu", copy=True).contiguous() for name, t in weights.items()
               if isinstance(t, torch.Tensor)}
    metadata = {"format": FORMAT, **{k: json.dumps(v) if not isinstance(v, str) else v
                                     for k, v in about.items()}}
    return save(tensors, metadata=metadata)


def from_safetensors(data: bytes) -> tuple[dict, dict]:
    """(tensors, metadata) of a file `to_safetensors` wrote. The metadata is read from the
    file's JSON header (8 bytes of length, then the header: the safetensors format)."""
    from safetensors.torch import load

    size = int.from_bytes(data[:8], "little")
    metadata = json.loads(data[8:8 + size]).get("__metadata__", {})
    return load(data), metadata
