"""The one write path: ``record(items, document=...) -> Counts``.

Rules (../shared/DESIGN.md, "The event store"):

- A document whose sha256 is already stored as ``parsed`` is not parsed or written again; its
  events count as unchanged.
- Per natural key: identical content is a no-op; changed content appends a new revision (old
  revisions are kept); a new key inserts revision 1. An observation older than what is stored, whose
  content was already seen, is a no-op too (order independence: duplicated or shuffled delivery
  converges on the same current view).
- Everything for one document happens in one transaction: a crash leaves nothing half-written.
- Writes are batched (SQLAlchemy Core ``executemany``), never one ORM object at a time.
- Writers are serialised (SQLite: BEGIN IMMEDIATE; Postgres: a transaction-level advisory lock), so
  concurrent ingests never race on a key and event ids become visible in id order (digest
  high-water marks on ``event.id`` then never skip an event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers tables)
from db.engine import get_engine
from db.faults import point as _fault
from db.records import Counts, EntityRecord, EventRecord, canonical_json, iso, jsonable, sha256_hex

EVENT = SQLModel.metadata.tables["event"]
EVENT_MEMBER = SQLModel.metadata.tables["event_member"]
DOCUMENT = SQLModel.metadata.tables["source_document"]

_PG_EVENT_LOCK = 7_311_402_025  # pg_advisory_xact_lock key serialising event inserts
_CHUNK = 500


@dataclass
class DocumentIn:
    """A payload as fetched or read from disk."""

    body: bytes
    url: str | None = None
    media_type: str | None = None
    kind: str | None = None
    parser: str | None = None
    fetched_at: datetime | None = None

    @property
    def sha256(self) -> str:
        return sha256_hex(self.body)


@dataclass
class _Ctx:
    conn: Connection
    document_id: int | None
    observed_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def document_status(sha256: str, engine: Engine | None = None) -> str | None:
    """``parsed`` / ``quarantined`` / None for a payload hash: lets callers skip parsing."""
    eng = engine or get_engine()
    with eng.connect() as conn:
        return conn.execute(select(DOCUMENT.c.status).where(DOCUMENT.c.sha256 == sha256)).scalar()


def _expand(items: Iterable[Any], ctx: _Ctx) -> tuple[list[EventRecord], list[EntityRecord]]:
    events: list[EventRecord] = []
    entities: list[EntityRecord] = []

    def add(obj: Any) -> None:
        if isinstance(obj, EventRecord):
            events.append(obj)
        elif isinstance(obj, EntityRecord):
            entities.append(obj)
        elif hasattr(obj, "to_records"):
            for sub in obj.to_records(ctx):
                add(sub)
        elif isinstance(obj, (list, tuple)):
            for sub in obj:
                add(sub)
        else:
            raise TypeError(f"cannot record {type(obj).__name__}: expected EventRecord, EntityRecord or an item with to_records()")

    for it in items:
        add(it)
    return events, entities


def record(items: Iterable[Any], *, document: DocumentIn | None = None, engine: Engine | None = None,
           observed_at: datetime | None = None) -> Counts:
    """Record items (and the document they came from) in one transaction. Returns counts.

    ``items`` are :class:`EventRecord`, :class:`EntityRecord`, or objects with
    ``to_records(ctx)`` (``ctx.conn`` is the open connection, ``ctx.document_id``, ``ctx.observed_at``).
    Raises on invalid items; nothing is written then (the caller quarantines the document).
    """
    eng = engine or get_engine()
    obs = _aware(observed_at) or _aware(document.fetched_at if document else None) or _now()
    counts = Counts(documents=1 if document is not None else 0)
    with eng.begin() as conn:
        _serialise(conn)
        doc_id = None
        if document is not None:
            sha = document.sha256
            row = conn.execute(select(DOCUMENT.c.id, DOCUMENT.c.status, DOCUMENT.c.event_count)
                               .where(DOCUMENT.c.sha256 == sha)).first()
            if row is not None and row.status == "parsed":
                counts.unchanged += row.event_count
                counts.skipped += 1
                return counts
            values = dict(url=document.url, media_type=document.media_type, size=len(document.body),
                          kind=document.kind, parser=document.parser, fetched_at=_aware(document.fetched_at) or obs,
                          recorded_at=_now(), status="parsed", error=None, content=document.body)
            if row is not None:  # previously quarantined: a fixed parser may read it now
                conn.execute(update(DOCUMENT).where(DOCUMENT.c.id == row.id).values(**values))
                doc_id = row.id
            else:
                doc_id = conn.execute(insert(DOCUMENT).values(sha256=sha, **values).returning(DOCUMENT.c.id)).scalar_one()
        ctx = _Ctx(conn, doc_id, obs)
        events, entities = _expand(items, ctx)
        _write_entities(conn, entities, obs)
        _fault("store.after_entities")
        ins, upd, same = _write_events(conn, events, doc_id, obs)
        counts.inserted += ins
        counts.updated += upd
        counts.unchanged += same
        if doc_id is not None:
            conn.execute(update(DOCUMENT).where(DOCUMENT.c.id == doc_id).values(event_count=len(events)))
        _fault("store.before_commit")
    return counts


def quarantine(document: DocumentIn, error: str, *, engine: Engine | None = None) -> Counts:
    """Store a payload that could not be read, with a one-line reason. Never raises on a duplicate."""
    eng = engine or get_engine()
    reason = " ".join(str(error).split())[:1000] or "unreadable"
    sha = document.sha256
    with eng.begin() as conn:
        _serialise(conn)
        row = conn.execute(select(DOCUMENT.c.id, DOCUMENT.c.status).where(DOCUMENT.c.sha256 == sha)).first()
        values = dict(url=document.url, media_type=document.media_type, size=len(document.body), kind=document.kind,
                      parser=document.parser, fetched_at=_aware(document.fetched_at) or _now(), recorded_at=_now(),
                      status="quarantined", error=reason, content=document.body, event_count=0)
        if row is None:
            conn.execute(insert(DOCUMENT).values(sha256=sha, **values))
        elif row.status != "parsed":
            conn.execute(update(DOCUMENT).where(DOCUMENT.c.id == row.id).values(**values))
    return Counts(quarantined=1, documents=1, errors=[reason])


def _serialise(conn: Connection) -> None:
    """Writers take turns: SQLite already does (BEGIN IMMEDIATE); on Postgres a transaction-level
    advisory lock makes concurrent writers of the same document or key queue instead of racing to a
    unique violation, and makes event ids visible in id order (digest high-water marks)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_PG_EVENT_LOCK)))


