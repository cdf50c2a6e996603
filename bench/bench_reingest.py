"""Re-ingesting unchanged input: the first ingest of N generated BILLSTATUS files into a fresh
SQLite store (baseline) vs re-ingesting the same files into the loaded store (candidate).
Target: re-ingest <= 10% of the first ingest, and it records zero events.

The baseline gets a fresh database before each call (``Benchmark.reset``); the candidate runs over
a store that already holds the files (loaded, untimed, when the previous call left it fresh).
Both answer the number of ``bill.action``/``text.published`` events in the store; the candidate
also reports how many it recorded itself (must be 0).
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from bench.core import Benchmark

N_FILES = 150

_TEXTS = [
    ("H30000", "House floor actions", "Considered under suspension of the rules. (consideration: CR H{p}-{q})"),
    ("H8D000", "House floor actions", "DEBATE - The House proceeded with forty minutes of debate on H.R. {n}."),
    ("H12200", "House floor actions", "Reported (Amended) by the Committee on Natural Resources. H. Rept. 119-{p}."),
    ("H12410", "House floor actions", "Placed on the Union Calendar, Calendar No. {p}."),
    (None, "House committee actions", "Subcommittee Hearings Held."),
    ("H38310", "House floor actions", "Motion to reconsider laid on the table Agreed to without objection."),
]


def _action(d: date, text: str, code: str | None, source: str, extra: str = "") -> str:
    code_xml = f"<actionCode>{code}</actionCode>" if code else ""
    return (f"<item><actionDate>{d.isoformat()}</actionDate><text>{escape(text)}</text><type>Floor</type>"
            f"{code_xml}<sourceSystem><name>{source}</name></sourceSystem>{extra}</item>")


def billstatus_xml(n: int, rnd: random.Random) -> bytes:
    """A realistic 3.0.0 BILLSTATUS file for H.R. n (119th): ~20-60 actions with LOC duplicates."""
    d0 = date(2025, 1, 3) + timedelta(days=rnd.randrange(0, 200))
    acts = [_action(d0, "Introduced in House", "Intro-H", "Library of Congress"),
            _action(d0, "Introduced in House", "1000", "Library of Congress"),
            _action(d0, "Referred to the House Committee on Natural Resources.", "H11100", "House floor actions")]
    d = d0
    for i in range(rnd.randrange(15, 50)):
        d += timedelta(days=rnd.randrange(0, 4))
        code, src, t = rnd.choice(_TEXTS)
        acts.append(_action(d, t.format(n=n, p=rnd.randrange(100, 9999), q=rnd.randrange(100, 9999)) + f" [{i}]", code, src))
    d += timedelta(days=1)
    roll = rnd.randrange(1, 700)
    vote = (f"<recordedVotes><recordedVote><rollNumber>{roll}</rollNumber><chamber>House</chamber><congress>119"
            f"</congress><date>{d.isoformat()}T18:00:00Z</date><sessionNumber>1</sessionNumber></recordedVote></recordedVotes>")
    passed = f"On passage Passed by the Yeas and Nays: 300 - 120 (Roll no. {roll})."
    acts.append(_action(d, passed, "H37100", "House floor actions", vote))
    acts.append(_action(d, "Passed/agreed to in House: " + passed, "8000", "Library of Congress", vote))
    acts.reverse()
    summary = ("<![CDATA[<p><b>Example Act of 2025</b></p><p>This bill " +
               " ".join(rnd.choice(["directs", "the", "Secretary", "to", "report", "on", "lighthouses", "and",
                                    "harbors", "within", "one", "year"]) for _ in range(120)) + ".</p>]]>")
    cos = "".join(f"<item><bioguideId>C{rnd.randrange(100000, 999999)}</bioguideId><fullName>Rep. X</fullName>"
                  f"<sponsorshipDate>{d0.isoformat()}</sponsorshipDate><isOriginalCosponsor>True</isOriginalCosponsor></item>"
                  for _ in range(rnd.randrange(0, 40)))
    versions = "".join(
        f"<item><type>{name}</type><date>{dd.isoformat()}T04:00:00Z</date><formats><item><url>https://www.govinfo.gov/"
        f"content/pkg/BILLS-119hr{n}{code}/xml/BILLS-119hr{n}{code}.xml</url></item></formats></item>"
        for name, code, dd in (("Introduced in House", "ih", d0), ("Engrossed in House", "eh", d)))
    xml = (f'<?xml version="1.0" encoding="utf-8"?><billStatus><version>3.0.0</version><bill><number>{n}</number>'
           f"<updateDate>2025-09-01T00:00:00Z</updateDate><originChamber>House</originChamber><type>HR</type>"
           f"<introducedDate>{d0.isoformat()}</introducedDate><congress>119</congress>"
           f"<actions>{''.join(acts)}</actions>"
           f"<sponsors><item><bioguideId>W{rnd.randrange(100000, 999999)}</bioguideId><fullName>Rep. Y</fullName></item></sponsors>"
           f"<cosponsors>{cos}</cosponsors>"
           f"<summaries><summary><versionCode>00</versionCode><actionDate>{d0.isoformat()}</actionDate><text>{summary}</text>"
           f"</summary></summaries><title>Example Act of 2025 (H.R. {n})</title>"
           f"<titles><item><titleType>Display Title</titleType><title>Example Act of 2025 (H.R. {n})</title></item></titles>"
           f"<textVersions>{versions}</textVersions>"
           f"<latestAction><actionDate>{d.isoformat()}</actionDate><text>{escape(passed)}</text></latestAction>"
           f"</bill></billStatus>")
    return xml.encode("utf-8")


class _Env:
    def __init__(self, n: int = N_FILES):
        from db.migrate import upgrade
        rnd = random.Random(11)
        self.files = [(f"https://www.govinfo.gov/bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr{i}.xml",
                       billstatus_xml(i, rnd)) for i in range(1, n + 1)]
        self.dir = Path(tempfile.mkdtemp(prefix="bench_reingest_"))
        self.template = self.dir / "template.db"
        upgrade(f"sqlite:///{self.template}")
        self.n = 0
        self.path: Path | None = None
        self.loaded = False

    def fresh(self) -> None:
        from db.engine import dispose_all
        dispose_all()
        self.n += 1
        self.path = self.dir / f"work{self.n}.db"
        shutil.copy(self.template, self.path)
        self.loaded = False

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def _ingest_all(env: _Env) -> int:
    from db.engine import get_engine
    from db.store import DocumentIn
    from scrapers.ingest import ingest_document
    eng = get_engine(env.url)
    recorded = 0
    now = datetime.now(timezone.utc)
    for url, body in env.files:
        c = ingest_document(DocumentIn(body=body, url=url, fetched_at=now), kind="billstatus", engine=eng)
        if c.quarantined:
            raise AssertionError(f"generated file quarantined: {c.errors}")
        recorded += c.inserted + c.updated
    env.loaded = True
    return recorded


def _events_in_store(env: _Env) -> int:
    from sqlalchemy import text
    from db.engine import get_engine
    with get_engine(env.url).connect() as conn:
        return conn.execute(text("select count(*) from event")).scalar()


def _setup() -> _Env:
    return _Env()


def _reset(env: _Env, who: str) -> None:
    if who == "baseline" or env.path is None:
        env.fresh()
    if who == "candidate" and not env.loaded:
        _ingest_all(env)  # untimed: the candidate re-ingests over a loaded store


def _first(env: _Env) -> dict:
    rec = _ingest_all(env)
    return {"events": _events_in_store(env), "recorded": rec}


def _again(env: _Env) -> dict:
    rec = _ingest_all(env)
    env.last_recorded = rec
    return {"events": _events_in_store(env), "recorded": rec}


def _check(cand: dict, base: dict) -> bool:
    return cand["events"] == base["events"] == base["recorded"] and cand["recorded"] == 0


def _extra(res) -> list[str]:
    env = res.context.get("input")
    notes = [f"{N_FILES} files"]
    if env is not None and getattr(env, "last_recorded", 0):
        notes.append(f"FAIL: re-ingest recorded {env.last_recorded} events")
    else:
        notes.append("re-ingest recorded 0 events")
    return notes


BENCHMARKS = [
    Benchmark(name="reingest_unchanged", setup=_setup, candidate=_again, baseline=_first, target=0.10,
              mode="at_most", repeat=3, check=_check, extra=_extra, reset=_reset),
]
