"""Load a store from the real fixtures (../shared/fixtures) for the analyst tests.

Each document goes through ``scrapers.ingest.ingest_document`` (the road of ``tracker ingest``) when a
parser in scrapers/parsers recognises it and records events of the expected kind. Where no parser for
a kind exists yet (or it recorded nothing), the same real file is read here and recorded directly with
``db.store.record`` as EventRecords/EntityRecords following docs/event-kinds.md. ``load()`` returns
how each part was loaded (``parser:<kind>`` or ``direct``), so a test can say which road it checked.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import text

from db.records import EntityRecord, EventRecord
from db.store import DocumentIn, record
from tracker import ids

OWN = Path(__file__).resolve().parent / "fixtures" / "analyst"

POSITIONS = {"yea": "yea", "aye": "yea", "yes": "yea", "nay": "nay", "no": "nay", "present": "present",
             "not voting": "not_voting", "absent": "not_voting", "not_voting": "not_voting", "excused": "not_voting"}


def _count(engine: Any, sql: str, **params: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(text(sql), params).scalar() or 0)


def _via_parser(engine: Any, path: Path, want_sql: str, **params: Any) -> str | None:
    """Ingest with the real parser when one detects the file and it records what ``want_sql`` counts."""
    from scrapers import parsers
    from scrapers.ingest import ingest_document
    body = path.read_bytes()
    url = path.resolve().as_uri()
    p = parsers.detect(body, url)
    if p is None:
        return None
    before = _count(engine, want_sql, **params)
    counts = ingest_document(DocumentIn(body=body, url=url, fetched_at=datetime.now(timezone.utc)), engine=engine)
    if counts.quarantined or _count(engine, want_sql, **params) <= before:
        return None
    return f"parser:{p.kind}"


# --- members --------------------------------------------------------------------------------------

def _members_direct(engine: Any, path: Path) -> None:
    rows = []
    for m in json.loads(path.read_text()):
        t = m["terms"][-1]
        rows.append(dict(bioguide_id=m["id"]["bioguide"], lis_id=m["id"].get("lis"), first_name=m["name"].get("first"),
                         last_name=m["name"].get("last"), official_full=m["name"].get("official_full"),
                         party={"Democrat": "D", "Republican": "R", "Independent": "I"}.get(t.get("party"), t.get("party")),
                         state=t.get("state"), district=t.get("district"),
                         chamber="senate" if t["type"] == "sen" else "house", current=True, data={}))
    record([EntityRecord("member", rows, ("bioguide_id",))], engine=engine)


# --- votes ----------------------------------------------------------------------------------------

def _resolve(engine: Any) -> tuple[dict[str, str], dict[str, tuple[str | None, str | None]]]:
    with engine.connect() as c:
        rows = c.execute(text("SELECT bioguide_id, lis_id, party, state FROM member")).all()
    return ({r.lis_id: r.bioguide_id for r in rows if r.lis_id}, {r.bioguide_id: (r.party, r.state) for r in rows})


def _vote_records(*, chamber: str, number: int, congress: int, year: int, when: str, question: str, result: str,
                  bill_id: str | None, url: str, positions: list[dict[str, Any]]) -> list[Any]:
    vid = ids.vote_id(chamber, number, congress, year)
    tally: dict[str, int] = {}
    by_party: dict[str, dict[str, int]] = {}
    for p in positions:
        tally[p["position"]] = tally.get(p["position"], 0) + 1
        if p.get("party"):
            d = by_party.setdefault(p["party"], {})
            d[p["position"]] = d.get(p["position"], 0) + 1
    against = sorted(p["member_id"] for p in positions if p.get("party") and p["position"] in ("yea", "nay")
                     and (lambda d: (d.get("yea", 0) > d.get("nay", 0) and p["position"] == "nay")
                          or (d.get("nay", 0) > d.get("yea", 0) and p["position"] == "yea"))(by_party[p["party"]]))
    occurred = datetime.fromisoformat(when)
    data = {"vote_id": vid, "chamber": chamber, "congress": congress, "session": ids.session_for_year(year),
            "number": number, "question": question, "vote_type": None, "result": result, "bill_id": bill_id,
            "amendment": None, "counts": {k: tally.get(k, 0) for k in ("yea", "nay", "present", "not_voting")},
            "tie_breaker": None, "party_breakdown": by_party, "against_party": against,
            "unresolved": sorted(p["member_id"] for p in positions if ids.is_lis_id(p["member_id"]))}
    title = f"{'Senate' if chamber == 's' else 'House'} vote {number}: {question} ({result}, " \
            f"{tally.get('yea', 0)}-{tally.get('nay', 0)})"
    vote_row = dict(vote_id=vid, chamber=chamber, congress=congress, session=ids.session_for_year(year), number=number,
                    year=year, occurred_at=occurred.isoformat(), question=question, result=result, bill_id=bill_id,
                    yea=tally.get("yea", 0), nay=tally.get("nay", 0), present=tally.get("present", 0),
                    not_voting=tally.get("not_voting", 0), counts=data["counts"], data={}, source_url=url)
    pos_rows = [dict(vote_id=vid, member_id=p["member_id"], bioguide_id=p.get("bioguide"), lis_id=p.get("lis"),
                     name=p.get("name"), party=p.get("party"), state=p.get("state"), position=p["position"],
                     position_raw=p.get("raw")) for p in positions]
    return [EntityRecord("vote", [vote_row], ("vote_id",)),
            EntityRecord("vote_position", pos_rows, ("vote_id", "member_id"), replace={"vote_id": vid}),
            EventRecord(kind="vote.recorded", key=f"vote:{vid}", title=title, occurred_at=occurred, bill_id=bill_id,
                        member_ids=[p["member_id"] for p in positions], source_url=url, data=data)]


def _senate_xml_direct(engine: Any, path: Path) -> None:
    from tracker.xmlsafe import parse_xml, text_of
    root = parse_xml(path.read_bytes())
    lis, info = _resolve(engine)
    positions = []
    for m in root.iter("member"):
        lid = text_of(m.find("lis_member_id"))
        bio = lis.get(lid)
        raw = text_of(m.find("vote_cast"))
        positions.append(dict(member_id=bio or lid, bioguide=bio, lis=lid, name=text_of(m.find("member_full")),
                              party=text_of(m.find("party")) or None, state=text_of(m.find("state")) or None,
                              position=POSITIONS.get(raw.lower(), raw), raw=raw))
    doc = root.find("document")
    bill = None
    if doc is not None and text_of(doc.find("document_type")):
        try:
            bill = ids.bill_id(text_of(doc.find("document_type")), text_of(doc.find("document_number")),
                               text_of(doc.find("document_congress")))
        except ValueError:
            bill = None
    when = datetime.strptime(" ".join(text_of(root.find("vote_date")).split()), "%B %d, %Y, %I:%M %p")
    recs = _vote_records(chamber="s", number=int(text_of(root.find("vote_number"))), congress=int(text_of(root.find("congress"))),
                         year=int(text_of(root.find("congress_year"))), when=when.isoformat() + "-05:00",
                         question=text_of(root.find("vote_question_text")), result=text_of(root.find("vote_result")),
                         bill_id=bill, url=path.resolve().as_uri(), positions=positions)
    record(recs, engine=engine)


def _openstates_vote_direct(engine: Any, path: Path) -> str:
    """OpenStates vote_event JSON (derived from the Senate/House rolls): the member id is in ``note``
    (LIS for the Senate, bioguide for the House); Senate names carry "(D-MD)"."""
    d = json.loads(path.read_text())
    lis, info = _resolve(engine)
    chamber = "s" if "upper" in d["organization"] else "h"
    positions = []
    for v in d["votes"]:
        note = v.get("note") or ""
        bio = lis.get(note) if chamber == "s" else note
        m = re.search(r"\(([A-Z])-([A-Z]{2})\)", v["voter_name"])
        party, state = (m.group(1), m.group(2)) if m else info.get(bio, (None, None))
        positions.append(dict(member_id=bio or note, bioguide=bio, lis=note if chamber == "s" else None,
                              name=v["voter_name"], party=party, state=state,
                              position=POSITIONS.get(v["option"].lower(), v["option"]), raw=v["option"]))
    number = int(d["extras"].get("senate-rollcall-num") or d["extras"].get("house-rollcall-num"))
    recs = _vote_records(chamber=chamber, number=number, congress=119, year=int(d["start_date"][:4]),
                         when=d["start_date"], question=d["motion_text"], result=d["result"], bill_id="hr1-119",
                         url=d["sources"][0]["url"], positions=positions)
    record(recs, engine=engine)
    return ids.vote_id(chamber, number, 119, int(d["start_date"][:4]))


# --- bill actions ---------------------------------------------------------------------------------

def _actions_direct(engine: Any, path: Path) -> None:
    d = json.loads(path.read_text())
    recs: list[Any] = [EntityRecord("bill", [dict(bill_id="hr1-119", congress=119, bill_type="hr", number=1,
                                                  title=d["title"], data={})], ("bill_id",))]
    for a in d["actions"]:
        text_ = " ".join(a["description"].split())
        day = a["date"][:10]
        key = f"action:hr1-119:{day}:{hashlib.sha1(text_.lower().encode()).hexdigest()[:10]}"
        org = a.get("organization_id", "")
        chamber = "house" if "lower" in org else "senate" if "upper" in org else None
        recs.append(EventRecord(kind="bill.action", key=key, title=f"H.R. 1: {text_}",
                                occurred_at=datetime.fromisoformat(a["date"]), bill_id="hr1-119",
                                data={"bill_id": "hr1-119", "date": day, "chamber": chamber, "text": text_,
                                      "codes": [], "classification": (a.get("classification") or [None])[0],
                                      "vote_ids": [], "sources": ["openstates"]}))
    record(recs, engine=engine)


# --- bill text + diff -----------------------------------------------------------------------------

class _TextVersion:
    """Records one bill-text document: text_version (pointing at the stored document), its sections
    as provision rows, and a text.published event."""

    def __init__(self, bt: Any, url: str) -> None:
        self.bt, self.url = bt, url

    def to_records(self, ctx: Any) -> list[Any]:
        bt = self.bt
        vid = bt.version_id
        bill, code = vid.split(":")
        rows = [dict(version_id=vid, seq=i, kind=s.kind, enum=s.enum, header=s.header, path=s.path,
                     text=s.full_text()) for i, s in enumerate(bt.sections)]
        return [
            EntityRecord("text_version", [dict(version_id=vid, bill_id=bill, code=code,
                                               stage_rank=ids.stage_rank(code)[0], stage=bt.stage, date=bt.date,
                                               url=self.url, document_id=ctx.document_id, sections=len(rows))],
                         ("version_id",)),
            EntityRecord("provision", rows, ("version_id", "seq"), replace={"version_id": vid}),
            EventRecord(kind="text.published", key=f"text:{vid}", title=f"{bill} text published: {code}",
                        bill_id=bill, data={"version_id": vid, "bill_id": bill, "code": code, "stage": bt.stage,
                                            "date": bt.date, "url": self.url, "formats": ["xml"]}),
        ]


def _bill_text_direct(engine: Any, old_path: Path, new_path: Path) -> tuple[str, str]:
    from tracker.diff import diff_versions, parse_bill_text
    bts = []
    for p in (old_path, new_path):
        body = p.read_bytes()
        bt = parse_bill_text(body, p.resolve().as_uri())
        bts.append(bt)
        record([_TextVersion(bt, p.resolve().as_uri())], engine=engine,
               document=DocumentIn(body=body, url=p.resolve().as_uri(), kind="bill_text", parser="tests.analyst_load"))
    old, new = bts
    res = diff_versions(old, new).to_json()
    bill, fc, tc = old.version_id.split(":")[0], old.version_id.split(":")[1], new.version_id.split(":")[1]
    evs = []
    for ch in res["changes"]:
        side = ch.get("new") or ch.get("old") or {}
        ident = json.dumps([ch.get("old"), ch.get("new")], sort_keys=True)
        evs.append(EventRecord(
            kind=f"provision.{ch['change']}", bill_id=bill,
            key=f"provision:{bill}:{fc}-{tc}:{ch['change']}:{hashlib.sha1(ident.encode()).hexdigest()[:12]}",
            title=f"{ch['change'].capitalize()} between {fc} and {tc}: {side.get('enum', '')} {side.get('header', '')}".strip(),
            data={"bill_id": bill, "from_version": old.version_id, "to_version": new.version_id,
                  "change": ch["change"], "old": ch.get("old"), "new": ch.get("new"), "similarity": ch.get("similarity"),
                  "numbers": ch.get("numbers", []), "details": ch.get("details", [])[:20],
                  "excerpt": (ch.get("excerpt") or "")[:500]}))
    record(evs, engine=engine)
    return old.version_id, new.version_id


# --- letters and statements ------------------------------------------------------------------------

SSA_LETTER_KEY = "letter:" + hashlib.sha1(b"warren, sanders, wyden, gillibrand press social security "
                                          b"commissioner on field office cuts2025-07-01").hexdigest()[:16]


def _letter_direct(engine: Any, path: Path) -> None:
    """Our own newsroom page (tests/fixtures/analyst), recorded as the letter importer would."""
    from lxml import html as lh
    doc = lh.fromstring(path.read_bytes())
    title = " ".join(doc.findtext(".//h1").split())
    body = "\n\n".join(" ".join(p.text_content().split()) for p in doc.iter("p", "li"))
    signers = [("W000817", "Elizabeth Warren"), ("S000033", "Bernie Sanders"), ("W000779", "Ron Wyden"),
               ("G000555", "Kirsten Gillibrand")]
    url = "https://www.warren.senate.gov/newsroom/press-releases/ssa-field-office-cuts"
    data = {"title": title, "date": "2025-07-01", "url": url, "sources": [url],
            "signers": [{"member_id": m, "name": n, "role": "signer"} for m, n in signers],
            "recipient": "Social Security Administration Commissioner Frank Bisignano",
            "agency": "Social Security Administration", "bills": ["hr1-119"],
            "asks": ["How many field offices have reduced their hours since January 2025?",
                     "What is the average wait time on the national 800 number?"],
            "excerpt": body[:300]}
    record([
        EntityRecord("letter", [dict(letter_key=SSA_LETTER_KEY, kind="letter", title=title, published="2025-07-01",
                                     url=url, body=body, recipient=data["recipient"], agency=data["agency"],
                                     bills=["hr1-119"], asks=data["asks"], sources=[url])], ("letter_key",)),
        EntityRecord("letter_signer", [dict(letter_key=SSA_LETTER_KEY, member_id=m, name=n, role="signer")
                                       for m, n in signers], ("letter_key", "member_id"),
                     replace={"letter_key": SSA_LETTER_KEY}),
        EventRecord(kind="letter.published", key=SSA_LETTER_KEY, title=title, bill_id="hr1-119",
                    occurred_at=datetime.fromisoformat("2025-07-01T10:00:00-04:00"),
                    member_ids=[m for m, _ in signers], source_url=url, data=data),
    ], engine=engine)


def _feed_direct(engine: Any, path: Path) -> None:
    import feedparser
    feed = feedparser.parse(path.read_bytes())
    recs: list[Any] = []
    for e in feed.entries:
        title = " ".join(e.get("title", "").split())
        summary = " ".join(re.sub(r"<[^>]+>", " ", e.get("summary", "")).split())
        day = datetime(*e.published_parsed[:6], tzinfo=timezone.utc) if e.get("published_parsed") else None
        key = "statement:" + hashlib.sha1(f"{title.lower()}{day.date() if day else ''}".encode()).hexdigest()[:16]
        recs.append(EntityRecord("letter", [dict(letter_key=key, kind="statement", title=title,
                                                 published=day.date().isoformat() if day else None, url=e.get("link"),
                                                 body=summary, bills=[], asks=[], sources=[e.get("link")])],
                                 ("letter_key",)))
        recs.append(EventRecord(kind="statement.published", key=key, title=title, occurred_at=day,
                                member_ids=["B001135"], source_url=e.get("link"),
                                data={"title": title, "date": day.date().isoformat() if day else None,
                                      "url": e.get("link"), "sources": [e.get("link")],
                                      "signers": [{"member_id": "B001135", "name": "Richard Burr", "role": "site_owner"}],
                                      "bills": [], "excerpt": summary[:300]}))
    record(recs, engine=engine)


# --- all ------------------------------------------------------------------------------------------

def load(engine: Any, shared: Any) -> dict[str, str]:
    """Load everything; ``shared(relpath)`` is the conftest ``shared_fixture`` (skips when absent)."""
    how: dict[str, str] = {}
    members = shared("members/legislators-current.json")
    how["members"] = _via_parser(engine, members, "SELECT count(*) FROM member") or "direct"
    if how["members"] == "direct":
        _members_direct(engine, members)

    s7 = shared("senate_votes/detail_119_1_00007_bill.xml")
    how["senate_vote"] = _via_parser(engine, s7, "SELECT count(*) FROM vote_position") or "direct"
    if how["senate_vote"] == "direct":
        _senate_xml_direct(engine, s7)
    for rel in ("senate_votes/openstates_derived/20250701T155600Z.vote_event.pass.upper.json",
                "house_votes/openstates_derived/20250703T183100Z.vote_event.pass.lower.json"):
        p = shared(rel)
        key = "s372" if "upper" in rel else "h190"
        how[key] = _via_parser(engine, p, "SELECT count(*) FROM vote_position") or "direct"
        if how[key] == "direct":
            _openstates_vote_direct(engine, p)

    meta = shared("billstatus/openstates_derived/HR1_metadata.json")
    how["actions"] = _via_parser(engine, meta, "SELECT count(*) FROM event WHERE kind = 'bill.action'") or "direct"
    if how["actions"] == "direct":
        _actions_direct(engine, meta)

    eh, eas = shared("bill_text/BILLS-119hr1eh.xml"), shared("bill_text/BILLS-119hr1eas.xml")
    via = [_via_parser(engine, p, "SELECT count(*) FROM text_version WHERE document_id IS NOT NULL") for p in (eh, eas)]
    have_changes = _count(engine, "SELECT count(*) FROM event WHERE kind LIKE 'provision.%'")
    if all(via) and have_changes:
        how["bill_text"] = via[0] or "parser"
    else:
        how["bill_text"] = "direct"
        _bill_text_direct(engine, eh, eas)

    letter = OWN / "warren_ssa_letter.html"
    how["letter"] = _via_parser(engine, letter, "SELECT count(*) FROM event WHERE kind = 'letter.published'") or "direct"
    if how["letter"] == "direct":
        _letter_direct(engine, letter)
    feed = shared("press_releases/statement_gem_2013_2015/richard_burr.xml")
    how["statements"] = _via_parser(engine, feed, "SELECT count(*) FROM event WHERE kind = 'statement.published'") or "direct"
    if how["statements"] == "direct":
        _feed_direct(engine, feed)
    return how
