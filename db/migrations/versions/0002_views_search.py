"""analyst views and full-text search

Views with the same names and columns on SQLite and PostgreSQL (documented in docs/schema.md):
``bill_timeline``, ``member_votes``, ``provision_changes``, ``letters``.

Full-text search: a ``search_doc`` table (one row per searchable thing: the current revision of
every event's title + excerpt, every letter/statement body, every provision's text) kept in sync by
triggers on ``event``, ``letter`` and ``provision`` (so ``db.store`` needs no change), and
- SQLite: an external-content FTS5 table ``search_fts(title, body)`` kept in sync by triggers on
  ``search_doc`` (porter stemming, so "taxes" finds "tax" as Postgres' english config does);
- PostgreSQL: a generated ``tsv`` tsvector column on ``search_doc`` with a GIN index.

Hand-written (autogenerate cannot render views, triggers or FTS5). ``db.search`` queries these.

Revision ID: 0002
Revises: 0001
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Provision/letter bodies can be long; a tsvector is capped at 1 MB, so Postgres indexes the first
# 200k characters of a body (SQLite's FTS5 has no such cap and indexes all of it).
PG_BODY_CHARS = 200_000

# ---------------------------------------------------------------------------------------------
# Views. Only the JSON access differs between the dialects; names, columns and order are shared.
# ---------------------------------------------------------------------------------------------

LATEST = "e.revision = (SELECT max(e2.revision) FROM event e2 WHERE e2.key = e.key)"

BILL_TIMELINE = f"""
CREATE VIEW bill_timeline AS
SELECT e.bill_id AS bill_id, e.occurred_at AS occurred_at, e.occurred_utc AS occurred_utc,
       e.id AS event_id, e.kind AS kind, e.key AS key, e.revision AS revision, e.title AS title,
       e.source_url AS source_url, e.recorded_at AS recorded_at, e.data AS data
FROM event e
WHERE e.bill_id IS NOT NULL AND {LATEST}
"""

# Party majority: among the members of the same party in the same vote, the position (yea/nay) more
# of them took; a tie or a non yea/nay vote (present, not voting, a Speaker-election candidate) gives
# NULL, and so does against_party. The party is the one printed on the roll call (Senate rolls print
# it; independents are their own group), else the member's party from congress-legislators (House
# rolls from some sources carry no party).
_PARTY = "COALESCE({p}.party, {m}.party)"
MEMBER_VOTES = f"""
CREATE VIEW member_votes AS
SELECT x.*,
       CASE WHEN x.party_majority IS NULL OR x.position NOT IN ('yea', 'nay') THEN NULL
            WHEN x.position = x.party_majority THEN 0 ELSE 1 END AS against_party
FROM (
  SELECT vp.member_id AS member_id, vp.bioguide_id AS bioguide_id, vp.lis_id AS lis_id,
         COALESCE(m.official_full, vp.name) AS name, {_PARTY.format(p="vp", m="m")} AS party,
         COALESCE(vp.state, m.state) AS state,
         v.vote_id AS vote_id, v.chamber AS chamber, v.congress AS congress, v.session AS session,
         v.number AS number, v.occurred_at AS occurred_at, v.bill_id AS bill_id,
         v.question AS question, v.result AS result, vp.position AS position,
         vp.position_raw AS position_raw,
         (SELECT CASE WHEN sum(CASE WHEN p2.position = 'yea' THEN 1 ELSE 0 END)
                           > sum(CASE WHEN p2.position = 'nay' THEN 1 ELSE 0 END) THEN 'yea'
                      WHEN sum(CASE WHEN p2.position = 'nay' THEN 1 ELSE 0 END)
                           > sum(CASE WHEN p2.position = 'yea' THEN 1 ELSE 0 END) THEN 'nay'
                 END
          FROM vote_position p2
          LEFT JOIN member m2 ON m2.bioguide_id = COALESCE(p2.bioguide_id, p2.member_id)
          WHERE p2.vote_id = vp.vote_id
            AND {_PARTY.format(p="p2", m="m2")} = {_PARTY.format(p="vp", m="m")}) AS party_majority
  FROM vote_position vp
  JOIN vote v ON v.vote_id = vp.vote_id
  LEFT JOIN member m ON m.bioguide_id = COALESCE(vp.bioguide_id, vp.member_id)
) x
"""


def _provision_changes(j) -> str:
    return f"""
