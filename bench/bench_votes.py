"""vote_ingest: parse + record a few hundred roll-call votes (Senate LIS and House Clerk XML).

- input: 300 generated vote files from a fixed seed, in the real formats and sizes (200 Senate
  votes of 100 senators, 100 House votes of 435 representatives; element names as published,
  ``July 1, 2025,  11:56 AM`` dates, Aye/No and Yea/Nay, empty ``<present/>`` counts).
- candidate: the production parsers (``scrapers.parsers.senate_vote`` / ``house_vote``, lxml) and
  the production store path of ``tracker ingest`` (the importer's records, ``db.store.record_many``
  in batches of ``scrapers.ingest.BATCH_DOCUMENTS`` documents, into a fresh SQLite).
- baseline: a BeautifulSoup (``"xml"`` builder) parser building the same :class:`VoteItem`, then the
  very same store path into another fresh SQLite.
- check: identical store counts and identical stored content (votes, positions, events, member links,
  search documents; compared outside the timing); identical items from both parsers on every file
  (in the untimed parse-only pass).
- extra: files/s of each side, and the parse-only ratio (the store is shared by both sides, so it
  bounds the end-to-end ratio; both numbers are printed).
"""

from __future__ import annotations

import hashlib
import random
import shutil
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.core import Benchmark

N_SENATE = 200
N_HOUSE = 100
_STATES = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
           "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
           "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"]
_LAST = ["Adams", "Baker", "Clark", "Davis", "Evans", "Flores", "Garcia", "Hill", "Irwin", "Jones", "King", "Lujan",
         "Moore", "Nunez", "Owens", "Perez", "Quinn", "Reed", "Smith", "Torres", "Upton", "Vance", "Wood", "Young"]
_FIRST = ["Ann", "Ben", "Cara", "Dan", "Eve", "Frank", "Gina", "Hal", "Ivy", "Jon", "Kim", "Lee", "Max", "Nia"]


