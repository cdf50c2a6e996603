"""db.store.record: the single write path (runs on SQLite, and on Postgres via any_store)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from db.records import EntityRecord, EventRecord
from db.store import DocumentIn, quarantine, record

T0 = datetime(2025, 7, 1, 11, 56, tzinfo=timezone(timedelta(hours=-4)))


def vote_event(title="Passed 51-50", yea=50, members=("W000817", "S428"), key="vote:s372-119.2025"):
    return EventRecord(kind="vote.recorded", key=key, title=title, occurred_at=T0, bill_id="hr1-119",
                       member_ids=members, source_url="https://www.senate.gov/v.xml", data={"yea": yea})


def test_insert_then_unchanged_then_revision(any_store):
    c1 = record([vote_event()])
    assert (c1.inserted, c1.updated, c1.unchanged) == (1, 0, 0)
    c2 = record([vote_event()])
    assert (c2.inserted, c2.updated, c2.unchanged) == (0, 0, 1)
    c3 = record([vote_event(yea=51)])
    assert (c3.inserted, c3.updated, c3.unchanged) == (0, 1, 0)
    rows = any_store.rows("SELECT revision, data FROM event WHERE key = 'vote:s372-119.2025' ORDER BY revision")
    assert [r[0] for r in rows] == [1, 2]
    import json
    datas = [r[1] if isinstance(r[1], dict) else json.loads(r[1]) for r in rows]
    assert datas[0]["yea"] == 50 and datas[1]["yea"] == 51  # old revision still readable
    assert any_store.scalar("SELECT count(*) FROM event_member") == 4
    # the occurred_at keeps the source offset
    assert any_store.scalar("SELECT occurred_at FROM event WHERE revision = 1") == "2025-07-01T11:56:00-04:00"


def test_document_hash_skip(any_store):
    doc = DocumentIn(body=b"<vote/>", url="https://x/1.xml")
    c1 = record([vote_event()], document=doc)
    assert c1.inserted == 1 and c1.skipped == 0
    c2 = record([vote_event(title="would differ")], document=DocumentIn(body=b"<vote/>", url="https://x/1.xml"))
    assert c2.skipped == 1 and c2.unchanged == 1 and c2.inserted == 0 and c2.updated == 0
    assert any_store.scalar("SELECT count(*) FROM event") == 1
    assert any_store.scalar("SELECT event_count FROM source_document") == 1


def test_quarantine_then_fixed_parser_reads_it(any_store):
    doc = DocumentIn(body=b"<broken", url="https://x/2.xml")
    q = quarantine(doc, "malformed XML:\n line 1")
    assert q.quarantined == 1 and q.errors == ["malformed XML: line 1"]
    assert any_store.scalar("SELECT status FROM source_document") == "quarantined"
    c = record([vote_event()], document=DocumentIn(body=b"<broken", url="https://x/2.xml"))
    assert c.inserted == 1
    assert any_store.scalar("SELECT status FROM source_document") == "parsed"


def test_entity_upsert_respects_observation_time(any_store):
    new = datetime(2025, 7, 2, tzinfo=timezone.utc)
    old = datetime(2025, 7, 1, tzinfo=timezone.utc)
    row = dict(bill_id="hr1-119", congress=119, bill_type="hr", number=1, title="New title")
    record([EntityRecord("bill", [row], ("bill_id",))], observed_at=new)
    record([EntityRecord("bill", [{**row, "title": "Old title"}], ("bill_id",))], observed_at=old)
    assert any_store.scalar("SELECT title FROM bill") == "New title"
    record([EntityRecord("bill", [{**row, "title": "Newest"}], ("bill_id",))], observed_at=new + timedelta(days=1))
    assert any_store.scalar("SELECT title FROM bill") == "Newest"


def test_replace_child_set(any_store):
    vote = dict(vote_id="s1-119.2025", chamber="s", congress=119, session=1, number=1, year=2025)
    pos = lambda m, p: dict(vote_id="s1-119.2025", member_id=m, position=p)  # noqa: E731
    record([EntityRecord("vote", [vote], ("vote_id",)),
            EntityRecord("vote_position", [pos("A000001", "yea"), pos("B000002", "nay")], ("vote_id", "member_id"),
                         replace={"vote_id": "s1-119.2025"})])
    record([EntityRecord("vote", [vote], ("vote_id",)),
            EntityRecord("vote_position", [pos("A000001", "nay")], ("vote_id", "member_id"),
                         replace={"vote_id": "s1-119.2025"})])
    assert any_store.rows("SELECT member_id, position FROM vote_position") == [("A000001", "nay")]


def test_stale_duplicate_is_not_a_revision(any_store):
    t1 = datetime(2025, 7, 1, tzinfo=timezone.utc)
    t2 = t1 + timedelta(hours=1)
    record([vote_event(yea=51)], observed_at=t2)
    assert record([vote_event(yea=50)], observed_at=t1).updated == 1  # older content, kept as history
    assert record([vote_event(yea=50)], observed_at=t1).unchanged == 1
    assert record([vote_event(yea=51)], observed_at=t2).unchanged == 1
    # current view = the newest observation
    cur = any_store.rows("SELECT data FROM event ORDER BY observed_at DESC, revision DESC LIMIT 1")[0][0]
    import json
    assert (cur if isinstance(cur, dict) else json.loads(cur))["yea"] == 51


def test_bad_item_writes_nothing(any_store):
    with pytest.raises(ValueError):
        record([vote_event(key="k1"), EventRecord(kind="", key="k2", title="x")],
               document=DocumentIn(body=b"abc"))
    assert any_store.scalar("SELECT count(*) FROM event") == 0
    assert any_store.scalar("SELECT count(*) FROM source_document") == 0


def test_batch_of_many_events(any_store):
    evs = [vote_event(key=f"vote:s{i}-119.2025", title=f"vote {i}") for i in range(1, 1201)]
    c = record(evs)
    assert c.inserted == 1200
    assert any_store.scalar("SELECT count(*) FROM event_member") == 2400
    ids = [r[0] for r in any_store.rows("SELECT id FROM event ORDER BY id")]
    assert ids == sorted(set(ids)) and len(ids) == 1200


def test_record_many_rolls_back_only_the_bad_document(any_store):
    from db.store import record_many
    good1 = ([vote_event(key="vote:s1-119.2025")], DocumentIn(body=b"<one/>", url="https://x/1.xml"))
    bad = ([vote_event(key="vote:s2-119.2025"), EventRecord(kind="", key="k", title="x")],
           DocumentIn(body=b"<two/>", url="https://x/2.xml"))
    good2 = ([vote_event(key="vote:s3-119.2025", members=("W000817",))], DocumentIn(body=b"<three/>"))
    out = record_many([good1, bad, good2])
    assert [type(o).__name__ for o in out] == ["Counts", "ValueError", "Counts"]
    assert out[0].inserted == 1 and out[2].inserted == 1
    # The bad document left nothing: no event (not even its valid first one), no document, no links.
    assert sorted(r[0] for r in any_store.rows("SELECT key FROM event")) == ["vote:s1-119.2025", "vote:s3-119.2025"]
    assert any_store.scalar("SELECT count(*) FROM source_document") == 2
    assert any_store.scalar("SELECT count(*) FROM event_member") == 3
    assert any_store.scalar("SELECT count(*) FROM search_doc WHERE doc_type = 'event'") == 2
    # The same batch again: every document is skipped by its hash, the bad one fails again alone.
    again = record_many([good1, bad, good2])
    assert again[0].skipped == 1 and isinstance(again[1], ValueError) and again[2].skipped == 1


def test_events_are_searchable_and_a_revision_replaces_the_search_document(any_store):
    from db.search import search
    from db.engine import get_engine
    record([EventRecord(kind="bill.action", key="action:hr7-119:a", title="Referred to the Committee on Agriculture",
                        bill_id="hr7-119", data={"excerpt": "sugar program quotas", "bills": ["s9-119"]})])
    with get_engine().connect() as c:
        hits = search(c, "agriculture")
        assert [h["ref"] for h in hits] == ["action:hr7-119:a"]
        assert search(c, "sugar quotas", bill="s9-119")[0]["ref"] == "action:hr7-119:a"  # excerpt + data bills
        assert search(c, "sugar", bill="hr7-119")[0]["bill_id"] == "hr7-119"
    record([EventRecord(kind="bill.action", key="action:hr7-119:a", title="Reported by the Committee on Finance",
                        bill_id="hr7-119", data={"excerpt": "sugar program quotas"})])
    with get_engine().connect() as c:
        assert search(c, "agriculture") == []  # the old revision's title is gone from the index
        hit = search(c, "finance")[0]
        assert hit["ref"] == "action:hr7-119:a"
        assert hit["event_id"] == c.exec_driver_sql("SELECT max(id) FROM event").scalar()
        assert search(c, "sugar", bill="s9-119") == []
    assert any_store.scalar("SELECT count(*) FROM search_doc WHERE ref = 'action:hr7-119:a'") == 1


def test_member_links_keep_every_id_exactly_in_one_batch(any_store):
    """Member links are written one statement per document (SQLite: a JSON array; Postgres: arrays);
    ids that JSON would escape and ids that are not text still get the same rows as one row each."""
    from db.store import record_many
    odd = ("W000817", 'quote"d', "back\\slash", "tab\there", "Luján", "Ω-1", "W000817", "")
    out = record_many([
        ([vote_event(key="vote:s1-119.2025", members=("A000001", "B000002"))], DocumentIn(body=b"<a/>")),
        ([vote_event(key="vote:s2-119.2025", members=odd), vote_event(key="vote:s3-119.2025", members=("C3",))],
         DocumentIn(body=b"<b/>")),
        ([EventRecord(kind="x.y", key="ints", title="ints", member_ids=[3, 1])], DocumentIn(body=b"<c/>")),
        ([vote_event(key="vote:s4-119.2025", members=())], DocumentIn(body=b"<d/>")),
    ])
    assert all(type(o).__name__ == "Counts" for o in out), out
    got = any_store.rows("SELECT e.key, m.member_id FROM event_member m JOIN event e ON e.id = m.event_id "
                         "ORDER BY e.key, m.member_id")
    want = sorted([("vote:s1-119.2025", "A000001"), ("vote:s1-119.2025", "B000002"), ("vote:s3-119.2025", "C3"),
                   ("ints", "1"), ("ints", "3")]
                  + [("vote:s2-119.2025", m) for m in set(odd) if m])
    assert got == want
    if any_store.backend == "sqlite":  # inserted in event order, each event's members in order, as before
        assert [r[0] for r in any_store.rows("SELECT member_id FROM event_member ORDER BY rowid")] == [
            "A000001", "B000002", *dict.fromkeys(m for m in odd if m), "C3", "3", "1"]


def test_record_many_puts_the_connection_setting_back(store, monkeypatch):
    """SQLite: the savepoint journal is kept in memory during record_many only (temp_store)."""
    if store.backend != "sqlite":
        pytest.skip("SQLite setting")
    import db.store as st
    from db.engine import get_engine
    seen = []
    real = st._record_one

    def spy(conn, *args):
        seen.append(conn.connection.dbapi_connection.execute("PRAGMA temp_store").fetchone()[0])
        return real(conn, *args)

    monkeypatch.setattr(st, "_record_one", spy)
    st.record_many([([vote_event()], None)])
    assert seen == [2]
    with get_engine().connect() as c:
        assert c.connection.dbapi_connection.execute("PRAGMA temp_store").fetchone()[0] == 0


def test_replaced_rows_are_stored_exactly_as_given(any_store):
    """A replaced child set (SQLite: multi-row VALUES statements of 2**k rows, a value every row
    shares bound once) stores each row as a row-by-row INSERT does: values, NULLs, model defaults,
    the column's type conversion, the rows' order, and each row's trigger (the search index)."""
    sqlite = any_store.backend == "sqlite"
    same = "the same object in every row"

    def text(i):
        return 7 if sqlite and i == 7 else "ab" * (i % 4)  # SQLite: an int into a TEXT column

    rows = [dict(version_id="hr1-119-ih", seq=i, enum=None, header=f"Sec. {i}." if i % 3 else None, path=same,
                 text=text(i)) for i in range(300)]  # 300 = 256 + 32 + 8 + 4 rows
    record([EntityRecord("provision", rows, ("version_id", "seq"), replace={"version_id": "hr1-119-ih"})])
    got = any_store.rows("SELECT seq, kind, enum, header, path, text FROM provision ORDER BY "
                         + ("rowid" if sqlite else "seq"))
    assert got == [(i, "section", None, f"Sec. {i}." if i % 3 else None, same, str(text(i))) for i in range(300)]
    assert any_store.scalar("SELECT count(*) FROM search_doc WHERE doc_type = 'provision'") == 300


