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

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import is_, itemgetter
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers tables)
from db.engine import driver_execute as _x
from db.engine import get_engine
from db.faults import point as _fault
from db.records import Counts, EntityRecord, EventRecord, canonical_json, iso, sha256_hex
from db.search import index_events

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

    _sha: tuple[bytes, str] | None = field(default=None, repr=False, compare=False)

    @property
    def sha256(self) -> str:
        """The payload's hash, computed once per body (batch ingest asks for it before and while
        recording; a 9 MB bill text is not hashed twice). A replaced body is hashed again."""
        if self._sha is None or self._sha[0] is not self.body:
            self._sha = (self.body, sha256_hex(self.body))
        return self._sha[1]


@dataclass
class _Ctx:
    conn: Connection
    document_id: int | None
    observed_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)   # this document's meta (importer options)
    shared: dict[str, Any] = field(default_factory=dict)  # caches shared by a batch's documents


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


def document_statuses(shas: list[str], engine: Engine | None = None) -> dict[str, str]:
    """``{sha256: status}`` for the payload hashes already stored (one query per 500)."""
    eng = engine or get_engine()
    out: dict[str, str] = {}
    with eng.connect() as conn:
        for i in range(0, len(shas), _CHUNK):
            chunk = tuple(shas[i:i + _CHUNK])
            for sha, status in _x(conn, "SELECT sha256, status FROM source_document WHERE sha256 IN " + _in(len(chunk)),
                                  chunk):
                out[sha] = status
    return out


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
    out = record_many([(items, document)], engine=engine, observed_at=observed_at)[0]
    if isinstance(out, BaseException):
        raise out
    return out


def record_many(entries: Iterable[tuple[Iterable[Any], DocumentIn | None]], *, engine: Engine | None = None,
                observed_at: datetime | None = None) -> list[Counts | Exception]:
    """Record several documents in ONE transaction, each of them all or nothing inside it.

    ``entries`` are ``(items, document)`` pairs as for :func:`record`. Each document is written under
    its own SAVEPOINT: a document whose items are invalid (or that the database refuses, e.g. a
    constraint) is rolled back alone and its slot in the returned list holds the exception (the
    caller quarantines it); the others are kept. Database failures (locked past the timeout,
    connection lost) abort the whole batch and raise: nothing of it is written.

    One commit for many documents is what makes bulk loads fast: a House roll call touches the same
    member-index pages as the previous one, and committing per document rewrote all of them to the
    WAL every time. A crash mid-batch loses the uncommitted batch, never half a document; the files
    or responses are still there to be read again (``tracker ingest``'s batches are files on disk).
    """
    eng = engine or get_engine()
    out: list[Counts | Exception] = []
    with eng.connect() as conn, _subjournal_in_memory(conn), conn.begin():
        _serialise(conn)
        shared: dict[str, Any] = {}
        # The per-document SAVEPOINT goes straight through the DBAPI cursor of the transaction:
        # SQLAlchemy's begin_nested() compiles a new savepoint clause (a new name) per document,
        # ~0.15 ms a document for two one-word statements. A failure other than an operational one
        # is rolled back to the savepoint here; an operational one (or a failed rollback) aborts
        # the batch: the transaction block around this loop rolls everything back.
        cur = conn.connection.cursor()
        try:
            for items, document in entries:
                cur.execute("SAVEPOINT record_document")
                try:
                    counts = _record_one(conn, items, document, observed_at, shared)
                except Exception as exc:
                    if _is_operational(exc):
                        raise
                    cur.execute("ROLLBACK TO SAVEPOINT record_document")
                    cur.execute("RELEASE SAVEPOINT record_document")
                    out.append(exc)
                    continue
                cur.execute("RELEASE SAVEPOINT record_document")
                out.append(counts)
        finally:
            cur.close()
        _fault("store.before_commit")
    return out


