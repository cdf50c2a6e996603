"""The golden-file kit (`tracker check-spider`, tests/spiderkit.py) and the live smoke check."""

from __future__ import annotations

import json
import re
import sys
import types
from datetime import date

import pytest

from scrapers.items.generic import PublishedEntry
from scrapers.replay import ReplayServer

ROW = re.compile(rb'<li><time>(?P<day>[0-9-]*)</time><a href="(?P<href>[^"]+)">(?P<title>[^<]*)</a></li>')


def _parse(body: bytes, url: str | None) -> list[PublishedEntry]:
    if b"<ul" not in body:
        raise ValueError("no listing on the page")
    return [PublishedEntry(title=m["title"].decode(), url=(url or "") + m["href"].decode(),
                           published=date.fromisoformat(m["day"].decode()) if m["day"] else None)
            for m in ROW.finditer(body)]


@pytest.fixture
def kit_parser(monkeypatch):
    """A parser module ``scrapers.parsers.kit_demo`` for the duration of a test."""
    mod = types.ModuleType("scrapers.parsers.kit_demo")
    mod.KIND = "kit_demo"
    mod.detect = lambda body, url: False
    mod.parse = _parse
    mod.REQUIRED_FIELDS = ("title", "url", "published")
    mod.SAMPLE_URLS = []
    monkeypatch.setitem(sys.modules, "scrapers.parsers.kit_demo", mod)
    return mod


def page(*rows: tuple[str, str, str]) -> bytes:
    lis = "".join(f'<li><time>{d}</time><a href="{h}">{t}</a></li>' for d, h, t in rows)
    return f"<html><body><ul>{lis}</ul></body></html>".encode()


GOOD = page(("2025-07-01", "/letters/ssa", "Senators press SSA Commissioner on field office closures"),
            ("2025-06-30", "/press/hr1", "Statement on the Senate vote on H.R. 1"))


@pytest.fixture
def fixtures(tmp_path):
    fx = tmp_path / "kit_demo"
    fx.mkdir()
    (fx / "press.html").write_bytes(GOOD)
    (fx / "press.html.meta.json").write_text(json.dumps({"url": "https://www.example.senate.gov/news", "status": 200}))
    return fx


def test_golden_kit_catches_a_changed_field_and_update_rewrites_it(cli, kit_parser, fixtures):
    r = cli("check-spider", "kit_demo", "--fixtures", str(fixtures))
    assert r.exit_code == 1 and "MISSING  press.html.golden.json" in r.output

    r = cli("check-spider", "kit_demo", "--fixtures", str(fixtures), "--update")
    assert r.exit_code == 0 and "1 golden file(s) written" in r.output
    golden = fixtures / "press.html.golden.json"
    data = json.loads(golden.read_text())
    assert data["fixture"] == "press.html" and data["url"] == "https://www.example.senate.gov/news"
    assert [i["title"] for i in data["items"]][0].startswith("Senators press SSA")
    assert data["items"][0]["type"] == "PublishedEntry" and data["items"][0]["published"] == "2025-07-01"

    r = cli("check-spider", "kit_demo", "--fixtures", str(fixtures))
    assert r.exit_code == 0 and "1 fixture(s) match" in r.output

    # The site changed one field (a date) in a re-recorded page: the kit shows exactly that.
    (fixtures / "press.html").write_bytes(GOOD.replace(b"2025-06-30", b"2025-07-02"))
    r = cli("check-spider", "kit_demo", "--fixtures", str(fixtures))
    assert r.exit_code == 1
    assert "CHANGED  press.html" in r.output
    assert '-      "published": "2025-06-30",' in r.output
    assert '+      "published": "2025-07-02",' in r.output
    changed = [ln for ln in r.output.splitlines() if ln.startswith(("-  ", "+  "))]
    assert len(changed) == 2, changed  # one field, nothing else
    assert golden.read_text() == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"  # untouched

    r = cli("check-spider", "kit_demo", "--fixtures", str(fixtures), "--update")
    assert r.exit_code == 0 and "updated  press.html.golden.json" in r.output
    assert json.loads(golden.read_text())["items"][1]["published"] == "2025-07-02"
    assert cli("check-spider", "kit_demo", "--fixtures", str(fixtures)).exit_code == 0


def test_a_refused_fixture_has_an_error_golden(cli, kit_parser, fixtures):
    (fixtures / "broken.html").write_bytes(b"<html><body>Service Unavailable</body></html>")
    cli("check-spider", "kit_demo", "--fixtures", str(fixtures), "--update")
    assert json.loads((fixtures / "broken.html.golden.json").read_text())["error"] == "ValueError: no listing on the page"
    assert cli("check-spider", "kit_demo", "--fixtures", str(fixtures)).exit_code == 0
    # If the parser starts accepting garbage, that is a change too.
    (fixtures / "broken.html").write_bytes(b"<html><ul></ul></html>")
    r = cli("check-spider", "kit_demo", "--fixtures", str(fixtures))
    assert r.exit_code == 1 and '-  "error": "ValueError: no listing on the page",' in r.output


