"""Read a JSON file a user uploaded, or say in one sentence why it is not one.

Every import (labels, a run's metrics, its config) meets the same files: empty, not UTF-8,
not JSON, nested thousands deep (Python's parser then raises RecursionError, which is not
a ValueError), or holding a lone surrogate escape such as "\\ud800" (valid JSON, but the
text it gives cannot be written out as UTF-8 again: the page's label download, the URL of a
restored setting, then failed on every rerun). One reader turns all of them into a ValueError
a student can act on.
"""
from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


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
        doc = json.loads(data)
    except RecursionError:
        raise ValueError(f"this JSON is nested too deeply to be {what}.") from None
    except ValueError as exc:  # JSONDecodeError, and numbers too long to read
        raise ValueError(f"this is not a JSON file ({exc}).") from None
    if (_SURROGATE_ESCAPE.search(data) or _SURROGATE.search(data)) and _has_surrogate(doc):
        raise ValueError(f"this JSON holds a broken character (a lone \\ud800-style escape, half "
                         f"of a UTF-16 pair); it cannot be read as {what}.")
    return doc


def _has_surrogate(doc: Any) -> bool:
    """Whether any string (key or value) of a parsed document holds a lone surrogate."""
    stack = [doc]  # not recursive: the document may be nested nearly as deep as json allows
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
