"""Read a JSON file a user uploaded, or say in one sentence why it is not one.

Every import (labels, a run's metrics, its config) meets the same files: empty, not UTF-8,
not JSON, or nested thousands deep (Python's parser then raises RecursionError, which is not
a ValueError). One reader turns all of them into a ValueError a student can act on.
"""
from __future__ import annotations

import json
from typing import Any


def read_json(data: str | bytes, what: str) -> Any:
    """The parsed document; ValueError naming `what` ("a labels file") otherwise."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("this is not a JSON file (it is not UTF-8 text).") from None
    if not data.strip():
        raise ValueError("the file is empty.")
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError(f"this JSON is nested too deeply to be {what}.") from None
    except ValueError as exc:  # JSONDecodeError, and numbers too long to read
        raise ValueError(f"this is not a JSON file ({exc}).") from None
