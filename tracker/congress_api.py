"""A small ``requests`` client for the congress.gov API v3 (https://api.congress.gov/v3).

- The key comes from ``TRACKER_CONGRESS_API_KEY`` (``tracker.settings``) and is sent as the
  ``X-Api-Key`` header, never in the URL, so it cannot reach logs, caches or stored document URLs.
  ``repr()`` and every error message mask it.
- Paging with ``offset``/``limit`` (``limit`` up to 250) until ``pagination.count`` is reached.
- Increments: ``fromDateTime`` (``YYYY-MM-DDTHH:MM:SSZ``) with ``sort=updateDate+asc``. Note that
  ``updateDate`` moves when a bill is merely re-processed (api.congress.gov#170): callers detect real
  change by content (the importer does), not by the date.
- 429 / 503: waits ``Retry-After`` (seconds or an HTTP date; capped) and retries a few times.
- A request budget per rolling hour (default 4,500, under the 5,000/hour limit): when it is spent
  the client raises :class:`BudgetExhausted` instead of sending; the caller stops and resumes on its
  next run.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import requests

logger = logging.getLogger(__name__)

BASE_URL = "https://api.congress.gov/v3"
MAX_LIMIT = 250


class CongressApiError(RuntimeError):
    """An API call failed (one line, key masked)."""


class BudgetExhausted(CongressApiError):
    """The hourly request budget is spent; resume later."""


class CongressApiClient:
    """``CongressApiClient(key=None)`` reads the key from the settings when not given.

    ``sleep`` and ``clock`` are injectable for tests (``clock`` is a monotonic seconds counter).
    """

    def __init__(self, key: str | None = None, *, base_url: str = BASE_URL, hourly_budget: int | None = None,
                 session: requests.Session | None = None, timeout: float = 30.0, max_retries: int = 4,
                 max_retry_after: float = 600.0, user_agent: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        from tracker.settings import get_settings
        st = get_settings()
        if key is None and st.congress_api_key is not None:
            key = st.congress_api_key.get_secret_value()
        if not key:
            raise CongressApiError("no congress.gov API key: set TRACKER_CONGRESS_API_KEY")
        self._key = key
        self.base_url = base_url.rstrip("/")
        self.hourly_budget = int(hourly_budget if hourly_budget is not None else st.congress_api_hourly_budget)
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent or st.user_agent
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._clock = clock
        self._sent: deque[float] = deque()
        self.requests_sent = 0

    def __repr__(self) -> str:
        return f"CongressApiClient(base_url={self.base_url!r}, key='***', budget={self.hourly_budget}/h)"

    # -- budget -------------------------------------------------------------------------------------

    def remaining(self) -> int:
        """Requests still allowed in the rolling hour."""
        now = self._clock()
        while self._sent and now - self._sent[0] >= 3600:
            self._sent.popleft()
        return max(0, self.hourly_budget - len(self._sent))

    def _spend(self) -> None:
        if self.remaining() <= 0:
            raise BudgetExhausted(f"hourly request budget of {self.hourly_budget} spent; resume later")
        self._sent.append(self._clock())
        self.requests_sent += 1

    # -- requests -----------------------------------------------------------------------------------

    def _mask(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def get(self, path: str, **params: Any) -> dict:
        """GET ``path`` (``/bill/117/hr/21`` or a full API URL) as JSON."""
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        params = {k: v for k, v in params.items() if v is not None}
        params.setdefault("format", "json")
        headers = {"X-Api-Key": self._key, "Accept": "application/json"}
        attempt = 0
        while True:
            self._spend()
            try:
                resp = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
            except requests.RequestException as exc:
                raise CongressApiError(self._mask(f"GET {url}: {type(exc).__name__}: {exc}")) from None
            if resp.status_code in (429, 503) and attempt < self.max_retries:
                wait = self._retry_after(resp.headers.get("Retry-After"), attempt)
                logger.warning("congress.gov answered %s; waiting %.0f s (attempt %d)", resp.status_code, wait, attempt + 1)
                self._sleep(wait)
                attempt += 1
                continue
            if resp.status_code >= 400:
                snippet = " ".join(resp.text[:200].split())
                raise CongressApiError(self._mask(f"GET {url}: HTTP {resp.status_code}: {snippet}"))
            try:
                return resp.json()
            except ValueError:
                raise CongressApiError(self._mask(f"GET {url}: response is not JSON")) from None

    def _retry_after(self, value: str | None, attempt: int) -> float:
        wait: float | None = None
        if value:
            v = value.strip()
            if v.isdigit():
                wait = float(v)
            else:
                try:
                    when = email.utils.parsedate_to_datetime(v)
                    wait = (when - datetime.now(timezone.utc)).total_seconds()
                except (TypeError, ValueError):
                    wait = None
        if wait is None:
            wait = min(60.0, 2.0 ** attempt * 5)
        return max(0.0, min(wait, self.max_retry_after))

    def paginate(self, path: str, key: str, *, limit: int = MAX_LIMIT, max_items: int | None = None,
                 **params: Any) -> Iterator[dict]:
        """Yield the items under ``key`` over every page (``offset``/``limit``)."""
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = 0
        seen = 0
        while True:
            page = self.get(path, offset=offset, limit=limit, **params)
            items = page.get(key) or []
            for it in items:
                yield it
                seen += 1
                if max_items is not None and seen >= max_items:
                    return
            total = (page.get("pagination") or {}).get("count")
            offset += len(items)
            if not items or len(items) < limit or (isinstance(total, int) and offset >= total):
                return

    # -- endpoints ----------------------------------------------------------------------------------

    def bills_updated_since(self, since: datetime | None, *, congress: int | None = None,
                            until: datetime | None = None, max_items: int | None = None) -> Iterator[dict]:
        """Bill list entries updated since ``since``, oldest update first (``sort=updateDate+asc``)."""
        path = f"/bill/{congress}" if congress else "/bill"
        yield from self.paginate(path, "bills", max_items=max_items, fromDateTime=_api_time(since),
                                 toDateTime=_api_time(until), sort="updateDate asc")  # sent as updateDate+asc

    def bill(self, congress: int, bill_type: str, number: int) -> dict:
        return self.get(f"/bill/{congress}/{bill_type.lower()}/{number}")

    def bill_part(self, congress: int, bill_type: str, number: int, endpoint: str, key: str) -> list[dict]:
        """Every item of a bill sub-endpoint (``actions``, ``text`` -> ``textVersions``, ...)."""
        return list(self.paginate(f"/bill/{congress}/{bill_type.lower()}/{number}/{endpoint}", key))


def _api_time(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["BudgetExhausted", "CongressApiClient", "CongressApiError", "BASE_URL"]
