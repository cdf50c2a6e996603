"""A member's or committee's newsroom article page -> one :class:`LetterItem` (a letter or a statement).

Detection uses the URL (``tracker ingest --source-url``, or the page's canonical URL for a saved
file): official sites (senate.gov, house.gov and their subdomains, or a ``type = "newsroom"`` entry
of ``scrapers/sites.toml``) with an article structure (a title and body paragraphs, not a listing).
The site entry selects selectors; pages of sites without one use the generic extraction.

Extracted: title, date, body (plain text; navigation, sidebars, "Keep Reading"/related lists and
share tools removed), letter or statement (signals in ``vocab/letter_signals.csv``), signers as
written (resolved to bioguide ids by the importer), recipient and agency, bills mentioned, and the
questions or demands a letter lists. A page without a title or body raises ``ValueError`` (the
document is quarantined, never recorded as an empty statement).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapers.items.letters import LetterItem, Signer
from scrapers.parsers import _html, _mentions
from scrapers.parsers._article import Article, extract, is_article, require_article
from scrapers.parsers._sites import Site, is_official, match
from tracker.ids import bill_ids_in_text, congress_for_year

KIND = "newsroom"
PRIORITY = 80
LETTER_THRESHOLD = 3
MIN_BODY_CHARS = 120

_URL_IN_HEAD = re.compile(rb"""<(?:link[^>]+rel=["']?canonical["']?[^>]*href|meta[^>]+property=["']og:url["'][^>]*content)=["']([^"']+)""", re.I)
_URL_IN_HEAD_REV = re.compile(rb"""<link[^>]+href=["']([^"']+)["'][^>]*rel=["']?canonical""", re.I)


