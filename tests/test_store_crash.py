"""A document killed mid-write (real subprocess, SIGKILL) leaves no partial rows; a rerun completes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.support.kill import sigkill_at_fault

CHILD = textwrap.dedent("""
    from db.records import EntityRecord, EventRecord
    from db.store import DocumentIn, record
    evs = [EventRecord(kind="vote.recorded", key=f"vote:s{i}-119.2025", title=f"vote {i}",
                       member_ids=["W000817"]) for i in range(1, 2001)]
    ents = [EntityRecord("bill", [dict(bill_id=f"hr{i}-119", congress=119, bill_type="hr", number=i)
                                  for i in range(1, 501)], ("bill_id",))]
    c = record(evs + ents, document=DocumentIn(body=b"<doc>one document</doc>", url="https://x/doc.xml"))
    print("DONE", c.inserted, flush=True)
""")


def _run_child(url: str, fault: str | None):
    env = {**os.environ, "TRACKER_DATABASE_URL": url}
    if fault:
        env["TRACKER_FAULT_POINT"] = fault
    else:
        env.pop("TRACKER_FAULT_POINT", None)
    return subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize("fault", ["store.after_entities", "store.before_commit"])
def test_sigkill_mid_document_leaves_nothing(any_store, fault):
    # The child writes rows inside its open transaction and stops at the fault point: kill it hard.
    sigkill_at_fault(_run_child(any_store.url, fault), fault)
    for table in ("event", "event_member", "bill", "source_document"):
        assert any_store.scalar(f"SELECT count(*) FROM {table}") == 0, table
    # Run to completion afterwards: everything arrives exactly once.
    done = _run_child(any_store.url, None)
    out, _ = done.communicate(timeout=120)
    assert "DONE 2000" in out
    assert any_store.scalar("SELECT count(*) FROM event") == 2000
    assert any_store.scalar("SELECT count(*) FROM event_member") == 2000
    assert any_store.scalar("SELECT count(*) FROM bill") == 500
    assert any_store.scalar("SELECT count(*) FROM source_document") == 1
