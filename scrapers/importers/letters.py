"""Importer for letters, statements and news (``scrapers/items/letters.py``) -> events + entity rows.

- :class:`LetterItem` -> ``letter.published`` or ``statement.published`` (docs/event-kinds.md), a
  ``letter`` row and its ``letter_signer`` rows. Signers are resolved to bioguide ids here, inside
  the write transaction (``tracker.members.Resolver(ctx.conn)``); a signer that does not resolve,
  or resolves ambiguously, is kept by name (``letter_signer.member_id = "name:<name>"``,
  ``data.unresolved``) and logged, never dropped and never guessed.
- The same letter cross-posted on several sites (each signer's and a committee's) has one key, so
  it is one event whose ``data.sources`` lists every URL. The key is derived from the letter itself,
  not the URL: ``letter:sha1(date|agency-or-recipient|sorted signer surnames)[:16]`` when the page
  names them, else ``sha1(normalised title + date)`` like statements. The first copy recorded keeps
  its title/url as the primary; later copies add their sources, signers, bills and asks, so
  recording the copies in any order, or again, converges on the same content.
- :class:`NewsArticle` -> ``news.published`` (key ``news:{canonical url}``) and a ``news_item`` row.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from db.records import EntityRecord, EventRecord
from scrapers.items.letters import LetterItem, NewsArticle, Signer

logger = logging.getLogger(__name__)

EVENT = SQLModel.metadata.tables["event"]
LETTER = SQLModel.metadata.tables["letter"]
EXCERPT_CHARS = 400


def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s or "") if not unicodedata.combining(c)).lower()


def normalised_title(title: str) -> str:
    """Lower case, single spaces, curly quotes straightened (as scrapers/importers/generic.py)."""
    t = title.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(t.lower().split())


def _recipient_key(item: LetterItem) -> str | None:
    if item.agency:
        return _fold(item.agency)
    if item.recipient:
        words = re.findall(r"[A-Za-zÀ-ÿ'-]+", item.recipient)
        return _fold(words[-1]) if words else None
    return None


def letter_key(item: LetterItem) -> str:
    """The natural key shared by every copy of one letter or statement (see the module doc)."""
    day = item.published.isoformat() if item.published else ""
    surnames = sorted({_fold(s.last_name) for s in item.signers if s.last_name})
    rkey = _recipient_key(item)
    if item.kind == "letter" and day and rkey and surnames:
        basis = f"{day}|{rkey}|{','.join(surnames)}"
    else:
        basis = f"{normalised_title(item.title)} {day}"
    return f"{item.kind}:{hashlib.sha1(basis.encode('utf-8')).hexdigest()[:16]}"


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


def _resolver(ctx: Any):
    r = getattr(ctx, "_letters_resolver", None)
    if r is None:
        from tracker.members import Resolver  # domain layer; imported lazily (scrapers may use tracker)
        r = Resolver(ctx.conn)
        try:
            setattr(ctx, "_letters_resolver", r)
        except AttributeError:
            pass
    return r


def resolve_signer(resolver: Any, s: Signer, site_chamber: str | None) -> str | None:
    """A bioguide id or None. The site's chamber narrows a bare name ("Warren" on a senate.gov page)
    only when the unscoped lookup does not point at somebody else."""
    if s.bioguide:
        return s.bioguide  # pinned by sites.toml (the site owner, matched by surname)
    name = s.name
    explicit = s.chamber if s.title else None
    chamber = explicit or s.chamber or site_chamber
    found = resolver.resolve(name=name, state=s.state, party=s.party, chamber=chamber)
    if found and not explicit and not s.state:
        other = resolver.resolve(name=name, state=s.state, party=s.party)
        if other and other != found:
            return None  # the chamber hint picked someone the name alone denotes differently: do not guess
    return found


def _signers(item_signers: list[Signer], ctx: Any, site_chamber: str | None) -> tuple[list[dict], list[str]]:
    resolver = _resolver(ctx)
    out: list[dict] = []
    unresolved: list[str] = []
    seen: set[str] = set()
    for s in item_signers:
        mid = resolve_signer(resolver, s, site_chamber)
        ident = mid or f"name:{_fold(s.name)}"
        if ident in seen:
            continue
        seen.add(ident)
        out.append({"member_id": mid, "name": s.name, "role": s.title or s.role,
                    "party": s.party, "state": s.state})
        if mid is None:
            unresolved.append(s.name)
    return out, unresolved


def _current(ctx: Any, key: str) -> dict | None:
    row = ctx.conn.execute(select(EVENT.c.data).where(EVENT.c.key == key)
                           .order_by(EVENT.c.revision.desc()).limit(1)).first()
    return dict(row.data) if row and row.data else None


def _union(a: list, b: list) -> list:
    out = list(a)
    for x in b:
        if x not in out:
            out.append(x)
    return out


def _occurred(d: date | datetime | None) -> datetime | None:
    if d is None:
        return None
    if isinstance(d, datetime):
        return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def import_letter(item: LetterItem, ctx: Any) -> list:
    key = letter_key(item)
    day = item.published.isoformat() if item.published else None
    signers, unresolved = _signers(item.signers, ctx, item.chamber)
    if unresolved:
        logger.warning("%s: unresolved signers kept by name: %s", item.url, ", ".join(unresolved))
    text = item.body or item.summary
    data: dict[str, Any] = {"title": item.title, "date": day, "url": item.url, "signers": signers,
                            "bills": item.bills, "excerpt": _excerpt(text), "site": item.site,
                            "unresolved": unresolved}
    if item.kind == "letter" or item.recipient:
        data["recipient"] = item.recipient
        data["agency"] = item.agency
    if item.kind == "letter" or item.asks:
        data["asks"] = item.asks
    if item.letter_links:
        data["letter_links"] = item.letter_links
    prev = _current(ctx, key)
    if prev:
        # Another copy of the same letter (or this one again): keep the first copy as primary and
        # add what this copy knows, so the order of copies does not matter.
        by_id = {(s.get("member_id") or "name:" + _fold(s.get("name", ""))): s for s in prev.get("signers", [])}
        surn = {_fold((s.get("name") or "").split()[-1]) for s in prev.get("signers", []) if s.get("name")}
        merged = list(prev.get("signers", []))
        for s in signers:
            ident = s["member_id"] or "name:" + _fold(s["name"])
            last = _fold(s["name"].split()[-1])
            if ident in by_id or (s["member_id"] is None and last in surn):
                continue
            merged.append(s)
        unresolved_names = [s["name"] for s in merged if not s.get("member_id")]
        data = {**data, **{k: prev[k] for k in ("title", "url", "date", "excerpt", "site") if prev.get(k)}}
        data["signers"] = merged
        data["unresolved"] = unresolved_names
        data["bills"] = _union(prev.get("bills", []), item.bills)
        for k in ("recipient", "agency"):
            if prev.get(k):
                data[k] = prev[k]
        if prev.get("asks") and len(prev["asks"]) >= len(data.get("asks") or []):
            data["asks"] = prev["asks"]
        if prev.get("letter_links") or data.get("letter_links"):
            data["letter_links"] = _union(prev.get("letter_links", []), data.get("letter_links", []))
    member_ids = [s["member_id"] for s in data["signers"] if s.get("member_id")]
    bills = data["bills"]
    sources = _union(list((prev or {}).get("sources", [])), [item.url])
    existing = ctx.conn.execute(select(LETTER.c.sources, LETTER.c.body).where(LETTER.c.letter_key == key)).first()
    row_sources = _union(list(existing.sources or []) if existing else [], sources)
    body = item.body or item.summary
    if existing and existing.body and len(existing.body) >= len(body):
        body = existing.body  # the fullest copy's text stays
    letter_row = {"letter_key": key, "kind": item.kind, "title": data["title"], "published": data["date"],
                  "url": data["url"], "body": body, "recipient": data.get("recipient"),
                  "agency": data.get("agency"), "bills": bills, "asks": data.get("asks") or [],
                  "sources": sorted(row_sources)}
    signer_rows = [{"letter_key": key, "member_id": (s.get("member_id") or ("name:" + (s.get("name") or "?")))[:64],
                    "name": s.get("name"), "role": s.get("role")} for s in data["signers"]]
    out: list = [EntityRecord("letter", [letter_row], ("letter_key",))]
    if signer_rows:
        out.append(EntityRecord("letter_signer", signer_rows, ("letter_key", "member_id"), replace={"letter_key": key}))
    out.append(EventRecord(kind=f"{item.kind}.published", key=key, title=data["title"],
                           occurred_at=_occurred(date.fromisoformat(data["date"]) if data.get("date") else None),
                           bill_id=bills[0] if len(bills) == 1 else None, member_ids=member_ids,
                           source_url=data["url"], data=data, sources=sources))
    return out


def import_news(item: NewsArticle, ctx: Any) -> list:
    resolver = _resolver(ctx)
    members: list[str] = []
    unresolved: list[str] = []
    for m in item.members:
        # News copy names members with a title or a party-state tag; a bare name is never guessed.
        if not (m.state or m.title):
            unresolved.append(m.name)
            continue
        mid = resolver.resolve(name=m.name, state=m.state, party=m.party, chamber=m.chamber)
        if mid and mid not in members:
            members.append(mid)
        elif not mid:
            unresolved.append(m.name)
    key = f"news:{item.url}"
    day = item.published.isoformat() if item.published else None
    data = {"title": item.title, "outlet": item.outlet, "url": item.url, "bills": item.bills, "members": members,
            "excerpt": _excerpt(item.body), "author": item.author, "date": day, "unresolved": unresolved}
    row = {"url": item.url, "title": item.title, "outlet": item.outlet, "published": day, "body": item.body,
           "bills": item.bills, "members": members}
    return [EntityRecord("news_item", [row], ("url",)),
            EventRecord(kind="news.published", key=key, title=item.title, occurred_at=_occurred(item.published),
                        bill_id=item.bills[0] if len(item.bills) == 1 else None, member_ids=members,
                        source_url=item.fetched_url or item.url, data=data)]


IMPORTERS = {LetterItem: import_letter, NewsArticle: import_news}