CREATE VIEW provision_changes AS
SELECT e.bill_id AS bill_id, {j.s('from_version')} AS from_version, {j.s('to_version')} AS to_version,
       COALESCE({j.s('change')}, substr(e.kind, 11)) AS change,
       COALESCE({j.s('new', 'path')}, {j.s('old', 'path')}) AS path,
       COALESCE({j.s('new', 'header')}, {j.s('old', 'header')}) AS header,
       {j.s('old', 'enum')} AS old_enum, {j.s('old', 'header')} AS old_header, {j.s('old', 'path')} AS old_path,
       {j.s('new', 'enum')} AS new_enum, {j.s('new', 'header')} AS new_header, {j.s('new', 'path')} AS new_path,
       {j.num('similarity')} AS similarity, {j.raw('numbers')} AS numbers,
       {j.length('numbers')} AS number_count, {j.s('excerpt')} AS excerpt,
       e.occurred_at AS occurred_at, e.id AS event_id, e.key AS key, e.title AS title, e.source_url AS source_url
FROM event e
WHERE e.kind LIKE 'provision.%' AND {LATEST}
"""


def _letters(j) -> str:
    return f"""
CREATE VIEW letters AS
SELECT e.key AS letter_key, e.id AS event_id, e.title AS title, {j.s('date')} AS date,
       e.occurred_at AS occurred_at, COALESCE({j.s('url')}, e.source_url) AS url,
       {j.s('recipient')} AS recipient, {j.s('agency')} AS agency,
       ({j.member_ids}) AS signer_ids, ({j.signer_names}) AS signers,
       (SELECT count(*) FROM event_member em WHERE em.event_id = e.id) AS signer_count,
       ({j.bills}) AS bills, {j.raw('asks')} AS asks, {j.raw('sources')} AS sources,
       {j.s('excerpt')} AS excerpt, l.body AS body
