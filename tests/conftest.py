"""Shared test fixtures.

- ``shared_fixture(relpath)``: a path under ../shared/fixtures (the real public data), skipping the
  test with a clear reason when that folder is absent.
- ``store``: a fresh, migrated event store, set as ``TRACKER_DATABASE_URL`` for the test. SQLite by
  default; ``TRACKER_TEST_BACKEND=postgres`` runs the same tests on PostgreSQL (127.0.0.1:5432,
  database ``test``), each test in its own schema. ``pg_store`` always uses Postgres (skips without it).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = Path(os.environ.get("TRACKER_SHARED_FIXTURES", REPO.parent / "shared" / "fixtures"))
OWN_FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_BASE_URL = os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def shared_fixture(relpath: str) -> Path:
    p = SHARED_FIXTURES / relpath
    if not p.exists():
        pytest.skip(f"real fixture {relpath} not found: ../shared/fixtures is absent (set TRACKER_SHARED_FIXTURES)")
    return p


_pg_ok: bool | None = None


def postgres_available() -> bool:
    global _pg_ok
    if _pg_ok is None:
        try:
            import psycopg
            with psycopg.connect(PG_BASE_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
                _pg_ok = True
        except Exception:  # noqa: BLE001
            _pg_ok = False
    return _pg_ok


class Store:
    """A migrated store for one test."""

    def __init__(self, url: str, backend: str, cleanup=None):
        self.url = url
        self.backend = backend
        self._cleanup = cleanup

    @property
    def engine(self):
        from db.engine import get_engine
        return get_engine(self.url)

    def scalar(self, sql: str, **params):
        from sqlalchemy import text
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params):
        from sqlalchemy import text
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]


def _make_pg_store(monkeypatch) -> Store:
    if not postgres_available():
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432 (database test, user postgres)")
    import psycopg
    schema = f"t_{uuid.uuid4().hex[:12]}"
    raw = PG_BASE_URL.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(raw, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{PG_BASE_URL}?options=-csearch_path%3D{schema}"

    def cleanup():
        with psycopg.connect(raw, autocommit=True) as c:
            c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    return Store(url, "postgres", cleanup)


def _open(monkeypatch, store: Store) -> Store:
    from db.engine import dispose_all
    from db.migrate import upgrade
    monkeypatch.setenv("TRACKER_DATABASE_URL", store.url)
    dispose_all()
    upgrade(store.url)
    return store


@pytest.fixture
def store(tmp_path, monkeypatch):
    backend = os.environ.get("TRACKER_TEST_BACKEND", "sqlite")
    if backend == "postgres":
        s = _make_pg_store(monkeypatch)
    else:
        s = Store(f"sqlite:///{tmp_path / 'tracker.db'}", "sqlite")
    yield _open(monkeypatch, s)
    from db.engine import dispose_all
    dispose_all()
    if s._cleanup:
        s._cleanup()


@pytest.fixture
def pg_store(monkeypatch):
    s = _make_pg_store(monkeypatch)
    yield _open(monkeypatch, s)
    from db.engine import dispose_all
    dispose_all()
    s._cleanup()


@pytest.fixture
def sqlite_store(tmp_path, monkeypatch):
    s = Store(f"sqlite:///{tmp_path / 'tracker.db'}", "sqlite")
    yield _open(monkeypatch, s)
    from db.engine import dispose_all
    dispose_all()


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request, tmp_path, monkeypatch):
    """Runs a test on both backends (the Postgres half skips when none answers)."""
    if request.param == "postgres":
        s = _make_pg_store(monkeypatch)
    else:
        s = Store(f"sqlite:///{tmp_path / 'tracker.db'}", "sqlite")
    yield _open(monkeypatch, s)
    from db.engine import dispose_all
    dispose_all()
    if s._cleanup:
        s._cleanup()


@pytest.fixture
def cli():
    """Invoke the tracker CLI in-process: ``cli("events", "--format", "json")`` -> Result."""
    from typer.testing import CliRunner
    from tracker.cli import app
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke
