"""`tracker demo` end to end in a temporary directory: the real spiders (replayed from the HTTP
cache, no network), the store, the diff engine and the digest."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "tracker-demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    p = subprocess.run([sys.executable, "-m", "tracker", "demo", "--out", str(out)], cwd=out.parent, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    return out, p.stdout


def test_store_has_every_kind_of_event(demo):
    out, _ = demo
    with create_engine(f"sqlite:///{out / 'tracker.db'}").connect() as c:
        kinds = dict(c.execute(text("SELECT kind, count(*) FROM event GROUP BY kind")).all())
        vote = c.execute(text("SELECT title FROM event WHERE key = 'vote:s372-119.2025'")).scalar()
        removed = [r[0] for r in c.execute(text("SELECT title FROM event WHERE kind = 'provision.removed'"))]
        debt = c.execute(text("SELECT data FROM event WHERE kind = 'provision.modified' AND title LIKE '%public debt%'")).scalar()
        runs = c.execute(text("SELECT job, status FROM crawl_run ORDER BY id")).all()
        signers = {r[0] for r in c.execute(text("SELECT member_id FROM letter_signer"))}
        pos = dict(c.execute(text("SELECT member_id, position FROM vote_position WHERE vote_id = 's372-119.2025'")).all())
    for k in ("vote.recorded", "bill.action", "text.published", "provision.removed", "provision.modified",
              "letter.published", "news.published"):
        assert kinds.get(k, 0) >= 1, k
    assert kinds["vote.recorded"] == 2
    assert "51-50" in vote and "Vice President" in vote
    assert any("43201" in t and "Artificial intelligence" in t for t in removed)
    assert "$4,000,000,000,000" in debt and "$5,000,000,000,000" in debt
    assert all(status == "ok" for _, status in runs) and len(runs) == 7
    assert signers == {"W000817", "W000779", "S000033", "G000555"}
    assert pos["C001035"] == "nay" and pos["T000250"] == "yea"   # Collins against, Thune for


def test_digest_mentions_tie_break_removed_provision_and_letter(demo):
    out, stdout = demo
    msg = email.message_from_bytes((out / "digest.eml").read_bytes(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",)).get_content()
    html = (out / "digest.html").read_text()
    assert "H.R. 1" in msg["Subject"]
    for part in (body, html):
        assert "Vice President breaking a 50-50 tie" in part
        assert "43201" in part and "Artificial intelligence" in part
        assert "Social Security" in part and "Bisignano" in part
        assert "$4,000,000,000,000" in part and "$5,000,000,000,000" in part
    assert "<script" not in html.lower()
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "tracker events" in stdout and "tracker diff" in stdout and "tracker serve" in stdout


def test_demo_runs_again_from_scratch(demo, tmp_path):
    """A second run into the same folder replaces the demo store instead of piling onto it."""
    out, _ = demo
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    copy = tmp_path / "again"
    p = subprocess.run([sys.executable, "-m", "tracker", "demo", "--out", str(copy)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0
    p = subprocess.run([sys.executable, "-m", "tracker", "demo", "--out", str(copy)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0
    with create_engine(f"sqlite:///{copy / 'tracker.db'}").connect() as c:
        assert c.execute(text("SELECT count(*) FROM event WHERE kind = 'vote.recorded'")).scalar() == 2
