"""Detect -> parse -> import -> record: the road every document takes into the store.

Used by ``tracker ingest`` (local files) and by the Scrapy store pipeline (fetched responses), so a
saved file and a crawled page are read exactly alike. Bad input never raises out of here: it is
quarantined with a one-line reason and counted.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy.engine import Engine

from db.records import Counts
from db.store import DocumentIn, document_status, quarantine, record
from scrapers import parsers
from scrapers.importers import wrap

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg[:500]


def ingest_document(doc: DocumentIn, *, kind: str | None = None, engine: Engine | None = None,
                    meta: dict[str, Any] | None = None) -> Counts:
    """Parse and record one document. Never raises for bad input: returns quarantined counts."""
    if len(doc.body) > MAX_DOCUMENT_BYTES:
        doc.body = doc.body[:1024]  # keep a sample, not the bomb
        return quarantine(doc, f"document too large (> {MAX_DOCUMENT_BYTES} bytes)", engine=engine)
    if document_status(doc.sha256, engine) == "parsed":
        return record([], document=doc, engine=engine)  # counted as skipped/unchanged
    if kind:
        try:
            parser = parsers.get(kind)
        except KeyError as exc:
            return quarantine(doc, one_line(exc), engine=engine)
    else:
        parser = parsers.detect(doc.body, doc.url)
        if parser is None:
            return quarantine(doc, "unknown document kind: no parser recognises this content", engine=engine)
    doc.kind = parser.kind
    doc.parser = parser.name
    try:
        items = parser.parse(doc.body, doc.url)
    except Exception as exc:  # parsers raise ValueError subclasses; anything else is a bug, still quarantined
        return quarantine(doc, f"{parser.kind}: {one_line(exc)}", engine=engine)
    try:
        return record(wrap(list(items), **(meta or {})), document=doc, engine=engine)
    except Exception as exc:
        if _is_operational(exc):
            raise  # database down or locked past the timeout: not the document's fault
        return quarantine(doc, f"{parser.kind}: cannot record: {one_line(exc)}", engine=engine)


def _is_operational(exc: BaseException) -> bool:
    from sqlalchemy.exc import OperationalError, InterfaceError
    return isinstance(exc, (OperationalError, InterfaceError))


def ingest_paths(paths: Iterable[str | Path], *, kind: str | None = None, source_url: str | None = None,
                 engine: Engine | None = None, on_error: Any = None) -> tuple[Counts, int]:
    """Ingest local files (directories are walked). Returns (counts, unreadable file count).
    ``on_error(path, reason)`` is called for every quarantined or unreadable file."""
    total = Counts()
    unreadable = 0
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(sorted(f for f in path.rglob("*") if f.is_file()))
        else:
            files.append(path)
    for f in files:
        try:
            body = f.read_bytes()
        except OSError as exc:
            unreadable += 1
            if on_error:
                on_error(f, f"cannot read: {exc.strerror or exc}")
            continue
        url = source_url or f.resolve().as_uri()
        doc = DocumentIn(body=body, url=url, fetched_at=datetime.now(timezone.utc))
        counts = ingest_document(doc, kind=kind, engine=engine)
        if counts.quarantined and on_error:
            on_error(f, counts.errors[0] if counts.errors else "quarantined")
        total = total + counts
    return total, unreadable
