"""Every CLI verb has --help with an example (the guide's rule), and the core verbs behave."""

from __future__ import annotations

import json

import typer.main

from tracker.cli import app


def _paths():
    click_app = typer.main.get_command(app)
    out = []

    def walk(cmd, prefix):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, prefix + [name])
        else:
            out.append(prefix)

    walk(click_app, [])
    return out


def test_every_command_has_an_example(cli):
    paths = _paths()
    assert len(paths) >= 20
    missing = []
    for p in paths:
        r = cli(*p, "--help")
        assert r.exit_code == 0, p
        if "Example" not in r.stdout:
            missing.append(" ".join(p))
    assert not missing, f"commands without an example in --help: {missing}"


def test_ingest_unknown_kind_is_quarantined_with_reason(store, cli, tmp_path):
    f = tmp_path / "mystery.bin"
    f.write_bytes(b"\x89PNG not a document we know")
    r = cli("ingest", str(f))
    assert r.exit_code == 0
    assert r.stdout.strip() == "1 documents: 0 inserted, 0 updated, 0 unchanged, 1 quarantined"
    assert "unknown document kind" in r.stderr and r.stderr.count("\n") == 1


def test_ingest_nothing_readable_exits_1(store, cli, tmp_path):
    r = cli("ingest", str(tmp_path / "does-not-exist.xml"))
    assert r.exit_code == 1
    assert "cannot read" in r.stderr


def test_ingest_forced_unknown_kind_is_a_clear_error(store, cli, tmp_path):
    f = tmp_path / "x.xml"
    f.write_text("<a/>")
    r = cli("ingest", str(f), "--kind", "nope")
    assert r.exit_code == 2 and "unknown document kind 'nope'" in r.stderr


def test_events_formats_and_filters(store, cli):
    from datetime import datetime, timezone
    from db.records import EventRecord
    from db.store import record
    record([EventRecord(kind="vote.recorded", key="vote:s1-119.2025", title="a vote", bill_id="hr1-119",
                        occurred_at=datetime(2025, 7, 1, tzinfo=timezone.utc), member_ids=["W000817"]),
            EventRecord(kind="bill.action", key="action:x", title="an action", bill_id="s5-119",
                        occurred_at=datetime(2025, 1, 20, tzinfo=timezone.utc))])
    rows = json.loads(cli("events", "--format", "json").stdout)
    assert [r["kind"] for r in rows] == ["bill.action", "vote.recorded"]
    for field in ("id", "kind", "key", "occurred_at", "recorded_at", "bill_id", "member_ids", "title", "source_url",
                  "revision", "data"):
        assert field in rows[0]
    assert [r["key"] for r in json.loads(cli("events", "--member", "W000817", "--format", "json").stdout)] == ["vote:s1-119.2025"]
    assert [r["key"] for r in json.loads(cli("events", "--bill", "s5-119", "--format", "json").stdout)] == ["action:x"]
    assert [r["key"] for r in json.loads(cli("events", "--since", "2025-06-01", "--format", "json").stdout)] == ["vote:s1-119.2025"]
    assert [r["key"] for r in json.loads(cli("events", "--until", "2025-06-01", "--format", "json").stdout)] == ["action:x"]
    assert len(json.loads(cli("events", "--limit", "1", "--format", "json").stdout)) == 1
    lines = cli("events", "--format", "jsonl").stdout.strip().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["kind"] == "vote.recorded"
    csv_out = cli("events", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("id,kind,key") and len(csv_out) == 3
    assert "a vote" in cli("events").stdout
    bad = cli("events", "--bill", "HR1")
    assert bad.exit_code == 2 and "malformed bill id" in bad.stderr
    bad = cli("events", "--since", "yesterday")
    assert bad.exit_code == 2 and "not an ISO date" in bad.stderr