FROM event e
LEFT JOIN letter l ON l.letter_key = e.key
WHERE e.kind = 'letter.published' AND {LATEST}
"""


class _SQLiteJSON:
    @staticmethod
    def s(*path: str) -> str:  # a JSON value as text (objects/arrays come back as JSON text)
        return f"json_extract(e.data, '$.{'.'.join(path)}')"

    num = s

    @staticmethod
    def raw(key: str) -> str:
        return f"json_extract(e.data, '$.{key}')"

    @staticmethod
    def length(key: str) -> str:
        return f"CASE WHEN json_type(e.data, '$.{key}') = 'array' THEN json_array_length(e.data, '$.{key}') END"

    member_ids = ("SELECT group_concat(member_id, ',') FROM "
                  "(SELECT em.member_id AS member_id FROM event_member em WHERE em.event_id = e.id ORDER BY em.member_id)")
    # A signer is {"member_id", "name", "role"}; tolerate plain strings.
    signer_names = ("SELECT group_concat(CASE WHEN s.type = 'object' THEN json_extract(s.value, '$.name') "
                    "WHEN s.type = 'text' THEN s.value END, '; ') FROM json_each(e.data, '$.signers') s")
    bills = "SELECT group_concat(b.value, ',') FROM json_each(e.data, '$.bills') b WHERE b.type = 'text'"


class _PgJSON:
    @staticmethod
    def s(*path: str) -> str:
        if len(path) == 1:
            return f"(e.data ->> '{path[0]}')"
        return f"(e.data #>> '{{{','.join(path)}}}')"

    @staticmethod
    def num(key: str) -> str:
        return f"(CASE WHEN jsonb_typeof(e.data -> '{key}') = 'number' THEN (e.data ->> '{key}')::double precision END)"

    @staticmethod
    def raw(key: str) -> str:
        return f"(e.data -> '{key}')"

    @staticmethod
    def length(key: str) -> str:
        return f"(CASE WHEN jsonb_typeof(e.data -> '{key}') = 'array' THEN jsonb_array_length(e.data -> '{key}') END)"

    member_ids = "SELECT string_agg(em.member_id, ',' ORDER BY em.member_id) FROM event_member em WHERE em.event_id = e.id"
    signer_names = ("SELECT string_agg(CASE WHEN jsonb_typeof(s.v) = 'object' THEN s.v ->> 'name' "
                    "WHEN jsonb_typeof(s.v) = 'string' THEN s.v #>> '{}' END, '; ' ORDER BY s.o) "
                    "FROM jsonb_array_elements(CASE WHEN jsonb_typeof(e.data -> 'signers') = 'array' "
                    "THEN e.data -> 'signers' ELSE '[]'::jsonb END) WITH ORDINALITY AS s(v, o)")
    bills = ("SELECT string_agg(b.v #>> '{}', ',' ORDER BY b.o) FROM jsonb_array_elements("
             "CASE WHEN jsonb_typeof(e.data -> 'bills') = 'array' THEN e.data -> 'bills' ELSE '[]'::jsonb END) "
             "WITH ORDINALITY AS b(v, o) WHERE jsonb_typeof(b.v) = 'string'")


VIEWS = ("bill_timeline", "member_votes", "provision_changes", "letters")

# ---------------------------------------------------------------------------------------------
# Search documents. ``bills`` is ' hr1-119 s5-119 ' (space padded) so a bill filter is an exact
# token match (LIKE '% s1-119 %' must not match 'hjres1-119').
# ---------------------------------------------------------------------------------------------

SQLITE_SEARCH = [
    """CREATE TABLE search_doc (
        id INTEGER PRIMARY KEY,
        doc_type TEXT NOT NULL,
        ref TEXT NOT NULL,
        event_id INTEGER,
        kind TEXT,
        bill_id TEXT,
        bills TEXT NOT NULL DEFAULT ' ',
        title TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        occurred_at TEXT,
        source_url TEXT,
        CONSTRAINT uq_search_doc_ref UNIQUE (doc_type, ref))""",
    """CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_doc', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_doc_ai AFTER INSERT ON search_doc BEGIN
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER search_doc_ad AFTER DELETE ON search_doc BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER search_doc_au AFTER UPDATE ON search_doc BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]

_SQLITE_EVENT_BILLS = ("' ' || COALESCE({r}.bill_id || ' ', '') || COALESCE((SELECT group_concat(b.value, ' ') || ' ' "
                       "FROM json_each({r}.data, '$.bills') b WHERE b.type = 'text'), '')")
_SQLITE_EVENT_VALUES = ("'event', {r}.key, {r}.id, {r}.kind, {r}.bill_id, " + _SQLITE_EVENT_BILLS + ", {r}.title, "
                        "COALESCE(json_extract({r}.data, '$.excerpt'), ''), {r}.occurred_at, {r}.source_url")
_SQLITE_LETTER_VALUES = ("'letter', {r}.letter_key, NULL, "
                         "CASE WHEN {r}.kind = 'letter' THEN 'letter.published' ELSE 'statement.published' END, "
                         "(SELECT b.value FROM json_each({r}.bills) b WHERE b.type = 'text' LIMIT 1), "
                         "' ' || COALESCE((SELECT group_concat(b.value, ' ') || ' ' FROM json_each({r}.bills) b "
                         "WHERE b.type = 'text'), ''), {r}.title, COALESCE({r}.body, ''), {r}.published, {r}.url")
_SQLITE_PROVISION_VALUES = ("'provision', {r}.version_id || '#' || {r}.seq, NULL, 'provision.text', "
                            "substr({r}.version_id, 1, instr({r}.version_id, ':') - 1), "
                            "' ' || substr({r}.version_id, 1, instr({r}.version_id, ':') - 1) || ' ', "
                            "trim(COALESCE({r}.enum, '') || ' ' || COALESCE({r}.header, '')), COALESCE({r}.text, ''), "
                            "(SELECT tv.date FROM text_version tv WHERE tv.version_id = {r}.version_id), NULL")
_COLS = "doc_type, ref, event_id, kind, bill_id, bills, title, body, occurred_at, source_url"


