"""newsroom: members' and committees' newsrooms, driven by ``scrapers/sites.toml`` (navigation only).

For each ``type = "newsroom"`` site entry: fetch its listing pages (``listing``; following
``next_page`` up to ``max_pages``) and/or its feed (``feed``), follow the article links, and yield
each article page as a :class:`RawDocument` of kind ``newsroom``; the store pipeline parses it
(``scrapers/parsers/newsroom.py``) exactly as ``tracker ingest --source-url URL page.html`` would.

Arguments (``scrapy crawl newsroom -a ...``):

- ``sites=warren,finance-ranking``: only these entries (default: every newsroom entry);
- ``sites_file=PATH``: another site table (also ``TRACKER_SITES_FILE``);
- ``pages=N``: cap listing pages per site (overrides ``max_pages``);
- ``member_feeds=1``: add the ``rss_url`` feeds of current members from the ``member`` table (filled
  from congress-legislators) for members without an entry.

Layout changes are noticed here: each article page is also checked with the pure parser, and at
close a site whose listing pages gave no links, or whose article pages gave no valid item (title,
date, body), or lost a required field on most pages, gets a ``source.alarm`` event
(``alarm:newsroom/{site}:{reason}:{day}``) through ``db.store.record``, instead of silently
recording nothing (or empty events).
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

import scrapy

from scrapers.items import RawDocument
from scrapers.parsers import _sites

logger = logging.getLogger(__name__)


def _media_type(response) -> str | None:
    return response.headers.get("Content-Type", b"").decode("latin-1") or None


class NewsroomSpider(scrapy.Spider):
    name = "newsroom"
    site_type = "newsroom"
    article_kind = "newsroom"

    def __init__(self, sites: str | None = None, sites_file: str | None = None, pages: str | int | None = None,
                 member_feeds: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if sites_file:
            os.environ["TRACKER_SITES_FILE"] = sites_file  # the parsers select site entries by URL too
        self.only = {s.strip() for s in sites.split(",") if s.strip()} if sites else None
        self.pages = int(pages) if pages else None
        self.member_feeds = str(member_feeds or "").lower() in ("1", "true", "yes")
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.seen: set[str] = set()

    # --- which sites ------------------------------------------------------------------------------

    def selected_sites(self) -> list[_sites.Site]:
        sites = [s for s in _sites.load_sites() if s.type == self.site_type]
        if self.only is not None:
            unknown = self.only - {s.id for s in sites}
            if unknown:
                raise ValueError(f"unknown {self.site_type} site(s) {sorted(unknown)} in {_sites.config_path()}")
            sites = [s for s in sites if s.id in self.only]
        if self.member_feeds and self.site_type == "newsroom":
            sites += member_feed_sites({s.member for s in sites if s.member})
        return sites

    async def start(self):
        for req in self.initial_requests():
            yield req

    def start_requests(self):  # Scrapy < 2.13
        yield from self.initial_requests()

    def initial_requests(self):
        for site in self.selected_sites():
            for url in site.listing:
                yield scrapy.Request(url, callback=self.parse_listing, errback=self.failed,
                                     cb_kwargs={"site": site, "page": 1}, dont_filter=True)
            if site.feed:
                yield scrapy.Request(site.feed, callback=self.parse_feed, errback=self.failed,
                                     cb_kwargs={"site": site}, dont_filter=True)
            for url in self.extra_urls(site):
                yield self.article_request(url, site)

    def extra_urls(self, site: _sites.Site) -> list[str]:
        return []

    # --- callbacks --------------------------------------------------------------------------------

    def failed(self, failure):
        request = failure.request
        site = request.cb_kwargs.get("site")
        if site is not None:
            self.counts[site.id]["errors"] += 1
        logger.warning("fetch failed %s: %s", request.url, failure.getErrorMessage())

    def article_request(self, url: str, site: _sites.Site) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed, cb_kwargs={"site": site})

    def parse_listing(self, response, site: _sites.Site, page: int):
        from scrapers.parsers.newsroom_listing import parse_listing
        c = self.counts[site.id]
        c["listing_pages"] += 1
        try:
            listing = parse_listing(response.body, response.url, site)
        except ValueError as exc:
            c["listing_errors"] += 1
            logger.warning("%s: unreadable listing %s: %s", site.id, response.url, exc)
            return
        c["links"] += len(listing.entries)
        for entry in listing.entries:
            if entry.url in self.seen:
                continue
            self.seen.add(entry.url)
            yield self.article_request(entry.url, site)
        limit = self.pages or site.max_pages
        if listing.next_page and page < limit and listing.entries:
            yield scrapy.Request(listing.next_page, callback=self.parse_listing, errback=self.failed,
                                 cb_kwargs={"site": site, "page": page + 1})

    def parse_feed(self, response, site: _sites.Site):
        from scrapers.parsers import feed
        c = self.counts[site.id]
        c["feeds"] += 1
        try:
            items = feed.parse(response.body, response.url)
        except ValueError as exc:
            c["listing_errors"] += 1
            logger.warning("%s: unreadable feed %s: %s", site.id, response.url, exc)
            return
        c["links"] += len(items)
        for it in items:
            if it.url in self.seen:
                continue
            self.seen.add(it.url)
            # The feed is navigation: the article page is what gets recorded (one copy, full text).
            yield self.article_request(it.url, site)

    def check_article(self, body: bytes, url: str) -> tuple[bool, list[str]]:
        """(valid, missing fields) by the pure parser, so a layout change is noticed at close."""
        from scrapers import parsers
        try:
            item = parsers.get(self.article_kind).parse(body, url)[0]
        except ValueError as exc:
            return False, [str(exc)]
        missing = [f for f in ("title", "published", "body") if not getattr(item, f)]
        return not missing, missing

    def parse_article(self, response, site: _sites.Site):
        c = self.counts[site.id]
        c["articles"] += 1
        valid, missing = self.check_article(response.body, response.url)
        if valid:
            c["valid"] += 1
        elif missing and all(m in ("published", "title", "body") for m in missing):
            c["incomplete"] += 1
            for m in missing:
                c[f"missing_{m}"] += 1
        else:
            c["invalid"] += 1
        yield RawDocument(url=response.url, body=response.body, media_type=_media_type(response),
                          kind=self.article_kind, fetched_at=datetime.now(timezone.utc), meta={"site": site.id})

    # --- alarms -----------------------------------------------------------------------------------

    def closed(self, reason: str):
        alarms = layout_alarms(self.name, self.counts)
        for k, v in self.counts.items():
            logger.info("%s %s: %s", self.name, k, dict(v))
            if self.crawler is not None and self.crawler.stats is not None:
                for name, n in v.items():
                    self.crawler.stats.set_value(f"{self.name}/{k}/{name}", n)
        if alarms:
            record_alarms(alarms)


def layout_alarms(spider: str, counts: dict[str, dict[str, int]], now: datetime | None = None) -> list[Any]:
    """``source.alarm`` EventRecords for sites whose run went wrong (pure: counts in, records out).

    - ``empty_run``: listing pages or feeds were fetched but gave no article links;
    - ``layout_changed``: article pages were fetched but none gave a valid item, or most (> 50%, at
      least 2) lost a required field (title, date, body);
    - ``fetch_failed``: every request of the site failed (403s, timeouts) and nothing was fetched.
    """
    from db.records import EventRecord
    when = now or datetime.now(timezone.utc)
    day = when.date().isoformat()
    out = []
    for site, c in sorted(counts.items()):
        fetched = c.get("listing_pages", 0) + c.get("feeds", 0)
        articles = c.get("articles", 0)
        reason = details = None
        if fetched and not c.get("links") and not articles:
            reason, details = "empty_run", f"{fetched} listing page(s)/feed(s) fetched, no article links found"
        elif articles and not c.get("valid"):
            reason = "layout_changed"
            details = f"{articles} article page(s) fetched, none gave a title, date and body"
        elif articles >= 2 and c.get("incomplete", 0) * 2 > articles:
            lost = sorted(k.removeprefix("missing_") for k in c if k.startswith("missing_"))
            reason = "layout_changed"
            details = f"{c['incomplete']} of {articles} article pages lost required fields: {', '.join(lost)}"
        elif not fetched and not articles and c.get("errors"):
            reason, details = "fetch_failed", f"all {c['errors']} request(s) failed"
        if reason is None:
            continue
        source = f"{spider}/{site}"
        out.append(EventRecord(
            kind="source.alarm", key=f"alarm:{source}:{reason}:{day}", title=f"{source}: {details}",
            occurred_at=when,
            data={"job": source, "spider": spider, "site": site, "reason": reason, "details": {"summary": details, **dict(c)},
                  "run_id": None}))
    return out


def record_alarms(alarms: list[Any]) -> None:
    from db.store import record
    try:
        record(alarms)
        for a in alarms:
            logger.warning("source.alarm %s", a.title)
    except Exception as exc:  # noqa: BLE001 - the alarm must not crash the close of a run
        logger.error("could not record %d source.alarm event(s): %s", len(alarms), " ".join(str(exc).split())[:300])


def member_feed_sites(exclude: set[str]) -> list[_sites.Site]:
    """Feed-only site entries for current members with an ``rss_url`` (congress-legislators data)."""
    from sqlalchemy import select
    from sqlmodel import SQLModel
    import db.models  # noqa: F401
    from db.engine import get_engine
    member = SQLModel.metadata.tables["member"]
    out = []
    with get_engine().connect() as conn:
        rows = conn.execute(select(member.c.bioguide_id, member.c.official_full, member.c.chamber, member.c.rss_url)
                            .where(member.c.current.is_(True), member.c.rss_url.is_not(None))).all()
    for bio, name, chamber, rss in rows:
        if bio in exclude or not rss:
            continue
        rss = rss.replace("&amp;", "&").strip()  # some rss_url values carry a literal &amp;
        from urllib.parse import urlsplit
        host = (urlsplit(rss).hostname or "").lower().removeprefix("www.")
        if not host:
            continue
        out.append(_sites.Site(id=f"member-{bio.lower()}", type="newsroom", name=name or bio, domains=(host,),
                               member=bio, member_name=name, chamber=chamber, feed=rss))
    return out