def page_url(body: bytes, url: str | None) -> str | None:
    """The URL that identifies a page: an http(s) URL given, else the canonical URL in its head."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    head = body[:65536]
    m = _URL_IN_HEAD.search(head) or _URL_IN_HEAD_REV.search(head)
    if m:
        cand = m.group(1).decode("utf-8", "replace").strip()
        if urlsplit(cand).scheme in ("http", "https"):
            return cand
    return url


def is_newsroom_url(url: str | None) -> bool:
    site = match(url)
    if site is not None:
        return site.type == "newsroom"
    return is_official(url)


def detect(body: bytes, url: str | None) -> bool:
    """Official-site HTML with an article structure (title + body paragraphs, not a listing)."""
    if len(body) > _html.MAX_PAGE_BYTES:
        return _html.looks_like_html(body) and is_newsroom_url(page_url(body, url))  # parse() refuses it clearly
    if not _html.looks_like_html(body) or not is_newsroom_url(page_url(body, url)):
        return False
    return is_article(body, url, MIN_BODY_CHARS)


def parse(body: bytes, url: str | None) -> list[LetterItem]:
    art, eff = extract(body, url)
    require_article(art, KIND, MIN_BODY_CHARS, listing_hint=" (use the newsroom spider to follow it)")
    return [build_item(art, eff or url or "", art.site)]


def build_item(art: Article, url: str, site: Site | None, summary: str = "") -> LetterItem:
    """Shared by the feed parser (with ``summary`` and no body)."""
    paras = art.paragraphs or ([summary] if summary else [])
    text = "\n\n".join(paras)
    title = art.title
    published = _html.as_date(art.published)
    signals = letter_signals(title, paras, art.links, site, url)
    weight = sum(w for _, w in signals)
    kind = "letter" if weight >= LETTER_THRESHOLD else "statement"

    mentions: list[dict] = []
    sentence = _mentions.letter_sentence(paras)
    recipient = None
    if sentence:
        s, at = sentence
        head = s[:at]
        mentions += [dict(m, role="signer") for m in _mentions.tagged_mentions(head)]
        mentions += _mentions.titled_mentions(head)
        if kind == "letter":
            recipient = _mentions.recipient_from(s, at)
    else:
        lead = next((p for p in paras[:4] if len(p) > 60), "")
        lead_sentence = _mentions.split_sentences(lead)[:1]
        if lead_sentence:
            mentions += _mentions.tagged_mentions(lead_sentence[0])
            mentions += _mentions.titled_mentions(lead_sentence[0])
    if kind == "letter":
        mentions += _mentions.signature_names(paras)
    known = {_mentions.fold(m["last_name"]) for m in mentions}
    if site and site.member_name:
        known.add(_mentions.fold(site.member_name.split()[-1]))
    mentions += _mentions.title_surnames(title, known)
    signers = _mentions.merge_mentions(mentions)
    _attach_site_owner(signers, site, text + " " + title)
    for s in signers:
        if not s.get("chamber") and site and site.chamber and not s.get("title"):
            s["chamber"] = site.chamber
    salut = _mentions.salutation(paras) if kind == "letter" else None
    if kind == "letter" and not recipient and salut:
        recipient = salut
    agency = None
    if kind == "letter":
        agency = _mentions.agency_in(recipient) or _mentions.agency_in(salut) or _mentions.agency_in(title)
        if recipient:
            recipient = re.sub(r"\s*\([A-Z]{2,8}\)", "", recipient).strip()
    bills: list[str] = []
    if published:
        bills = bill_ids_in_text(title + "\n" + text, congress_for_year(published.year))
    asks = _mentions.asks_from_paras(paras, art.list_items) if kind == "letter" else []
    return LetterItem(
        kind=kind, title=title, url=url, published=published, body=text if art.paragraphs else "",
        summary=summary, site=site.id if site else "generic",
        chamber=(site.chamber if site and site.chamber else _chamber_of(url)),
        signers=[Signer(**{k: v for k, v in s.items() if k in Signer.model_fields}) for s in signers],
        recipient=recipient, agency=agency, bills=bills, asks=asks,
        letter_links=[u for u, t in art.links if u.lower().endswith(".pdf") or "letter" in t.lower()][:10],
        letter_signals=[s for s, _ in signals],
    )


def _chamber_of(url: str) -> str | None:
    host = (urlsplit(url).hostname or "").lower()
    if host.endswith("senate.gov"):
        return "senate"
    if host.endswith("house.gov"):
        return "house"
    return None


def _attach_site_owner(signers: list[dict], site: Site | None, text: str) -> None:
    """On a member's own site the member is named by surname: pin that signer to the configured
    bioguide id (never guess for other names)."""
    if not site or not site.member or not site.member_name:
        return
    last = _mentions.fold(site.member_name.split()[-1])
    first = _mentions.fold(site.member_name.split()[0])
    for s in signers:
        if _mentions.fold(s["last_name"]) == last and (not s.get("first_name") or _mentions.fold(s["first_name"])[:3] == first[:3]
                                                       or len(site.member_name.split()) > 2):
            s["bioguide"] = site.member
            s["chamber"] = s.get("chamber") or site.chamber
            return


def letter_signals(title: str, paras: list[str], links: list[tuple[str, str]], site: Site | None,
                   url: str) -> list[tuple[str, int]]:
    """Which letter signals the page shows, with their weights (vocab/letter_signals.csv)."""
    found: list[tuple[str, int]] = []
    t = title.lower()
    body = "\n".join(paras).lower()
    lead = body[:600]
    link_text = " ".join((u + " " + x).lower() for u, x in links)
    seen: set[tuple[str, str]] = set()
    for signal, where, weight in _mentions.signals():
        hit = False
        if where == "title":
            hit = re.search(r"\b" + re.escape(signal) + r"\b", t) is not None
        elif where == "body":
            hit = signal in body
        elif where == "lead":
            hit = signal in lead
        elif where == "link":
            hit = signal in link_text
        elif where == "salutation":
            hit = any(re.match(r"^dear\s+.{2,120}[:,]\s*$", p.strip(), re.I) for p in paras)
        elif where == "closing":
            hit = any(re.match(r"^sincerely[,.]?$", p.strip(), re.I) for p in paras)
        if hit and (signal, where) not in seen:
            seen.add((signal, where))
            found.append((f"{where}:{signal}", weight))
    if site and site.hint_kind(url) == "letter":
        found.append(("site:kind_hint", LETTER_THRESHOLD))
    # A signal only counts once per phrase: "sent a letter" in the lead and the body is one signal.
    best: dict[str, tuple[str, int]] = {}
    for name, w in found:
        phrase = name.split(":", 1)[1]
        if phrase not in best or best[phrase][1] < w:
            best[phrase] = (name, w)
    return list(best.values())
