"""Bill text versions -> text_version + provision rows, and provision.* events.

When a version of a bill arrives, it is diffed against the previous stored version of the same bill
(legislative order, ``tracker.ids.stage_rank``: the metadata date is often empty); if it arrives
before an already stored later version, it is diffed against that one instead. One event per changed
provision, keyed by bill, the version pair, the change and the provision's identity, so re-ingesting
is a no-op.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from db.records import EntityRecord, EventRecord
from scrapers.items.texts import BillTextItem
from tracker import ids
from tracker.diff import diff_versions, parse_bill_text
from tracker.diff.render import short_ref

TEXT_VERSION = SQLModel.metadata.tables["text_version"]
DOCUMENT = SQLModel.metadata.tables["source_document"]
EVENT = SQLModel.metadata.tables["event"]

EXCERPT = 280


def _rank(code: str, bill_id: str) -> int:
    tier, sub = ids.stage_rank(code, ids.parse_bill_id(bill_id).type)
    return tier * 10 + sub


def _when(date: str | None) -> datetime | None:
    if not date:
        return None
    try:
        return datetime.fromisoformat(date).replace(tzinfo=timezone.utc) if len(date) == 10 else datetime.fromisoformat(date)
    except ValueError:
        return None


def citation(bill_id: str) -> str:
    b = ids.parse_bill_id(bill_id)
    return b.citation


STAGE_NAMES = {"ih": "as introduced in the House", "is": "as introduced in the Senate", "rh": "as reported in the House",
               "rs": "as reported in the Senate", "eh": "as passed by the House", "es": "as passed by the Senate",
               "eas": "as amended by the Senate", "eah": "as amended by the House", "enr": "as enrolled",
               "rfs": "as referred to the Senate", "rfh": "as referred to the House"}


def _version_label(code: str) -> str:
    return STAGE_NAMES.get(code, f"version {code}")


def _neighbours(conn: Any, bill_id: str, rank: int, version_id: str) -> tuple[Any, Any]:
    rows = conn.execute(select(TEXT_VERSION.c.version_id, TEXT_VERSION.c.code, TEXT_VERSION.c.stage_rank,
                               TEXT_VERSION.c.document_id)
                        .where(TEXT_VERSION.c.bill_id == bill_id, TEXT_VERSION.c.version_id != version_id)).all()
    before = [r for r in rows if r.stage_rank < rank]
    after = [r for r in rows if r.stage_rank > rank]
    prev = max(before, key=lambda r: r.stage_rank) if before else None
    nxt = min(after, key=lambda r: r.stage_rank) if after else None
    return prev, nxt


def _load_tree(conn: Any, document_id: int | None):
    if document_id is None:
        return None
    body = conn.execute(select(DOCUMENT.c.content, DOCUMENT.c.url).where(DOCUMENT.c.id == document_id)).first()
    if body is None or body.content is None:
        return None
    return parse_bill_text(body.content, body.url)


def _identity(change: dict) -> str:
    o, n = change.get("old") or {}, change.get("new") or {}
    raw = "|".join([o.get("path", ""), o.get("header", ""), n.get("path", ""), n.get("header", "")])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:12]


def _title(bill_id: str, to_code: str, change: dict) -> str:
    cite = citation(bill_id)
    rel = (change.get("carried") or {}).get("relation")
    if rel:
        return _carried_title(f"{cite} {_version_label(to_code)}", rel, change)[:500]
    ref = change.get("new") if change["change"] == "added" else (change.get("old") or change.get("new"))
    sec = f"Sec. {ref.get('enum', '').rstrip('.')}".strip() if ref else "a provision"
    header = (ref or {}).get("header") or ""
    what = {"removed": "removed", "added": "added", "modified": "changed", "moved": "moved"}[change["change"]]
    line = f"{cite} {_version_label(to_code)}: {what} {sec}" + (f" ({header})" if header else "")
    o, n = change.get("old") or {}, change.get("new") or {}
    if o and n and o.get("enum") and n.get("enum") and o["enum"] != n["enum"]:
        line += f", now Sec. {n['enum'].rstrip('.')}"
    nums = change.get("numbers") or []
    if nums:
        line += "; " + ", ".join(f"{n['old']} -> {n['new']}" for n in nums[:3])
        if len(nums) > 3:
            line += f" and {len(nums) - 3} more"
    if change["change"] == "moved" and change.get("new"):
        line += f" to {change['new'].get('path', '')}"
    return line[:500]


def _carried_title(head: str, rel: str, change: dict) -> str:
    """Title of a section merged into / split out of / split into other sections (see
    tracker.diff.align.carried): "H.R. 1 as amended by the Senate: Sec. 70110 (Funding ...) merged into
    Sec. 100052(9) (287(g) agreements)", then up to three number changes as in other titles."""
    o, n = change.get("old") or {}, change.get("new") or {}

    def named(ref: dict) -> str:
        return short_ref(ref) + (f" ({ref['header']})" if ref.get("header") else "")

    if rel == "merged_into":
        line = f"{head}: {named(o)} merged into {named(n)}"
    elif rel == "split_from":
        line = f"{head}: {named(o)} split out as {named(n)}"
    else:
        parts = change["carried"].get("parts") or []
        line = f"{head}: {named(o)} split into " + ", ".join(short_ref(p) for p in parts[:5])
        if len(parts) > 5:
            line += f" and {len(parts) - 5} more"
    nums = change.get("numbers") or []
    if nums:
        line += "; " + ", ".join(f"{x['old']} -> {x['new']}" for x in nums[:3])
    return line


