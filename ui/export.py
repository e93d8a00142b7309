"""Take a run home and bring it back (issue 12 item 5): its metrics as CSV and JSON, and the
config it trained with as JSON, from every live panel; a metrics file imported there is drawn
as the "previous run" ghost, and a config file restores the run's settings.

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
import re
from typing import Any

import numpy as np

from core.jsonfile import read_json


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value if not (isinstance(value, float) and not math.isfinite(value)) else None
    return None


def flatten(record: dict, labels: bool = False) -> dict[str, float | int | str | None]:
    """One record as named numbers: scalars as they are, arrays one column per entry; with
    `labels`, text fields too (which method a row belongs to, on a chart of several)."""
    out: dict[str, float | int | str | None] = {}
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
        elif labels and isinstance(value, str):
            out[key] = value
    return out


def metrics_csv(records: list[dict]) -> str:
    rows = [flatten(r, labels=True) for r in records]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


RUN_FORMAT, CONFIG_FORMAT = "rlhf-playground-run", "rlhf-playground-config"
MAX_BYTES = 20_000_000
MAX_RECORDS = 100_000
_CELL = re.compile(r"^(?P<key>[^\[\]]+)\[(?P<row>[^|\]]+)\|seed (?P<seed>-?\d+)\]$")


def metrics_json(records: list[dict], page: str = "") -> str:
    return json.dumps({"format": RUN_FORMAT, "version": 1, "page": page,
                       "records": [flatten(r) for r in records]}, indent=1)


def config_json(page: str, config, **extra) -> str:
    """The run's config with the page it belongs to (and, say, its seeds)."""
    fields = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
    return json.dumps({"format": CONFIG_FORMAT, "version": 1, "page": page, **extra, "config": fields},
                      indent=1, default=str)


def unflatten(rows: list[dict]) -> list[dict]:
    """Records as the charts read them, from `flatten`'s columns: `key[variant|seed s]` back
    into (variants, seeds) arrays."""
    out = []
    for row in rows:
        record: dict[str, Any] = {}
        cells: dict[str, dict] = {}
        for key, value in row.items():
            found = _CELL.match(key)
            if found:
                cells.setdefault(found["key"], {})[(found["row"], int(found["seed"]))] = value
            elif "[" not in key:
                record[key] = value
        if cells:
            variants = list(dict.fromkeys(r for cell in cells.values() for r, _ in cell))
            seeds = list(dict.fromkeys(s for cell in cells.values() for _, s in cell))
            record["variants"], record["seeds"] = variants, seeds
            for key, cell in cells.items():
                have = [v for v in variants if any((v, s) in cell for s in seeds)]
                record[key] = np.array([[np.nan if cell.get((v, s)) is None else float(cell[(v, s)])
                                         for s in seeds] for v in have])
                if len(have) < len(variants):
                    record.setdefault("variants_of", {})[key] = have
        out.append(record)
    return out


def parse_run_file(data: bytes) -> tuple[str, dict]:
    """("metrics", {"page", "records"}) or ("config", {"page", "config"}) from an exported
    file; ValueError with a sentence a student can act on for anything else (empty, not
    UTF-8, not JSON, nested too deeply, another kind of JSON, wrong types, too big)."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"the file is {len(data) / 1e6:.0f} MB; a run file is at most {MAX_BYTES / 1e6:.0f} MB.")
    doc = read_json(data, "a run file")
    kind = doc.get("format") if isinstance(doc, dict) else None
    if kind not in (RUN_FORMAT, CONFIG_FORMAT):
        raise ValueError("this JSON is not a metrics or config file exported from a run panel.")
    page = doc.get("page")
    if not isinstance(page, str):
        raise ValueError("the file does not say which run it belongs to.")
    if kind == CONFIG_FORMAT:
        config = doc.get("config")
        if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
            raise ValueError("the file has no config fields.")
        return "config", {"page": page, "config": config}
    records = doc.get("records")
    if not isinstance(records, list) or not records:
        raise ValueError("the file has no records.")
    if len(records) > MAX_RECORDS:
        raise ValueError(f"the file has {len(records):,} records; at most {MAX_RECORDS:,} are accepted.")
    for i, row in enumerate(records):
        if not isinstance(row, dict) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) or v is None for v in row.values()):
            raise ValueError(f"record {i + 1} is not a set of named numbers.")
    if not all("update" in row for row in records):
        raise ValueError("every record needs its update number.")
    return "metrics", {"page": page, "records": unflatten(records)}
