"""GovInfo BILLSTATUS XML -> :class:`~scrapers.items.bills.BillItem`, every schema alike.

Schemas handled (usgpo/bill-status samples, ../shared/fixtures/billstatus):

- ``v1`` (before 2022): ``billNumber``/``billType``; committees under ``billCommittees``;
  summaries under ``billSummaries/item``; recorded votes only at bill level (``bill/recordedVotes``),
  so they are linked to the actions whose text cites them ("Roll no. 62");
- ``v3`` (the 2022 rename that became 3.0.0): ``number``/``type``; ``committees/item``;
  ``summaries/summary``; recorded votes inside each action;
- the 2016-2018 development form (``DEV-BILLSTATUS``): old names, ``committee`` (singular) in
  actions; some files of that age list no ``textVersions`` at all (nothing to publish then).

Duplicated actions (one per source system, different codes, LOC text prefixed "Passed/agreed to in
House: ") are merged by ``billcommon.merge_actions``. ``updateDate`` is kept on the item for
information only: events never depend on it, so a file whose only change is ``updateDate`` records
nothing new.
"""

from __future__ import annotations

from lxml import etree

from scrapers.items.bills import ALL_PARTS, BillItem, Committee, RelatedBill, Sponsor, Title
from scrapers.parsers import billcommon as bc
from tracker import ids
from tracker.xmlsafe import parse_xml

KIND = "billstatus"
PRIORITY = 10  # before bill_text: a BILLSTATUS file also contains a <bill> element


class BillStatusError(ValueError):
    """Not a readable BILLSTATUS document (one-line reason)."""


def detect(body: bytes, url: str | None) -> bool:
    head = body[:4096].lstrip()
    if b"<billStatus" not in head:
        return False
    return True


def _t(el: etree._Element | None, path: str) -> str:
    if el is None:
        return ""
    found = el.find(path)
    return bc.clean("".join(found.itertext())) if found is not None else ""


def _items(el: etree._Element | None, *paths: str) -> list[etree._Element]:
    """Children at the first path that exists (schemas nest lists differently)."""
    if el is None:
        return []
    for p in paths:
        found = el.findall(p)
        if found:
            return found
    return []


def schema_of(bill: etree._Element) -> str:
    if bill.find("billNumber") is not None or bill.find("billType") is not None:
        return "v1"
    return "v3"


def parse(body: bytes, url: str | None) -> list[BillItem]:
    root = parse_xml(body)
    if root.tag != "billStatus":
        raise BillStatusError(f"not a BILLSTATUS document (root <{root.tag}>)")
    bill = root.find("bill")
    if bill is None:
        raise BillStatusError("BILLSTATUS without <bill>")
    number = _t(bill, "billNumber") or _t(bill, "number")
    btype = _t(bill, "billType") or _t(bill, "type")
    congress = _t(bill, "congress")
    if not (number and btype and congress):
        raise BillStatusError("BILLSTATUS <bill> lacks its number, type or congress")
    try:
        bid = ids.parse_bill_id(ids.bill_id(btype, number, congress))
    except ValueError as exc:
        raise BillStatusError(f"BILLSTATUS bill identity: {exc}") from None
    bill_id = str(bid)

    # Recorded votes: per action (v3) and at bill level (v1).
    bill_level = {}
    for rv in _items(bill, "recordedVotes/recordedVote", "recordedVotes/item"):
        v = _vote(rv)
        if v:
            bill_level[(v.chamber, v.roll)] = v
    votes = dict((v.vote_id, v) for v in bill_level.values())

    raws: list[bc.RawAction] = []
    for a in _items(bill, "actions/item"):
        text = _t(a, "text")
        date = bc.eastern_date(_t(a, "actionDate"))
        if not text or not date:
            continue
        vote_ids = []
        for rv in _items(a, "recordedVotes/recordedVote", "recordedVotes/item"):
            v = _vote(rv)
            if v:
                votes[v.vote_id] = v
                vote_ids.append(v.vote_id)
        # v1 lists votes only at bill level: link an action to the votes its text cites.
        for ch, roll in bc.votes_named_in(text, None):
            v = bill_level.get((ch, roll))
            if v and v.vote_id not in vote_ids:
                vote_ids.append(v.vote_id)
        committees = [_t(c, "systemCode") for c in _items(a, "committees/item", "committee/item", "committee")]
        raws.append(bc.RawAction(
            date=date, text=text, code=_t(a, "actionCode") or None, time=_t(a, "actionTime") or None,
            source=_t(a, "sourceSystem/name") or None, type=_t(a, "type") or None,
            committees=[c for c in committees if c], vote_ids=vote_ids))
    actions = bc.merge_actions(bill_id, raws)

    versions = []
    for tv in _items(bill, "textVersions/item", "textVersions/bill"):
        urls = [bc.clean(u.text) for u in tv.iter("url") if u.text]
        v = bc.text_version(bid, _t(tv, "type"), _t(tv, "date"), urls)
        if v:
            versions.append(v)

    summary, summary_date = _summary(bill)
    titles = sorted({(_t(t, "titleType"), _t(t, "title")) for t in _items(bill, "titles/item") if _t(t, "title")})
    short = next((t for ty, t in sorted(titles, key=lambda x: _short_rank(x[0])) if _short_rank(ty) < 9), None)
    latest = bill.find("latestAction")
    return [BillItem(
        bill_id=bill_id, congress=bid.congress, bill_type=bid.type, number=bid.number, source="govinfo",
        parts=list(ALL_PARTS), origin_chamber=bc.chamber_name(_t(bill, "originChamber")),
        introduced_date=bc.eastern_date(_t(bill, "introducedDate")),
        title=_t(bill, "title") or None, short_title=short,
        titles=[Title(type=ty, title=t) for ty, t in titles],
        sponsors=_sponsors(_items(bill, "sponsors/item")),
        cosponsors=_sponsors(_items(bill, "cosponsors/item")),
        committees=_committees(bill),
        actions=actions,
        votes=sorted(votes.values(), key=lambda v: v.vote_id),
        text_versions=bc.sort_versions(versions, bid.type),
        related_bills=_related(bill),
        summary=summary, summary_date=summary_date,
        policy_area=_t(bill, "policyArea/name") or None,
        subjects=sorted({_t(x, "name") for x in _items(bill, "subjects/legislativeSubjects/item",
                                                       "subjects/billSubjects/legislativeSubjects/item")
                         if _t(x, "name")}),
        laws=sorted({f"{_t(law, 'type')} {_t(law, 'number')}".strip() for law in _items(bill, "laws/item")
                     if _t(law, "number")}),
        latest_action_date=bc.eastern_date(_t(latest, "actionDate")) if latest is not None else None,
        latest_action_text=(_t(latest, "text") or None) if latest is not None else None,
        update_date=_t(bill, "updateDate") or None,
        source_url=url,
    )]


