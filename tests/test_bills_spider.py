"""The sitemap-driven BILLSTATUS spider fetches only what changed (cursor in the store)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import OWN_FIXTURES, REPO
from scrapers.parsers import govinfo_sitemap as gs

BILLS = OWN_FIXTURES / "bills"


def test_parse_sitemaps():
    kind, entries = gs.parse_sitemap((BILLS / "sitemap_index.xml").read_bytes())
    assert kind == "index" and len(entries) == 2
    assert gs.child_scope("https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/119hr/sitemap.xml") == (119, "hr")
    kind, entries = gs.parse_sitemap((BILLS / "sitemap_119hr_run1.xml").read_bytes())
    assert kind == "urlset" and entries[0].lastmod == "2025-07-10T14:05:00.123Z"
    assert gs.bill_id_of("https://www.govinfo.gov/bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr4321.xml") == "hr4321-119"
    assert gs.billstatus_url("hjres12-119").endswith("/BILLSTATUS/119/hjres/BILLSTATUS-119hjres12.xml")
    with pytest.raises(ValueError, match="not a sitemap"):
        gs.parse_sitemap(b"<rss/>")


def test_lastmod_compared_as_instants():
    from scrapers.spiders.billstatus import is_newer
    assert is_newer("2025-07-15T09:01:00Z", "2025-07-10T14:05:00.123Z")
    assert not is_newer("2025-07-10T14:05:00.123Z", "2025-07-10T14:05:00.123Z")
    assert not is_newer("2025-07-10T10:05:00.123-04:00", "2025-07-10T14:05:00.123Z")
    assert is_newer("2025-07-10", None)


def test_callbacks_offline_skip_unchanged(store):
    from scrapy.http import XmlResponse
    from scrapy.utils.test import get_crawler
    from scrapers.items import RawDocument
    from scrapers.spiders.billstatus import BillStatusSpider, advance_cursor

    base = "https://www.govinfo.gov"
    crawler = get_crawler(BillStatusSpider)
    spider = BillStatusSpider.from_crawler(crawler)
    body = (BILLS / "sitemap_119hr_run1.xml").read_text().replace("{BASE}", base).encode()
    resp = XmlResponse(url=f"{base}/sitemap/bulkdata/BILLSTATUS/119hr/sitemap.xml", body=body)
    reqs = list(spider.parse(resp))
    assert [r.url for r in reqs] == [f"{base}/bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr4321.xml"]
    loc = reqs[0].url
    out = list(spider.parse_bill(XmlResponse(url=loc, body=(BILLS / "BILLSTATUS-119hr4321.xml").read_bytes()),
                                 **reqs[0].cb_kwargs))
    assert isinstance(out[0], RawDocument) and out[0].meta["sitemap_lastmod"] == "2025-07-10T14:05:00.123Z"
    advance_cursor(loc, "2025-07-10T14:05:00.123Z")
    assert list(spider.parse(resp)) == []  # unchanged lastmod: not requested
    # a congress filter drops other congresses' child sitemaps from the index
    spider2 = BillStatusSpider.from_crawler(get_crawler(BillStatusSpider), congress="118")
    idx = (BILLS / "sitemap_index.xml").read_text().replace("{BASE}", base).encode()
    assert list(spider2.parse(XmlResponse(url=gs.BILLSTATUS_INDEX, body=idx))) == []


class _Server:
    """Serves a folder on 127.0.0.1 and remembers the paths asked for."""

    def __init__(self, root: Path):
        paths = self.paths = []

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(root), **kw)

            def do_GET(self):  # noqa: N802
                paths.append(self.path)
                super().do_GET()

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _stage(root: Path, base: str, hr_sitemap: str, hr_file: str) -> None:
    def put(rel: str, data: bytes):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

    sub = lambda name: (BILLS / name).read_text().replace("{BASE}", base).encode()  # noqa: E731
    put("sitemap/bulkdata/BILLSTATUS/sitemapindex.xml", sub("sitemap_index.xml"))
    put("sitemap/bulkdata/BILLSTATUS/119hr/sitemap.xml", sub(hr_sitemap))
    put("sitemap/bulkdata/BILLSTATUS/119s/sitemap.xml", sub("sitemap_119s.xml"))
    put("bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr4321.xml", (BILLS / hr_file).read_bytes())
    put("bulkdata/BILLSTATUS/119/s/BILLSTATUS-119s77.xml", (BILLS / "BILLSTATUS-119s77.xml").read_bytes())


def _crawl(store, base: str) -> None:
    env = dict(os.environ, TRACKER_DATABASE_URL=store.url, TRACKER_LOG_LEVEL="WARNING")
    env.pop("TRACKER_HTTPCACHE_DIR", None)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "billstatus",
           "-a", f"index_url={base}/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False"]
    r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]


def test_local_replay_fetches_only_changed_bills(store, tmp_path):
    srv = _Server(tmp_path)
    try:
        _stage(tmp_path, srv.base, "sitemap_119hr_run1.xml", "BILLSTATUS-119hr4321.xml")
        _crawl(store, srv.base)
        bills = [p for p in srv.paths if p.startswith("/bulkdata/")]
        assert sorted(bills) == ["/bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr4321.xml",
                                 "/bulkdata/BILLSTATUS/119/s/BILLSTATUS-119s77.xml"]
        n1 = store.scalar("select count(*) from event")
        assert n1 == 7 + 2
        assert store.scalar("select count(*) from sitemap_entry") == 2

        # Second run: only H.R. 4321's lastmod moved (and upstream added one action).
        srv.paths.clear()
        _stage(tmp_path, srv.base, "sitemap_119hr_run2.xml", "BILLSTATUS-119hr4321-second.xml")
        _crawl(store, srv.base)
        assert [p for p in srv.paths if p.startswith("/bulkdata/")] == ["/bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr4321.xml"]
        assert store.scalar("select count(*) from event") == n1 + 1
        assert store.scalar("select lastmod from sitemap_entry where url like '%hr4321%'") == "2025-07-15T09:01:00Z"

        # Third run, nothing changed: no bill is fetched at all.
        srv.paths.clear()
        _crawl(store, srv.base)
        assert [p for p in srv.paths if p.startswith("/bulkdata/")] == []
        assert store.scalar("select count(*) from event") == n1 + 1
    finally:
        srv.close()
