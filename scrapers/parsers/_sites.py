"""The site table (``scrapers/sites.toml``): which newsroom or outlet a URL belongs to, and how to read it.

Pure data access (tomllib, no project imports). Each ``[[site]]`` entry is small::

    [[site]]
    id = "warren"                      # unique, used in spider arguments and alarms
    type = "newsroom"                  # newsroom (members, committees) | news (outlets)
    name = "Sen. Elizabeth Warren"
    domains = ["warren.senate.gov"]    # host suffixes this entry covers
    paths = ["/newsroom"]              # optional URL path prefixes (two entries on one host)
    member = "W000817"                 # bioguide of the site owner (member sites)
    member_name = "Elizabeth Warren"
    chamber = "senate"
    listing = ["https://www.warren.senate.gov/newsroom/press-releases"]
    item_links = "h2.title a"          # CSS (or XPath starting with /) for article links on a listing
    next_page = "li.next a"            # CSS for the next listing page
    feed = "https://.../rss"           # optional RSS/Atom feed (used for navigation)
    title = "h1"                       # optional selectors on article pages (generic fallback otherwise)
    date = ".date"
    date_format = "%B %d, %Y"
    body = ".press-release-body"
    max_pages = 2
    kind_hints = { letter = ["/letters/"] }   # regexes on the URL path that mark letters
    hook = "finance_committee"         # optional: a SiteHook in scrapers/sites_hooks.py

An entry whose file cannot be read or validated raises :class:`SiteConfigError` with the entry id.
"""

from __future__ import annotations

import importlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "sites.toml"
_FIELDS = {"id", "type", "name", "domains", "paths", "member", "member_name", "chamber", "listing", "item_links",
           "next_page", "feed", "title", "date", "date_format", "body", "max_pages", "kind_hints", "hook",
           "outlet", "committee", "notes", "author"}


class SiteConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Site:
    id: str
    type: str = "newsroom"
    name: str = ""
    domains: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    member: str | None = None
    member_name: str | None = None
    chamber: str | None = None
    listing: tuple[str, ...] = ()
    item_links: str | None = None
    next_page: str | None = None
    feed: str | None = None
    title: str | None = None
    date: str | None = None
    date_format: str | None = None
    body: str | None = None
    author: str | None = None
    max_pages: int = 2
    kind_hints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hook: str | None = None
    outlet: str | None = None
    committee: str | None = None

    def matches(self, url: str) -> int:
        """Specificity of the match (0 = no match): longer domain + path prefix wins."""
        parts = urlsplit(url or "")
        host = (parts.hostname or "").lower()
        best = 0
        for d in self.domains:
            d = d.lower()
            if host == d or host.endswith("." + d) or host == "www." + d:
                if self.paths:
                    for p in self.paths:
                        if parts.path.startswith(p):
                            best = max(best, len(d) + len(p) + 1)
                else:
                    best = max(best, len(d))
        return best

    def hint_kind(self, url: str) -> str | None:
        path = urlsplit(url or "").path
        for kind, patterns in self.kind_hints.items():
            if any(re.search(p, path, re.I) for p in patterns):
                return kind
        return None

    def load_hook(self) -> Any:
        """The :class:`scrapers.sites_hooks.SiteHook` named by ``hook`` (imported by name, lazily, so
        parsers keep importing nothing of the project statically), or None."""
        if not self.hook:
            return None
        mod_name, _, attr = self.hook.rpartition(":")
        module = importlib.import_module(mod_name or "scrapers.sites_hooks")
        hooks = getattr(module, "HOOKS", {})
        hook = hooks.get(attr) if isinstance(hooks, dict) else None
        if hook is None:
            raise SiteConfigError(f"site {self.id!r}: hook {self.hook!r} not found in {module.__name__}.HOOKS")
        return hook


