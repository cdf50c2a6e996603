"""One scheduler per store: a Postgres advisory lock, a file lock on SQLite; a second one is refused."""

from __future__ import annotations

import subprocess
import sys

import pytest

from schedules import lock as locks
from tests.fixtures.schedule.probe import REPO, SchedulerProcess, env_for, probe_job, write_schedule

QUIET_JOB = 'catchup = false\nenabled = true\n'


def test_lock_excludes_a_second_holder_and_is_released(any_store):
    first = locks.acquire("scheduler", any_store.url)
    try:
        assert first.still_held()
        with pytest.raises(locks.LockBusy) as exc:
            locks.acquire("scheduler", any_store.url)
        assert "held" in str(exc.value) and "\n" not in str(exc.value)
        # Another name (a job's run lock) is independent.
        with locks.acquire("job:senate_votes", any_store.url) as other:
            assert other.still_held()
    finally:
        first.release()
    again = locks.acquire("scheduler", any_store.url)
    again.release()


def test_sqlite_lock_file_sits_next_to_the_database_and_names_the_holder(sqlite_store, tmp_path):
    held = locks.acquire("scheduler", sqlite_store.url)
    try:
        assert held.where == str(tmp_path / "tracker.db.scheduler.lock")
        # A different process sees the pid of the holder.
        code = ("import sys; from schedules import lock\n"
                f"try:\n    lock.acquire('scheduler', {sqlite_store.url!r})\n"
                "except lock.LockBusy as e:\n    print(e); sys.exit(3)\n")
        r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert r.returncode == 3, r.stderr
        import os
        assert f"held by pid {os.getpid()}" in r.stdout
    finally:
        held.release()


def test_postgres_lock_is_per_schema_and_dies_with_its_connection(pg_store):
    held = locks.acquire("scheduler", pg_store.url)
    try:
        # A connection drop (here: we close it) releases the lock; still_held says so.
        held._conn.close()
        assert not held.still_held()
        again = locks.acquire("scheduler", pg_store.url)
        again.release()
    finally:
        held._conn = None
        held._engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_second_scheduler_process_is_refused(backend, request, tmp_path):
    st = request.getfixturevalue("sqlite_store" if backend == "sqlite" else "pg_store")
    sched = write_schedule(tmp_path / "s.toml", probe_job(
        "probe", "http://127.0.0.1:9/bill", trigger='cron = { month = 1, day = 1, hour = 0 }', extra=QUIET_JOB))
    first = SchedulerProcess(sched, st.url, tmp_path, "first")
    try:
        first.wait_started()
        r = subprocess.run([sys.executable, "-m", "tracker", "schedule", "run", "--file", str(sched)], cwd=REPO,
                           env=env_for(st.url, tmp_path), capture_output=True, text=True, timeout=60)
        assert r.returncode == 3
        assert "error: another scheduler is already running for this store" in r.stderr
        assert first.proc.poll() is None  # the first one is unaffected
    finally:
        assert first.stop() == 0
    assert "scheduler stopped" in first.output()


def test_scheduler_stops_when_its_postgres_lock_is_lost(pg_store):
    from schedules.config import load_schedule
    from schedules.scheduler import EXIT_LOCK_LOST, Scheduler
    s = Scheduler(load_schedule(), pg_store.url)
    s.lock = locks.acquire("scheduler", pg_store.url)
    try:
        s._check_lock()
        assert s.exit_code == 0
        s.lock._conn.close()  # the database connection dropped
        s._check_lock()
        assert s.exit_code == EXIT_LOCK_LOST
    finally:
        s.lock._conn = None
        s.lock._engine.dispose()
