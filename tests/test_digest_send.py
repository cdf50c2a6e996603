"""Digests end to end: recorded events -> digest -> real SMTP server (aiosmtpd on 127.0.0.1) -> parsed.

Checks both parts, exactly the expected headers, links, no script, grouping by bill/member/topic,
the wording of each event kind, the computed subject, the high-water mark and never-empty rule.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import text

from test_digest_support import SMTPServer, alarm, record_story, smtp_env, ssa_letter, unrelated
from tracker.digest.mail import EXPECTED_HEADERS

EMAIL = "staff@example.org"


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))


def parts(msg):
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    return text_part.get_content().replace("\r\n", "\n"), html_part.get_content().replace("\r\n", "\n")


def assert_safe_html(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    assert "script" not in t.tags
    assert "style" not in t.tags, "CSS must be inlined"
    for tag, k, v in t.attrs:
        assert not k.lower().startswith("on"), (tag, k)
        if k in ("href", "src"):
            assert v.startswith(("https://", "http://")), (tag, k, v)
        assert "javascript:" not in v.lower().replace(" ", ""), (tag, k, v)
    return t


@pytest.fixture
def smtp(monkeypatch, store):
    with SMTPServer() as server:
        smtp_env(monkeypatch, server.port)
        yield server


def _subscribe(**kw):
    from tracker.digest.subscriptions import subscribe
    return subscribe(EMAIL, **({"name": "A. Staffer", "bills": ["hr1-119"], "members": ["M001153", "W000817"],
                                "keywords": ["artificial intelligence"]} | kw))


def test_digest_arrives_grouped_worded_and_safe(store, smtp):
    from tracker.digest.outbox import send_due
    from tracker.digest.tokens import verify_token
    record_story()
    _subscribe()
    report = send_due()
    assert (report.built, report.sent, report.failed, report.deferred) == (1, 1, 0, 0), report
    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert got.rcpt_tos == [EMAIL] and got.mail_from == "tracker@example.org"
    msg = got.msg
    assert {k.lower() for k in msg.keys()} == EXPECTED_HEADERS
    assert len(msg.keys()) == len(EXPECTED_HEADERS)
    assert msg["Subject"] == "H.R. 1: passed Senate 51-50 with VP tie-break; 12 provisions removed (+2 more updates)"
    assert msg["To"].addresses[0].addr_spec == EMAIL
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    lu = str(msg["List-Unsubscribe"])
    assert lu.startswith("<https://tracker.example.org/unsubscribe?token=") and ", <mailto:tracker@example.org?" in lu
    token = lu[len("<https://tracker.example.org/unsubscribe?token="):lu.index(">")]
    assert verify_token(token.replace("%3D", "=")) == EMAIL
    assert msg["Message-ID"] == store.scalar("SELECT message_id FROM outbox")
    assert msg["Message-ID"].endswith("@example.org>")
    body, html = parts(msg)
    # Grouping: bill, then member, then topic, then data gaps.
    order = [body.index(h) for h in ("H.R. 1 (119th Congress)", "Sen. Elizabeth Warren (D-MA)\n",
                                     "Topic: “artificial intelligence”", "Data gaps")]
    assert order == sorted(order)
    # Vote: tally with the tie-breaker and how the followed members voted (Tillis is not followed).
    assert ("Senate roll call 372 on H.R. 1 (On Passage of the Bill): Bill Passed, 51-50, "
            "with the Vice President breaking a 50-50 tie.") in body
    assert "Your members: Sen. Lisa Murkowski (R-AK) yea." in body and "Tillis" not in body
    # Text comparison: removed / added / changed with old -> new numbers.
    assert "H.R. 1: text compared (hr1-119:eh -> hr1-119:eas): 12 provisions removed, 1 added, 1 changed." in body
    assert "Removed: SEC. 43201. Artificial intelligence and information technology modernization initiative" in body
    assert "Changed: SEC. 72001. Modification of limitation on the public debt: $4,000,000,000,000 -> $5,000,000,000,000" in body
    assert "Added: SEC. 70999. Rural health transformation program" in body
    # Letter: signers, recipient, the ask.
    assert ("Sen. Elizabeth Warren (D-MA) and Bernie Sanders wrote to Frank Bisignano, Commissioner of Social "
            "Security (Social Security Administration)") in body
    assert "They ask: Provide a list of every field office closed since January 2025 (+1 more)." in body
    assert "Example News: States weigh Artificial Intelligence rules after Senate drops moratorium." in body
    assert "house_votes yielded nothing where it usually yields something: 0 items (usually 12)." in body
    assert "S. 5" not in body and "referred" not in body  # not followed
    # Every item links to its source; the HTML is safe and styled inline.
    for url in ("https://www.senate.gov/legislative/LIS/roll_call_votes/vote1191/vote_119_1_00372.xml",
                "https://www.govinfo.gov/content/pkg/BILLS-119hr1eas/xml/BILLS-119hr1eas.xml",
                "https://www.warren.senate.gov/newsroom/press-releases/ssa-letter",
                "https://news.example.com/ai-moratorium"):
        assert f"Source: {url}" in body
        assert f'href="{url}"' in html
    t = assert_safe_html(html)
    assert any(k == "style" for _tag, k, _v in t.attrs)
    assert "<b>field office</b>" in html  # nh3 keeps harmless markup of the excerpt
    assert "51-50, with the Vice President breaking a 50-50 tie" in html
    # The mark moved to the window's end, in the same transaction as the outbox mark.
    assert store.scalar("SELECT last_event_mailed FROM subscription") == store.scalar("SELECT max(id) FROM event")
    assert store.rows("SELECT status, attempts FROM outbox") == [("sent", 1)]
    assert store.rows("SELECT status, event_count FROM digest_run") == [("sent", 18)]
    # Nothing new: nothing sent. A new event: a digest with only that.
    assert send_due().sent == 0 and len(smtp.received) == 1
    from db.store import record
    record([ssa_letter(key="letter:feedfeedfeedfeed", title="Second letter on Social Security")])
    r = send_due()
    assert r.sent == 1 and len(smtp.received) == 2
    second = smtp.received[1].msg
    assert second["Subject"].startswith("Sen. Elizabeth Warren (D-MA): letter to Frank Bisignano")
    body2, _ = parts(second)
    assert "Second letter on Social Security" in body2 and "roll call" not in body2
    assert second["Message-ID"] != msg["Message-ID"]


def test_empty_digest_never_sent_and_alarms_alone_are_not_a_digest(store, smtp):
    from db.store import record
    from tracker.digest.outbox import send_due
    record([alarm(), unrelated()])
    _subscribe()
    r = send_due()
    assert (r.built, r.sent, r.empty) == (0, 0, 1)
    assert smtp.received == []
    assert store.scalar("SELECT count(*) FROM outbox") == 0
    # The empty window is skipped (nothing in it matched), so it is not scanned again.
    assert store.scalar("SELECT last_event_mailed FROM subscription") == store.scalar("SELECT max(id) FROM event")


def test_capped_backfill_by_age_and_count(store, smtp, monkeypatch):
    from db.store import record
    from tracker.digest import wording
    from tracker.digest.outbox import send_due
    record_story()
    # An old archival load: recorded ten days ago -> outside a first digest's 7-day window.
    record([ssa_letter(key="letter:00000000000000aa", title="An archived letter from 2019")])
    ago = "datetime('now', '-10 days')" if store.backend == "sqlite" else "now() - interval '10 days'"
    with store.engine.begin() as c:
        n = c.execute(text(f"UPDATE event SET recorded_at = {ago} WHERE key = 'letter:00000000000000aa'")).rowcount
    assert n == 1
    monkeypatch.setattr(wording, "MAX_ITEMS", 3)
    _subscribe()
    assert send_due().sent == 1
    body, html = parts(smtp.received[0].msg)
    assert "An archived letter" not in body
    assert "2 more matching updates not shown: this digest is capped." in body  # letter + news cut
    assert "2 more matching updates not shown" in html
    assert "Data gaps" in body


def test_old_event_recorded_today_is_news_today(store, smtp):
    """The window is by recorded_at: a 2019 vote first recorded now is in today's digest."""
    from datetime import datetime, timezone
    from db.store import record
    from test_digest_support import hr1_vote
    from tracker.digest.outbox import send_due
    recs = hr1_vote()
    recs[-1].occurred_at = datetime(2019, 1, 3, tzinfo=timezone.utc)
    record(recs)
    _subscribe()
    assert send_due().sent == 1
    assert "51-50" in smtp.received[0].msg["Subject"]


