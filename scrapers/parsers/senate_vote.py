"""senate.gov LIS roll-call vote XML -> one :class:`VoteItem`.

Source: ``https://www.senate.gov/legislative/LIS/roll_call_votes/vote{congress}{session}/
vote_{congress}_{session}_{number:05d}.xml`` (root ``<roll_call_vote>``).

Quirks handled:

- ``<vote_date>July 1, 2025,  11:56 AM</vote_date>``: two spaces, Eastern wall-clock time;
- an empty count is written ``<present/>`` (kept as None "not published", not 0);
- ``<tie_breaker><by_whom>Vice President</by_whom><tie_breaker_vote>Yea</tie_breaker_vote>``
  when the Vice President breaks a tie (empty elements otherwise); the VP is not a ``<member>``;
- senators are keyed by ``<lis_member_id>`` (``S428``), names lose their accents (``Lujan``);
- an amendment vote names its bill in ``<amendment_to_document_number>`` (``S. 5``) while
  ``<document_type>`` is ``S.Amdt.`` with an empty number.
"""

from __future__ import annotations


from lxml import etree

from scrapers.items.votes import VoteItem
from scrapers.parsers.votes_common import (bill_from_citation, int_or_none, normalize_position,
                                           parse_senate_datetime, party_letter)
from scrapers.parsers.votes_common import SENATE_SEATS  # noqa: E402
from tracker import ids
from tracker.xmlsafe import columns, parse_xml

KIND = "senate_vote"
PRIORITY = 20


class SenateVoteError(ValueError):
    """The document is not a readable senate.gov roll-call vote."""


def detect(body: bytes, url: str | None) -> bool:
    return b"<roll_call_vote" in body[:4096]


def vote_url(congress: int, session: int, number: int) -> str:
    """The canonical senate.gov URL of a roll-call vote XML."""
    return (f"https://www.senate.gov/legislative/LIS/roll_call_votes/vote{congress}{session}/"
            f"vote_{congress}_{session}_{number:05d}.xml")



def _t(el: etree._Element | None, path: str) -> str:
    if el is None:
        return ""
    node = el.find(path)
    if node is None or node.text is None:
        return ""
    return " ".join(node.text.split())


def _req_int(root: etree._Element, path: str) -> int:
    v = _t(root, path)
    if not v:
        raise SenateVoteError(f"missing <{path}>")
    try:
        return int(v)
    except ValueError:
        raise SenateVoteError(f"<{path}> is not a number: {v!r}") from None


# The member records read in C where possible (tracker.xmlsafe.columns): <member> holding one each
# of these children, as every senate.gov file does; any other shape goes through _columns_loop.
_COLUMNS = (("member_full", None, True), ("last_name", None, True), ("first_name", None, True),
            ("party", None, True), ("state", None, True), ("vote_cast", None, True), ("lis_member_id", None, True))


def _positions(members_el: etree._Element) -> list[dict]:
    """One position dict per <member> of <members>, in document order."""
    cols = columns(members_el, "member", _COLUMNS)
    if cols is None:
        cols = _columns_loop(members_el)
    positions: list[dict] = []
    pos_memo: dict[str, str] = {}
    party_memo: dict[str, str | None] = {}
    is_lis_id = ids.is_lis_id
    for full, last, first, party, state, raw, lis in zip(*cols):
        lis = lis.upper()
        if not lis or not raw:
            raise SenateVoteError(f"member without lis_member_id or vote_cast: {full!r}")
        pos = pos_memo.get(raw)
        if pos is None:
            pos = pos_memo[raw] = normalize_position(raw) or "other:" + raw.lower()
        if party not in party_memo:
            party_memo[party] = party_letter(party)
        positions.append({
            "member_id": lis, "lis_id": lis if is_lis_id(lis) else None,
            "name": full or f"{last} ({party}-{state})",
            "first_name": first or None, "last_name": last or None, "party": party_memo[party],
            "state": state or None, "position": pos, "position_raw": raw})
    return positions