def _senate(rng: random.Random, n: int) -> bytes:
    when = datetime(2025, 1, 3) + timedelta(days=n // 3, hours=rng.randint(9, 22), minutes=rng.randint(0, 59))
    stamp = when.strftime("%B ") + str(when.day) + when.strftime(", %Y,  %I:%M %p")
    members, tally = [], {"Yea": 0, "Nay": 0, "Not Voting": 0}
    for i in range(100):
        party = "R" if i < 53 else "D" if i < 98 else "I"
        cast = rng.choices(["Yea", "Nay", "Not Voting"], [6, 4, 0.3])[0]
        tally[cast] += 1
        last, first = _LAST[i % len(_LAST)] + ("" if i < len(_LAST) else str(i)), _FIRST[i % len(_FIRST)]
        st = _STATES[i // 2]
        members.append(f"""    <member>
      <member_full>{last} ({party}-{st})</member_full>
      <last_name>{last}</last_name>
      <first_name>{first}</first_name>
      <party>{party}</party>
      <state>{st}</state>
      <vote_cast>{cast}</vote_cast>
      <lis_member_id>S{100 + i}</lis_member_id>
    </member>""")
    bill = rng.randint(1, 3000)
    amend = n % 4 == 0
    doc = (f"<document_congress>119</document_congress><document_type>S.Amdt.</document_type><document_number/>"
           f"<document_name/>" if amend else
           f"<document_congress>119</document_congress><document_type>S.</document_type>"
           f"<document_number>{bill}</document_number><document_name>S. {bill}</document_name>")
    amd = (f"<amendment_number>S.Amdt. {n}</amendment_number><amendment_to_document_number>S. {bill}"
           f"</amendment_to_document_number>" if amend else "<amendment_number/><amendment_to_document_number/>")
    absent = f"<absent>{tally['Not Voting']}</absent>" if tally["Not Voting"] else "<absent/>"
    return f"""<?xml version="1.0" encoding="UTF-8"?><roll_call_vote>
  <congress>119</congress>
  <session>1</session>
  <congress_year>2025</congress_year>
  <vote_number>{n}</vote_number>
  <vote_date>{stamp}</vote_date>
  <modify_date>{stamp}</modify_date>
  <vote_question_text>On Passage of the Bill S. {bill}</vote_question_text>
  <vote_document_text>A bill.</vote_document_text>
  <vote_result_text>Bill Passed ({tally['Yea']}-{tally['Nay']})</vote_result_text>
  <question>{'On the Amendment' if amend else 'On Passage of the Bill'}</question>
  <vote_title>S. {bill}</vote_title>
  <majority_requirement>1/2</majority_requirement>
  <vote_result>{'Amendment Agreed to' if amend else 'Bill Passed'}</vote_result>
  <document>{doc}<document_title/><document_short_title/></document>
  <amendment>{amd}<amendment_purpose/></amendment>
  <count>
    <yeas>{tally['Yea']}</yeas>
    <nays>{tally['Nay']}</nays>
    <present/>
    {absent}
  </count>
  <tie_breaker>
    <by_whom/>
    <tie_breaker_vote/>
  </tie_breaker>
  <members>
{chr(10).join(members)}
  </members>
</roll_call_vote>
""".encode()


def _house(rng: random.Random, n: int) -> bytes:
    recorded = n % 2 == 0
    yes, no = ("Aye", "No") if recorded else ("Yea", "Nay")
    rows, tot = [], {yes: 0, no: 0, "Present": 0, "Not Voting": 0}
    for i in range(435):
        party = "R" if i < 220 else "D"
        v = rng.choices([yes, no, "Present", "Not Voting"], [6, 4, 0.05, 0.3])[0]
        tot[v] += 1
        name = _LAST[i % len(_LAST)] + (f" ({_STATES[i % 50]})" if i >= len(_LAST) else "")
        rows.append(f'<recorded-vote><legislator name-id="{chr(65 + i % 26)}{i:06d}" sort-field="{name}" '
                    f'unaccented-name="{name}" party="{party}" state="{_STATES[i % 50]}" role="legislator">{name}'
                    f'</legislator><vote>{v}</vote></recorded-vote>')
    when = datetime(2025, 1, 6) + timedelta(days=n // 3, hours=rng.randint(9, 22), minutes=rng.randint(0, 59))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rollcall-vote PUBLIC "-//US Congress//DTDs/vote v1.0 20031119 //EN" "../vote.dtd">
<?xml-stylesheet type="text/xsl" href="../vote.xsl"?>
<rollcall-vote>
<vote-metadata>
<majority>R</majority>
<congress>119</congress>
<session>1st</session>
<chamber>U.S. House of Representatives</chamber>
<rollcall-num>{n}</rollcall-num>
<legis-num>H R {rng.randint(1, 5000)}</legis-num>
<vote-question>On Passage</vote-question>
<vote-type>{'RECORDED VOTE' if recorded else 'YEA-AND-NAY'}</vote-type>
<vote-result>Passed</vote-result>
<action-date>{when.day}-{when.strftime('%b-%Y')}</action-date>
<action-time time-etz="{when.strftime('%H:%M')}">{when.strftime('%I:%M %p').lstrip('0')}</action-time>
<vote-desc>A bill</vote-desc>
<vote-totals>
<totals-by-vote>
<total-stub>Totals</total-stub>
<yea-total>{tot[yes]}</yea-total>
<nay-total>{tot[no]}</nay-total>
<present-total>{tot['Present']}</present-total>
<not-voting-total>{tot['Not Voting']}</not-voting-total>
</totals-by-vote>
</vote-totals>
</vote-metadata>
<vote-data>
{chr(10).join(rows)}
</vote-data>
</rollcall-vote>
""".encode()


def generate(seed: int = 2025) -> list[tuple[bytes, str]]:
    rng = random.Random(seed)
    files = [(_senate(rng, n), f"https://www.senate.gov/legislative/LIS/roll_call_votes/vote1191/vote_119_1_{n:05d}.xml")
             for n in range(1, N_SENATE + 1)]
    files += [(_house(rng, n), f"https://clerk.house.gov/evs/2025/roll{n:03d}.xml") for n in range(1, N_HOUSE + 1)]
    return files


# --- the BeautifulSoup baseline parser (same items, same helpers, other XML layer) ------------------

def bs4_parse(body: bytes, url: str):
    from bs4 import BeautifulSoup

    from scrapers.items.votes import VoteItem, VotePositionItem
    from scrapers.parsers.votes_common import (HOUSE_SEATS, SENATE_SEATS, bill_from_citation, int_or_none,
                                               normalize_position, parse_house_datetime, parse_senate_datetime,
                                               party_letter)
    from tracker import ids

    soup = BeautifulSoup(body, "xml")

    def t(el, name):
        node = el.find(name, recursive=False) if el is not None else None
        return " ".join(node.get_text().split()) if node is not None else ""

    if soup.find("roll_call_vote") is not None:
        root = soup.find("roll_call_vote")
        congress, session, number = int(t(root, "congress")), int(t(root, "session")), int(t(root, "vote_number"))
        occurred = parse_senate_datetime(t(root, "vote_date"))
        year = int(t(root, "congress_year") or occurred.year)
        modify = t(root, "modify_date")
        positions = []
        for m in root.find("members").find_all("member", recursive=False):
            lis, raw = t(m, "lis_member_id").upper(), t(m, "vote_cast")
            last, first = t(m, "last_name"), t(m, "first_name")
            positions.append(VotePositionItem(
                member_id=lis, lis_id=lis if ids.is_lis_id(lis) else None, name=t(m, "member_full"),
                first_name=first or None, last_name=last or None, party=party_letter(t(m, "party")),
                state=t(m, "state") or None, position=normalize_position(raw) or "other:" + raw.lower(),
                position_raw=raw))
        count = root.find("count", recursive=False)
        counts = {"yea": int_or_none(t(count, "yeas")), "nay": int_or_none(t(count, "nays")),
                  "present": int_or_none(t(count, "present")), "not_voting": int_or_none(t(count, "absent"))}
        tb = root.find("tie_breaker", recursive=False)
        tie = {"by_whom": t(tb, "by_whom"), "vote": t(tb, "tie_breaker_vote")} if tb is not None and (
            t(tb, "by_whom") or t(tb, "tie_breaker_vote")) else None
        doc, amd = root.find("document", recursive=False), root.find("amendment", recursive=False)
        dc = int(t(doc, "document_congress") or congress)
        dt_, dn, dname = t(doc, "document_type"), t(doc, "document_number"), t(doc, "document_name")
        bill = bill_from_citation(f"{dt_} {dn}", dc) if dn else None
        amendment = t(amd, "amendment_number") or None
        if bill is None and amendment:
            bill = bill_from_citation(t(amd, "amendment_to_document_number"), dc)
        published = sum(v for v in counts.values() if isinstance(v, int))
        return [VoteItem(
            vote_id=ids.vote_id("s", number, congress, year), chamber="s", congress=congress, session=session,
            number=number, year=year, occurred_at=occurred, modified_at=parse_senate_datetime(modify) if modify else None,
            question=t(root, "vote_question_text") or t(root, "question"), question_short=t(root, "question") or None,
            vote_type=t(root, "majority_requirement") or None, result=t(root, "vote_result") or t(root, "vote_result_text"),
            result_text=t(root, "vote_result_text") or None, title=t(root, "vote_title") or None,
            document=dname or (f"{dt_} {dn}".strip() if dn else None) or amendment, bill_id=bill, amendment=amendment,
            counts=counts, tie_breaker=tie,
            vacant_seats=SENATE_SEATS - len(positions) if published == len(positions) else None,
            positions=positions, source="lis", source_url=url)]
    root = soup.find("rollcall-vote")
    meta = root.find("vote-metadata")
    congress, number = int(t(meta, "congress")), int(t(meta, "rollcall-num"))
    session = int("".join(ch for ch in t(meta, "session") if ch.isdigit()))
    tel = meta.find("action-time")
    occurred = parse_house_datetime(t(meta, "action-date"), tel.get("time-etz") if tel is not None else None,
                                    t(meta, "action-time"))
    positions = []
    for rv in root.find("vote-data").find_all("recorded-vote"):
        leg = rv.find("legislator")
        raw, nid = t(rv, "vote"), (leg.get("name-id") or "").strip().upper()
        name = " ".join(leg.get_text().split())
        positions.append(VotePositionItem(
            member_id=nid[:16], bioguide_id=nid if ids.is_bioguide(nid) else None, name=name,
            last_name=leg.get("unaccented-name") or leg.get("sort-field") or name, party=party_letter(leg.get("party")),
            state=leg.get("state") or None, position=normalize_position(raw) or "other:" + raw.lower(), position_raw=raw))
    tv = meta.find("vote-totals").find("totals-by-vote")
    counts = {"yea": int_or_none(t(tv, "yea-total")), "nay": int_or_none(t(tv, "nay-total")),
              "present": int_or_none(t(tv, "present-total")), "not_voting": int_or_none(t(tv, "not-voting-total"))}
    bill = bill_from_citation(t(meta, "legis-num"), congress)
    published = sum(v for v in counts.values() if isinstance(v, int))
    question = t(meta, "vote-question")
    return [VoteItem(
        vote_id=ids.vote_id("h", number, congress, occurred.year), chamber="h", congress=congress, session=session,
        number=number, year=occurred.year, occurred_at=occurred, question=question, question_short=question or None,
        vote_type=t(meta, "vote-type") or None, result=t(meta, "vote-result"), title=t(meta, "vote-desc") or None,
        document=ids.parse_bill_id(bill).citation if bill else None, bill_id=bill, amendment=None, election=False,
        counts=counts, vacant_seats=HOUSE_SEATS - len(positions) if published == len(positions) else None,
        party_totals={}, positions=positions, source="clerk", source_url=url)]


# --- the two sides ------------------------------------------------------------------------------

class _Ctx:
    def __init__(self) -> None:
        self.files = generate()
        self.tmp = Path(tempfile.mkdtemp(prefix="tracker_bench_votes_"))
        self.engine = None
        self.n = 0

    def fresh(self) -> None:
        from db.engine import get_engine
        from db.migrate import upgrade
        self.n += 1
        self.url = f"sqlite:///{self.tmp / f'run{self.n}.db'}"
        upgrade(self.url)
        self.engine = get_engine(self.url)


def _run(ctx: _Ctx, parse) -> tuple[str, tuple[int, int]]:
    """Parse every file and record it the way ``tracker ingest`` does (``scrapers.ingest``: batches
    of ``BATCH_DOCUMENTS`` through ``db.store.record_many``). Returns the database written (compared
    by the check, outside the timing) and the store counts. Items are not kept: holding 60,000
    position models alive across the run would slow the garbage collector for both sides."""
    from db.store import DocumentIn, record_many
    from scrapers.importers import wrap
    from scrapers.ingest import BATCH_DOCUMENTS
    inserted = positions = 0
    for i in range(0, len(ctx.files), BATCH_DOCUMENTS):
        entries = []
        for body, url in ctx.files[i:i + BATCH_DOCUMENTS]:
            items = parse(body, url)
            positions += sum(len(it.positions) for it in items)
            entries.append((wrap(items), DocumentIn(body=body, url=url)))
        for c in record_many(entries, engine=ctx.engine):
            if isinstance(c, Exception):
                raise c
            inserted += c.inserted
    return ctx.url, (inserted, positions)


def _store_digest(url: str) -> str:
    """What a run stored (votes, positions, events, member links), without ids and clock times."""
    import sqlite3
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    h = hashlib.sha256()
    for sql in ("SELECT vote_id, chamber, congress, session, number, year, occurred_at, question, vote_type, result,"
                " bill_id, amendment, yea, nay, present, not_voting, tie_breaker, counts, data, source_url"
                " FROM vote ORDER BY vote_id",
                "SELECT vote_id, member_id, bioguide_id, lis_id, name, party, state, position, position_raw"
                " FROM vote_position ORDER BY vote_id, member_id",
                "SELECT kind, key, revision, occurred_at, bill_id, title, source_url, content_hash, data"
                " FROM event ORDER BY key, revision",
                "SELECT e.key, m.member_id FROM event_member m JOIN event e ON e.id = m.event_id ORDER BY 1, 2",
                "SELECT doc_type, ref, kind, bill_id, bills, title, body FROM search_doc ORDER BY doc_type, ref"):
        for row in con.execute(sql):
            h.update(repr(row).encode())
    con.close()
    return h.hexdigest()


def _same(a, b) -> bool:
    """Identical store counts and identical stored content."""
    return a[1] == b[1] and a[1][0] == N_SENATE + N_HOUSE and _store_digest(a[0]) == _store_digest(b[0])


def _candidate(ctx: _Ctx):
    from scrapers.parsers import house_vote, senate_vote

    def parse(body: bytes, url: str):
        return (senate_vote if b"<roll_call_vote" in body[:200] else house_vote).parse(body, url)
    return _run(ctx, parse)


def _baseline(ctx: _Ctx):
    return _run(ctx, bs4_parse)


def _reset(ctx: _Ctx, who: str) -> None:
    ctx.fresh()


def _extra(res) -> list[str]:
    n = N_SENATE + N_HOUSE
    notes = [f"{n / res.candidate_s:.0f} files/s vs {n / res.baseline_s:.0f} files/s"]
    # Parse-only ratio on the same files (the store is the same code on both sides).
    from scrapers.parsers import house_vote, senate_vote
    files = generate()
    t0 = time.perf_counter()
    for body, url in files:
        (senate_vote if b"<roll_call_vote" in body[:200] else house_vote).parse(body, url)
    lx = time.perf_counter() - t0
    t0 = time.perf_counter()
    for body, url in files:
        bs4_parse(body, url)
    bs = time.perf_counter() - t0
    notes.append(f"parse only: lxml {n / lx:.0f} files/s, bs4 {n / bs:.0f} files/s ({bs / lx:.1f}x)")
    # Identical items from both parsers (the timed runs compared what they stored).
    differ = [url for body, url in files if [i.model_dump_json() for i in (
        senate_vote if b"<roll_call_vote" in body[:200] else house_vote).parse(body, url)]
        != [i.model_dump_json() for i in bs4_parse(body, url)]]
    if differ:
        notes.append(f"FAIL: the parsers disagree on {len(differ)} files, e.g. {differ[0]}")
    ctx = res.context.get("input")
    if ctx is not None:
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    return notes


BENCHMARKS = [
    Benchmark(name="vote_ingest", setup=_Ctx, candidate=_candidate, baseline=_baseline, target=8.0, repeat=3,
              check=_same, extra=_extra, reset=_reset),
]
