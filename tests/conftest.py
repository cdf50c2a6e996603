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


# --- no network in tests ---------------------------------------------------------------------------
# Every test runs with socket connects limited to loopback (127.0.0.0/8, ::1, "localhost") and unix
# sockets: Postgres on 127.0.0.1, local HTTP/SMTP servers and subprocesses keep working. Anything
# else raises NetworkBlocked, and the test fails at teardown even if the code under test swallowed
# the error (tests/test_architecture.py proves both).

import ipaddress as _ipaddress
import socket as _socket


class NetworkBlocked(OSError):
    """A test tried to connect outside 127.0.0.1."""


_network_attempts: list[str] = []
_real_connect = _socket.socket.connect
_real_connect_ex = _socket.socket.connect_ex
_real_create_connection = _socket.create_connection


def _is_local(address) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and other non-IP families
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host in ("localhost", "", "0.0.0.0", "::"):
        return True
    try:
        ip = _ipaddress.ip_address(host)
    except ValueError:
        return host.endswith(".localhost")
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _blocked(address):
    where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) and len(address) > 1 else str(address)
    _network_attempts.append(where)
    return NetworkBlocked(f"no network in tests: tried to reach {where} (only 127.0.0.1 is allowed)")


def _guarded_connect(self, address):
    if self.family in (_socket.AF_INET, _socket.AF_INET6) and not _is_local(address):
        raise _blocked(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (_socket.AF_INET, _socket.AF_INET6) and not _is_local(address):
        raise _blocked(address)
    return _real_connect_ex(self, address)


def _guarded_create_connection(address, *args, **kwargs):
    if not _is_local(address):
        raise _blocked(address)  # refused before any DNS lookup
    return _real_create_connection(address, *args, **kwargs)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(_socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(_socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setattr(_socket, "create_connection", _guarded_create_connection)
    _network_attempts.clear()
    yield
    if _network_attempts:
        tried = ", ".join(dict.fromkeys(_network_attempts))
        _network_attempts.clear()
        pytest.fail(f"test tried to reach {tried}: no network in tests (serve fixtures on 127.0.0.1)", pytrace=False)
