"""The schedule as data: load and validate ``schedules/schedule.toml`` (or ``TRACKER_SCHEDULE_FILE``).

Each job runs either a spider (``spider = "senate_votes"`` with optional ``args`` and ``settings``)
or a tracker command (``command = "tracker digest send --frequency daily"``), on a ``cron`` or an
``interval`` trigger in an explicit ``timezone``, with a ``timeout`` and a ``misfire_grace``.
Every problem is reported as one line naming the file and the job (:class:`ScheduleError`).

Fire times are computed here, purely (``Job.next_fire_times``, ``Job.previous_fire_time``), so
tests can check a schedule from a fixed instant without sleeping, and the scheduler can tell
whether a window was missed while it was down.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

DEFAULT_FILE = Path(__file__).resolve().parent / "schedule.toml"

CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
INTERVAL_FIELDS = ("weeks", "days", "hours", "minutes", "seconds")
JOB_KEYS = {"spider", "args", "settings", "command", "cron", "interval", "timezone", "timeout",
            "misfire_grace", "kill_grace", "enabled", "catchup", "description"}
# Interval triggers are anchored at a fixed instant (not "when the scheduler started"), so their
# fire times are the same across restarts and the previous fire time is well defined.
DEFAULT_INTERVAL_ANCHOR = "2025-01-06T00:00:00"
_JOB_ID = re.compile(r"^[a-z][a-z0-9_\-]{0,62}$")
_ARG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)d)?\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*$")


class ScheduleError(ValueError):
    """A schedule file problem, as one line (file, job, what is wrong)."""


def parse_duration(value: Any, what: str = "duration") -> float:
    """Seconds from ``90``, ``"90s"``, ``"20m"``, ``"3h"``, ``"1d"`` or ``"1h30m"``."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number of seconds or a string like '20m', not {value!r}")
    if isinstance(value, (int, float)):
        secs = float(value)
    elif isinstance(value, str):
        m = _DURATION.match(value)
        if not value.strip() or not m or not any(m.groups()):
            raise ValueError(f"{what} {value!r} is not a duration (e.g. 90, '90s', '20m', '3h', '1h30m')")
        d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
        secs = d * 86400 + h * 3600 + mi * 60 + s
    else:
        raise ValueError(f"{what} must be a number of seconds or a string like '20m', not {value!r}")
    if secs <= 0:
        raise ValueError(f"{what} must be positive, got {value!r}")
    return secs


def _zone(name: Any) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ValueError("timezone must be an IANA name such as 'America/New_York'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r} (use an IANA name such as 'America/New_York')") from None


@dataclass(frozen=True)
class HealthPolicy:
    """When a run raises a ``source.alarm`` (schedules/health.py)."""

    failures_in_a_row: int = 3        # repeated_failure: this many failed/timed-out runs in a row
    empty_lookback: int = 10          # empty_run: zero items where one of the last N runs had some
    quarantine_min: int = 3           # quarantine_spike: at least this many quarantined documents ...
    quarantine_ratio: float = 0.5     # ... and at least this share of the run's documents ...
    quarantine_factor: float = 3.0    # ... and this many times the usual share over the last runs


