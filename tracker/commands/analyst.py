"""Analyst verbs: ``tracker search``, ``tracker export``, ``tracker serve``, ``tracker analyst-role``.

All of them but ``analyst-role`` read the store through a connection that cannot write
(:func:`tracker.readonly.read_only`).
"""

from __future__ import annotations

import csv
import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator, List, Optional

import typer

from tracker.cli import err, fail

FORMATS = ("csv", "jsonl", "parquet")
VIEWS = ("bill_timeline", "member_votes", "provision_changes", "letters")
# Columns holding JSON (text on SQLite, jsonb on Postgres): exported as JSON values in jsonl and as
# JSON strings in csv/parquet, the same from both backends.
JSON_COLUMNS = {"data", "numbers", "asks", "sources", "member_ids"}
BATCH = 5000


def _parquet_available() -> str | None:
    """None when pyarrow can write Parquet here, else the reason."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - ImportError or a broken wheel
        return f"Parquet needs pyarrow, which cannot be imported here ({type(exc).__name__}: {exc}); use csv or jsonl"
    return None


# --- search -------------------------------------------------------------------------------------

def search_cmd(
    query: str = typer.Argument(..., help='web-search syntax: words, "a phrase", OR, -exclude'),
    kind: Optional[str] = typer.Option(None, "--kind", help="e.g. letter.published, provision.*, provision.text"),
    bill: Optional[str] = typer.Option(None, "--bill", help="only documents about this bill, e.g. hr1-119"),
    limit: int = typer.Option(20, "--limit", min=1, max=200, help="at most this many results (max 200)"),
    fmt: str = typer.Option("table", "--format", help="table|json|jsonl"),
) -> None:
    """Ranked full-text search over event titles, letter text and provision text (best first).

    Never more than --limit results; the query syntax cannot fail (unknown operators are read as words).
    """
    from db.search import search
    from tracker import ids
    from tracker.readonly import read_only
    if fmt not in ("table", "json", "jsonl"):
        fail(f"unknown format {fmt!r} (table, json or jsonl)")
    if bill:
        try:
            bill = str(ids.parse_bill_id(bill.strip().lower()))
        except ValueError as exc:
            fail(str(exc))
    try:
        with read_only() as conn:
            rows = search(conn, query, kind=kind, bill=bill, limit=limit)
    except ValueError as exc:
        fail(str(exc))
    except FileNotFoundError as exc:
        fail(str(exc))
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
    elif fmt == "jsonl":
        for r in rows:
            typer.echo(json.dumps(r, ensure_ascii=False, default=str))
    else:
        from rich.console import Console
        from rich.table import Table
        t = Table()
        for c in ("score", "type", "kind", "bill_id", "title", "snippet"):
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(f"{r['score']:.3f}", r["type"], r["kind"] or "", r["bill_id"] or "", r["title"] or "",
                      r["snippet"] or "")
        Console(width=160).print(t)
        if not rows:
            err(f"no match for {query!r}")


# --- export -------------------------------------------------------------------------------------

def _plain(value: Any, col: str) -> Any:
    """A JSON-ready value: datetimes as ISO text, JSON columns decoded (SQLite returns them as text)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if col in JSON_COLUMNS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _events_batches(conn: Any, *, kind: list[str] | None, bill: str | None, member: str | None,
                    since: datetime | None, until: datetime | None) -> Iterator[tuple[list[str], list[dict]]]:
    """Events in log order (id), streamed in batches, with the filters of ``select_events``."""
    from sqlalchemy import or_, select
    from db.queries import EVENT, EVENT_FIELDS, EVENT_MEMBER, member_ids_of
    cols = list(EVENT_FIELDS)
    last = 0
    while True:
        q = select(EVENT).where(EVENT.c.id > last)
        if kind:
            conds = [EVENT.c.kind.like(k.rstrip("*").rstrip(".") + ".%") if k.endswith((".*", "."))
                     else EVENT.c.kind == k for k in kind]
            q = q.where(or_(*conds))
        if bill:
            q = q.where(EVENT.c.bill_id == bill)
        if member:
            q = q.where(EVENT.c.id.in_(select(EVENT_MEMBER.c.event_id).where(EVENT_MEMBER.c.member_id == member)))
        if since:
            q = q.where(EVENT.c.occurred_utc >= since)
        if until:
            q = q.where(EVENT.c.occurred_utc < until)
        rows = conn.execute(q.order_by(EVENT.c.id).limit(BATCH)).mappings().all()
        if not rows:
            return
        ids_ = [r["id"] for r in rows]
        members = member_ids_of(conn, ids_)
        out = []
        for r in rows:
            d = {c: r[c] for c in cols if c != "member_ids"}
            d["member_ids"] = members[r["id"]]
            out.append({c: _plain(d[c], c) for c in cols})
        yield cols, out
        last = ids_[-1]
        if len(rows) < BATCH:
            return