@contextmanager
def _subjournal_in_memory(conn: Connection) -> Iterator[None]:
    """SQLite: keep the savepoint journal of the write transaction about to begin in memory.

    Inside a SAVEPOINT (one per document), SQLite first copies every existing page a statement
    modifies to a sub-journal, a temporary file by default: the position and member-link indexes
    a roll call touches are hundreds of pages per document. On the 300 roll calls of the
    ``vote_ingest`` benchmark that was ~95,000 pwrite() calls (strace: 112k -> 17.5k) and ~0.07 s of
    ~1.4 s. ``temp_store`` is read when a transaction begins, so it is set on the pooled connection
    before BEGIN and put back after COMMIT (other uses of the connection keep the default). Nothing
    stored changes; the sub-journal only serves ROLLBACK TO inside the open transaction (a crash
    loses the uncommitted batch either way). Memory: at most the pages one document modifies."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection  # no autobegin: the transaction has not started yet
    prev = raw.execute("PRAGMA temp_store").fetchone()[0]
    if prev == 2:
        yield
        return
    raw.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        try:
            raw.execute(f"PRAGMA temp_store = {int(prev)}")
        except Exception:  # noqa: BLE001 - a broken connection must not go back to the pool as is
            conn.invalidate()


def _is_operational(exc: BaseException) -> bool:
    """The database failed (not the document): locked past the timeout, connection lost. Matches
    SQLAlchemy's wrappers and the DB-API classes of either driver (raw cursors raise those)."""
    return any(c.__name__ in ("OperationalError", "InterfaceError") for c in type(exc).__mro__)


def _record_one(conn: Connection, items: Iterable[Any], document: DocumentIn | None,
                observed_at: datetime | None, shared: dict[str, Any]) -> Counts:
    obs = _aware(observed_at) or _aware(document.fetched_at if document else None) or _now()
    counts = Counts(documents=1 if document is not None else 0)
    doc_id = None
    if document is not None:
        sha = document.sha256
        row = _x(conn, "SELECT id, status, event_count FROM source_document WHERE sha256 = ?", (sha,)).fetchone()
        if row is not None and row[1] == "parsed":
            counts.unchanged += row[2]
            counts.skipped += 1
            return counts
        values = dict(url=document.url, media_type=document.media_type, size=len(document.body),
                      kind=document.kind, parser=document.parser, fetched_at=_aware(document.fetched_at) or obs,
                      recorded_at=_now(), status="parsed", error=None, content=document.body)
        if row is not None:  # previously quarantined: a fixed parser may read it now
            conn.execute(update(DOCUMENT).where(DOCUMENT.c.id == row[0]).values(**values))
            doc_id = row[0]
        else:
            doc_id = _insert_returning_id(conn, DOCUMENT, dict(sha256=sha, **values))
    ctx = _Ctx(conn, doc_id, obs, shared=shared)
    events, entities = _expand(items, ctx)
    if any(e.table == "member" for e in entities):
        shared.clear()  # batch caches built from the member table (resolvers) are stale now
    _write_entities(conn, entities, obs)
    _fault("store.after_entities")
    ins, upd, same = _write_events(conn, events, doc_id, obs)
    counts.inserted += ins
    counts.updated += upd
    counts.unchanged += same
    if doc_id is not None:
        _x(conn, "UPDATE source_document SET event_count = ? WHERE id = ?", (len(events), doc_id))
    return counts


def _insert_returning_id(conn: Connection, table: Any, row: dict[str, Any]) -> int:
    """INSERT one row (the columns' own bind processing, model defaults) and return its id.
    Through the DBAPI cursor as the other statements of the write path (exec_driver_sql's
    wrapping was ~20 us of every recorded document)."""
    cols, sql, params = _bulk_params(conn, table, [row], None)
    if conn.dialect.name == "sqlite":
        return _x(conn, sql, params[0]).lastrowid
    return _x(conn, sql + " RETURNING id", params[0]).fetchone()[0]


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

