"""Run one job: a subprocess in its own process group, a timeout, a run report, a ``crawl_run`` row.

A spider job runs ``python -m scrapy crawl NAME -a k=v -s K=V`` (Twisted's reactor cannot be
restarted, so a crawl never runs in the scheduler's process: scrapy#2941); a command job runs
``python -m tracker ...``. Each is started through :mod:`schedules.guard` in a new session, so the
whole run is one process group that is killed as one (SIGTERM, then SIGKILL after ``kill_grace``)
at the job's timeout, on scheduler shutdown, and by the guard itself if the scheduler dies.

The crawl writes its stats to ``TRACKER_RUN_REPORT`` (scrapers/extensions.py). ``scrapy crawl``
exits 0 even when every request failed, so a run is judged by that report (:func:`judge`): finish
reason, items, HTTP errors, quarantined documents, error log lines. A spider that does not exist
yet is just a failed run with a clear summary.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers tables)
from db.engine import database_url, get_engine
from schedules import lock as locks
from schedules.config import Job, Schedule

log = logging.getLogger("schedules.runner")

CRAWL_RUN = SQLModel.metadata.tables["crawl_run"]
OK, DEGRADED, FAILED, TIMEOUT, KILLED, RUNNING = "ok", "degraded", "failed", "timeout", "killed", "running"
FAILURES = (FAILED, TIMEOUT)
KEEP_LOGS = 20
_SPIDER_NOT_FOUND = re.compile(r"Spider not found: (\S+?)['\"]?$", re.M)
_ERROR_LINE = re.compile(r"^(?:[\w.]+(?:Error|Exception|Exit)\b.*|error: .*|Error: .*)$")


class JobBusy(RuntimeError):
    """The job is already running (in this scheduler or another process)."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def project_root() -> Path:
    """Where ``scrapy.cfg`` is: the source tree (editable install) or the working directory."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "scrapy.cfg").exists() else Path.cwd()


def runs_dir() -> Path:
    """Run logs and reports: ``$TRACKER_DATA_DIR/runs`` when writable, else a temp folder."""
    from tracker.settings import get_settings
    d = Path(get_settings(fresh=True).data_dir).expanduser() / "runs"
    try:
        d.mkdir(parents=True, exist_ok=True)
        if os.access(d, os.W_OK):
            return d.resolve()
    except OSError:
        pass
    d = Path(tempfile.gettempdir()) / f"tracker-runs-{os.getuid()}"
    d.mkdir(parents=True, exist_ok=True)
    return d


@dataclass
class RunResult:
    """What one run came to (also stored in ``crawl_run``)."""

    run_id: int | None
    job: str
    status: str
    finish_reason: str | None = None
    exit_status: int | None = None
    items: int = 0
    documents: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    errors: int = 0
    error_summary: str | None = None
    duration: float = 0.0
    alarms: list[str] = field(default_factory=list)
    log_path: str | None = None

    def line(self) -> str:
        """One readable line for logs and ``tracker schedule once``."""
        s = (f"{self.job} run {self.run_id}: {self.status} ({self.finish_reason or '-'}) in {self.duration:.1f}s: "
             f"{self.items} items, {self.documents} documents, {self.inserted} inserted, {self.updated} updated, "
             f"{self.unchanged} unchanged, {self.quarantined} quarantined, {self.errors} errors")
        if self.error_summary and self.status != OK:
            s += f" - {self.error_summary[:300]}"
        return s


def build_command(job: Job) -> list[str]:
    """The job's own command line (without the guard)."""
    if job.spider:
        argv = [sys.executable, "-m", "scrapy", "crawl", job.spider]
        for k, v in job.args.items():
            argv += ["-a", f"{k}={v}"]
        for k, v in job.settings.items():
            argv += ["-s", f"{k}={v}"]
        return argv
    return [sys.executable, "-m", "tracker", *job.command]


def _stat(stats: dict[str, Any], key: str) -> int:
    v = stats.get(key, 0)
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0


def read_tail(path: Path | None, limit: int = 16_384) -> str:
    if path is None:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - limit))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _last_error_line(tail: str) -> str | None:
    # Typer/rich draw error boxes ("╭─ Error ─╮ │ No such command 'x'. │"): strip the frame.
    lines = [ln.strip(" \t│╭╮╰╯─┃━┏┓┗┛") for ln in tail.splitlines()]
    lines = [ln for ln in lines if ln and ln.strip("─ ") not in ("Error",)]
    for ln in reversed(lines):
        if _ERROR_LINE.match(ln):
            return ln[:300]
    return lines[-1][:300] if lines else None