def _view_batches(conn: Any, view: str, where: str, params: dict) -> Iterator[tuple[list[str], list[dict]]]:
    from sqlalchemy import text
    res = conn.execution_options(stream_results=True).execute(text(f"SELECT * FROM {view}{where}"), params)
    cols = list(res.keys())
    while True:
        chunk = res.fetchmany(BATCH)
        if not chunk:
            break
        yield cols, [{c: _plain(v, c) for c, v in zip(cols, row)} for row in chunk]
    res.close()


class _Writer:
    """One output file; ``write(cols, rows)`` per batch; ``close()`` returns the row count."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt, self.count = path, fmt, 0
        self._fh: Any = None
        self._csv: Any = None
        self._pq: Any = None
        self._schema: Any = None

    def write(self, cols: list[str], rows: list[dict]) -> None:
        if self.fmt == "jsonl":
            if self._fh is None:
                self._fh = open(self.path, "w", encoding="utf-8")
            for r in rows:
                self._fh.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
        elif self.fmt == "csv":
            if self._fh is None:
                self._fh = open(self.path, "w", encoding="utf-8", newline="")
                self._csv = csv.writer(self._fh)
                self._csv.writerow(cols)
            for r in rows:
                self._csv.writerow([_cell(r[c]) for c in cols])
        else:
            self._write_parquet(cols, rows)
        self.count += len(rows)

    def _write_parquet(self, cols: list[str], rows: list[dict]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq
        if self._schema is None:
            self._schema = pa.schema([(c, _arrow_type(c, [r[c] for r in rows])) for c in cols])
            self._pq = pq.ParquetWriter(str(self.path), self._schema, compression="zstd")
        arrays = []
        for field in self._schema:
            vals = [_arrow_value(r[field.name], field.type) for r in rows]
            arrays.append(pa.array(vals, type=field.type))
        self._pq.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def close(self, cols: list[str] | None = None) -> int:
        if self._fh is None and self._pq is None and cols is not None:
            self.write(cols, [])  # an empty file with its header/schema
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._pq.close()
        return self.count


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return v


def _arrow_type(col: str, values: list[Any]) -> Any:
    """Column type from the first batch: list of strings for member_ids, int64/float64/bool when
    every non-null value is one, else string (JSON text for JSON columns)."""
    import pyarrow as pa
    if col == "member_ids":
        return pa.list_(pa.string())
    seen = {type(v) for v in values if v is not None}
    if col in JSON_COLUMNS or not seen:
        return pa.string()
    if seen == {bool}:
        return pa.bool_()
    if seen <= {int}:
        return pa.int64()
    if seen <= {int, float}:
        return pa.float64()
    return pa.string()


def _arrow_value(v: Any, typ: Any) -> Any:
    import pyarrow as pa
    if v is None:
        return None
    if pa.types.is_list(typ):
        return [str(x) for x in v]
    if pa.types.is_string(typ):
        return json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, (dict, list)) else str(v)
    if pa.types.is_int64(typ):
        if isinstance(v, float) and not v.is_integer():
            raise ValueError(f"column changed type mid-export (int then {v!r}); export as csv or jsonl")
        return int(v)
    if pa.types.is_floating(typ):
        return float(v)
    return v


def export_cmd(
    fmt: str = typer.Option(..., "--format", help="csv|jsonl|parquet (parquet needs pyarrow: "
                                                  "a core dependency; works offline)"),
    out: Path = typer.Option(..., "--out", help="folder to write into (created)"),
    kind: Optional[List[str]] = typer.Option(None, "--kind", help="event kind, e.g. vote.recorded or provision.*"),
    bill: Optional[str] = typer.Option(None, "--bill", help="bill id, e.g. hr1-119 (events and every view with bill_id)"),
    member: Optional[str] = typer.Option(None, "--member", help="bioguide id (events and member_votes)"),
    since: Optional[str] = typer.Option(None, "--since", help="ISO date/time: events occurred at or after"),
    until: Optional[str] = typer.Option(None, "--until", help="ISO date/time: events occurred before"),
    views: bool = typer.Option(True, "--views/--no-views", help="also export the analyst views"),
) -> None:
    """Export events (and the views bill_timeline, member_votes, provision_changes, letters) to files.

    Writes OUT/events.FORMAT and OUT/VIEW.FORMAT, streamed in batches. --kind/--since/--until filter
    events; --bill filters events and every view; --member filters events and member_votes.
    """
    from db.queries import parse_when
    from tracker import ids
    from tracker.readonly import read_only
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r} (csv, jsonl or parquet)")
    if fmt == "parquet":
        why = _parquet_available()
        if why:
            fail(why)
    try:
        if bill:
            bill = str(ids.parse_bill_id(bill.strip().lower()))
        if member:
            member = ids.member_id(member)
        s, u = parse_when(since), parse_when(until)
    except ValueError as exc:
        fail(str(exc))
    if out.exists() and not out.is_dir():
        fail(f"--out {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, Any]] = [("events", lambda c: _events_batches(c, kind=kind, bill=bill, member=member,
                                                                         since=s, until=u))]
    if views:
        for v in VIEWS:
            conds, params = [], {}
            if bill:
                conds.append("bill_id = :bill" if v != "letters" else "(',' || COALESCE(bills, '') || ',') LIKE :billpat")
                params.update(bill=bill, billpat=f"%,{bill},%")
            if member and v == "member_votes":
                conds.append("(member_id = :member OR lis_id = :member)")
                params["member"] = member
            where = (" WHERE " + " AND ".join(conds)) if conds else ""
            jobs.append((v, lambda c, v=v, where=where, params=params: _view_batches(c, v, where, params)))
    total = 0
    try:
        with read_only() as conn:
            for name, batches in jobs:
                path = out / f"{name}.{fmt}"
                w = _Writer(path, fmt)
                cols: list[str] | None = None
                try:
                    for cols, rows in batches(conn):
                        w.write(cols, rows)
                    if cols is None and name != "events":
                        from sqlalchemy import text
                        cols = list(conn.execute(text(f"SELECT * FROM {name} WHERE 1 = 0")).keys())
                    n = w.close(cols or _event_cols())
                except ValueError as exc:
                    w.close()
                    fail(f"{path}: {exc}")
                total += n
                typer.echo(f"{path}: {n} rows")
    except FileNotFoundError as exc:
        fail(str(exc))
    typer.echo(f"exported {total} rows to {out}")


def _event_cols() -> list[str]:
    from db.queries import EVENT_FIELDS
    return list(EVENT_FIELDS)


# --- serve --------------------------------------------------------------------------------------

def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (default: this machine only)"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
) -> None:
    """Serve the read-only HTTP API (OpenAPI docs at /docs) and the one-click unsubscribe endpoint.

    Binds 127.0.0.1 by default: the API has no authentication, put a proxy in front to publish it.
    """
    from tracker.api import serve
    if host not in ("127.0.0.1", "localhost", "::1"):
        err(f"warning: binding {host}: the API has no authentication; anyone who reaches it can read the store")
    serve(host=host, port=port)


# --- analyst role (Postgres) --------------------------------------------------------------------

def analyst_role_cmd(
    role: str = typer.Option("tracker_analyst", "--role", help="role name (lowercase, digits, _)"),
    password_env: Optional[str] = typer.Option(None, "--password-env",
                                               help="name of the environment variable holding the password"),
    schema: Optional[str] = typer.Option(None, "--schema", help="schema to grant (default: the store's current schema)"),
    timeout_ms: int = typer.Option(30_000, "--timeout-ms", min=100, help="statement timeout of the role"),
    print_sql: bool = typer.Option(False, "--print-sql", help="print the SQL (password masked) instead of running it"),
) -> None:
    """Create (or refresh) the SELECT-only PostgreSQL role for analysts, with a statement timeout.

    Run as a user that may create roles, against TRACKER_DATABASE_URL. Roles are cluster-wide, so this
    is a command, not a migration. Then set TRACKER_ANALYST_DATABASE_URL to a URL of that role:
    `tracker sql`, `tracker search`, exports and the API use it.
    """
    from db.engine import get_engine, is_sqlite
    from db.roles import create_analyst_role, role_sql
    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            fail(f"environment variable {password_env} is empty or not set")
    if print_sql:
        from sqlalchemy.engine import make_url
        from db.engine import database_url
        url = make_url(database_url())
        dbname = (url.database if url.get_backend_name() == "postgresql" else None) or "tracker"
        try:
            for stmt in role_sql(role, password="***" if password else None, database=dbname,
                                 schema=schema or "public", timeout_ms=timeout_ms):
                typer.echo(stmt + ";")
        except ValueError as exc:
            fail(str(exc))
        return
    eng = get_engine()
    if is_sqlite(eng):
        fail("the analyst role is for PostgreSQL; on SQLite analysts open the file read-only (tracker sql does)")
    try:
        with eng.begin() as conn:
            done = create_analyst_role(conn, role, password=password, schema=schema, timeout_ms=timeout_ms)
    except ValueError as exc:
        fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - database errors as one line (never the password)
        msg = " ".join(str(getattr(exc, "orig", exc)).split())[:300]
        if password:
            msg = msg.replace(password, "***")
        fail(f"cannot create role {role}: {msg}", code=1)
    for stmt in done:
        typer.echo(stmt + ";")
    typer.echo(f"role {role} ready: SELECT only, statement_timeout={timeout_ms}ms")


def register(app: typer.Typer) -> None:
    app.command("search", epilog='Example: tracker search "artificial intelligence moratorium" --bill hr1-119')(search_cmd)
    app.command("export", epilog="Example: tracker export --format parquet --out exports/ --bill hr1-119")(export_cmd)
    app.command("serve", epilog="Example: tracker serve --port 8000   (then open http://127.0.0.1:8000/docs)")(serve_cmd)
    app.command("analyst-role", epilog="Example: ANALYST_PW=... tracker analyst-role --password-env ANALYST_PW")(
        analyst_role_cmd)