# --- events --------------------------------------------------------------------------------------

def _dedupe(events: list[EventRecord]) -> dict[str, tuple[EventRecord, str]]:
    """One record per key within a batch (the last one wins; identical repeats collapse)."""
    out: dict[str, tuple[EventRecord, str]] = {}
    for ev in events:
        if not ev.key or not ev.kind or not ev.title:
            raise ValueError(f"event needs kind, key and title: {ev.kind!r} {ev.key!r}")
        if ev.sources:
            srcs = sorted(set(ev.sources) | ({ev.source_url} if ev.source_url else set()))
            ev.data = {**ev.data, "sources": srcs}
        ev.data = jsonable(ev.data)
        out[ev.key] = (ev, ev.content_hash())
    return out


def _existing(conn: Connection, keys: list[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i:i + _CHUNK]
        rows = conn.execute(select(EVENT.c.key, EVENT.c.revision, EVENT.c.content_hash, EVENT.c.observed_at,
                                   EVENT.c.data)
                            .where(EVENT.c.key.in_(chunk))).all()
        for r in rows:
            found.setdefault(r.key, []).append(r)
    return found


def _merge_sources(ev: EventRecord, revs: list[Any]) -> None:
    """A cross-posted letter: keep every source seen so far for the key."""
    if "sources" not in ev.data:
        return
    seen = set(ev.data["sources"])
    for r in revs:
        seen.update((r.data or {}).get("sources", []))
    ev.data = {**ev.data, "sources": sorted(seen)}


def _write_events(conn: Connection, events: list[EventRecord], doc_id: int | None,
                  obs: datetime) -> tuple[int, int, int]:
    if not events:
        return 0, 0, 0
    batch = _dedupe(events)
    existing = _existing(conn, list(batch))
    now = _now()
    rows: list[dict[str, Any]] = []
    members: list[tuple[int, tuple[str, ...]]] = []
    confirm: list[dict[str, Any]] = []
    inserted = updated = unchanged = 0
    for key, (ev, h) in batch.items():
        revs = existing.get(key, [])
        if revs and "sources" in ev.data:
            _merge_sources(ev, revs)
            h = ev.content_hash()
        if revs:
            current = max(revs, key=lambda r: (_aware(r.observed_at) or obs, r.revision))
            if current.content_hash == h:
                unchanged += 1
                if (_aware(current.observed_at) or obs) < obs:
                    # Same content confirmed later: the current revision is current as of `obs`
                    # (otherwise a late, older observation of other content could overtake it).
                    confirm.append({"k": key, "r": current.revision, "o": obs})
                continue
            if any(r.content_hash == h and (_aware(r.observed_at) or obs) >= obs for r in revs):
                unchanged += 1  # a stale duplicate of something already recorded
                continue
            revision = max(r.revision for r in revs) + 1
            updated += 1
        else:
            revision = 1
            inserted += 1
        occ = _aware(ev.occurred_at)
        rows.append(dict(kind=ev.kind, key=key, revision=revision, occurred_at=iso(ev.occurred_at),
                         occurred_utc=occ, recorded_at=now, observed_at=obs, bill_id=ev.bill_id,
                         title=ev.title, source_url=ev.source_url, content_hash=h, data=ev.data,
                         document_id=doc_id))
        members.append((len(rows) - 1, tuple(dict.fromkeys(m for m in ev.member_ids if m))))
    if confirm:
        from sqlalchemy import bindparam
        conn.execute(update(EVENT).where(EVENT.c.key == bindparam("k"), EVENT.c.revision == bindparam("r"))
                     .values(observed_at=bindparam("o")), confirm)
    if rows:
        # Plain executemany (RETURNING with guaranteed order degrades to row-at-a-time on SQLite),
        # then one indexed lookup per chunk for the new ids.
        _bulk(conn, EVENT, rows, None)
        need = [(rows[i]["key"], rows[i]["revision"], ms) for i, ms in members if ms]
        if need:
            wanted = {(k, r) for k, r, _ in need}
            ids: dict[tuple[str, int], int] = {}
            keys = sorted({k for k, _, _ in need})
            for i in range(0, len(keys), _CHUNK):
                for k, r, eid in conn.execute(select(EVENT.c.key, EVENT.c.revision, EVENT.c.id)
                                              .where(EVENT.c.key.in_(keys[i:i + _CHUNK]))):
                    if (k, r) in wanted:
                        ids[(k, r)] = eid
            _bulk(conn, EVENT_MEMBER, [{"event_id": ids[(k, r)], "member_id": m} for k, r, ms in need for m in ms], None)
    return inserted, updated, unchanged


# --- entities ------------------------------------------------------------------------------------

_SQL_CACHE: dict[tuple, tuple[str, list[Any]]] = {}


def _bulk_sql(conn: Connection, table: Any, cols: tuple[str, ...], key_cols: tuple[str, ...] | None,
              defaulted: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
    """INSERT [... ON CONFLICT DO UPDATE] for ``cols`` in the driver's paramstyle, plus the columns'
    bind processors (the same ones SQLAlchemy uses, so stored values are identical). Cached."""
    dialect = conn.dialect
    ck = (dialect.name, table.name, cols, key_cols, defaulted)
    hit = _SQL_CACHE.get(ck)
    if hit is not None:
        return hit
    q = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in cols)}) "
           f"VALUES ({', '.join(mark for _ in cols)})")
    if key_cols is not None:
        updates = [c for c in cols if c not in key_cols and c not in defaulted]
        target = ", ".join(q(c) for c in key_cols)
        if not updates:
            sql += f" ON CONFLICT ({target}) DO NOTHING"
        else:
            sql += f" ON CONFLICT ({target}) DO UPDATE SET " + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in updates)
            if "observed_at" in table.c and "observed_at" in cols:
                t = q(table.name)
                sql += f" WHERE {t}.observed_at IS NULL OR {t}.observed_at <= excluded.observed_at"
    procs = [table.c[c].type._cached_bind_processor(dialect) for c in cols]
    _SQL_CACHE[ck] = (sql, procs)
    return sql, procs


