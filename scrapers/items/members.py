"""Typed items for Members of Congress (congress-legislators data)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from scrapers.items import Item
from tracker import ids


class MemberTerm(Item):
    """One term of service as congress-legislators lists it."""

    type: str                      # sen | rep
    start: str | None = None       # YYYY-MM-DD
    end: str | None = None
    state: str | None = None
    district: int | None = None
    party: str | None = None       # as published: Democrat, Republican, Independent, ...
    url: str | None = None
    rss_url: str | None = None


def _check_bioguide(cls: type, v: str) -> str:
    """The one bioguide-id validator of the member items (upper-cased, or refused)."""
    v = (v or "").strip().upper()
    if not ids.is_bioguide(v):
        raise ValueError(f"malformed bioguide id {v!r}")
    return v


class MemberItem(Item):
    """A Member of Congress, current or former. ``record`` keeps the whole source record (ids,
    name, bio, terms) for ``member.data``; ``social`` the accounts from legislators-social-media."""

    bioguide_id: str
    lis_id: str | None = None
    thomas_id: str | None = None
    govtrack_id: int | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    suffix: str | None = None
    nickname: str | None = None
    official_full: str | None = None
    terms: list[MemberTerm] = Field(default_factory=list)
    current: bool = False          # listed in legislators-current
    record: dict[str, Any] = Field(default_factory=dict)

    _bioguide = field_validator("bioguide_id")(classmethod(_check_bioguide))

    @field_validator("lis_id")
    @classmethod
    def _lis(cls, v: str | None) -> str | None:
        v = (v or "").strip().upper() or None
        if v is not None and not ids.is_lis_id(v):
            raise ValueError(f"malformed LIS id {v!r}")
        return v


class MemberSocial(Item):
    """Official social accounts of one member (legislators-social-media)."""

    bioguide_id: str
    social: dict[str, Any] = Field(default_factory=dict)

    _bioguide = field_validator("bioguide_id")(classmethod(_check_bioguide))