def _dedupe(events: list[EventRecord]) -> dict[str, tuple[EventRecord, str, str]]:
    """One record per key within a batch (the last one wins; identical repeats collapse).
    Values: (record with JSON-normalised data, content hash, canonical data JSON)."""
    out: dict[str, tuple[EventRecord, str, str]] = {}
    for ev in events:
        if not ev.key or not ev.kind or not ev.title:
            raise ValueError(f"event needs kind, key and title: {ev.kind!r} {ev.key!r}")
        if ev.sources:
            srcs = sorted(set(ev.sources) | ({ev.source_url} if ev.source_url else set()))
            ev.data = {**ev.data, "sources": srcs}
        data_json = canonical_json(ev.data)
        ev.data = json.loads(data_json)  # what is stored is what is hashed (tuples -> lists, dates -> text)
        out[ev.key] = (ev, ev.content_hash(), data_json)
    return out


_EVENT_COLS = ("kind", "key", "revision", "occurred_at", "occurred_utc", "recorded_at", "observed_at", "bill_id",
               "title", "source_url", "content_hash", "data", "document_id")


def _apply(proc: Any, value: Any) -> Any:
    return proc(value) if proc is not None and value is not None else value


def _in(n: int) -> str:
    return "(" + ", ".join("?" * n) + ")"


def _existing(conn: Connection, keys: list[str]) -> dict[str, list[_Rev]]:
    found: dict[str, list[_Rev]] = {}
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i:i + _CHUNK]
        rows = _x(conn, 'SELECT "key", revision, content_hash, observed_at, data FROM event WHERE "key" IN '
                  + _in(len(chunk)), tuple(chunk))
        for k, rev, h, o, data in rows:
            found.setdefault(k, []).append(_Rev(rev, h, _aware(_as_dt(o)) if o is not None else None, data))
    return found


@dataclass
class _Rev:
    """A stored revision of an event key (what the write path compares a new record with)."""

    revision: int
    content_hash: str
    observed_at: datetime | None
    raw_data: Any

    @property
    def data(self) -> dict[str, Any]:
        d = self.raw_data
        return json.loads(d) if isinstance(d, (str, bytes)) else (d or {})


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
    rows: list[tuple] = []
    members: list[tuple[int, tuple[str, ...]]] = []
    confirm: list[dict[str, Any]] = []
    inserted = updated = unchanged = 0
    sql, procs = _bulk_sql(conn, EVENT, _EVENT_COLS, None)
    p_utc, p_rec, p_obs, p_data = (procs[_EVENT_COLS.index(c)] for c in ("occurred_utc", "recorded_at",
                                                                         "observed_at", "data"))
    recorded, observed = _apply(p_rec, now), _apply(p_obs, obs)
    sqlite = conn.dialect.name == "sqlite"
    for key, (ev, h, data_json) in batch.items():
        revs = existing.get(key, [])
        if revs and "sources" in ev.data:
            _merge_sources(ev, revs)
            h, data_json = ev.content_hash(), canonical_json(ev.data)
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
        # In _EVENT_COLS order. SQLite stores the canonical JSON text as is (JSON's own bind
        # processor would serialise the same data again); Postgres gets it through JSONB's.
        rows.append((ev.kind, key, revision, iso(ev.occurred_at), _apply(p_utc, _aware(ev.occurred_at)), recorded,
                     observed, ev.bill_id, ev.title, ev.source_url, h, data_json if sqlite else _apply(p_data, ev.data),
                     doc_id))
        members.append((len(rows) - 1, tuple(dict.fromkeys(filter(None, ev.member_ids)))))
    if confirm:
        from sqlalchemy import bindparam
        conn.execute(update(EVENT).where(EVENT.c.key == bindparam("k"), EVENT.c.revision == bindparam("r"))
                     .values(observed_at=bindparam("o")), confirm)
    if rows:
        # Plain executemany (RETURNING with guaranteed order degrades to row-at-a-time on SQLite),
        # then one indexed lookup per chunk for the new ids: member links and the search index.
        _executemany(conn, sql, rows)
        wanted = {(r[1], r[2]) for r in rows}
        ids: dict[tuple[str, int], int] = {}
        keys = sorted({k for k, _ in wanted})
        for i in range(0, len(keys), _CHUNK):
            chunk = tuple(keys[i:i + _CHUNK])
            for k, r, eid in _x(conn, 'SELECT "key", revision, id FROM event WHERE "key" IN ' + _in(len(chunk)),
                                chunk):
                if (k, r) in wanted:
                    ids[(k, r)] = eid
        _write_links(conn, [(ids[(rows[i][1], rows[i][2])], ms) for i, ms in members if ms])
        index_events(conn, sorted(ids.values()))
    return inserted, updated, unchanged


