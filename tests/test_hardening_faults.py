"""A real crawl (Scrapy, in a subprocess, production settings) against the local fault server:
bounded retries, Retry-After honoured, nothing recorded from truncated bodies, oversize responses
dropped with a logged reason, memory bounded, the run finishes (degraded, not crashed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.support.faultserver import FaultServer

CRAWL = textwrap.dedent("""
    import json, resource, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings
    from scrapers.items import RawDocument

    base, paths = sys.argv[1], sys.argv[2].split(",")

    class FaultSpider(scrapy.Spider):
        name = "faults"
        async def start(self):
            for p in paths:
                yield scrapy.Request(base + p, callback=self.parse, dont_filter=True)
        def parse(self, response):
            yield RawDocument(url=response.url, body=response.body, kind="probe")

    s = get_project_settings()
    s.setdict({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 4, "RETRY_TIMES": 2,
               "LOG_LEVEL": "INFO", "CONCURRENT_REQUESTS_PER_DOMAIN": 16}, priority="cmdline")
    proc = CrawlerProcess(s)
    crawler = proc.create_crawler(FaultSpider)
    proc.crawl(crawler)
    proc.start()
    stats = {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in crawler.stats.get_stats().items()}
    stats["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("STATS " + json.dumps(stats), flush=True)
""")

PATHS = ["/ok/1", "/ok/2", "/404", "/flaky", "/503", "/429s", "/429d", "/reset", "/short", "/drip",
         "/gzipbomb", "/brbomb", "/huge"]


@pytest.fixture(scope="module")
def crawl_result(tmp_path_factory):
    db = tmp_path_factory.mktemp("faults") / "t.db"
    env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{db}", "SCRAPY_SETTINGS_MODULE": "scrapers.settings"}
    env.pop("TRACKER_HTTPCACHE_DIR", None)
    script = db.parent / "crawl.py"  # a file, not -c: Scrapy inspects callback source
    script.write_text(CRAWL)
    with FaultServer() as srv:
        p = subprocess.run([sys.executable, str(script), srv.base, ",".join(PATHS)], env=env, capture_output=True,
                           text=True, timeout=240)
        hits = {k: list(v) for k, v in srv.hits.items()}
    line = next((l for l in p.stdout.splitlines() if l.startswith("STATS ")), None)
    assert p.returncode == 0 and line, p.stderr[-3000:]
    return json.loads(line[6:]), hits, p.stderr, f"sqlite:///{db}"


def test_crawl_finishes_and_reports_errors(crawl_result):
    stats, _, _, _ = crawl_result
    assert stats["finish_reason"] == "finished"
    assert stats.get("retry/max_reached", 0) >= 1          # 503 forever gave up
    assert stats.get("downloader/exception_count", 0) >= 1  # reset / short / drip


def test_retries_bounded(crawl_result):
    _, hits, _, _ = crawl_result
    assert len(hits["/503"]) == 3          # 1 + RETRY_TIMES
    assert len(hits["/404"]) == 1          # not retried
    assert len(hits["/flaky"]) == 2        # 500 then 200


def test_retry_after_honoured(crawl_result):
    _, hits, _, _ = crawl_result
    s = hits["/429s"]
    assert len(s) == 2 and s[1] - s[0] >= 0.9
    d = hits["/429d"]
    assert len(d) == 2 and d[1] - d[0] >= 0.9


def test_only_whole_bodies_reach_the_store(crawl_result):
    from sqlalchemy import create_engine, text
    _, _, _, url = crawl_result
    with create_engine(url).connect() as c:
        urls = [r[0] for r in c.execute(text("SELECT url FROM source_document"))]
    got = {u.split(":", 2)[-1].split("/", 1)[-1] for u in urls}
    assert {"ok/1", "ok/2", "flaky", "429s", "429d"} <= got
    for bad in ("short", "drip", "gzipbomb", "brbomb", "huge", "reset", "503", "404"):
        assert bad not in got, f"{bad} should never be recorded"


def test_oversize_dropped_with_reason_and_memory_bounded(crawl_result):
    stats, _, log, _ = crawl_result
    assert "huge" in log and ("maxsize" in log.lower() or "max size" in log.lower() or "cancelling" in log.lower())
    # Memory bounded: growth over the crawl's start-up footprint stays far below the 200 MB body and
    # the 300 MB decompression bombs (bodies are cut at DOWNLOAD_MAXSIZE = 32 MiB).
    growth_mb = stats["maxrss_mb"] - stats["memusage/startup"] / (1024 * 1024)
    assert growth_mb < 250, (stats["maxrss_mb"], stats["memusage/startup"])
