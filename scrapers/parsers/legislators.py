"""congress-legislators member data -> :class:`MemberItem` / :class:`MemberSocial` items.

Reads the files of https://github.com/unitedstates/congress-legislators in every published form:

- ``legislators-current.yaml`` / ``legislators-historical.yaml`` (the source of truth; YAML via
  PyYAML's safe loader, libyaml when available: the historical file is ~12,000 members);
- the generated ``.json`` twins (same structure);
- the generated ``legislators-current.csv`` (one row per member, latest term only; ``type`` sen/rep);
- ``legislators-social-media.yaml`` / ``.json`` (``{"id": {...}, "social": {...}}``) -> MemberSocial.

Whether a file lists current members is taken from its URL/file name (``-current``); for other
names a member counts as current when a term has not ended yet.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from scrapers.items.members import MemberItem, MemberSocial, MemberTerm
from scrapers.parsers import _json

KIND = "legislators"
PRIORITY = 60

# Leading comment/blank lines, then "- id:". Horizontal whitespace only: "\s*\n" alternatives that
# can also eat newlines backtrack exponentially on inputs with many blank lines (a ReDoS that stalled
# every ingest, since detect() sees every document).
_YAML_START = re.compile(rb"^(?:[ \t]*#[^\n]*\n|[ \t]*\r?\n)*-[ \t]+id:[ \t]*\r?\n")
# YAML anchors and aliases enable "billion laughs" expansion; the real files never use them.
_YAML_ALIAS = re.compile(rb"(?m)(?:^|[\s\[{,:-])[&*][A-Za-z0-9_][^\s,\]}]*")


class LegislatorsError(ValueError):
    """Not a congress-legislators file, or an unreadable one."""


def detect(body: bytes, url: str | None) -> bool:
    head = body[:4096].lstrip()
    if _YAML_START.match(body[:4096]):
        return b"bioguide" in body[:4096]
    if head.startswith(b"[") and b'"bioguide"' in head and (b'"terms"' in body[:20000] or b'"social"' in head):
        return True
    first = head.split(b"\n", 1)[0]
    return b"bioguide_id" in first and b"last_name" in first and b"," in first


def parse(body: bytes, url: str | None) -> list[Any]:
    """All members (or social-media entries) of one file. Raises :class:`LegislatorsError`."""
    if not body or not body.strip():
        raise LegislatorsError("empty document")
    name = (url or "").lower()
    current_file = "current" in name.rsplit("/", 1)[-1]
    head = body[:4096].lstrip()
    if head.startswith(b"["):
        try:
            records = _json.loads(body)
        except ValueError as exc:
            raise LegislatorsError(f"malformed JSON: {exc}") from None
    elif _YAML_START.match(body[:4096]):
        records = _yaml(body)
    elif b"bioguide_id" in head.split(b"\n", 1)[0]:
        return _csv(body, current_file or "-current" in name or "current" in name)
    else:
        raise LegislatorsError("not a congress-legislators file (expected YAML, JSON or CSV with bioguide ids)")
    if not isinstance(records, list):
        raise LegislatorsError("expected a list of legislators")
    out: list[Any] = []
    today = date.today().isoformat()
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or not isinstance(rec.get("id"), dict):
            raise LegislatorsError(f"record {i}: expected a mapping with an 'id' mapping")
        if "social" in rec and "terms" not in rec:
            bio = rec["id"].get("bioguide")
            if bio:
                out.append(MemberSocial(bioguide_id=str(bio), social=_plain(rec.get("social") or {})))
            continue
        out.append(_member(rec, i, current_file, today))
    if not out:
        raise LegislatorsError("no legislators in file")
    return out


def _yaml(body: bytes) -> Any:
    import yaml
    if _YAML_ALIAS.search(body):
        raise LegislatorsError("YAML anchors/aliases refused (entity-expansion risk; congress-legislators uses none)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(body, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        msg = " ".join(str(exc).split())[:200]
        raise LegislatorsError(f"malformed YAML: {msg}") from None


def _plain(v: Any) -> Any:
    """YAML dates -> ISO strings, recursively (items must be JSON-able)."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, date):
        return v.isoformat()
    return v


def _s(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _int(v: Any) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def _member(rec: dict[str, Any], i: int, current_file: bool, today: str) -> MemberItem:
    rec = _plain(rec)
    ids_ = rec["id"]
    nm = rec.get("name") or {}
    bio = ids_.get("bioguide")
    if not bio:
        raise LegislatorsError(f"record {i}: no bioguide id")
    terms = []
    for t in rec.get("terms") or []:
        if not isinstance(t, dict) or t.get("type") not in ("sen", "rep"):
            continue
        terms.append(MemberTerm(type=t["type"], start=_s(t.get("start")), end=_s(t.get("end")),
                                state=_s(t.get("state")), district=_int(t.get("district")),
                                party=_s(t.get("party")), url=_s(t.get("url")), rss_url=_s(t.get("rss_url"))))
    current = current_file or any((t.end or "") >= today for t in terms)
    try:
        return MemberItem(bioguide_id=str(bio), lis_id=_s(ids_.get("lis")), thomas_id=_s(ids_.get("thomas")),
                          govtrack_id=_int(ids_.get("govtrack")), first_name=_s(nm.get("first")),
                          middle_name=_s(nm.get("middle")), last_name=_s(nm.get("last")),
                          suffix=_s(nm.get("suffix")), nickname=_s(nm.get("nickname")),
                          official_full=_s(nm.get("official_full")), terms=terms, current=current, record=rec)
    except ValueError as exc:
        raise LegislatorsError(f"record {i} ({bio}): {' '.join(str(exc).split())[:200]}") from None


def _csv(body: bytes, current_file: bool) -> list[Any]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LegislatorsError("CSV is not UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    out: list[Any] = []
    today = date.today().isoformat()
    for i, row in enumerate(reader):
        bio = _s(row.get("bioguide_id"))
        if not bio:
            continue
        # The CSV flattens the latest term only (no start/end dates).
        rec = {"id": {"bioguide": bio, "lis": _s(row.get("lis_id")), "thomas": _s(row.get("thomas_id")),
                      "govtrack": _int(row.get("govtrack_id"))},
               "name": {k: v for k, v in {"first": _s(row.get("first_name")), "middle": _s(row.get("middle_name")),
                                          "last": _s(row.get("last_name")), "suffix": _s(row.get("suffix")),
                                          "nickname": _s(row.get("nickname")),
                                          "official_full": _s(row.get("full_name"))}.items() if v},
               "terms": [{k: v for k, v in {"type": _s(row.get("type")), "state": _s(row.get("state")),
                                            "district": _int(row.get("district")), "party": _s(row.get("party")),
                                            "url": _s(row.get("url")), "rss_url": _s(row.get("rss_url"))}.items()
                          if v is not None}]}
        rec["id"] = {k: v for k, v in rec["id"].items() if v is not None}
        rec["_format"] = "csv"
        out.append(_member(rec, i, current_file, today))
    if not out:
        raise LegislatorsError("no legislators in CSV")
    return out