def _excerpt(change: dict) -> str:
    for d in change.get("details") or []:
        if d.get("excerpt"):
            return d["excerpt"][:EXCERPT]
    return ""


def diff_records(bill_id: str, old_tree, new_tree, old_vid: str, new_vid: str, occurred_at, url: str | None):
    """provision.* events and provision_change rows for one version pair."""
    res = diff_versions(old_tree, new_tree).to_json()
    from_code, to_code = old_vid.split(":")[1], new_vid.split(":")[1]
    events, rows = [], []
    for ch in res["changes"]:
        key = f"provision:{bill_id}:{from_code}-{to_code}:{ch['change']}:{_identity(ch)}"
        excerpt = _excerpt(ch)
        data = {"bill_id": bill_id, "from_version": old_vid, "to_version": new_vid, "change": ch["change"],
                "old": ch["old"], "new": ch["new"], "similarity": ch["similarity"], "numbers": ch["numbers"],
                "details": ch["details"][:50], "excerpt": excerpt}
        if ch.get("carried"):
            data["carried"] = ch["carried"]
        events.append(EventRecord(kind=f"provision.{ch['change']}", key=key, title=_title(bill_id, to_code, ch),
                                  occurred_at=occurred_at, bill_id=bill_id, source_url=url, data=data))
        o, n = ch["old"] or {}, ch["new"] or {}
        rows.append(dict(change_key=key, bill_id=bill_id, from_version=old_vid, to_version=new_vid, change=ch["change"],
                         old_enum=o.get("enum"), old_header=o.get("header"), old_path=o.get("path"),
                         new_enum=n.get("enum"), new_header=n.get("header"), new_path=n.get("path"),
                         similarity=ch["similarity"], numbers=ch["numbers"], details=ch["details"][:50],
                         excerpt=excerpt))
    ents = [EntityRecord("provision_change", rows, ("change_key",),
                         replace={"from_version": old_vid, "to_version": new_vid})]
    return events + ents, res["summary"]


def import_bill_text(item: BillTextItem, ctx: Any) -> list[Any]:
    bill_id, code = item.bill_id, item.version_code
    vid = ids.version_id(bill_id, code)
    rank = _rank(code, bill_id)
    b = ids.parse_bill_id(bill_id)
    tree = item.tree if item.tree is not None else None
    sha = None
    if ctx.document_id is not None:
        sha = ctx.conn.execute(select(DOCUMENT.c.sha256).where(DOCUMENT.c.id == ctx.document_id)).scalar()
    out: list[Any] = [
        EntityRecord("bill", [dict(bill_id=bill_id, congress=b.congress, bill_type=b.type, number=b.number)],
                     ("bill_id",)) if not ctx.conn.execute(select(SQLModel.metadata.tables["bill"].c.bill_id)
                                                          .where(SQLModel.metadata.tables["bill"].c.bill_id == bill_id)).first()
        else None,
        EntityRecord("text_version", [dict(version_id=vid, bill_id=bill_id, code=code, stage_rank=rank, stage=item.stage,
                                           date=item.date, url=item.url, sha256=sha, document_id=ctx.document_id,
                                           sections=item.sections)], ("version_id",)),
    ]
    if tree is not None:
        prov_rows = [dict(version_id=vid, seq=i, kind=s.kind, enum=s.enum, header=s.header, path=s.path,
                          text=s.full_text) for i, s in enumerate(tree.sections)]
        out.append(EntityRecord("provision", prov_rows, ("version_id", "seq"), replace={"version_id": vid}))
    occurred = _when(item.date)
    # text.published: only if the bill-status sources have not announced this version already
    # (their event carries the GovInfo listing; a second shape for the same key would churn revisions).
    if not ctx.conn.execute(select(EVENT.c.id).where(EVENT.c.key == f"text:{vid}")).first():
        out.append(EventRecord(kind="text.published", key=f"text:{vid}", bill_id=bill_id, occurred_at=occurred,
                               title=f"{citation(bill_id)}: text {_version_label(code)} published",
                               source_url=item.url,
                               data={"version_id": vid, "bill_id": bill_id, "code": code, "stage": item.stage,
                                     "date": item.date, "url": item.url, "formats": ["xml"]}))
    if tree is not None:
        prev, nxt = _neighbours(ctx.conn, bill_id, rank, vid)
        if prev is not None:
            old_tree = _load_tree(ctx.conn, prev.document_id)
            if old_tree is not None:
                recs, _ = diff_records(bill_id, old_tree, tree, prev.version_id, vid, occurred, item.url)
                out.extend(recs)
        elif nxt is not None:
            new_tree = _load_tree(ctx.conn, nxt.document_id)
            if new_tree is not None:
                nurl = ctx.conn.execute(select(TEXT_VERSION.c.url, TEXT_VERSION.c.date)
                                        .where(TEXT_VERSION.c.version_id == nxt.version_id)).first()
                recs, _ = diff_records(bill_id, tree, new_tree, vid, nxt.version_id, _when(nurl.date if nurl else None),
                                       nurl.url if nurl else None)
                out.extend(recs)
    return [r for r in out if r is not None]


IMPORTERS = {BillTextItem: import_bill_text}
