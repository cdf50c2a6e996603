"""The ``tracker`` command. Core verbs live here; each capability adds its verbs in
``tracker/commands/<name>.py`` through ``register(app)`` (discovered at start-up)."""

from __future__ import annotations

import csv
import importlib
import io
import json
import pkgutil
import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    name="tracker",
    help="Legislative and political-event tracker: ingest, diff, query and mail what Congress does.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def err(message: str) -> None:
    """One line on stderr."""
    typer.echo(message, err=True)


def fail(message: str, code: int = 2) -> None:
    err(f"error: {message}")
    raise typer.Exit(code)


@app.command("init", epilog="Example: TRACKER_DATABASE_URL=sqlite:///tracker.db tracker init")
def init_cmd(url: Optional[str] = typer.Option(None, "--url", help="database URL (default: TRACKER_DATABASE_URL)")) -> None:
    """Create or upgrade the event store (runs the migrations)."""
    from db.engine import database_url
    from db.migrate import upgrade
    try:
        head = upgrade(url)
    except Exception as exc:  # noqa: BLE001 - one clear line for the operator
        fail(f"cannot migrate {_safe_url(database_url(url))}: {' '.join(str(exc).split())[:300]}")
    typer.echo(f"store ready at {_safe_url(database_url(url))} (schema {head})")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "<database>"


def _ensure_store() -> None:
    """Commands that write create the store on first use (SQLite), so `tracker ingest` just works."""
    from db.migrate import upgrade
    upgrade()


@app.command("ingest", epilog="Example: tracker ingest ../shared/fixtures/senate_votes/ --kind senate_vote")
def ingest_cmd(
    paths: List[Path] = typer.Argument(..., help="files or folders to read"),
    kind: Optional[str] = typer.Option(None, "--kind", help="force the document kind instead of detecting it"),
    source_url: Optional[str] = typer.Option(None, "--source-url", help="record this URL as the origin"),
) -> None:
    """Parse local files of any supported kind and record them.

    Prints `N documents: I inserted, U updated, C unchanged, Q quarantined`. Each quarantined file
    gets one line on stderr. Exit code 0 unless nothing could be read at all.
    """
    from scrapers import parsers
    from scrapers.ingest import ingest_paths
    if kind:
        try:
            parsers.get(kind)
        except KeyError as exc:
            fail(str(exc.args[0]))
    _ensure_store()
    counts, unreadable = ingest_paths(paths, kind=kind, source_url=source_url,
                                      on_error=lambda p, why: err(f"quarantined {p}: {why}"))
    typer.echo(counts.summary())
    if counts.documents == 0:
        raise typer.Exit(1)


def _emit(rows: list[dict], fmt: str, columns: list[str]) -> None:
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
    elif fmt == "jsonl":
        for r in rows:
            typer.echo(json.dumps(r, ensure_ascii=False, default=str))
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v) for k, v in r.items()})
        typer.echo(buf.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table
        t = Table(show_lines=False)
        for c in ("id", "occurred_at", "kind", "bill_id", "title"):
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(str(r["id"]), str(r["occurred_at"] or ""), r["kind"], r["bill_id"] or "", r["title"])
        Console(width=160).print(t)


@app.command("events", epilog="Example: tracker events --bill hr1-119 --kind vote.recorded --format json")
def events_cmd(
    kind: Optional[List[str]] = typer.Option(None, "--kind", help="event kind, e.g. vote.recorded or provision.*"),
    bill: Optional[str] = typer.Option(None, "--bill", help="bill id, e.g. hr1-119"),
    member: Optional[str] = typer.Option(None, "--member", help="bioguide id, e.g. W000817"),
    since: Optional[str] = typer.Option(None, "--since", help="ISO date/time (occurred at or after)"),
    until: Optional[str] = typer.Option(None, "--until", help="ISO date/time (occurred before)"),
    limit: int = typer.Option(100, "--limit", min=1, max=1_000_000),
    fmt: str = typer.Option("table", "--format", help="table|json|jsonl|csv"),
) -> None:
    """List events from the store, oldest first."""
    from db.engine import get_engine
    from db.queries import EVENT_FIELDS, parse_when, select_events
    from tracker import ids
    if fmt not in ("table", "json", "jsonl", "csv"):
        fail(f"unknown format {fmt!r} (table, json, jsonl or csv)")
    try:
        if bill:
            ids.parse_bill_id(bill)
        if member:
            member = ids.member_id(member)
        s, u = parse_when(since), parse_when(until)
    except ValueError as exc:
        fail(str(exc))
    _ensure_store()
    with get_engine().connect() as conn:
        rows = select_events(conn, kind=kind, bill=bill, member=member, since=s, until=u, limit=limit)
    _emit(rows, fmt, list(EVENT_FIELDS))


@app.command("sql", epilog='Example: tracker sql "SELECT kind, count(*) FROM event GROUP BY kind"')
def sql_cmd(
    query: str = typer.Argument(..., help="one SELECT or WITH query"),
    fmt: str = typer.Option("table", "--format", help="table|json|csv"),
    limit: int = typer.Option(10_000, "--max-rows", min=1),
) -> None:
    """Run one read-only query (SQLite opened read-only; Postgres in a read-only transaction)."""
    from tracker import sqlro
    from tracker.settings import get_settings
    st = get_settings(fresh=True)
    try:
        cols, rows = sqlro.run(query, url=st.analyst_database_url, timeout_ms=st.sql_statement_timeout_ms, max_rows=limit)
    except sqlro.SQLRefused as exc:
        fail(f"refused: {exc}")
    except FileNotFoundError as exc:
        fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - database errors as one line
        fail(" ".join(str(exc).split())[:300], code=1)
    dict_rows = [dict(zip(cols, r)) for r in rows]
    if fmt == "json":
        typer.echo(json.dumps(dict_rows, indent=2, default=str, ensure_ascii=False))
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(cols)
        w.writerows(rows)
        typer.echo(buf.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table
        t = Table()
        for c in cols:
            t.add_column(str(c), overflow="fold")
        for r in rows:
            t.add_row(*["" if v is None else str(v) for v in r])
        Console(width=160).print(t)


def _register_commands() -> None:
    import tracker.commands as pkg
    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"tracker.commands.{mod.name}")
        reg = getattr(module, "register", None)
        if reg:
            reg(app)


_register_commands()


def main() -> None:  # console script entry point
    app()


if __name__ == "__main__":
    main()
