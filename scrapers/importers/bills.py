"""BillItem -> store records: the ``bill`` row (upsert), ``bill_action`` rows, one ``bill.action``
event per action and one ``text.published`` event per listed text version (docs/event-kinds.md).

Change detection is by content: nothing an event carries depends on ``updateDate`` or on which
source (BILLSTATUS or the congress.gov API) listed it, so a re-fetch that only moved
``updateDate`` is all "unchanged", and the same action from both sources is one key with one
content. Only the parts an item carries are written (a congress.gov ``/actions`` response does not
blank the bill's title).

When the spider passes ``sitemap_url``/``sitemap_lastmod`` in its meta, the ``sitemap_entry``
cursor is advanced in the same transaction as the document.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from db.records import EntityRecord, EventRecord
from scrapers.items.bills import BillItem
from scrapers.parsers import billcommon as bc
from tracker import ids

BILL = SQLModel.metadata.tables["bill"]


def _existing_bill(ctx: Any, bill_id: str) -> tuple[dict, str | None]:
    conn = getattr(ctx, "conn", None)
    if conn is None:
        return {}, None
    row = conn.execute(select(BILL.c.data, BILL.c.sponsor_id).where(BILL.c.bill_id == bill_id)).first()
    if row is None:
        return {}, None
    return dict(row.data or {}), row.sponsor_id


def bill_row(item: BillItem, old_data: dict) -> dict[str, Any]:
    """The ``bill`` row for the parts present (columns of absent parts are left out, so the upsert
    keeps what another source wrote)."""
    parts = set(item.parts)
    row: dict[str, Any] = {"bill_id": item.bill_id, "congress": item.congress, "bill_type": item.bill_type,
                           "number": item.number}
    data = dict(old_data)
    data.update(bill_id=item.bill_id, citation=ids.parse_bill_id(item.bill_id).citation)
    if "detail" in parts:
        row.update(title=item.title, introduced_date=item.introduced_date,
                   sponsor_id=item.sponsors[0].bioguide_id if item.sponsors else None,
                   latest_action_date=item.latest_action_date, latest_action_text=item.latest_action_text)
        data.update(origin_chamber=item.origin_chamber, policy_area=item.policy_area, laws=item.laws,
                    sponsors=[s.model_dump() for s in item.sponsors], update_date=item.update_date)
        if item.subjects:
            data["subjects"] = item.subjects
    if "titles" in parts:
        row["short_title"] = item.short_title
        if "detail" not in parts and item.title:
            row["title"] = item.title
        data["titles"] = [t.model_dump() for t in item.titles]
    if "summaries" in parts:
        row["summary"] = item.summary
        data["summary_date"] = item.summary_date
    if "cosponsors" in parts:
        data["cosponsors"] = [s.model_dump() for s in item.cosponsors]
    if "committees" in parts:
        data["committees"] = [c.model_dump() for c in item.committees]
    if "related" in parts:
        data["related_bills"] = [r.model_dump() for r in item.related_bills]
    if "text" in parts:
        data["text_versions"] = [v.version_id for v in item.text_versions]
    if "actions" in parts:
        data["votes"] = [v.model_dump() for v in item.votes]
        if "detail" not in parts and item.actions:
            latest = item.actions[0]
            row.update(latest_action_date=latest.date, latest_action_text=latest.text)
    if "amendments" in parts:
        data["amendments"] = item.amendments
    if "subjects" in parts:
        data["subjects"] = item.subjects
    data.setdefault("sources", [])
    if item.source not in data["sources"]:
        data["sources"] = sorted(set(data["sources"]) | {item.source})
    row["data"] = data
    return row


def action_events(item: BillItem, sponsor: str | None) -> tuple[list[EventRecord], list[dict]]:
    bid = ids.parse_bill_id(item.bill_id)
    url = bc.congress_gov_url(bid)
    events, rows = [], []
    for a in item.actions:
        members = [sponsor] if sponsor and a.classification == "introduced" else []
        events.append(EventRecord(
            kind="bill.action", key=a.key, title=f"{bid.citation}: {a.text}"[:500],
            occurred_at=bc.occurred_at(a.date, a.time), bill_id=item.bill_id, member_ids=members,
            source_url=url,
            data={"bill_id": item.bill_id, "date": a.date, "time": a.time, "chamber": a.chamber, "text": a.text,
                  "codes": a.codes, "classification": a.classification, "vote_ids": a.vote_ids,
                  "sources": a.sources, "committees": a.committees}))
        rows.append({"action_key": a.key, "bill_id": item.bill_id, "action_date": a.date, "chamber": a.chamber,
                     "text": a.text, "code": " ".join(a.codes) or None, "classification": a.classification,
                     "vote_id": a.vote_ids[0] if a.vote_ids else None})
    return events, rows


def text_events(item: BillItem) -> list[EventRecord]:
    bid = ids.parse_bill_id(item.bill_id)
    out = []
    for v in item.text_versions:
        out.append(EventRecord(
            kind="text.published", key=f"text:{v.version_id}",
            title=f"New text of {bid.citation}: {v.stage or v.code} ({v.code})",
            occurred_at=bc.occurred_at(v.date) if v.date else None, bill_id=item.bill_id,
            source_url=v.url,
            data={"version_id": v.version_id, "bill_id": item.bill_id, "code": v.code, "stage": v.stage,
                  "date": v.date, "url": v.url, "formats": v.formats}))
    return out


def import_bill(item: BillItem, ctx: Any) -> list[Any]:
    old_data, old_sponsor = _existing_bill(ctx, item.bill_id)
    records: list[Any] = [EntityRecord("bill", [bill_row(item, old_data)], ("bill_id",))]
    if "actions" in item.parts:
        sponsor = (item.sponsors[0].bioguide_id if item.sponsors else None) if "detail" in item.parts else old_sponsor
        events, rows = action_events(item, sponsor)
        if rows:
            records.append(EntityRecord("bill_action", rows, ("action_key",)))
        records.extend(events)
    if "text" in item.parts:
        records.extend(text_events(item))
    extra = getattr(ctx, "extra", {}) or {}
    if extra.get("sitemap_url") and extra.get("sitemap_lastmod"):
        records.append(EntityRecord("sitemap_entry", [{
            "url": extra["sitemap_url"], "lastmod": extra["sitemap_lastmod"], "spider": extra.get("spider"),
            "sha256": extra.get("sha256")}], ("url",)))
    return records


IMPORTERS = {BillItem: import_bill}
