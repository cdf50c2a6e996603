"""What ``db.store.record`` writes: plain records, no ORM objects.

Typed items (``scrapers/items.py``) turn themselves into these through ``to_records(ctx)``;
``ctx`` is a :class:`RecordContext` that can read the store inside the same transaction (for
member resolution or finding the previous text version of a bill).

- :class:`EventRecord` -> one row of the append-only ``event`` log (plus ``event_member`` links).
  Identity is ``key``; identical content (``content_hash`` of kind/title/bill/members/data/
  occurred_at/source_url) is a no-op, changed content appends a new revision.
- :class:`EntityRecord` -> upsert rows of a queryable entity table (the "current view"), keyed by
  ``key_cols``. ``replace`` = a dict of column values whose existing rows are deleted first (used for
  child sets such as a vote's positions, so a corrected vote does not keep stale positions). Rows are
  only overwritten by an observation at least as new as the stored one (``observed_at``), which makes
  the current view independent of delivery order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Protocol


def _default(o: Any) -> Any:
    if isinstance(o, datetime):
        return o.isoformat()
    if isinstance(o, date):
        return o.isoformat()
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    if hasattr(o, "model_dump"):
        return o.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def canonical_json(value: Any) -> str:
    """Stable JSON (sorted keys, no spaces) used for hashing and storage."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False)


def jsonable(value: Any) -> Any:
    return json.loads(canonical_json(value))


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 with offset; naive datetimes are taken as UTC."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.isoformat()


@dataclass
class EventRecord:
    kind: str                      # dotted past tense, see docs/event-kinds.md
    key: str                       # natural key, unique per thing: "vote:s372-119.2025"
    title: str                     # one readable line
    occurred_at: datetime | None = None   # source time, with offset
    bill_id: str | None = None
    member_ids: tuple[str, ...] | list[str] = ()
    source_url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # Extra source URLs for the same thing (a letter cross-posted on several sites). Merged into
    # data["sources"] by the store; adding a new source is a content change (a new revision).
    sources: tuple[str, ...] | list[str] = ()

    def content_hash(self) -> str:
        return sha256_hex(canonical_json({
            "kind": self.kind, "title": self.title, "occurred_at": iso(self.occurred_at),
            "bill_id": self.bill_id, "member_ids": sorted(set(self.member_ids)),
            "source_url": self.source_url, "data": self.data,
        }))


@dataclass
class EntityRecord:
    table: str
    rows: list[dict[str, Any]] | list[tuple]   # dicts, or tuples in ``columns`` order
    key_cols: tuple[str, ...]
    replace: dict[str, Any] | None = None
    # Set when ``rows`` are tuples (cheaper for big child sets such as a House vote's 435
    # positions: no dict per row). Every tuple has one value per column, in this order.
    columns: tuple[str, ...] | None = None


class RecordContext(Protocol):
    """What ``to_records`` may use: a SQLAlchemy Connection in the write transaction."""

    conn: Any
    document_id: int | None
    observed_at: datetime


@dataclass
class Counts:
    """Outcome of recording: events inserted / updated (new revision) / unchanged, documents
    quarantined; ``documents`` read and ``skipped`` (sha256 already stored)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    documents: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.inserted + other.inserted, self.updated + other.updated,
                      self.unchanged + other.unchanged, self.quarantined + other.quarantined,
                      self.documents + other.documents, self.skipped + other.skipped,
                      self.errors + other.errors)

    def summary(self) -> str:
        """The stable one-line summary printed by ``tracker ingest``."""
        return (f"{self.documents} documents: {self.inserted} inserted, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.quarantined} quarantined")
