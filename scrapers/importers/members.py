"""Importers for congress-legislators items: rows of the ``member`` table (no events).

The member table is the reference for :mod:`tracker.members` (LIS -> bioguide, names). Current and
historical members are both kept: old roll calls name members who left long ago. ``party`` is the
party letter of the latest term (D, R, I, ...); ``chamber``/``state``/``district`` too.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from db.records import EntityRecord
from scrapers.items.members import MemberItem, MemberSocial
from tracker.members import party_code


def import_member(item: MemberItem, ctx: Any) -> list[Any]:
    last = max(item.terms, key=lambda t: (t.start or "", t.end or ""), default=None)
    rss = next((t.rss_url for t in sorted(item.terms, key=lambda t: t.start or "", reverse=True) if t.rss_url), None)
    data = dict(item.record)
    if data.pop("_format", None) == "csv":
        # The generated CSV flattens the latest term only: never let it replace the richer YAML/JSON
        # record (terms history, other ids) of a member already loaded.
        prev = ctx.conn.execute(text("SELECT data FROM member WHERE bioguide_id = :b"), {"b": item.bioguide_id}).first()
        if prev is not None:
            old = json.loads(prev[0]) if isinstance(prev[0], str) else (prev[0] or {})
            if len(old.get("terms") or []) >= 1 and any("start" in t for t in old.get("terms") or []):
                data = old
    row = dict(
        bioguide_id=item.bioguide_id, lis_id=item.lis_id, thomas_id=item.thomas_id, govtrack_id=item.govtrack_id,
        first_name=item.first_name, last_name=item.last_name, nickname=item.nickname,
        official_full=item.official_full or " ".join(p for p in (item.nickname or item.first_name, item.last_name,
                                                                  item.suffix) if p) or None,
        party=party_code(last.party) if last else None, state=last.state if last else None,
        district=last.district if last else None,
        chamber={"sen": "senate", "rep": "house"}.get(last.type) if last else None,
        current=item.current, url=last.url if last else None, rss_url=rss, data=data)
    return [EntityRecord("member", [row], ("bioguide_id",))]


def import_social(item: MemberSocial, ctx: Any) -> list[Any]:
    """Merge official social accounts into ``member.data["social"]`` of a member already loaded
    (a member not in the table yet is skipped: the social file has no names or terms)."""
    r = ctx.conn.execute(text("SELECT data, current FROM member WHERE bioguide_id = :b"),
                         {"b": item.bioguide_id}).first()
    if r is None:
        return []
    data = r[0]
    if isinstance(data, str):
        data = json.loads(data)
    data = dict(data or {})
    if data.get("social") == item.social:
        return []
    data["social"] = item.social
    return [EntityRecord("member", [{"bioguide_id": item.bioguide_id, "data": data, "current": bool(r[1])}],
                         ("bioguide_id",))]


IMPORTERS = {MemberItem: import_member, MemberSocial: import_social}
