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
from db.store import DocumentIn, document_statuses, quarantine, record_many
from scrapers import parsers
from scrapers.importers import wrap

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg[:500]


# ``tracker ingest`` records files in batches: one transaction per batch, each document all or
# nothing inside it (db.store.record_many). The bounds keep a batch's parsed items in memory small.
BATCH_DOCUMENTS = 64
BATCH_BYTES = 32 * 1024 * 1024


def ingest_document(doc: DocumentIn, *, kind: str | None = None, engine: Engine | None = None,
                    meta: dict[str, Any] | None = None) -> Counts:
    """Parse and record one document. Never raises for bad input: returns quarantined counts."""
    return ingest_documents([doc], kind=kind, engine=engine, meta=meta)[0]


def ingest_documents(docs: Iterable[DocumentIn], *, kind: str | None = None, engine: Engine | None = None,
                     meta: dict[str, Any] | None = None) -> list[Counts]:
    """Parse and record documents, one :class:`Counts` per document, in order.

    Documents are written in batches (``BATCH_DOCUMENTS`` / ``BATCH_BYTES``), one transaction per
    batch with each document all or nothing inside it. Never raises for bad input: an unreadable
    document is quarantined with a one-line reason; database failures do raise.
    """
    out: list[Counts] = []
    batch: list[DocumentIn] = []
    size = 0
    for doc in docs:
        batch.append(doc)
        size += len(doc.body)
        if len(batch) >= BATCH_DOCUMENTS or size >= BATCH_BYTES:
            out.extend(_ingest_batch(batch, kind, engine, meta))
            batch, size = [], 0
    if batch:
        out.extend(_ingest_batch(batch, kind, engine, meta))
    return out


def _ingest_batch(docs: list[DocumentIn], kind: str | None, engine: Engine | None,
                  meta: dict[str, Any] | None) -> list[Counts]:
    results: list[Counts | None] = [None] * len(docs)
    status = document_statuses([d.sha256 for d in docs], engine)
    entries: list[tuple[list[Any], DocumentIn]] = []
    slots: list[int] = []
    for i, doc in enumerate(docs):
        if len(doc.body) > MAX_DOCUMENT_BYTES:
            doc.body = doc.body[:1024]  # keep a sample, not the bomb
            results[i] = quarantine(doc, f"document too large (> {MAX_DOCUMENT_BYTES} bytes)", engine=engine)
            continue
        if status.get(doc.sha256) == "parsed":
            entries.append(([], doc))  # counted as skipped/unchanged
            slots.append(i)
            continue
        items, error = _parse(doc, kind)
        if error is not None:
            results[i] = quarantine(doc, error, engine=engine)
            continue
        entries.append((wrap(items, **(meta or {})), doc))
        slots.append(i)
    if entries:
        for i, res, (_, doc) in zip(slots, record_many(entries, engine=engine), entries):
            if isinstance(res, Exception):
                res = quarantine(doc, f"{doc.kind}: cannot record: {one_line(res)}", engine=engine)
            results[i] = res
    return [r if r is not None else Counts() for r in results]


def _parse(doc: DocumentIn, kind: str | None) -> tuple[list[Any], str | None]:
    """(items, None) or ([], one-line reason). Sets ``doc.kind`` / ``doc.parser``."""
    if kind:
        try:
            parser = parsers.get(kind)
        except KeyError as exc:
            return [], one_line(exc)
    else:
        parser = parsers.detect(doc.body, doc.url)
        if parser is None:
            return [], "unknown document kind: no parser recognises this content"
    doc.kind = parser.kind
    doc.parser = parser.name
    try:
        return list(parser.parse(doc.body, doc.url)), None
    except Exception as exc:  # parsers raise ValueError subclasses; anything else is a bug, still quarantined
        return [], f"{parser.kind}: {one_line(exc)}"


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

    def documents():
        nonlocal unreadable
        for f in files:
            try:
                body = f.read_bytes()
            except OSError as exc:
                unreadable += 1
                if on_error:
                    on_error(f, f"cannot read: {exc.strerror or exc}")
                continue
            url = source_url or f.resolve().as_uri()
            yield f, DocumentIn(body=body, url=url, fetched_at=datetime.now(timezone.utc))

    # Read up to a batch ahead, record the batch, report its quarantined files by name.
    pending: list[tuple[Path, DocumentIn]] = []
    size = 0

    def flush() -> None:
        nonlocal total, pending, size
        for (f, _), counts in zip(pending, ingest_documents([d for _, d in pending], kind=kind, engine=engine)):
            if counts.quarantined and on_error:
                on_error(f, counts.errors[0] if counts.errors else "quarantined")
            total = total + counts
        pending, size = [], 0

    for f, doc in documents():
        pending.append((f, doc))
        size += len(doc.body)
        if len(pending) >= BATCH_DOCUMENTS or size >= BATCH_BYTES:
            flush()
    flush()
    return total, unreadable
