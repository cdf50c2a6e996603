"""Crash tests: stop a real child process at a fault point (``db/faults.py``) with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess


def sigkill_at_fault(proc: subprocess.Popen, fault: str, timeout: float = 30) -> None:
    """Wait for the child (started with ``TRACKER_FAULT_POINT=fault`` and text stdout) to report
    ``FAULT <fault>``, SIGKILL it there and reap it. Fails if it stopped anywhere else."""
    try:
        line = proc.stdout.readline()
        assert line.strip() == f"FAULT {fault}", line
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
