"""500 hostile strings in titles and letter text: no extra header, no unescaped markup.

Strings come from a seeded generator mixing CRLF, RFC 2047 encoded words hiding newlines (the
CVE-2024-6923 shape, open on this machine's Python 3.11.7), <script>, javascript: links, control
and line-separator characters and 100 KB titles. Every digest is composed through the real path
(wording -> Jinja2 -> css-inline -> EmailMessage -> bytes) and re-parsed; a batch also goes through
the store and a real SMTP server.
"""

from __future__ import annotations

import base64
import random
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from test_digest_support import SMTPServer, smtp_env
from tracker.digest.mail import EXPECTED_HEADERS

B64_EVIL = base64.b64encode(b"x\r\nBcc: evil@x\r\n").decode()
FRAGMENTS = [
    "\r\n", "\n", "\r", "\r\nBcc: evil@x.example", "\nX-Injected: yes", "=?utf-8?q?x=0D=0ABcc:evil@x?=",
    f"=?utf-8?b?{B64_EVIL}?=", "=?iso-8859-1?q?=0A=0DTo:_evil@x?=", "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>', '<a href="JaVaScRiPt:alert(1)">x</a>', "&lt;script&gt;alert(1)&lt;/script&gt;",
    "</title><script>alert(1)</script>", "\x00", "\x1b[31m", "\u2028", "\u2029", "\u0085", "\u202e", "\ufeff",
    '"quoted" and \'single\'', "{{ 7*7 }}", "{% raw %}", "%0d%0aBcc:evil@x", "<style>body{display:none}</style>",
    "<iframe src=https://evil.example></iframe>", "H.R. 1", "ordinary words", "ünïcödé — “quotes”",
    "<b onclick=alert(1)>bold</b>", "data:text/html;base64,PHNjcmlwdD4=", "<svg/onload=alert(1)>",
]


def hostile_strings(n: int = 500, seed: int = 6923) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        s = "".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randint(1, 6)))
        if i % 50 == 0:
            s = s + "A" * 100_000 + rnd.choice(FRAGMENTS)  # 100 KB titles
        out.append(s)
    return out


class Audit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "style", "svg", "img", "object", "embed"):
            self.problems.append(f"tag {tag}")
        for k, v in attrs:
            if k.lower().startswith("on"):
                self.problems.append(f"attr {k}")
            if k in ("href", "src") and not (v or "").startswith(("https://", "http://")):
                self.problems.append(f"link {v!r}")
            if "javascript:" in (v or "").lower():
                self.problems.append(f"javascript in {k}")


def check_message(data: bytes) -> None:
    from email import message_from_bytes
    from email.policy import default
    msg = message_from_bytes(data, policy=default)
    names = [k.lower() for k in msg.keys()]
    assert set(names) == EXPECTED_HEADERS and len(names) == len(EXPECTED_HEADERS), names
    for k in ("Subject", "To", "From"):
        assert "\r" not in str(msg[k]) and "\n" not in str(msg[k])
    assert len(str(msg["Subject"])) <= 150
    assert msg.get_all("Bcc") is None and msg.get_all("X-Injected") is None
    # No header line of the raw bytes starts a smuggled header.
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert b"\r\nbcc:" not in head and b"\r\nx-injected:" not in head
    html = msg.get_body(("html",)).get_content()
    a = Audit()
    a.feed(html)
    assert not a.problems, a.problems[:5]
    assert "<script" not in html.lower()
    text = msg.get_body(("plain",)).get_content()
    assert "\x00" not in text and "\x1b" not in text


