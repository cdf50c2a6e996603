"""Items for members' letters, press releases (statements) and news articles. Pure pydantic.

Parsers (``scrapers/parsers/newsroom.py``, ``feed.py``, ``news_article.py``) build these from a page
or feed; ``scrapers/importers/letters.py`` resolves the signers to bioguide ids and turns them into
``letter.published`` / ``statement.published`` / ``news.published`` events (docs/event-kinds.md).

All text fields are plain text: markup is never stored as text (digests sanitise again anyway).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator

from scrapers.items import Item
from tracker import ids

_CTRL = dict.fromkeys(c for c in range(32) if c not in (9, 10))  # keep tab/newline, drop the rest


def _plain(v: str) -> str:
    """No control characters; a value that still looks like markup is refused (a parser bug)."""
    v = (v or "").translate(_CTRL)
    return v


def _line(v: str) -> str:
    return " ".join(_plain(v).split())


class Signer(Item):
    """A member named as signer/author, as written on the page. Resolution to a bioguide id happens
    in the importer (inside the write transaction); ``bioguide`` is set here only when the site
    config says whose site this is and the surname matches."""

    name: str = Field(min_length=1)          # as written: "Elizabeth Warren", "Warren"
    first_name: str | None = None
    last_name: str = Field(min_length=1)
    title: str | None = None                 # "Sen.", "Ranking Member", "Rep."
    party: str | None = None                 # D / R / I
    state: str | None = None                 # USPS code (MA)
    chamber: str | None = None               # senate / house
    role: str = "signer"                     # signer | lead | site_owner
    bioguide: str | None = None

    @field_validator("name", "last_name", "first_name", "title")
    @classmethod
    def _oneline(cls, v):
        return _line(v) if isinstance(v, str) else v

    @field_validator("bioguide")
    @classmethod
    def _bioguide(cls, v):
        return ids.member_id(v) if v else None


class LetterItem(Item):
    """A member's or committee's newsroom page: a letter (``kind="letter"``) or another statement."""

    kind: Literal["letter", "statement"] = "statement"
    title: str = Field(min_length=1)
    url: str = Field(min_length=1)
    published: date | None = None
    body: str = ""                           # plain text, paragraphs separated by blank lines
    summary: str = ""                        # from a feed or listing when there is no body
    site: str | None = None                  # sites.toml id that matched the URL ("generic" otherwise)
    chamber: str | None = None
    signers: list[Signer] = Field(default_factory=list)
    recipient: str | None = None             # "Social Security Administration Commissioner Frank Bisignano"
    agency: str | None = None                # canonical agency name from vocab/agencies.csv
    bills: list[str] = Field(default_factory=list)
    asks: list[str] = Field(default_factory=list)
    letter_links: list[str] = Field(default_factory=list)   # linked letter PDFs
    letter_signals: list[str] = Field(default_factory=list) # which signals made it a letter

    @field_validator("title", "recipient", "agency")
    @classmethod
    def _oneline(cls, v):
        return _line(v) if isinstance(v, str) else v

    @field_validator("body", "summary")
    @classmethod
    def _text(cls, v: str) -> str:
        return _plain(v).strip()

    @field_validator("published", mode="before")
    @classmethod
    def _date_only(cls, v):
        return v.date() if isinstance(v, datetime) else v

    @field_validator("bills")
    @classmethod
    def _bills(cls, v: list[str]) -> list[str]:
        return [str(ids.parse_bill_id(b)) for b in v]

    @field_validator("asks")
    @classmethod
    def _asks(cls, v: list[str]) -> list[str]:
        return [_line(a) for a in v if _line(a)]


class NewsArticle(Item):
    """An outlet's article page (or feed entry): the body without comments or related lists."""

    title: str = Field(min_length=1)
    url: str = Field(min_length=1)           # canonical URL (link rel=canonical / og:url) when the page gives one
    fetched_url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: datetime | date | None = None
    body: str = ""
    bills: list[str] = Field(default_factory=list)
    members: list[Signer] = Field(default_factory=list)   # members mentioned (role="mentioned")

    @field_validator("title", "outlet", "author")
    @classmethod
    def _oneline(cls, v):
        return _line(v) if isinstance(v, str) else v

    @field_validator("body")
    @classmethod
    def _text(cls, v: str) -> str:
        return _plain(v).strip()

    @field_validator("bills")
    @classmethod
    def _bills(cls, v: list[str]) -> list[str]:
        return [str(ids.parse_bill_id(b)) for b in v]
