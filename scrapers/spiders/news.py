"""news: news outlets' article pages and feeds -> ``news.published`` (navigation only).

Driven by the ``type = "news"`` entries of ``scrapers/sites.toml`` (listing pages with
``item_links``/``next_page`` and/or a ``feed``), plus ``-a urls=URL1,URL2`` for single articles
(their site entry, if any, is matched by URL; otherwise the generic extraction reads them).
Article pages are yielded as :class:`RawDocument` of kind ``news_article``; the pipeline parses
them (``scrapers/parsers/news_article.py``: comments and "latest news"/related lists removed) and
the importer records the bills and members they mention. Same layout alarms as ``newsroom``.
"""

from __future__ import annotations

from scrapers.parsers import _sites
from scrapers.spiders.newsroom import NewsroomSpider

ADHOC = _sites.Site(id="adhoc", type="news", name="", domains=("invalid",))


class NewsSpider(NewsroomSpider):
    name = "news"
    site_type = "news"
    article_kind = "news_article"

    def __init__(self, urls: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.urls = [u.strip() for u in (urls or "").split(",") if u.strip()]

    def selected_sites(self):
        sites = super().selected_sites() if (self.only is not None or not self.urls) else []
        if self.urls:
            sites = list(sites) + [ADHOC]
        return sites

    def extra_urls(self, site):
        return self.urls if site is ADHOC else []
