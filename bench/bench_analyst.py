"""Analyst queries over a 1M-event SQLite store (generated once with executemany, cached in /tmp).

- ``analyst_bill_events``: the events of one bill (``db.queries.select_events(bill=...)``) through the
  ``ix_event_bill_occurred`` index vs the same query forced to scan (``NOT INDEXED``). The point is
  the absolute time ("a few ms", printed as a note; the plan is asserted), not the ratio.
- ``analyst_search``: ranked FTS5 search (``db.search.search``) vs ``title LIKE '%term%'`` over the event
  log; same matches (a term that occurs in 150 titles, all returned by both); target >= 20x. The extra
  check runs every search path (no filter, kind, kind prefix, bill, Postgres-style syntax) and fails
  if any statement it sends lacks a LIMIT.

Sizes: ``TRACKER_BENCH_ANALYST_EVENTS`` (default 1,000,000) and the cache folder
``TRACKER_BENCH_CACHE`` (default /tmp).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.core import Benchmark, Result

N_EVENTS = int(os.environ.get("TRACKER_BENCH_ANALYST_EVENTS", "1000000"))
CACHE = Path(os.environ.get("TRACKER_BENCH_CACHE", "/tmp"))
SEED = 20250701
RARE = "lithium"          # in exactly RARE_COUNT titles
RARE_COUNT = 150
N_BILLS = 5000
KINDS = ["bill.action"] * 6 + ["vote.recorded", "text.published", "statement.published", "letter.published",
                                "provision.modified", "provision.removed", "news.published"]
VERSION = f"v2-{N_EVENTS}-{SEED}"  # v2: search documents written by the set-based index step (migration 0003)
_WORDS = ("committee referred passed amended senate house vote motion cloture amendment appropriations "
          "defense health medicare medicaid energy tax credit tariff budget reconciliation veterans farm "
          "education housing border security water infrastructure broadband artificial intelligence rural "
          "climate insurance pension social security disability child care tribal wildlife transportation "
          "highway rail aviation maritime spectrum privacy banking crypto trade china ukraine israel nuclear "
          "postal census election judiciary immigration visa opioid fentanyl hospital nursing drug pricing").split()


def _db_path() -> Path:
    return CACHE / f"tracker_bench_analyst_{N_EVENTS}.db"


def _generate(path: Path) -> None:
    from db.engine import dispose_all
    from db.migrate import upgrade
    tmp = path.with_suffix(".tmp")
    for p in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
        p.unlink(missing_ok=True)
    upgrade(f"sqlite:///{tmp}")
    dispose_all()
    rng = random.Random(SEED)
    rare_at = set(rng.sample(range(N_EVENTS), RARE_COUNT))
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    t0 = time.time()
    batch: list[tuple[Any, ...]] = []
    base = 1_700_000_000
    for i in range(N_EVENTS):
        words = rng.choices(_WORDS, k=rng.randint(5, 10))
        if i in rare_at:
            words.insert(rng.randrange(len(words) + 1), RARE)
        bill = f"hr{rng.randint(1, N_BILLS)}-119"
        kind = rng.choice(KINDS)
        ts = base + i * 30
        occurred = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))
        utc = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(ts))
        title = f"{bill}: " + " ".join(words).capitalize()
        batch.append((kind, f"{kind}:{i}", 1, occurred, utc, utc, utc, bill, title, f"h{i}", "{}"))
        if len(batch) == 50_000:
            _flush(con, batch)
            batch = []
    _flush(con, batch)
    # The search index, as db.store builds it for the events it records (one set-based statement).
    from db.search import _EVENT_DOC_SQL
    con.execute(_EVENT_DOC_SQL["sqlite"].format(ids="SELECT id FROM event"))
    con.commit()
    con.execute("ANALYZE")
    con.execute("CREATE TABLE bench_meta (version TEXT)")
    con.execute("INSERT INTO bench_meta VALUES (?)", (VERSION,))
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    tmp.rename(path)
    print(f"# generated {N_EVENTS} events in {time.time() - t0:.0f}s -> {path}", flush=True)


def _flush(con: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> None:
    con.executemany("INSERT INTO event (kind, key, revision, occurred_at, occurred_utc, recorded_at, observed_at, "
                    "bill_id, title, content_hash, data) VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch)
    con.commit()


def _ready() -> Path:
    path = _db_path()
    if path.exists():
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            ok = con.execute("SELECT version FROM bench_meta").fetchone() == (VERSION,)
            con.close()
            if ok:
                return path
        except sqlite3.Error:
            pass
        path.unlink()
    CACHE.mkdir(parents=True, exist_ok=True)
    _generate(path)
    return path


def _setup() -> dict[str, Any]:
    from db.engine import get_engine
    path = _ready()
    eng = get_engine(f"sqlite:///{path}", readonly=True)
    conn = eng.connect()
    bill = "hr2500-119"
    return {"conn": conn, "raw": sqlite3.connect(f"file:{path}?mode=ro", uri=True), "bill": bill}


# --- events of one bill -------------------------------------------------------------------------

def _bill_candidate(inp: dict[str, Any]) -> list[int]:
    from db.queries import select_events
    return [e["id"] for e in select_events(inp["conn"], bill=inp["bill"], limit=1000)]


def _bill_baseline(inp: dict[str, Any]) -> list[int]:
    rows = inp["raw"].execute("SELECT id FROM event NOT INDEXED WHERE bill_id = ? ORDER BY occurred_utc, id LIMIT 1000",
                              (inp["bill"],)).fetchall()
    return [r[0] for r in rows]


def _bill_extra(res: Result) -> list[str]:
    inp = res.context["input"]
    plan = " ".join(str(r[-1]) for r in inp["raw"].execute(
        "EXPLAIN QUERY PLAN SELECT * FROM event WHERE bill_id = ? ORDER BY occurred_utc, id LIMIT 1000",
        (inp["bill"],)))
    notes = [f"{len(_bill_candidate(inp))} events of {inp['bill']} in {res.candidate_s * 1e3:.1f}ms over "
             f"{N_EVENTS} events"]
    if "ix_event_bill_occurred" not in plan:
        notes.append(f"FAIL: plan does not use ix_event_bill_occurred: {plan}")
    return notes


# --- search -------------------------------------------------------------------------------------

def _search_candidate(inp: dict[str, Any]) -> set[int]:
    from db.search import MAX_LIMIT, search
    return {h["event_id"] for h in search(inp["conn"], RARE, limit=MAX_LIMIT)}


def _search_baseline(inp: dict[str, Any]) -> set[int]:
    from db.search import MAX_LIMIT, like_baseline
    return set(like_baseline(inp["conn"], RARE, limit=MAX_LIMIT))


def _search_check(cand: set[int], base: set[int]) -> bool:
    return cand == base and len(cand) == RARE_COUNT


def _search_extra(res: Result) -> list[str]:
    from sqlalchemy import event
    from db.search import MAX_LIMIT, search
    inp = res.context["input"]
    conn = inp["conn"]
    seen: list[str] = []

    def spy(_conn, _cur, statement, *_a):
        seen.append(statement)

    event.listen(conn.engine, "before_cursor_execute", spy)
    try:
        t0 = time.perf_counter()
        common = search(conn, "committee", limit=20)
        t_common = time.perf_counter() - t0
        paths = [dict(), dict(kind="bill.action"), dict(kind="provision.*"), dict(bill=inp["bill"]),
                 dict(kind="vote.recorded", bill=inp["bill"]), dict(limit=10_000), dict(limit=-5, offset=10**9)]
        for kw in paths:
            for q in (RARE, '"senate vote" OR lithium -tax', "committee"):
                rows = search(conn, q, **kw)
                assert len(rows) <= MAX_LIMIT
    finally:
        event.remove(conn.engine, "before_cursor_execute", spy)
    notes = [f"common term 'committee' top 20 in {t_common * 1e3:.0f}ms ({len(common)} rows)",
             f"{len(seen)} search statements all LIMITed"]
    missing = [s for s in seen if "LIMIT" not in s.upper()]
    if missing:
        notes.append(f"FAIL: a search statement without LIMIT: {missing[0][:120]}")
    return notes


BENCHMARKS = [
    Benchmark(name="analyst_bill_events", setup=_setup, candidate=_bill_candidate, baseline=_bill_baseline,
              target=1.0, repeat=5, check=lambda a, b: a == b, extra=_bill_extra),
    Benchmark(name="analyst_search", setup=_setup, candidate=_search_candidate, baseline=_search_baseline,
              target=20.0, repeat=5, check=_search_check, extra=_search_extra),
]

