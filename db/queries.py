"""Read queries shared by the CLI, the HTTP API, exports and digests."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import db.models  # noqa: F401

EVENT = SQLModel.metadata.tables["event"]
EVENT_MEMBER = SQLModel.metadata.tables["event_member"]

EVENT_FIELDS = ("id", "kind", "key", "occurred_at", "recorded_at", "bill_id", "member_ids", "title",
                "source_url", "revision", "data")


def parse_when(value: str | None) -> datetime | None:
    """ISO date or datetime -> aware UTC datetime (a date means midnight UTC). Raises ValueError."""
    if value is None or value == "":
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO date or datetime: {value!r} (e.g. 2025-07-01 or 2025-07-01T12:00:00-04:00)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def member_ids_of(conn: Connection, event_ids: list[int]) -> dict[int, list[str]]:
    """``event id -> sorted member ids`` for the given events (one query per 500 ids)."""
    members: dict[int, list[str]] = {i: [] for i in event_ids}
    for i in range(0, len(event_ids), 500):
        for eid, mid in conn.execute(select(EVENT_MEMBER.c.event_id, EVENT_MEMBER.c.member_id)
                                     .where(EVENT_MEMBER.c.event_id.in_(event_ids[i:i + 500]))
                                     .order_by(EVENT_MEMBER.c.event_id, EVENT_MEMBER.c.member_id)):
            members[eid].append(mid)
    return members


def select_events(conn: Connection, *, kind: list[str] | str | None = None, bill: str | None = None,
                  member: str | None = None, since: datetime | None = None, until: datetime | None = None,
                  after_id: int | None = None, limit: int | None = 100, offset: int = 0,
                  by: str = "occurred", order: str = "asc") -> list[dict[str, Any]]:
    """Events matching the filters as dicts with ``EVENT_FIELDS``.

    ``since``/``until`` apply to ``occurred_utc`` (``by="occurred"``) or ``recorded_at``
    (``by="recorded"``). ``kind`` matches exactly or by prefix when it ends with ``.*``/``.``.
    """
    q = select(EVENT)
    kinds = [kind] if isinstance(kind, str) else list(kind or [])
    if kinds:
        conds = []
        for k in kinds:
            if k.endswith(".*") or k.endswith("."):
                conds.append(EVENT.c.kind.like(k.rstrip("*").rstrip(".") + ".%"))
            else:
                conds.append(EVENT.c.kind == k)
        from sqlalchemy import or_
        q = q.where(or_(*conds))
    if bill:
        q = q.where(EVENT.c.bill_id == bill)
    if member:
        q = q.where(EVENT.c.id.in_(select(EVENT_MEMBER.c.event_id).where(EVENT_MEMBER.c.member_id == member)))
    col = EVENT.c.occurred_utc if by == "occurred" else EVENT.c.recorded_at
    if since:
        q = q.where(col >= since)
    if until:
        q = q.where(col < until)
    if after_id is not None:
        q = q.where(EVENT.c.id > after_id)
    if order == "desc":
        q = q.order_by(col.desc(), EVENT.c.id.desc())
    else:
        q = q.order_by(col.asc(), EVENT.c.id.asc())
    if limit is not None:
        q = q.limit(limit)
    if offset:
        q = q.offset(offset)
    rows = conn.execute(q).mappings().all()
    members = member_ids_of(conn, [r["id"] for r in rows])
    out = []
    for r in rows:
        out.append({
            "id": r["id"], "kind": r["kind"], "key": r["key"], "occurred_at": r["occurred_at"],
            "recorded_at": r["recorded_at"].isoformat() if r["recorded_at"] else None,
            "bill_id": r["bill_id"], "member_ids": members[r["id"]], "title": r["title"],
            "source_url": r["source_url"], "revision": r["revision"], "data": r["data"],
        })
    return out
