"""Production Scrapy settings are the safe ones DESIGN.md asks for (read back from the project)."""

from scrapy.utils.project import get_project_settings


def test_production_settings(monkeypatch):
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "scrapers.settings")
    monkeypatch.delenv("TRACKER_HTTPCACHE_DIR", raising=False)
    s = get_project_settings()
    assert s.getint("DOWNLOAD_MAXSIZE") == 32 * 1024 * 1024
    assert 0 < s.getint("DOWNLOAD_WARNSIZE") <= s.getint("DOWNLOAD_MAXSIZE")
    assert 0 < s.getfloat("DOWNLOAD_TIMEOUT") <= 120
    assert s.getbool("ROBOTSTXT_OBEY") is True
    assert s.getbool("TELNETCONSOLE_ENABLED") is False
    assert s.getbool("REMOTE_CONTROL_ENABLED") is False  # Scrapy 2.19's code-executing HTTP server
    assert s.getbool("AUTOTHROTTLE_ENABLED") is True
    assert s.getbool("RETRY_ENABLED") is True and 0 < s.getint("RETRY_TIMES") <= 5
    assert 429 in s.getlist("RETRY_HTTP_CODES") or "429" in [str(c) for c in s.getlist("RETRY_HTTP_CODES")]
    handlers = s.getdict("DOWNLOAD_HANDLERS")
    assert handlers.get("file", "missing") is None and handlers.get("data", "missing") is None
    mws = s.getdict("DOWNLOADER_MIDDLEWARES")
    assert mws.get("scrapy.downloadermiddlewares.retry.RetryMiddleware", "missing") is None
    assert "scrapers.middlewares.RetryAfterMiddleware" in mws
    assert "tracker" in s.get("USER_AGENT")
    assert not s.getbool("HTTPCACHE_ENABLED")


def test_retry_after_parsing():
    from datetime import datetime, timezone
    from scrapers.middlewares import retry_after_seconds
    now = datetime(2025, 7, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"120", now) == 120
    assert retry_after_seconds("Tue, 01 Jul 2025 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Tue, 01 Jul 2025 11:00:00 GMT", now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None) is None
