"""Scaffolding templates for ``tracker new-spider`` (see docs/adding-a-spider.md).

``spiders/<kind>.tmpl`` are Scrapy ``genspider`` templates (``string.Template`` with ``$name``,
``$classname``, ``$domain``, ``$url``), so ``scrapy genspider -s TEMPLATES_DIR=scrapers/templates
-t html NAME URL`` renders the same spider; ``devkit/`` holds the parser and test templates.
:func:`scaffold` renders all of them for one new source.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from urllib.parse import urlsplit

TEMPLATES_DIR = Path(__file__).resolve().parent
KINDS = ("html", "feed", "xml", "api")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def classname(name: str) -> str:
    """``paul_senate`` -> ``PaulSenateSpider`` (what genspider would call it)."""
    return "".join(part.capitalize() for part in name.split("_")) + "Spider"


def _render(path: Path, **values: str) -> str:
    return string.Template(path.read_text(encoding="utf-8")).substitute(**values)


def scaffold(name: str, kind: str, url: str, domain: str | None = None) -> dict[str, str]:
    """Relative path -> file content for a new source: spider, parser, test (fixture folder aside).

    Raises ValueError with a one-line reason for a bad name, kind or URL.
    """
    if not NAME_RE.match(name):
        raise ValueError(f"bad spider name {name!r}: use lower-case letters, digits and _ (a Python module name)")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (html, feed, xml or api)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"bad URL {url!r}: give the live http(s) URL of the page to crawl")
    domain = (domain or parts.hostname).lower()
    if domain.startswith("www."):
        domain = domain[4:]  # allowed_domains and detect() then cover the bare host and www. alike
    values = dict(name=name, kind=kind, url=url, domain=domain, classname=classname(name),
                  module=name, project_name="scrapers", ProjectName="Scrapers")
    # Newsroom kinds (html listings, feeds) make the letters item; xml/api the generic one.
    common_tmpl = "parser_common_newsroom.tmpl" if kind in ("html", "feed") else "parser_common.tmpl"
    common = _render(TEMPLATES_DIR / "devkit" / common_tmpl, **values)
    return {
        f"scrapers/spiders/{name}.py": _render(TEMPLATES_DIR / "spiders" / f"{kind}.tmpl", **values),
        f"scrapers/parsers/{name}.py": _render(TEMPLATES_DIR / "devkit" / f"parser_{kind}.tmpl", common=common, **values),
        f"tests/test_spider_{name}.py": _render(TEMPLATES_DIR / "devkit" / "test_spider.tmpl", **values),
    }
