"""Read-only SQL for analysts (``tracker sql``).

Three layers, so one slip is not enough: (1) the statement is checked to be a single SELECT/WITH
(no ATTACH, PRAGMA, DML or DDL keywords outside string literals and comments); (2) SQLite is
opened ``mode=ro`` with ``query_only``; Postgres runs in a READ ONLY transaction with a statement
timeout (and, when ``TRACKER_ANALYST_DATABASE_URL`` is set, as the SELECT-only ``tracker_analyst``
role); (3) the transaction is rolled back, never committed.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from db.engine import get_engine, is_sqlite

FORBIDDEN = ("insert", "update", "delete", "merge", "upsert", "replace", "create", "alter", "drop",
             "truncate", "attach", "detach", "pragma", "vacuum", "reindex", "analyze", "grant",
             "revoke", "copy", "call", "do", "execute", "prepare", "lock", "set", "reset", "begin",
             "commit", "rollback", "savepoint", "release", "listen", "notify", "load", "cluster",
             "refresh", "comment", "security", "discard", "import")


class SQLRefused(ValueError):
    """The statement is not a single read-only query."""


def _strip(sql: str) -> str:
    """Remove comments and string/identifier literals so keywords inside them do not count."""
    out = re.sub(r"--[^\n]*", " ", sql)
    out = re.sub(r"/\*.*?\*/", " ", out, flags=re.S)
    out = re.sub(r"'(?:[^']|'')*'", "''", out)
    out = re.sub(r"\$([A-Za-z_]*)\$.*?\$\1\$", "''", out, flags=re.S)  # Postgres dollar quoting
    out = re.sub(r'"(?:[^"]|"")*"', '""', out)
    return out


def check(sql: str) -> str:
    """Return the statement (trailing ';' removed) if it is a single SELECT/WITH; raise SQLRefused."""
    if not sql or not sql.strip():
        raise SQLRefused("empty statement")
    bare = _strip(sql).strip()
    if "/*" in bare or "'" in bare.replace("''", ""):
        raise SQLRefused("unterminated comment or string")
    body = bare.rstrip().rstrip(";").rstrip()
    if ";" in body:
        raise SQLRefused("only one statement is allowed")
    first = re.match(r"\s*\(*\s*([A-Za-z]+)", body)
    if not first or first.group(1).lower() not in ("select", "with", "values", "explain"):
        raise SQLRefused("only SELECT (or WITH ... SELECT) queries are allowed")
    words = {w.lower() for w in re.findall(r"[A-Za-z_]+", body)}
    bad = sorted(words.intersection(FORBIDDEN))
    if first.group(1).lower() == "explain" and "analyze" in bad:
        raise SQLRefused("EXPLAIN ANALYZE executes the statement: not allowed")
    if bad:
        raise SQLRefused(f"read-only: {bad[0].upper()} is not allowed")
    if re.search(r"\binto\b", body, re.I):
        raise SQLRefused("read-only: SELECT ... INTO is not allowed")
    return sql.strip().rstrip(";").strip()


def run(sql: str, *, url: str | None = None, timeout_ms: int = 30_000,
        max_rows: int = 10_000) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a checked read-only query; returns (column names, rows)."""
    stmt = check(sql)
    if is_sqlite(url or get_engine().url.render_as_string(hide_password=False)):
        eng: Engine = get_engine(url, readonly=True)
        with eng.connect() as conn:
            conn.exec_driver_sql("SELECT 1")  # opens the (read) transaction
            return _fetch(conn, stmt, max_rows)
    eng = get_engine(url)
    with eng.connect() as conn:
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        conn.execute(text("SELECT set_config('statement_timeout', :t, true)"), {"t": str(int(timeout_ms))})
        return _fetch(conn, stmt, max_rows)


def _fetch(conn: Any, stmt: str, max_rows: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    # The raw DB-API cursor, without parameters: '%' and ':' in the query are taken literally.
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(stmt)
        cols = [d[0] for d in (cur.description or [])]
        rows = [tuple(r) for r in cur.fetchmany(max_rows)] if cur.description else []
    finally:
        cur.close()
        conn.rollback()
    return cols, rows
