"""A news outlet's article page -> one :class:`NewsArticle` (``news.published``).

Pages of official sites (senate.gov, house.gov) are left to the newsroom parser; everything else
with an article structure (``og:type=article``, an ``<article>``, a JSON-LD ``NewsArticle`` or
``article:published_time``; a title and body paragraphs; not a listing) is read here. Reader
comments, "Latest News"/"Keep Reading"/related lists, share bars and navigation are removed before
the body is taken, so they never leak into it (tests/test_news_article.py). The key URL is the
canonical one (``<link rel=canonical>``/``og:url``) without tracking parameters.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers.items.letters import NewsArticle
from scrapers.parsers import _html, _mentions
from scrapers.parsers._article import extract, is_article, require_article
from scrapers.parsers.newsroom import is_newsroom_url, page_url
from tracker.ids import bill_ids_in_text, congress_for_year

KIND = "news_article"
PRIORITY = 85
MIN_BODY_CHARS = 200

_ARTICLE_MARK = re.compile(rb"""og:type["']?\s+content=["']article|<article[\s>]|"@type"\s*:\s*"(?:News)?Article"|article:published_time""", re.I)
_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_|cmpid$|ref$|smid$|s_cid$)", re.I)


def canonical(url: str) -> str:
    """Scheme/host lower-cased, tracking parameters and fragment dropped, trailing slash kept off."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), (parts.netloc or "").lower(), path, query, ""))


def detect(body: bytes, url: str | None) -> bool:
    if not _html.looks_like_html(body):
        return False
    eff = page_url(body, url)
    if is_newsroom_url(eff):
        return False
    if len(body) > _html.MAX_PAGE_BYTES:
        return bool(eff and urlsplit(eff).scheme in ("http", "https"))  # parse() refuses it with a reason
    if not _ARTICLE_MARK.search(body[:262144]):
        return False
    return is_article(body, url, MIN_BODY_CHARS)


def parse(body: bytes, url: str | None) -> list[NewsArticle]:
    art, eff = extract(body, url)
    require_article(art, KIND, MIN_BODY_CHARS, title_word="headline", text_note="")
    text = art.body
    key_url = canonical(art.canonical or eff or url or "")
    published = art.published
    year = published.year if published else None
    bills = bill_ids_in_text(art.title + "\n" + text, congress_for_year(year)) if year else []
    members = _mentions.merge_mentions(_mentions.tagged_mentions(text, "mentioned")
                                       + _mentions.titled_mentions(text, "mentioned"))
    outlet = None
    if art.site is not None:
        outlet = art.site.outlet or art.site.name or None
    outlet = outlet or art.site_name or (urlsplit(key_url).hostname or "").removeprefix("www.") or None
    return [NewsArticle(title=art.title, url=key_url, fetched_url=eff or url, outlet=outlet, author=art.author,
                        published=published, body=text, bills=bills,
                        members=[dict(m, role="mentioned") for m in members])]