def _digest(s: str, i: int):
    from tracker.digest.build import Digest, EventRow
    now = datetime(2025, 7, 2, 12, tzinfo=timezone.utc)
    sub = {"id": i + 1, "email": f"s{i}@example.org", "name": s, "bills": ["hr1-119"], "members": ["W000817"],
           "keywords": ["x"], "kinds": [], "frequency": "daily", "last_event_mailed": 0}
    letter = EventRow(
        id=1, kind="letter.published", key=f"letter:{i}", revision=1, occurred_at=s, recorded_at=now, bill_id=None,
        title=s, source_url=s if i % 3 else "javascript:alert(1)",
        data={"title": s, "url": s, "recipient": s, "agency": s, "asks": [s, s], "excerpt": s,
              "signers": [{"member_id": "W000817", "name": s}, {"member_id": s, "name": s}]},
        member_ids=["W000817"], matched=["member:W000817"])
    vote = EventRow(
        id=2, kind="vote.recorded", key=f"vote:{i}", revision=2, occurred_at=None, recorded_at=now, bill_id="hr1-119",
        title=s, source_url="https://www.senate.gov/x.xml",
        data={"vote_id": s, "chamber": "s", "number": s, "question": s, "result": s,
              "counts": {"yea": s, "nay": 1, s: 3}, "tie_breaker": {"by_whom": s, "vote": s}},
        matched=["bill"])
    prov = EventRow(
        id=3, kind="provision.modified", key=f"provision:{i}", revision=1, occurred_at=None, recorded_at=now,
        bill_id="hr1-119", title=s, source_url=None,
        data={"bill_id": "hr1-119", "from_version": s, "to_version": s, "old": {"enum": s, "header": s},
              "new": {"enum": s, "header": s}, "numbers": [{"old": s, "new": s}], "excerpt": s}, matched=["bill"])
    news = EventRow(id=4, kind="news.published", key=f"news:{i}", revision=1, occurred_at=None, recorded_at=now,
                    bill_id=s[:30] if i % 2 else None, title=s, source_url=s,
                    data={"outlet": s, "excerpt": s}, matched=["keyword:x"])
    alarm = EventRow(id=5, kind="source.alarm", key=f"alarm:{i}", revision=1, occurred_at=None, recorded_at=now,
                     bill_id=None, title=s, source_url=None, data={"spider": s, "reason": s, "details": s})
    return Digest(subscription=sub, now=now, from_event=0, to_event=5, events=[letter, vote, prov, news],
                  alarms=[alarm], positions={s: [{"member_id": "W000817", "name": s, "position": s}]},
                  members={"W000817": {"official_full": s, "party": s, "state": s, "chamber": "senate"}})


def test_500_hostile_strings_compose_safe_messages(monkeypatch):
    from tracker.digest.mail import compose
    from tracker.settings import get_settings
    monkeypatch.setenv("TRACKER_MAIL_FROM", "Legislative Tracker <tracker@example.org>")
    monkeypatch.setenv("TRACKER_PUBLIC_URL", "https://tracker.example.org")
    st = get_settings(fresh=True)
    strings = hostile_strings()
    assert len(strings) == 500
    for i, s in enumerate(strings):
        _msg, data = compose(_digest(s, i), settings=st)
        check_message(data)


def test_hostile_events_through_store_and_smtp(store, monkeypatch):
    """The same strings recorded as real events, sent through SMTP, parsed as received."""
    from db.records import EventRecord
    from db.store import record
    from tracker.digest.outbox import send_due
    from tracker.digest.subscriptions import subscribe
    strings = hostile_strings(60, seed=2024)
    if store.backend == "postgres":  # PostgreSQL text cannot hold NUL; db.store does not strip it (noted)
        strings = [s.replace("\x00", "") for s in strings]
    evs = []
    for i, s in enumerate(strings):
        evs.append(EventRecord(kind="letter.published", key=f"letter:hostile{i}", title=s + " hostile",
                               member_ids=["W000817"], source_url="javascript:alert(1)" if i % 2 else s,
                               data={"title": s, "url": s, "recipient": s, "asks": [s], "excerpt": s,
                                     "signers": [{"member_id": "W000817", "name": s}]}))
        evs.append(EventRecord(kind="bill.action", key=f"action:hr1-119:2025-07-0{i % 9 + 1}:{i:010d}", bill_id="hr1-119",
                               title=s or "x", data={"bill_id": "hr1-119", "text": s, "date": s, "chamber": s}))
    record(evs)
    with SMTPServer() as smtp:
        smtp_env(monkeypatch, smtp.port)
        subscribe("h1@example.org", name="Evil\r\nBcc: evil@x", bills=["hr1-119"])
        subscribe("h2@example.org", members=["W000817"], keywords=["hostile"])
        r = send_due()
        assert r.sent == 2, r
        for got in smtp.received:
            check_message(got.data)


@pytest.mark.parametrize("name", ["x\r\nBcc: evil@x", "=?utf-8?q?x=0D=0ABcc:evil@x?=", "\u2028Bcc: e@x"])
def test_subscriber_names_cannot_inject_headers(store, name):
    from tracker.digest.subscriptions import subscribe
    sub = subscribe("n@example.org", name=name, bills=["hr1-119"])
    assert "\r" not in sub["name"] and "\n" not in sub["name"]
