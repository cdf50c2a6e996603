"""The only road from spiders into the store.

Spiders yield :class:`scrapers.items.RawDocument`; this pipeline hands each to
``scrapers.ingest.ingest_document`` (detect -> parse -> import -> ``db.store.record``), exactly as
``tracker ingest`` does for a local file, and keeps the counts in the crawl stats
(``tracker/inserted``, ``tracker/updated``, ``tracker/unchanged``, ``tracker/quarantined``,
``tracker/skipped``) for the run report.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from db.store import DocumentIn
from scrapers.items import RawDocument
from scrapers.ingest import ingest_document

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, stats=None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def open_spider(self, spider=None):
        from db.migrate import upgrade
        upgrade()

    def process_item(self, item, spider=None):
        if not isinstance(item, RawDocument):
            raise TypeError(f"spiders must yield RawDocument items, got {type(item).__name__}")
        doc = DocumentIn(body=item.body, url=item.url, media_type=item.media_type,
                         fetched_at=item.fetched_at or datetime.now(timezone.utc))
        counts = ingest_document(doc, kind=item.kind, meta=item.meta)
        if self.stats is not None:
            for name in ("inserted", "updated", "unchanged", "quarantined", "skipped", "documents"):
                self.stats.inc_value(f"tracker/{name}", getattr(counts, name))
        for e in counts.errors:
            logger.warning("quarantined %s: %s", item.url, e)
        return item
