"""Downloader middlewares: retries that honour ``Retry-After`` (seconds or HTTP-date).

Scrapy's RetryMiddleware ignores Retry-After; this subclass waits what the server asked (capped by
``RETRY_AFTER_MAX_SECONDS``; a longer ask gives up on the request and is logged) before retrying.
The wait is a non-blocking Twisted delay, so other requests proceed meanwhile.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP-date. None when absent/invalid."""
    if value is None:
        return None
    v = value.decode("latin-1") if isinstance(value, bytes) else value
    v = v.strip()
    if not v:
        return None
    if v.isdigit():
        return float(int(v))
    try:
        when = parsedate_to_datetime(v)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX_SECONDS", 600)

    async def process_response(self, request, response, spider=None):  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        reason = f"HTTP {response.status}"
        if wait is not None and wait > self.max_wait:
            logger.warning("giving up on %s: Retry-After %.0fs exceeds %.0fs", request.url, wait, self.max_wait)
            return response
        new = get_retry_request(request, spider=spider or self.crawler.spider, reason=reason,
                                max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
                                stats_base_key="retry")
        if new is None:
            return response
        if wait:
            from twisted.internet import reactor
            from twisted.internet.task import deferLater
            from scrapy.utils.defer import maybe_deferred_to_future
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return new
