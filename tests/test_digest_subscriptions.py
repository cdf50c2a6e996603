"""Subscriptions (CLI and API), unsubscribe tokens, and wording of single events."""

from __future__ import annotations

import pytest

from test_digest_support import hr1_vote


def test_tokens_round_trip_and_refuse_tampering(monkeypatch):
    from tracker.digest.tokens import make_token, verify_token
    from tracker.settings import get_settings
    monkeypatch.setenv("TRACKER_UNSUBSCRIBE_SECRET", "s3cret")
    get_settings(fresh=True)
    tok = make_token(" Staff@Example.org ")
    assert verify_token(tok) == "staff@example.org"
    head, sig = tok.split(".")
    assert verify_token(f"{head}.{sig[:-2]}AA") is None
    import base64
    other = base64.urlsafe_b64encode(b"boss@example.org").rstrip(b"=").decode()
    assert verify_token(f"{other}.{sig}") is None
    assert verify_token(tok, secret="another secret") is None
    for junk in ("", "x", "a.b.c", "!!!.???", "." * 2, "a" * 5000, None, 42):
        assert verify_token(junk) is None  # type: ignore[arg-type]
    assert "s3cret" not in tok


def test_subscribe_extends_and_unsubscribe_cancels_queued_mail(store, cli, monkeypatch):
    from tracker.digest import tokens
    from tracker.digest.subscriptions import get_subscription, unsubscribe
    r = cli("subscribe", "Staff@Example.org", "--bill", "hr1-119", "--keyword", "Artificial  Intelligence")
    assert r.exit_code == 0 and "subscribed staff@example.org (daily)" in r.output
    r = cli("subscribe", "staff@example.org", "--bill", "HR1-119", "--bill", "s5-119", "--member", "w000817",
            "--kind", "provision.*", "--frequency", "weekly", "--name", "A. Staffer")
    assert r.exit_code == 0
    sub = get_subscription("staff@example.org")
    assert sub["bills"] == ["hr1-119", "s5-119"] and sub["members"] == ["W000817"]
    assert sub["keywords"] == ["Artificial Intelligence"] and sub["kinds"] == ["provision.*"]
    assert sub["frequency"] == "weekly" and sub["name"] == "A. Staffer"
    out = cli("subscriptions").output
    assert "staff@example.org  weekly  active  mark=0" in out
    # A queued message is cancelled by unsubscribing (the API's one-click POST does this call).
    with store.engine.begin() as c:
        from sqlalchemy import text
        c.execute(text("INSERT INTO outbox (message_id, subscription_id, to_addr, subject, message, high_water, "
                       "created_at, status, attempts) VALUES ('<m@x>', :s, 'staff@example.org', 's', :b, 1, "
                       "'2025-07-01 00:00:00', 'pending', 0)"), {"s": sub["id"], "b": b"x"})
    assert tokens.unsubscribe(None, "staff@example.org") is True
    assert unsubscribe("staff@example.org") is False  # already inactive
    assert unsubscribe("not an address") is False
    assert store.rows("SELECT status, last_error FROM outbox") == [("cancelled", "unsubscribed")]
    assert "unsubscribed" in cli("subscriptions").output
    r = cli("unsubscribe", "staff@example.org")
    assert r.exit_code == 1 and "no active subscription" in r.output
    # Subscribing again reactivates.
    assert cli("subscribe", "staff@example.org").exit_code == 0
    assert get_subscription("staff@example.org")["active"] is True


@pytest.mark.parametrize("args,msg", [
    (["subscribe", "not-an-email"], "not a plain email address"),
    (["subscribe", "a@b.org\r\nBcc: x@y", "--bill", "hr1-119"], "not a plain email address"),
    (["subscribe", "a@b.org", "--bill", "hr1"], "hr1"),
    (["subscribe", "a@b.org", "--member", "Warren"], "malformed member id"),
    (["subscribe", "a@b.org", "--kind", "vote.cast"], "unknown event kind"),
    (["subscribe", "a@b.org", "--frequency", "hourly"], "unknown frequency"),
    (["subscribe", "a@b.org", "--keyword", "x"], "2 to 100 characters"),
    (["digest", "send", "--frequency", "monthly"], "unknown frequency"),
    (["digest", "preview", "--to", "nobody@example.org", "--out", "/tmp/x.eml"], "no subscription"),
])
def test_cli_errors_are_one_clear_line(store, cli, args, msg):
    r = cli(*args)
    assert r.exit_code == 2
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and msg in lines[0], r.output


def _row(rec, **kw):
    from tracker.digest.build import EventRow
    return EventRow(id=kw.pop("id", 1), kind=rec.kind, key=rec.key, revision=kw.pop("revision", 1),
                    occurred_at=None, recorded_at=None, bill_id=rec.bill_id, title=rec.title,
                    source_url=rec.source_url, data=rec.data, **kw)


def _digest(events, sub=None, **kw):
    from datetime import datetime, timezone
    from tracker.digest.build import Digest
    sub = sub or {"id": 1, "email": "a@b.org", "bills": ["hr1-119"], "members": [], "keywords": [], "kinds": []}
    return Digest(subscription=sub, now=datetime.now(timezone.utc), from_event=0, to_event=9, events=events,
                  alarms=[], **kw)


def test_vote_wording_without_tie_and_with_correction():
    from tracker.digest.wording import word_digest, word_vote
    ev = hr1_vote()[-1]
    ev.data = {**ev.data, "counts": {"yea": 218, "nay": 214, "present": 0, "not_voting": 2}, "tie_breaker": None,
               "chamber": "h", "number": 190, "result": "Passed", "question": "On Motion to Concur"}
    item = word_vote(_row(ev, revision=2), _digest([]))
    assert item.sentence == ("Corrected: House roll call 190 on H.R. 1 (On Motion to Concur): Passed, 218-214; "
                             "2 not voting.")
    assert item.facts["phrase"] == "passed House 218-214"
    w = word_digest(_digest([_row(ev)]))
    assert w.subject == "H.R. 1: passed House 218-214"
    # A Speaker election: candidate totals as published.
    ev.data = {**ev.data, "counts": {"Johnson": 218, "Jeffries": 215}, "result": "Johnson", "question": "Election of the Speaker"}
    assert "Johnson 218, Jeffries 215" in word_vote(_row(ev), _digest([])).sentence


def test_text_action_statement_and_unknown_wording():
    from db.records import EventRecord
    from tracker.digest.wording import word_event
    txt = EventRecord(kind="text.published", key="text:hr1-119:enr", bill_id="hr1-119", title="t",
                      data={"version_id": "hr1-119:enr", "bill_id": "hr1-119", "code": "enr", "stage": "Enrolled Bill",
                            "date": "2025-07-03", "url": "https://www.govinfo.gov/x.xml"})
    it = word_event(_row(txt), _digest([]))
    assert it.sentence == "New text of H.R. 1: Enrolled Bill (enr), dated 2025-07-03." and it.link.startswith("https://")
    st = EventRecord(kind="statement.published", key="statement:x", title="Senator reacts <i>strongly</i>",
                     source_url="javascript:alert(1)", data={"signers": [{"member_id": "W000817", "name": "Warren"}]})
    it = word_event(_row(st), _digest([]))
    assert it.sentence == "Statement from Warren: Senator reacts strongly." and it.link is None