@dataclass(frozen=True)
class Job:
    """One scheduled job (immutable; built by :func:`load_schedule`)."""

    id: str
    trigger_type: str                       # cron | interval
    trigger_fields: dict[str, Any]
    timezone: str
    timeout: float                          # seconds; the run's process group is killed after it
    misfire_grace: float                    # seconds a late fire may still run (APScheduler)
    kill_grace: float = 15.0                # seconds between SIGTERM and SIGKILL
    spider: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ()           # tracker argv without the leading "tracker"
    enabled: bool = True
    catchup: bool = True                    # run once after a restart when a window was missed
    description: str = ""
    interval_anchor: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def trigger(self) -> BaseTrigger:
        """A fresh APScheduler trigger for this job."""
        if self.trigger_type == "cron":
            return CronTrigger(timezone=self.tz, **self.trigger_fields)
        anchor = datetime.fromisoformat(self.interval_anchor or DEFAULT_INTERVAL_ANCHOR)
        if anchor.tzinfo is None:
            anchor = anchor.replace(tzinfo=self.tz)
        return IntervalTrigger(timezone=self.tz, start_date=anchor, **self.trigger_fields)

    def next_fire_times(self, after: datetime, count: int = 1) -> list[datetime]:
        """The next ``count`` fire times at or after ``after`` (aware datetimes in the job's zone)."""
        trig = self.trigger()
        out: list[datetime] = []
        t = trig.get_next_fire_time(None, _aware(after).astimezone(self.tz))
        while t is not None and len(out) < count:
            out.append(t)
            t = trig.get_next_fire_time(t, t)
        return out

    def previous_fire_time(self, now: datetime) -> datetime | None:
        """The last fire time at or before ``now`` (None if the trigger never fired), searching
        back in growing windows (an hourly job needs two steps, a weekly one a few hundred)."""
        now = _aware(now).astimezone(self.tz)
        trig = self.trigger()
        for window in (timedelta(hours=2), timedelta(days=2), timedelta(days=9), timedelta(days=40),
                       timedelta(days=400)):
            t = trig.get_next_fire_time(None, now - window)
            last = None
            steps = 0
            while t is not None and t <= now and steps < 20_000:
                last = t
                t = trig.get_next_fire_time(t, t)
                steps += 1
            if last is not None:
                return last
        return None

    def describe_trigger(self) -> str:
        fields = " ".join(f"{k}={v}" for k, v in self.trigger_fields.items())
        return f"{self.trigger_type}: {fields} ({self.timezone})"

    def describe_target(self) -> str:
        if self.spider:
            args = " ".join(f"-a {k}={v}" for k, v in self.args.items())
            return f"spider {self.spider}" + (f" {args}" if args else "")
        return "tracker " + shlex.join(self.command)


@dataclass(frozen=True)
class Schedule:
    jobs: tuple[Job, ...]
    health: HealthPolicy = HealthPolicy()
    max_concurrent: int = 3
    path: str | None = None

    def get(self, job_id: str) -> Job:
        """The job with this id; ``KeyError`` with a one-line message listing the known ids."""
        for j in self.jobs:
            if j.id == job_id:
                return j
        raise KeyError(f"no job {job_id!r} in {self.path or 'the schedule'} (known: {', '.join(j.id for j in self.jobs)})")

    @property
    def enabled_jobs(self) -> list[Job]:
        return [j for j in self.jobs if j.enabled]


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def schedule_path(path: str | Path | None = None) -> Path:
    """``path``, else ``TRACKER_SCHEDULE_FILE``, else the packaged ``schedules/schedule.toml``."""
    if path:
        return Path(path)
    from tracker.settings import get_settings
    configured = get_settings(fresh=True).schedule_file
    return Path(configured) if configured else DEFAULT_FILE


def load_schedule(path: str | Path | None = None) -> Schedule:
    """Read and validate a schedule file. Raises :class:`ScheduleError` (one line) on any problem."""
    p = schedule_path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScheduleError(f"{p}: schedule file not found") from None
    except OSError as exc:
        raise ScheduleError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{p}: not valid TOML: {exc}") from None
    return parse_schedule(raw, str(p))


