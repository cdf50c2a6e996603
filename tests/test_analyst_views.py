"""The analyst views and full-text search on a store loaded from the real fixtures, on SQLite and
Postgres (``any_store``): the H.R. 1 story (Senate 50-50, House concurrence, the Senate dropping
House sections such as the AI moratorium's Sec. 43201, a letter to the SSA Commissioner)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from analyst_load import load
from conftest import shared_fixture
from db.records import EntityRecord, EventRecord
from db.search import search
from db.store import record

VIEW_COLUMNS = {
    "bill_timeline": ["bill_id", "occurred_at", "occurred_utc", "event_id", "kind", "key", "revision", "title",
                      "source_url", "recorded_at", "data"],
    "member_votes": ["member_id", "bioguide_id", "lis_id", "name", "party", "state", "vote_id", "chamber", "congress",
                     "session", "number", "occurred_at", "bill_id", "question", "result", "position", "position_raw",
                     "party_majority", "against_party"],
    "provision_changes": ["bill_id", "from_version", "to_version", "change", "path", "header", "old_enum",
                          "old_header", "old_path", "new_enum", "new_header", "new_path", "similarity", "numbers",
                          "number_count", "excerpt", "occurred_at", "event_id", "key", "title", "source_url"],
    "letters": ["letter_key", "event_id", "title", "date", "occurred_at", "url", "recipient", "agency", "signer_ids",
                "signers", "signer_count", "bills", "asks", "sources", "excerpt", "body"],
}


def _rows(store, sql, **p):
    with store.engine.connect() as c:
        return [dict(r) for r in c.execute(text(sql), p).mappings()]


def _json(v):
    return json.loads(v) if isinstance(v, str) else v


def _openstates_against(path) -> set[str]:
    """Independent truth: members voting against their party's majority, from the roll itself."""
    import re
    d = json.loads(path.read_text())
    parties: dict[str, dict[str, int]] = {}
    votes = []
    for v in d["votes"]:
        m = re.search(r"\(([A-Z])-", v["voter_name"])
        if not m:
            continue
        pos = {"yes": "yea", "no": "nay"}.get(v["option"])
        votes.append((v["note"], m.group(1), pos))
        if pos:
            parties.setdefault(m.group(1), {}).setdefault(pos, 0)
            parties[m.group(1)][pos] += 1
    out = set()
    for note, party, pos in votes:
        t = parties.get(party, {})
        if pos and t.get("yea", 0) != t.get("nay", 0):
            if pos != max(t, key=t.get):
                out.add(note)
    return out