def _bulk(conn: Connection, table: Any, rows: list[dict[str, Any]], key_cols: tuple[str, ...] | None) -> None:
    """executemany straight through the driver (SQLAlchemy's per-row parameter handling was most of
    the cost of recording a 435-member House vote)."""
    if not rows:
        return
    present = set().union(*(r.keys() for r in rows))
    unknown = [c for c in present if c not in table.c]
    if unknown:
        raise ValueError(f"unknown column(s) {sorted(unknown)} for table {table.name!r}")
    # Columns the rows leave out but the model gives a default: inserted with it, never updated.
    defaulted = tuple(sorted(c.name for c in table.c if c.default is not None and c.name not in present))
    cols = tuple(sorted(present)) + defaulted
    sql, procs = _bulk_sql(conn, table, cols, key_cols, defaulted)
    defaults = {}
    for name in defaulted:
        d = table.c[name].default
        defaults[name] = d.arg(None) if d.is_callable else d.arg
    # Column by column: one list comprehension per column, and each distinct value processed once
    # (observed_at, vote_id, party... repeat across a vote's hundreds of position rows).
    columns = []
    for c, p in zip(cols, procs):
        d = defaults.get(c)
        vals = [r.get(c, d) for r in rows]
        if p is not None:
            memo: dict[Any, Any] = {}
            out = []
            for v in vals:
                k = (v.__class__, v)  # True and 1 are equal keys otherwise (JSON "true" vs "1")
                try:
                    out.append(memo[k])
                except KeyError:
                    memo[k] = pv = p(v)
                    out.append(pv)
                except TypeError:  # unhashable (dict/list for JSON columns)
                    out.append(p(v))
            vals = out
        columns.append(vals)
    params = list(zip(*columns))
    for i in range(0, len(params), _CHUNK * 4):
        conn.exec_driver_sql(sql, params[i:i + _CHUNK * 4])


def _write_entities(conn: Connection, entities: list[EntityRecord], obs: datetime) -> None:
    tables = SQLModel.metadata.tables
    for ent in entities:
        table = tables.get(ent.table)
        if table is None:
            raise ValueError(f"unknown entity table {ent.table!r}")
        has_obs = "observed_at" in table.c
        rows = [({**r, "observed_at": obs} if has_obs and "observed_at" not in r else r) for r in ent.rows]
        if ent.replace:
            cond = and_(*(table.c[k] == v for k, v in ent.replace.items()))
            if has_obs:
                newest = conn.execute(select(func.max(table.c.observed_at)).where(cond)).scalar()
                if newest is not None and _aware(_as_dt(newest)) > obs:
                    continue  # a newer observation already replaced this set
            conn.execute(delete(table).where(cond))
            _bulk(conn, table, rows, None)
        elif rows:
            _bulk(conn, table, rows, tuple(ent.key_cols))


def _as_dt(v: Any) -> datetime:
    return datetime.fromisoformat(v) if isinstance(v, str) else v


__all__ = ["record", "quarantine", "document_status", "DocumentIn", "Counts", "EventRecord", "EntityRecord",
           "canonical_json"]
