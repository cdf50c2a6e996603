"""`tracker record` against a local server, and the replay of what it saved (server and Scrapy cache)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import requests

from scrapers.replay import ReplayServer, recorded, write_httpcache
from tracker.commands.devkit import fixture_filename, redact_url

PAGE = b"<html><body><div id='press'><h2 class='title'><a href='/news/a'>A</a></h2></div></body></html>"


@pytest.fixture
def site():
    routes = {
        "/news/press": (200, {"Content-Type": "text/html; charset=utf-8", "Set-Cookie": "sid=SECRET123",
                              "X-Served-By": "cache-1"}, PAGE),
        "/rss.xml": (200, {"Content-Type": "application/rss+xml"}, b"<rss version='2.0'><channel/></rss>"),
        "/api/items?page=2&api_key=SENTINEL-KEY-42": (200, {"Content-Type": "application/json"}, b'{"results": []}'),
        "/gone": (404, {"Content-Type": "text/html"}, b"<html>not found</html>"),
    }
    with ReplayServer(routes=routes) as srv:
        yield srv


def test_record_saves_body_and_a_clean_sidecar(cli, site, tmp_path):
    to = tmp_path / "fx"
    r = cli("record", f"{site.url}/news/press", f"{site.url}/rss.xml", "--to", str(to))
    assert r.exit_code == 0, r.output
    body = to / "news-press.html"
    assert body.read_bytes() == PAGE
    meta = json.loads((to / "news-press.html.meta.json").read_text())
    assert meta["url"] == f"{site.url}/news/press" and meta["status"] == 200
    assert meta["date"].endswith("+00:00")
    headers = {k.lower(): v for k, v in meta["headers"].items()}
    assert headers["x-served-by"] == "cache-1"
    assert "set-cookie" not in headers and "SECRET123" not in (to / "news-press.html.meta.json").read_text()
    assert (to / "rss.xml").is_file()
    assert [d.name for d in recorded(to)] == ["news-press.html", "rss.xml"]


def test_credentials_in_the_query_are_redacted(cli, site, tmp_path):
    to = tmp_path / "fx"
    r = cli("record", f"{site.url}/api/items?page=2&api_key=SENTINEL-KEY-42", "--to", str(to))
    assert r.exit_code == 0
    for f in to.iterdir():
        assert b"SENTINEL-KEY-42" not in f.read_bytes(), f.name
    assert "SENTINEL-KEY-42" not in r.output
    (meta,) = [json.loads(f.read_text()) for f in to.glob("*.meta.json")]
    assert meta["url"].endswith("api_key=REDACTED")


def test_http_errors_are_recorded_with_a_warning_and_unreachable_urls_fail(cli, site, tmp_path):
    to = tmp_path / "fx"
    r = cli("record", f"{site.url}/gone", "--to", str(to))
    assert r.exit_code == 0 and "warning: HTTP 404" in r.output
    assert json.loads((to / "gone.html.meta.json").read_text())["status"] == 404
    # A port nobody listens on: one clear error line, exit 1, nothing written.
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    r = cli("record", f"http://127.0.0.1:{dead}/x", "--to", str(tmp_path / "none"))
    assert r.exit_code == 1
    assert not (tmp_path / "none").exists()
    r = cli("record", "file:///etc/passwd", "--to", str(tmp_path / "none"))
    assert r.exit_code == 1 and not (tmp_path / "none").exists()


def test_record_from_a_saved_file(cli, tmp_path):
    saved = tmp_path / "saved.html"
    saved.write_bytes(PAGE)
    to = tmp_path / "fx"
    r = cli("record", "https://www.paul.senate.gov/news/press", "--to", str(to), "--from-file", str(saved))
    assert r.exit_code == 0, r.output
    (doc,) = recorded(to)
    assert doc.body == PAGE and doc.url == "https://www.paul.senate.gov/news/press"
    assert doc.headers["Content-Type"].startswith("text/html")


def test_same_slug_different_url_keeps_both(cli, tmp_path):
    saved = tmp_path / "p.html"
    saved.write_bytes(PAGE)
    to = tmp_path / "fx"
    cli("record", "https://a.senate.gov/news/press", "--to", str(to), "--from-file", str(saved))
    cli("record", "https://b.senate.gov/news/press", "--to", str(to), "--from-file", str(saved))
    cli("record", "https://a.senate.gov/news/press", "--to", str(to), "--from-file", str(saved))  # re-record: overwrite
    assert sorted(d.url for d in recorded(to)) == ["https://a.senate.gov/news/press", "https://b.senate.gov/news/press"]


def test_helpers():
    assert fixture_filename("https://x.gov/news/press/", "text/html; charset=utf-8") == "news-press.html"
    assert fixture_filename("https://x.gov/", "application/json") == "index.json"
    assert fixture_filename("https://x.gov/rss.xml", None) == "rss.xml"
    assert fixture_filename("https://x.gov/list?page=2", "text/html") == "list-page-2.html"
    assert redact_url("https://api.gov/v3/bill?format=json&api_key=abc") == ("https://api.gov/v3/bill?format=json&api_key=REDACTED", True)
    assert redact_url("https://api.gov/v3/bill?format=json") == ("https://api.gov/v3/bill?format=json", False)


def test_replay_server_serves_a_recorded_folder_by_path(cli, site, tmp_path):
    to = tmp_path / "fx"
    cli("record", f"{site.url}/news/press", "--to", str(to))
    with ReplayServer(to) as again:
        r = requests.get(again.url_for(f"{site.url}/news/press"), timeout=5)
        assert r.status_code == 200 and r.content == PAGE
        assert requests.get(again.url + "/elsewhere", timeout=5).status_code == 404
        assert again.hits == ["/news/press", "/elsewhere"]


def test_httpcache_entries_are_what_scrapy_reads(tmp_path):
    """The cache written from a fixture folder is served by Scrapy's own FilesystemCacheStorage."""
    from scrapy import Request, Spider
    from scrapy.extensions.httpcache import FilesystemCacheStorage
    from scrapy.settings import Settings
    from scrapy.utils.test import get_crawler

    fx = tmp_path / "fx"
    fx.mkdir()
    (fx / "press.html").write_bytes(PAGE)
    (fx / "press.html.meta.json").write_text(json.dumps({
        "url": "https://www.paul.senate.gov/news/press", "status": 200,
        "headers": {"Content-Type": "text/html", "Content-Encoding": "gzip", "Content-Length": "12"}}))
    (fx / "handmade.html").write_bytes(b"<html/>")  # no sidecar, no URL: not cached
    cache = tmp_path / "cache"
    assert write_httpcache([fx], cache, "demo") == 1

    class Demo(Spider):
        name = "demo"

    crawler = get_crawler(Demo, {"HTTPCACHE_DIR": str(cache), "HTTPCACHE_EXPIRATION_SECS": 0})
    spider = Demo.from_crawler(crawler)
    storage = FilesystemCacheStorage(Settings({"HTTPCACHE_DIR": str(cache), "HTTPCACHE_EXPIRATION_SECS": 0}))
    storage.open_spider(spider)
    resp = storage.retrieve_response(spider, Request("https://www.paul.senate.gov/news/press"))
    assert resp is not None and resp.body == PAGE and resp.status == 200
    assert b"Content-Encoding" not in resp.headers  # the body is stored decoded
    assert storage.retrieve_response(spider, Request("https://www.paul.senate.gov/news/press?page=2")) is None


def test_replay_without_recordings_is_a_clear_error(cli, tmp_path):
    (tmp_path / "fx").mkdir()
    (tmp_path / "fx" / "handmade.html").write_bytes(PAGE)  # no sidecar: no URL to replay it as
    r = cli("replay", "demo", "--fixtures", str(tmp_path / "fx"))
    assert r.exit_code == 2 and "no recorded responses with a URL" in r.output
