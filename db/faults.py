"""Fault-injection points for crash tests (real processes killed with SIGKILL).

``point("store.before_commit")`` does nothing unless ``TRACKER_FAULT_POINT`` names that point; then
the process prints ``FAULT <name>`` on stdout and stops there, so a test can SIGKILL it at exactly
that step. Production never sets the variable.
"""

from __future__ import annotations

import os
import sys
import time


def point(name: str) -> None:
    wanted = os.environ.get("TRACKER_FAULT_POINT")
    if wanted and wanted == name:
        sys.stdout.write(f"FAULT {name}\n")
        sys.stdout.flush()
        while True:  # wait for the test's SIGKILL
            time.sleep(60)
