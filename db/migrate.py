"""Running migrations: ``tracker init`` calls :func:`upgrade`.

Developers changing db/models.py run ``python -m db.migrate revision "what changed"`` to
autogenerate a migration (against a scratch SQLite database at head), then review it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from db.engine import database_url, get_engine

HERE = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Bring the database at ``url`` (default TRACKER_DATABASE_URL) to ``revision``; returns the head."""
    cfg = alembic_config(url)
    eng = get_engine(url)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return current_revision(eng) or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def revision(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scratch.db"
        upgrade(url)
        cfg = alembic_config(url)
        eng = get_engine(url)
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True)


def regen_initial() -> Path:
    """Rewrite 0001 from the models. Only while no store in the field is at 0001 (before the first
    release); afterwards every change is a new revision."""
    versions = HERE / "migrations" / "versions"
    target = versions / "0001_initial_schema.py"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scratch.db"
        cfg = alembic_config(url)
        eng = get_engine(url)
        later = [p for p in versions.glob("*.py") if p.name != target.name]
        hidden = [p.rename(p.with_suffix(".hidden")) for p in later]
        try:
            with eng.begin() as conn:
                cfg.attributes["connection"] = conn
                command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
        finally:
            for p in hidden:
                p.rename(p.with_suffix(".py"))
    text = target.read_text()
    # SQLite must never reuse event ids (AUTOINCREMENT); autogenerate does not render it.
    text = text.replace("sa.UniqueConstraint('key', 'revision', name='uq_event_key_revision')\n    )",
                        "sa.UniqueConstraint('key', 'revision', name='uq_event_key_revision'),\n    sqlite_autoincrement=True\n    )")
    target.write_text(text)
    return target


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "revision":
        revision(" ".join(sys.argv[2:]))
    elif len(sys.argv) == 2 and sys.argv[1] == "regen-initial":
        print(regen_initial())
    else:
        print(__doc__)