def _short_rank(title_type: str) -> int:
    t = title_type.lower()
    if t.startswith("short title") and "introduced" in t:
        return 0
    if t.startswith("short title"):
        return 1
    return 9


def _vote(rv: etree._Element):
    return bc.recorded_vote(_t(rv, "chamber"), _t(rv, "rollNumber"), _t(rv, "congress"),
                            _t(rv, "sessionNumber"), _t(rv, "date"), _t(rv, "url"))


def _sponsors(items: list[etree._Element]) -> list[Sponsor]:
    out = []
    for s in items:
        bio = _t(s, "bioguideId") or _t(s, "identifiers/bioguideId")
        if not ids.is_bioguide(bio):
            continue
        orig = _t(s, "isOriginalCosponsor")
        out.append(Sponsor(bioguide_id=bio, name=_t(s, "fullName") or None, party=_t(s, "party") or None,
                           state=_t(s, "state") or None, district=_t(s, "district") or None,
                           date=bc.eastern_date(_t(s, "sponsorshipDate")),
                           original={"true": True, "false": False}.get(orig.lower()) if orig else None,
                           withdrawn=bc.eastern_date(_t(s, "sponsorshipWithdrawnDate"))))
    return out


def _committees(bill: etree._Element) -> list[Committee]:
    out = {}
    for c in _items(bill, "committees/billCommittees/item", "committees/item"):
        code = _t(c, "systemCode")
        if code:
            out[code] = Committee(code=code, name=_t(c, "name") or None, chamber=bc.chamber_name(_t(c, "chamber")))
    return [out[k] for k in sorted(out)]


def _related(bill: etree._Element) -> list[RelatedBill]:
    out = []
    for r in _items(bill, "relatedBills/item"):
        try:
            rid = ids.bill_id(_t(r, "type"), _t(r, "number"), _t(r, "congress"))
        except ValueError:
            continue
        rels = sorted({f"{_t(d, 'type')} ({_t(d, 'identifiedBy')})" if _t(d, "identifiedBy") else _t(d, "type")
                       for d in _items(r, "relationshipDetails/item") if _t(d, "type")})
        out.append(RelatedBill(bill_id=rid, relationships=rels))
    return sorted(out, key=lambda r: r.bill_id)


def _summary(bill: etree._Element) -> tuple[str | None, str | None]:
    """The latest CRS summary (by action date, then version code) as plain text."""
    best = None
    for s in _items(bill, "summaries/billSummaries/item", "summaries/summary", "summaries/item"):
        key = (bc.eastern_date(_t(s, "actionDate")) or "", _t(s, "versionCode"))
        if best is None or key > best[0]:
            best = (key, s)
    if best is None:
        return None, None
    return bc.html_to_text(_t(best[1], "text")) or None, best[0][0] or None
