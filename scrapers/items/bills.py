"""Typed items for bills: one :class:`BillItem` whatever the source (GovInfo BILLSTATUS in any of
its schemas, or the congress.gov API v3 JSON), so the same bill read from two sources or two
schemas compares equal (``item_a == item_b``).

``parts`` names what the document actually carried (a congress.gov API response covers one
endpoint: ``detail``, ``actions``, ``text``, ``cosponsors``, ...; a BILLSTATUS file covers all).
The importer writes only the parts present, so a partial API response never blanks the rest.
"""

from __future__ import annotations

from pydantic import Field

from scrapers.items import Item

ALL_PARTS = ("detail", "titles", "actions", "text", "cosponsors", "committees", "related", "summaries")
API_ONLY_PARTS = ("amendments", "subjects")


class Sponsor(Item):
    bioguide_id: str
    name: str | None = None
    party: str | None = None
    state: str | None = None
    district: str | None = None
    date: str | None = None          # cosponsorship date (YYYY-MM-DD)
    original: bool | None = None     # original cosponsor
    withdrawn: str | None = None     # date the cosponsorship was withdrawn


class Committee(Item):
    code: str                        # system code, e.g. ``hsju00``
    name: str | None = None
    chamber: str | None = None       # house | senate | joint


class Title(Item):
    type: str
    title: str


class RelatedBill(Item):
    bill_id: str
    relationships: list[str] = Field(default_factory=list)   # "Identical bill (CRS)", ...


class RecordedVote(Item):
    vote_id: str                     # tracker.ids.vote_id: ``h62-117.2021``
    chamber: str                     # h | s
    roll: int
    congress: int
    session: int | None = None
    date: str | None = None          # ISO instant as published
    url: str | None = None


class Action(Item):
    """One action after merging the copies listed by several source systems (same date and
    normalised text)."""

    key: str                         # ``action:{bill_id}:{date}:{sha1(normalised text)[:10]}``
    date: str                        # YYYY-MM-DD
    time: str | None = None          # HH:MM:SS (Eastern), when a source gives one
    chamber: str | None = None       # house | senate | None (executive, unknown)
    text: str
    codes: list[str] = Field(default_factory=list)
    classification: str = "other"
    sources: list[str] = Field(default_factory=list)       # source systems that listed it
    committees: list[str] = Field(default_factory=list)    # committee system codes
    vote_ids: list[str] = Field(default_factory=list)


class TextVersion(Item):
    version_id: str                  # ``s35-117:es``
    code: str
    stage: str | None = None         # "Engrossed in Senate"
    date: str | None = None          # YYYY-MM-DD
    url: str                         # GovInfo XML
    formats: dict[str, str] = Field(default_factory=dict)  # xml / pdf / html on GovInfo


class BillItem(Item):
    bill_id: str
    congress: int
    bill_type: str
    number: int
    source: str                      # govinfo | congress.gov
    parts: list[str] = Field(default_factory=list)
    origin_chamber: str | None = None
    introduced_date: str | None = None
    title: str | None = None
    short_title: str | None = None
    titles: list[Title] = Field(default_factory=list)
    sponsors: list[Sponsor] = Field(default_factory=list)
    cosponsors: list[Sponsor] = Field(default_factory=list)
    committees: list[Committee] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    votes: list[RecordedVote] = Field(default_factory=list)
    text_versions: list[TextVersion] = Field(default_factory=list)
    related_bills: list[RelatedBill] = Field(default_factory=list)
    summary: str | None = None       # latest CRS summary, plain text
    summary_date: str | None = None
    policy_area: str | None = None
    subjects: list[str] = Field(default_factory=list)       # CRS legislative subjects
    laws: list[str] = Field(default_factory=list)           # "Public Law 117-2"
    amendments: list[str] = Field(default_factory=list)     # "SAMDT 2137" (API amendments list)
    latest_action_date: str | None = None
    latest_action_text: str | None = None
    update_date: str | None = None   # informative only: moves without real change (never hashed)
    source_url: str | None = None


__all__ = ["ALL_PARTS", "Action", "BillItem", "Committee", "RecordedVote", "RelatedBill", "Sponsor", "TextVersion", "Title"]
