"""The read-only HTTP API, in-process (TestClient): every route, 422s with a clear message, a
hypothesis run over the OpenAPI spec that must find no 500, and the one-click unsubscribe."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from analyst_load import load
from conftest import shared_fixture
from db.records import EntityRecord, EventRecord
from db.store import record
from tracker.api import create_app


@pytest.fixture
def small(store):
    record([
        EntityRecord("bill", [dict(bill_id="hr1-119", congress=119, bill_type="hr", number=1,
                                   title="One Big Beautiful Bill Act", data={})], ("bill_id",)),
        EntityRecord("vote", [dict(vote_id="s372-119.2025", chamber="s", congress=119, session=1, number=372, year=2025,
                                   occurred_at="2025-07-01T11:56:00-04:00", question="On Passage of the Bill",
                                   result="Bill Passed", bill_id="hr1-119", yea=2, nay=1, counts={}, data={})],
                     ("vote_id",)),
        EntityRecord("vote_position", [
            dict(vote_id="s372-119.2025", member_id="C001035", party="R", position="nay"),
            dict(vote_id="s372-119.2025", member_id="T000250", party="R", position="yea"),
            dict(vote_id="s372-119.2025", member_id="B001230", party="R", position="yea")],
            ("vote_id", "member_id"), replace={"vote_id": "s372-119.2025"}),
        EventRecord(kind="vote.recorded", key="vote:s372-119.2025", title="Senate passed H.R. 1 51-50",
                    bill_id="hr1-119", member_ids=["C001035", "T000250", "B001230"],
                    data={"vote_id": "s372-119.2025"}),
        EventRecord(kind="bill.action", key="action:hr1-119:2025-07-04:abc", title="Became Public Law No: 119-21",
                    bill_id="hr1-119"),
    ], engine=store.engine)
    return store


@pytest.fixture
def client(small):
    return TestClient(create_app())


def test_events_filters_and_paging(client):
    r = client.get("/events", params={"bill": "hr1-119", "limit": 1})
    assert r.status_code == 200
    body = r.json()
    assert len(body["items"]) == 1 and body["next_offset"] == 1
    r2 = client.get("/events", params={"bill": "hr1-119", "limit": 1, "offset": 1}).json()
    assert r2["items"][0]["id"] != body["items"][0]["id"]
    assert client.get("/events", params=[("kind", "vote.recorded")]).json()["items"][0]["kind"] == "vote.recorded"
    assert [e["kind"] for e in client.get("/events", params={"member": "C001035"}).json()["items"]] == ["vote.recorded"]
    assert client.get("/events", params={"kind": "bill.*"}).json()["items"][0]["kind"] == "bill.action"
    ev = body["items"][0]
    assert set(ev) >= {"id", "kind", "key", "occurred_at", "recorded_at", "bill_id", "member_ids", "title",
                       "source_url", "revision", "data"}


@pytest.mark.parametrize("params, word", [
    ({"limit": 0}, "limit"), ({"limit": 100000}, "limit"), ({"offset": -1}, "offset"), ({"limit": "ten"}, "limit"),
    ({"bill": "hr1"}, "bill"), ({"member": "nobody"}, "member"), ({"since": "yesterday"}, "since"),
    ({"kind": "Robert'); DROP"}, "kind"), ({"order": "sideways"}, "order"),
])
def test_events_bad_parameters_are_422(client, params, word):
    r = client.get("/events", params=params)
    assert r.status_code == 422
    assert word in r.json()["error"]


def test_bill_route(client):
    b = client.get("/bills/hr1-119").json()
    assert b["bill"]["title"] == "One Big Beautiful Bill Act"
    assert b["event_counts"] == {"bill.action": 1, "vote.recorded": 1}
    assert b["votes"][0]["vote_id"] == "s372-119.2025"
    assert client.get("/bills/HR1-119").status_code == 200  # case-insensitive like the CLI
    assert client.get("/bills/hr9999-119").status_code == 404
    r = client.get("/bills/not-a-bill")
    assert r.status_code == 422 and "bill_id" in r.json()["error"]


def test_member_votes_route(client):
    r = client.get("/members/C001035/votes").json()
    assert r["items"][0]["position"] == "nay" and r["items"][0]["against_party"] == 1
    assert client.get("/members/T000250/votes").json()["items"][0]["against_party"] == 0
    assert client.get("/members/Z999999/votes").status_code == 404
    assert client.get("/members/xx/votes").status_code == 422
    assert client.get("/members/C001035/votes", params={"limit": 5000}).status_code == 422


def test_search_route(client):
    r = client.get("/search", params={"q": "public law"}).json()
    assert r["items"][0]["title"] == "Became Public Law No: 119-21"
    assert client.get("/search", params={"q": '"unterminated AND ('}).status_code == 200
    assert client.get("/search").status_code == 422
    assert client.get("/search", params={"q": "x", "limit": 201}).status_code == 422
    r = client.get("/search", params={"q": "x", "bill": "nope"})
    assert r.status_code == 422 and "bill" in r.json()["error"]


def test_diff_route_503_or_404_without_text(client, monkeypatch):
    r = client.get("/bills/hr1-119/diff", params={"from": "eh", "to": "eas"})
    assert r.status_code == 404 and "stored" in r.json()["error"]
    assert client.get("/bills/hr1-119/diff", params={"from": "EH!", "to": "eas"}).status_code == 422
    assert client.get("/bills/hr1-119/diff", params={"from": "eh"}).status_code == 422
    assert client.get("/bills/hr1-119/diff", params={"from": "eh", "to": "eh"}).status_code == 422


def test_diff_route_on_real_text(sqlite_store):
    load(sqlite_store.engine, shared_fixture)
    c = TestClient(create_app())
    r = c.get("/bills/hr1-119/diff", params={"from": "eh", "to": "eas"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert set(d) >= {"old", "new", "summary", "changes"}
    assert d["summary"]["removed"] > 0
    assert any(ch["change"] == "removed" and ch["old"] and "43201" in (ch["old"].get("path") or "")
               for ch in d["changes"])
    b = c.get("/bills/hr1-119").json()
    assert "/bills/hr1-119/diff?from=eh&to=eas" in b["diffs"]


def test_api_is_read_only(client, small):
    """The store is opened mode=ro: even a write slipped into a read path is refused by SQLite."""
    from tracker.readonly import read_only
    with read_only() as conn:
        with pytest.raises(Exception) as exc:
            conn.execute(text("DELETE FROM event"))
    assert "readonly" in str(exc.value).lower() or "read-only" in str(exc.value).lower()
    assert small.scalar("SELECT count(*) FROM event") == 2


def test_docs_and_openapi(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/events", "/bills/{bill_id}", "/bills/{bill_id}/diff", "/members/{member_id}/votes", "/search",
            "/unsubscribe"} <= set(spec["paths"])


def test_unsubscribe_one_click(client, small):
    from tracker.digest.subscriptions import get_subscription, subscribe
    from tracker.digest.tokens import make_token
    subscribe("staffer@example.org", bills=["hr1-119"])
    tok = make_token("staffer@example.org")
    form = client.get("/unsubscribe", params={"token": tok})
    assert form.status_code == 200 and "<form" in form.text and 'method="post"' in form.text
    assert get_subscription("staffer@example.org")["active"]  # GET changes nothing
    r = client.post("/unsubscribe", params={"token": tok}, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200 and "unsubscribed" in r.text
    assert not get_subscription("staffer@example.org")["active"]
    assert client.post("/unsubscribe", params={"token": tok}).status_code == 200  # idempotent
    bad = client.post("/unsubscribe", params={"token": tok[:-3] + "AAA"})
    assert bad.status_code == 400
    assert client.post("/unsubscribe").status_code == 422
    xss = client.get("/unsubscribe", params={"token": '"><script>alert(1)</script>'})
    assert "<script>" not in xss.text


# --- fuzz the OpenAPI spec: no input may produce a 500 ----------------------------------------------

_text = st.one_of(st.text(max_size=40), st.sampled_from(["hr1-119", "s372-119.2025", "eh", "eas", "W000817", "-1",
                                                          "0", "99999999999999999999", "2025-07-01", "%00", "' OR 1=1"]))


def _value(schema: dict) -> st.SearchStrategy:
    t = schema.get("type") or next((s.get("type") for s in schema.get("anyOf", []) if s.get("type") != "null"), "string")
    if t == "integer":
        return st.one_of(st.integers(min_value=-10, max_value=2_000_000), _text)
    if t == "array":
        return st.lists(_text, max_size=3)
    return _text


def test_openapi_fuzz_finds_no_500(client):
    spec = client.get("/openapi.json").json()
    ops = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        path, method, op = data.draw(st.sampled_from(ops))
        params, url = {}, path
        for p in op.get("parameters", []):
            if p["in"] == "path":
                v = data.draw(_text.filter(lambda s: s and "/" not in s and s not in (".", "..")))
                url = url.replace("{" + p["name"] + "}", quote(v, safe=""))
            elif p.get("required") or data.draw(st.booleans()):
                params[p["name"]] = data.draw(_value(p.get("schema", {})))
        r = client.request(method.upper(), url, params=params)
        assert r.status_code < 500, (method, url, params, r.status_code, r.text[:300])

    run()
