"""Python hooks for newsroom/outlet sites the table in ``scrapers/sites.toml`` cannot describe.

A site entry names a hook with ``hook = "name"`` (a key of :data:`HOOKS`) or
``hook = "package.module:name"``. A hook is a :class:`SiteHook` with optional pure functions:

- ``listing(root, url, site) -> scrapers.parsers.newsroom_listing.Listing``: replaces the listing
  extraction (``root`` is the lxml tree of the page, scripts still present);
- ``article(article, url, site) -> None``: adjusts the extracted article in place
  (``scrapers.parsers._article.Article``: ``title``, ``published``, ``paragraphs``, ...).

Hooks run inside the pure parsers: no network, no database, no global state. They are imported by
name at use, so parsers keep importing nothing of the project statically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urljoin


@dataclass(frozen=True)
class SiteHook:
    listing: Callable[[Any, str, Any], Any] | None = None
    article: Callable[[Any, str, Any], None] | None = None


def _coldfusion_listing(root, url, site):
    """Old ColdFusion senate.gov sites (burr.senate.gov, 2013): article links are
    ``index.cfm?FuseAction=PressOffice.PressReleases&ContentRecord_id=<uuid>`` in plain tables."""
    from scrapers.parsers import _html
    from scrapers.parsers.newsroom_listing import Listing, ListingEntry
    out = Listing()
    seen = set()
    for a in root.iter("a"):
        href = " ".join((a.get("href") or "").split())
        if "ContentRecord_id=" not in href:
            continue
        absu = urljoin(url, href.replace(" ", "%20"))
        if absu in seen:
            continue
        seen.add(absu)
        row = a.getparent().getparent() if a.getparent() is not None else None
        published = _html.as_date(_html.parse_date(_html.one_line(row))) if row is not None else None
        out.entries.append(ListingEntry(absu, _html.one_line(a), published))
    nxt = next((a.get("href") for a in root.iter("a") if re.match(r"^next\b", _html.one_line(a), re.I)), None)
    out.next_page = urljoin(url, nxt) if nxt else None
    return out


def _strip_signoff(article, url, site):
    """Committee pages that append a boilerplate "Contact: press office" line after ``###``."""
    paras = article.paragraphs
    for i, p in enumerate(paras):
        if p.lower().startswith(("contact:", "press contact:", "media contact:")):
            del paras[i:]
            break


HOOKS: dict[str, SiteHook] = {
    "coldfusion": SiteHook(listing=_coldfusion_listing),
    "strip_signoff": SiteHook(article=_strip_signoff),
}
