"""The Postgres analyst role: it can read the store, and nothing else. 30+ different write/DDL attempts
are refused (in its default read-only transaction AND after switching the transaction to read-write,
so the grants alone are shown to hold), and a long query is cancelled by its statement timeout.
Roles are cluster-wide: each run uses a unique role name and drops it afterwards."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from db.records import EntityRecord, EventRecord
from db.roles import create_analyst_role, drop_analyst_role, role_sql
from db.store import record

ATTEMPTS = [
    "INSERT INTO event (kind, key, revision, title, content_hash, recorded_at, data) "
    "VALUES ('x', 'x', 1, 'x', 'x', now(), '{}')",
    "UPDATE event SET title = 'tampered'",
    "DELETE FROM event",
    "TRUNCATE event",
    "DROP TABLE event",
    "ALTER TABLE event ADD COLUMN pwned int",
    "ALTER TABLE event RENAME TO event_old",
    "CREATE TABLE evil (a int)",
    "CREATE INDEX ix_evil ON event (title)",
    "CREATE VIEW evil_view AS SELECT 1 AS a",
    "CREATE OR REPLACE VIEW bill_timeline AS SELECT 1 AS a",
    "DROP VIEW bill_timeline",
    "INSERT INTO search_doc (doc_type, ref, title) VALUES ('event', 'x', 'x')",
    "UPDATE member SET party = 'X'",
    "DELETE FROM vote_position",
    "UPDATE bill_timeline SET title = 'x'",
    "SELECT nextval('event_id_seq')",
    "SELECT setval('event_id_seq', 1)",
    "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE SCHEMA evil",
    "CREATE ROLE evil",
    "ALTER ROLE {role} SUPERUSER",
    "ALTER ROLE {role} CREATEROLE",
    "SET ROLE postgres",
    "SET SESSION AUTHORIZATION postgres",
    "COPY event TO '/tmp/analyst_copy_out'",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT lo_import('/etc/hostname')",
    "CREATE TRIGGER evil AFTER INSERT ON event FOR EACH ROW EXECUTE FUNCTION letter_search_sync()",
    "COMMENT ON TABLE event IS 'pwned'",
    "REINDEX TABLE event",
    "LOCK TABLE event IN ACCESS EXCLUSIVE MODE",
    "SELECT * FROM event FOR UPDATE",
    "CREATE EXTENSION IF NOT EXISTS hstore",
    "CREATE MATERIALIZED VIEW evil_mv AS SELECT 1 AS a",
    "DO $$ BEGIN DELETE FROM event; END $$",
    "DELETE FROM alembic_version",
    "INSERT INTO subscription (email, bills, members, keywords, kinds, frequency, active, last_event_mailed, "
    "created_at) VALUES ('x@example.org', '[]', '[]', '[]', '[]', 'daily', true, 0, now())",
    "SELECT email FROM subscription",  # personal data: not even readable
    "GRANT SELECT ON subscription TO PUBLIC",
    "ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT ALL ON TABLES TO PUBLIC",
]


@pytest.fixture
def analyst(pg_store):
    from sqlalchemy.engine import make_url
    record([EventRecord(kind="bill.action", key="action:hr1-119:2025-07-04:x", title="Became Public Law",
                        bill_id="hr1-119"),
            EntityRecord("member", [dict(bioguide_id="W000817", party="D", data={})], ("bioguide_id",))],
           engine=pg_store.engine)
    role = f"analyst_{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex
    with pg_store.engine.begin() as conn:
        done = create_analyst_role(conn, role, password=password, timeout_ms=500)
    assert not any(password in s for s in done)  # the password never comes back for logging
    u = make_url(pg_store.url)
    schema = u.query["options"].split("=")[-1]
    dsn = f"postgresql://{role}:{password}@{u.host}:{u.port or 5432}/{u.database}"
    yield role, dsn, schema, pg_store
    with pg_store.engine.begin() as conn:
        drop_analyst_role(conn, role)


def _counts(store):
    return (store.scalar("SELECT count(*) FROM event"), store.scalar("SELECT count(*) FROM search_doc"),
            store.scalar("SELECT party FROM member WHERE bioguide_id = 'W000817'"),
            store.scalar("SELECT count(*) FROM subscription"))


def test_analyst_reads_but_cannot_write(analyst):
    role, dsn, schema, store = analyst
    before = _counts(store)
    with psycopg.connect(dsn, autocommit=True) as c:
        assert c.execute("SHOW search_path").fetchone()[0].strip('"') == schema
        assert c.execute("SELECT count(*) FROM event").fetchone()[0] == 1
        assert c.execute("SELECT count(*) FROM bill_timeline").fetchone()[0] == 1
        assert c.execute("SELECT count(*) FROM search_doc WHERE tsv @@ websearch_to_tsquery('english', 'law')"
                         ).fetchone()[0] == 1
        assert c.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
    refused = 0
    assert len(ATTEMPTS) >= 30
    for stmt in ATTEMPTS:
        stmt = stmt.replace("{role}", role)
        for read_write in (False, True):
            with psycopg.connect(dsn) as c:
                if read_write:  # the role may lift the read-only default: grants must still refuse
                    c.execute("SET TRANSACTION READ WRITE")
                with pytest.raises(psycopg.Error, match=r"(?i)permission|read-only|must be|denied|owner|"
                                                       r"cannot|not allowed|superuser") as exc:
                    c.execute(stmt)
                    c.commit()
                assert exc.value is not None, stmt
                refused += 1
    assert refused == 2 * len(ATTEMPTS)
    assert _counts(store) == before


def test_long_query_is_cancelled_by_the_role_timeout(analyst):
    _role, dsn, _schema, _store = analyst
    with psycopg.connect(dsn) as c:
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute("SELECT pg_sleep(5)")


def test_tracker_sql_uses_the_analyst_url(analyst, cli, monkeypatch):
    role, dsn, schema, _store = analyst
    monkeypatch.setenv("TRACKER_ANALYST_DATABASE_URL", dsn.replace("postgresql://", "postgresql+psycopg://")
                       + f"?options=-csearch_path%3D{schema}")
    r = cli("sql", "SELECT current_user AS who, count(*) AS n FROM event GROUP BY 1", "--format", "json")
    assert r.exit_code == 0, r.output
    assert f'"who": "{role}"' in r.output
    r = cli("search", "public law", "--format", "json")  # search reads through the analyst role too
    assert r.exit_code == 0 and "Became Public Law" in r.output


def test_role_sql_is_printable_and_checked(cli):
    stmts = role_sql("tracker_analyst", password="***", database="tracker", schema="public", timeout_ms=1000)
    assert any("statement_timeout = 1000" in s for s in stmts)
    assert any(s.startswith("GRANT SELECT ON ALL TABLES") for s in stmts)
    assert not any("INSERT" in s or "UPDATE" in s or " ALL ON ALL" in s for s in stmts)
    with pytest.raises(ValueError):
        role_sql('x"; DROP ROLE postgres; --', password=None, database="tracker")
    r = cli("analyst-role", "--print-sql")
    assert r.exit_code == 0 and "CREATE ROLE \"tracker_analyst\"" in r.output


def test_analyst_role_command_creates_the_role(pg_store, cli, monkeypatch):
    role = f"analyst_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("ANALYST_TEST_PW", "s3cret-" + uuid.uuid4().hex)
    try:
        r = cli("analyst-role", "--role", role, "--password-env", "ANALYST_TEST_PW", "--timeout-ms", "2000")
        assert r.exit_code == 0, r.output
        assert "s3cret" not in r.output and "PASSWORD '***'" in r.output
        assert pg_store.scalar("SELECT count(*) FROM pg_roles WHERE rolname = :r AND NOT rolsuper", r=role) == 1
        r = cli("analyst-role", "--role", role)  # again: refreshes, does not fail
        assert r.exit_code == 0, r.output
    finally:
        with pg_store.engine.begin() as conn:
            drop_analyst_role(conn, role)
    r = cli("analyst-role", "--password-env", "NO_SUCH_VARIABLE_HERE")
    assert r.exit_code == 2