def _tuple(v: Any, what: str, sid: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return tuple(v)
    raise SiteConfigError(f"site {sid!r}: {what} must be a string or a list of strings")


def _site(raw: dict[str, Any]) -> Site:
    sid = raw.get("id")
    if not isinstance(sid, str) or not re.fullmatch(r"[a-z0-9_.-]{2,60}", sid):
        raise SiteConfigError(f"site entry needs an id of lower-case letters/digits/_.- (got {sid!r})")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise SiteConfigError(f"site {sid!r}: unknown keys {sorted(unknown)}")
    typ = raw.get("type", "newsroom")
    if typ not in ("newsroom", "news"):
        raise SiteConfigError(f"site {sid!r}: type must be newsroom or news")
    domains = _tuple(raw.get("domains"), "domains", sid)
    if not domains:
        raise SiteConfigError(f"site {sid!r}: needs at least one domain")
    hints = raw.get("kind_hints") or {}
    if not isinstance(hints, dict):
        raise SiteConfigError(f"site {sid!r}: kind_hints must be a table")
    for kind, pats in hints.items():
        for p in _tuple(pats, f"kind_hints.{kind}", sid):
            try:
                re.compile(p)
            except re.error as exc:
                raise SiteConfigError(f"site {sid!r}: bad kind_hints regex {p!r}: {exc}") from None
    member = raw.get("member")
    if member is not None and not re.fullmatch(r"[A-Z][0-9]{6}", str(member)):
        raise SiteConfigError(f"site {sid!r}: member must be a bioguide id like W000817")
    max_pages = raw.get("max_pages", 2)
    if not isinstance(max_pages, int) or not 1 <= max_pages <= 500:
        raise SiteConfigError(f"site {sid!r}: max_pages must be 1..500")
    return Site(
        id=sid, type=typ, name=raw.get("name", ""), domains=domains, paths=_tuple(raw.get("paths"), "paths", sid),
        member=member, member_name=raw.get("member_name"), chamber=raw.get("chamber"),
        listing=_tuple(raw.get("listing"), "listing", sid), item_links=raw.get("item_links"),
        next_page=raw.get("next_page"), feed=raw.get("feed"), title=raw.get("title"), date=raw.get("date"),
        date_format=raw.get("date_format"), body=raw.get("body"), author=raw.get("author"), max_pages=max_pages,
        kind_hints={k: _tuple(v, k, sid) for k, v in hints.items()}, hook=raw.get("hook"),
        outlet=raw.get("outlet"), committee=raw.get("committee"))


def config_path() -> Path:
    return Path(os.environ.get("TRACKER_SITES_FILE") or DEFAULT_PATH)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> tuple[Site, ...]:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SiteConfigError(f"cannot read site table {path}: {exc}") from None
    sites = tuple(_site(s) for s in raw.get("site", []))
    seen: set[str] = set()
    for s in sites:
        if s.id in seen:
            raise SiteConfigError(f"duplicate site id {s.id!r} in {path}")
        seen.add(s.id)
    return sites


def load_sites(path: str | Path | None = None) -> tuple[Site, ...]:
    """All entries of the site table (``TRACKER_SITES_FILE`` overrides the packaged one)."""
    p = Path(path) if path else config_path()
    try:
        mtime = p.stat().st_mtime
    except OSError:
        return ()
    return _load(str(p), mtime)


def match(url: str | None, sites: tuple[Site, ...] | None = None) -> Site | None:
    """The most specific site entry for a URL, or None."""
    if not url:
        return None
    best, score = None, 0
    for s in (sites if sites is not None else load_sites()):
        sc = s.matches(url)
        if sc > score:
            best, score = s, sc
    return best


_OFFICIAL = ("senate.gov", "house.gov")


def is_official(url: str | None) -> bool:
    """senate.gov, house.gov and their subdomains (members' sites, committees)."""
    host = (urlsplit(url or "").hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in _OFFICIAL)


def get(site_id: str) -> Site:
    for s in load_sites():
        if s.id == site_id:
            return s
    raise KeyError(f"no site {site_id!r} in {config_path()}")
