"""Take a run home (issue 12 item 5, the export half): its metrics as CSV and JSON, and the
config it trained with as JSON, from every live panel.

A comparison's records hold (variants, seeds) arrays; a file gets one column per variant and
seed (`return_avg20[PPO-clip|seed 0]`), so a spreadsheet needs no knowledge of the shapes.
Payloads (keys starting with "_": models, sample texts, ratios) stay out.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from typing import Any

import numpy as np


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value if not (isinstance(value, float) and not math.isfinite(value)) else None
    return None


def flatten(record: dict) -> dict[str, float | int | None]:
    """One record as named numbers: scalars as they are, arrays one column per entry."""
    out: dict[str, float | int | None] = {}
    variants, seeds = record.get("variants"), record.get("seeds")
    for key, value in record.items():
        if key.startswith("_") or key in ("variants", "seeds", "variants_of"):
            continue
        if isinstance(value, np.ndarray):
            rows = (record.get("variants_of") or {}).get(key, variants)
            if value.ndim == 2 and rows is not None and seeds is not None and value.shape == (len(rows), len(seeds)):
                for i, row in enumerate(rows):
                    for j, seed in enumerate(seeds):
                        out[f"{key}[{row}|seed {seed}]"] = _number(value[i, j])
            else:
                for index in np.ndindex(value.shape):
                    out[f"{key}[{','.join(map(str, index))}]"] = _number(value[index])
        elif _number(value) is not None or value is None:
            out[key] = _number(value)
    return out


def metrics_csv(records: list[dict]) -> str:
    rows = [flatten(r) for r in records]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def metrics_json(records: list[dict]) -> str:
    return json.dumps([flatten(r) for r in records], indent=1)


def config_json(page: str, config, **extra) -> str:
    """The run's config with the page it belongs to (and, say, its seeds)."""
    fields = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
    return json.dumps({"page": page, **extra, "config": fields}, indent=1, default=str)
