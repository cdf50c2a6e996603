"""Shared helpers for the digest tests (no tests here): an in-process SMTP server (aiosmtpd on
127.0.0.1) and the H.R. 1 story recorded through the real write path, ``db.store.record``,
following docs/event-kinds.md."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default

from db.records import EntityRecord, EventRecord

FOLLOWED_SENATORS = {"M001153": ("Lisa Murkowski", "R", "AK", "yea"), "T000476": ("Thom Tillis", "R", "NC", "nay")}
OTHER_SENATORS = {"C001035": ("Susan Collins", "R", "ME", "nay"), "P000603": ("Rand Paul", "R", "KY", "nay"),
                  "S001198": ("Dan Sullivan", "R", "AK", "yea")}
WARREN = "W000817"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def msg(self):
        return message_from_bytes(self.data, policy=default)


@dataclass
class Handler:
    """Records accepted messages. ``refuse_data`` answers DATA with that reply (e.g. a 4xx);
    ``reject_rcpt`` maps addresses to a RCPT reply (e.g. 550)."""

    received: list[Received] = field(default_factory=list)
    refuse_data: str | None = None
    reject_rcpt: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject_rcpt:
            return self.reject_rcpt[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.attempts += 1
            if self.refuse_data:
                return self.refuse_data
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        from aiosmtpd.controller import Controller
        self.port = free_port()
        self.handler = Handler()
        # data_size_limit off: 100 KB titles are capped by us, but a digest may be large.
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, data_size_limit=None)

    def __enter__(self) -> "SMTPServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def smtp_env(monkeypatch, port: int) -> None:
    from tracker.settings import get_settings
    monkeypatch.setenv("TRACKER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRACKER_SMTP_PORT", str(port))
    monkeypatch.setenv("TRACKER_SMTP_TIMEOUT", "10")
    monkeypatch.setenv("TRACKER_MAIL_FROM", "Legislative Tracker <tracker@example.org>")
    monkeypatch.setenv("TRACKER_PUBLIC_URL", "https://tracker.example.org")
    monkeypatch.setenv("TRACKER_UNSUBSCRIBE_SECRET", "test-secret-123")
    monkeypatch.delenv("TRACKER_FAULT_POINT", raising=False)
    get_settings(fresh=True)


def _members() -> EntityRecord:
    rows = []
    for bid, (name, party, state, _pos) in {**FOLLOWED_SENATORS, **OTHER_SENATORS}.items():
        first, last = name.split(" ", 1)
        rows.append(dict(bioguide_id=bid, first_name=first, last_name=last, official_full=name, party=party,
                         state=state, chamber="senate", current=True, data={}))
    rows.append(dict(bioguide_id=WARREN, first_name="Elizabeth", last_name="Warren", official_full="Elizabeth Warren",
                     party="D", state="MA", chamber="senate", current=True, data={}))
    return EntityRecord("member", rows, ("bioguide_id",))


def hr1_vote() -> list:
    """Senate roll call 372 (1 July 2025): 50-50, the Vice President breaking the tie."""
    senators = {**FOLLOWED_SENATORS, **OTHER_SENATORS}
    vote = dict(vote_id="s372-119.2025", chamber="s", congress=119, session=1, number=372, year=2025,
                occurred_at="2025-07-01T12:00:00-04:00", question="On Passage of the Bill", result="Bill Passed",
                bill_id="hr1-119", yea=50, nay=50, present=0, not_voting=0,
                tie_breaker={"by_whom": "Vice President", "vote": "Yea"},
                counts={"yea": 50, "nay": 50, "present": 0, "not_voting": 0},
                data={},
                source_url="https://www.senate.gov/legislative/LIS/roll_call_votes/vote1191/vote_119_1_00372.xml")
    positions = [dict(vote_id="s372-119.2025", member_id=bid, bioguide_id=bid, name=n.split()[-1], party=p, state=s,
                      position=pos) for bid, (n, p, s, pos) in senators.items()]
    ev = EventRecord(
        kind="vote.recorded", key="vote:s372-119.2025",
        title="Senate passed H.R. 1 51-50 with the Vice President breaking a 50-50 tie",
        occurred_at=datetime(2025, 7, 1, 16, 0, tzinfo=timezone.utc), bill_id="hr1-119",
        member_ids=sorted(senators), source_url=vote["source_url"],
        data=dict(vote_id="s372-119.2025", chamber="s", congress=119, session=1, number=372,
                  question="On Passage of the Bill", vote_type="1/2", result="Bill Passed", bill_id="hr1-119",
                  amendment=None, counts=vote["counts"], tie_breaker=vote["tie_breaker"],
                  party_breakdown={"R": {"yea": 50, "nay": 3}, "D": {"yea": 0, "nay": 47}},
                  against_party=["C001035", "P000603", "T000476"], unresolved=[]))
    return [_members(), EntityRecord("vote", [vote], ("vote_id",)),
            EntityRecord("vote_position", positions, ("vote_id", "member_id"), replace={"vote_id": "s372-119.2025"}), ev]


REMOVED = [("43201", "Artificial intelligence and information technology modernization initiative")] + \
          [(f"{10000 + i}", f"Removed provision number {i}") for i in range(1, 12)]


def hr1_provisions() -> list[EventRecord]:
    evs = []
    for enum, header in REMOVED:
        evs.append(EventRecord(
            kind="provision.removed", key=f"provision:hr1-119:eh-eas:removed:{enum}", bill_id="hr1-119",
            title=f"H.R. 1: Senate version removed sec. {enum} {header}",
            source_url="https://www.govinfo.gov/content/pkg/BILLS-119hr1eas/xml/BILLS-119hr1eas.xml",
            data=dict(bill_id="hr1-119", from_version="hr1-119:eh", to_version="hr1-119:eas", change="removed",
                      old={"enum": f"SEC. {enum}.", "header": header, "path": f"title IV/sec {enum}"}, new=None,
                      similarity=None, numbers=[], details=[],
                      excerpt="a 10-year bar on State laws regulating artificial intelligence models"
                      if enum == "43201" else "")))
    evs.append(EventRecord(
        kind="provision.modified", key="provision:hr1-119:eh-eas:modified:72001", bill_id="hr1-119",
        title="H.R. 1: debt limit changed",
        source_url="https://www.govinfo.gov/content/pkg/BILLS-119hr1eas/xml/BILLS-119hr1eas.xml",
        data=dict(bill_id="hr1-119", from_version="hr1-119:eh", to_version="hr1-119:eas", change="modified",
                  old={"enum": "SEC. 72001.", "header": "Modification of limitation on the public debt", "path": "x"},
                  new={"enum": "SEC. 72001.", "header": "Modification of limitation on the public debt", "path": "x"},
                  similarity=0.97, numbers=[{"old": "$4,000,000,000,000", "new": "$5,000,000,000,000"}],
                  details=[], excerpt="")))
    evs.append(EventRecord(
        kind="provision.added", key="provision:hr1-119:eh-eas:added:70999", bill_id="hr1-119",
        title="H.R. 1: Senate version added a section",
        data=dict(bill_id="hr1-119", from_version="hr1-119:eh", to_version="hr1-119:eas", change="added", old=None,
                  new={"enum": "SEC. 70999.", "header": "Rural health transformation program", "path": "y"},
                  similarity=None, numbers=[], details=[], excerpt="")))
    return evs


def ssa_letter(signers=(WARREN,), title="Letter to Commissioner Bisignano on Social Security field offices",
               excerpt="We write with concern about <b>field office</b> closures.",
               asks=("Provide a list of every field office closed since January 2025",
                     "Explain how the agency will serve rural beneficiaries"),
               key="letter:0123456789abcdef", url="https://www.warren.senate.gov/newsroom/press-releases/ssa-letter"):
    names = {WARREN: "Elizabeth Warren", "M001153": "Lisa Murkowski"}
    return EventRecord(
        kind="letter.published", key=key, title=title,
        occurred_at=datetime(2025, 7, 1, 18, 0, tzinfo=timezone.utc), member_ids=list(signers), source_url=url,
        data=dict(title=title, date="2025-07-01", url=url, sources=[url],
                  signers=[{"member_id": s, "name": names.get(s, s), "role": "signer"} for s in signers] +
                  [{"member_id": "name:Bernie Sanders", "name": "Bernie Sanders", "role": "signer"}],
                  recipient="Frank Bisignano, Commissioner of Social Security", agency="Social Security Administration",
                  bills=[], asks=list(asks), excerpt=excerpt))


def ai_news():
    return EventRecord(
        kind="news.published", key="news:https://news.example.com/ai-moratorium",
        title="States weigh Artificial Intelligence rules after Senate drops moratorium",
        occurred_at=datetime(2025, 7, 2, 9, 0, tzinfo=timezone.utc), source_url="https://news.example.com/ai-moratorium",
        data=dict(outlet="Example News", url="https://news.example.com/ai-moratorium", bills=[], members=[],
                  excerpt="Governors said ...", author="A. Reporter"))


def alarm():
    return EventRecord(
        kind="source.alarm", key="alarm:house_votes:empty_run:2025-07-02", title="house_votes yielded nothing",
        occurred_at=datetime(2025, 7, 2, 6, 0, tzinfo=timezone.utc),
        data=dict(job="house_votes", spider="house_votes", reason="empty_run", details="0 items (usually 12)",
                  run_id=7))


def unrelated():
    return EventRecord(
        kind="bill.action", key="action:s5-119:2025-07-01:aaaaaaaaaa", bill_id="s5-119",
        title="S. 5 referred", occurred_at=datetime(2025, 7, 1, tzinfo=timezone.utc),
        data=dict(bill_id="s5-119", date="2025-07-01", chamber="senate", text="Read twice and referred.",
                  codes=["10000"], classification="referred", vote_ids=[], sources=["billstatus"]))


def hr1_action():
    return EventRecord(
        kind="bill.action", key="action:hr1-119:2025-07-01:bbbbbbbbbb", bill_id="hr1-119",
        title="Passed Senate with an amendment by Yea-Nay Vote. 51 - 50. Record Vote Number: 372.",
        occurred_at=datetime(2025, 7, 1, tzinfo=timezone.utc),
        source_url="https://www.congress.gov/bill/119th-congress/house-bill/1/all-actions",
        data=dict(bill_id="hr1-119", date="2025-07-01", chamber="senate",
                  text="Passed Senate with an amendment by Yea-Nay Vote. 51 - 50. Record Vote Number: 372.",
                  codes=["17000"], classification="passed", vote_ids=["s372-119.2025"], sources=["billstatus"]))


def record_story() -> None:
    from db.store import record
    record(hr1_vote())
    record(hr1_provisions())
    record([hr1_action(), ssa_letter(), ai_news(), alarm(), unrelated()])


def wait_for(cond, timeout=10.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if cond():
            return True
        time.sleep(0.05)
    return False
