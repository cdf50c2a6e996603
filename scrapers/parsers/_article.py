"""Article-page extraction shared by the newsroom and news parsers: title, date, author, canonical URL
and the body as plain-text paragraphs with boilerplate removed. The site config (``sites.toml``)
supplies selectors; without one (or when they find nothing) a generic heuristic does the work.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from scrapers.parsers import _html
from scrapers.parsers._sites import Site, match

# Headings that name a section of the site rather than the article ("Ranking Member's News").
_GENERIC_H1 = re.compile(r"^(?:(?:ranking member'?s?|chairman'?s?|chair'?s?|majority|minority|democrats'?|republicans'?)\s+)?"
                         r"(?:news(?:room)?|press(?: releases?)?|press room|media|statements?|letters?|releases|"
                         r"articles?|blog|oversight letters|in the news)$", re.I)
_CONTENT_HINT = re.compile(r"(?:^|[\s_-])(?:article-?body|articlebody|entry-content|post-content|story-body|"
                           r"press-release-body|field-name-body|field--name-body|body-content|main-content|content|"
                           r"story|article|post|press-release|release|text)(?:$|[\s_-])", re.I)


@dataclass
class Article:
    title: str = ""
    published: datetime | date | None = None
    paragraphs: list[str] = field(default_factory=list)
    list_items: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    canonical: str | None = None
    author: str | None = None
    site_name: str | None = None
    og_type: str | None = None
    site: Site | None = None
    listing_like: bool = False

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def effective_url(url: str | None, root) -> str | None:
    """The page's own URL: the given http(s) URL, else (a saved file) its canonical/og:url."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return _html.canonical_url(root, url) or url


def extract(body: bytes, url: str | None) -> tuple[Article, str | None]:
    """Read an article page. Returns (article, effective url). Raises ``PageRefused``."""
    root = _html.load(body, url)
    eff = effective_url(url, root)
    site = match(eff)
    art = Article(site=site)
    art.canonical = _html.canonical_url(root, eff)
    ld = [d for d in _html.json_ld(root) if isinstance(d, dict)]
    ld_article = next((d for d in ld if str(d.get("@type", "")).lower().endswith(("article", "posting", "report"))), None)
    art.og_type = _html.meta(root, "og:type")
    art.site_name = _html.meta(root, "og:site_name")
    hook = site.load_hook() if site and site.hook else None
    _html.strip_active(root)

    # Title: config selector, then a specific <h1>, then og:title / JSON-LD headline / <title>.
    title = ""
    if site and site.title:
        title = _html.one_line(_html.first(_html.select(root, site.title)))
    if not title:
        for h1 in root.iter("h1"):
            t = _html.one_line(h1)
            if t and not _GENERIC_H1.match(t.strip()) and len(t) >= 8 and (not art.site_name or t != art.site_name):
                title = t
                break
    if not title:
        title = _html.meta(root, "og:title", "twitter:title") or (str(ld_article.get("headline") or "") if ld_article else "")
    if not title:
        t = _html.one_line(_html.first(root.iter("title")))
        title = re.split(r"\s+[|\u2013\u2014]\s+|\s+-\s+(?=[^-]+$)", t)[0] if t else ""
    art.title = title.strip()

    # Date: config selector+format, meta tags, JSON-LD, <time>, elements with "date" in the class.
    published = None
    if site and site.date:
        published = _html.parse_date(_html.one_line(_html.first(_html.select(root, site.date))), site.date_format)
    if published is None:
        published = _html.parse_date(_html.meta(root, "article:published_time", "og:published_time", "datePublished",
                                                "date", "dc.date", "dc.date.issued", "pubdate", "parsely-pub-date",
                                                "sailthru.date"))
    if published is None and ld_article:
        published = _html.parse_date(str(ld_article.get("datePublished") or ld_article.get("dateCreated") or ""))
    if published is None:
        for t in root.iter("time"):
            published = _html.parse_date(t.get("datetime") or _html.one_line(t))
            if published:
                break
    if published is None:
        for el in root.xpath("//*[contains(translate(@class,'DATE','date'),'date')]")[:20]:
            published = _html.parse_date(_html.one_line(el))
            if published:
                break
    art.published = published

    # Author (news): config selector, meta author, JSON-LD author, .author / rel=author.
    author = None
    if site and site.author:
        author = _html.one_line(_html.first(_html.select(root, site.author))) or None
    if not author:
        author = _html.meta(root, "author", "article:author", "parsely-author", "sailthru.author")
    if not author and ld_article:
        a = ld_article.get("author")
        if isinstance(a, list) and a:
            a = a[0]
        author = (a.get("name") if isinstance(a, dict) else a) or None
    if not author:
        el = _html.first(_html.select(root, ".author, [rel=author], .byline-name"))
        author = _html.one_line(el) or None
    art.author = author if author and not author.startswith("http") else None

    # Body container: config selector, else the best-scoring block after boilerplate removal.
    container = None
    if site and site.body:
        container = _html.first(_html.select(root, site.body))
    if container is not None:
        _html.remove_boilerplate(container, keep=container)
    else:
        art.listing_like = _listing_like(root)
        _html.remove_boilerplate(root)
        container = _best_container(root)
    if container is None:
        return art, eff
    art.links = _html.links(container, eff)
    art.list_items = [_html.one_line(li) for li in container.iter("li") if _html.link_density(li) < 0.5]
    paras = _html.paragraphs(container)
    # The title and date lines repeated at the top of the container are not body text.
    while paras and (paras[0] == art.title or _html.parse_date(paras[0]) and len(paras[0]) <= 40):
        paras.pop(0)
    art.paragraphs = [p for p in paras if not re.fullmatch(r"[#\s*\-]+", p)]
    if hook is not None and getattr(hook, "article", None):
        hook.article(art, eff, site)
    return art, eff


