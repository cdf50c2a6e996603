"""``tracker diff OLD NEW``: compare two text versions of a bill (files or stored versions)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def _load(ref: str):
    """A bill-text XML file path, or a stored version id such as ``hr1-119:eh``."""
    from tracker import ids
    from tracker.diff import BillTextError, parse_bill_text
    p = Path(ref)
    if p.exists():
        try:
            return parse_bill_text(p.read_bytes(), p.resolve().as_uri())
        except BillTextError as exc:
            raise ValueError(f"{ref}: {exc}") from None
    try:
        vid = ids.parse_version_id(ref)
    except ValueError:
        raise ValueError(f"{ref}: no such file, and not a stored version id like hr1-119:eh") from None
    from sqlalchemy import select
    from sqlmodel import SQLModel
    from db.engine import get_engine
    import db.models  # noqa: F401
    tv = SQLModel.metadata.tables["text_version"]
    doc = SQLModel.metadata.tables["source_document"]
    try:
        with get_engine().connect() as conn:
            row = conn.execute(select(doc.c.content, doc.c.url).join(tv, tv.c.document_id == doc.c.id)
                               .where(tv.c.version_id == str(vid))).first()
    except Exception as exc:  # noqa: BLE001
        if "no such table" in str(exc) or "does not exist" in str(exc):
            raise ValueError(f"{ref}: no store initialised here (run `tracker init`, then ingest the version's XML)") from None
        raise ValueError(f"{ref}: cannot read the store ({' '.join(str(exc).split())[:200]})") from None
    if row is None:
        raise ValueError(f"{ref}: version not stored (ingest its XML first: tracker ingest BILLS-....xml)")
    return parse_bill_text(row.content, row.url)


def register(app: typer.Typer) -> None:
    @app.command("diff", epilog="Example: tracker diff hr1-119:eh hr1-119:eas --format text\n\n"
                               "Example: tracker diff BILLS-119hr1eh.xml BILLS-119hr1eas.xml --format html > redline.html")
    def diff_cmd(old: str = typer.Argument(..., help="older version: XML file or stored id (hr1-119:eh)"),
                 new: str = typer.Argument(..., help="newer version: XML file or stored id (hr1-119:eas)"),
                 fmt: str = typer.Option("text", "--format", help="text|json|html")) -> None:
        """Compare two text versions of a bill provision by provision: removed, added, modified
        (with every changed number old -> new) and moved sections; renumbering alone is not a change."""
        from tracker.diff import diff_versions
        if fmt not in ("text", "json", "html"):
            typer.echo(f"error: unknown format {fmt!r} (text, json or html)", err=True)
            raise typer.Exit(2)
        try:
            a, b = _load(old), _load(new)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2)
        if a.bill_id and b.bill_id and a.bill_id != b.bill_id:
            typer.echo(f"warning: comparing different bills ({a.bill_id} vs {b.bill_id})", err=True)
        res = diff_versions(a, b)
        if fmt == "json":
            typer.echo(json.dumps(res.to_json(), indent=2, ensure_ascii=False))
        elif fmt == "html":
            typer.echo(res.render_html())
        else:
            typer.echo(res.render_text())
