"""Migrations carry a store forward (and back) without losing what search and analysts see."""

from __future__ import annotations

import sqlite3

from alembic import command

from db.migrate import alembic_config, current_revision, head_revision, upgrade
from db.records import EventRecord
from db.search import search
from db.store import record


def _search_rows(path):
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT ref, title, event_id FROM search_doc WHERE doc_type = 'event' ORDER BY ref").fetchall()
    finally:
        con.close()


def test_0002_store_upgraded_keeps_its_index_and_the_store_takes_over(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    upgrade(url, revision="0002")
    con = sqlite3.connect(path)
    with con:  # an event written by the 0002-era code path: the row trigger indexed it
        con.execute("INSERT INTO event (kind, key, revision, recorded_at, title, content_hash, data) VALUES "
                    "('bill.action', 'action:hr5-119:a', 1, '2025-01-01 00:00:00', 'Referred to the Committee "
                    "on Agriculture', 'h1', '{}')")
    con.close()
    assert _search_rows(path) == [("action:hr5-119:a", "Referred to the Committee on Agriculture", 1)]
    assert upgrade(url) == head_revision()
    con = sqlite3.connect(path)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index')")}
    con.close()
    assert "event_search_ai" not in names and "ix_vote_position_vote_party" not in names
    assert "letter_search_ai" in names  # letters and provisions keep their triggers
    assert _search_rows(path) == [("action:hr5-119:a", "Referred to the Committee on Agriculture", 1)]
    # A new revision through the store replaces the document (the trigger is gone; nothing doubles).
    c = record([EventRecord(kind="bill.action", key="action:hr5-119:a", title="Reported by the Committee on Finance")])
    assert c.updated == 1
    rows = _search_rows(path)
    assert len(rows) == 1 and rows[0][1] == "Reported by the Committee on Finance" and rows[0][2] == 2
    from db.engine import get_engine
    with get_engine(url).connect() as conn:
        assert search(conn, "agriculture") == [] and len(search(conn, "finance")) == 1


def test_downgrade_to_0002_restores_the_trigger(tmp_path):
    path = tmp_path / "round.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    cfg = alembic_config(url)
    from db.engine import get_engine
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert current_revision(get_engine(url)) == "0002"
    con = sqlite3.connect(path)
    with con:
        con.execute("INSERT INTO event (kind, key, revision, recorded_at, title, content_hash, data) VALUES "
                    "('bill.action', 'k', 1, '2025-01-01 00:00:00', 'Tariff schedule amended', 'h', '{}')")
    con.close()
    assert _search_rows(path) == [("k", "Tariff schedule amended", 1)]
