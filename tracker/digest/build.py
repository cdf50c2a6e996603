"""Select the events of one subscription's digest.

The window (GovTrack's ``last_event_mailed`` model, ../shared/REFERENCE.md "GovTrack"):

- events with ``mark < event.id <= upper`` where ``mark`` is the subscription's high-water mark
  (``subscription.last_event_mailed``, moved only after a successful send, by the outbox) and
  ``upper`` is ``max(event.id)`` when the run started. The window is by when the tracker *recorded*
  an event, not when it occurred: an old vote first recorded today is news today.
- capped backfill: only events recorded in the last ``max_age`` (7 days for a first digest or a daily
  one, 14 for a weekly one), and at most ``max_events`` of them; older or surplus events are skipped
  (the mark moves past them) and the digest says how many were left out. Archival loads never
  flood an inbox.
- what matches: followed bills, members (``event_member``), keywords (case-insensitive, in the title
  and in the text of ``data``: letter asks and excerpts, provision headers and excerpts...), all
  restricted to ``kinds`` when given; plus ``source.alarm`` events (the "data gaps" section). Only
  alarms is not a digest: empty digests are never sent.

The SQL is one query per subscription driven by the ``event`` id (rowid) range or the
``ix_event_recorded_at`` index (bench/bench_digest.py asserts the plan); keyword matches found by
SQL ``LIKE`` over the JSON text are confirmed in Python on the decoded values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Text, and_, cast, false, func, or_, select, true
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import db.models  # noqa: F401
from tracker.settings import Settings

EVENT = SQLModel.metadata.tables["event"]
EVENT_MEMBER = SQLModel.metadata.tables["event_member"]
VOTE_POSITION = SQLModel.metadata.tables["vote_position"]
MEMBER = SQLModel.metadata.tables["member"]

MAX_EVENTS = 2_000          # events read into one digest; beyond: "N more not shown"
FIRST_DIGEST_MAX_AGE = timedelta(days=7)
MAX_AGE = {"daily": timedelta(days=7), "weekly": timedelta(days=14), "instant": timedelta(days=2)}
ALARM = "source.alarm"
_SKIP_KEYS = frozenset({"url", "sources", "source_url", "formats", "member_id", "run_id"})

EVENT_COLS = (EVENT.c.id, EVENT.c.kind, EVENT.c.key, EVENT.c.revision, EVENT.c.occurred_at, EVENT.c.recorded_at,
              EVENT.c.bill_id, EVENT.c.title, EVENT.c.source_url, EVENT.c.data)


@dataclass
class EventRow:
    """One event of a digest, with why it matched (``bill``, ``member:ID``, ``keyword:TEXT``,
    ``kind``, ``alarm``)."""

    id: int
    kind: str
    key: str
    revision: int
    occurred_at: str | None
    recorded_at: datetime | None
    bill_id: str | None
    title: str
    source_url: str | None
    data: dict[str, Any]
    member_ids: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)


@dataclass
class Digest:
    """What one subscription's digest contains (before wording and rendering)."""

    subscription: dict[str, Any]
    now: datetime
    from_event: int                  # the mark it starts after (exclusive)
    to_event: int                    # the new mark once sent (inclusive)
    events: list[EventRow]           # matched events, oldest first (latest revision per key)
    alarms: list[EventRow]           # source.alarm events in the window ("data gaps")
    more: int = 0                    # matching events left out by the caps
    positions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # vote_id -> followed members' rows
    members: dict[str, dict[str, Any]] = field(default_factory=dict)          # bioguide -> member row

    @property
    def empty(self) -> bool:
        """No followed event: never mailed (alarms alone do not make a digest)."""
        return not self.events


def _aware(dt: datetime | None) -> datetime:
    if dt is None:
        return datetime.now(timezone.utc)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _kind_cond(kinds: list[str]):
    conds = []
    for k in kinds:
        if k.endswith(".*"):
            conds.append(EVENT.c.kind.like(k[:-1] + "%"))
        else:
            conds.append(EVENT.c.kind == k)
    return or_(*conds)


def _like_pattern(kw: str) -> str:
    return "%" + kw.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _json_safe(kw: str) -> bool:
    """A keyword appears verbatim in the stored JSON text only when JSON does not escape it
    (SQLAlchemy stores JSON with ensure_ascii: non-ASCII becomes \\uXXXX)."""
    return json.dumps(kw) == f'"{kw}"'


