"""`tracker sql` is read-only on both backends: refused by the checker, and by the database."""

from __future__ import annotations

import pytest

from db.records import EventRecord
from db.store import record
from tracker import sqlro

REFUSED = [
    "INSERT INTO event (kind) VALUES ('x')",
    "UPDATE event SET title = 'x'",
    "DELETE FROM event",
    "DROP TABLE event",
    "CREATE TABLE x (a int)",
    "ALTER TABLE event ADD COLUMN x int",
    "ATTACH DATABASE '/tmp/x.db' AS x",
    "SELECT 1; DELETE FROM event",
    "SELECT 1; SELECT 2",
    "PRAGMA writable_schema = 1",
    "WITH d AS (DELETE FROM event RETURNING *) SELECT * FROM d",
    "SELECT * INTO newtable FROM event",
    "VACUUM",
    "TRUNCATE event",
    "GRANT ALL ON event TO public",
    "COPY event TO '/tmp/x'",
    "SET statement_timeout = 0",
    "BEGIN; DELETE FROM event; COMMIT",
    "EXPLAIN ANALYZE DELETE FROM event",
    "select 1 /* unterminated",
    "",
    "   ;  ",
]


@pytest.mark.parametrize("stmt", REFUSED)
def test_checker_refuses(stmt):
    with pytest.raises(sqlro.SQLRefused):
        sqlro.check(stmt)


@pytest.mark.parametrize("stmt", [
    "SELECT 1",
    "select kind, count(*) from event group by kind;",
    "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SELECT 'delete from event; drop table x' AS s",
    "SELECT title FROM event WHERE title LIKE '%tie%' -- update comment",
    "SELECT updated_thing FROM (SELECT 1 AS updated_thing) t",
])
def test_checker_allows_reads(stmt):
    assert sqlro.check(stmt)


def _seed():
    record([EventRecord(kind="vote.recorded", key="vote:s1-119.2025", title="tie broken 51-50")])


def test_sql_reads_on_both_backends(any_store, cli):
    _seed()
    r = cli("sql", "SELECT title FROM event WHERE title LIKE '%tie%'", "--format", "json")
    assert r.exit_code == 0, r.output
    assert "tie broken 51-50" in r.stdout


@pytest.mark.parametrize("stmt", REFUSED[:12])
def test_cli_refuses_and_store_unchanged(any_store, cli, stmt):
    _seed()
    r = cli("sql", stmt)
    assert r.exit_code == 2
    assert "refused" in r.stderr
    assert any_store.scalar("SELECT count(*) FROM event") == 1


def test_database_itself_refuses_writes_if_checker_bypassed(any_store, monkeypatch):
    """Second layer: even if a write slipped past the checker, the connection is read-only."""
    _seed()
    monkeypatch.setattr(sqlro, "check", lambda s: s)
    with pytest.raises(Exception) as exc:
        sqlro.run("DELETE FROM event")
    assert "read" in str(exc.value).lower()
    assert any_store.scalar("SELECT count(*) FROM event") == 1


def test_postgres_statement_timeout(pg_store, cli, monkeypatch):
    monkeypatch.setenv("TRACKER_SQL_STATEMENT_TIMEOUT_MS", "300")
    r = cli("sql", "SELECT pg_sleep(5)")
    assert r.exit_code == 1
    assert "timeout" in r.stderr.lower() or "cancel" in r.stderr.lower()
