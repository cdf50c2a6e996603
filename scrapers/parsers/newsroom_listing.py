"""Newsroom listing pages -> article links and the next page (a navigation helper for spiders).

No ``KIND``: listings are navigation, not documents to record. The site entry's ``item_links`` and
``next_page`` selectors are used when present; otherwise a generic heuristic finds the article links
(links inside headings or table rows, on the same site, not navigation) and the pager's "next" link.
Handles the old senate.gov CMS listings in ../shared/fixtures/press_releases (Drupal "views-row"
lists, ColdFusion ``#press`` lists with ``span.date``, tables of ``<time>`` rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

from scrapers.parsers import _html
from scrapers.parsers._sites import Site, match

_NEXT_TEXT = re.compile(r"^(?:next(?:\s+page)?|older(?:\s+(?:posts|entries|news))?|more)\s*[›»>]*$|^[›»>]$", re.I)


@dataclass
class ListingEntry:
    url: str
    title: str
    published: date | None = None


@dataclass
class Listing:
    entries: list[ListingEntry] = field(default_factory=list)
    next_page: str | None = None


def parse_listing(body: bytes, url: str, site: Site | None = None) -> Listing:
    """Article links and the next listing page. Raises ``PageRefused`` for unreadable pages."""
    root = _html.load(body, url)
    site = site or match(url)
    hook = site.load_hook() if site and site.hook else None
    if hook is not None and getattr(hook, "listing", None):
        return hook.listing(root, url, site)
    _html.strip_active(root)
    out = Listing(next_page=_next_page(root, url, site))
    anchors = _html.select(root, site.item_links) if site and site.item_links else []
    if not anchors:
        anchors = _generic_anchors(root, url)
    seen: set[str] = set()
    for a in anchors:
        if a.tag != "a":
            a = a.find(".//a")
            if a is None:
                continue
        href = " ".join((a.get("href") or "").split())  # cowan.senate.gov wraps hrefs in whitespace
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        absu = urljoin(url, href)
        if urlsplit(absu).scheme not in ("http", "https") or absu in seen:
            continue
        seen.add(absu)
        out.entries.append(ListingEntry(absu, _html.one_line(a), _date_near(a, site)))
    return out


def _next_page(root, url: str, site: Site | None) -> str | None:
    cands = _html.select(root, site.next_page) if site and site.next_page else []
    if not cands:
        cands = root.xpath("//a[@rel='next'] | //link[@rel='next']")
    if not cands:
        cands = root.xpath("//li[contains(@class,'next')]//a | //a[contains(@class,'next')]")
    if not cands:
        cands = [a for a in root.iter("a") if _NEXT_TEXT.match(_html.one_line(a))]
    for a in cands:
        href = " ".join((a.get("href") or "").split())
        if href and not href.startswith(("#", "javascript:")):
            absu = urljoin(url, href)
            if absu != url and urlsplit(absu).scheme in ("http", "https"):
                return absu
    return None


def _generic_anchors(root, url: str) -> list:
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    base_path = urlsplit(url).path.rstrip("/")
    out = []
    for a in root.iter("a"):
        href = " ".join((a.get("href") or "").split())
        text = _html.one_line(a)
        if len(text) < 15:
            continue
        absu = urljoin(url, href)
        parts = urlsplit(absu)
        if (parts.hostname or "").lower().removeprefix("www.") != host:
            continue
        path = parts.path.rstrip("/")
        if not path or path == base_path or (base_path and not path.startswith(base_path.rsplit("/", 1)[0])):
            continue
        if len(path.split("/")) < 3:
            continue  # /about, /contact: site navigation
        anc = [e.tag for e in a.iterancestors()][:4]
        if any(t in ("h1", "h2", "h3", "h4", "td", "li", "article") for t in anc) or \
                re.search(r"title", a.get("class") or "") or len(text) >= 30:
            if not any(t in ("nav", "footer", "header") for t in (e.tag for e in a.iterancestors())):
                out.append((path.rsplit("/", 1)[0], a))
    # Articles of one listing share a parent path (/newsroom/press/...); menus point everywhere.
    groups: dict[str, int] = {}
    for parent, _ in out:
        groups[parent] = groups.get(parent, 0) + 1
    if not groups:
        return []
    top = max(groups.values())
    keep = {g for g, n in groups.items() if n == top or n >= max(3, top // 2 + 1)}
    return [a for parent, a in out if parent in keep]


def _date_near(a, site: Site | None) -> date | None:
    """The date printed next to a listing link: in its row/container, or just before its heading
    (paul.senate.gov prints ``<span class="date">05.19.15</span>`` before the ``<h2>``)."""
    fmt = site.date_format if site else None
    node = a
    for _ in range(4):
        parent = node.getparent()
        if parent is None:
            break
        if len([x for x in parent.iter("a") if len(_html.one_line(x)) >= 15]) > 1:
            prev = node.getprevious()
            for _ in range(3):
                if prev is None:
                    break
                d = _html.as_date(_html.parse_date(prev.get("datetime") or _html.one_line(prev), fmt))
                if d:
                    return d
                prev = prev.getprevious()
            break
        node = parent
        for t in node.iter("time"):
            d = _html.as_date(_html.parse_date(t.get("datetime") or _html.one_line(t)))
            if d:
                return d
        d = _html.as_date(_html.parse_date(_html.one_line(node), fmt))
        if d:
            return d
    return None
