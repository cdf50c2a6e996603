"""senate_votes: Senate roll-call votes, driven by the session's vote menu (navigation only).

1. GET ``{base_url}/legislative/LIS/roll_call_lists/vote_menu_{congress}_{session}.xml``;
2. ``mode=fast`` (default): request every vote newer than the highest one stored for that session
   (the ``vote`` table is the cursor, so an interrupted run resumes where it stopped), plus the
   votes of the last ``recheck_days`` days of the menu (default 3): corrections are published then;
   ``mode=full``: every vote of the menu (hash-identical files are skipped by the store);
3. yield each vote XML as a :class:`RawDocument` (kind ``senate_vote``); the pipeline parses it.

Arguments (``-a``): ``congress``, ``session`` (default: the current ones), ``mode``,
``recheck_days``, ``base_url`` (``https://www.senate.gov``; a local replay server in tests),
``limit`` (max vote requests).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import scrapy
from sqlalchemy import func, select
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.engine import get_engine
from scrapers.items import RawDocument
from scrapers.parsers.senate_vote_menu import MenuEntry, parse_menu
from tracker import ids

DEFAULT_BASE = "https://www.senate.gov"


def menu_url(base: str, congress: int, session: int) -> str:
    return f"{base.rstrip('/')}/legislative/LIS/roll_call_lists/vote_menu_{congress}_{session}.xml"


def vote_url(base: str, congress: int, session: int, number: int) -> str:
    return (f"{base.rstrip('/')}/legislative/LIS/roll_call_votes/vote{congress}{session}/"
            f"vote_{congress}_{session}_{number:05d}.xml")


def stored_votes(chamber: str, congress: int, session: int) -> set[int]:
    """Roll-call numbers already stored for a session: the incremental state. A set, not a
    high-water mark: votes are fetched concurrently and stored as they arrive, so a run that was
    killed (or one vote that failed) can leave a gap below the highest number stored."""
    vote = SQLModel.metadata.tables["vote"]
    with get_engine().connect() as conn:
        rows = conn.execute(select(vote.c.number).where(
            vote.c.chamber == chamber, vote.c.congress == congress, vote.c.session == session)).all()
    return {int(r[0]) for r in rows}


def select_votes(entries: list[MenuEntry], stored: set[int] | frozenset[int], recheck_days: int,
                 mode: str = "fast") -> list[MenuEntry]:
    """Menu entries to fetch, oldest first: all (full), or every vote not stored yet plus those dated
    within ``recheck_days`` of the newest menu date, for corrections (fast)."""
    if mode == "full":
        chosen = list(entries)
    else:
        dated = [e.date for e in entries if e.date]
        newest = max(dated) if dated else None
        since = newest - timedelta(days=recheck_days) if newest else None
        chosen = [e for e in entries if e.number not in stored or (since and e.date and e.date >= since)]
    return sorted({e.number: e for e in chosen}.values(), key=lambda e: e.number)


class SenateVotesSpider(scrapy.Spider):
    name = "senate_votes"
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}

    def __init__(self, congress: str | int | None = None, session: str | int | None = None, mode: str = "fast",
                 recheck_days: str | int = 3, base_url: str = DEFAULT_BASE, limit: str | int | None = None,
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = date.today()
        self.congress = int(congress) if congress else ids.congress_for_year(today.year)
        self.session = int(session) if session else ids.session_for_year(today.year)
        if mode not in ("fast", "full"):
            raise ValueError(f"mode must be fast or full, got {mode!r}")
        self.mode = mode
        self.recheck_days = int(recheck_days)
        self.base_url = base_url
        self.limit = int(limit) if limit else None

    async def start(self):
        for req in self.start_requests():
            yield req

    def start_requests(self):
        yield scrapy.Request(menu_url(self.base_url, self.congress, self.session), callback=self.parse_menu,
                             dont_filter=True)

    def parse_menu(self, response):
        from db.migrate import upgrade
        upgrade()
        entries = parse_menu(response.body)
        stored = stored_votes("s", self.congress, self.session)
        chosen = select_votes(entries, stored, self.recheck_days, self.mode)
        if self.limit:
            chosen = chosen[: self.limit]
        self.logger.info("vote menu %s-%s: %d votes, %d stored, fetching %d", self.congress, self.session,
                         len(entries), len(stored), len(chosen))
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.set_value("senate_votes/menu_votes", len(entries))
        for e in chosen:
            yield scrapy.Request(vote_url(self.base_url, e.congress, e.session, e.number), callback=self.parse_vote,
                                 cb_kwargs={"number": e.number})

    def parse_vote(self, response, number: int):
        yield RawDocument(url=response.url, body=response.body, kind="senate_vote",
                          media_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
                          fetched_at=datetime.now(timezone.utc), meta={"number": number})
