"""Outage and crash behaviour of the outbox: nothing lost, nothing sent twice.

- The SMTP server refusing (4xx) for three runs, then accepting: each digest arrives exactly once.
- An unreachable server: every digest stays queued, then goes out.
- 5xx for one recipient: that message fails, the others are delivered.
- A real process SIGKILLed at each step of sending (TRACKER_FAULT_POINT, db/faults.py): a rerun
  delivers everything; the only repeat possible (killed after the server accepted, before the mark)
  carries the same Message-ID.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.support.kill import sigkill_at_fault
from test_digest_support import SMTPServer, free_port, record_story, smtp_env, ssa_letter

ADDRS = ["a@example.org", "b@example.org", "c@example.org"]


def _subscribe_all():
    from tracker.digest.subscriptions import subscribe
    for a in ADDRS:
        subscribe(a, bills=["hr1-119"], members=["W000817"])


def test_4xx_three_runs_then_accepting_delivers_each_digest_exactly_once(store, monkeypatch):
    from db.store import record
    from tracker.digest.outbox import send_due
    with SMTPServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        record_story()
        _subscribe_all()
        smtp.handler.refuse_data = "451 4.3.0 Mailbox temporarily unavailable, try again later"
        for run in range(3):
            r = send_due()
            assert (r.sent, r.deferred, r.failed) == (0, 3, 0), (run, r)
            assert r.built == (3 if run == 0 else 0)  # queued digests block new ones for those recipients
            if run == 1:
                record([ssa_letter(key="letter:2222222222222222", title="A letter recorded during the outage")])
        assert smtp.received == []
        assert store.rows("SELECT status, attempts FROM outbox ORDER BY id") == [("pending", 3)] * 3
        assert store.scalar("SELECT count(*) FROM subscription WHERE last_event_mailed = 0") == 3
        smtp.handler.refuse_data = None
        r = send_due()
        # The three queued digests go out, then a second digest per recipient with the letter
        # recorded during the outage (built after the first one's mark moved).
        assert (r.sent, r.deferred, r.failed) == (6, 0, 0), r
        ids = Counter(x.msg["Message-ID"] for x in smtp.received)
        assert len(ids) == 6 and set(ids.values()) == {1}
        per = Counter(x.rcpt_tos[0] for x in smtp.received)
        assert per == Counter({a: 2 for a in ADDRS})
        later = [x for x in smtp.received if "outage" in x.msg.get_body(("plain",)).get_content()]
        assert len(later) == 3
        assert store.rows("SELECT DISTINCT status FROM outbox") == [("sent",)]
        assert send_due().sent == 0 and len(smtp.received) == 6


def test_unreachable_server_keeps_everything_queued(store, monkeypatch):
    from tracker.digest.outbox import send_due
    smtp_env(monkeypatch, free_port())  # nothing listens there
    record_story()
    _subscribe_all()
    r = send_due()
    assert (r.built, r.sent, r.deferred) == (3, 0, 3)
    assert store.rows("SELECT DISTINCT status FROM outbox") == [("pending",)]
    with SMTPServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        r = send_due()
        assert (r.sent, r.built) == (3, 0)
        assert sorted(x.rcpt_tos[0] for x in smtp.received) == ADDRS


def test_5xx_for_one_recipient_fails_it_without_blocking_others(store, monkeypatch, cli):
    from tracker.digest.outbox import send_due
    with SMTPServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        smtp.handler.reject_rcpt = {"b@example.org": "550 5.1.1 No such user"}
        record_story()
        _subscribe_all()
        r = send_due()
        assert (r.sent, r.failed) == (2, 1)
        assert sorted(x.rcpt_tos[0] for x in smtp.received) == ["a@example.org", "c@example.org"]
        rows = dict(store.rows("SELECT to_addr, status FROM outbox"))
        assert rows == {"a@example.org": "sent", "b@example.org": "failed", "c@example.org": "sent"}
        assert "550" in store.scalar("SELECT last_error FROM outbox WHERE to_addr = 'b@example.org'")
        # The failed recipient's mark did not move; the identical message is not retried unchanged.
        assert store.scalar("SELECT last_event_mailed FROM subscription WHERE email = 'b@example.org'") == 0
        res = cli("digest", "send")
        assert "0 sent" in res.output and len(smtp.received) == 2


def test_smtp_login_problem_defers_and_never_shows_the_password(store, monkeypatch):
    from tracker.digest.outbox import send_due
    from tracker.settings import get_settings
    with SMTPServer() as smtp:  # offers no AUTH: the login cannot succeed
        smtp_env(monkeypatch, smtp.port)
        monkeypatch.setenv("TRACKER_SMTP_USER", "tracker")
        monkeypatch.setenv("TRACKER_SMTP_PASSWORD", "hunter2-very-secret")
        get_settings(fresh=True)
        record_story()
        _subscribe_all()
        r = send_due()
        assert (r.sent, r.deferred) == (0, 3) and smtp.received == []
        assert r.errors and not any("hunter2" in e for e in r.errors)
        assert "hunter2" not in " ".join(x or "" for (x,) in store.rows("SELECT last_error FROM outbox"))
        assert "hunter2" not in repr(get_settings())
        monkeypatch.delenv("TRACKER_SMTP_USER")
        get_settings(fresh=True)
        assert send_due().sent == 3


CHILD = "from tracker.digest.outbox import send_due; r = send_due(); print('DONE', r.summary(), flush=True)"


def _child(env_extra: dict) -> subprocess.Popen:
    env = {**os.environ, **env_extra}
    env.pop("TRACKER_FAULT_POINT", None)
    env.update({k: v for k, v in env_extra.items() if v is not None})
    return subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True,
                            cwd=str(Path(__file__).resolve().parents[1]))


@pytest.mark.parametrize("fault", ["digest.after_outbox_write", "digest.after_smtp_accept", "digest.after_mark"])
def test_sigkill_at_each_step_loses_nothing(any_store, monkeypatch, fault):
    with SMTPServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        record_story()
        _subscribe_all()
        env = {k: v for k, v in os.environ.items() if k.startswith("TRACKER_")}
        sigkill_at_fault(_child({**env, "TRACKER_FAULT_POINT": fault}), fault)
        before = len(smtp.received)
        assert before == (0 if fault == "digest.after_outbox_write" else 1)
        done = _child(env)
        out, _ = done.communicate(timeout=120)
        assert "DONE" in out, out
        # Every recipient got its digest; every recipient's deliveries carry one Message-ID.
        per: dict[str, set[str]] = {}
        for x in smtp.received:
            per.setdefault(x.rcpt_tos[0], set()).add(x.msg["Message-ID"])
        assert sorted(per) == ADDRS and all(len(v) == 1 for v in per.values())
        # The only repeat allowed: killed after the server accepted and before the mark.
        expected = 4 if fault == "digest.after_smtp_accept" else 3
        assert len(smtp.received) == expected
        assert any_store.rows("SELECT DISTINCT status FROM outbox") == [("sent",)]
        assert any_store.scalar("SELECT count(*) FROM outbox") == 3
        top = any_store.scalar("SELECT max(id) FROM event")
        assert any_store.scalar(f"SELECT count(*) FROM subscription WHERE last_event_mailed = {top}") == 3
        # And a third run sends nothing more.
        again = _child(env)
        out, _ = again.communicate(timeout=120)
        assert "0 built" in out and "0 sent" in out
        assert len(smtp.received) == expected


def test_a_digest_that_cannot_be_composed_does_not_stop_the_others(store, monkeypatch):
    from tracker.digest import mail, outbox
    from tracker.digest.outbox import send_due
    real = mail.compose

    def flaky(digest, **kw):
        if digest.subscription["email"] == "b@example.org":
            raise mail.UnsafeMessage("unexpected header set: ['bcc']")
        return real(digest, **kw)

    with SMTPServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        record_story()
        _subscribe_all()
        monkeypatch.setattr(outbox, "compose", flaky)
        r = send_due()
        assert (r.sent, r.failed) == (2, 1) and "b@example.org: digest not built: UnsafeMessage" in r.errors[0]
        assert store.scalar("SELECT last_event_mailed FROM subscription WHERE email = 'b@example.org'") == 0
        monkeypatch.setattr(outbox, "compose", real)
        assert send_due().sent == 1
        assert sorted(x.rcpt_tos[0] for x in smtp.received) == ADDRS