def test_pytest_helper_fails_with_the_diff(kit_parser, fixtures):
    from spiderkit import assert_golden, fixture_documents, parse_fixture, required_fields_missing
    with pytest.raises(pytest.fail.Exception, match="MISSING"):
        assert_golden("kit_demo", folder=fixtures)
    from scrapers.devkit import check
    check("kit_demo", fixtures, update=True)
    assert_golden("kit_demo", folder=fixtures)
    (fixtures / "press.html").write_bytes(GOOD.replace(b"Statement on", b"Remarks on"))
    with pytest.raises(pytest.fail.Exception) as exc:
        assert_golden("kit_demo", folder=fixtures)
    assert '+      "title": "Remarks on the Senate vote on H.R. 1",' in str(exc.value)
    assert [d.name for d in fixture_documents("kit_demo", folder=fixtures)] == ["press.html"]
    items = parse_fixture("kit_demo", "press.html", folder=fixtures)
    assert len(items) == 2 and not required_fields_missing("kit_demo", items)


def test_check_spider_errors(cli, kit_parser, tmp_path):
    r = cli("check-spider", "no_such_source")
    assert r.exit_code == 2 and "no parser named 'no_such_source'" in r.output
    r = cli("check-spider", "kit_demo", "--fixtures", str(tmp_path / "empty"))
    assert r.exit_code == 2 and "no fixtures in" in r.output


# --- live smoke check (a 127.0.0.1 server stands in for the live site) ---------------------------

def _alarms(store):
    return store.rows("SELECT key, title, data FROM event WHERE kind = 'source.alarm' ORDER BY id")


def test_smoke_check_passes_on_a_matching_page(cli, kit_parser, store):
    with ReplayServer(routes={"/news": (200, {"Content-Type": "text/html"}, GOOD)}) as srv:
        r = cli("smoke-check", "kit_demo", "--url", f"{srv.url}/news")
    assert r.exit_code == 0 and r.output.startswith("ok     kit_demo")
    assert _alarms(store) == []


@pytest.mark.parametrize("body,status,reason,why", [
    (b"<html><body><div class='new-layout'>...</div></body></html>", 200, "layout_changed", "parser failed: ValueError"),
    (b"<html><ul></ul></html>", 200, "layout_changed", "no items found"),
    (page(("", "/a", "Undated release")), 200, "layout_changed", "1 of 1 items lack 'published'"),
    (b"Forbidden", 403, "fetch_failed", "fetch failed: HTTP 403"),
])
def test_smoke_check_raises_a_source_alarm_when_the_page_stops_matching(cli, kit_parser, store, body, status, reason, why):
    with ReplayServer(routes={"/news": (status, {"Content-Type": "text/html"}, body)}) as srv:
        r = cli("smoke-check", "kit_demo", "--url", f"{srv.url}/news")
        again = cli("smoke-check", "kit_demo", "--url", f"{srv.url}/news")
    assert r.exit_code == 1 and "ALARM  kit_demo" in r.output and why in r.output
    assert again.exit_code == 1
    rows = _alarms(store)
    assert len(rows) == 1  # the same alarm on the same day is one event
    key, title, data = rows[0]
    data = json.loads(data) if isinstance(data, str) else data
    assert key == f"alarm:kit_demo:{reason}:{date.today().isoformat()}" or key.startswith(f"alarm:kit_demo:{reason}:")
    assert data["reason"] == reason and data["spider"] == "kit_demo" and data["job"] == "smoke_check"
    assert why in data["details"] and title.startswith("kit_demo: ")


def test_smoke_check_uses_sample_urls_and_refuses_unknown_sources(cli, kit_parser, store):
    with ReplayServer(routes={"/news": (200, {"Content-Type": "text/html"}, GOOD)}) as srv:
        kit_parser.SAMPLE_URLS = [f"{srv.url}/news"]
        r = cli("smoke-check", "kit_demo")
        assert r.exit_code == 0 and srv.hits == ["/news"]
    r = cli("smoke-check", "nope_source")
    assert r.exit_code == 2 and "no parser named 'nope_source'" in r.output
    r = cli("smoke-check", "kit_demo", "other", "--url", "http://127.0.0.1:9/x")
    assert r.exit_code == 2 and "--url needs exactly one source" in r.output
