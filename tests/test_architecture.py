"""Layering (docs/architecture.md) checked on the source: every .py is parsed with ast and each
import, including those inside functions, is checked against its layer's allowed targets.
Also proves the no-network guard of tests/conftest.py fails a test that reaches outside.
"""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import pytest

from conftest import REPO

pytest_plugins = ["pytester"]

PROJECT = ("db", "tracker", "scrapers", "schedules")
APP = ("tracker.commands", "tracker.cli", "tracker.api", "tracker.demo", "tracker.__main__")
# Third-party packages a pure parser must not touch: crawling, databases, network clients.
PARSER_FORBIDDEN_3P = ("scrapy", "twisted", "sqlalchemy", "sqlmodel", "psycopg", "psycopg2", "alembic",
                       "requests", "httpx", "urllib3", "aiohttp", "socket", "http.client", "urllib.request",
                       "smtplib", "ftplib", "subprocess")


def module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in the file (relative ones resolved)."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"), filename=str(path))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            # "from tracker import ids" imports tracker.ids: check the submodule too.
            out.extend((node.lineno, f"{mod}.{a.name}") for a in node.names if a.name != "*")
    return out


def _under(mod: str, *prefixes: str) -> bool:
    return any(mod == p or mod.startswith(p + ".") for p in prefixes)


def layer(mod: str) -> str:
    if _under(mod, *APP):
        return "app"
    if _under(mod, "scrapers.parsers"):
        return "parsers"
    if _under(mod, "scrapers.items"):
        return "items"
    for top in PROJECT:
        if _under(mod, top):
            return top
    return "other"


def is_project(mod: str) -> bool:
    return _under(mod, *PROJECT)


def violation(src: str, target: str) -> str | None:
    """Why ``src`` may not import ``target`` (None when allowed)."""
    lay = layer(src)
    if lay == "app":
        return None
    if _under(target, "schedules") and lay != "schedules":
        return "only the application layer (tracker/commands, tracker/cli) imports schedules"
    if lay == "parsers":
        if (is_project(target) and not _under(target, "tracker.ids", "tracker.xmlsafe", "scrapers.items",
                                              "scrapers.parsers") and target not in ("tracker", "scrapers")
                and not pure_domain(target)):
            return "parsers import nothing of the project but tracker.ids, tracker.xmlsafe and scrapers.items"
        if _under(target, *PARSER_FORBIDDEN_3P):
            return "parsers are pure: no Scrapy, database or network code"
        return None
    if lay == "items":
        if is_project(target) and not _under(target, "scrapers.items", "tracker.ids") and target not in ("tracker", "scrapers"):
            return "items are pure pydantic models (they may use tracker.ids only)"
        if _under(target, *PARSER_FORBIDDEN_3P):
            return "items are pure: no Scrapy, database or network code"
        return None
    if not is_project(target):
        return None
    if _under(target, *APP):
        return "only the application layer imports tracker.commands / tracker.cli / tracker.api / tracker.demo"
    if lay == "db" and not _under(target, "db"):
        return "db imports nothing else of the project"
    if lay == "tracker" and _under(target, "scrapers"):
        return "the tracker domain may import db, not scrapers"
    return None


_GRAPH: dict[str, set[str]] | None = None


def import_graph() -> dict[str, set[str]]:
    """module -> every module name it imports (project and third-party)."""
    global _GRAPH
    if _GRAPH is None:
        _GRAPH = {module_name(p): {m for _, m in imports_of(p)} for p in project_files()}
    return _GRAPH


def _known(target: str) -> str | None:
    graph = import_graph()
    while target and target not in graph:
        target = target.rpartition(".")[0]
    return target or None


def pure_domain(target: str, _seen: frozenset = frozenset()) -> bool:
    """A tracker domain module that, transitively, reaches no database, Scrapy or network code
    and nothing of the project outside the tracker domain (e.g. tracker.diff's bill-text tree,
    which the bill_text parser reuses). Parsers may import those as they import tracker.ids."""
    mod = _known(target)
    if mod is None or layer(mod) != "tracker" or mod in _seen:
        return mod is not None and mod in _seen
    for t in import_graph()[mod]:
        if _under(t, *PARSER_FORBIDDEN_3P):
            return False
        if is_project(t) and not pure_domain(t, _seen | {mod}):
            return False
    return True


