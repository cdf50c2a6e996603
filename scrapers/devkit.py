"""The spider test kit: run a parser over recorded fixtures and compare with golden JSON files.

Used by ``tracker check-spider NAME [--update]`` and by ``tests/spiderkit.py`` (pytest). For every
document in ``tests/fixtures/<name>/`` (see :mod:`scrapers.replay` for the layout) the parser's
output is rendered as stable JSON and compared with ``<document>.golden.json``:

``{"fixture": "press.html", "url": "...", "items": [{"type": "PublishedEntry", ...}, ...]}``

or, for a fixture the parser must refuse (a broken page kept on purpose), ``{"error": "..."}``.
A golden file is only ever written on purpose (``--update``), so a parser change that alters
any field of any item shows up as a readable diff.
"""

from __future__ import annotations

import difflib
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from scrapers.replay import Recorded, recorded

DEFAULT_REQUIRED = ("title", "url")


def project_root() -> Path:
    """The checkout this code runs from (the folder holding ``scrapers/``)."""
    return Path(__file__).resolve().parents[1]


def fixture_dir(name: str, root: Path | None = None) -> Path:
    return (root or project_root()) / "tests" / "fixtures" / name


def load_parser(name: str) -> ModuleType:
    """The parser module of a source: ``scrapers/parsers/<name>.py`` (or the parser whose KIND is name)."""
    try:
        return importlib.import_module(f"scrapers.parsers.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"scrapers.parsers.{name}":
            raise
    from scrapers import parsers
    try:
        return parsers.get(name).module
    except KeyError:
        raise LookupError(f"no parser named {name!r}: expected scrapers/parsers/{name}.py "
                          f"(make one with: tracker new-spider {name} --kind html --url URL)") from None


def item_json(item: Any) -> Any:
    """An item as plain JSON (its type first), stable across runs."""
    if hasattr(item, "model_dump"):
        return {"type": type(item).__name__, **item.model_dump(mode="json")}
    if hasattr(item, "__dataclass_fields__"):
        from dataclasses import asdict
        return {"type": type(item).__name__, **json.loads(json.dumps(asdict(item), default=str))}
    return json.loads(json.dumps(item, default=str))


def run_parser(module: ModuleType, doc: Recorded) -> dict[str, Any]:
    """``{"items": [...]}`` or ``{"error": "<Type>: <one line>"}`` (what ingest would quarantine)."""
    try:
        items = list(module.parse(doc.body, doc.url))
    except Exception as exc:  # noqa: BLE001 - a refused fixture is a result too
        msg = " ".join(str(exc).split())[:300]
        return {"error": f"{type(exc).__name__}: {msg}"}
    return {"items": [item_json(i) for i in items]}


def render_golden(doc: Recorded, result: dict[str, Any]) -> str:
    return json.dumps({"fixture": doc.name, "url": doc.url, **result}, indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"


@dataclass
class Outcome:
    doc: Recorded
    status: str          # same | changed | missing | written
    diff: str = ""

    @property
    def line(self) -> str:
        g = self.doc.golden_path.name
        return {"same": f"ok       {self.doc.name}",
                "changed": f"CHANGED  {self.doc.name} (differs from {g})",
                "missing": f"MISSING  {g} (run with --update to create it)",
                "written": f"updated  {g}"}[self.status]


def check(name: str, fixtures: Path | None = None, update: bool = False) -> list[Outcome]:
    """Compare (or with ``update`` rewrite) every golden file of a source's fixtures."""
    module = load_parser(name)
    folder = fixtures or fixture_dir(name)
    out: list[Outcome] = []
    for doc in recorded(folder):
        actual = render_golden(doc, run_parser(module, doc))
        golden = doc.golden_path
        expected = golden.read_text(encoding="utf-8") if golden.is_file() else None
        if update:
            if expected != actual:
                golden.write_text(actual, encoding="utf-8")
                out.append(Outcome(doc, "written"))
            else:
                out.append(Outcome(doc, "same"))
        elif expected is None:
            out.append(Outcome(doc, "missing"))
        elif expected != actual:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                fromfile=f"{golden} (golden)", tofile="parser output"))
            out.append(Outcome(doc, "changed", diff))
        else:
            out.append(Outcome(doc, "same"))
    return out


def required_fields(module: ModuleType) -> tuple[str, ...]:
    return tuple(getattr(module, "REQUIRED_FIELDS", DEFAULT_REQUIRED))


def missing_fields(module: ModuleType, items: list[Any]) -> list[str]:
    """One line per required field some items lack (empty, None or absent)."""
    problems = []
    for f in required_fields(module):
        lacking = sum(1 for it in items if getattr(it, f, None) in (None, "", [], {}))
        if lacking:
            problems.append(f"{lacking} of {len(items)} items lack {f!r}")
    return problems


def smoke_problems(module: ModuleType, body: bytes, url: str) -> list[str]:
    """Why a live page no longer matches its parser: parse error, no items, missing required
    fields. Empty list = the page still matches."""
    try:
        items = list(module.parse(body, url))
    except Exception as exc:  # noqa: BLE001
        return [f"parser failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"]
    if not items:
        return ["no items found"]
    return missing_fields(module, items)
