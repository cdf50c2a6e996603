"""SQLModel tables of the event store (documented column by column in docs/schema.md).

The ``event`` table is the append-only log; entity tables are the queryable current view, each
with an ``observed_at`` (when the source said so) so a late, older observation never overwrites a
newer one. Changing a table here needs a migration (see db/migrations and docs/schema.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import BigInteger, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import Compressed, JSONType, UTCDateTime, utcnow


def _dt(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _json(default: Any = None) -> Any:
    factory = (lambda: dict()) if default is None else (lambda: list())
    return Field(default_factory=factory, sa_type=JSONType, nullable=False)


class SourceDocument(SQLModel, table=True):
    """Every fetched or ingested payload; a sha256 already stored as ``parsed`` is never re-parsed."""

    __tablename__ = "source_document"
    id: Optional[int] = Field(default=None, primary_key=True)
    url: Optional[str] = Field(default=None, sa_type=Text)
    sha256: str = Field(max_length=64, unique=True)
    media_type: Optional[str] = None
    size: int = 0
    kind: Optional[str] = Field(default=None, index=True)
    parser: Optional[str] = None
    fetched_at: Optional[datetime] = _dt()
    recorded_at: Optional[datetime] = _dt()
    status: str = Field(default="parsed", index=True)  # parsed | quarantined
    error: Optional[str] = Field(default=None, sa_type=Text)
    event_count: int = 0
    content: Optional[bytes] = Field(default=None, sa_type=Compressed)


class Event(SQLModel, table=True):
    """The append-only log. One row per (key, revision)."""

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("key", "revision", name="uq_event_key_revision"),
        Index("ix_event_recorded_at", "recorded_at"),
        Index("ix_event_bill_occurred", "bill_id", "occurred_utc"),
        Index("ix_event_kind_recorded", "kind", "recorded_at"),
        Index("ix_event_occurred_utc", "occurred_utc"),
        {"sqlite_autoincrement": True},
    )
    id: Optional[int] = Field(default=None, sa_type=BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: str = Field(max_length=40)
    key: str = Field(sa_type=Text)
    revision: int = 1
    occurred_at: Optional[str] = Field(default=None, max_length=40)  # ISO 8601 with the source's offset
    occurred_utc: Optional[datetime] = _dt()
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    observed_at: Optional[datetime] = _dt()
    bill_id: Optional[str] = Field(default=None, max_length=32)
    title: str = Field(sa_type=Text)
    source_url: Optional[str] = Field(default=None, sa_type=Text)
    content_hash: str = Field(max_length=64)
    data: dict = _json()
    document_id: Optional[int] = Field(default=None, foreign_key="source_document.id")


class EventMember(SQLModel, table=True):
    """Members an event is about (voters, signers, sponsors). ``member_id`` is a bioguide id, or a
    source id (LIS) when unresolved."""

    __tablename__ = "event_member"
    # (member_id, event_id): "this member's events after id N" is one index range (digests' member
    # follows, `tracker events --member`); it also serves every lookup by member_id alone.
    __table_args__ = (Index("ix_event_member_member_event", "member_id", "event_id"),)
    event_id: int = Field(foreign_key="event.id", primary_key=True)
    member_id: str = Field(primary_key=True, max_length=16)


class CrawlRun(SQLModel, table=True):
    """One scheduled or manual crawl/job run and its report."""

    __tablename__ = "crawl_run"
    id: Optional[int] = Field(default=None, primary_key=True)
    job: str = Field(index=True)
    spider: Optional[str] = None
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: Optional[datetime] = _dt()
    status: str = "running"  # running | ok | degraded | failed | timeout | killed
    finish_reason: Optional[str] = None
    exit_status: Optional[int] = None
    items: int = 0
    documents: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    errors: int = 0
    error_summary: Optional[str] = Field(default=None, sa_type=Text)
    report: dict = _json()


class Member(SQLModel, table=True):
    """A Member of Congress from congress-legislators (current and historical)."""

    __tablename__ = "member"
    bioguide_id: str = Field(primary_key=True, max_length=16)
    lis_id: Optional[str] = Field(default=None, index=True, max_length=8)
    thomas_id: Optional[str] = None
    govtrack_id: Optional[int] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = Field(default=None, index=True)
    nickname: Optional[str] = None
    official_full: Optional[str] = None
    party: Optional[str] = None
    state: Optional[str] = Field(default=None, max_length=2)
    district: Optional[int] = None
    chamber: Optional[str] = None  # house | senate (latest term)
    current: bool = False
    url: Optional[str] = None
    rss_url: Optional[str] = None
    data: dict = _json()
    observed_at: Optional[datetime] = _dt()


class Bill(SQLModel, table=True):
    __tablename__ = "bill"
    bill_id: str = Field(primary_key=True, max_length=32)
    congress: int
    bill_type: str = Field(max_length=8)
    number: int
    title: Optional[str] = Field(default=None, sa_type=Text)
    short_title: Optional[str] = Field(default=None, sa_type=Text)
    introduced_date: Optional[str] = None
    sponsor_id: Optional[str] = None
    latest_action_date: Optional[str] = None
    latest_action_text: Optional[str] = Field(default=None, sa_type=Text)
    summary: Optional[str] = Field(default=None, sa_type=Text)
    data: dict = _json()
    observed_at: Optional[datetime] = _dt()


class BillAction(SQLModel, table=True):
    __tablename__ = "bill_action"
    action_key: str = Field(primary_key=True, sa_type=Text)  # same as the event key
    bill_id: str = Field(index=True, max_length=32)
    action_date: Optional[str] = None
    chamber: Optional[str] = None
    text: str = Field(sa_type=Text)
    code: Optional[str] = None
    classification: Optional[str] = Field(default=None, index=True)
    vote_id: Optional[str] = None
    observed_at: Optional[datetime] = _dt()


class Vote(SQLModel, table=True):
    __tablename__ = "vote"
    vote_id: str = Field(primary_key=True, max_length=32)
    chamber: str = Field(max_length=1)
    congress: int
    session: int
    number: int
    year: int
    occurred_at: Optional[str] = None
    question: Optional[str] = Field(default=None, sa_type=Text)
    vote_type: Optional[str] = None
    result: Optional[str] = None
    bill_id: Optional[str] = Field(default=None, index=True, max_length=32)
    amendment: Optional[str] = None
    yea: Optional[int] = None
    nay: Optional[int] = None
    present: Optional[int] = None
    not_voting: Optional[int] = None
    tie_breaker: Optional[dict] = Field(default=None, sa_type=JSONType)
    counts: dict = _json()
    data: dict = _json()
    source_url: Optional[str] = Field(default=None, sa_type=Text)
    observed_at: Optional[datetime] = _dt()


class VotePosition(SQLModel, table=True):
    __tablename__ = "vote_position"
    vote_id: str = Field(primary_key=True, foreign_key="vote.vote_id", max_length=32)
    member_id: str = Field(primary_key=True, index=True, max_length=16)  # bioguide, or source id when unresolved
    bioguide_id: Optional[str] = None
    lis_id: Optional[str] = None
    name: Optional[str] = None
    party: Optional[str] = None
    state: Optional[str] = None
    position: str  # normalised: yea | nay | present | not_voting | (candidate name for elections)
    position_raw: Optional[str] = None
    observed_at: Optional[datetime] = _dt()


class TextVersion(SQLModel, table=True):
    __tablename__ = "text_version"
    version_id: str = Field(primary_key=True, max_length=40)
    bill_id: str = Field(index=True, max_length=32)
    code: str = Field(max_length=8)
    stage_rank: int = 0
    stage: Optional[str] = None
    date: Optional[str] = None
    url: Optional[str] = Field(default=None, sa_type=Text)
    sha256: Optional[str] = None
    document_id: Optional[int] = Field(default=None, foreign_key="source_document.id")
    sections: int = 0
    observed_at: Optional[datetime] = _dt()


class Provision(SQLModel, table=True):
    """Top-level sections of a stored text version (for search and the provision views)."""

    __tablename__ = "provision"
    version_id: str = Field(primary_key=True, max_length=40)
    seq: int = Field(primary_key=True)
    kind: str = "section"
    enum: Optional[str] = None
    header: Optional[str] = Field(default=None, sa_type=Text)
    path: Optional[str] = Field(default=None, sa_type=Text)
    text: str = Field(default="", sa_type=Text)
    observed_at: Optional[datetime] = _dt()


class ProvisionChange(SQLModel, table=True):
    __tablename__ = "provision_change"
    change_key: str = Field(primary_key=True, sa_type=Text)  # same as the provision.* event key
    bill_id: str = Field(index=True, max_length=32)
    from_version: str = Field(max_length=40)
    to_version: str = Field(max_length=40)
    change: str = Field(max_length=12)
    old_enum: Optional[str] = None
    old_header: Optional[str] = Field(default=None, sa_type=Text)
    old_path: Optional[str] = Field(default=None, sa_type=Text)
    new_enum: Optional[str] = None
    new_header: Optional[str] = Field(default=None, sa_type=Text)
    new_path: Optional[str] = Field(default=None, sa_type=Text)
    similarity: Optional[float] = None
    numbers: list = _json([])
    details: list = _json([])
    excerpt: Optional[str] = Field(default=None, sa_type=Text)
    observed_at: Optional[datetime] = _dt()


class Letter(SQLModel, table=True):
    """A member letter or statement (press release); one row per distinct letter across sites."""

    __tablename__ = "letter"
    letter_key: str = Field(primary_key=True, sa_type=Text)
    kind: str = "statement"  # letter | statement
    title: str = Field(sa_type=Text)
    published: Optional[str] = None
    url: Optional[str] = Field(default=None, sa_type=Text)
    body: str = Field(default="", sa_type=Text)
    recipient: Optional[str] = Field(default=None, sa_type=Text)
    agency: Optional[str] = Field(default=None, sa_type=Text)
    bills: list = _json([])
    asks: list = _json([])
    sources: list = _json([])
    observed_at: Optional[datetime] = _dt()


class LetterSigner(SQLModel, table=True):
    __tablename__ = "letter_signer"
    letter_key: str = Field(primary_key=True, foreign_key="letter.letter_key", sa_type=Text)
    member_id: str = Field(primary_key=True, index=True, max_length=64)  # bioguide, or "name:<raw>" unresolved
    name: Optional[str] = None
    role: Optional[str] = None
    observed_at: Optional[datetime] = _dt()


class NewsItem(SQLModel, table=True):
    __tablename__ = "news_item"
    url: str = Field(primary_key=True, sa_type=Text)
    title: str = Field(sa_type=Text)
    outlet: Optional[str] = None
    published: Optional[str] = None
    body: str = Field(default="", sa_type=Text)
    bills: list = _json([])
    members: list = _json([])
    observed_at: Optional[datetime] = _dt()


class Subscription(SQLModel, table=True):
    __tablename__ = "subscription"
    id: Optional[int] = Field(default=None, primary_key=True)
    email: str = Field(unique=True)
    name: Optional[str] = None
    bills: list = _json([])
    members: list = _json([])
    keywords: list = _json([])
    kinds: list = _json([])
    frequency: str = "daily"  # daily | weekly | instant
    active: bool = True
    last_event_mailed: int = 0  # high-water mark on event.id, moved only after a successful send
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DigestRun(SQLModel, table=True):
    __tablename__ = "digest_run"
    id: Optional[int] = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    frequency: str = "daily"
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    from_event: int = 0
    to_event: int = 0
    event_count: int = 0
    outbox_id: Optional[int] = None
    status: str = "built"  # built | empty | sent | failed


class Outbox(SQLModel, table=True):
    __tablename__ = "outbox"
    id: Optional[int] = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True)
    subscription_id: Optional[int] = Field(default=None, foreign_key="subscription.id", index=True)
    to_addr: str
    subject: str = Field(sa_type=Text)
    message: bytes = Field(sa_type=Compressed)
    high_water: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    status: str = Field(default="pending", index=True)  # pending | sending | sent | failed | cancelled
    attempts: int = 0
    last_error: Optional[str] = Field(default=None, sa_type=Text)
    sent_at: Optional[datetime] = _dt()


class SitemapEntry(SQLModel, table=True):
    """Incremental cursor of sitemap-driven spiders (GovInfo BILLSTATUS): the ``<lastmod>`` of each
    URL as of its last successful fetch. Written in the same transaction as the document."""

    __tablename__ = "sitemap_entry"
    url: str = Field(primary_key=True, sa_type=Text)
    lastmod: str = Field(max_length=40)  # as the sitemap gives it (ISO 8601)
    spider: Optional[str] = Field(default=None, max_length=40)
    sha256: Optional[str] = Field(default=None, max_length=64)
    observed_at: Optional[datetime] = _dt()


TABLES = [m.__tablename__ for m in (SourceDocument, Event, EventMember, CrawlRun, Member, Bill, BillAction, Vote,
                                    VotePosition, TextVersion, Provision, ProvisionChange, Letter, LetterSigner,
                                    NewsItem, Subscription, DigestRun, Outbox, SitemapEntry)]