def test_keywords_match_case_insensitively_in_letter_and_provision_text(store, smtp):
    from db.store import record
    from tracker.digest.outbox import send_due
    from tracker.digest.subscriptions import subscribe
    record_story()
    record([ssa_letter(key="letter:1111111111111111", title="Letter on benefits", signers=("M001153",),
                       asks=("Explain the CAFÉ rules and ARTIFICIAL-free processing",))])
    subscribe("kw@example.org", keywords=["field OFFICE", "café"])
    subscribe("prov@example.org", keywords=["10-YEAR BAR"])
    assert send_due().sent == 2
    by = {r.rcpt_tos[0]: r.msg for r in smtp.received}
    kw_body, _ = parts(by["kw@example.org"])
    assert "Letter to Commissioner Bisignano" in kw_body      # "field office" in the excerpt
    assert "Letter on benefits" in kw_body                    # non-ASCII keyword, matched in the asks
    assert "roll call" not in kw_body
    prov_body, _ = parts(by["prov@example.org"])               # the AI moratorium provision's excerpt
    assert "H.R. 1: text compared (hr1-119:eh -> hr1-119:eas): 1 provision removed." in prov_body
    assert "Removed: SEC. 43201." in prov_body and "SEC. 10001" not in prov_body
    assert by["prov@example.org"]["Subject"] == "H.R. 1: 1 provision removed"