def test_views_and_search_on_real_fixtures(any_store):
    how = load(any_store.engine, shared_fixture)
    print("loaded:", how)  # which parts went through a real parser

    # Same names and columns on both backends.
    with any_store.engine.connect() as c:
        for view, cols in VIEW_COLUMNS.items():
            assert list(c.execute(text(f"SELECT * FROM {view} WHERE 1 = 0")).keys()) == cols, view

    # bill_timeline: every current event of H.R. 1, in order, one row per key.
    tl = _rows(any_store, "SELECT * FROM bill_timeline WHERE bill_id = 'hr1-119' ORDER BY occurred_utc, event_id")
    kinds = {r["kind"] for r in tl}
    assert {"bill.action", "vote.recorded", "letter.published"} <= kinds
    assert any(k.startswith("provision.") for k in kinds)
    assert len({r["key"] for r in tl}) == len(tl)
    dated = [r["occurred_utc"] for r in tl if r["occurred_utc"] is not None]
    assert dated == sorted(dated)
    assert any("Became Public Law" in r["title"] for r in tl if r["kind"] == "bill.action")

    # member_votes: the Senate's 50-50 on H.R. 1: Collins, Paul and Tillis broke with the Republicans.
    s372 = _rows(any_store, "SELECT * FROM member_votes WHERE vote_id = 's372-119.2025'")
    assert len(s372) == 100
    assert sum(r["position"] == "yea" for r in s372) == 50 and sum(r["position"] == "nay" for r in s372) == 50
    against = {r["lis_id"] or r["member_id"] for r in s372 if r["against_party"] == 1}
    truth = _openstates_against(shared_fixture(
        "senate_votes/openstates_derived/20250701T155600Z.vote_event.pass.upper.json"))
    assert against == truth
    by_bio = {r["bioguide_id"]: r for r in s372 if r["against_party"] == 1}
    assert {"C001035", "P000603", "T000476"} <= set(by_bio)  # Collins, Paul, Tillis
    assert all(r["party"] == "R" and r["position"] == "nay" and r["party_majority"] == "yea" for r in by_bio.values())
    # the House concurrence: Fitzpatrick and Massie were the two Republicans voting no.
    h190 = _rows(any_store, "SELECT member_id, party, position FROM member_votes "
                            "WHERE vote_id = 'h190-119.2025' AND against_party = 1")
    assert {r["member_id"] for r in h190} == {"F000466", "M001184"}
    assert _rows(any_store, "SELECT count(*) AS n FROM member_votes WHERE position NOT IN ('yea', 'nay') "
                            "AND against_party IS NOT NULL")[0]["n"] == 0

    # provision_changes: the Senate version removed House Sec. 43201 (the AI moratorium).
    pc = _rows(any_store, "SELECT * FROM provision_changes WHERE bill_id = 'hr1-119'")
    assert {r["change"] for r in pc} >= {"removed", "added", "modified"}
    ai = [r for r in pc if r["change"] == "removed" and "43201" in (r["path"] or "")]
    assert ai and "rtificial intelligence" in ai[0]["header"]
    assert ai[0]["from_version"].endswith("eh") and ai[0]["to_version"].endswith("eas")
    with_numbers = [r for r in pc if r["number_count"]]
    assert with_numbers and all(isinstance(_json(r["numbers"]), list) for r in with_numbers)
    assert all(len(_json(r["numbers"])) == r["number_count"] for r in with_numbers)

    # letters: signers, recipient, bills.
    lt = _rows(any_store, "SELECT * FROM letters WHERE recipient LIKE '%Social Security%'")
    assert len(lt) == 1
    assert lt[0]["signer_count"] == 4 and set(lt[0]["signer_ids"].split(",")) >= {"W000817", "S000033"}
    assert "Elizabeth Warren" in lt[0]["signers"] and lt[0]["bills"] == "hr1-119"

    # search: titles, letter text and provision text, ranked and limited, on both backends.
    with any_store.engine.connect() as c:
        hits = search(c, "artificial intelligence moratorium", bill="hr1-119", limit=10)
        assert 0 < len(hits) <= 10
        assert any(h["type"] == "provision" and h["ref"].startswith("hr1-119:eh#") for h in hits)
        scores = [h["score"] for h in hits]
        assert scores == sorted(scores, reverse=True)
        # "artificial intelligence" as a phrase, only provision texts, excluding Medicare
        ph = search(c, '"artificial intelligence" -medicare', kind="provision.text", limit=50)
        assert ph and all(h["kind"] == "provision.text" for h in ph)
        # letter body text (not in any title)
        lw = search(c, "field offices wait time", limit=5)
        assert lw and lw[0]["type"] in ("letter", "event") and "Social Security" in lw[0]["title"]
        assert any(h["type"] == "letter" for h in lw)
        # titles: vote and statements
        assert search(c, "veterans", kind="statement.published", limit=3)
        assert len(search(c, "veterans OR budget", limit=3)) == 3
        assert search(c, "veterans", kind="statement.*", bill="hr1-119") == []
        # user syntax never raises
        for q in ['"unterminated', "AND OR NOT", "(((", "*", "-", "NEAR(a b)", "col:val", "'; DROP TABLE event; --",
                  "\x00", "\ud800", "", "   "]:
            assert isinstance(search(c, q), list)
        with pytest.raises(ValueError):
            search(c, "x", bill="hr1")
        with pytest.raises(ValueError):
            search(c, "x", kind="DROP TABLE")


def test_search_follows_revisions_and_entity_updates(any_store):
    e = any_store.engine
    record([EventRecord(kind="bill.action", key="action:hr2-119:2025-01-01:x", title="Referred to the Committee on Zebras",
                        bill_id="hr2-119"),
            EntityRecord("letter", [dict(letter_key="letter:z", kind="letter", title="On giraffes", body="quokka habitat",
                                         bills=["hjres1-119"])], ("letter_key",))], engine=e)
    with e.connect() as c:
        assert [h["title"] for h in search(c, "zebras")] == ["Referred to the Committee on Zebras"]
        assert [h["type"] for h in search(c, "quokka", bill="hjres1-119")] == ["letter"]
        assert search(c, "quokka", bill="s1-119") == []  # not a substring match of hjres1-119
    record([EventRecord(kind="bill.action", key="action:hr2-119:2025-01-01:x", title="Referred to the Committee on Lions",
                        bill_id="hr2-119"),
            EntityRecord("letter", [dict(letter_key="letter:z", kind="letter", title="On giraffes", body="wombat burrows",
                                         bills=["hjres1-119"])], ("letter_key",))], engine=e)
    with e.connect() as c:
        assert search(c, "zebras") == []  # the old revision's title is no longer indexed
        hits = search(c, "lions")
        assert len(hits) == 1 and hits[0]["event_id"] is not None
        assert search(c, "quokka") == [] and len(search(c, "wombat")) == 1
    record([EntityRecord("letter", [], ("letter_key",), replace={"letter_key": "letter:z"})], engine=e)
    with e.connect() as c:
        assert search(c, "wombat") == []  # deleted rows leave the index
        tl = c.execute(text("SELECT title, revision FROM bill_timeline WHERE bill_id = 'hr2-119'")).all()
        assert [tuple(r) for r in tl] == [("Referred to the Committee on Lions", 2)]