def project_files() -> list[Path]:
    files = []
    for top in PROJECT:
        for p in (REPO / top).rglob("*.py"):
            if "__pycache__" not in p.parts and "templates" not in p.relative_to(REPO).parts[:2]:
                files.append(p)
    return sorted(files)


def test_the_project_has_sources_to_check():
    names = {module_name(p) for p in project_files()}
    assert {"db.store", "scrapers.ingest", "tracker.ids"} <= names


def test_imports_point_one_way():
    problems = []
    for path in project_files():
        src = module_name(path)
        for line, target in imports_of(path):
            why = violation(src, target)
            if why:
                problems.append(f"{path.relative_to(REPO)}:{line} imports {target}: {why}")
    assert not problems, "layering violations (docs/architecture.md):\n" + "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("src,target,allowed", [
    ("scrapers.parsers.senate_vote", "tracker.xmlsafe", True),
    ("scrapers.parsers.senate_vote", "scrapers.items.votes", True),
    ("scrapers.parsers.senate_vote", "scrapy.http", False),
    ("scrapers.parsers.senate_vote", "db.store", False),
    ("scrapers.parsers.senate_vote", "sqlalchemy", False),
    ("scrapers.parsers.senate_vote", "requests", False),
    ("scrapers.parsers.senate_vote", "tracker.members", False),
    ("scrapers.parsers.senate_vote", "tracker.sqlro", False),
    ("scrapers.items.votes", "db.records", False),
    ("scrapers.spiders.votes", "scrapy", True),
    ("scrapers.pipelines", "db.store", True),
    ("db.store", "tracker.ids", False),
    ("tracker.digest.render", "db.queries", True),
    ("tracker.digest.render", "scrapers.ingest", False),
    ("tracker.members", "schedules.runner", False),
    ("scrapers.ingest", "tracker.cli", False),
    ("tracker.commands.schedule", "schedules.runner", True),
    ("schedules.runner", "scrapers.settings", True),
])
def test_the_rules_themselves(src, target, allowed):
    assert (violation(src, target) is None) is allowed


def test_pure_domain_is_transitive():
    assert pure_domain("tracker.ids") and pure_domain("tracker.xmlsafe")
    assert not pure_domain("tracker.sqlro")  # sqlalchemy + db
    assert not pure_domain("db.store") and not pure_domain("scrapers.ingest")


def test_relative_imports_are_resolved():
    src = "from . import _html\nfrom ..items import Item\nimport scrapy\n"
    got = {m for _, m in imports_of(REPO / "scrapers" / "parsers" / "probe.py", src)}
    assert {"scrapers.parsers._html", "scrapers.items", "scrapy"} <= got
    got = {m for _, m in imports_of(REPO / "scrapers" / "parsers" / "__init__.py", "from .vocab import x\n")}
    assert "scrapers.parsers.vocab" in got


# --- the no-network guard (tests/conftest.py) ----------------------------------------------------

def test_the_guard_refuses_an_outside_address():
    from conftest import NetworkBlocked
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("192.0.2.1", 80), timeout=0.2)  # TEST-NET-1, never routable
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkBlocked):
            s.connect(("203.0.113.7", 443))
        with pytest.raises(NetworkBlocked):
            s.connect_ex(("example.org", 443))
    finally:
        s.close()
    _clear_guard_log()


def test_the_guard_lets_local_traffic_through():
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class H(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{srv.server_address[1]}/", timeout=5) as r:
            assert r.status == 204
        with urllib.request.urlopen(f"http://localhost:{srv.server_address[1]}/", timeout=5) as r:
            assert r.status == 204
    finally:
        srv.shutdown()
        srv.server_close()


def _clear_guard_log():
    from conftest import _network_attempts
    _network_attempts.clear()


def test_a_test_that_reaches_outside_fails_even_if_it_swallows_the_error(pytester):
    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_sneaky="""
        import socket

        def test_quietly_phones_home():
            try:
                socket.create_connection(("198.51.100.9", 80), timeout=0.2)
            except OSError:
                pass  # code under test that swallows connection errors

        def test_stays_home():
            assert True
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors", 0) + outcomes.get("failed", 0) == 1, result.stdout.str()
    assert outcomes.get("passed") in (1, 2)
    result.stdout.fnmatch_lines(["*tried to reach 198.51.100.9*"])
