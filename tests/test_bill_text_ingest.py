"""Bill text through the real ingest road: versions stored, provision.* events against the
previous stored version, `tracker diff` on files and stored versions, the bill_text spider."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import shared_fixture

OWN = Path(__file__).parent / "fixtures" / "bill_text"


def _ingest(cli, *paths):
    r = cli("ingest", *map(str, paths))
    assert r.exit_code == 0, r.output
    return r.stdout.strip().splitlines()[-1]


def test_real_hr1_versions_make_provision_events(store, cli):
    eh = shared_fixture("bill_text/BILLS-119hr1eh.xml")
    eas = shared_fixture("bill_text/BILLS-119hr1eas.xml")
    assert _ingest(cli, eh) == "1 documents: 1 inserted, 0 updated, 0 unchanged, 0 quarantined"  # text.published
    line = _ingest(cli, eas)
    assert line.startswith("1 documents: ") and line.endswith("0 updated, 0 unchanged, 0 quarantined")
    kinds = dict(store.rows("SELECT kind, count(*) FROM event GROUP BY kind"))
    assert kinds["text.published"] == 2
    summary = json.loads(cli("diff", str(eh), str(eas), "--format", "json").stdout)["summary"]
    for change in ("removed", "added", "modified", "moved"):
        assert kinds.get(f"provision.{change}", 0) == summary[change]
    titles = [t for (t,) in store.rows("SELECT title FROM event WHERE kind LIKE 'provision.%'")]
    assert any("removed Sec. 43201" in t and "Artificial intelligence" in t for t in titles)
    debt = [t for t in titles if "limitation on the public debt" in t]
    assert debt and "$4,000,000,000,000 -> $5,000,000,000,000" in debt[0]
    # a House section the Senate folded into a bigger one is a move, worded as a merge, with its data
    merged = [t for t in titles if t.startswith("H.R. 1 as amended by the Senate: Sec. 70110 ")]
    assert merged == ["H.R. 1 as amended by the Senate: Sec. 70110 (Funding section 287(g) of the Immigration "
                      "and Nationality Act) merged into Sec. 100052(9) (287(g) agreements)"], merged
    assert not any("removed Sec. 70110" in t for t in titles)
    carried = [json.loads(d) if isinstance(d, str) else d for (d,) in store.rows(
        "SELECT data FROM event WHERE kind = 'provision.moved' AND title LIKE '%Sec. 70110 %'")]
    assert carried[0]["carried"]["relation"] == "merged_into"
    assert any(t.endswith("Sec. 10101(b) (Base acres) split out as Sec. 10302 (Base acres)") for t in titles)
    # ... and the digest says so
    from tracker.digest.build import EventRow
    from tracker.digest.wording import word_provisions

    rows = [EventRow(id=i, kind=k, key=key, revision=1, occurred_at=None, recorded_at=None, bill_id="hr1-119",
                     title=t, source_url=None, data=json.loads(d) if isinstance(d, str) else d)
            for i, (k, key, t, d) in enumerate(store.rows(
                "SELECT kind, key, title, data FROM event WHERE kind = 'provision.moved' AND "
                "(title LIKE '%Sec. 70110 %' OR title LIKE '%as Sec. 10302 %') ORDER BY id"))]
    lines = word_provisions(rows).details
    assert sorted(lines) == ["Merged: Sec. 70110 Funding section 287(g) of the Immigration and Nationality Act into "
                             "Sec. 100052(9) 287(g) agreements",
                             "Split out: Sec. 10101(b) Base acres -> Sec. 10302 Base acres"], lines
    assert store.scalar("SELECT count(*) FROM text_version") == 2
    assert store.scalar("SELECT count(*) FROM provision WHERE version_id = 'hr1-119:eh'") == 334
    assert store.scalar("SELECT count(*) FROM provision_change") == sum(summary[c] for c in ("removed", "added", "modified", "moved"))
    # re-ingest: nothing new
    n_from_eas = store.scalar("SELECT count(*) FROM event e JOIN source_document d ON d.id = e.document_id "
                              "WHERE d.url LIKE '%eas.xml'")
    assert _ingest(cli, eas) == f"1 documents: 0 inserted, 0 updated, {n_from_eas} unchanged, 0 quarantined"
    before = store.scalar("SELECT count(*) FROM event")
    assert _ingest(cli, eh, eas).startswith("2 documents: 0 inserted, 0 updated")
    assert store.scalar("SELECT count(*) FROM event") == before


def test_out_of_order_arrival_gives_the_same_events(store, cli, tmp_path, monkeypatch):
    files = sorted(OWN.glob("BILLS-119hr9999*.xml"))
    assert len(files) >= 2
    ih, eh = OWN / "BILLS-119hr9999ih.xml", OWN / "BILLS-119hr9999eh.xml"
    _ingest(cli, eh)
    _ingest(cli, ih)
    late = sorted(store.rows("SELECT key, title FROM event WHERE kind LIKE 'provision.%'"))
    assert late, "diffing the earlier version against the stored later one must produce events"
    from db.engine import dispose_all
    other = f"sqlite:///{tmp_path / 'b.db'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", other)
    dispose_all()
    _ingest(cli, ih)
    _ingest(cli, eh)
    from sqlalchemy import create_engine, text
    with create_engine(other).connect() as c:
        in_order = sorted(tuple(r) for r in c.execute(text("SELECT key, title FROM event WHERE kind LIKE 'provision.%'")))
    assert in_order == late


def test_diff_cli_files_and_stored_versions(store, cli):
    ih, eh = OWN / "BILLS-119hr9999ih.xml", OWN / "BILLS-119hr9999eh.xml"
    j = json.loads(cli("diff", str(ih), str(eh), "--format", "json").stdout)
    assert set(j) == {"old", "new", "summary", "changes"}
    assert set(j["summary"]) == {"removed", "added", "modified", "moved", "unchanged"}
    for ch in j["changes"]:
        assert set(ch) == {"change", "old", "new", "similarity", "numbers", "details"}
    text_out = cli("diff", str(ih), str(eh)).stdout
    assert text_out.splitlines()[0].count("removed") == 1
    html = cli("diff", str(ih), str(eh), "--format", "html").stdout
    assert html.lstrip().lower().startswith("<!doctype html") and "<script" not in html.lower()
    _ingest(cli, ih, eh)
    stored = json.loads(cli("diff", "hr9999-119:ih", "hr9999-119:eh", "--format", "json").stdout)
    assert stored["summary"] == j["summary"]
    r = cli("diff", "hr9999-119:enr", str(eh))
    assert r.exit_code == 2 and "not stored" in r.stderr
    r = cli("diff", "nonsense.xml", str(eh))
    assert r.exit_code == 2 and "no such file" in r.stderr


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.97])
def test_truncated_bill_text_is_quarantined(store, cli, tmp_path, cut):
    body = shared_fixture("bill_text/BILLS-119hr1eh.xml").read_bytes()
    f = tmp_path / "trunc.xml"
    f.write_bytes(body[: int(len(body) * cut)])
    r = cli("ingest", str(f), "--kind", "bill_text")
    assert r.exit_code == 0
    assert r.stdout.strip().endswith("1 quarantined")
    assert "quarantined" in r.stderr and "bill_text" in r.stderr
    assert store.scalar("SELECT count(*) FROM event") == 0
    assert store.scalar("SELECT status FROM source_document") == "quarantined"


def test_bill_text_spider_fetches_announced_versions(store, tmp_path):
    """The spider reads text.published events and fetches the XML from (here) a local server."""
    from db.records import EventRecord
    from db.store import record
    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    for code in ("ih", "eh"):
        (site / f"BILLS-119hr9999{code}.xml").write_bytes((OWN / f"BILLS-119hr9999{code}.xml").read_bytes())
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        record([EventRecord(kind="text.published", key=f"text:hr9999-119:{c}", bill_id="hr9999-119",
                            title=f"text {c}", data={"version_id": f"hr9999-119:{c}", "bill_id": "hr9999-119",
                                                     "code": c, "url": f"{base}/BILLS-119hr9999{c}.xml"})
                for c in ("ih", "eh")])
        env = {**os.environ, "TRACKER_DATABASE_URL": store.url, "SCRAPY_SETTINGS_MODULE": "scrapers.settings"}
        p = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "bill_text", "-s", "DOWNLOAD_DELAY=0",
                            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"],
                           cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True, timeout=180)
        assert p.returncode == 0, p.stderr[-2000:]
    finally:
        httpd.shutdown()
    assert sorted(r[0] for r in store.rows("SELECT version_id FROM text_version")) == ["hr9999-119:eh", "hr9999-119:ih"]
    assert store.scalar("SELECT count(*) FROM event WHERE kind LIKE 'provision.%'") > 0
