"""The scheduler: APScheduler 3.11 ``BlockingScheduler`` over the schedule file, one at a time.

Choices (../shared/REFERENCE.md, APScheduler):

- In-memory job store: the schedule lives in the TOML file and runs in our ``crawl_run`` table, so
  nothing is pickled into the database (a writable job table would be a code-execution hole) and
  two schedulers never share a job store.
- ``coalesce=True``, ``max_instances=1``, a ``misfire_grace_time`` per job: a late tick runs once,
  never in parallel with itself.
- One scheduler per store: :func:`schedules.lock.acquire` (Postgres advisory lock / SQLite file
  lock) before anything else; a second scheduler exits with a clear message (exit status 3).
- Catch-up: APScheduler forgets missed fires across restarts. At start-up, each enabled job whose
  last recorded run (not counting runs stopped by a shutdown) is older than its trigger's previous
  fire time runs ONCE now, however many ticks were missed (:func:`missed_jobs`).
- Shutdown on SIGTERM/SIGINT: stop the scheduler, stop running children's process groups
  (SIGTERM, then SIGKILL after their kill grace), wait for their rows to be written, release the
  lock, exit 0.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime, timezone
from typing import Callable, Iterable

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import func, select

from db.engine import database_url, get_engine, is_sqlite
from schedules import lock as locks
from schedules.config import Job, Schedule
from schedules.runner import CRAWL_RUN, JobBusy, Runner, reap_stale_runs

log = logging.getLogger("schedules.scheduler")

EXIT_LOCKED = 3
EXIT_LOCK_LOST = 4
LOCK_CHECK_SECONDS = 60


def last_run_times(url: str | None = None) -> dict[str, datetime]:
    """Start time of each job's latest run that counts for catch-up (runs stopped by a shutdown or
    orphaned by a crash do not: their window's work was not done)."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(CRAWL_RUN.c.job, func.max(CRAWL_RUN.c.started_at))
                            .where(CRAWL_RUN.c.status.notin_(("killed",)))
                            .group_by(CRAWL_RUN.c.job)).all()
    out = {}
    for job, started in rows:
        if isinstance(started, str):  # func.max on SQLite returns the stored text
            started = datetime.fromisoformat(started)
        if started is not None and started.tzinfo is None:
            started = started.replace(tzinfo=timezone.utc)
        out[job] = started
    return out


def missed_jobs(jobs: Iterable[Job], last_runs: dict[str, datetime], now: datetime) -> list[tuple[Job, datetime]]:
    """Jobs to run once now: enabled, ``catchup`` on, whose trigger fired (previous fire time at or
    before ``now``) after their last recorded run (or that never ran). Pure; one entry per job no
    matter how many ticks were missed."""
    out = []
    for job in jobs:
        if not job.enabled or not job.catchup:
            continue
        prev = job.previous_fire_time(now)
        if prev is None:
            continue
        last = last_runs.get(job.id)
        if last is None or last < prev:
            out.append((job, prev))
    return out


