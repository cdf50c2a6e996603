"""Roll-call vote parsers on real files (../shared/fixtures) and hand-made ones (tests/fixtures/votes)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from scrapers import parsers
from scrapers.parsers import house_vote, openstates_vote, senate_vote, senate_vote_menu
from scrapers.parsers.votes_common import normalize_position, parse_house_datetime, parse_senate_datetime
from tests.conftest import OWN_FIXTURES, shared_fixture

VOTES = OWN_FIXTURES / "votes"


def _tally(item):
    c = Counter(p.position for p in item.positions)
    return {k: c.get(k, 0) for k in ("yea", "nay", "present", "not_voting")}


def _published(item):
    return {k: (v or 0) for k, v in item.counts.items()}


# --- real senate.gov files -------------------------------------------------------------------------

REAL_SENATE = {
    "detail_119_1_00001_cloture.xml": dict(number=1, when="2025-01-09T14:54:00-05:00", result="Cloture on the Motion to Proceed Agreed to",
                                           q="On Cloture on the Motion to Proceed S. 5", counts=(84, 9, None, 6), bill="s5-119"),
    "detail_119_1_00003_amendment.xml": dict(number=3, when="2025-01-15T17:57:00-05:00", result="Amendment Agreed to",
                                             q="On the Amendment S.Amdt. 14 to S.Amdt. 8 to S. 5 (No short title on file)",
                                             counts=(70, 25, None, 4), bill="s5-119"),
    "detail_119_1_00007_bill.xml": dict(number=7, when="2025-01-20T18:12:00-05:00", result="Bill Passed",
                                        q="On Passage of the Bill S. 5", counts=(64, 35, None, None), bill="s5-119"),
}


@pytest.mark.parametrize("name", sorted(REAL_SENATE))
def test_real_senate_votes(name):
    path = shared_fixture(f"senate_votes/{name}")
    body = path.read_bytes()
    assert parsers.detect(body, None).kind == "senate_vote"
    [item] = senate_vote.parse(body, None)
    exp = REAL_SENATE[name]
    assert item.vote_id == f"s{exp['number']}-119.2025"
    assert (item.chamber, item.congress, item.session, item.number, item.year) == ("s", 119, 1, exp["number"], 2025)
    assert item.occurred_at.isoformat() == exp["when"]
    assert item.question == exp["q"]
    assert item.result == exp["result"]
    assert item.bill_id == exp["bill"]
    c = item.counts
    assert (c["yea"], c["nay"], c["present"], c["not_voting"]) == exp["counts"]  # empty <present/> stays None
    # The files are whole: the published tally is the sum of the positions.
    assert item.whole()
    assert _tally(item) == _published(item)
    assert item.tie_breaker is None
    assert all(p.lis_id and p.lis_id.startswith("S") for p in item.positions)
    assert item.source_url == "https://www.senate.gov/legislative/LIS/roll_call_votes/vote1191/vote_119_1_00%03d.xml" % exp["number"]
    # party breakdown adds up to the positions
    assert sum(sum(d.values()) for d in item.party_breakdown().values()) == len(item.positions)


def test_real_senate_amendment_links_the_bill():
    [item] = senate_vote.parse(shared_fixture("senate_votes/detail_119_1_00003_amendment.xml").read_bytes(), None)
    assert item.amendment == "S.Amdt. 14"
    assert item.bill_id == "s5-119"
    assert item.document == "S.Amdt. 14"


def test_real_house_votes_trimmed():
    [quorum] = house_vote.parse(shared_fixture("house_votes/trimmed_justabill/house-2025-roll001.xml").read_bytes(), None)
    assert quorum.vote_id == "h1-119.2025"
    assert quorum.occurred_at.isoformat() == "2025-01-03T12:33:00-05:00"
    assert quorum.question == "Call by States" and quorum.vote_type == "QUORUM" and quorum.result == "Passed"
    assert quorum.counts == {"yea": 0, "nay": 0, "present": 433, "not_voting": 2}
    assert quorum.bill_id is None
    assert [p.position for p in quorum.positions] == ["present"] * 3
    assert not quorum.whole()  # trimmed to 3 members: the tally stays as published
    [rv] = house_vote.parse(shared_fixture("house_votes/trimmed_justabill/house_2025_roll021_recorded.xml").read_bytes(), None)
    assert rv.vote_id == "h21-119.2025" and rv.bill_id == "hres53-119"
    assert rv.occurred_at.isoformat() == "2025-01-22T14:04:00-05:00"
    assert rv.question == "On Agreeing to the Resolution" and rv.vote_type == "RECORDED VOTE"
    assert rv.counts == {"yea": 213, "nay": 204, "present": 0, "not_voting": 16}
    assert [(p.bioguide_id, p.position_raw, p.position) for p in rv.positions] == [
        ("A000370", "No", "nay"), ("A000055", "Aye", "yea"), ("B001298", "Not Voting", "not_voting")]
    assert rv.party_totals["R"] == {"yea": 213, "nay": 0, "present": 0, "not_voting": 5}
    assert rv.source_url == "https://clerk.house.gov/evs/2025/roll021.xml"


def test_real_vote_menu():
    entries = senate_vote_menu.parse_menu(shared_fixture("senate_votes/vote_menu_119_1.xml").read_bytes())
    assert len(entries) == 659
    assert entries[0].number == 659  # newest first
    e = next(e for e in entries if e.number == 372)
    assert e.date == date(2025, 7, 1) and e.issue == "H.R. 1" and (e.yeas, e.nays) == (50, 50)
    assert e.question == "On Passage of the Bill"
    assert e.url.endswith("/vote1191/vote_119_1_00372.xml")
    assert senate_vote_menu.parse(shared_fixture("senate_votes/vote_menu_119_1.xml").read_bytes(), None) == []


def test_real_openstates_votes():
    [s] = openstates_vote.parse(shared_fixture(
        "senate_votes/openstates_derived/20250701T155600Z.vote_event.pass.upper.json").read_bytes(), None)
    assert s.vote_id == "s372-119.2025" and s.bill_id == "hr1-119"
    assert s.occurred_at.isoformat() == "2025-07-01T11:56:00-04:00"
    assert _tally(s)["yea"] == 50 and _tally(s)["nay"] == 50 and len(s.positions) == 100
    [h] = openstates_vote.parse(shared_fixture(
        "house_votes/openstates_derived/20250522T105400Z.vote_event.pass.lower.json").read_bytes(), None)
    assert h.vote_id == "h145-119.2025" and h.counts["yea"] == 215 and h.counts["present"] == 1
    assert _tally(h) == {"yea": 215, "nay": 214, "present": 1, "not_voting": 2}


# --- hand-made fixtures ----------------------------------------------------------------------------

def test_tie_breaker_fixture():
    [item] = senate_vote.parse((VOTES / "vote_119_1_00372.xml").read_bytes(), None)
    assert item.vote_id == "s372-119.2025"
    assert item.occurred_at.isoformat() == "2025-07-01T11:56:00-04:00"
    assert item.tie_breaker == {"by_whom": "Vice President", "vote": "Yea"}
    assert item.counts == {"yea": 50, "nay": 50, "present": None, "not_voting": None}
    assert _tally(item) == {"yea": 50, "nay": 50, "present": 0, "not_voting": 0}
    assert item.bill_id == "hr1-119" and item.vacant_seats == 0
    lujan = next(p for p in item.positions if p.lis_id == "S409")
    assert lujan.last_name == "Lujan"  # senate.gov drops the accent


def test_speaker_election_fixture():
    [item] = house_vote.parse((VOTES / "roll002_2025_speaker.xml").read_bytes(), None)
    assert item.election and item.result == "Johnson (LA)"
    assert item.counts == {"Johnson (LA)": 218, "Jeffries": 215, "Emmer": 1}
    assert {p.bioguide_id: p.position for p in item.positions}["M001184"] == "Emmer"
    assert item.bill_id is None and item.document is None
    sanchez = next(p for p in item.positions if p.bioguide_id == "S001168")
    assert sanchez.name == "Sánchez" and sanchez.last_name == "Sanchez"


def test_present_not_voting_and_vacant_seats_fixture():
    [item] = house_vote.parse((VOTES / "roll145_2025.xml").read_bytes(), None)
    assert item.whole() and len(item.positions) == 432
    assert item.vacant_seats == 3
    assert item.counts == {"yea": 215, "nay": 214, "present": 1, "not_voting": 2}
    assert _tally(item) == _published(item)
    assert item.occurred_at.isoformat() == "2025-05-22T06:54:00-04:00"
    assert {p.bioguide_id for p in item.positions if p.position == "present"} == {"H001052"}
    # published party totals agree with the positions
    for party, tot in item.party_totals.items():
        assert {k: v for k, v in item.party_breakdown().get(party, {}).items()} == {k: v for k, v in tot.items() if v}


def test_house_amendment_fixture():
    [item] = house_vote.parse((VOTES / "roll245_2025_amendment.xml").read_bytes(), None)
    assert item.amendment == "H.Amdt. 85" and item.bill_id == "hr3838-119"
    assert item.amendment_author.startswith("Norman of South Carolina")
    assert [p.position for p in item.positions] == ["nay", "yea", "nay", "not_voting", "yea"]


# --- dates, vocabulary -----------------------------------------------------------------------------

def test_eastern_offsets():
    assert parse_senate_datetime("July 1, 2025,  11:56 AM").utcoffset() == timedelta(hours=-4)
    assert parse_senate_datetime("January 9, 2025,  02:54 PM").isoformat() == "2025-01-09T14:54:00-05:00"
    assert parse_senate_datetime("March 9, 2025,  12:05 AM").isoformat() == "2025-03-09T00:05:00-05:00"
    assert parse_senate_datetime("March 10, 2025,  12:05 PM").isoformat() == "2025-03-10T12:05:00-04:00"
    assert parse_house_datetime("3-Jul-2025", "14:31").isoformat() == "2025-07-03T14:31:00-04:00"
    assert parse_house_datetime("3-Jan-2025", None, "2:33 PM").isoformat() == "2025-01-03T14:33:00-05:00"
    with pytest.raises(ValueError):
        parse_senate_datetime("someday")


def test_position_vocabulary():
    assert [normalize_position(x) for x in ("Yea", "Aye", "No", "Nay", "Present", "Not Voting", "Guilty",
                                            "Present, Giving Live Pair", "Jeffries")] == \
        ["yea", "yea", "nay", "nay", "present", "not_voting", "yea", "present", None]


# --- bad input -------------------------------------------------------------------------------------

def _bad_docs():
    good = (VOTES / "vote_119_1_00372.xml").read_bytes()
    house = (VOTES / "roll245_2025_amendment.xml").read_bytes()
    return {
        "truncated-senate": good[: len(good) // 2],
        "truncated-house": house[: len(house) // 2],
        "empty": b"",
        "html": b"<!DOCTYPE html><html><body><h1>Access Denied</h1><roll_call_vote></body></html>",
        "entities": (b'<?xml version="1.0"?><!DOCTYPE roll_call_vote [<!ENTITY a "aaaaaaaaaa">'
                     b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><roll_call_vote>&b;</roll_call_vote>'),
        "no-members": good.split(b"<members>")[0] + b"</roll_call_vote>",
        "bad-date": good.replace(b"July 1, 2025,  11:56 AM", b"sometime"),
    }


@pytest.mark.parametrize("name", sorted(_bad_docs()))
def test_bad_input_raises_value_error(name):
    body = _bad_docs()[name]
    mod = house_vote if "house" in name else senate_vote
    with pytest.raises(ValueError) as exc:
        mod.parse(body, None)
    assert str(exc.value) and "\n" not in str(exc.value)


def test_dtd_is_never_fetched(monkeypatch):
    import socket

    def no_network(*a, **k):
        raise AssertionError("network used")
    monkeypatch.setattr(socket, "create_connection", no_network)
    body = (VOTES / "roll245_2025_amendment.xml").read_bytes().replace(
        b'"../vote.dtd"', b'"http://clerk.house.gov/evs/vote.dtd"')
    [item] = house_vote.parse(body, None)
    assert item.number == 245


def test_unusual_member_layouts_read_like_the_usual_ones():
    """The parsers read the usual shape directly; any other layout of a member's elements (order,
    comments, extra or repeated elements, stray whitespace) gives the same positions as before:
    House: the last <legislator> and <vote> of a <recorded-vote>; Senate: the first of each field."""
    body = (VOTES / "roll245_2025_amendment.xml").read_text(encoding="utf-8")
    [usual] = house_vote.parse(body.encode(), None)
    first = body.index("<recorded-vote>")
    rv1 = body[first:body.index("</recorded-vote>", first)]
    leg1, vote1 = rv1[len("<recorded-vote>"):rv1.index("<vote>")], rv1[rv1.index("<vote>"):]
    odd = body.replace(rv1, f"<recorded-vote><!-- x --><vote>Aye</vote><other/>{leg1}{vote1.replace('<vote>', '<vote>  ')}", 1)
    [item] = house_vote.parse(odd.encode(), None)
    assert [p.model_dump() for p in item.positions] == [p.model_dump() for p in usual.positions]

    sbody = (VOTES / "vote_119_1_00372.xml").read_text(encoding="utf-8")
    [susual] = senate_vote.parse(sbody.encode(), None)
    m0 = sbody.index("<member>")
    member = sbody[m0:sbody.index("</member>", m0) + len("</member>")]
    inner = member[len("<member>"):-len("</member>")]
    fields = [f for f in inner.split("\n") if f.strip()]
    shuffled = "<member><!-- c -->" + "".join(reversed(fields)) + fields[0].replace(">", "> X ", 1) + "</member>"
    [sitem] = senate_vote.parse(sbody.replace(member, shuffled, 1).encode(), None)
    assert [p.model_dump() for p in sitem.positions] == [p.model_dump() for p in susual.positions]


# --- the C columns reader (tracker/_xmlcols.c via tracker.xmlsafe.columns) vs the per-element loop --

def _member_positions(body: bytes):
    """(positions read through tracker.xmlsafe.columns, positions read by the per-element loop
    ``_columns_loop``, whether the C columns applied) for one vote document; errors compared as
    their messages."""
    from tracker import xmlsafe

    root = xmlsafe.parse_xml(body)
    if root.tag == "rollcall-vote":
        data, mod, args = root.find("vote-data"), house_vote, (False,)
        row, cols = "recorded-vote", house_vote._COLUMNS
    else:
        data, mod, args = root.find("members"), senate_vote, ()
        row, cols = "member", senate_vote._COLUMNS
    applied = xmlsafe.columns(data, row, cols) is not None

    def run(read_columns):
        saved, mod.columns = mod.columns, read_columns
        try:
            return mod._positions(data, *args)
        except ValueError as exc:
            return f"error: {exc}"
        finally:
            mod.columns = saved
    return run(xmlsafe.columns), run(lambda *_: None), applied


def _columns_or_skip():
    from tracker import xmlsafe

    if xmlsafe._COLS is None:
        pytest.skip("tracker/_xmlcols.c is not built here (or TRACKER_PURE_PYTHON is set)")


def test_columns_reader_is_built_where_a_compiler_is():
    import os
    import shutil

    from tracker import xmlsafe

    if os.environ.get("TRACKER_PURE_PYTHON"):
        pytest.skip("TRACKER_PURE_PYTHON is set")
    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler on this machine: the per-element loops are the ones installed")
    assert xmlsafe._COLS is not None, "tracker/_xmlcols.c was not built by the install (pip install -e .)"


@pytest.mark.parametrize("rel", ["senate_votes/detail_119_1_00001_cloture.xml", "senate_votes/detail_119_1_00003_amendment.xml",
                                 "senate_votes/detail_119_1_00007_bill.xml",
                                 "house_votes/trimmed_justabill/house-2025-roll001.xml",
                                 "house_votes/trimmed_justabill/house_2025_roll021_recorded.xml"])
def test_columns_reader_equals_the_loop_on_real_votes(rel):
    _columns_or_skip()
    fast, loop, applied = _member_positions(shared_fixture(rel).read_bytes())
    assert applied and fast == loop and len(fast) >= 3


@pytest.mark.parametrize("name", ["roll245_2025_amendment.xml", "vote_119_1_00372.xml"])
def test_columns_reader_equals_the_loop_on_odd_records(name):
    """Every record shape either reads the same through the columns or falls back to the loop:
    repeated or missing fields, elements inside a field, comments, CDATA, character references,
    Unicode and ASCII whitespace, an attribute spelled with an entity."""
    _columns_or_skip()
    body = (VOTES / name).read_text(encoding="utf-8")
    house = name.startswith("roll")
    row = "recorded-vote" if house else "member"
    start = body.index(f"<{row}>")
    rec = body[start:body.index(f"</{row}>", start) + len(f"</{row}>")]
    field, value_at = ("<vote>", rec.index("<vote>") + len("<vote>")) if house else \
        ("<vote_cast>", rec.index("<vote_cast>") + len("<vote_cast>"))
    text_field = "legislator" if house else "last_name"
    variants = {
        "usual": rec,
        "repeated field": rec.replace(f"</{row}>", f"{field}Nay{field.replace('<', '</')}</{row}>"),
        "missing field": rec.replace(field, "<dropped>").replace(field.replace("<", "</"), "</dropped>"),
        "element in text": rec.replace(f"</{text_field}>", f"<i>x</i></{text_field}>"),
        "comment in text": rec[:value_at] + "<!-- c -->" + rec[value_at:],
        "cdata": rec[:value_at] + "<![CDATA[ ]]>" + rec[value_at:],
        "char reference": rec[:value_at] + "&#x20;&#9;" + rec[value_at:],
        "unicode space": rec[:value_at] + "\u2003\u00a0" + rec[value_at:],
        "accent": rec.replace(f"<{text_field}", f"<{text_field}", 1).replace(f"</{text_field}>", f" Luj\u00e1n</{text_field}>"),
        "entity in attribute": rec.replace('party="', 'party="&amp;') if house else rec,
        "comment between fields": rec.replace(field, "<!-- c -->" + field),
        "empty field": rec[:value_at] + rec[rec.index("</", value_at):],
    }
    outcomes = {}
    for label, variant in variants.items():
        fast, loop, applied = _member_positions(body.replace(rec, variant, 1).encode())
        assert fast == loop, label
        outcomes[label] = applied
    assert outcomes["usual"] and outcomes["comment in text"] and outcomes["unicode space"] and outcomes["accent"]
    assert not outcomes["repeated field"] and not outcomes["missing field"] and not outcomes["element in text"]