def judge(job: Job, exit_status: int | None, report: dict[str, Any] | None, *, timed_out: bool = False,
          killed: bool = False, log_tail: str = "") -> dict[str, Any]:
    """Decide a run's status from its report (not its exit code). Returns the ``crawl_run`` values:
    status, finish_reason, items, documents, inserted/updated/unchanged/quarantined, errors,
    error_summary."""
    out: dict[str, Any] = dict(items=0, documents=0, inserted=0, updated=0, unchanged=0, quarantined=0, errors=0)
    stats = (report or {}).get("stats") or {}
    if stats:
        out.update(items=_stat(stats, "item_scraped_count"), documents=_stat(stats, "tracker/documents"),
                   inserted=_stat(stats, "tracker/inserted"), updated=_stat(stats, "tracker/updated"),
                   unchanged=_stat(stats, "tracker/unchanged"), quarantined=_stat(stats, "tracker/quarantined"),
                   errors=_stat(stats, "log_count/ERROR"))
    first_errors = list((report or {}).get("errors") or [])
    reason = (report or {}).get("finish_reason")
    if killed:
        return {**out, "status": KILLED, "finish_reason": "stopped: scheduler shut down",
                "error_summary": "the run was stopped before it finished"}
    if timed_out:
        return {**out, "status": TIMEOUT, "finish_reason": f"timeout after {job.timeout:g}s",
                "error_summary": f"killed at its {job.timeout:g}s timeout" + (f"; {first_errors[0]}" if first_errors else "")}
    if not job.spider:
        if exit_status == 0:
            return {**out, "status": OK, "finish_reason": "exit 0", "error_summary": None}
        return {**out, "status": FAILED, "finish_reason": f"exit {exit_status}", "errors": max(1, out["errors"]),
                "error_summary": _last_error_line(log_tail) or f"exit status {exit_status}"}
    if report is None:
        m = _SPIDER_NOT_FOUND.search(log_tail)
        if m:
            summary = f"spider {job.spider!r} does not exist (yet): no spider of that name in SPIDER_MODULES"
            reason = "spider not found"
        else:
            summary = _last_error_line(log_tail) or "the crawl wrote no run report"
            reason = f"no run report (exit {exit_status})"
        return {**out, "status": FAILED, "finish_reason": reason, "errors": max(1, out["errors"]),
                "error_summary": summary}
    problems: list[str] = []
    hard = False
    if exit_status not in (0, None):
        problems.append(f"exit status {exit_status}")
        hard = True
    if reason != "finished":
        problems.append(f"finish reason {reason}")
    # robots.txt is fetched first and usually answers 200 even where every page is refused (senate.gov's
    # 403 to unknown clients): it is not a page, so it does not count as a response here.
    responses = _stat(stats, "downloader/response_count") - _stat(stats, "robotstxt/response_count")
    bad = {}
    for k, v in stats.items():
        if not k.startswith("downloader/response_status_count/"):
            continue
        code = k.rsplit("/", 1)[1]
        if code.isdigit() and int(code) >= 400:
            n = int(v) - _stat(stats, f"robotstxt/response_status_count/{code}")
            if n > 0:
                bad[code] = n
    if responses > 0 and sum(bad.values()) >= responses:
        problems.append("every response was an HTTP error (" + ", ".join(f"{c}: {n}" for c, n in sorted(bad.items())) + ")")
        hard = True
    exc = _stat(stats, "downloader/exception_count")
    if exc and not responses:
        kinds = sorted(k.rsplit("/", 1)[1].rsplit(".", 1)[-1] for k in stats
                       if k.startswith("downloader/exception_type_count/"))
        problems.append(f"no response: {exc} download errors ({', '.join(kinds)})")
        hard = True
    if out["errors"]:
        problems.append(f"{out['errors']} error log lines")
    ignored = _stat(stats, "httperror/response_ignored_count")
    if ignored and not hard:
        # Pages dropped by HttpErrorMiddleware (a 404 among successes, a 429 whose Retry-After was
        # beyond the cap) are logged at INFO only: without this a run that lost pages looked "ok".
        codes = sorted(k.rsplit("/", 1)[1] for k in stats if k.startswith("httperror/response_ignored_status_count/"))
        problems.append(f"{ignored} page(s) lost to HTTP errors ({', '.join(codes)})")
    if out["documents"] and out["quarantined"] >= out["documents"]:
        problems.append(f"every document quarantined ({out['quarantined']})")
        hard = True
    if out["items"] == 0:
        problems.append("no items")
    if hard or (out["items"] == 0 and len(problems) > 1):
        status = FAILED
    elif problems:
        status = DEGRADED
    else:
        status = OK
    summary = "; ".join(problems + first_errors[:3])[:1000] or None
    return {**out, "status": status, "finish_reason": reason, "error_summary": summary}


