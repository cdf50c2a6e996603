"""How many iterations a long (``@pytest.mark.slow``) test runs.

``TRACKER_SLOW_COUNT`` (README, .ci/run): unset -> the full count the issue asks for; ``small`` (what
CI sets) -> the small count; an integer -> that many. A test-specific variable, when set, wins.
"""

from __future__ import annotations

import os


def slow_count(full: int, small: int, var: str | None = None) -> int:
    """The iteration count for a slow test (see the module docstring)."""
    for name in (var, "TRACKER_SLOW_COUNT"):
        raw = os.environ.get(name) if name else None
        if raw is None or not raw.strip():
            continue
        raw = raw.strip().lower()
        if raw == "small":
            return small
        if raw in ("full", "default"):
            return full
        try:
            return max(1, int(raw))
        except ValueError:
            raise ValueError(f"{name}={raw!r}: expected 'small', 'full' or an integer") from None
    return full