def test_record_many_rolls_back_a_document_the_database_refuses(any_store):
    """The database refusing a document's rows (a NOT NULL column left empty) rolls that document
    back alone, to its savepoint: the documents around it in the batch are kept, and the connection
    goes on (Postgres: the failed transaction is usable again after ROLLBACK TO SAVEPOINT)."""
    from db.store import record_many

    def doc(n, text):
        return ([vote_event(key=f"vote:s{n}-119.2025"),
                 EntityRecord("provision", [dict(version_id=f"v{n}", seq=1, text=text)], ("version_id", "seq"),
                              replace={"version_id": f"v{n}"})],
                DocumentIn(body=f"<doc {n}/>".encode(), url=f"https://x/{n}.xml"))

    out = record_many([doc(1, "a"), doc(2, None), doc(3, "c")])
    assert type(out[0]).__name__ == type(out[2]).__name__ == "Counts" and out[0].inserted == out[2].inserted == 1
    assert isinstance(out[1], Exception) and "null" in str(out[1]).lower()
    assert sorted(r[0] for r in any_store.rows("SELECT key FROM event")) == ["vote:s1-119.2025", "vote:s3-119.2025"]
    assert sorted(r[0] for r in any_store.rows("SELECT version_id FROM provision")) == ["v1", "v3"]
    assert any_store.scalar("SELECT count(*) FROM source_document") == 2
    again = record_many([doc(2, "b")])
    assert again[0].inserted == 1 and any_store.scalar("SELECT count(*) FROM provision") == 3
