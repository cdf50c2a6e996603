"""members: congress-legislators current and historical members (navigation only).

Fetches, one after the other (social accounts need the members loaded first):
``legislators-current.yaml``, ``legislators-historical.yaml``, ``legislators-social-media.yaml``
from ``base_url`` (default https://unitedstates.github.io/congress-legislators, the project's
published files). Each is a :class:`RawDocument` of kind ``legislators``; an unchanged file is
skipped by the store (same sha256). ``-a historical=0`` skips the 10 MB historical file.
"""

from __future__ import annotations

from datetime import datetime, timezone

import scrapy

from scrapers.items import RawDocument

DEFAULT_BASE = "https://unitedstates.github.io/congress-legislators"
FILES = ("legislators-current.yaml", "legislators-historical.yaml", "legislators-social-media.yaml")


class MembersSpider(scrapy.Spider):
    name = "members"

    def __init__(self, base_url: str = DEFAULT_BASE, historical: str | int = 1, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base_url = base_url.rstrip("/")
        self.files = [f for f in FILES if str(historical) not in ("0", "false", "no") or "historical" not in f]

    async def start(self):
        for req in self.start_requests():
            yield req

    def start_requests(self):
        yield self._req(0)

    def _req(self, i: int):
        return scrapy.Request(f"{self.base_url}/{self.files[i]}", callback=self.parse_file, cb_kwargs={"i": i},
                              dont_filter=True)

    def parse_file(self, response, i: int):
        yield RawDocument(url=response.url, body=response.body, kind="legislators",
                          media_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
                          fetched_at=datetime.now(timezone.utc))
        if i + 1 < len(self.files):
            yield self._req(i + 1)
