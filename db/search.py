"""Ranked full-text search over event titles, letter text and provision text.

The index is the ``search_doc`` table (migration 0002). Letters and provisions are kept in sync by
triggers; events by :func:`index_events`, which ``db.store`` calls once per recorded document for
all its new event revisions (a set-based step: the per-row trigger it replaced, migration 0003, was
~40% of the cost of recording events). SQLite queries the FTS5 shadow ``search_fts`` (bm25, title
weighted 10x the body); PostgreSQL the generated ``tsv`` column (GIN index, ``ts_rank_cd``, title
weight A, body weight B).

User syntax is the same on both (web-search style, as Postgres' ``websearch_to_tsquery``):
``word word`` (all of them), ``"a phrase"``, ``word OR word``, ``-word`` / ``-"a phrase"`` (exclude).
It can never raise a syntax error: on SQLite the query is re-tokenised and every term is quoted
before it reaches FTS5 (FTS5's own syntax would reject ``AND``, ``(``, ``*`` or a stray quote);
on Postgres ``websearch_to_tsquery`` accepts any text. Every query is LIMITed (at most
:data:`MAX_LIMIT` rows, at most :data:`MAX_OFFSET` rows skipped): a common term over a large store
is costly to rank, so no search path returns unbounded results.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from db.engine import driver_execute

DEFAULT_LIMIT = 20
MAX_LIMIT = 200
MAX_OFFSET = 1000
MAX_QUERY_CHARS = 1000
MAX_TERMS = 32

_KIND_RE = re.compile(r"^[a-z_]+(\.[a-z_]+)*(\.\*?)?$")
_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_BILL_RE = re.compile(r"^(hr|s|hres|sres|hjres|sjres|hconres|sconres)[1-9][0-9]{0,5}-[1-9][0-9]{0,2}$")

RESULT_FIELDS = ("type", "ref", "event_id", "kind", "bill_id", "title", "snippet", "score", "occurred_at",
                 "source_url")


def clean_query(query: str | None) -> str:
    """Drop what no database accepts in a string (NUL, lone surrogates) and cap the length."""
    q = (query or "").replace("\x00", " ")
    q = q.encode("utf-8", "ignore").decode("utf-8")
    return q[:MAX_QUERY_CHARS]


def fts5_query(query: str | None) -> str | None:
    """Translate web-search syntax into a safe FTS5 expression, or None when nothing is searchable.

    Every term becomes a double-quoted FTS5 string made only of word characters, so no user input is
    ever read as FTS5 syntax. ``OR`` (any case, unquoted) separates alternatives and binds loosest, as
    in ``websearch_to_tsquery``: ``a b OR c`` is ``(a AND b) OR c``. ``-term`` excludes within its
    alternative; an alternative made only of exclusions is dropped (FTS5 has no unary NOT).
    """
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    terms = 0
    for m in _TOKEN_RE.finditer(clean_query(query)):
        neg, phrase, word = m.group(1), m.group(2), m.group(3)
        if word is not None:
            if word.upper() == "OR":
                if groups[-1][0] or groups[-1][1]:
                    groups.append(([], []))
                continue
            neg = "-" if word.startswith("-") and len(word) > 1 else ""
            phrase = word[1:] if neg else word
        words = _WORD_RE.findall(phrase or "")
        # "_" is a word character for Python but a separator for FTS5's unicode61: split on it too.
        words = [w for part in words for w in part.split("_") if w]
        if not words:
            continue
        terms += 1
        if terms > MAX_TERMS:
            break
        quoted = '"' + " ".join(words) + '"'
        (groups[-1][1] if neg else groups[-1][0]).append(quoted)
    alts = []
    for pos, negs in groups:
        if not pos:
            continue
        expr = " AND ".join(pos)
        if negs:
            expr = f"({expr}) NOT ({' OR '.join(negs)})"
        alts.append(f"({expr})")
    return " OR ".join(alts) if alts else None


def _clamp(value: Any, lo: int, hi: int, default: int) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        return default
    return max(lo, min(hi, v))


def _filters(kind: str | None, bill: str | None, params: dict[str, Any]) -> str:
    sql = ""
    if kind:
        if not _KIND_RE.match(kind):
            raise ValueError(f"not an event kind: {kind!r} (e.g. vote.recorded, provision.*, letter.published)")
        if kind.endswith(".*") or kind.endswith("."):
            params["kind_prefix"] = kind.rstrip("*").rstrip(".") + ".%"
            sql += " AND d.kind LIKE :kind_prefix"
        else:
            params["kind"] = kind
            sql += " AND d.kind = :kind"
    if bill:
        if not _BILL_RE.match(bill):  # same format as tracker.ids (db may not import tracker)
            raise ValueError(f"not a bill id: {bill!r} (e.g. hr1-119, s5-119, hjres12-119)")
        params["bill_pat"] = f"% {bill} %"
        sql += " AND d.bills LIKE :bill_pat"
    return sql


def search(conn: Connection, query: str | None, kind: str | None = None, bill: str | None = None,
           limit: int = DEFAULT_LIMIT, offset: int = 0) -> list[dict[str, Any]]:
    """Best matches first, as dicts with :data:`RESULT_FIELDS` (``score``: higher is better).

    ``type`` is ``event`` (an event's title and excerpt; ``event_id`` set), ``letter`` (a letter or
    statement body) or ``provision`` (a section of a stored text version; ``ref`` is
    ``version_id#seq``). ``kind`` filters exactly, or by prefix with ``provision.*``; letters have kind
    ``letter.published``/``statement.published``, provision texts ``provision.text``. ``bill`` keeps
    documents about that bill. ``limit`` is clamped to 1..MAX_LIMIT and ``offset`` to 0..MAX_OFFSET.
    Raises ValueError only for a malformed ``kind`` or ``bill``; never for the query text.
    """
    limit = _clamp(limit, 1, MAX_LIMIT, DEFAULT_LIMIT)
    offset = _clamp(offset, 0, MAX_OFFSET, 0)
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    where = _filters(kind, bill, params)
    if conn.dialect.name == "postgresql":
        q = clean_query(query)
        if not q.strip():
            return []
        params["q"] = q
        # Rank and limit first, then build headlines for the few rows kept (ts_headline is costly).
        sql = f"""
            WITH hits AS (
                SELECT d.id, ts_rank_cd(d.tsv, query) AS score
                FROM search_doc d, websearch_to_tsquery('english', :q) query
                WHERE d.tsv @@ query{where}
                ORDER BY score DESC, d.id DESC
                LIMIT :limit OFFSET :offset)
            SELECT d.doc_type AS type, d.ref, d.event_id, d.kind, d.bill_id, d.title,
                   ts_headline('english', d.title || ' … ' || left(d.body, 20000),
                               websearch_to_tsquery('english', :q),
                               'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=1') AS snippet,
                   h.score, d.occurred_at, d.source_url
            FROM hits h JOIN search_doc d ON d.id = h.id
            ORDER BY h.score DESC, d.id DESC
            LIMIT :limit"""
    else:
        match = fts5_query(query)
        if match is None:
            return []
        params["q"] = match
        join = " JOIN search_doc d ON d.id = search_fts.rowid" if where else ""
        # Rank first (rowid + bm25 only), then build snippets for the kept rows: SQLite computes every
        # result column before sorting, and snippet() over 100k matches of a common term costs ~2x.
        sql = f"""
            WITH hits AS MATERIALIZED (
                SELECT search_fts.rowid AS rid, bm25(search_fts, 10.0, 1.0) AS r
                FROM search_fts{join}
                WHERE search_fts MATCH :q{where}
                ORDER BY r, search_fts.rowid DESC
                LIMIT :limit OFFSET :offset)
            SELECT d.doc_type AS type, d.ref, d.event_id, d.kind, d.bill_id, d.title,
                   snippet(search_fts, -1, '[', ']', '…', 16) AS snippet,
                   -h.r AS score, d.occurred_at, d.source_url
            FROM search_fts JOIN hits h ON h.rid = search_fts.rowid JOIN search_doc d ON d.id = h.rid
            WHERE search_fts MATCH :q AND search_fts.rowid IN (SELECT rid FROM hits)
            ORDER BY h.r, h.rid DESC
            LIMIT :limit"""
    rows = conn.execute(text(sql), params).mappings().all()
    return [{k: (float(r[k]) if k == "score" and r[k] is not None else r[k]) for k in RESULT_FIELDS} for r in rows]


# One search document per event key: its newest revision's title, excerpt and bills (the same
# columns migration 0002 backfilled). ``bills`` is ' hr1-119 s5-119 ' (space padded: exact tokens).
_EVENT_DOC_COLS = "doc_type, ref, event_id, kind, bill_id, bills, title, body, occurred_at, source_url"
_EVENT_DOC_SQL = {
    "sqlite": ("INSERT INTO search_doc(" + _EVENT_DOC_COLS + ") SELECT 'event', e.key, e.id, e.kind, e.bill_id, "
               "' ' || COALESCE(e.bill_id || ' ', '') || COALESCE((SELECT group_concat(b.value, ' ') || ' ' "
               "FROM json_each(e.data, '$.bills') b WHERE b.type = 'text'), ''), e.title, "
               "COALESCE(json_extract(e.data, '$.excerpt'), ''), e.occurred_at, e.source_url "
               "FROM event e WHERE e.id IN ({ids}) ORDER BY e.id"),
    "postgresql": ("INSERT INTO search_doc(" + _EVENT_DOC_COLS + ") SELECT 'event', e.key, e.id, e.kind, e.bill_id, "
                   "' ' || COALESCE(e.bill_id || ' ', '') || COALESCE((SELECT string_agg(b #>> '{{}}', ' ') || ' ' "
                   "FROM jsonb_array_elements(CASE WHEN jsonb_typeof(e.data -> 'bills') = 'array' "
                   "THEN e.data -> 'bills' ELSE '[]'::jsonb END) b WHERE jsonb_typeof(b) = 'string'), ''), "
                   "e.title, COALESCE(e.data ->> 'excerpt', ''), e.occurred_at, e.source_url "
                   "FROM event e WHERE e.id IN ({ids}) ORDER BY e.id"),
}
_INDEX_CHUNK = 500


def index_events(conn: Connection, ids: list[int]) -> None:
    """(Re)index events by id: each one's search document replaces its key's previous one.

    Called by ``db.store`` inside the write transaction with the ids of the revisions it has just
    inserted (one per key), so search always shows a key's newest revision.
    """
    insert_sql = _EVENT_DOC_SQL["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    for i in range(0, len(ids), _INDEX_CHUNK):
        chunk = tuple(ids[i:i + _INDEX_CHUNK])
        marks = ", ".join("?" * len(chunk))
        # DELETE then INSERT (not REPLACE/upsert): SQLite's FTS5 sync trigger on search_doc fires on DELETE.
        driver_execute(conn, "DELETE FROM search_doc WHERE doc_type = 'event' AND ref IN "
                             f"(SELECT e.key FROM event e WHERE e.id IN ({marks}))", chunk)
        driver_execute(conn, insert_sql.format(ids=marks), chunk)


def like_baseline(conn: Connection, term: str, limit: int = MAX_LIMIT) -> list[int]:
    """What search replaces: ``title LIKE '%term%'`` over the event log (benchmark baseline; ids of the
    current revisions, newest first)."""
    pat = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = conn.execute(text(
        "SELECT e.id FROM event e WHERE e.title LIKE :pat ESCAPE '\\' "
        "AND e.revision = (SELECT max(e2.revision) FROM event e2 WHERE e2.key = e.key) "
        "ORDER BY e.id DESC LIMIT :limit"), {"pat": pat, "limit": limit}).scalars().all()
    return list(rows)

