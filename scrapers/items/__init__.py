"""Typed items (pydantic, validated). Pure: no Scrapy, no database.

Parsers return these; importers (``scrapers/importers``) turn them into store records. One module
per domain (votes, bills, texts, letters, members) plus :class:`RawDocument`, the item spiders yield.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Item(BaseModel):
    """Base of every typed item: unknown fields are refused, values validated on construction."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RawDocument(Item):
    """A fetched payload as a spider yields it; the pipeline parses and records it.

    ``kind`` names the parser (see ``scrapers.parsers.registry``); None means detect from content.
    ``meta`` carries navigation context a parser may need (e.g. the site config of a newsroom).
    """

    url: str
    body: bytes
    media_type: str | None = None
    kind: str | None = None
    fetched_at: datetime | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
