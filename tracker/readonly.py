"""Connections for analysts that cannot write (used by ``tracker search``, exports and the HTTP API)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Connection

from db.engine import database_url, get_engine, is_sqlite
from tracker.settings import get_settings


@contextmanager
def read_only(url: str | None = None, *, timeout_ms: int | None = None) -> Iterator[Connection]:
    """A connection that cannot write: SQLite opened ``mode=ro`` with ``query_only`` (raises
    FileNotFoundError when there is no store file); on Postgres a ``READ ONLY`` transaction with a
    statement timeout, connected as ``TRACKER_ANALYST_DATABASE_URL``'s SELECT-only role when that is
    set and no explicit ``url`` is given. Never committed."""
    st = get_settings(fresh=True)
    full = database_url(url)
    if is_sqlite(full):
        with get_engine(full, readonly=True).connect() as conn:
            yield conn
        return
    eng = get_engine(st.analyst_database_url if (st.analyst_database_url and url is None) else full)
    with eng.connect() as conn:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        conn.execute(text("SELECT set_config('statement_timeout', :t, true)"),
                     {"t": str(int(timeout_ms or st.sql_statement_timeout_ms))})
        try:
            yield conn
        finally:
            conn.rollback()
