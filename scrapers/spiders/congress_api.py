"""congress_api: bills updated on congress.gov since the last run, through the API v3 client.

A *job*, not a Scrapy spider, on purpose: the API needs a secret header, an hourly request budget
shared by every call and Retry-After handling, which ``tracker.congress_api.CongressApiClient``
(``requests``, tested with ``responses``) does in one place; Scrapy's cache, retries and stats
would each need to learn the key is secret. It takes the same road into the store as every spider
(``scrapers.ingest.ingest_document``): one document per bill, a *bundle* JSON (sorted keys) of the
endpoints fetched, which ``scrapers/parsers/congress_api.py`` reads.

Cursor: the ``updateDate`` of the last bill stored, kept in ``sitemap_entry`` under the list URL
(``https://api.congress.gov/v3/bill`` or ``.../bill/{congress}``), advanced after each stored bill,
so a run stopped by the budget resumes where it stopped. The next run asks for
``fromDateTime`` = cursor (inclusive: a re-listed bill is re-read and records nothing new, since
change is detected by content; ``updateDate`` alone moves for no reason, api.congress.gov#170).

Run: ``python -m scrapers.spiders.congress_api [--congress 119] [--max-bills 100]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone

from db.records import Counts, EntityRecord
from db.store import DocumentIn, record
from scrapers.ingest import ingest_document
from tracker.congress_api import BASE_URL, BudgetExhausted, CongressApiClient, CongressApiError

logger = logging.getLogger(__name__)
JOB = "congress_api"

# endpoint -> key of its list in the response (``/text`` lists ``textVersions``).
ENDPOINTS = {"actions": "actions", "text": "textVersions", "cosponsors": "cosponsors", "committees": "committees",
             "relatedbills": "relatedBills", "summaries": "summaries", "titles": "titles"}


@dataclass
class JobReport:
    bills: int = 0
    counts: Counts = field(default_factory=Counts)
    stopped: str = "done"           # done | budget | error
    error: str | None = None
    cursor: str | None = None
    requests: int = 0


def cursor_url(congress: int | None) -> str:
    return f"{BASE_URL}/bill/{congress}" if congress else f"{BASE_URL}/bill"


def read_cursor(congress: int | None, engine=None) -> str | None:
    from scrapers.spiders.billstatus import load_cursors
    return load_cursors([cursor_url(congress)], engine=engine).get(cursor_url(congress))


def fetch_bundle(client: CongressApiClient, congress: int, bill_type: str, number: int | str,
                 endpoints: dict[str, str] = ENDPOINTS) -> bytes:
    """The detail plus each endpoint's full list, as one canonical JSON document."""
    detail = client.bill(congress, bill_type, int(number))
    bundle: dict = {"bill": detail.get("bill") or {},
                    "request": {"congress": str(congress), "billType": bill_type.lower(), "billNumber": str(number)}}
    for endpoint, key in endpoints.items():
        bundle[key] = client.bill_part(congress, bill_type, int(number), endpoint, key)
    return json.dumps(bundle, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def run(client: CongressApiClient | None = None, *, congress: int | None = None, since: datetime | None = None,
        max_bills: int | None = None, engine=None) -> JobReport:
    """Fetch and record the bills updated since the cursor (or ``since``). Never raises for the
    budget: returns with ``stopped="budget"``; the next run resumes from the cursor."""
    from db.migrate import upgrade
    upgrade()
    client = client or CongressApiClient()
    rep = JobReport()
    if since is None:
        cur = read_cursor(congress, engine)
        since = datetime.fromisoformat(cur.replace("Z", "+00:00")) if cur else None
    try:
        for entry in client.bills_updated_since(since, congress=congress, max_items=max_bills):
            c, t, n = entry.get("congress"), str(entry.get("type") or "").lower(), entry.get("number")
            if not (c and t and n):
                continue
            body = fetch_bundle(client, int(c), t, n)
            url = f"{BASE_URL}/bill/{int(c)}/{t}/{n}"
            rep.counts = rep.counts + ingest_document(
                DocumentIn(body=body, url=url, media_type="application/json", fetched_at=datetime.now(timezone.utc)),
                kind="congress_api_bill", engine=engine)
            rep.bills += 1
            upd = entry.get("updateDate")
            if upd:  # the document is committed: move the cursor past it
                rep.cursor = upd
                record([EntityRecord("sitemap_entry", [{"url": cursor_url(congress), "lastmod": str(upd),
                                                        "spider": JOB, "sha256": None}], ("url",))], engine=engine)
    except BudgetExhausted as exc:
        rep.stopped, rep.error = "budget", str(exc)
    except CongressApiError as exc:
        rep.stopped, rep.error = "error", str(exc)
    rep.requests = client.requests_sent
    return rep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scrapers.spiders.congress_api", description=__doc__.splitlines()[0])
    ap.add_argument("--congress", type=int, default=None)
    ap.add_argument("--max-bills", type=int, default=None)
    args = ap.parse_args(argv)
    try:
        rep = run(congress=args.congress, max_bills=args.max_bills)
    except CongressApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{rep.bills} bills, {rep.requests} requests, stopped: {rep.stopped}; {rep.counts.summary()}")
    if rep.error:
        print(f"note: {rep.error}", file=sys.stderr)
    return 1 if rep.stopped == "error" else 0


if __name__ == "__main__":
    sys.exit(main())