def _sqlite_sync(table: str, name: str, ref: str, values: str) -> list[str]:
    v_new = values.format(r="new")
    out = [
        f"""CREATE TRIGGER {name}_search_ai AFTER INSERT ON {table} BEGIN
            DELETE FROM search_doc WHERE doc_type = '{name}' AND ref = {ref.format(r='new')};
            INSERT INTO search_doc({_COLS}) VALUES ({v_new});
        END""",
    ]
    if table != "event":  # events are append-only; entity rows are upserted and replaced
        out += [
            f"""CREATE TRIGGER {name}_search_au AFTER UPDATE ON {table} BEGIN
                DELETE FROM search_doc WHERE doc_type = '{name}' AND ref = {ref.format(r='old')};
                DELETE FROM search_doc WHERE doc_type = '{name}' AND ref = {ref.format(r='new')};
                INSERT INTO search_doc({_COLS}) VALUES ({v_new});
            END""",
            f"""CREATE TRIGGER {name}_search_ad AFTER DELETE ON {table} BEGIN
                DELETE FROM search_doc WHERE doc_type = '{name}' AND ref = {ref.format(r='old')};
            END""",
        ]
    return out


SQLITE_SYNC = (_sqlite_sync("event", "event", "{r}.key", _SQLITE_EVENT_VALUES)
               + _sqlite_sync("letter", "letter", "{r}.letter_key", _SQLITE_LETTER_VALUES)
               + _sqlite_sync("provision", "provision", "{r}.version_id || '#' || {r}.seq", _SQLITE_PROVISION_VALUES))

SQLITE_BACKFILL = [
    f"INSERT INTO search_doc({_COLS}) SELECT {_SQLITE_EVENT_VALUES.format(r='e')} FROM event e WHERE {LATEST}",
    f"INSERT INTO search_doc({_COLS}) SELECT {_SQLITE_LETTER_VALUES.format(r='l')} FROM letter l",
    f"INSERT INTO search_doc({_COLS}) SELECT {_SQLITE_PROVISION_VALUES.format(r='p')} FROM provision p",
]

PG_SEARCH = [
    f"""CREATE TABLE search_doc (
        id BIGSERIAL PRIMARY KEY,
        doc_type VARCHAR(12) NOT NULL,
        ref TEXT NOT NULL,
        event_id BIGINT,
        kind VARCHAR(40),
        bill_id VARCHAR(32),
        bills TEXT NOT NULL DEFAULT ' ',
        title TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        occurred_at VARCHAR(40),
        source_url TEXT,
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
            setweight(to_tsvector('english'::regconfig, left(coalesce(body, ''), {PG_BODY_CHARS})), 'B')) STORED,
        CONSTRAINT uq_search_doc_ref UNIQUE (doc_type, ref))""",
    "CREATE INDEX ix_search_doc_tsv ON search_doc USING GIN (tsv)",
]

_PG_ARR = "(CASE WHEN jsonb_typeof({x}) = 'array' THEN {x} ELSE '[]'::jsonb END)"
_PG_EVENT_VALUES = ("'event', {r}.key, {r}.id, {r}.kind, {r}.bill_id, "
                    "' ' || COALESCE({r}.bill_id || ' ', '') || COALESCE((SELECT string_agg(b #>> '{{}}', ' ') || ' ' "
                    "FROM jsonb_array_elements(" + _PG_ARR.format(x="{r}.data -> 'bills'") + ") b "
                    "WHERE jsonb_typeof(b) = 'string'), ''), {r}.title, COALESCE({r}.data ->> 'excerpt', ''), "
                    "{r}.occurred_at, {r}.source_url")
_PG_LETTER_VALUES = ("'letter', {r}.letter_key, NULL, "
                     "CASE WHEN {r}.kind = 'letter' THEN 'letter.published' ELSE 'statement.published' END, "
                     "(SELECT b #>> '{{}}' FROM jsonb_array_elements(" + _PG_ARR.format(x="{r}.bills::jsonb") + ") b "
                     "WHERE jsonb_typeof(b) = 'string' LIMIT 1), "
                     "' ' || COALESCE((SELECT string_agg(b #>> '{{}}', ' ') || ' ' FROM jsonb_array_elements("
                     + _PG_ARR.format(x="{r}.bills::jsonb") + ") b WHERE jsonb_typeof(b) = 'string'), ''), "
                     "{r}.title, COALESCE({r}.body, ''), {r}.published, {r}.url")
