"""Safe, plain-text extraction from messy HTML pages (helper for the newsroom and news parsers).

Hostile input is expected: pages are refused above :data:`MAX_PAGE_BYTES` with a clear reason,
bytes are decoded without trusting a wrong declared charset (invalid UTF-8 falls back to
Windows-1252, then to replacement characters), scripts/styles/iframes/forms are dropped before any
text is read (nothing is ever executed: lxml only builds a tree), and the text we return is plain
text with no markup. Traversal is iterative (``etree.iterwalk``), so deep nesting cannot exhaust
the Python stack; libxml2 itself refuses pathological depth.
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import date, datetime, timezone
from typing import Iterable
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

MAX_PAGE_BYTES = 8 * 1024 * 1024   # a newsroom/news article page is < 1 MB; anything this big is refused
MAX_TEXT_CHARS = 400_000            # text kept from one page after extraction


class PageRefused(ValueError):
    """The page cannot be read safely (too large, empty, not HTML). One-line reason."""


# --- decoding ------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff]")


def decode(body: bytes) -> str:
    """Bytes -> text. BOM first, then a declared charset that actually decodes, then UTF-8, then
    Windows-1252 (old senate.gov CMS pages declare utf-8 but ship cp1252 smart quotes), then UTF-8
    with replacement characters. Control characters are removed."""
    if body.startswith(codecs.BOM_UTF8):
        text = body[3:].decode("utf-8", errors="replace")
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = body.decode("utf-16", errors="replace")
    else:
        text = None
        m = _META_CHARSET.search(body[:4096])
        candidates = []
        if m:
            candidates.append(m.group(1).decode("ascii", "ignore").lower())
        candidates += ["utf-8", "cp1252"]
        for enc in candidates:
            try:
                codecs.lookup(enc)
                text = body.decode(enc)
                break
            except (LookupError, UnicodeDecodeError):
                continue
        if text is None:
            # Mixed or broken bytes: whichever reading loses fewer characters.
            u = body.decode("utf-8", errors="replace")
            w = body.decode("cp1252", errors="replace")
            text = w if w.count("\ufffd") < u.count("\ufffd") else u
    return _CTRL.sub("", text)


def looks_like_html(body: bytes) -> bool:
    head = body[:4096].lstrip().lower()
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    if head.startswith(b"<?xml") and b"<html" not in body[:8192].lower():
        return False
    return head.startswith((b"<!doctype html", b"<html", b"<!--", b"<head", b"<meta")) or b"<html" in head


# --- loading -------------------------------------------------------------------------------------

_DANGEROUS = ("script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
              "applet", "svg", "math", "canvas", "video", "audio", "source", "picture", "form", "button",
              "select", "input", "textarea", "dialog", "link", "base")


def load(body: bytes, url: str | None = None) -> lxml_html.HtmlElement:
    """Parse a page safely: size-checked, decoded, active content removed."""
    if not isinstance(body, (bytes, bytearray)):
        raise PageRefused("expected bytes")
    if len(body) > MAX_PAGE_BYTES:
        raise PageRefused(f"page too large: {len(body)} bytes (limit {MAX_PAGE_BYTES}); refused unread")
    if not body.strip():
        raise PageRefused("empty page")
    text = decode(bytes(body))
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  default_doctype=False, huge_tree=False)
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise PageRefused(f"unreadable HTML: {' '.join(str(exc).split())[:200]}") from None
    if root is None:
        raise PageRefused("unreadable HTML: no root element")
    return root


def strip_active(root: lxml_html.HtmlElement) -> None:
    """Remove scripts, styles, embedded objects and forms (keeping the text that follows them)."""
    for el in list(root.iter(*_DANGEROUS)):
        drop(el)


def drop(el) -> None:
    """Remove an element but keep its tail text (lxml's ``drop_tree``)."""
    if el.getparent() is None:
        return
    try:
        el.drop_tree()
    except AttributeError:
        parent = el.getparent()
        if el.tail:
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        parent.remove(el)


# --- metadata ------------------------------------------------------------------------------------

def meta(root, *names: str) -> str | None:
    """First non-empty ``<meta property|name|itemprop=NAME content=...>``."""
    for name in names:
        for el in root.iter("meta"):
            key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
            if key == name.lower():
                v = " ".join((el.get("content") or "").split())
                if v:
                    return v
    return None


def canonical_url(root, url: str | None) -> str | None:
    """``<link rel=canonical>`` or ``og:url``, made absolute; only http(s)."""
    cands = [el.get("href") for el in root.iter("link") if "canonical" in (el.get("rel") or "").lower().split()]
    cands.append(meta(root, "og:url"))
    for c in cands:
        if not c:
            continue
        absu = urljoin(url or "", c.strip())
        if urlsplit(absu).scheme in ("http", "https"):
            return absu
    return None


def json_ld(root) -> list[dict]:
    """Objects of every ``application/ld+json`` block (read before scripts are stripped)."""
    out: list[dict] = []
    for el in root.iter("script"):
        if (el.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(el.text or "")
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(out) < 50:
            d = stack.pop()
            if isinstance(d, list):
                stack.extend(d)
            elif isinstance(d, dict):
                out.append(d)
                if isinstance(d.get("@graph"), list):
                    stack.extend(d["@graph"])
    return out


def select(root, selector: str | None) -> list:
    """CSS selector (cssselect); an XPath when it starts with ``/`` or ``(``. Bad selectors -> []."""
    if not selector:
        return []
    try:
        if selector.startswith(("/", "(")):
            return [e for e in root.xpath(selector) if isinstance(e, etree._Element)]
        return root.cssselect(selector)
    except Exception:  # noqa: BLE001 - a broken selector in sites.toml must not crash a run
        return []


# --- boilerplate ---------------------------------------------------------------------------------

_BOILER_ATTR = re.compile(
    r"(?:^|[\s_-])(?:comments?|commentlist|comment-list|disqus|respond|discussion|replies|related|latest|"
    r"recommended|recommendations|trending|popular|most-read|mostread|recirc|outbrain|taboola|newsletter|"
    r"signup|subscribe|share|sharing|social|breadcrumbs?|sidebar|promo|advert|advertisement|ads?|sponsored|"
    r"keep-reading|read-more|readmore|more-news|more-stories|nav|navbar|navigation|menu|skip|footer|"
    r"masthead|banner|cookie|modal|popup|pager|pagination|print|tags|byline-social)(?:$|[\s_-])",
    re.I)
_BOILER_TAGS = ("nav", "footer", "aside", "header")
_BOILER_HEAD = re.compile(
    r"^(?:latest(?: news| stories| headlines)?|keep reading|related(?: news| stories| articles| posts| content| coverage)?|"
    r"more (?:news|stories|headlines|from [\w .'-]+|on this|in [\w .'-]+)|read (?:more|next)|you (?:may|might) also like|"
    r"recommended(?: for you)?|most (?:popular|read|viewed)|(?:\d+ )?(?:reader )?comments?(?: \(\d+\))?|"
    r"join the (?:conversation|discussion)|leave a (?:comment|reply)|trending(?: now)?|what to read next|up next|"
    r"around the web|sponsored(?: content)?|also read|see also|share this(?: article| story)?|"
    r"sign up for [\w .'-]+|subscribe(?: [\w .'-]+)?|top stories|in other news|editor's picks)$", re.I)


def text_len(el) -> int:
    return len(" ".join("".join(el.itertext()).split()))


def link_density(el) -> float:
    total = text_len(el)
    if not total:
        return 1.0 if el.find(".//a") is not None else 0.0
    links = sum(text_len(a) for a in el.iter("a"))
    return min(1.0, links / total)


def _attr_hit(el) -> bool:
    attrs = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"), el.get("aria-label"))))
    if el.get("role") in ("navigation", "banner", "contentinfo", "complementary"):
        return True
    return bool(attrs and _BOILER_ATTR.search(attrs))


def remove_boilerplate(root, keep=None) -> None:
    """Drop navigation, comments, "latest news"/"Keep Reading"/related blocks and link lists.

    ``keep``: an element that must survive (the chosen content container). A boilerplate-looking
    wrapper that holds most of the content (``<div class="post has-sidebar">``) is kept too.
    """
    total = max(1, text_len(root))
    protected = set()
    if keep is not None:
        node = keep
        while node is not None:
            protected.add(node)
            node = node.getparent()
    # 1. Elements that are boilerplate by tag or class/id.
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el in protected or el.getparent() is None:
            continue
        if el.tag in _BOILER_TAGS or _attr_hit(el):
            if el.tag not in _BOILER_TAGS and len(el.findall(".//p")) >= 3 and text_len(el) > 0.5 * total \
                    and link_density(el) < 0.3:
                continue  # a content wrapper with an unlucky class name
            drop(el)
    # 2. Blocks introduced by a boilerplate heading ("Latest News", "Keep Reading", "Comments").
    for el in list(root.iter("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "p", "div", "span", "dt")):
        if el.getparent() is None or el in protected:
            continue
        label = " ".join("".join(el.itertext()).split()).strip(" :.\u2014-\u00bb\u203a>").strip()
        if not label or len(label) > 60 or not _BOILER_HEAD.match(label):
            continue
        if el.tag in ("div", "span", "p") and len(el) > 1 and text_len(el) > len(label) + 5:
            continue  # a container whose own text only starts with the phrase
        _drop_headed_block(el)
    # 3. Link lists (menus, "more news" lists without a heading).
    for el in list(root.iter("ul", "ol", "div", "section", "table")):
        if el.getparent() is None or el in protected:
            continue
        if len(el.findall(".//a")) >= 3 and link_density(el) > 0.6:
            drop(el)


def _drop_headed_block(head) -> None:
    parent = head.getparent()
    # A small container made of the heading and links: drop it whole (walking up while link-dense).
    node = head
    while parent is not None and parent.getparent() is not None and parent.tag not in ("body", "article", "main"):
        rest = text_len(parent) - text_len(node)
        if rest <= 0 or link_density(parent) >= 0.5 or len(parent.findall(".//p")) <= 1 and rest < 600:
            node, parent = parent, parent.getparent()
            continue
        break
    if node is not head:
        drop(node)
        return
    # Inside the article body: drop the heading and the link lists / comment items right after it.
    sib = head.getnext()
    drop(head)
    while sib is not None:
        nxt = sib.getnext()
        if sib.tag in ("ul", "ol") or link_density(sib) >= 0.5 or _attr_hit(sib):
            drop(sib)
            sib = nxt
        else:
            break


# --- text ----------------------------------------------------------------------------------------

_BLOCK = frozenset(("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
                    "tr", "table", "section", "article", "main", "header", "footer", "br", "hr", "dd", "dt",
                    "dl", "figure", "figcaption", "address", "center", "td", "th"))
_BREAK = "\x00"


def paragraphs(el) -> list[str]:
    """Plain-text paragraphs of an element (block elements and ``<br>`` split paragraphs)."""
    parts: list[str] = []
    size = 0
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else None
        if event == "start":
            if tag in _BLOCK:
                parts.append(_BREAK)
            if tag is not None and node.text:
                parts.append(node.text)
                size += len(node.text)
        else:
            if tag in _BLOCK:
                parts.append(_BREAK)
            if node is not el and node.tail:
                parts.append(node.tail)
                size += len(node.tail)
        if size > MAX_TEXT_CHARS:
            break
    out = []
    for chunk in "".join(parts).split(_BREAK):
        line = " ".join(chunk.split())
        if line:
            out.append(line)
    return out


def text(el) -> str:
    return "\n\n".join(paragraphs(el))


def one_line(el) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def links(el, base: str | None) -> list[tuple[str, str]]:
    """(absolute http(s) URL, link text) of every ``<a href>`` under ``el``."""
    out = []
    for a in el.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        absu = urljoin(base or "", href)
        if urlsplit(absu).scheme in ("http", "https"):
            out.append((absu, one_line(a)))
    return out


# --- dates ---------------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                        "september", "october", "november", "december"], 1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_DATE_WORDS = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b", re.I)
_DATE_DMY = re.compile(r"\b(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?,?\s+(\d{4})\b", re.I)
_DATE_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?)?")
_DATE_NUM = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})\b")


def parse_date(value: str | None, fmt: str | None = None) -> datetime | date | None:
    """A date or datetime from the many ways newsrooms write them; None when nothing fits.
    ``fmt`` (strptime) is tried first (sites.toml ``date_format``). ISO datetimes keep their offset."""
    if not value:
        return None
    v = " ".join(value.split())
    if fmt:
        try:
            return datetime.strptime(v, fmt).date()
        except ValueError:
            pass
    m = _DATE_ISO.search(v)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        try:
            if m.group(4):
                tz = m.group(7)
                base = datetime(y, mo, d, int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
                if tz:
                    iso = base.isoformat() + ("+00:00" if tz == "Z" else tz[:3] + ":" + tz[-2:])
                    return datetime.fromisoformat(iso)
                return base.replace(tzinfo=timezone.utc)
            return date(y, mo, d)
        except ValueError:
            return None
    for rx, order in ((_DATE_WORDS, "mdy"), (_DATE_DMY, "dmy")):
        m = rx.search(v)
        if m:
            if order == "mdy":
                mon, d, y = m.group(1), m.group(2), m.group(3)
            else:
                d, mon, y = m.group(1), m.group(2), m.group(3)
            try:
                return date(int(y), _MONTHS[mon.lower()[:4] if mon.lower().startswith("sept") else mon.lower()[:3]], int(d))
            except (KeyError, ValueError):
                return None
    m = _DATE_NUM.search(v)
    if m:  # US order: 07.03.25 (Rand Paul's newsroom), 07/03/2025
        mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if y < 100:
            y += 2000
        try:
            return date(y, mo, d)
        except ValueError:
            return None
    return None


def as_date(v: datetime | date | None) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    return v


def first(items: Iterable):
    for i in items:
        return i
    return None
