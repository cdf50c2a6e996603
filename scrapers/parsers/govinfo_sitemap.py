"""GovInfo bulk-data sitemaps (a navigation helper for spiders: no ``KIND``).

``https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml`` lists one sitemap per
congress and bill type (``.../BILLSTATUS/119hr/sitemap.xml``); each lists the BILLSTATUS files
(``https://www.govinfo.gov/bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr1.xml``) with a ``<lastmod>``
such as ``2026-04-21T20:20:00.649Z`` (precision varies: compare as instants, not as strings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from tracker import ids
from tracker.xmlsafe import parse_xml

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BILLSTATUS_INDEX = "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml"
_CHILD_RE = re.compile(r"/BILLSTATUS/(\d+)([a-z]+)/sitemap\.xml$")
_FILE_RE = re.compile(r"/BILLSTATUS/(\d+)/([a-z]+)/BILLSTATUS-(\d+)([a-z]+)(\d+)\.xml$")


@dataclass(frozen=True)
class Entry:
    loc: str
    lastmod: str | None


def parse_sitemap(body: bytes) -> tuple[str, list[Entry]]:
    """``("index", [...])`` for a ``<sitemapindex>``, ``("urlset", [...])`` for a ``<urlset>``.
    Raises ValueError on anything else."""
    root = parse_xml(body)
    tag = root.tag.replace(NS, "")
    if tag == "sitemapindex":
        kind, child = "index", "sitemap"
    elif tag == "urlset":
        kind, child = "urlset", "url"
    else:
        raise ValueError(f"not a sitemap (root <{tag}>)")
    out = []
    for el in root:
        if not isinstance(el.tag, str) or el.tag.replace(NS, "") != child:
            continue
        loc = (el.findtext(f"{NS}loc") or el.findtext("loc") or "").strip()
        lastmod = (el.findtext(f"{NS}lastmod") or el.findtext("lastmod") or "").strip() or None
        if loc:
            out.append(Entry(loc, lastmod))
    return kind, out


def parse_lastmod(value: str | None) -> datetime | None:
    """A sitemap ``<lastmod>`` (W3C datetime: date, or date-time with Z/offset) as aware UTC."""
    if not value:
        return None
    v = value.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def child_scope(loc: str) -> tuple[int, str] | None:
    """``(119, "hr")`` for ``.../BILLSTATUS/119hr/sitemap.xml``."""
    m = _CHILD_RE.search(loc)
    return (int(m.group(1)), m.group(2)) if m else None


def billstatus_url(bill_id: str) -> str:
    b = ids.parse_bill_id(bill_id)
    return (f"https://www.govinfo.gov/bulkdata/BILLSTATUS/{b.congress}/{b.type}/"
            f"BILLSTATUS-{b.congress}{b.type}{b.number}.xml")


def bill_id_of(loc: str) -> str | None:
    """``hr1-119`` for a BILLSTATUS file URL; None for anything else."""
    m = _FILE_RE.search(loc)
    if not m:
        return None
    try:
        return ids.bill_id(m.group(4), m.group(5), m.group(3))
    except ValueError:
        return None


def child_sitemap_url(congress: int, bill_type: str) -> str:
    return f"https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/{int(congress)}{ids.normalize_bill_type(bill_type)}/sitemap.xml"