# event_member rows of a document in one statement: the member ids of each event travel as one
# array (SQLite: JSON text read by json_each; Postgres: two arrays zipped by unnest), so a House
# roll call's 435 links are not 435 bound parameter rows. Measured on SQLite 3.40, 63,500 links of
# 300 roll calls: 0.17 s with executemany, 0.13 s this way (0.08 s with the journal in memory).
# Rows go in in the same order as before (events in order, each event's members in order). Not
# used for vote_position: with nine columns per row, json_each measured no faster than executemany.
_LINKS_SQL = {
    # MATERIALIZED: each event's id and member array are read once, not once per member row.
    "sqlite": ("WITH l AS MATERIALIZED (SELECT json_extract(value, '$[0]') AS event_id, "
               "json_extract(value, '$[1]') AS members FROM json_each(?)) "
               "INSERT INTO event_member (event_id, member_id) SELECT l.event_id, m.value "
               "FROM l, json_each(l.members) AS m"),
    "postgresql": ("INSERT INTO event_member (event_id, member_id) SELECT l.event_id, l.member_id "
                   "FROM unnest(?::bigint[], ?::text[]) AS l(event_id, member_id)"),
}
_STR = {str}
_TUPLE = {tuple}


def _write_links(conn: Connection, links: list[tuple[int, tuple[str, ...]]]) -> None:
    """Insert the ``event_member`` rows ``(event_id, member_id) for member_id in members`` of each
    ``(event_id, members)``. Member ids that are not plain strings, or (SQLite) that JSON would
    have to escape, go through executemany as before, so every value is bound exactly as it was."""
    if not links:
        return
    name = conn.dialect.name
    if name in _LINKS_SQL and all(type(e) is int and set(map(type, ms)) <= _STR for e, ms in links):
        if name == "sqlite":
            payload = json.dumps(links, ensure_ascii=False, separators=(",", ":"))
            if "\\" not in payload:  # nothing escaped: json_each gives back exactly these strings
                _x(conn, _LINKS_SQL[name], (payload,))
                return
        else:
            _x(conn, _LINKS_SQL[name], ([e for e, ms in links for _ in ms], [m for _, ms in links for m in ms]))
            return
    sql, _ = _bulk_sql(conn, EVENT_MEMBER, ("event_id", "member_id"), None)
    _executemany(conn, sql, [(e, m) for e, ms in links for m in ms])


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


def _bulk(conn: Connection, table: Any, rows: list[dict[str, Any]] | list[tuple], key_cols: tuple[str, ...] | None,
          const: dict[str, Any] | None = None, columns: tuple[str, ...] | None = None) -> None:
    """executemany straight through the driver (SQLAlchemy's per-row parameter handling was most of
    the cost of recording a 435-member House vote); on SQLite, plain INSERTs (no ``key_cols``) go
    as multi-row VALUES (:func:`_insert_values`). ``const``: values for columns the rows leave out
    (e.g. the observation time), the same for every row. ``columns``: the rows are tuples in this
    column order instead of dicts."""
    if not rows:
        return
    cols, sql, base, tail = _bulk_parts(conn, table, rows, key_cols, const, columns)
    if key_cols is None and conn.dialect.name == "sqlite" and len(cols) > len(tail):
        _insert_values(conn, table, cols, base, tail)
    else:
        _executemany(conn, sql, [b + tail for b in base] if tail else base)


