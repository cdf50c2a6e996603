"""RSS/Atom feeds of members' newsrooms and news outlets -> letter/statement or news items.

Read with feedparser **from bytes** (``feedparser.parse(bytes)`` never fetches anything). Refused
first: feeds above :data:`MAX_FEED_BYTES` and feeds declaring XML entities or a DOCTYPE (entity
expansion). Quirks of the real feeds in ../shared/fixtures/press_releases:

- burr.senate.gov (SiteDirector, 2013): relative item links (``index.cfm?FuseAction=...``) resolved
  against the channel ``<link>``; lower-case ``<pubdate>``; no descriptions.
- ruiz.house.gov (Drupal): descriptions are HTML escaped twice (``&amp;nbsp;``): decoded to text.

Feeds of official sites (senate.gov, house.gov, or a ``type = "newsroom"`` site entry) give
:class:`LetterItem` s built from title + summary (no body); others give :class:`NewsArticle` s.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import feedparser

from scrapers.items.letters import LetterItem, NewsArticle
from scrapers.parsers import _html, _mentions
from scrapers.parsers._article import Article
from scrapers.parsers._sites import match
from scrapers.parsers.newsroom import build_item, is_newsroom_url
from tracker.ids import bill_ids_in_text, congress_for_year

KIND = "feed"
PRIORITY = 60
MAX_FEED_BYTES = 8 * 1024 * 1024

_ROOT = re.compile(rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(rss|feed|rdf:RDF)\b", re.S | re.I)


def detect(body: bytes, url: str | None) -> bool:
    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    return bool(_ROOT.match(head))


def parse(body: bytes, url: str | None) -> list[LetterItem | NewsArticle]:
    if len(body) > MAX_FEED_BYTES:
        raise ValueError(f"feed too large: {len(body)} bytes (limit {MAX_FEED_BYTES}); refused unread")
    head = bytes(body[:65536]).upper()
    if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
        raise ValueError("feed declares a DOCTYPE or XML entities (refused: entity expansion risk)")
    parsed = feedparser.parse(bytes(body), sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("entries") and parsed.get("bozo"):
        raise ValueError(f"unreadable feed: {' '.join(str(parsed.get('bozo_exception')).split())[:200]}")
    channel_link = parsed.feed.get("link") or url or ""
    src = url if url and urlsplit(url).scheme in ("http", "https") else channel_link
    official = is_newsroom_url(src) or is_newsroom_url(channel_link)
    site = match(src) or match(channel_link)
    items: list = []
    for e in parsed.entries:
        title = " ".join((e.get("title") or "").split())
        link = (e.get("link") or "").strip()
        if not title or not link:
            continue
        link = urljoin(channel_link, link.replace(" ", "%20"))
        if urlsplit(link).scheme not in ("http", "https"):
            continue
        published = None
        for key in ("published_parsed", "updated_parsed"):
            if e.get(key):
                published = datetime(*e[key][:6], tzinfo=timezone.utc)
                break
        if published is None:
            # ruiz.house.gov: "Monday, April 15, 2013 - 2:23pm" is not RFC 822; keep the date part.
            published = _html.parse_date(e.get("published") or e.get("updated") or "")
        summary = _text(e.get("summary") or "")
        content = " ".join(_text(c.get("value", "")) for c in e.get("content", []) if c.get("value"))
        text = content or summary
        if official:
            art = Article(title=title, published=published, site=site)
            items.append(build_item(art, link, site or match(link), summary=text[:20000]))
        else:
            year = published.year if published else None
            bills = bill_ids_in_text(title + "\n" + text, congress_for_year(year)) if year else []
            members = _mentions.merge_mentions(_mentions.tagged_mentions(text, "mentioned")
                                              + _mentions.titled_mentions(text, "mentioned"))
            items.append(NewsArticle(title=title, url=link, fetched_url=link,
                                     outlet=(site.outlet or site.name) if site else parsed.feed.get("title"),
                                     author=e.get("author"), published=published, body=text[:20000],
                                     bills=bills, members=[dict(m, role="mentioned") for m in members]))
    if not items:
        raise ValueError("feed has no entries with a title and an http(s) link (layout changed?)")
    return items


def _text(fragment: str) -> str:
    """An HTML fragment (feedparser sanitised it) as plain text; escaped entities decoded."""
    if not fragment.strip():
        return ""
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    try:
        root = _html.load(f"<html><body><div>{fragment}</div></body></html>".encode("utf-8"))
    except ValueError:
        return ""
    _html.strip_active(root)
    return _html.text(root.find("body"))
