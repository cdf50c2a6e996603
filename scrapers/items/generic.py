"""A generic item for sources scaffolded with ``tracker new-spider``: one entry a site published.

Newsroom listings, feeds and small APIs mostly give the same few facts per entry: a title, a date,
a link, a short summary, who published it. :class:`PublishedEntry` carries exactly those, so a new
source needs a parser and nothing else; ``scrapers/importers/generic.py`` turns it into a
``statement.published`` / ``letter.published`` / ``news.published`` event (docs/event-kinds.md).
Richer extraction (signers, recipients, asks) belongs to the letters item (``scrapers/items/letters.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator

from scrapers.items import Item
from tracker import ids


class PublishedEntry(Item):
    """One published entry: a press release or statement, a letter, or a news article."""

    kind: Literal["statement", "letter", "news"] = "statement"
    title: str = Field(min_length=1)
    url: str = Field(min_length=1)
    published: date | None = None
    summary: str = ""
    outlet: str | None = None
    author: str | None = None
    member_ids: list[str] = Field(default_factory=list)   # bioguide ids of the publishing members
    bills: list[str] = Field(default_factory=list)        # bill ids mentioned (``hr1-119``)

    @field_validator("title", "summary")
    @classmethod
    def _one_line(cls, v: str) -> str:
        # Scraped titles carry newlines and runs of spaces from the page layout.
        return " ".join(v.split())

    @field_validator("published", mode="before")
    @classmethod
    def _date_only(cls, v):
        if isinstance(v, datetime):
            return v.date()
        return v

    @field_validator("member_ids")
    @classmethod
    def _members(cls, v: list[str]) -> list[str]:
        return [ids.member_id(m) for m in v]

    @field_validator("bills")
    @classmethod
    def _bills(cls, v: list[str]) -> list[str]:
        return [str(ids.parse_bill_id(b)) for b in v]