# SQLite, plain INSERTs (a replaced child set: a House roll call's 435 positions): rows travel as
# multi-row VALUES, up to 2**_VALUES_MAX_POW rows a statement (and within the connection's limit
# on bound values), instead of one executemany step per row, and a value every row shares is
# bound once. The 63,500 positions of the vote_ingest benchmark: ~0.35 s -> ~0.22 s of SQLite.
# Statements hold 2**k rows (435 = 256 + 128 + 32 + 16 + 2 + 1), so a table has at most
# _VALUES_MAX_POW + 1 of them per set of shared columns and they stay in the driver's statement
# cache whatever the row counts (a statement per exact count would be compiled again and again).
_VALUES_MAX_POW = 8
_VALUES_SQL: dict[tuple, str] = {}


def _insert_values(conn: Connection, table: Any, cols: tuple[str, ...], base: list[tuple], tail: tuple) -> None:
    """INSERT ``base`` rows (values for the leading columns of ``cols``) with the shared ``tail``
    values (the trailing ones) on SQLite: ``INSERT ... SELECT column1, ?, ..., ? FROM (VALUES ...)``.
    Values reach the columns as with VALUES (a subquery's columns have no affinity of their own),
    rows in order, each row's triggers and constraints as with executemany."""
    n = len(cols) - len(tail)
    # Row columns holding the very same object in every row (the vote_id of a roll call's
    # positions; None in a column no row has, a House vote's lis_id) are bound once, like the
    # tail. Fewer values to bind, and None is the slowest one: Python 3.11's sqlite3 looks for an
    # adapter for it, formatting and clearing an AttributeError each time (~0.4 us a value).
    first, last = base[0], base[-1]
    same = [j for j, v in enumerate(first) if v is last[j] and all(map(is_, repeat(v), map(itemgetter(j), base)))]
    if len(same) == n:  # identical rows: VALUES needs a column
        same.pop()
    if same:
        keep = [j for j in range(n) if j not in same]
        if len(keep) > 1:
            base = list(map(itemgetter(*keep), base))
        else:  # itemgetter of one index gives the value, not a tuple
            base = list(zip(map(itemgetter(keep[0]), base)))
        tail = tuple(first[j] for j in same) + tail
    shared = tuple(same)
    width = n - len(shared)  # values bound per row
    raw = conn.connection.dbapi_connection
    room = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(tail)
    max_pow = max(0, min(_VALUES_MAX_POW, (room // width).bit_length() - 1))
    cur = raw.cursor()
    try:
        i, left = 0, len(base)
        while left:
            k = 1 << min(max_pow, left.bit_length() - 1)
            ck = (table.name, cols, n, shared, k)
            sql = _VALUES_SQL.get(ck)
            if sql is None:
                q = conn.dialect.identifier_preparer.quote
                varying = iter(range(1, width + 1))
                select = ["?" if j in shared else f"column{next(varying)}" for j in range(n)] + ["?"] * (len(cols) - n)
                one = "(" + ", ".join("?" * width) + ")"
                sql = _VALUES_SQL[ck] = (
                    f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in cols)}) "
                    f"SELECT {', '.join(select)} FROM (VALUES {', '.join([one] * k)})")
            cur.execute(sql, [*tail, *chain.from_iterable(base[i:i + k])])
            i += k
            left -= k
    finally:
        cur.close()


def _executemany(conn: Connection, sql: str, params: list[tuple]) -> None:
    """Through the DBAPI cursor of this transaction (SQLAlchemy's execution wrapper adds nothing to
    a prepared INSERT but time); driver errors are matched by :func:`_is_operational`."""
    cur = conn.connection.cursor()
    try:
        for i in range(0, len(params), _CHUNK * 4):
            cur.executemany(sql, params[i:i + _CHUNK * 4])
    finally:
        cur.close()