def parse_schedule(raw: dict[str, Any], where: str = "schedule") -> Schedule:
    """Validate an already-parsed TOML document (see :func:`load_schedule`)."""
    unknown = set(raw) - {"scheduler", "health", "jobs"}
    if unknown:
        raise ScheduleError(f"{where}: unknown top-level table(s) {', '.join(sorted(unknown))} (scheduler, health, jobs)")
    sched = raw.get("scheduler", {}) or {}
    if not isinstance(sched, dict):
        raise ScheduleError(f"{where}: [scheduler] must be a table")
    bad = set(sched) - {"timezone", "max_concurrent", "kill_grace"}
    if bad:
        raise ScheduleError(f"{where}: [scheduler]: unknown key(s) {', '.join(sorted(bad))}")
    try:
        default_tz = sched.get("timezone")
        if default_tz is not None:
            _zone(default_tz)
        default_kill = parse_duration(sched.get("kill_grace", 15), "kill_grace")
        max_conc = sched.get("max_concurrent", 3)
        if not isinstance(max_conc, int) or isinstance(max_conc, bool) or not 1 <= max_conc <= 64:
            raise ValueError(f"max_concurrent must be an integer 1..64, got {max_conc!r}")
    except ValueError as exc:
        raise ScheduleError(f"{where}: [scheduler]: {exc}") from None
    health = _health(raw.get("health", {}) or {}, where)
    jobs_raw = raw.get("jobs")
    if not isinstance(jobs_raw, dict) or not jobs_raw:
        raise ScheduleError(f"{where}: no jobs: add [jobs.<id>] tables")
    jobs = []
    for job_id, spec in jobs_raw.items():
        try:
            jobs.append(_job(job_id, spec, default_tz, default_kill))
        except ValueError as exc:
            raise ScheduleError(f"{where}: job {job_id!r}: {exc}") from None
    return Schedule(tuple(jobs), health, max_conc, where)


def _health(spec: Any, where: str) -> HealthPolicy:
    if not isinstance(spec, dict):
        raise ScheduleError(f"{where}: [health] must be a table")
    known = HealthPolicy.__dataclass_fields__
    bad = set(spec) - set(known)
    if bad:
        raise ScheduleError(f"{where}: [health]: unknown key(s) {', '.join(sorted(bad))} (known: {', '.join(known)})")
    values = {}
    for k, v in spec.items():
        typ = type(getattr(HealthPolicy(), k))
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (typ is int and not isinstance(v, int)) or v <= 0:
            raise ScheduleError(f"{where}: [health]: {k} must be a positive {typ.__name__}, got {v!r}")
        values[k] = typ(v)
    return HealthPolicy(**values)


