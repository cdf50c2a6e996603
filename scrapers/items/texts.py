"""Bill text versions (GPO bill XML) as items."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from scrapers.items import Item


class BillTextItem(Item):
    """One text version of a bill, parsed into a provision tree (``tree`` is a
    ``tracker.diff.BillText``, kept so the importer does not parse twice)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    bill_id: str
    version_code: str
    stage: str | None = None
    date: str | None = None
    official_title: str = ""
    url: str | None = None
    sections: int = 0
    tree: Any = Field(default=None, exclude=True, repr=False)