_PG_PROVISION_VALUES = ("'provision', {r}.version_id || '#' || {r}.seq, NULL, 'provision.text', "
                        "split_part({r}.version_id, ':', 1), ' ' || split_part({r}.version_id, ':', 1) || ' ', "
                        "trim(COALESCE({r}.enum, '') || ' ' || COALESCE({r}.header, '')), COALESCE({r}.text, ''), "
                        "(SELECT tv.date FROM text_version tv WHERE tv.version_id = {r}.version_id), NULL")
_PG_UPSERT = (" ON CONFLICT (doc_type, ref) DO UPDATE SET event_id = EXCLUDED.event_id, kind = EXCLUDED.kind, "
              "bill_id = EXCLUDED.bill_id, bills = EXCLUDED.bills, title = EXCLUDED.title, body = EXCLUDED.body, "
              "occurred_at = EXCLUDED.occurred_at, source_url = EXCLUDED.source_url")


def _pg_sync(table: str, name: str, ref: str, values: str) -> list[str]:
    # SET search_path FROM CURRENT: the function resolves search_doc in the schema it was created
    # in, whatever the writing session's search_path is.
    return [
        f"""CREATE FUNCTION {name}_search_sync() RETURNS trigger LANGUAGE plpgsql
            SET search_path FROM CURRENT AS $fn$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                DELETE FROM search_doc WHERE doc_type = '{name}' AND ref = {ref.format(r='OLD')};
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO search_doc({_COLS}) VALUES ({values.format(r='NEW')}){_PG_UPSERT};
            END IF;
            RETURN NULL;
        END $fn$""",
        f"""CREATE TRIGGER {name}_search_sync AFTER {'INSERT' if table == 'event' else 'INSERT OR UPDATE OR DELETE'}
            ON {table} FOR EACH ROW EXECUTE FUNCTION {name}_search_sync()""",
    ]


PG_SYNC = (_pg_sync("event", "event", "{r}.key", _PG_EVENT_VALUES)
           + _pg_sync("letter", "letter", "{r}.letter_key", _PG_LETTER_VALUES)
           + _pg_sync("provision", "provision", "{r}.version_id || '#' || {r}.seq", _PG_PROVISION_VALUES))

PG_BACKFILL = [
    f"INSERT INTO search_doc({_COLS}) SELECT {_PG_EVENT_VALUES.format(r='e')} FROM event e WHERE {LATEST}",
    f"INSERT INTO search_doc({_COLS}) SELECT {_PG_LETTER_VALUES.format(r='l')} FROM letter l",
    f"INSERT INTO search_doc({_COLS}) SELECT {_PG_PROVISION_VALUES.format(r='p')} FROM provision p",
]


def _run(statements: list[str]) -> None:
    for stmt in statements:
        op.execute(stmt)


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    j = _PgJSON if pg else _SQLiteJSON
    _run([BILL_TIMELINE, MEMBER_VOTES, _provision_changes(j), _letters(j)])
    if pg:
        _run(PG_SEARCH + PG_SYNC + PG_BACKFILL)
    else:
        _run(SQLITE_SEARCH + SQLITE_SYNC + SQLITE_BACKFILL)
    # Filters of the search and of member_votes' party-majority subquery.
    op.execute("CREATE INDEX ix_search_doc_event ON search_doc (event_id)")
    op.execute("CREATE INDEX ix_vote_position_vote_party ON vote_position (vote_id, party)")


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP INDEX IF EXISTS ix_vote_position_vote_party")
    for v in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {v}")
    if pg:
        for name, table in (("event", "event"), ("letter", "letter"), ("provision", "provision")):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_search_sync ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}_search_sync()")
        op.execute("DROP TABLE IF EXISTS search_doc")
    else:
        for name in ("event", "letter", "provision"):
            for suffix in ("ai", "au", "ad"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_search_{suffix}")
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute("DROP TABLE IF EXISTS search_doc")
