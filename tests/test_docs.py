"""The docs stay complete: every event kind and every table/column/view has an entry."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlmodel import SQLModel

import db.models  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
DESIGN_KINDS = {"bill.action", "text.published", "vote.recorded", "provision.removed", "provision.added",
                "provision.modified", "provision.moved", "letter.published", "statement.published",
                "news.published", "source.alarm"}


def _sections(path: Path) -> dict[str, str]:
    text = path.read_text()
    parts = re.split(r"^## ", text, flags=re.M)[1:]
    out = {}
    for p in parts:
        head, _, body = p.partition("\n")
        for name in re.split(r"\s*/\s*", head.strip()):
            out[name.strip("` ")] = body
    return out


def _kinds_in_code() -> set[str]:
    kinds: set[str] = set()
    for py in list((REPO / "scrapers").rglob("*.py")) + list((REPO / "tracker").rglob("*.py")) + \
            list((REPO / "schedules").rglob("*.py")):
        tree = ast.parse(py.read_text(), filename=str(py))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "EventRecord":
                for kw in node.keywords:
                    if kw.arg == "kind" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        kinds.add(kw.value.value)
    return kinds


def test_every_event_kind_documented():
    sections = _sections(REPO / "docs" / "event-kinds.md")
    text = (REPO / "docs" / "event-kinds.md").read_text()
    listed = set(re.search(r"<!-- KINDS: (.*?) -->", text).group(1).split())
    assert DESIGN_KINDS <= listed
    missing = (DESIGN_KINDS | listed | _kinds_in_code()) - set(sections)
    assert not missing, f"docs/event-kinds.md lacks sections for {sorted(missing)}"
    for kind in sections:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", kind), f"kind {kind!r} is not dotted lower-case"


def test_every_table_and_column_documented():
    sections = _sections(REPO / "docs" / "schema.md")
    for name, table in SQLModel.metadata.tables.items():
        assert name in sections, f"docs/schema.md has no '## {name}' section"
        body = sections[name]
        for col in table.columns:
            assert f"`{col.name}`" in body, f"docs/schema.md: {name}.{col.name} undocumented"
        assert "TODO" not in body, f"docs/schema.md: {name} has TODO entries"


def test_every_view_documented(store):
    """Views created by migrations (bill_timeline, ...) have a section too."""
    from sqlalchemy import inspect
    sections = _sections(REPO / "docs" / "schema.md")
    views = inspect(store.engine).get_view_names()
    for v in views:
        assert v in sections, f"docs/schema.md has no '## {v}' section for the view"
