"""The run guard: ``python -m schedules.guard FD -- COMMAND...``.

The runner starts every job as this small stdlib-only process, in a new session (so it leads the
run's process group), with the read end of a pipe whose write end only the scheduler holds. The
guard starts COMMAND in the same group and waits. If the scheduler dies, even by SIGKILL, the
kernel closes its end of the pipe; the guard sees end-of-file and stops the whole group (SIGTERM,
then SIGKILL after the grace period), so no crawl outlives its scheduler. (``PR_SET_PDEATHSIG``
alone is not enough: it fires when the spawning *thread* exits, and only reaches the direct child.)

SIGTERM/SIGINT sent to the group reach COMMAND directly; the guard ignores them (a Python handler,
not SIG_IGN, so COMMAND does not inherit "ignore") and keeps waiting, so COMMAND gets exactly one
SIGTERM and can shut down cleanly (a second SIGTERM makes Scrapy stop uncleanly).

The guard exits with COMMAND's status (128 + N when COMMAND died of signal N).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

POLL_SECONDS = 0.2


def _stop_group(child: subprocess.Popen, grace: float) -> int:
    try:
        os.killpg(os.getpgid(0), signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if child.poll() is not None:
            break
        time.sleep(0.05)
    # SIGKILL the group: stragglers, grandchildren, and the guard itself.
    os.killpg(os.getpgid(0), signal.SIGKILL)
    return 137  # not reached


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m schedules.guard FD -- COMMAND...", file=sys.stderr)
        return 2
    fd = int(argv[0])
    cmd = argv[2:]
    grace = float(os.environ.get("TRACKER_GUARD_GRACE", "10"))
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: None)
    child = subprocess.Popen(cmd, close_fds=True)
    while True:
        rc = child.poll()
        if rc is not None:
            return 128 - rc if rc < 0 else rc
        try:
            ready, _, _ = select.select([fd], [], [], POLL_SECONDS)
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for clarity
            continue
        if ready:
            try:
                data = os.read(fd, 1)
            except OSError:
                data = b""
            if not data:  # EOF: the scheduler is gone
                print("guard: scheduler gone, stopping the run", file=sys.stderr, flush=True)
                return _stop_group(child, grace)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
