"""congress.gov API v3 bill JSON -> :class:`~scrapers.items.bills.BillItem`.

Reads any single bill endpoint response (``/bill/{congress}/{type}/{number}`` and its
``/actions``, ``/text``, ``/cosponsors``, ``/committees``, ``/relatedbills``, ``/summaries``,
``/titles``, ``/amendments``) or a *bundle*: one JSON object holding several of them merged
(``{"bill": {...}, "actions": [...], "textVersions": [...], ...}``), which is what
``scrapers/spiders/congress_api.py`` stores, one document per bill. ``parts`` on the item says
which endpoints were present; the importer writes only those.

The API lists the same actions as BILLSTATUS (both source systems' copies included), so actions
merge into the same keys (``billcommon.merge_actions``). Text versions point at congress.gov
files; the item carries the GovInfo URLs built from the version code, as BILLSTATUS does.
Quirks: ``updateDate`` moves when nothing changed (api.congress.gov#170): it is informative only;
beta-era responses (2022) have ``committees: null`` in actions and ``byRequestType``.
"""

from __future__ import annotations

import json
from typing import Any

from scrapers.items.bills import BillItem, Committee, RelatedBill, Sponsor, Title
from scrapers.parsers import _json
from scrapers.parsers import billcommon as bc
from tracker import ids

KIND = "congress_api_bill"
PRIORITY = 60

# Endpoint keys -> the item part they fill.
_PARTS = {"actions": "actions", "textVersions": "text", "cosponsors": "cosponsors", "committees": "committees",
          "relatedBills": "related", "summaries": "summaries", "titles": "titles", "amendments": "amendments",
          "subjects": "subjects"}


class CongressApiError(ValueError):
    """Not a readable congress.gov bill response (one-line reason)."""


def _load(body: bytes) -> Any:
    try:
        return _json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CongressApiError(f"not JSON: {exc}") from None


def _identity(obj: dict) -> tuple[Any, Any, Any] | None:
    bill = obj.get("bill")
    if isinstance(bill, dict) and bill.get("congress") and bill.get("type") and bill.get("number"):
        return bill["congress"], bill["type"], bill["number"]
    req = obj.get("request")
    if isinstance(req, dict) and req.get("billType") and req.get("billNumber") and req.get("congress"):
        return req["congress"], req["billType"], req["billNumber"]
    return None


def detect(body: bytes, url: str | None) -> bool:
    if not body.lstrip()[:1] == b"{":
        return False
    try:
        obj = _load(body)
    except CongressApiError:
        return False
    if not isinstance(obj, dict) or _identity(obj) is None:
        return False
    return "bill" in obj or any(k in obj for k in _PARTS)


def _list(obj: dict, key: str) -> list | None:  # noqa: D401
    """An endpoint's list, or None when the key is absent or only a {count, url} stub."""
    v = obj.get(key)
    if isinstance(v, list):
        return v
    return None


def _s(v: Any) -> str:
    return bc.clean(str(v)) if v is not None else ""