def _pid_is_guard(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"schedules.guard" in cmd


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_stale_runs(url: str | None = None) -> int:
    """Mark ``running`` rows whose process is gone (a scheduler killed mid-run on this host) as
    ``killed``. Returns how many. Rows from other hosts are left alone."""
    eng = get_engine(url)
    host = socket.gethostname()
    n = 0
    with eng.begin() as conn:
        rows = conn.execute(select(CRAWL_RUN.c.id, CRAWL_RUN.c.report).where(CRAWL_RUN.c.status == RUNNING)).all()
        for r in rows:
            rep = r.report or {}
            if rep.get("host") not in (None, host):
                continue
            pid = rep.get("pid")
            if isinstance(pid, int) and _pid_is_guard(pid):
                continue
            # Not started yet (no guard pid) by another live process, e.g. `tracker schedule once`
            # between its insert and its Popen. Our own pid can only be a previous incarnation's
            # (PID 1 in a restarted container): nothing has run in this process yet.
            owner = rep.get("scheduler_pid")
            if pid is None and isinstance(owner, int) and owner != os.getpid() and _alive(owner):
                continue
            conn.execute(update(CRAWL_RUN).where(CRAWL_RUN.c.id == r.id).values(
                status=KILLED, finished_at=_now(), finish_reason="orphaned: the scheduler died during the run",
                error_summary="the run's process was gone when the scheduler restarted"))
            n += 1
    return n


class Runner:
    """Runs jobs; remembers the running ones so :meth:`stop_all` can stop them (thread-safe)."""

    def __init__(self, schedule: Schedule, url: str | None = None, *, job_locks: bool = True) -> None:
        self.schedule = schedule
        self.url = database_url(url)
        self.job_locks = job_locks
        self._mutex = threading.Lock()
        self._active: dict[str, subprocess.Popen] = {}
        self._stopped: set[str] = set()
        self._stopping = False

    # --- public -------------------------------------------------------------------------------

    def active(self) -> list[str]:
        with self._mutex:
            return sorted(self._active)

    def run(self, job: Job, trigger: str = "manual") -> RunResult:
        """Run ``job`` to the end (or its timeout) and record it. Raises :class:`JobBusy` when the
        job is already running here or in another process."""
        with self._mutex:
            if self._stopping:
                raise JobBusy(f"job {job.id!r} not started: the scheduler is shutting down")
            if job.id in self._active:
                raise JobBusy(f"job {job.id!r} is already running in this scheduler")
            self._active[job.id] = None  # type: ignore[assignment]  # reserved
        try:
            held = None
            if self.job_locks:
                try:
                    held = locks.acquire(f"job:{job.id}", self.url)
                except locks.LockBusy as exc:
                    raise JobBusy(f"job {job.id!r} is already running in another process ({exc})") from None
            try:
                return self._run(job, trigger)
            finally:
                if held is not None:
                    held.release()
        finally:
            with self._mutex:
                self._active.pop(job.id, None)
                self._stopped.discard(job.id)

    def stop_all(self, grace: float | None = None) -> None:
        """Stop every running job's process group (SIGTERM, then SIGKILL) and refuse new runs."""
        with self._mutex:
            self._stopping = True
            procs = {k: p for k, p in self._active.items() if p is not None}
            self._stopped.update(procs)
        for p in procs.values():
            _signal_group(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + (grace if grace is not None else
                                       max((self.schedule.get(j).kill_grace for j in procs), default=0))
        for p in procs.values():
            try:
                p.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(p.pid, signal.SIGKILL)

    # --- one run ------------------------------------------------------------------------------

    def _run(self, job: Job, trigger: str) -> RunResult:
        eng = get_engine(self.url)
        started = _now()
        with eng.begin() as conn:
            run_id = conn.execute(insert(CRAWL_RUN).values(
                job=job.id, spider=job.spider, started_at=started, status=RUNNING,
                report={"trigger": trigger, "host": socket.gethostname(), "scheduler_pid": os.getpid()})
                .returning(CRAWL_RUN.c.id)).scalar_one()
        rdir = runs_dir()
        report_path = rdir / f"{job.id}-{run_id}.json"
        log_path = rdir / f"{job.id}-{run_id}.log"
        argv = build_command(job)
        env = dict(os.environ)
        env.update(TRACKER_RUN_REPORT=str(report_path), TRACKER_DATABASE_URL=self.url, TRACKER_JOB=job.id,
                   TRACKER_RUN_ID=str(run_id), TRACKER_GUARD_GRACE=f"{job.kill_grace:g}", PYTHONUNBUFFERED="1")
        env.setdefault("SCRAPY_SETTINGS_MODULE", "scrapers.settings")
        rfd, wfd = os.pipe()  # both non-inheritable; only the guard gets rfd (pass_fds)
        t0 = time.monotonic()
        timed_out = False
        exit_status: int | None = None
        proc: subprocess.Popen | None = None
        try:
            with open(log_path, "ab") as logf:
                try:
                    proc = subprocess.Popen([sys.executable, "-m", "schedules.guard", str(rfd), "--", *argv],
                                            cwd=project_root(), env=env, stdin=subprocess.DEVNULL, stdout=logf,
                                            stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(rfd,))
                finally:
                    os.close(rfd)
            with self._mutex:
                self._active[job.id] = proc
                stop_now = self._stopping
            if stop_now:  # shutdown began while we were starting
                with self._mutex:
                    self._stopped.add(job.id)
                _signal_group(proc.pid, signal.SIGTERM)
            with eng.begin() as conn:
                conn.execute(update(CRAWL_RUN).where(CRAWL_RUN.c.id == run_id).values(report={
                    "trigger": trigger, "host": socket.gethostname(), "pid": proc.pid, "pgid": proc.pid,
                    "scheduler_pid": os.getpid(), "command": argv[1:], "log": str(log_path)}))
            log.info("%s run %s started (%s, pid %s)", job.id, run_id, job.describe_target(), proc.pid)
            try:
                exit_status = proc.wait(timeout=job.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                log.warning("%s run %s: timeout after %gs, stopping its process group", job.id, run_id, job.timeout)
                _signal_group(proc.pid, signal.SIGTERM)
                try:
                    exit_status = proc.wait(timeout=job.kill_grace)
                except subprocess.TimeoutExpired:
                    _signal_group(proc.pid, signal.SIGKILL)
                    exit_status = proc.wait()
        except Exception as exc:  # noqa: BLE001 - cannot start (e.g. no such executable): a failed run
            if proc is not None and proc.poll() is None:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
            exit_status = None
            report_err = f"cannot start the run: {type(exc).__name__}: {exc}"
            return self._finish(job, run_id, started, t0, None, {"status": FAILED, "finish_reason": "not started",
                                                                  "error_summary": report_err, "errors": 1},
                                log_path, report_path, argv)
        finally:
            os.close(wfd)
        with self._mutex:
            killed = job.id in self._stopped
        report = _read_report(report_path)
        verdict = judge(job, exit_status, report, timed_out=timed_out, killed=killed and not timed_out,
                        log_tail=read_tail(log_path))
        return self._finish(job, run_id, started, t0, exit_status, verdict, log_path, report_path, argv, report)

    def _finish(self, job: Job, run_id: int, started: datetime, t0: float, exit_status: int | None,
                verdict: dict[str, Any], log_path: Path, report_path: Path, argv: list[str],
                report: dict[str, Any] | None = None) -> RunResult:
        duration = time.monotonic() - t0
        full_report = {"trigger": None, "host": socket.gethostname(), "command": argv[1:], "log": str(log_path),
                       "duration_s": round(duration, 3)}
        if report:
            full_report.update(finish_reason=report.get("finish_reason"), stats=report.get("stats"),
                               errors=report.get("errors"), crawl_pid=report.get("pid"))
        eng = get_engine(self.url)
        values = {k: verdict.get(k, 0) for k in ("items", "documents", "inserted", "updated", "unchanged",
                                                  "quarantined", "errors")}
        with eng.begin() as conn:
            prev = conn.execute(select(CRAWL_RUN.c.report).where(CRAWL_RUN.c.id == run_id)).scalar() or {}
            full_report["trigger"] = prev.get("trigger")
            full_report["pid"] = prev.get("pid")
            conn.execute(update(CRAWL_RUN).where(CRAWL_RUN.c.id == run_id).values(
                finished_at=_now(), status=verdict["status"], finish_reason=verdict.get("finish_reason"),
                exit_status=exit_status, error_summary=verdict.get("error_summary"), report=full_report, **values))
        result = RunResult(run_id=run_id, job=job.id, status=verdict["status"], finish_reason=verdict.get("finish_reason"),
                           exit_status=exit_status, error_summary=verdict.get("error_summary"), duration=duration,
                           log_path=str(log_path), **values)
        try:
            from schedules import health
            result.alarms = health.check_run(run_id, self.schedule.health, url=self.url)
        except Exception as exc:  # noqa: BLE001 - a health check must never lose the run's own row
            log.error("%s run %s: health check failed: %s", job.id, run_id, " ".join(str(exc).split())[:300])
        try:
            report_path.unlink(missing_ok=True)
        except OSError:
            pass
        _prune_logs(log_path.parent, job.id)
        log.log(logging.INFO if result.status == OK else logging.WARNING, "%s", result.line())
        for a in result.alarms:
            log.warning("%s: source.alarm %s", job.id, a)
        return result


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _prune_logs(folder: Path, job_id: str) -> None:
    logs = sorted(folder.glob(f"{job_id}-*.log"), key=lambda p: p.stat().st_mtime if p.exists() else 0)
    for p in logs[:-KEEP_LOGS]:
        try:
            p.unlink()
        except OSError:
            pass