def test_kinds_restrict_and_instant_is_votes_on_followed_bills(store, smtp):
    from tracker.digest.outbox import send_due
    from tracker.digest.subscriptions import subscribe
    record_story()
    subscribe("votes@example.org", bills=["hr1-119"], members=["W000817"], kinds=["vote.recorded"])
    subscribe("prov@example.org", kinds=["provision.*"])
    subscribe("instant@example.org", bills=["hr1-119"], keywords=["artificial intelligence"], frequency="instant")
    assert send_due("instant").sent == 1
    assert [r.rcpt_tos[0] for r in smtp.received] == ["instant@example.org"]
    inst, _ = parts(smtp.received[0].msg)
    assert "roll call 372" in inst and "provisions" not in inst and "Example News" not in inst
    assert send_due("daily").sent == 2
    by = {r.rcpt_tos[0]: parts(r.msg)[0] for r in smtp.received}
    assert "roll call 372" in by["votes@example.org"] and "wrote to" not in by["votes@example.org"]
    assert "12 provisions removed" in by["prov@example.org"] and "roll call" not in by["prov@example.org"]


def test_preview_writes_exactly_what_send_sends_and_keeps_the_mark(store, smtp, cli, tmp_path):
    record_story()
    assert cli("subscribe", EMAIL, "--name", "A. Staffer", "--bill", "hr1-119", "--member", "M001153").exit_code == 0
    out = tmp_path / "d.eml"
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()  # one fixed build time for both
    res = cli("digest", "preview", "--to", EMAIL, "--out", str(out), "--now", now)
    assert res.exit_code == 0, res.output
    assert store.scalar("SELECT last_event_mailed FROM subscription") == 0
    assert store.scalar("SELECT count(*) FROM outbox") == 0
    res = cli("digest", "send", "--now", now)
    assert res.exit_code == 0, res.output
    assert "1 built" in res.output and "1 sent" in res.output
    assert smtp.received[0].data == out.read_bytes()
    res = cli("digest", "preview", "--to", EMAIL, "--out", str(out))
    assert res.exit_code == 1 and "nothing new" in res.output


def test_preview_of_a_queued_message_is_the_stored_bytes(store, monkeypatch, tmp_path, cli):
    from test_digest_support import free_port
    from tracker.digest.outbox import send_due
    smtp_env(monkeypatch, free_port())  # nobody listens: the digest stays queued
    record_story()
    _subscribe()
    r = send_due()
    assert (r.built, r.sent, r.deferred) == (1, 0, 1)
    out = tmp_path / "q.eml"
    assert cli("digest", "preview", "--to", EMAIL, "--out", str(out)).exit_code == 0
    from sqlalchemy import select
    from sqlmodel import SQLModel
    ob = SQLModel.metadata.tables["outbox"]
    with store.engine.connect() as c:
        assert out.read_bytes() == c.execute(select(ob.c.message)).scalar()
