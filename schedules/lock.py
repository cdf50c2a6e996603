"""Single-holder locks: one scheduler per store, one run per job.

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock(class, key)``) taken on a dedicated
  autocommit connection that is held for the lock's whole life; the key includes the current schema
  so two stores in one database (tests) do not exclude each other. If the connection drops, the
  lock is gone: :meth:`Lock.still_held` lets the scheduler notice and stop.
- SQLite: an exclusive ``flock`` on a file next to the database file (``tracker.db.scheduler.lock``),
  or ``TRACKER_LOCK_FILE``. The holder's pid is written into it for the error message. ``flock``
  locks belong to the open file: the kernel drops them when the process dies, even on SIGKILL, and
  Python opens files non-inheritable so a surviving child never keeps the lock.
"""

from __future__ import annotations

import fcntl
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from db.engine import database_url, is_sqlite

# First half of the two-key advisory lock (the store's own writer lock uses the one-bigint form).
_PG_CLASS = 0x7472_6B  # "trk"


class LockBusy(RuntimeError):
    """Another process holds the lock (message says who, when known)."""


@dataclass
class Lock:
    name: str
    where: str
    _fh: Any = None        # SQLite: the open lock file
    _conn: Any = None      # Postgres: the dedicated connection
    _engine: Any = None

    def still_held(self) -> bool:
        """True while the lock is ours (Postgres: the connection is alive and the lock listed)."""
        if self._fh is not None:
            return not self._fh.closed
        if self._conn is None:
            return False
        try:
            return bool(self._conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND classid = :c AND objid = (hashtext(current_schema() || ':' || :n)::bigint & 4294967295) "
                "AND objsubid = 2 AND granted"), {"c": _PG_CLASS, "n": self.name}).scalar())
        except Exception:  # noqa: BLE001 - a dropped connection means the lock is gone
            return False

    def release(self) -> None:
        if self._fh is not None and not self._fh.closed:
            try:
                self._fh.seek(0)
                self._fh.truncate()
            except OSError:
                pass
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:c, hashtext(current_schema() || ':' || :n))"),
                                   {"c": _PG_CLASS, "n": self.name})
            except Exception:  # noqa: BLE001 - closing the connection releases it anyway
                pass
            self._conn.close()
            self._conn = None
            self._engine.dispose()

    def __enter__(self) -> "Lock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def lock_path(name: str, url: str | None = None) -> Path:
    """The SQLite lock file for ``name``: ``TRACKER_LOCK_FILE`` (scheduler only), else next to the
    database file, else in the data directory."""
    from tracker.settings import get_settings
    st = get_settings(fresh=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    if name == "scheduler" and st.lock_file:
        return Path(st.lock_file)
    db = make_url(database_url(url)).database
    if db and db != ":memory:" and not db.startswith("file:"):
        p = Path(db).expanduser().resolve()
        return p.with_name(f"{p.name}.{safe}.lock")
    return Path(st.data_dir).resolve() / f"tracker.{safe}.lock"


def acquire(name: str, url: str | None = None) -> Lock:
    """Take the lock ``name`` without waiting, or raise :class:`LockBusy`."""
    full = database_url(url)
    if is_sqlite(full):
        return _file_lock(name, lock_path(name, full))
    return _pg_lock(name, full)


def _file_lock(name: str, path: Path) -> Lock:
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held open for the lock's life
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip()
        fh.close()
        who = f" by pid {holder}" if holder.isdigit() else ""
        raise LockBusy(f"lock {path} is held{who}") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return Lock(name, str(path), _fh=fh)


def _pg_lock(name: str, url: str) -> Lock:
    eng = create_engine(url, poolclass=NullPool)
    # Autocommit: a session lock must not leave the connection idle in a transaction for days.
    conn = eng.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:c, hashtext(current_schema() || ':' || :n))"),
                           {"c": _PG_CLASS, "n": name}).scalar()
        if not got:
            holder = conn.execute(text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = :c "
                "AND objid = (hashtext(current_schema() || ':' || :n)::bigint & 4294967295) "
                "AND objsubid = 2 AND granted LIMIT 1"), {"c": _PG_CLASS, "n": name}).scalar()
            schema = conn.execute(text("SELECT current_schema()")).scalar()
            raise LockBusy(f"advisory lock {name!r} on schema {schema} is held"
                           + (f" by backend pid {holder}" if holder else ""))
    except BaseException:
        conn.close()
        eng.dispose()
        raise
    return Lock(name, "postgres advisory lock", _conn=conn, _engine=eng)
