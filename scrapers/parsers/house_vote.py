"""House Clerk roll-call vote XML -> one :class:`VoteItem`.

Source: ``https://clerk.house.gov/evs/{year}/roll{number:03d}.xml`` (root ``<rollcall-vote>``).

Quirks handled:

- a ``<!DOCTYPE rollcall-vote ... "../vote.dtd">`` pointing at a relative DTD: never fetched
  (``tracker.xmlsafe``: no DTD loading, no network);
- ``Aye``/``No`` on a RECORDED VOTE, ``Yea``/``Nay`` on a YEA-AND-NAY vote, ``Present``,
  ``Not Voting`` (vocabulary ``vocab/positions.csv``);
- elections of the Speaker: votes are candidate names (``Johnson (LA)``, ``Jeffries``) and the
  totals are ``<totals-by-candidate>``; ``<vote-result>`` is the winner's name;
- ``legislator/@name-id`` is the bioguide id; ``@unaccented-name`` drops accents;
- ``<action-time time-etz="14:33">`` is 24-hour Eastern time; ``<session>`` is ``1st``/``2nd``.
"""

from __future__ import annotations

import re

from lxml import etree

from scrapers.items.votes import VoteItem
from scrapers.parsers.votes_common import (bill_from_citation, int_or_none, normalize_position,
                                           parse_house_datetime, party_letter)
from scrapers.parsers.votes_common import HOUSE_SEATS
from tracker import ids
from tracker.xmlsafe import columns, parse_xml

KIND = "house_vote"
PRIORITY = 20



class HouseVoteError(ValueError):
    """The document is not a readable House Clerk roll-call vote."""


def detect(body: bytes, url: str | None) -> bool:
    return b"<rollcall-vote" in body[:4096]


def vote_url(year: int, number: int) -> str:
    """The canonical Clerk URL of a roll-call vote XML."""
    return f"https://clerk.house.gov/evs/{year}/roll{number:03d}.xml"


def _t(el: etree._Element | None, path: str) -> str:
    if el is None:
        return ""
    node = el.find(path)
    if node is None:
        return ""
    return " ".join("".join(node.itertext()).split())


# The member records read in C where possible (tracker.xmlsafe.columns): <recorded-vote> holding
# one <legislator name-id= party= state= unaccented-name= sort-field=>Name</legislator> and one
# <vote>Yea</vote>, as every Clerk file does; any other shape goes through _columns_loop.
_COLUMNS = (("legislator", "name-id", False), ("legislator", "party", False), ("legislator", "state", False),
            ("legislator", "unaccented-name", False), ("legislator", "sort-field", False),
            ("legislator", None, True), ("vote", None, True))


def _positions(data: etree._Element, election: bool) -> list[dict]:
    """One position dict per <recorded-vote> of <vote-data>, in document order."""
    cols = columns(data, "recorded-vote", _COLUMNS)
    if cols is None:
        cols = _columns_loop(data)
    positions: list[dict] = []
    pos_memo: dict[str, str] = {}  # vote text -> position: a handful per roll call
    party_memo: dict[str | None, str | None] = {}
    is_bioguide = ids.is_bioguide
    for name_id, party, state, unaccented, sort_field, name, raw in zip(*cols):
        pos = pos_memo.get(raw)
        if pos is None:
            norm = normalize_position(raw)
            pos = pos_memo[raw] = norm if norm is not None else raw if election else "other:" + raw.lower()
        name_id = (name_id or "").strip().upper()
        if not name_id or not raw:
            raise HouseVoteError(f"legislator without name-id or vote: {name!r}")
        if party not in party_memo:
            party_memo[party] = party_letter(party)
        positions.append({
            "member_id": name_id[:16], "bioguide_id": name_id if is_bioguide(name_id) else None, "name": name,
            "last_name": unaccented or sort_field or name, "party": party_memo[party], "state": state or None,
            "position": pos, "position_raw": raw})
    return positions


def _columns_loop(data: etree._Element) -> list[list[str | None]]:
    """:data:`_COLUMNS` element by element, for any record shape: the last <legislator> and the last
    <vote> of each <recorded-vote>; the legislator's name from all its text."""
    cols: list[list[str | None]] = [[] for _ in _COLUMNS]
    name_ids, parties, states, unaccented, sort_fields, names, votes = cols
    for rv in data.iterchildren("recorded-vote"):
        leg = vote_el = None
        for child in rv.iterchildren():
            if child.tag == "legislator":
                leg = child
            elif child.tag == "vote":
                vote_el = child
        if leg is None:
            raise HouseVoteError("recorded-vote without <legislator>")
        get = leg.get
        name_ids.append(get("name-id"))
        parties.append(get("party"))
        states.append(get("state"))
        unaccented.append(get("unaccented-name"))
        sort_fields.append(get("sort-field"))
        names.append(" ".join("".join(leg.itertext()).split()))
        votes.append(" ".join((vote_el.text or "").split()) if vote_el is not None else "")
    return cols