def max_age_for(sub: dict[str, Any]) -> timedelta:
    if not sub.get("last_event_mailed"):
        return FIRST_DIGEST_MAX_AGE
    return MAX_AGE.get(sub.get("frequency") or "daily", FIRST_DIGEST_MAX_AGE)


def follow_condition(sub: dict[str, Any], *, mark: int = 0, upper: int | None = None, dialect: str = "sqlite"):
    """The SQL condition for what ``sub`` follows (None when it follows nothing) within the id window.

    Keywords: SQLite's LIKE is already case-insensitive for ASCII, and only ASCII keywords reach SQL
    (see ``_json_safe``), so plain LIKE there (``lower()`` on every row doubled the cost); ILIKE on
    PostgreSQL."""
    if upper is None:
        upper = 2**62
    bills = list(sub.get("bills") or [])
    members = list(sub.get("members") or [])
    keywords = list(sub.get("keywords") or [])
    kinds = list(sub.get("kinds") or [])
    if sub.get("frequency") == "instant":
        # Instant mail is only for floor votes on followed bills.
        return and_(EVENT.c.kind == "vote.recorded", EVENT.c.bill_id.in_(bills)) if bills else None
    follows = []
    if bills:
        follows.append(EVENT.c.bill_id.in_(bills))
    if members:
        # One range of ix_event_member_member_event per member: (member_id, event_id in the window).
        follows.append(EVENT.c.id.in_(select(EVENT_MEMBER.c.event_id).where(
            EVENT_MEMBER.c.member_id.in_(members), EVENT_MEMBER.c.event_id > mark, EVENT_MEMBER.c.event_id <= upper)))
    for kw in keywords:
        if _json_safe(kw):
            pat = _like_pattern(kw)
            if dialect == "sqlite":
                follows.append(or_(EVENT.c.title.like(pat, escape="\\"), cast(EVENT.c.data, Text).like(pat, escape="\\")))
            else:
                follows.append(or_(EVENT.c.title.ilike(pat, escape="\\"),
                                   cast(EVENT.c.data, Text).ilike(pat, escape="\\")))
        else:
            follows.append(true())  # confirmed in Python (see _keyword_hits)
    if not follows and not kinds:
        return None
    cond = or_(*follows) if follows else true()
    if kinds:
        cond = and_(cond, _kind_cond(kinds))
    return cond


def selection_query(sub: dict[str, Any], *, mark: int, upper: int, cutoff: datetime, limit: int | None = None,
                    dialect: str = "sqlite"):
    """The one SQL query of a digest: the id window, the recorded_at age cap, the follows, alarms."""
    cond = follow_condition(sub, mark=mark, upper=upper, dialect=dialect)
    if cond is None:
        return None
    wanted = cond if sub.get("frequency") == "instant" else or_(cond, EVENT.c.kind == ALARM)
    q = (select(*EVENT_COLS)
         .where(EVENT.c.id > mark, EVENT.c.id <= upper, EVENT.c.recorded_at >= cutoff, wanted)
         .order_by(EVENT.c.id))
    if limit is not None:
        q = q.limit(limit)
    return q


def _texts(value: Any, out: list[str], key: str | None = None) -> None:
    if key in _SKIP_KEYS:
        return
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _texts(v, out, k)
    elif isinstance(value, list):
        for v in value:
            _texts(v, out)


def _keyword_hits(row: EventRow, keywords: list[str]) -> list[str]:
    if not keywords:
        return []
    parts = [row.title]
    _texts(row.data, parts)
    hay = "\n".join(parts).casefold()
    return [kw for kw in keywords if " ".join(kw.split()).casefold() in hay]


def _kind_ok(kind: str, kinds: list[str]) -> bool:
    return not kinds or any(kind == k or (k.endswith(".*") and kind.startswith(k[:-1])) for k in kinds)


def current_upper(conn: Connection) -> int:
    """``max(event.id)``: the end of every window built in this run."""
    return int(conn.execute(select(func.max(EVENT.c.id))).scalar() or 0)


