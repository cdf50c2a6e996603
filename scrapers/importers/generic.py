"""Importer for :class:`scrapers.items.generic.PublishedEntry` (sources made with ``tracker new-spider``).

Keys follow docs/event-kinds.md so the same entry seen by another spider (a member's site and a
committee's) lands on the same event: ``statement:``/``letter:`` + sha1(normalised title + date)[:16],
``news:`` + canonical URL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

from db.records import EntityRecord, EventRecord
from scrapers.items.generic import PublishedEntry


def normalised_title(title: str) -> str:
    """Lower case, single spaces, curly quotes straightened: what makes two postings the same."""
    t = title.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(t.lower().split())


def entry_key(item: PublishedEntry) -> str:
    if item.kind == "news":
        return f"news:{canonical_url(item.url)}"
    day = item.published.isoformat() if item.published else ""
    digest = hashlib.sha1(f"{normalised_title(item.title)} {day}".encode("utf-8")).hexdigest()[:16]
    return f"{item.kind}:{digest}"


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, fragment dropped, trailing slash of the path dropped."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def _excerpt(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


def import_entry(item: PublishedEntry, ctx) -> list:
    key = entry_key(item)
    occurred = (datetime(item.published.year, item.published.month, item.published.day, tzinfo=timezone.utc)
                if item.published else None)
    day = item.published.isoformat() if item.published else None
    bill_id = item.bills[0] if len(item.bills) == 1 else None
    if item.kind == "news":
        data = {"outlet": item.outlet, "url": item.url, "bills": item.bills, "members": item.member_ids,
                "excerpt": _excerpt(item.summary), "author": item.author}
        entity = EntityRecord("news_item", [{"url": canonical_url(item.url), "title": item.title,
                                             "outlet": item.outlet, "published": day, "body": item.summary,
                                             "bills": item.bills, "members": item.member_ids}], ("url",))
        return [entity, EventRecord(kind="news.published", key=key, title=item.title, occurred_at=occurred,
                                    bill_id=bill_id, member_ids=item.member_ids, source_url=item.url, data=data)]
    signers = [{"member_id": m, "name": None, "role": None} for m in item.member_ids]
    data = {"title": item.title, "date": day, "url": item.url, "signers": signers, "bills": item.bills,
            "excerpt": _excerpt(item.summary), "outlet": item.outlet}
    if item.kind == "letter":
        data.update({"recipient": None, "agency": None, "asks": []})
    # No body/sources columns here: the letters importer may hold a fuller body and every
    # cross-posted source for the same key, and an upsert must not clobber them with a summary.
    entity_rows = [{"letter_key": key, "kind": item.kind, "title": item.title, "published": day,
                    "url": item.url, "bills": item.bills}]
    out: list = [EntityRecord("letter", entity_rows, ("letter_key",))]
    if item.member_ids:
        out.append(EntityRecord("letter_signer", [{"letter_key": key, "member_id": m} for m in item.member_ids],
                                ("letter_key", "member_id")))
    out.append(EventRecord(kind=f"{item.kind}.published", key=key, title=item.title, occurred_at=occurred,
                           bill_id=bill_id, member_ids=item.member_ids, source_url=item.url, data=data,
                           sources=[item.url]))
    return out


IMPORTERS = {PublishedEntry: import_entry}
