"""Source health: turn a finished run into ``source.alarm`` events (docs/event-kinds.md).

Three rules, checked after every run against that job's previous runs (thresholds in the schedule
file's ``[health]`` table, :class:`schedules.config.HealthPolicy`):

- ``empty_run``: a spider run with zero items where one of the last ``empty_lookback`` runs had
  some (a source that went dark, e.g. senate.gov answering 403, or a page whose layout changed so
  the spider finds no links). Recording nothing silently is the failure this catches.
- ``quarantine_spike``: at least ``quarantine_min`` documents quarantined, at least
  ``quarantine_ratio`` of the run's documents, and ``quarantine_factor`` times the job's usual
  share (a parser that stopped matching its source).
- ``repeated_failure``: ``failures_in_a_row`` failed or timed-out runs in a row (a run stopped by a
  scheduler shutdown is neither a failure nor a success and is skipped).

Alarms are keyed ``alarm:{job}:{reason}:{YYYY-MM-DD}`` (UTC day): one per job, reason and day; a
later run on the same day with the same problem adds nothing. An alarm stays *open* until the
job has an ``ok`` run after it (:func:`open_alarms`, shown by ``tracker status`` and digests).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.engine import get_engine
from db.records import EventRecord
from db.store import record
from schedules.config import HealthPolicy

CRAWL_RUN = SQLModel.metadata.tables["crawl_run"]
EVENT = SQLModel.metadata.tables["event"]
ALARM_KIND = "source.alarm"
_FAILED = ("failed", "timeout")
_SKIP = ("running", "killed")


def evaluate(run: dict[str, Any], history: list[dict[str, Any]], policy: HealthPolicy) -> list[tuple[str, str, dict[str, Any]]]:
    """Pure rule check. ``run`` and ``history`` (previous finished runs of the same job, newest
    first) are crawl_run rows as dicts. Returns ``(reason, title, details)`` for each alarm."""
    if run.get("status") in _SKIP:
        return []
    hist = [h for h in history if h.get("status") not in _SKIP]
    job = run["job"]
    out: list[tuple[str, str, dict[str, Any]]] = []

    if run.get("status") in _FAILED:
        streak = 1
        for h in hist:
            if h.get("status") not in _FAILED:
                break
            streak += 1
        if streak >= policy.failures_in_a_row:
            why = run.get("error_summary") or run.get("finish_reason") or run.get("status")
            out.append(("repeated_failure", f"{job} failed {streak} times in a row: {why}"[:300],
                        {"failures": streak, "last_status": run.get("status"), "finish_reason": run.get("finish_reason"),
                         "error_summary": run.get("error_summary")}))

    if run.get("spider") and int(run.get("items") or 0) == 0:
        recent = hist[:policy.empty_lookback]
        had = [h for h in recent if int(h.get("items") or 0) > 0]
        if had:
            last = had[0]
            out.append(("empty_run", f"{job} returned nothing (0 items; {last['items']} in run {last['id']})",
                        {"items": 0, "previous_items": int(last["items"]), "previous_run_id": last["id"],
                         "status": run.get("status"), "finish_reason": run.get("finish_reason"),
                         "error_summary": run.get("error_summary")}))

    q, d = int(run.get("quarantined") or 0), int(run.get("documents") or 0)
    if d > 0 and q >= policy.quarantine_min and q / d >= policy.quarantine_ratio:
        recent = [h for h in hist[:policy.empty_lookback] if int(h.get("documents") or 0) > 0]
        base_d = sum(int(h["documents"]) for h in recent)
        base = (sum(int(h.get("quarantined") or 0) for h in recent) / base_d) if base_d else 0.0
        if base == 0 or q / d >= policy.quarantine_factor * base:
            out.append(("quarantine_spike",
                        f"{job}: {q} of {d} documents quarantined (usually {base:.0%})",
                        {"quarantined": q, "documents": d, "share": round(q / d, 4), "usual_share": round(base, 4),
                         "error_summary": run.get("error_summary")}))
    return out


def _row(r: Any) -> dict[str, Any]:
    return dict(r._mapping)


def check_run(run_id: int, policy: HealthPolicy | None = None, *, url: str | None = None,
              now: datetime | None = None) -> list[str]:
    """Check one finished run and record its alarms. Returns the titles of alarms newly recorded."""
    policy = policy or HealthPolicy()
    eng = get_engine(url)
    depth = max(policy.empty_lookback, policy.failures_in_a_row) + 5
    with eng.connect() as conn:
        row = conn.execute(select(CRAWL_RUN).where(CRAWL_RUN.c.id == run_id)).first()
        if row is None:
            raise KeyError(f"no crawl_run {run_id}")
        run = _row(row)
        hist = [_row(r) for r in conn.execute(
            select(CRAWL_RUN).where(CRAWL_RUN.c.job == run["job"], CRAWL_RUN.c.id < run_id,
                                    CRAWL_RUN.c.status.notin_(_SKIP))
            .order_by(CRAWL_RUN.c.id.desc()).limit(depth))]
    found = evaluate(run, hist, policy)
    if not found:
        return []
    when = now or datetime.now(timezone.utc)
    day = when.astimezone(timezone.utc).date().isoformat()
    events = []
    with eng.connect() as conn:
        for reason, title, details in found:
            key = f"alarm:{run['job']}:{reason}:{day}"
            if conn.execute(select(EVENT.c.id).where(EVENT.c.key == key).limit(1)).first() is not None:
                continue  # one alarm per job, reason and day
            events.append(EventRecord(
                kind="source.alarm", key=key, title=title, occurred_at=when,
                data={"job": run["job"], "spider": run.get("spider"), "reason": reason, "details": details,
                      "run_id": run_id}))
    if events:
        record(events, engine=eng)
    return [e.title for e in events]


def open_alarms(*, url: str | None = None, days: int = 14, now: datetime | None = None) -> list[dict[str, Any]]:
    """Alarms of the last ``days`` days whose job has not had an ``ok`` run since (newest first)."""
    eng = get_engine(url)
    since = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    with eng.connect() as conn:
        alarms = conn.execute(select(EVENT.c.id, EVENT.c.key, EVENT.c.title, EVENT.c.recorded_at, EVENT.c.data)
                              .where(EVENT.c.kind == ALARM_KIND, EVENT.c.recorded_at >= since)
                              .order_by(EVENT.c.id.desc())).all()
        last_ok: dict[str, datetime] = {}
        for job, started in conn.execute(select(CRAWL_RUN.c.job, CRAWL_RUN.c.started_at)
                                         .where(CRAWL_RUN.c.status == "ok")):
            if job not in last_ok or started > last_ok[job]:
                last_ok[job] = started
    out = []
    seen: set[str] = set()
    for a in alarms:
        if a.key in seen:  # newest revision only
            continue
        seen.add(a.key)
        job = (a.data or {}).get("job")
        ok_at = last_ok.get(job)
        if ok_at is not None and ok_at > a.recorded_at:
            continue
        out.append({"id": a.id, "key": a.key, "job": job, "reason": (a.data or {}).get("reason"), "title": a.title,
                    "recorded_at": a.recorded_at, "run_id": (a.data or {}).get("run_id")})
    return out
