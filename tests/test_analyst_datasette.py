"""metadata.yml (Datasette canned queries) runs against a real SQLite store; exports in every format."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from analyst_load import load
from conftest import shared_fixture

REPO = Path(__file__).resolve().parents[1]
PARAMS = {"bill": "hr1-119", "member": "C001035", "vote": "s372-119.2025", "who": "Social Security",
          "q": '"artificial intelligence"'}


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    """One store loaded from the real fixtures per module; each test gets a copy of the file."""
    from db.engine import dispose_all, get_engine
    from db.migrate import upgrade
    path = tmp_path_factory.mktemp("analyst") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    load(get_engine(url), shared_fixture)
    dispose_all()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture
def real_sqlite(_template, tmp_path, monkeypatch):
    import shutil
    from conftest import Store
    from db.engine import dispose_all
    shutil.copy(_template, tmp_path / "tracker.db")
    s = Store(f"sqlite:///{tmp_path / 'tracker.db'}", "sqlite")
    monkeypatch.setenv("TRACKER_DATABASE_URL", s.url)
    dispose_all()
    yield s
    dispose_all()


def test_canned_queries_run_on_a_real_store(real_sqlite):
    meta = yaml.safe_load((REPO / "metadata.yml").read_text())
    db = meta["databases"]["tracker"]
    queries = db["queries"]
    assert {"bill_timeline", "member_votes", "provisions_removed", "letters_to", "search"} <= set(queries)
    with real_sqlite.engine.connect() as c:
        for name, q in queries.items():
            sql = q["sql"]
            assert re.search(r"\blimit\s+\d+", sql, re.I), f"{name} has no LIMIT"
            names = set(re.findall(r":(\w+)", sql))
            rows = c.execute(text(sql), {k: PARAMS[k] for k in names}).all()
            assert rows, f"canned query {name} returned nothing on the real fixtures"
        for table, conf in db.get("tables", {}).items():
            c.execute(text(f"SELECT * FROM {table} LIMIT 1"))
            if "fts_table" in conf:
                c.execute(text(f"SELECT rowid FROM {conf['fts_table']} WHERE {conf['fts_table']} MATCH 'senate' LIMIT 1"))


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_every_format(real_sqlite, cli, tmp_path, fmt):
    out = tmp_path / "out"
    r = cli("export", "--format", fmt, "--out", str(out), "--bill", "hr1-119")
    assert r.exit_code == 0, r.output
    files = {p.stem: p for p in out.iterdir()}
    assert set(files) == {"events", "bill_timeline", "member_votes", "provision_changes", "letters"}
    with real_sqlite.engine.connect() as c:
        n_events = c.execute(text("SELECT count(*) FROM event WHERE bill_id = 'hr1-119'")).scalar()
        n_votes = c.execute(text("SELECT count(*) FROM member_votes WHERE bill_id = 'hr1-119'")).scalar()
    if fmt == "csv":
        rows = list(csv.DictReader(files["events"].open()))
        votes = list(csv.DictReader(files["member_votes"].open()))
        assert json.loads(rows[0]["member_ids"]) is not None
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in files["events"].open()]
        votes = [json.loads(line) for line in files["member_votes"].open()]
        assert all(isinstance(r["data"], dict) and isinstance(r["member_ids"], list) for r in rows)
        pcs = [json.loads(line) for line in files["provision_changes"].open()]
        assert all(isinstance(p["numbers"], list) for p in pcs if p["numbers"] is not None)
    else:
        import pyarrow.parquet as pq
        rows = pq.read_table(files["events"]).to_pylist()
        votes = pq.read_table(files["member_votes"]).to_pylist()
        assert isinstance(rows[0]["member_ids"], list)
    assert len(rows) == n_events and len(votes) == n_votes
    assert {r["bill_id"] for r in rows} == {"hr1-119"}


def test_export_filters_match_tracker_events(real_sqlite, cli, tmp_path):
    from db.queries import parse_when, select_events
    r = cli("export", "--format", "jsonl", "--out", str(tmp_path), "--kind", "vote.*", "--since", "2025-07-02",
            "--no-views")
    assert r.exit_code == 0, r.output
    got = sorted(json.loads(x)["id"] for x in (tmp_path / "events.jsonl").open())
    with real_sqlite.engine.connect() as c:
        want = sorted(e["id"] for e in select_events(c, kind=["vote.*"], since=parse_when("2025-07-02"), limit=None))
    assert got == want and got
    assert not (tmp_path / "member_votes.jsonl").exists()


def test_export_and_search_errors(real_sqlite, cli, tmp_path):
    r = cli("export", "--format", "xml", "--out", str(tmp_path))
    assert r.exit_code == 2 and "unknown format" in r.output
    r = cli("export", "--format", "csv", "--out", str(tmp_path), "--since", "last week")
    assert r.exit_code == 2 and "ISO" in r.output
    r = cli("search", '"senate vote" OR budget', "--limit", "3", "--format", "json")
    assert r.exit_code == 0 and len(json.loads(r.output)) == 3
    r = cli("search", "x", "--limit", "500")
    assert r.exit_code == 2
    r = cli("search", "x", "--bill", "hr1")
    assert r.exit_code == 2 and "error:" in r.output