class Scheduler:
    """Builds and runs the blocking scheduler for one schedule and one store."""

    def __init__(self, schedule: Schedule, url: str | None = None, *, runner: Runner | None = None) -> None:
        self.schedule = schedule
        self.url = database_url(url)
        self.runner = runner or Runner(schedule, self.url)
        self.aps: BlockingScheduler | None = None
        self.lock: locks.Lock | None = None
        self.exit_code = 0
        self._threads_done = threading.Condition()
        self._in_flight = 0

    # --- building ---------------------------------------------------------------------------

    def build(self) -> BlockingScheduler:
        aps = BlockingScheduler(
            timezone=timezone.utc,
            executors={"default": ThreadPoolExecutor(max_workers=self.schedule.max_concurrent + 1)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        for job in self.schedule.enabled_jobs:
            aps.add_job(self._execute, trigger=job.trigger(), args=[job.id, "schedule"], id=job.id, name=job.id,
                        misfire_grace_time=int(job.misfire_grace), coalesce=True, max_instances=1,
                        replace_existing=True)
        aps.add_listener(self._on_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR)
        self.aps = aps
        return aps

    def plan_catchup(self, now: datetime | None = None) -> list[tuple[Job, datetime]]:
        return missed_jobs(self.schedule.enabled_jobs, last_run_times(self.url), now or datetime.now(timezone.utc))

    # --- running ----------------------------------------------------------------------------

    def _execute(self, job_id: str, trigger: str) -> None:
        job = self.schedule.get(job_id)
        with self._threads_done:
            self._in_flight += 1
        try:
            self.runner.run(job, trigger=trigger)
        except JobBusy as exc:
            log.warning("%s: skipped: %s", job_id, exc)
        except Exception:  # noqa: BLE001 - one job's crash must never stop the scheduler
            log.exception("%s: the runner failed", job_id)
        finally:
            with self._threads_done:
                self._in_flight -= 1
                self._threads_done.notify_all()

    def _on_event(self, event) -> None:  # APScheduler listener
        if event.code == EVENT_JOB_MISSED:
            log.warning("%s: missed its %s fire (later than its misfire grace)", event.job_id, event.scheduled_run_time)
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("%s: still running at its next fire: skipped (no overlapping runs)", event.job_id)
        elif event.code == EVENT_JOB_ERROR:
            log.error("%s: job raised %r", event.job_id, event.exception)

    def _check_lock(self) -> None:
        if self.lock is not None and not self.lock.still_held():
            log.error("the scheduler lock was lost (database connection dropped?): shutting down")
            self.exit_code = EXIT_LOCK_LOST
            self.request_stop()

    def request_stop(self, *_: object) -> None:
        """Stop the scheduler (safe from a signal handler): no new runs start."""
        if self.aps is not None and self.aps.running:
            self.aps.shutdown(wait=False)

    def run_forever(self, *, install_signals: bool = True,
                    on_started: Callable[["Scheduler"], None] | None = None) -> int:
        """Take the lock, catch up, run until SIGTERM/SIGINT. Returns the process exit status."""
        try:
            self.lock = locks.acquire("scheduler", self.url)
        except locks.LockBusy as exc:
            log.error("another scheduler is already running for this store (%s)", exc)
            return EXIT_LOCKED
        try:
            stale = reap_stale_runs(self.url)
            if stale:
                log.warning("marked %d orphaned run(s) from a previous scheduler as killed", stale)
            aps = self.build()
            now = datetime.now(timezone.utc)
            for job, prev in self.plan_catchup(now):
                log.info("%s: missed its %s window while down: running it once now", job.id, prev.isoformat())
                aps.add_job(self._execute, trigger=DateTrigger(run_date=now, timezone=timezone.utc),
                            args=[job.id, "catchup"], id=f"{job.id}@catchup", name=f"{job.id} (catch-up)",
                            misfire_grace_time=None, replace_existing=True)
            if not is_sqlite(self.url):
                aps.add_job(self._check_lock, "interval", seconds=LOCK_CHECK_SECONDS, id="_lock_check",
                            max_instances=1, coalesce=True)
            if install_signals:
                signal.signal(signal.SIGTERM, self.request_stop)
                signal.signal(signal.SIGINT, self.request_stop)
            log.info("scheduler started: %d job(s), lock %s", len(self.schedule.enabled_jobs), self.lock.where)
            if on_started:
                on_started(self)
            aps.start()  # blocks until request_stop()
            log.info("scheduler stopping: stopping %d running job(s)", len(self.runner.active()))
            self.runner.stop_all()
            with self._threads_done:
                self._threads_done.wait_for(lambda: self._in_flight == 0, timeout=120)
            log.info("scheduler stopped")
            return self.exit_code
        finally:
            if self.lock is not None:
                self.lock.release()


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (tests, tools)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
