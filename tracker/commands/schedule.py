"""``tracker schedule list|run|once`` and ``tracker status``: the scheduler from the command line.

The schedule is ``schedules/schedule.toml`` (or ``TRACKER_SCHEDULE_FILE``, or ``--file``); runs are
rows of ``crawl_run``; alarms are ``source.alarm`` events. See docs/operations.md, "Scheduler".
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

FILE_OPT = typer.Option(None, "--file", help="schedule file (default: TRACKER_SCHEDULE_FILE or the packaged schedules/schedule.toml)")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _load(path: Optional[Path]):
    from schedules.config import ScheduleError, load_schedule
    try:
        return load_schedule(path)
    except ScheduleError as exc:
        _fail(str(exc))


def _when(value: Optional[str]) -> datetime:
    if not value:
        return datetime.now(timezone.utc)
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--at {value!r} is not an ISO date-time (e.g. 2025-07-01T12:00:00+00:00)")
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Our own listener says the same more plainly (missed fires, skipped overlapping runs).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def _fmt_dt(dt: Optional[datetime]) -> str:
    return dt.isoformat(timespec="seconds") if dt else "-"


def register(app: typer.Typer) -> None:
    sched = typer.Typer(help="Run spiders and digests on the schedule (schedules/schedule.toml).",
                        epilog="Example: tracker schedule list --count 3", no_args_is_help=True)
    app.add_typer(sched, name="schedule")

    @sched.command("list", epilog="Example: tracker schedule list --count 3 --at 2025-07-01T12:00:00+00:00")
    def list_cmd(
        file: Optional[Path] = FILE_OPT,
        count: int = typer.Option(1, "--count", min=1, max=50, help="next run times to show per job"),
        at: Optional[str] = typer.Option(None, "--at", help="compute next runs from this instant (ISO; default now)"),
        fmt: str = typer.Option("table", "--format", help="table|json"),
    ) -> None:
        """List the scheduled jobs: what each runs, its trigger and timezone, timeout, next run times."""
        if fmt not in ("table", "json"):
            _fail(f"unknown format {fmt!r} (table or json)")
        s = _load(file)
        now = _when(at)
        rows = []
        for j in s.jobs:
            nxt = j.next_fire_times(now, count) if j.enabled else []
            rows.append({"job": j.id, "enabled": j.enabled, "runs": j.describe_target(), "trigger": j.describe_trigger(),
                         "timeout_s": j.timeout, "misfire_grace_s": j.misfire_grace,
                         "next": [t.isoformat() for t in nxt]})
        if fmt == "json":
            typer.echo(json.dumps(rows, indent=2))
            return
        from rich.console import Console
        from rich.table import Table
        t = Table(title=f"schedule {s.path}")
        for c in ("job", "runs", "trigger", "timeout", "next run"):
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(r["job"] + ("" if r["enabled"] else " (disabled)"), r["runs"], r["trigger"],
                      f"{r['timeout_s']:g}s", "\n".join(r["next"]) or "-")
        Console(width=200).print(t)

    @sched.command("run", epilog="Example: TRACKER_DATABASE_URL=postgresql://... tracker schedule run")
    def run_cmd(file: Optional[Path] = FILE_OPT) -> None:
        """Run the scheduler in the foreground until SIGTERM/SIGINT (what the compose `scheduler`
        service runs). Only one per store: a second one exits with status 3. Missed windows are
        caught up once at start-up; on shutdown running jobs are stopped and recorded."""
        from db.migrate import upgrade
        from schedules.scheduler import EXIT_LOCKED, Scheduler
        s = _load(file)
        _logging()
        try:
            upgrade()
        except Exception as exc:  # noqa: BLE001 - one clear line
            _fail(f"cannot open the store: {' '.join(str(exc).split())[:300]}", 1)
        code = Scheduler(s).run_forever()
        if code == EXIT_LOCKED:
            typer.echo("error: another scheduler is already running for this store; not starting a second one",
                       err=True)
        raise typer.Exit(code)

    @sched.command("once", epilog="Example: tracker schedule once senate_votes")
    def once_cmd(job: str = typer.Argument(..., help="job id from the schedule (tracker schedule list)"),
                 file: Optional[Path] = FILE_OPT) -> None:
        """Run one job now (even a disabled one), record it in crawl_run, print one summary line.
        Exit status 0 for ok/degraded runs, 1 for failed/timed-out ones, 3 if the job is already running."""
        from db.migrate import upgrade
        from schedules.runner import FAILURES, JobBusy, Runner, reap_stale_runs
        s = _load(file)
        try:
            j = s.get(job)
        except KeyError as exc:
            _fail(str(exc.args[0]))
        _logging()
        upgrade()
        reap_stale_runs()
        try:
            result = Runner(s).run(j, trigger="manual")
        except JobBusy as exc:
            _fail(str(exc), 3)
        typer.echo(result.line())
        for a in result.alarms:
            typer.echo(f"alarm: {a}")
        raise typer.Exit(1 if result.status in FAILURES else 0)

    @app.command("status", epilog="Example: tracker status --format json")
    def status_cmd(file: Optional[Path] = FILE_OPT,
                   fmt: str = typer.Option("table", "--format", help="table|json")) -> None:
        """Last run of each job, failures in a row, next run time, and open source alarms."""
        from schedules.config import ScheduleError, load_schedule
        if fmt not in ("table", "json"):
            _fail(f"unknown format {fmt!r} (table or json)")
        from db.migrate import upgrade
        upgrade()
        try:
            s = load_schedule(file)
        except ScheduleError as exc:
            if file:
                _fail(str(exc))
            typer.echo(f"warning: {exc}", err=True)
            s = None
        data = _status(s)
        if fmt == "json":
            typer.echo(json.dumps(data, indent=2, default=str))
            return
        from rich.console import Console
        from rich.table import Table
        con = Console(width=200)
        t = Table(title="jobs")
        for c in ("job", "last run", "status", "items", "new/upd", "fails in a row", "next run", "summary"):
            t.add_column(c, overflow="fold")
        for r in data["jobs"]:
            last = r["last_run"] or {}
            t.add_row(r["job"], _fmt_dt(last.get("started_at")), last.get("status") or "never",
                      str(last.get("items", "")), f"{last.get('inserted', '')}/{last.get('updated', '')}" if last else "",
                      str(r["failures_in_a_row"]), r["next_run"] or "-", (last.get("error_summary") or "")[:120])
        con.print(t)
        if data["alarms"]:
            a = Table(title="open alarms")
            for c in ("recorded", "job", "reason", "alarm"):
                a.add_column(c, overflow="fold")
            for al in data["alarms"]:
                a.add_row(_fmt_dt(al["recorded_at"]), al["job"] or "", al["reason"] or "", al["title"])
            con.print(a)
        else:
            con.print("no open alarms")


def _status(schedule) -> dict:
    """What ``tracker status`` shows, as data."""
    from sqlalchemy import select
    from db.engine import get_engine
    from schedules.health import open_alarms
    from schedules.runner import CRAWL_RUN, FAILURES
    now = datetime.now(timezone.utc)
    with get_engine().connect() as conn:
        # Not the report column (full crawl stats): status needs the counts only.
        cols = [c for c in CRAWL_RUN.c if c.name != "report"]
        rows = conn.execute(select(*cols).order_by(CRAWL_RUN.c.id.desc()).limit(5000)).all()
    by_job: dict[str, list] = {}
    for r in rows:
        by_job.setdefault(r.job, []).append(dict(r._mapping))
    job_ids = [j.id for j in schedule.jobs] if schedule else []
    job_ids += sorted(set(by_job) - set(job_ids))
    jobs = []
    for jid in job_ids:
        runs = by_job.get(jid, [])
        finished = [r for r in runs if r["status"] not in ("running", "killed")]
        streak = 0
        for r in finished:
            if r["status"] not in FAILURES:
                break
            streak += 1
        nxt = None
        if schedule:
            try:
                j = schedule.get(jid)
                if j.enabled:
                    nxt = j.next_fire_times(now, 1)[0].isoformat(timespec="minutes")
            except (KeyError, IndexError):
                pass
        last = runs[0] if runs else None
        if last:
            last = {k: last[k] for k in ("id", "started_at", "finished_at", "status", "finish_reason", "exit_status",
                                         "items", "documents", "inserted", "updated", "unchanged", "quarantined",
                                         "errors", "error_summary")}
        jobs.append({"job": jid, "last_run": last, "failures_in_a_row": streak, "next_run": nxt,
                     "running": any(r["status"] == "running" for r in runs)})
    return {"jobs": jobs, "alarms": open_alarms()}
