"""Shared step of the JSON parsers (congress.gov API, congress-legislators, OpenStates votes).

JSON may carry NUL characters as the escape ``\\u0000`` (seen in free-text fields of API responses).
SQLite stores them, PostgreSQL refuses them in ``text`` and ``jsonb`` ("invalid byte sequence" /
"unsupported Unicode escape sequence"): the same document would be kept on one backend and quarantined
on the other. A NUL carries no text, so it is removed from every string (keys included) right after
parsing, before anything is extracted.
"""

from __future__ import annotations

import json
from typing import Any


def _strip(obj: Any) -> Any:
    if isinstance(obj, str):
        return obj.replace("\x00", "")
    if isinstance(obj, list):
        return [_strip(x) for x in obj]
    if isinstance(obj, dict):
        return {_strip(k): _strip(v) for k, v in obj.items()}
    return obj


def loads(text: str | bytes) -> Any:
    """``json.loads`` with NUL characters removed from every string. Raises what ``json.loads`` raises."""
    obj = json.loads(text)
    # only the escaped form can put a NUL in a parsed string (a raw NUL byte is not valid JSON text)
    if (b"\\u0000" if isinstance(text, bytes) else "\\u0000") in text:
        obj = _strip(obj)
    return obj
