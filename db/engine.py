"""Engines: SQLite by default (WAL, busy timeout, foreign keys), PostgreSQL via URL.

``TRACKER_DATABASE_URL`` selects the store (default ``sqlite:///tracker.db`` in the working
directory); ``postgresql://`` URLs are switched to the psycopg 3 driver. Writers on SQLite take the
write lock up front (``BEGIN IMMEDIATE``) so two writers queue on the busy timeout instead of failing
with ``database is locked`` halfway through a transaction.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

DEFAULT_URL = "sqlite:///tracker.db"
BUSY_TIMEOUT_MS = 60_000

_engines: dict[tuple[str, bool], Engine] = {}
_lock = threading.Lock()


def database_url(url: str | None = None) -> str:
    """The configured database URL, normalised (``postgresql://`` -> ``postgresql+psycopg://``)."""
    raw = url or os.environ.get("TRACKER_DATABASE_URL") or DEFAULT_URL
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://"):]
    return raw


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(database_url(engine_or_url))
    return url.get_backend_name() == "sqlite"


def _sqlite_engine(url: str, readonly: bool) -> Engine:
    u = make_url(url)
    db = u.database or ""
    if readonly:
        if not db or db == ":memory:":
            raise ValueError("a read-only connection needs a SQLite file, not :memory:")
        path = Path(db).resolve()
        if not path.exists():
            raise FileNotFoundError(f"no database at {path}: run `tracker init` first")
        # mode=ro: SQLite itself refuses every write (and ATTACH of a new file).
        eng = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    else:
        if db and db != ":memory:":
            Path(db).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        eng = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(eng, "connect")
    def _on_connect(dbapi_conn, _rec):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if readonly:
            cur.execute("PRAGMA query_only=ON")
        else:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(eng, "begin")
    def _on_begin(conn):  # pragma: no cover
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return eng


def get_engine(url: str | None = None, *, readonly: bool = False) -> Engine:
    """A shared engine for ``url`` (default: ``TRACKER_DATABASE_URL``)."""
    full = database_url(url)
    k = (full, readonly)
    with _lock:
        eng = _engines.get(k)
        if eng is None:
            if is_sqlite(full):
                eng = _sqlite_engine(full, readonly)
            else:
                eng = create_engine(full, pool_pre_ping=True)
            _engines[k] = eng
        return eng


def dispose_all() -> None:
    """Drop cached engines (tests, forked children)."""
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()


_DRIVER_SQL: dict[str, str] = {}


def driver_execute(conn, sql: str, params: tuple = ()):
    """Run ``sql`` (``?`` placeholders, rewritten to ``%s`` for psycopg) on the DBAPI cursor of
    the connection's transaction and return the cursor (iterate it, or ``fetchone()``).

    For the write path's hot statements: building and cache-keying a SQLAlchemy Core statement cost
    ~0.2 ms per execution, more than most of these statements themselves. The SQL must not contain
    a literal ``?`` or ``%``.
    """
    if conn.dialect.paramstyle != "qmark":
        s = _DRIVER_SQL.get(sql)
        if s is None:
            s = _DRIVER_SQL[sql] = sql.replace("?", "%s")
        sql = s
    cur = conn.connection.cursor()
    cur.execute(sql, params)
    return cur
