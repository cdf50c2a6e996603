"""Typed items for roll-call votes (Senate LIS XML, House Clerk XML, OpenStates-derived JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from scrapers.items import Item
from tracker import ids


class VotePositionItem(Item):
    """How one member voted, as the source names the member.

    ``member_id`` is the source's id: the bioguide id for the House (``legislator/@name-id``),
    the LIS id for the Senate (``S428``); the importer resolves it to a bioguide id.
    ``position`` is normalised (``yea``/``nay``/``present``/``not_voting``) or, in a Speaker
    election, the candidate's name as published.
    """

    member_id: str
    bioguide_id: str | None = None
    lis_id: str | None = None
    name: str
    first_name: str | None = None
    last_name: str | None = None
    party: str | None = None
    state: str | None = None
    position: str
    position_raw: str


class VoteItem(Item):
    """One roll-call vote: identity, question, result, tally as published and every position."""

    vote_id: str
    chamber: Literal["h", "s"]
    congress: int
    session: int
    number: int
    year: int
    occurred_at: datetime                    # with the Eastern offset of that day
    modified_at: datetime | None = None      # senate.gov modify_date (corrections)
    question: str                            # full question text ("On Passage of the Bill H.R. 1")
    question_short: str | None = None        # "On Passage of the Bill"
    vote_type: str | None = None             # House vote-type / Senate majority requirement
    result: str                              # as published ("Bill Passed", "Agreed to", "Johnson (LA)")
    result_text: str | None = None           # senate.gov vote_result_text ("Bill Passed (51-50)")
    title: str | None = None                 # senate.gov vote_title / House vote-desc
    document: str | None = None              # measure as written ("H.R. 1", "PN12-1", "S.Amdt. 14")
    bill_id: str | None = None               # the bill voted on, also for an amendment to it
    amendment: str | None = None             # "S.Amdt. 14" / "H.Amdt. 85"
    amendment_author: str | None = None
    election: bool = False                   # a Speaker election (positions are candidates)
    counts: dict[str, int | None]            # as published (yea/nay/present/not_voting or candidates)
    party_totals: dict[str, dict[str, int]] = Field(default_factory=dict)   # as published (House)
    tie_breaker: dict[str, str] | None = None   # {"by_whom": "Vice President", "vote": "Yea"}
    vacant_seats: int | None = None          # seats - members listed, when the roll is whole
    positions: list[VotePositionItem]
    source: str                              # lis | clerk | openstates
    source_url: str | None = None

    @field_validator("vote_id")
    @classmethod
    def _vote_id(cls, v: str) -> str:
        return str(ids.parse_vote_id(v))

    @field_validator("bill_id")
    @classmethod
    def _bill_id(cls, v: str | None) -> str | None:
        return None if v is None else str(ids.parse_bill_id(v))

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("occurred_at needs a UTC offset")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "VoteItem":
        if str(ids.parse_vote_id(self.vote_id)) != ids.vote_id(self.chamber, self.number, self.congress, self.year):
            raise ValueError(f"vote id {self.vote_id} does not match chamber/number/congress/year")
        members = [p.member_id for p in self.positions]
        if len(set(members)) != len(members):  # the loop below only runs to name the first repeat
            seen: set[str] = set()
            for m in members:
                if m in seen:
                    raise ValueError(f"member {m} listed twice in vote {self.vote_id}")
                seen.add(m)
        return self

    def party_breakdown(self) -> dict[str, dict[str, int]]:
        """``{"D": {"yea": 47, "nay": 0, ...}, ...}`` counted from the positions."""
        out: dict[str, dict[str, int]] = {}
        for p in self.positions:
            d = out.setdefault(p.party or "?", {})
            d[p.position] = d.get(p.position, 0) + 1
        return out

    def whole(self) -> bool:
        """True when the positions add up to the published tally (not a trimmed excerpt)."""
        total = sum(v for v in self.counts.values() if isinstance(v, int))
        return total == len(self.positions)

    def summary(self) -> dict[str, Any]:
        return {"vote_id": self.vote_id, "counts": self.counts, "result": self.result}
