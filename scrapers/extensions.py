"""Scrapy extensions.

:class:`RunReport` writes the crawl's report (finish reason, all stats including the store
pipeline's ``tracker/*`` counters, the first error messages) as JSON to the path in the environment
variable ``TRACKER_RUN_REPORT`` when the spider closes. The scheduler's runner
(schedules/runner.py) reads it to judge the run: ``scrapy crawl`` exits 0 even when every request
failed, so the exit code alone says nothing. Without the variable the extension is disabled.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

REPORT_ENV = "TRACKER_RUN_REPORT"
MAX_ERRORS = 10


class _ErrorCollector(logging.Handler):
    """Keeps the first error messages of the crawl (one line each) for the run's error summary."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.messages) >= MAX_ERRORS:
            return
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001
            msg = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            msg = f"{msg}: {type(exc).__name__}: {exc}"
        self.messages.append(" ".join(msg.split())[:300])


def _json(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json(v) for v in value]
    return str(value)


class RunReport:
    def __init__(self, path: str, crawler: Any) -> None:
        self.path = Path(path)
        self.crawler = crawler
        self.errors = _ErrorCollector()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RunReport":
        path = os.environ.get(REPORT_ENV)
        if not path:
            raise NotConfigured(f"{REPORT_ENV} not set")
        ext = cls(path, crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        logging.getLogger().addHandler(self.errors)

    def spider_closed(self, spider: Any, reason: str) -> None:
        logging.getLogger().removeHandler(self.errors)
        stats = _json(self.crawler.stats.get_stats())
        report = {"spider": spider.name, "finish_reason": reason, "pid": os.getpid(), "stats": stats,
                  "errors": self.errors.messages}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(report, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)  # atomic: the runner never reads half a report
