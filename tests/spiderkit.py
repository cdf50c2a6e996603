"""pytest helpers for spider tests (``tests/test_spider_<name>.py``, made by ``tracker new-spider``).

- ``assert_golden(name)``: the parser's output on every fixture in tests/fixtures/<name>/ equals
  its golden JSON file; fails with the unified diff (rewrite on purpose: ``tracker check-spider NAME --update``).
- ``fixture_documents(name)`` / ``parse_fixture(name, file)``: the recorded documents and parsed items.
- ``required_fields_missing(name, items)``: required-field problems (the parser's ``REQUIRED_FIELDS``).
- ``assert_detects(name)``: the parser's ``detect()`` claims each recorded page (with its URL).
- ``run_spider_callback(name)``: the spider's ``parse`` on the first recorded response, offline.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from scrapers import devkit
from scrapers.replay import Recorded, recorded


def fixture_documents(name: str, expect_items: bool = False, folder: Path | None = None) -> list[Recorded]:
    """Recorded documents of a source; ``expect_items`` drops those whose golden file says the
    parser must refuse them (``{"error": ...}``)."""
    docs = recorded(folder or devkit.fixture_dir(name))
    if expect_items:
        docs = [d for d in docs if not _golden_is_error(d)]
    return docs


def _golden_is_error(doc: Recorded) -> bool:
    try:
        return "error" in json.loads(doc.golden_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def parse_fixture(name: str, filename: str, folder: Path | None = None) -> list:
    for doc in fixture_documents(name, folder=folder):
        if doc.name == filename:
            return list(devkit.load_parser(name).parse(doc.body, doc.url))
    pytest.fail(f"no fixture {filename!r} in {folder or devkit.fixture_dir(name)}")


def required_fields_missing(name: str, items: list) -> list[str]:
    return devkit.missing_fields(devkit.load_parser(name), items)


def assert_golden(name: str, folder: Path | None = None) -> None:
    outcomes = devkit.check(name, fixtures=folder)
    if not outcomes:
        pytest.fail(f"no fixtures in {folder or devkit.fixture_dir(name)}: record some with `tracker record URL --to ...`")
    bad = [o for o in outcomes if o.status != "same"]
    if bad:
        text = "\n".join(o.line + ("\n" + o.diff if o.diff else "") for o in bad)
        pytest.fail(f"parser output differs from the golden files of {name!r} "
                    f"(if the change is intended: tracker check-spider {name} --update)\n{text}", pytrace=False)


def assert_detects(name: str) -> None:
    module = devkit.load_parser(name)
    for doc in fixture_documents(name, expect_items=True):
        assert module.detect(doc.body, doc.url), (
            f"{name}.detect() does not claim {doc.name} ({doc.url}): `tracker ingest --source-url` would not use it")


def spider_class(name: str):
    module = importlib.import_module(f"scrapers.spiders.{name}")
    for obj in vars(module).values():
        if isinstance(obj, type) and getattr(obj, "name", None) == name and hasattr(obj, "parse"):
            return obj
    pytest.fail(f"scrapers/spiders/{name}.py has no spider with name = {name!r}")


def run_spider_callback(name: str, filename: str | None = None) -> list:
    """Call the spider's ``parse`` on a recorded response (the first fixture with a URL, or
    ``filename``); returns the RawDocuments it yields (requests it yields are ignored)."""
    from scrapy.http import Request
    from scrapy.http.response import Response
    from scrapy.responsetypes import responsetypes
    from scrapers.items import RawDocument

    docs = [d for d in fixture_documents(name) if d.url and (filename is None or d.name == filename)]
    if not docs:
        pytest.fail(f"no recorded fixture with a URL for {name!r} (record one with `tracker record`)")
    doc = docs[0]
    cls = responsetypes.from_args(headers=doc.headers, url=doc.url, body=doc.body)
    response: Response = cls(url=doc.url, body=doc.body, headers=doc.headers, status=doc.status,
                             request=Request(doc.url))
    spider = spider_class(name)()
    out = spider.parse(response) or []
    return [x for x in out if isinstance(x, RawDocument)]
