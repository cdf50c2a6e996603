"""``fault_probe``: fetches a list of URLs on 127.0.0.1 (real documents from a replay server, faults
from tests/support/faultserver.py) and hands every response to the store pipeline, like any spider.
Arguments: ``urls`` (comma-separated; only 127.0.0.1)."""

from urllib.parse import urlsplit

import scrapy

from scrapers.items import RawDocument


class FaultProbeSpider(scrapy.Spider):
    name = "fault_probe"

    def __init__(self, urls: str = "", **kwargs):
        super().__init__(**kwargs)
        self.urls = [u for u in urls.split(",") if u]
        if any(urlsplit(u).hostname != "127.0.0.1" for u in self.urls):
            raise ValueError("fault_probe only crawls 127.0.0.1")

    async def start(self):
        for u in self.urls:
            yield scrapy.Request(u, callback=self.parse, dont_filter=True)

    def parse(self, response):
        yield RawDocument(url=response.url, body=response.body, kind=None,
                          media_type=response.headers.get("Content-Type", b"").decode("latin-1") or None)
