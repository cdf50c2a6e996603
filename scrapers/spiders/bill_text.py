"""bill_text: fetch the XML of text versions announced by ``text.published`` events and not yet
stored, so the diff engine can compare them with the previous version (navigation only: the
pipeline parses, stores and diffs).

Source: GovInfo ``https://www.govinfo.gov/content/pkg/BILLS-{congress}{type}{number}{version}/xml/
BILLS-{congress}{type}{number}{version}.xml`` (the URL is in the event's data; built here when
missing). Arguments: ``-a bill=hr1-119`` to limit to one bill, ``-a limit=50``.
"""

from __future__ import annotations

from datetime import datetime, timezone

import scrapy
from sqlalchemy import select
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.engine import get_engine
from scrapers.items import RawDocument
from tracker import ids

GOVINFO = "https://www.govinfo.gov/content/pkg/BILLS-{c}{t}{n}{v}/xml/BILLS-{c}{t}{n}{v}.xml"


def govinfo_url(version_id: str) -> str:
    v = ids.parse_version_id(version_id)
    return GOVINFO.format(c=v.bill.congress, t=v.bill.type, n=v.bill.number, v=v.code)


def pending_versions(bill: str | None = None, limit: int = 50) -> list[tuple[str, str]]:
    """(version_id, url) announced by text.published events whose XML is not stored yet, newest first."""
    event = SQLModel.metadata.tables["event"]
    tv = SQLModel.metadata.tables["text_version"]
    q = select(event.c.key, event.c.data, event.c.bill_id).where(event.c.kind == "text.published")
    if bill:
        q = q.where(event.c.bill_id == bill)
    q = q.order_by(event.c.id.desc())
    out: list[tuple[str, str]] = []
    with get_engine().connect() as conn:
        stored = {r[0] for r in conn.execute(select(tv.c.version_id))}
        for key, data, _ in conn.execute(q):
            vid = (data or {}).get("version_id") or key.removeprefix("text:")
            try:
                ids.parse_version_id(vid)
            except ValueError:
                continue
            if vid in stored or any(vid == o[0] for o in out):
                continue
            url = (data or {}).get("url") or ""
            if not url.endswith(".xml"):
                url = govinfo_url(vid)
            out.append((vid, url))
            if len(out) >= limit:
                break
    return out


class BillTextSpider(scrapy.Spider):
    name = "bill_text"

    def __init__(self, bill: str | None = None, limit: str | int = 50, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bill = bill
        self.limit = int(limit)

    async def start(self):
        from db.migrate import upgrade
        upgrade()
        for vid, url in pending_versions(self.bill, self.limit):
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"version_id": vid})

    def parse(self, response, version_id: str):
        yield RawDocument(url=response.url, body=response.body, kind="bill_text",
                          media_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
                          fetched_at=datetime.now(timezone.utc), meta={"version_id": version_id})