def _bulk_params(conn: Connection, table: Any, rows: list[dict[str, Any]] | list[tuple],
                 key_cols: tuple[str, ...] | None, const: dict[str, Any] | None = None,
                 columns: tuple[str, ...] | None = None) -> tuple[tuple[str, ...], str, list[tuple]]:
    """(columns, INSERT statement, parameter tuples) for ``rows``, values bind-processed as
    SQLAlchemy would (UTC datetimes, JSON, compressed payloads), model defaults filled in."""
    cols, sql, base, tail = _bulk_parts(conn, table, rows, key_cols, const, columns)
    return cols, sql, [b + tail for b in base] if tail else base


def _bulk_parts(conn: Connection, table: Any, rows: list[dict[str, Any]] | list[tuple],
                key_cols: tuple[str, ...] | None, const: dict[str, Any] | None = None,
                columns: tuple[str, ...] | None = None) -> tuple[tuple[str, ...], str, list[tuple], tuple]:
    """:func:`_bulk_params` with the parameters split: one tuple per row for the leading columns,
    and one tuple of the values every row shares for the trailing columns (constants, defaults)."""
    if columns is not None:
        n = len(columns)
        # Checked column-wise in C (a House vote's 435 position tuples: no Python step per row).
        if rows and (set(map(type, rows)) != _TUPLE or set(map(len, rows)) != {n}):
            raise ValueError(f"rows for {table.name!r} must be tuples of one value per column of {columns}")
        present: Any = columns
    else:
        present = frozenset().union(*(r.keys() for r in rows))
    const = const or {}
    plan = _plan(conn, table, present, columns is not None, tuple(const), key_cols)
    if plan.mixed:  # some rows carry their own value: the others get the constant
        mixed = plan.mixed
        rows = [r if all(k in r for k in mixed) else {**{k: const[k] for k in mixed}, **r} for r in rows]
    tail = tuple(p(const[c]) if p is not None else const[c] for c, p in plan.const_procs)
    for d, p in plan.defaults:
        v = d.arg(None) if d.is_callable else d.arg
        tail += (p(v) if p is not None else v,)
    row_cols = plan.row_cols
    n = len(row_cols)
    if columns is not None:
        base = rows
    elif all(len(r) == n for r in rows):  # every row has every column: pick them out in C
        if n == 1:
            only = row_cols[0]
            base = [(r[only],) for r in rows]
        else:
            base = list(map(itemgetter(*row_cols), rows))
    else:
        base = [tuple(r.get(c) for c in row_cols) for r in rows]
    if plan.todo:
        # Column by column, each distinct value processed once (observed_at, vote_id... repeat
        # across a vote's hundreds of rows).
        cols_ = list(zip(*base))
        for i, p in plan.todo:
            memo: dict[Any, Any] = {}
            out = []
            for v in cols_[i]:
                k = (v.__class__, v)  # True and 1 are equal keys otherwise (JSON "true" vs "1")
                try:
                    out.append(memo[k])
                except KeyError:
                    memo[k] = pv = p(v)
                    out.append(pv)
                except TypeError:  # unhashable (dict/list for JSON columns)
                    out.append(p(v))
            cols_[i] = out
        base = list(zip(*cols_))
    return plan.cols, plan.sql, base, tail


@dataclass(frozen=True)
class _Plan:
    """How rows with a given set of columns go into a table (see :func:`_plan`)."""

    cols: tuple[str, ...]                 # row columns, then constant columns, then defaulted ones
    row_cols: tuple[str, ...]
    sql: str
    todo: tuple[tuple[int, Any], ...]     # (row column index, bind processor) where there is one
    const_procs: tuple[tuple[str, Any], ...]  # (constant column, bind processor or None)
    defaults: tuple[tuple[Any, Any], ...]     # (model default, bind processor or None)
    mixed: tuple[str, ...]                # constants that some rows also carry


_PLANS: dict[tuple, _Plan] = {}


