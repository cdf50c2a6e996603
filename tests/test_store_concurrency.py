"""8 processes ingest overlapping batches at once (SQLite WAL and Postgres): no 'database is
locked' escapes, no duplicates, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

N_PROCS = 8
N_DOCS = int(os.environ.get("TRACKER_CONCURRENCY_DOCS", "12"))

CHILD = textwrap.dedent("""
    import sys
    from db.records import EntityRecord, EventRecord
    from db.store import DocumentIn, record
    proc, n_docs = int(sys.argv[1]), int(sys.argv[2])
    for d in range(n_docs):
        doc_no = (proc + d) % n_docs             # overlapping: every process writes every document
        keys = range(doc_no * 20, doc_no * 20 + 40)  # and neighbouring documents share keys
        evs = [EventRecord(kind="bill.action", key=f"action:k{k}", title=f"action {k}", member_ids=[f"A{k:06d}"])
               for k in keys]
        bills = EntityRecord("bill", [dict(bill_id=f"hr{k + 1}-119", congress=119, bill_type="hr", number=k + 1)
                                      for k in keys], ("bill_id",))
        record(evs + [bills], document=DocumentIn(body=f"doc {doc_no}".encode(), url=f"https://x/{doc_no}"))
    print("OK", flush=True)
""")


def _run(url: str) -> None:
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(p), str(N_DOCS)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in range(N_PROCS)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, errs) in zip(procs, outs):
        assert p.returncode == 0 and "OK" in out, errs[-2000:]
        assert "database is locked" not in errs


def test_eight_writers(any_store):
    _run(any_store.url)
    distinct = N_DOCS * 20 + 20
    assert any_store.scalar("SELECT count(*) FROM event") == distinct
    assert any_store.scalar("SELECT count(DISTINCT key) FROM event") == distinct
    assert any_store.scalar("SELECT max(revision) FROM event") == 1
    assert any_store.scalar("SELECT count(*) FROM event_member") == distinct
    assert any_store.scalar("SELECT count(*) FROM bill") == distinct
    assert any_store.scalar("SELECT count(*) FROM source_document") == N_DOCS
