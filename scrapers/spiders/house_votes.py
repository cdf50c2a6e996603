"""house_votes: House Clerk roll-call votes (navigation only).

The Clerk numbers roll calls per year (``{base_url}/evs/{year}/roll{number:03d}.xml``). Rather than
scrape the year's HTML index, the spider walks the numbers: from the highest roll stored for that
year (the ``vote`` table is the cursor, so an interrupted run resumes) upwards until a 404, and
re-fetches the rolls of the last ``recheck_days`` days (corrections). ``mode=full`` starts at 1.

Arguments (``-a``): ``year`` (default: this year), ``mode`` (fast|full), ``recheck_days`` (3),
``base_url`` (``https://clerk.house.gov``; a local replay server in tests), ``limit`` (max rolls),
``start`` (the first roll to walk from when none of that year is stored yet; default 1).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import scrapy
from sqlalchemy import func, select
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.engine import get_engine
from scrapers.items import RawDocument

DEFAULT_BASE = "https://clerk.house.gov"


def roll_url(base: str, year: int, number: int) -> str:
    return f"{base.rstrip('/')}/evs/{year}/roll{number:03d}.xml"


def stored_rolls(year: int, recheck_days: int) -> tuple[int, list[int]]:
    """(highest stored roll of the year, rolls stored with a date within ``recheck_days`` of it)."""
    vote = SQLModel.metadata.tables["vote"]
    with get_engine().connect() as conn:
        rows = conn.execute(select(vote.c.number, vote.c.occurred_at).where(
            vote.c.chamber == "h", vote.c.year == year)).all()
    if not rows:
        return 0, []
    top = max(r[0] for r in rows)
    dates = [r[1][:10] for r in rows if r[1]]
    newest = max(dates) if dates else None
    since = (date.fromisoformat(newest) - timedelta(days=recheck_days)).isoformat() if newest else None
    recent = sorted(r[0] for r in rows if since and r[1] and r[1][:10] >= since)
    return top, recent


class HouseVotesSpider(scrapy.Spider):
    name = "house_votes"
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    handle_httpstatus_list = [404]

    def __init__(self, year: str | int | None = None, mode: str = "fast", recheck_days: str | int = 3,
                 base_url: str = DEFAULT_BASE, limit: str | int | None = None, start: str | int | None = None,
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = int(year) if year else date.today().year
        if mode not in ("fast", "full"):
            raise ValueError(f"mode must be fast or full, got {mode!r}")
        self.mode = mode
        self.recheck_days = int(recheck_days)
        self.base_url = base_url
        self.limit = int(limit) if limit else 2000
        self.fetched = 0
        self.start_at = max(1, int(start)) if start else 1

    async def start(self):
        for req in self.start_requests():
            yield req

    def start_requests(self):
        from db.migrate import upgrade
        upgrade()
        top, recent = stored_rolls(self.year, self.recheck_days) if self.mode == "fast" else (0, [])
        for n in recent:
            yield self._req(n, walk=False)
        yield self._req(max(top + 1, self.start_at), walk=True)

    def _req(self, number: int, walk: bool):
        return scrapy.Request(roll_url(self.base_url, self.year, number), callback=self.parse_roll,
                              cb_kwargs={"number": number, "walk": walk}, dont_filter=True)

    def parse_roll(self, response, number: int, walk: bool):
        if response.status == 404:
            self.logger.info("roll %d of %d not published yet: stopping", number, self.year)
            return
        self.fetched += 1
        yield RawDocument(url=response.url, body=response.body, kind="house_vote",
                          media_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
                          fetched_at=datetime.now(timezone.utc), meta={"number": number})
        if walk and self.fetched < self.limit:
            yield self._req(number + 1, walk=True)
