"""The PostgreSQL analyst role: SELECT only, read-only transactions, a statement timeout.

Roles are cluster-wide (not part of one database or schema), so this is not a migration: an
operator runs ``tracker analyst-role --password-env VAR`` once per cluster/schema, as a user that
may create roles. The SQL it runs (see :func:`role_sql`, also printed by ``--print-sql``):

- ``CREATE ROLE ... LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT``
- ``ALTER ROLE ... SET statement_timeout``, ``default_transaction_read_only = on``,
  ``idle_in_transaction_session_timeout``
- ``GRANT CONNECT`` on the database, ``USAGE`` on the schema, ``SELECT`` on every table and view of
  the schema and, through default privileges, on the tables the migrating user creates later;
- ``REVOKE`` on the tables holding subscribers' personal data (:data:`PRIVATE_TABLES`).

``default_transaction_read_only`` alone is not a guard (the role can switch it off): the grants are.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_ROLE = "tracker_analyst"
DEFAULT_TIMEOUT_MS = 30_000
# Subscribers' e-mail addresses and the mails sent to them are not analysts' business.
PRIVATE_TABLES = ("subscription", "outbox", "digest_run")

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str, what: str) -> str:
    if not _IDENT.match(name or ""):
        raise ValueError(f"invalid {what} name {name!r}: use lowercase letters, digits and _ (max 63)")
    return f'"{name}"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def role_sql(role: str = DEFAULT_ROLE, *, password: str | None, database: str, schema: str = "public",
             timeout_ms: int = DEFAULT_TIMEOUT_MS, owner: str | None = None, create: bool = True) -> list[str]:
    """The statements creating (``create``) or refreshing the role. With ``password`` None no password
    is set (the role can log in only where pg_hba.conf trusts it). Print it with ``password="***"``:
    the real password must never reach a log."""
    r, db, s = _ident(role, "role"), _ident(database, "database"), _ident(schema, "schema")
    timeout = max(1, int(timeout_ms))
    attrs = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
    pw = f" PASSWORD {_literal(password)}" if password else ""
    out = []
    if create:
        out.append(f"CREATE ROLE {r} {attrs}{pw}")
    else:
        out.append(f"ALTER ROLE {r} {attrs}{pw}")
    out += [
        f"ALTER ROLE {r} SET statement_timeout = {timeout}",
        f"ALTER ROLE {r} SET default_transaction_read_only = on",
        f"ALTER ROLE {r} SET idle_in_transaction_session_timeout = {max(timeout, 60_000)}",
        f"ALTER ROLE {r} SET search_path = {s}",
        f"GRANT CONNECT ON DATABASE {db} TO {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"ALTER DEFAULT PRIVILEGES{(' FOR ROLE ' + _ident(owner, 'owner')) if owner else ''} IN SCHEMA {s} "
        f"GRANT SELECT ON TABLES TO {r}",
    ]
    out += [f"REVOKE ALL ON TABLE {s}.{_ident(t, 'table')} FROM {r}" for t in PRIVATE_TABLES]
    return out


def create_analyst_role(conn: Any, role: str = DEFAULT_ROLE, *, password: str | None,
                        schema: str | None = None, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> list[str]:
    """Create the role, or refresh its settings and grants when it exists, on an open SQLAlchemy
    connection (PostgreSQL, a user allowed to create roles). Returns the statements run, with the
    password masked. Private tables missing from the schema are skipped."""
    from sqlalchemy import text
    if conn.dialect.name != "postgresql":
        raise ValueError("the analyst role is a PostgreSQL feature: on SQLite analysts open the file read-only")
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    schema = schema or conn.execute(text("SELECT current_schema()")).scalar_one()
    owner = conn.execute(text("SELECT current_user")).scalar_one()
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is not None
    tables = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}).scalars())
    stmts = role_sql(role, password=password, database=database, schema=schema, timeout_ms=timeout_ms,
                     owner=owner, create=not exists)
    done = []
    for stmt in stmts:
        m = re.match(r'REVOKE ALL ON TABLE "[^"]+"\."([^"]+)"', stmt)
        if m and m.group(1) not in tables:
            continue
        conn.exec_driver_sql(stmt.replace("%", "%%"))
        done.append(stmt.replace(f"PASSWORD {_literal(password)}", "PASSWORD '***'") if password else stmt)
    return done


def drop_analyst_role(conn: Any, role: str) -> None:
    """Revoke everything granted to the role in this database, then drop it (tests, decommissioning).
    In a cluster with several databases, run ``DROP OWNED BY`` in each before the drop succeeds."""
    r = _ident(role, "role")
    conn.exec_driver_sql(f"DROP OWNED BY {r}")
    conn.exec_driver_sql(f"DROP ROLE IF EXISTS {r}")