def _listing_like(root) -> bool:
    """A newsroom listing, not an article: many headings that are links, or a table of dated links."""
    probe = copy.deepcopy(root)
    _html.remove_boilerplate(probe)
    headed = sum(1 for h in probe.iter("h2", "h3", "h4") if h.find(".//a") is not None)
    rows = sum(1 for tr in probe.iter("tr") if tr.find(".//a") is not None and (tr.find(".//time") is not None
                                                                                   or _html.parse_date(_html.one_line(tr))))
    times = sum(1 for _ in probe.iter("time"))
    return headed >= 5 or rows >= 5 or times >= 6


def _best_container(root):
    """Readability-style scoring: each paragraph credits its parent (and half its grandparent) with
    its text length; link-heavy blocks score little. ``itemprop=articleBody`` wins outright."""
    for el in root.xpath("//*[@itemprop='articleBody']"):
        return el
    scores: dict = {}
    for p in root.iter("p", "li", "pre", "blockquote", "td"):
        n = _html.text_len(p)
        if n < 25:
            continue
        parent = p.getparent()
        if parent is None:
            continue
        weight = n * (1.0 - _html.link_density(p))
        scores[parent] = scores.get(parent, 0.0) + weight
        gp = parent.getparent()
        if gp is not None:
            scores[gp] = scores.get(gp, 0.0) + weight / 2
    # Text directly inside a <div> (old CMS pages use <br> instead of <p>).
    for div in root.iter("div", "td"):
        own = len(" ".join(((div.text or "") + "".join(c.tail or "" for c in div)).split()))
        if own >= 80:
            scores[div] = scores.get(div, 0.0) + own
    if not scores:
        return root.find("body") if root.find("body") is not None else root
    for el in list(scores):
        attrs = " ".join(filter(None, (el.get("class"), el.get("id"))))
        if attrs and _CONTENT_HINT.search(attrs):
            scores[el] *= 1.25
    return max(scores, key=lambda e: scores[e])


def is_article(body: bytes, url: str | None, min_body_chars: int) -> bool:
    """True when the page extracts to a titled article of at least ``min_body_chars`` characters of
    text and is not a listing (the shared test of the newsroom and news-article detectors)."""
    try:
        art, _ = extract(body, url)
    except ValueError:
        return False
    return bool(art.title) and len(art.body) >= min_body_chars and not art.listing_like


def require_article(art: Article, kind: str, min_body_chars: int, *, listing_hint: str = "",
                    title_word: str = "title", text_note: str = " of text") -> None:
    """Raise a one-line ValueError (prefixed with the parser ``kind``) unless ``art`` is a whole
    article: not a listing page, a title, and at least ``min_body_chars`` of body."""
    if art.listing_like:
        raise ValueError(f"{kind}: this is a listing page, not an article{listing_hint}")
    if not art.title:
        raise ValueError(f"{kind}: no {title_word} found (layout changed?)")
    if len(art.body) < min_body_chars:
        raise ValueError(f"{kind}: no article body found ({len(art.body)} characters{text_note}; layout changed?)")
