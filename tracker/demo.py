"""``tracker demo``: the whole pipeline offline, on bundled sample data, into a fresh SQLite store.

1. The bundled sample (``tracker/demo_data/recorded/<spider>/``: files in the real source formats,
   each with a ``.meta.json`` giving the URL it stands for) is written into a Scrapy HTTP cache, so
   the real spiders request their real URLs and get the sample back. Nothing is fetched: missing
   entries are ignored (``HTTPCACHE_IGNORE_MISSING``), and the demo never needs a network or a key.
2. The real spiders run, each in its own subprocess through the scheduler's runner (so each run is
   a ``crawl_run`` row, as in production), through the real store pipeline: members, Senate and
   House votes, GovInfo bill status, the bill text versions it announces (diffed as they arrive),
   a senator's newsroom and a news article.
3. A sample recipient subscribes to H.R. 1, Sen. Warren and the keyword "artificial intelligence",
   and the digest they would get is written as ``digest.eml`` and ``digest.html``.
"""

from __future__ import annotations

import email
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

DATA = Path(__file__).resolve().parent / "demo_data" / "recorded"
RECIPIENT = "staffer@example.org"


@dataclass
class Step:
    spider: str
    label: str
    args: dict[str, str] = field(default_factory=dict)


# Order matters: members first (so votes and letters resolve to bioguide ids), bill status before
# bill text (its text.published events tell the bill_text spider what to fetch).
STEPS: tuple[Step, ...] = (
    Step("members", "members (congress-legislators)", {"historical": "0"}),
    Step("senate_votes", "Senate roll-call votes", {"congress": "119", "session": "1", "mode": "full"}),
    Step("house_votes", "House roll-call votes", {"year": "2025", "start": "190"}),
    Step("billstatus", "GovInfo bill status", {"index_url": "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/119hr/sitemap.xml",
                                                "congress": "119"}),
    Step("bill_text", "bill text versions + diff", {"bill": "hr1-119"}),
    Step("newsroom", "senators' newsrooms", {"sites": "warren"}),
    Step("news", "news articles", {"urls": "https://www.capitolwire.example/2025/07/01/senate-passes-megabill-tie-breaker"}),
)


@dataclass
class DemoResult:
    out: Path
    db_url: str
    runs: list = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    eml: Path | None = None
    html: Path | None = None
    subject: str = ""
    seconds: float = 0.0


def _prepare_cache(cache: Path) -> int:
    from scrapers.replay import write_httpcache
    if cache.exists():
        shutil.rmtree(cache)
    n = 0
    for step in STEPS:
        folder = DATA / step.spider
        if folder.is_dir():
            n += write_httpcache([folder], cache, step.spider)
    return n


def _job(step: Step, cache: Path):
    from schedules.config import Job
    return Job(id=f"demo_{step.spider}", trigger_type="interval", trigger_fields={"hours": 24},
               timezone="America/New_York", timeout=180.0, misfire_grace=60.0, kill_grace=5.0,
               spider=step.spider, args=dict(step.args),
               settings={"HTTPCACHE_ENABLED": "True", "HTTPCACHE_DIR": str(cache),
                         "HTTPCACHE_IGNORE_MISSING": "True", "HTTPCACHE_EXPIRATION_SECS": "0",
                         "ROBOTSTXT_OBEY": "False", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                         "LOG_LEVEL": "WARNING"},
               description=step.label)


def run_demo(out: Path, progress: Callable[[str], None] = lambda s: None) -> DemoResult:
    """Run the whole demo into ``out`` (created; an existing demo store there is replaced)."""
    t0 = time.perf_counter()
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in ("tracker.db", "tracker.db-wal", "tracker.db-shm", "digest.eml", "digest.html"):
        (out / name).unlink(missing_ok=True)
    db_url = f"sqlite:///{out / 'tracker.db'}"
    os.environ["TRACKER_DATABASE_URL"] = db_url
    os.environ["TRACKER_HTTPCACHE_DIR"] = str(out / "httpcache")
    os.environ["TRACKER_DATA_DIR"] = str(out)  # run logs and reports go to out/runs, not the cwd
    os.environ.setdefault("TRACKER_PUBLIC_URL", "http://127.0.0.1:8000")
    from db.engine import dispose_all
    from db.migrate import upgrade
    from tracker.settings import get_settings
    get_settings(fresh=True)
    dispose_all()
    progress("creating the store")
    upgrade(db_url)
    cache = out / "httpcache"
    entries = _prepare_cache(cache)
    progress(f"replaying {entries} recorded responses through Scrapy's HTTP cache (no network)")

    from schedules.config import Schedule
    from schedules.runner import Runner
    jobs = [_job(s, cache) for s in STEPS]
    runner = Runner(Schedule(jobs=tuple(jobs)), db_url, job_locks=False)
    result = DemoResult(out=out, db_url=db_url)
    for step, job in zip(STEPS, jobs):
        progress(f"crawling {step.label} ({step.spider})")
        res = runner.run(job, trigger="demo")
        result.runs.append(res)
        progress(f"  {res.status}: {res.documents} documents, {res.inserted} new events"
                 + (f", {res.quarantined} quarantined" if res.quarantined else ""))

    progress("subscribing a sample recipient and building their digest")
    _digest(result)
    from sqlalchemy import text
    from db.engine import get_engine
    with get_engine(db_url).connect() as conn:
        result.events = dict(conn.execute(text("SELECT kind, count(*) FROM event GROUP BY kind ORDER BY kind")).all())
    result.seconds = time.perf_counter() - t0
    return result


def _digest(result: DemoResult) -> None:
    from tracker.digest.outbox import preview
    from tracker.digest.subscriptions import subscribe
    subscribe(RECIPIENT, name="Demo Staffer", bills=["hr1-119"], members=["W000817"],
              keywords=["artificial intelligence"], frequency="daily")
    data = preview(RECIPIENT, now=datetime.now(timezone.utc))
    if not data:
        return
    result.eml = result.out / "digest.eml"
    result.eml.write_bytes(data)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    result.subject = str(msg["Subject"])
    part = msg.get_body(preferencelist=("html",))
    if part is not None:
        result.html = result.out / "digest.html"
        result.html.write_text(part.get_content(), encoding="utf-8")