def _plan(conn: Connection, table: Any, present: Any, ordered: bool, const_keys: tuple[str, ...],
          key_cols: tuple[str, ...] | None) -> _Plan:
    """The columns, statement and bind processors for rows carrying the columns ``present`` (in
    this order when ``ordered``, else sorted) with constants for ``const_keys``: worked out once
    per shape and cached (a roll call's vote row, positions and document row have the same shape
    every time; working it out walked the table's columns, ~0.1 ms a roll call)."""
    ck = (conn.dialect.name, table.name, present, ordered, const_keys, key_cols)
    plan = _PLANS.get(ck)
    if plan is not None:
        return plan
    names = set(present)
    if ordered and len(names) != len(present):
        raise ValueError(f"rows for {table.name!r} must be tuples of one value per column of {present}")
    unknown = [c for c in names if c not in table.c]
    if unknown:
        raise ValueError(f"unknown column(s) {sorted(unknown)} for table {table.name!r}")
    # Constants for columns the rows carry: tuple rows always win; dict rows that lack the column
    # get the constant ("mixed").
    consts = [k for k in const_keys if not (ordered and k in names)]
    mixed = tuple(k for k in consts if k in names)
    consts = [k for k in consts if k not in names]
    # Columns the rows leave out but the model gives a default: inserted with it, never updated.
    defaulted = tuple(sorted(c.name for c in table.c
                             if c.default is not None and c.name not in names and c.name not in consts))
    row_cols = tuple(present) if ordered else tuple(sorted(names))
    const_cols = tuple(sorted(consts))
    cols = row_cols + const_cols + defaulted
    sql, procs = _bulk_sql(conn, table, cols, key_cols, defaulted)
    n, m = len(row_cols), len(const_cols)
    plan = _Plan(cols=cols, row_cols=row_cols, sql=sql,
                 todo=tuple((i, p) for i, p in enumerate(procs[:n]) if p is not None),
                 const_procs=tuple(zip(const_cols, procs[n:n + m])),
                 defaults=tuple((table.c[c].default, p) for c, p in zip(defaulted, procs[n + m:])),
                 mixed=mixed)
    _PLANS[ck] = plan
    return plan


def _write_entities(conn: Connection, entities: list[EntityRecord], obs: datetime) -> None:
    tables = SQLModel.metadata.tables
    for ent in entities:
        table = tables.get(ent.table)
        if table is None:
            raise ValueError(f"unknown entity table {ent.table!r}")
        has_obs = "observed_at" in table.c
        rows = ent.rows
        const = {"observed_at": obs} if has_obs else None  # for the rows that do not carry their own
        if ent.replace:
            names = sorted(ent.replace)
            for k in names:
                if k not in table.c:
                    raise ValueError(f"unknown column {k!r} for table {table.name!r}")
            where = " AND ".join(f"{_quote(conn, k)} = ?" for k in names)
            args = tuple(_bind(conn, table, k, ent.replace[k]) for k in names)
            if has_obs:
                newest = _x(conn, f"SELECT max(observed_at) FROM {_quote(conn, table.name)} WHERE {where}", args).fetchone()[0]
                if newest is not None and _aware(_as_dt(newest)) > obs:
                    continue  # a newer observation already replaced this set
            _x(conn, f"DELETE FROM {_quote(conn, table.name)} WHERE {where}", args)
            _bulk(conn, table, rows, None, const, ent.columns)
        elif rows:
            _bulk(conn, table, rows, tuple(ent.key_cols), const, ent.columns)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _bind(conn: Connection, table: Any, col: str, value: Any) -> Any:
    p = table.c[col].type._cached_bind_processor(conn.dialect)
    return p(value) if p is not None else value


def _as_dt(v: Any) -> datetime:
    return datetime.fromisoformat(v) if isinstance(v, str) else v


__all__ = ["record", "record_many", "quarantine", "document_status", "document_statuses", "DocumentIn", "Counts", "EventRecord", "EntityRecord",
           "canonical_json"]
