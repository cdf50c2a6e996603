"""event search indexed by the store, set-based; drop a redundant vote_position index

- The per-row trigger that copied every inserted event into ``search_doc`` (0002's
  ``event_search_ai`` on SQLite, ``event_search_sync`` on PostgreSQL) is dropped: ``db.store`` now
  indexes the revisions it inserted with one INSERT ... SELECT per document
  (``db.search.index_events``). Letter and provision triggers stay (those rows are upserted in
  place). Measured: the trigger was ~40% of the time of recording a batch of events.
- ``ix_vote_position_vote_party`` (vote_id, party) duplicated the primary key's (vote_id, member_id)
  prefix: a vote's positions are found through the key either way (member_votes' party filter is a
  COALESCE no index can serve), and each House roll call paid 435 extra index insertions.

Existing search documents are kept as they are (same content either way).

Revision ID: 0003
Revises: 0002
"""
from importlib import import_module
from typing import Sequence, Union

from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_search_sync ON event")
        op.execute("DROP FUNCTION IF EXISTS event_search_sync()")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_search_ai")
    op.execute("DROP INDEX IF EXISTS ix_vote_position_vote_party")


def downgrade() -> None:
    v2 = import_module("db.migrations.versions.0002_views_search")
    if op.get_bind().dialect.name == "postgresql":
        for stmt in v2._pg_sync("event", "event", "{r}.key", v2._PG_EVENT_VALUES):
            op.execute(stmt)
    else:
        for stmt in v2._sqlite_sync("event", "event", "{r}.key", v2._SQLITE_EVENT_VALUES):
            op.execute(stmt)
    op.execute("CREATE INDEX ix_vote_position_vote_party ON vote_position (vote_id, party)")