def parse(body: bytes, url: str | None) -> list[VoteItem]:
    root = parse_xml(body)
    if root.tag != "rollcall-vote":
        raise HouseVoteError(f"expected <rollcall-vote>, found <{root.tag}>")
    meta = root.find("vote-metadata")
    if meta is None:
        raise HouseVoteError("no <vote-metadata>")
    try:
        congress = int(_t(meta, "congress"))
        number = int(_t(meta, "rollcall-num"))
    except ValueError:
        raise HouseVoteError("missing or non-numeric <congress>/<rollcall-num>") from None
    sm = re.match(r"\d+", _t(meta, "session"))
    if not sm:
        raise HouseVoteError(f"unreadable <session> {_t(meta, 'session')!r}")
    session = int(sm.group())
    time_el = meta.find("action-time")
    occurred = parse_house_datetime(_t(meta, "action-date"), time_el.get("time-etz") if time_el is not None else None,
                                    _t(meta, "action-time"))
    year = occurred.year
    data = root.find("vote-data")
    if data is None:
        raise HouseVoteError("no <vote-data> element (truncated file?)")

    totals = meta.find("vote-totals")
    candidates = totals.findall("totals-by-candidate") if totals is not None else []
    question = _t(meta, "vote-question")
    election = bool(candidates) or "election of the speaker" in question.lower()

    positions = _positions(data, election)
    counts: dict[str, int | None] = {}
    if candidates:
        for c in candidates:
            counts[_t(c, "candidate")] = int_or_none(_t(c, "candidate-total"))
    elif totals is not None and totals.find("totals-by-vote") is not None:
        tv = totals.find("totals-by-vote")
        counts = {"yea": int_or_none(_t(tv, "yea-total")), "nay": int_or_none(_t(tv, "nay-total")),
                  "present": int_or_none(_t(tv, "present-total")),
                  "not_voting": int_or_none(_t(tv, "not-voting-total"))}
    else:
        raise HouseVoteError("no <vote-totals> (truncated file?)")
    party_totals: dict[str, dict[str, int]] = {}
    if totals is not None:
        for tp in totals.iterfind("totals-by-party"):
            p = party_letter(_t(tp, "party")) or "?"
            party_totals[p] = {k: v for k, v in (("yea", int_or_none(_t(tp, "yea-total"))),
                                                 ("nay", int_or_none(_t(tp, "nay-total"))),
                                                 ("present", int_or_none(_t(tp, "present-total"))),
                                                 ("not_voting", int_or_none(_t(tp, "not-voting-total"))))
                               if v is not None}

    legis = _t(meta, "legis-num")
    bill_id = bill_from_citation(legis, congress)
    amend_num = _t(meta, "amendment-num")
    amendment = f"H.Amdt. {amend_num}" if amend_num else None
    document = None
    if bill_id:
        document = ids.parse_bill_id(bill_id).citation
    elif legis and legis not in ("0", "QUORUM"):
        document = legis

    published = sum(v for v in counts.values() if isinstance(v, int))
    # A whole roll lists every sitting member: the seats it lacks are vacant.
    vacant = HOUSE_SEATS - len(positions) if published == len(positions) else None
    vid = ids.vote_id("h", number, congress, year)
    try:
        item = VoteItem(
            vote_id=vid, chamber="h", congress=congress, session=session, number=number, year=year,
            occurred_at=occurred, question=question or _t(meta, "vote-type"), question_short=question or None,
            vote_type=_t(meta, "vote-type") or None, result=_t(meta, "vote-result"),
            title=_t(meta, "vote-desc") or None, document=document, bill_id=bill_id, amendment=amendment,
            amendment_author=_t(meta, "amendment-author") or None, election=election, counts=counts, vacant_seats=vacant,
            party_totals=party_totals, positions=positions, source="clerk",
            source_url=url if url and url.startswith(("http://", "https://")) else vote_url(year, number))
    except ValueError as exc:
        raise HouseVoteError(" ".join(str(exc).split())[:300]) from None
    return [item]