def build_digest(conn: Connection, sub: dict[str, Any], *, now: datetime | None = None, upper: int | None = None,
                 max_events: int = MAX_EVENTS, settings: Settings | None = None) -> Digest:
    """Select ``sub``'s events for its next digest (nothing is written)."""
    now = _aware(now)
    mark = int(sub.get("last_event_mailed") or 0)
    if upper is None:
        upper = current_upper(conn)
    upper = max(upper, mark)
    cutoff = now - max_age_for(sub)
    digest = Digest(subscription=sub, now=now, from_event=mark, to_event=upper, events=[], alarms=[])
    q = selection_query(sub, mark=mark, upper=upper, cutoff=cutoff, dialect=conn.dialect.name)
    if q is None or upper <= mark:
        return digest
    bills = set(sub.get("bills") or [])
    members = set(sub.get("members") or [])
    keywords = list(sub.get("keywords") or [])
    kinds = list(sub.get("kinds") or [])
    instant = sub.get("frequency") == "instant"
    rows = [EventRow(**dict(r._mapping)) for r in conn.execute(q)]
    # Member links for the candidates (one query), to say why each matched and how members voted.
    if rows and members:
        by_id = {r.id: r for r in rows}
        ids = list(by_id)
        for i in range(0, len(ids), 500):
            for eid, mid in conn.execute(select(EVENT_MEMBER.c.event_id, EVENT_MEMBER.c.member_id)
                                         .where(EVENT_MEMBER.c.event_id.in_(ids[i:i + 500]),
                                                EVENT_MEMBER.c.member_id.in_(sorted(members)))):
                by_id[eid].member_ids.append(mid)
    latest: dict[str, EventRow] = {}
    alarms: dict[str, EventRow] = {}
    for r in rows:
        r.data = r.data or {}
        if r.kind == ALARM and not instant:
            alarms[r.key] = r
            if not kinds or not _kind_ok(r.kind, kinds):
                continue
        why: list[str] = []
        if instant:
            why.append("bill")
        else:
            if r.bill_id and r.bill_id in bills:
                why.append("bill")
            why.extend(f"member:{m}" for m in sorted(set(r.member_ids)))
            why.extend(f"keyword:{k}" for k in _keyword_hits(r, keywords))
            if not (bills or members or keywords):
                why.append("kind")
            if not why or not _kind_ok(r.kind, kinds):
                continue  # a SQL LIKE hit on JSON syntax or a URL, not on text
        r.matched = why
        latest.pop(r.key, None)  # a newer revision in the same window replaces the older one
        latest[r.key] = r
    matched = sorted(latest.values(), key=lambda e: e.id)
    if len(matched) > max_events:
        digest.more = len(matched) - max_events
        matched = matched[:max_events]
    digest.events = matched
    digest.alarms = sorted(alarms.values(), key=lambda e: e.id)
    _load_people(conn, digest, members)
    return digest


def _load_people(conn: Connection, digest: Digest, members: set[str]) -> None:
    """Followed members' names, and their positions on the digest's votes (vote_position rows)."""
    if not members:
        return
    for m in conn.execute(select(MEMBER.c.bioguide_id, MEMBER.c.lis_id, MEMBER.c.official_full, MEMBER.c.first_name,
                                 MEMBER.c.last_name, MEMBER.c.party, MEMBER.c.state, MEMBER.c.chamber)
                          .where(or_(MEMBER.c.bioguide_id.in_(sorted(members)),
                                     MEMBER.c.lis_id.in_(sorted(members))))).mappings():
        digest.members[m["bioguide_id"]] = dict(m)
        if m["lis_id"]:
            digest.members.setdefault(m["lis_id"], dict(m))
    vote_ids = sorted({str(e.data.get("vote_id")) for e in digest.events
                       if e.kind == "vote.recorded" and e.data.get("vote_id")})
    if not vote_ids:
        return
    q = (select(VOTE_POSITION.c.vote_id, VOTE_POSITION.c.member_id, VOTE_POSITION.c.bioguide_id,
                VOTE_POSITION.c.name, VOTE_POSITION.c.party, VOTE_POSITION.c.state, VOTE_POSITION.c.position)
         .where(VOTE_POSITION.c.vote_id.in_(vote_ids),
                or_(VOTE_POSITION.c.member_id.in_(sorted(members)), VOTE_POSITION.c.bioguide_id.in_(sorted(members))
                    if members else false()))
         .order_by(VOTE_POSITION.c.vote_id, VOTE_POSITION.c.member_id))
    for p in conn.execute(q).mappings():
        digest.positions.setdefault(p["vote_id"], []).append(dict(p))


__all__ = ["Digest", "EventRow", "build_digest", "selection_query", "current_upper", "follow_condition",
           "MAX_EVENTS", "max_age_for"]