def _job(job_id: str, spec: Any, default_tz: str | None, default_kill: float) -> Job:
    if not _JOB_ID.match(job_id):
        raise ValueError("job ids are lower-case letters, digits, '_' or '-', starting with a letter")
    if not isinstance(spec, dict):
        raise ValueError("must be a table")
    bad = set(spec) - JOB_KEYS
    if bad:
        raise ValueError(f"unknown key(s) {', '.join(sorted(bad))} (known: {', '.join(sorted(JOB_KEYS))})")
    spider, command = spec.get("spider"), spec.get("command")
    if bool(spider) == bool(command):
        raise ValueError("needs exactly one of spider = \"NAME\" or command = \"tracker ...\"")
    argv: tuple[str, ...] = ()
    if spider is not None:
        if not isinstance(spider, str) or not _ARG_NAME.match(spider):
            raise ValueError(f"spider must be a spider name, got {spider!r}")
    else:
        if isinstance(command, str):
            try:
                words = shlex.split(command)
            except ValueError as exc:
                raise ValueError(f"command {command!r}: {exc}") from None
        elif isinstance(command, list) and all(isinstance(w, str) for w in command):
            words = list(command)
        else:
            raise ValueError("command must be a string such as \"tracker digest send --frequency daily\"")
        # Only tracker verbs: the schedule file must not become a way to run arbitrary programs.
        if len(words) < 2 or words[0] != "tracker":
            raise ValueError(f"command must start with 'tracker' and name a verb, got {command!r}")
        argv = tuple(words[1:])
    args = _str_table(spec.get("args", {}), "args", _ARG_NAME, "argument names are identifiers")
    settings = _str_table(spec.get("settings", {}), "settings", _SETTING_NAME, "Scrapy setting names are UPPER_CASE")
    if (args or settings) and not spider:
        raise ValueError("args and settings only apply to spider jobs")

    tz = spec.get("timezone", default_tz)
    if tz is None:
        raise ValueError("needs an explicit timezone (e.g. timezone = \"America/New_York\"); "
                         "the machine's local zone is never assumed")
    _zone(tz)
    has_cron, has_interval = "cron" in spec, "interval" in spec
    if has_cron == has_interval:
        raise ValueError("needs exactly one trigger: cron = {...} or interval = {...}")
    anchor = None
    if has_cron:
        ttype, fields = "cron", spec["cron"]
        if not isinstance(fields, dict) or not fields:
            raise ValueError("cron must be a table such as { day_of_week = \"mon-fri\", hour = \"9-23\", minute = 5 }")
        bad = set(fields) - set(CRON_FIELDS)
        if bad:
            raise ValueError(f"cron: unknown field(s) {', '.join(sorted(bad))} (known: {', '.join(CRON_FIELDS)})")
        dow = str(fields.get("day_of_week", ""))
        if re.search(r"\d", dow):
            # APScheduler 3 numbers Monday 0; crontab numbers Sunday 0. Names avoid the trap.
            raise ValueError(f"cron: day_of_week {dow!r}: use day names (mon, tue, ... sun), not numbers")
        fields = {k: (v if isinstance(v, int) and not isinstance(v, bool) else str(v)) for k, v in fields.items()}
    else:
        ttype, fields = "interval", spec["interval"]
        if not isinstance(fields, dict) or not fields:
            raise ValueError("interval must be a table such as { hours = 3 } (optionally start = \"2025-01-06T00:20:00\")")
        fields = dict(fields)
        anchor = fields.pop("start", None)
        bad = set(fields) - set(INTERVAL_FIELDS)
        if bad:
            raise ValueError(f"interval: unknown field(s) {', '.join(sorted(bad))} (known: {', '.join(INTERVAL_FIELDS)}, start)")
        for k, v in fields.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise ValueError(f"interval: {k} must be a non-negative number, got {v!r}")
        if sum(fields.values()) <= 0:
            raise ValueError("interval must be longer than zero")
        if anchor is not None:
            if isinstance(anchor, datetime):
                anchor = anchor.isoformat()
            try:
                datetime.fromisoformat(str(anchor))
            except ValueError:
                raise ValueError(f"interval: start {anchor!r} is not an ISO date-time") from None
            anchor = str(anchor)
    timeout = parse_duration(spec.get("timeout", "30m"), "timeout")
    misfire = parse_duration(spec.get("misfire_grace", "10m"), "misfire_grace")
    kill = parse_duration(spec.get("kill_grace", default_kill), "kill_grace")
    for flag in ("enabled", "catchup"):
        if flag in spec and not isinstance(spec[flag], bool):
            raise ValueError(f"{flag} must be true or false, got {spec[flag]!r}")
    desc = spec.get("description", "")
    if not isinstance(desc, str):
        raise ValueError("description must be a string")
    job = Job(id=job_id, trigger_type=ttype, trigger_fields=fields, timezone=tz, timeout=timeout,
              misfire_grace=misfire, kill_grace=kill, spider=spider, args=args, settings=settings, command=argv,
              enabled=spec.get("enabled", True), catchup=spec.get("catchup", True), description=desc,
              interval_anchor=anchor)
    try:
        job.trigger()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{ttype}: {' '.join(str(exc).split())}") from None
    return job


def _str_table(value: Any, name: str, pattern: re.Pattern[str], rule: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a table")
    out = {}
    for k, v in value.items():
        if not pattern.match(k):
            raise ValueError(f"{name}: bad name {k!r} ({rule})")
        if isinstance(v, bool):
            v = "True" if v else "False"
        elif isinstance(v, list):
            v = ",".join(str(x) for x in v)
        elif not isinstance(v, (str, int, float)):
            raise ValueError(f"{name}: {k} must be a string, number, boolean or list")
        out[k] = str(v)
    return out
