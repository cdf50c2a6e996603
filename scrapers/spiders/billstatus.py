"""billstatus: GovInfo BILLSTATUS bulk XML, driven by GovInfo's sitemaps (the default bill source;
no key needed). Navigation only: the pipeline parses and records.

Incremental: the sitemap index lists one sitemap per congress and type; each lists the BILLSTATUS
files with a ``<lastmod>``. A file is requested only when its ``<lastmod>`` is newer than the one
recorded in the ``sitemap_entry`` table for that URL (the cursor lives in the store, advanced in the
same transaction as the document by ``scrapers/importers/bills.py``). A fetched file whose bytes
are already stored advances the cursor here directly (nothing else to write).

Arguments: ``-a congress=119`` (only that congress; default: every congress in the index),
``-a types=hr,s`` (bill types), ``-a limit=500`` (at most that many files per run),
``-a index_url=...`` (another sitemap index or a single child sitemap, e.g. a local replay).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

import scrapy
from sqlalchemy import select
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.engine import get_engine
from db.records import EntityRecord, sha256_hex
from db.store import document_status, record
from scrapers.items import RawDocument
from scrapers.parsers import govinfo_sitemap as gs
from tracker import ids

SPIDER = "billstatus"


def load_cursors(urls: Iterable[str], engine=None) -> dict[str, str]:
    """url -> lastmod recorded in ``sitemap_entry`` (missing URLs are absent)."""
    table = SQLModel.metadata.tables["sitemap_entry"]
    urls = list(dict.fromkeys(urls))
    out: dict[str, str] = {}
    with (engine or get_engine()).connect() as conn:
        for i in range(0, len(urls), 500):
            for url, lastmod in conn.execute(select(table.c.url, table.c.lastmod).where(table.c.url.in_(urls[i:i + 500]))):
                out[url] = lastmod
    return out


def is_newer(lastmod: str | None, stored: str | None) -> bool:
    """Fetch when never fetched, when the sitemap gives no usable date, or when it moved forward."""
    if stored is None:
        return True
    new, old = gs.parse_lastmod(lastmod), gs.parse_lastmod(stored)
    if new is None or old is None:
        return new is None or lastmod != stored
    return new > old


def advance_cursor(url: str, lastmod: str, sha256: str | None = None, engine=None) -> None:
    record([EntityRecord("sitemap_entry", [{"url": url, "lastmod": lastmod, "spider": SPIDER, "sha256": sha256}],
                         ("url",))], engine=engine)


class BillStatusSpider(scrapy.Spider):
    name = SPIDER

    def __init__(self, congress: str | int | None = None, types: str | None = None, limit: str | int | None = None,
                 index_url: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.congress = int(congress) if congress not in (None, "") else None
        self.types = {ids.normalize_bill_type(t) for t in types.split(",") if t.strip()} if types else None
        self.limit = int(limit) if limit not in (None, "") else None
        self.index_url = index_url or gs.BILLSTATUS_INDEX
        self.scheduled = 0

    async def start(self):
        from db.migrate import upgrade
        upgrade()
        yield scrapy.Request(self.index_url, callback=self.parse, dont_filter=True)

    def _wanted(self, loc: str) -> bool:
        scope = gs.child_scope(loc)
        if scope is None:
            return True  # not GovInfo's naming (a local replay): follow it
        congress, btype = scope
        return (self.congress is None or congress == self.congress) and (self.types is None or btype in self.types)

    def parse(self, response):
        try:
            kind, entries = gs.parse_sitemap(response.body)
        except ValueError as exc:
            self.logger.error("unreadable sitemap %s: %s", response.url, exc)
            self.crawler.stats.inc_value("billstatus/bad_sitemap")
            return
        if kind == "index":
            for e in entries:
                if self._wanted(e.loc):
                    yield response.follow(e.loc, callback=self.parse, dont_filter=True)
            return
        files = [e for e in entries if e.loc.endswith(".xml")]
        if self.types is not None or self.congress is not None:
            files = [e for e in files if self._file_wanted(e.loc)]
        cursors = load_cursors(e.loc for e in files)
        for e in files:
            if not is_newer(e.lastmod, cursors.get(e.loc)):
                self.crawler.stats.inc_value("billstatus/unchanged")
                continue
            if self.limit is not None and self.scheduled >= self.limit:
                self.crawler.stats.inc_value("billstatus/deferred")
                continue
            self.scheduled += 1
            self.crawler.stats.inc_value("billstatus/changed")
            yield response.follow(e.loc, callback=self.parse_bill, cb_kwargs={"loc": e.loc, "lastmod": e.lastmod})

    def _file_wanted(self, loc: str) -> bool:
        bid = gs.bill_id_of(loc)
        if bid is None:
            return True
        b = ids.parse_bill_id(bid)
        return (self.congress is None or b.congress == self.congress) and (self.types is None or b.type in self.types)

    def parse_bill(self, response, loc: str, lastmod: str | None):
        sha = sha256_hex(response.body)
        if lastmod and document_status(sha) == "parsed":
            advance_cursor(loc, lastmod, sha)  # same bytes already recorded: only the cursor moves
            self.crawler.stats.inc_value("billstatus/same_bytes")
            return
        meta = {"spider": SPIDER, "sha256": sha}
        if lastmod:
            meta.update(sitemap_url=loc, sitemap_lastmod=lastmod)
        yield RawDocument(url=loc, body=response.body, kind="billstatus", media_type="application/xml",
                          fetched_at=datetime.now(timezone.utc), meta=meta)