def _columns_loop(members_el: etree._Element) -> list[list[str]]:
    """:data:`_COLUMNS` element by element, for any record shape: the first child of each tag (as
    ``find()`` gives it), its ``.text`` normalised, "" when missing."""
    cols: list[list[str]] = [[] for _ in _COLUMNS]
    tags = [tag for tag, _attr, _norm in _COLUMNS]
    for m in members_el.iterfind("member"):
        first: dict = {}
        for child in m:
            if child.tag not in first:
                first[child.tag] = child.text
        for col, tag in zip(cols, tags):
            t = first.get(tag)
            col.append(" ".join(t.split()) if t else "")
    return cols


def parse(body: bytes, url: str | None) -> list[VoteItem]:
    root = parse_xml(body)
    if root.tag != "roll_call_vote":
        raise SenateVoteError(f"expected <roll_call_vote>, found <{root.tag}>")
    congress = _req_int(root, "congress")
    session = _req_int(root, "session")
    number = _req_int(root, "vote_number")
    date_text = _t(root, "vote_date")
    if not date_text:
        raise SenateVoteError("missing <vote_date>")
    occurred = parse_senate_datetime(date_text)
    year = int(_t(root, "congress_year") or occurred.year)
    modify = _t(root, "modify_date")
    members_el = root.find("members")
    if members_el is None:
        raise SenateVoteError("no <members> element (truncated file?)")

    positions = _positions(members_el)

    count = root.find("count")
    counts = {"yea": int_or_none(_t(count, "yeas")), "nay": int_or_none(_t(count, "nays")),
              "present": int_or_none(_t(count, "present")), "not_voting": int_or_none(_t(count, "absent"))}

    tb = root.find("tie_breaker")
    tie = None
    if tb is not None and (_t(tb, "by_whom") or _t(tb, "tie_breaker_vote")):
        tie = {"by_whom": _t(tb, "by_whom"), "vote": _t(tb, "tie_breaker_vote")}

    doc = root.find("document")
    amd = root.find("amendment")
    doc_congress = int(_t(doc, "document_congress") or congress)
    doc_type, doc_number, doc_name = _t(doc, "document_type"), _t(doc, "document_number"), _t(doc, "document_name")
    bill_id = bill_from_citation(f"{doc_type} {doc_number}", doc_congress) if doc_number else None
    amendment = _t(amd, "amendment_number") or None
    if bill_id is None and amendment:
        # An amendment (or an amendment to an amendment) to a bill still links the bill.
        bill_id = bill_from_citation(_t(amd, "amendment_to_document_number"), doc_congress)
    document = doc_name or (f"{doc_type} {doc_number}".strip() if doc_number else None) or amendment

    published = sum(v for v in counts.values() if isinstance(v, int))
    # A whole roll lists every sitting member: the seats it lacks are vacant.
    vacant = SENATE_SEATS - len(positions) if published == len(positions) else None
    vid = ids.vote_id("s", number, congress, year)
    try:
        item = VoteItem(
            vote_id=vid, chamber="s", congress=congress, session=session, number=number, year=year,
            occurred_at=occurred, modified_at=parse_senate_datetime(modify) if modify else None,
            question=_t(root, "vote_question_text") or _t(root, "question"),
            question_short=_t(root, "question") or None, vote_type=_t(root, "majority_requirement") or None,
            result=_t(root, "vote_result") or _t(root, "vote_result_text"),
            result_text=_t(root, "vote_result_text") or None, title=_t(root, "vote_title") or None,
            document=document, bill_id=bill_id, amendment=amendment, counts=counts, tie_breaker=tie, vacant_seats=vacant,
            positions=positions, source="lis",
            source_url=url if url and url.startswith(("http://", "https://")) else vote_url(congress, session, number))
    except ValueError as exc:
        raise SenateVoteError(" ".join(str(exc).split())[:300]) from None
    return [item]