def parse(body: bytes, url: str | None) -> list[BillItem]:
    obj = _load(body)
    if not isinstance(obj, dict):
        raise CongressApiError("expected a JSON object")
    ident = _identity(obj)
    if ident is None:
        raise CongressApiError("no bill identity (bill.congress/type/number or request.billType/billNumber)")
    try:
        bid = ids.parse_bill_id(ids.bill_id(str(ident[1]), ident[2], ident[0]))
    except ValueError as exc:
        raise CongressApiError(f"bill identity: {exc}") from None
    bill_id = str(bid)
    fields: dict[str, Any] = {}
    parts: list[str] = []
    bill = obj.get("bill") if isinstance(obj.get("bill"), dict) else None
    # In a bundle, an endpoint list may also sit inside "bill" (detail responses hold stubs there).
    src = dict(obj)
    if bill:
        for k in _PARTS:
            if k not in src and isinstance(bill.get(k), list):
                src[k] = bill[k]

    if bill:
        parts.append("detail")
        latest = bill.get("latestAction") or {}
        fields.update(
            origin_chamber=bc.chamber_name(_s(bill.get("originChamber"))),
            introduced_date=bc.eastern_date(_s(bill.get("introducedDate"))),
            title=_s(bill.get("title")) or None,
            sponsors=_sponsors(bill.get("sponsors") or []),
            policy_area=_s((bill.get("policyArea") or {}).get("name")) or None,
            laws=sorted({f"{_s(x.get('type'))} {_s(x.get('number'))}".strip() for x in bill.get("laws") or []
                         if isinstance(x, dict) and x.get("number")}),
            latest_action_date=bc.eastern_date(_s(latest.get("actionDate"))),
            latest_action_text=_s(latest.get("text")) or None,
            update_date=_s(bill.get("updateDate")) or None,
        )

    actions = _list(src, "actions")
    votes: dict[str, Any] = {}
    if actions is not None:
        parts.append("actions")
        raws = []
        for a in actions:
            if not isinstance(a, dict):
                continue
            vote_ids = []
            for rv in a.get("recordedVotes") or []:
                v = bc.recorded_vote(rv.get("chamber"), rv.get("rollNumber"), rv.get("congress"),
                                     rv.get("sessionNumber"), rv.get("date"), rv.get("url"))
                if v:
                    votes[v.vote_id] = v
                    vote_ids.append(v.vote_id)
            src_sys = a.get("sourceSystem") or {}
            raws.append(bc.RawAction(
                date=bc.eastern_date(_s(a.get("actionDate"))) or "", text=_s(a.get("text")),
                code=_s(a.get("actionCode")) or None, time=_s(a.get("actionTime")) or None,
                source=_s(src_sys.get("name")) or None, type=_s(a.get("type")) or None,
                committees=[_s(c.get("systemCode")) for c in (a.get("committees") or []) if isinstance(c, dict)
                            and c.get("systemCode")],
                vote_ids=vote_ids))
        fields["actions"] = bc.merge_actions(bill_id, raws)
        fields["votes"] = sorted(votes.values(), key=lambda v: v.vote_id)

    tv = _list(src, "textVersions")
    if tv is not None:
        parts.append("text")
        versions = []
        for t in tv:
            if not isinstance(t, dict):
                continue
            urls = [_s(f.get("url")) for f in t.get("formats") or [] if isinstance(f, dict)]
            v = bc.text_version(bid, _s(t.get("type")), _s(t.get("date")), urls)
            if v:
                versions.append(v)
        fields["text_versions"] = bc.sort_versions(versions, bid.type)

    cos = _list(src, "cosponsors")
    if cos is not None:
        parts.append("cosponsors")
        fields["cosponsors"] = _sponsors(cos)

    com = _list(src, "committees")
    if com is not None:
        parts.append("committees")
        out = {}
        for c in com:
            if isinstance(c, dict) and c.get("systemCode"):
                out[c["systemCode"]] = Committee(code=c["systemCode"], name=_s(c.get("name")) or None,
                                                 chamber=bc.chamber_name(_s(c.get("chamber"))))
        fields["committees"] = [out[k] for k in sorted(out)]

    rel = _list(src, "relatedBills")
    if rel is not None:
        parts.append("related")
        out_r = []
        for r in rel:
            try:
                rid = ids.bill_id(_s(r.get("type")), r.get("number"), r.get("congress"))
            except (ValueError, AttributeError):
                continue
            rels = sorted({f"{_s(d.get('type'))} ({_s(d.get('identifiedBy'))})" if d.get("identifiedBy")
                           else _s(d.get("type")) for d in r.get("relationshipDetails") or [] if d.get("type")})
            out_r.append(RelatedBill(bill_id=rid, relationships=rels))
        fields["related_bills"] = sorted(out_r, key=lambda r: r.bill_id)

    summ = _list(src, "summaries")
    if summ is not None:
        parts.append("summaries")
        best = None
        for s in summ:
            if not isinstance(s, dict):
                continue
            key = (bc.eastern_date(_s(s.get("actionDate"))) or "", _s(s.get("versionCode")))
            if best is None or key > best[0]:
                best = (key, s)
        if best:
            fields["summary"] = bc.html_to_text(best[1].get("text")) or None
            fields["summary_date"] = best[0][0] or None

    tit = _list(src, "titles")
    if tit is not None:
        parts.append("titles")
        titles = sorted({(_s(t.get("titleType")), _s(t.get("title"))) for t in tit if isinstance(t, dict) and t.get("title")})
        fields["titles"] = [Title(type=ty, title=t) for ty, t in titles]
        short = sorted((t for t in titles if t[0].lower().startswith("short title")),
                       key=lambda x: (0 if "introduced" in x[0].lower() else 1, x))
        fields["short_title"] = short[0][1] if short else None
        if "title" not in fields:
            disp = [t for ty, t in titles if ty == "Display Title"]
            if disp:
                fields["title"] = disp[0]

    am = _list(src, "amendments")
    if am is not None:
        parts.append("amendments")
        fields["amendments"] = sorted({f"{_s(a.get('type'))} {_s(a.get('number'))}" for a in am
                                       if isinstance(a, dict) and a.get("number")})

    subj = src.get("subjects")
    if isinstance(subj, dict) and isinstance(subj.get("legislativeSubjects"), list):
        parts.append("subjects")
        fields["subjects"] = sorted({_s(x.get("name")) for x in subj["legislativeSubjects"]
                                     if isinstance(x, dict) and x.get("name")})
        pa = _s((subj.get("policyArea") or {}).get("name"))
        if pa and not fields.get("policy_area"):
            fields["policy_area"] = pa

    if not parts:
        raise CongressApiError("a congress.gov bill response with nothing this parser reads")
    return [BillItem(bill_id=bill_id, congress=bid.congress, bill_type=bid.type, number=bid.number,
                     source="congress.gov", parts=parts, source_url=url, **fields)]


def _sponsors(items: list) -> list[Sponsor]:
    out = []
    for s in items:
        if not isinstance(s, dict) or not ids.is_bioguide(_s(s.get("bioguideId"))):
            continue
        orig = s.get("isOriginalCosponsor")
        out.append(Sponsor(bioguide_id=_s(s["bioguideId"]), name=_s(s.get("fullName")) or None,
                           party=_s(s.get("party")) or None, state=_s(s.get("state")) or None,
                           district=_s(s.get("district")) or None,
                           date=bc.eastern_date(_s(s.get("sponsorshipDate"))),
                           original=orig if isinstance(orig, bool) else None,
                           withdrawn=bc.eastern_date(_s(s.get("sponsorshipWithdrawnDate")))))
    return out
