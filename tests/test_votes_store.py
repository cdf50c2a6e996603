"""Votes through the store: events, entity rows, member links, revisions and quarantine."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from db.store import DocumentIn
from scrapers.ingest import ingest_document
from tests.conftest import OWN_FIXTURES, shared_fixture

VOTES = OWN_FIXTURES / "votes"


def _ingest(path_or_bytes, url=None, kind=None):
    body = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    return ingest_document(DocumentIn(body=body, url=url, fetched_at=datetime.now(timezone.utc)), kind=kind)


def _members(store):
    _ingest(VOTES / "legislators-current.yaml", url="file:///x/legislators-current.yaml")
    _ingest(VOTES / "legislators-historical.yaml", url="file:///x/legislators-historical.yaml")


def _event(store, key):
    row = store.rows("SELECT id, title, bill_id, occurred_at, revision, data, source_url FROM event WHERE key = :k "
                     "ORDER BY revision DESC", k=key)[0]
    data = row[5] if isinstance(row[5], dict) else json.loads(row[5])
    members = {r[0] for r in store.rows("SELECT member_id FROM event_member WHERE event_id = :i", i=row[0])}
    return {"title": row[1], "bill_id": row[2], "occurred_at": row[3], "revision": row[4], "data": data,
            "source_url": row[6], "members": members}


def test_tie_breaker_vote_event(store):
    _members(store)
    c = _ingest(VOTES / "vote_119_1_00372.xml")
    assert (c.inserted, c.quarantined) == (1, 0)
    ev = _event(store, "vote:s372-119.2025")
    assert ev["title"] == "Senate passed H.R. 1 51-50 with the Vice President breaking a 50-50 tie"
    assert ev["bill_id"] == "hr1-119"
    assert ev["occurred_at"] == "2025-07-01T11:56:00-04:00"
    assert ev["source_url"] == "https://www.senate.gov/legislative/LIS/roll_call_votes/vote1191/vote_119_1_00372.xml"
    d = ev["data"]
    assert d["tie_breaker"] == {"by_whom": "Vice President", "vote": "Yea"}
    assert d["counts"]["yea"] == 50 and d["counts"]["nay"] == 50
    assert d["party_breakdown"]["R"] == {"yea": 50, "nay": 3}
    assert d["party_breakdown"]["D"] == {"nay": 45}
    # LIS ids resolved through member.lis_id, accent-less "Lujan" included; others kept by LIS id
    assert {"W000817", "L000570", "G000386", "W000779", "A000382", "B001303", "S001203"} <= ev["members"]
    assert "S428" not in ev["members"] and "S409" not in ev["members"]
    assert len(ev["members"]) == 100
    assert "S252" in d["unresolved"] and "S409" not in d["unresolved"]  # Collins not in the mini member file
    # Collins, Tillis, Paul voted against the Republican majority
    assert set(d["against_party"]) == {"S252", "S348", "S384"}
    assert store.scalar("SELECT count(*) FROM vote_position WHERE vote_id = 's372-119.2025'") == 100
    assert store.scalar("SELECT position FROM vote_position WHERE vote_id='s372-119.2025' AND member_id='L000570'") == "nay"
    assert store.scalar("SELECT lis_id FROM vote_position WHERE vote_id='s372-119.2025' AND member_id='L000570'") == "S409"
    assert store.scalar("SELECT yea FROM vote WHERE vote_id='s372-119.2025'") == 50
    assert store.scalar("SELECT bill_id FROM vote WHERE vote_id='s372-119.2025'") == "hr1-119"


def test_reingest_is_noop_and_correction_appends_revision(store):
    _members(store)
    body = (VOTES / "vote_119_1_00372.xml").read_bytes()
    _ingest(body)
    again = _ingest(body)
    assert (again.inserted, again.updated) == (0, 0)
    # Same content fetched again under another name/URL: still nothing new.
    same = _ingest(body + b"\n", url="https://www.senate.gov/legislative/LIS/roll_call_votes/vote1191/vote_119_1_00372.xml")
    assert (same.inserted, same.updated, same.unchanged) == (0, 0, 1)
    # A correction: Warren's position changes (and the counts with it).
    i = body.index(b"<lis_member_id>S366</lis_member_id>")
    j = body.rindex(b"<vote_cast>Nay</vote_cast>", 0, i)
    fixed = body[:j] + b"<vote_cast>Not Voting</vote_cast>" + body[j + len(b"<vote_cast>Nay</vote_cast>"):]
    fixed = fixed.replace(b"<nays>50</nays>", b"<nays>49</nays>").replace(b"<absent/>", b"<absent>1</absent>")
    c = _ingest(fixed)
    assert (c.inserted, c.updated) == (0, 1)
    ev = _event(store, "vote:s372-119.2025")
    assert ev["revision"] == 2
    assert store.scalar("SELECT count(*) FROM event WHERE key='vote:s372-119.2025'") == 2
    assert store.scalar("SELECT position FROM vote_position WHERE vote_id='s372-119.2025' AND member_id='W000817'") == "not_voting"
    assert store.scalar("SELECT count(*) FROM vote_position WHERE vote_id='s372-119.2025'") == 100


def test_position_swap_with_same_counts_is_a_revision(store):
    body = (VOTES / "roll245_2025_amendment.xml").read_bytes()
    _ingest(body)
    swapped = body.replace(b'>Adams</legislator><vote>No<', b'>Adams</legislator><vote>Aye<').replace(
        b'>Aderholt</legislator><vote>Aye<', b'>Aderholt</legislator><vote>No<')
    c = _ingest(swapped)
    assert c.updated == 1


def test_house_votes_events(store):
    _members(store)
    for name in ("roll002_2025_speaker.xml", "roll145_2025.xml", "roll190_2025.xml", "roll245_2025_amendment.xml"):
        assert _ingest(VOTES / name).inserted == 1
    sp = _event(store, "vote:h2-119.2025")
    assert sp["title"] == "House elected Johnson (LA) Speaker with 218 votes to 215 for Jeffries and 1 for Emmer"
    assert sp["data"]["against_party"] == ["M001184"]  # Massie voted for Emmer
    assert sp["bill_id"] is None
    assert store.scalar("SELECT position FROM vote_position WHERE vote_id='h2-119.2025' AND member_id='J000294'") == "Jeffries"
    p145 = _event(store, "vote:h145-119.2025")
    assert p145["title"] == "House passed H.R. 1 215-214"
    assert p145["data"]["vacant_seats"] == 3
    assert sorted(p145["data"]["against_party"]) == ["D000626", "M001184"]  # Davidson and Massie voted no
    assert len(p145["members"]) == 432 and p145["data"]["unresolved"] == []
    c190 = _event(store, "vote:h190-119.2025")
    assert c190["title"] == "House agreed to the Senate amendment to H.R. 1 218-214"
    assert c190["occurred_at"] == "2025-07-03T14:31:00-04:00"
    am = _event(store, "vote:h245-119.2025")
    assert am["title"] == "House adopted H.Amdt. 85 to H.R. 3838 221-210"
    assert am["bill_id"] == "hr3838-119"
    assert store.scalar("SELECT count(*) FROM event WHERE bill_id='hr1-119'") == 2


def test_openstates_does_not_override_official(store):
    _members(store)
    _ingest(VOTES / "vote_119_1_00372.xml")
    path = shared_fixture("senate_votes/openstates_derived/20250701T155600Z.vote_event.pass.upper.json")
    c = _ingest(path)
    assert (c.inserted, c.updated, c.quarantined) == (0, 0, 0)
    assert _event(store, "vote:s372-119.2025")["revision"] == 1
    data = store.scalar("SELECT data FROM vote")
    assert (data if isinstance(data, dict) else json.loads(data))["source"] == "lis"


def test_openstates_then_official_appends_richer_revision(store):
    path = shared_fixture("senate_votes/openstates_derived/20250701T155600Z.vote_event.pass.upper.json")
    _ingest(path)
    # The source lists 50 yeas, 50 nays and "pass" but no tie-breaker: the title says what that implies.
    assert _event(store, "vote:s372-119.2025")["title"] == (
        "Senate passed H.R. 1 50-50 on a tie broken by the Vice President (not recorded in this source)")
    c = _ingest(VOTES / "vote_119_1_00372.xml")
    assert c.updated == 1
    assert _event(store, "vote:s372-119.2025")["title"] == (
        "Senate passed H.R. 1 51-50 with the Vice President breaking a 50-50 tie")


@pytest.mark.parametrize("kind", [None, "senate_vote", "house_vote"])
def test_bad_files_quarantined_without_partial_rows(store, kind):
    good = (VOTES / "vote_119_1_00372.xml").read_bytes()
    house = (VOTES / "roll145_2025.xml").read_bytes()
    bad = {
        "truncated": (house if kind == "house_vote" else good)[:5000],
        "empty": b"",
        "html": b"<!DOCTYPE html><html><head><title>Error</title></head><body>Not found</body></html>",
        "entities": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                    b"<roll_call_vote><congress>&lol2;</congress></roll_call_vote>",
        "external": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rollcall-vote>&x;</rollcall-vote>',
        "duplicate member": good.replace(b"<lis_member_id>S354</lis_member_id>", b"<lis_member_id>S428</lis_member_id>"),
    }
    if kind == "house_vote":
        bad["duplicate member"] = house.replace(b'name-id="A000055"', b'name-id="A000370"')
    for name, body in bad.items():
        c = _ingest(body, url=f"https://example.test/{name}.xml", kind=kind)
        assert c.quarantined == 1, name
        assert c.errors and "\n" not in c.errors[0], name
    assert store.scalar("SELECT count(*) FROM vote") == 0
    assert store.scalar("SELECT count(*) FROM vote_position") == 0
    assert store.scalar("SELECT count(*) FROM event") == 0
    reasons = [r[0] for r in store.rows("SELECT error FROM source_document WHERE status='quarantined'")]
    assert len(reasons) == len(bad)
    assert any("entit" in r for r in reasons)


def test_real_files_with_real_members(store, cli):
    cur = shared_fixture("members/legislators-current.yaml")
    res = cli("ingest", str(cur))
    assert res.exit_code == 0
    res = cli("ingest", str(shared_fixture("senate_votes")), str(shared_fixture("house_votes")))
    assert res.exit_code == 0, res.output
    assert "0 quarantined" in res.output
    # Senators who left before this member file (Rubio S350, Vance S421, Mullin S419) stay under their LIS id.
    d = _event(store, "vote:s1-119.2025")["data"]
    assert set(d["unresolved"]) == {"S350", "S419", "S421"}
    assert _event(store, "vote:s7-119.2025")["title"] == "Senate passed S. 5 64-35"
    assert _event(store, "vote:s3-119.2025")["title"] == "Senate adopted S.Amdt. 14 to S. 5 70-25"
    assert _event(store, "vote:s1-119.2025")["title"] == "Senate invoked cloture on S. 5 84-9"
    res2 = cli("ingest", str(shared_fixture("senate_votes")), str(shared_fixture("house_votes")))
    assert ": 0 inserted, 0 updated" in res2.output


def test_one_ingest_batch_keeps_the_good_files_and_quarantines_the_bad(store, tmp_path, monkeypatch):
    """tracker ingest records a directory in batches (one transaction, a SAVEPOINT per file): bad
    files in the middle of a batch are quarantined alone, by name, and the good ones all land."""
    import scrapers.importers.votes as vote_importer
    from scrapers.ingest import BATCH_DOCUMENTS, ingest_paths
    good = (VOTES / "vote_119_1_00372.xml").read_bytes()
    house = (VOTES / "roll145_2025.xml").read_bytes()
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a_senate.xml").write_bytes(good)
    (folder / "b_truncated.xml").write_bytes(house[:5000])
    (folder / "c_house.xml").write_bytes(house)
    (folder / "d_copy_of_senate.xml").write_bytes(good)
    # A file that parses but whose records the store refuses (an importer failure stands in for a
    # constraint violation): it must be rolled back to its savepoint, not take the batch with it.
    other = house.replace(b"<rollcall-num>145</rollcall-num>", b"<rollcall-num>146</rollcall-num>")
    (folder / "e_refused.xml").write_bytes(other)
    real = vote_importer.import_vote

    def refusing(item, ctx):
        out = real(item, ctx)
        if item.number == 146:
            raise ValueError("refused by the store")
        return out
    from scrapers.importers import registry
    monkeypatch.setitem(registry(), vote_importer.VoteItem, refusing)
    errors: list[tuple[str, str]] = []
    assert BATCH_DOCUMENTS >= 5  # all five files share one batch
    counts, unreadable = ingest_paths([folder], on_error=lambda f, reason: errors.append((f.name, reason)))
    assert unreadable == 0
    assert (counts.documents, counts.inserted, counts.quarantined, counts.skipped) == (5, 2, 2, 1)
    assert [name for name, _ in errors] == ["b_truncated.xml", "e_refused.xml"]
    assert "refused by the store" in errors[1][1] and "\n" not in errors[1][1]
    assert store.scalar("SELECT count(*) FROM vote") == 2
    assert store.scalar("SELECT count(*) FROM vote WHERE number = 146") == 0
    assert store.scalar("SELECT count(*) FROM vote_position WHERE vote_id LIKE 'h146-%'") == 0
    assert store.scalar("SELECT count(*) FROM source_document WHERE status = 'quarantined'") == 2
    assert store.scalar("SELECT count(*) FROM event") == 2


def test_titles_of_senate_ties_with_and_without_a_recorded_tie_breaker():
    from scrapers.importers.votes import vote_title
    from scrapers.items.votes import VoteItem
    base = dict(vote_id="s9-119.2025", chamber="s", congress=119, session=1, number=9, year=2025,
                occurred_at=datetime(2025, 7, 1, 15, 0, tzinfo=timezone.utc), question="On Passage of the Bill",
                question_short="On Passage of the Bill", bill_id="hr1-119", positions=[], source="lis")
    tie = {"yea": 50, "nay": 50, "present": None, "not_voting": None}
    passed = VoteItem(**base, result="Bill Passed", counts=tie)
    assert vote_title(passed) == (
        "Senate passed H.R. 1 50-50 on a tie broken by the Vice President (not recorded in this source)")
    failed = VoteItem(**base, result="Bill Defeated", counts=tie)
    assert vote_title(failed) == "Senate rejected H.R. 1 50-50"  # a tie fails: nobody broke it
    recorded = VoteItem(**base, result="Bill Passed", counts=tie,
                        tie_breaker={"by_whom": "Vice President", "vote": "Yea"})
    assert vote_title(recorded) == "Senate passed H.R. 1 51-50 with the Vice President breaking a 50-50 tie"
    house = VoteItem(**{**base, "vote_id": "h9-119.2025", "chamber": "h", "source": "clerk"}, result="Passed",
                     counts={"yea": 210, "nay": 210, "present": 0, "not_voting": 15})
    assert "Vice President" not in vote_title(house)
