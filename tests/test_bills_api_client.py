"""congress.gov API client (requests, tested with `responses`) and the job that uses it."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone

import pytest
import responses

from conftest import OWN_FIXTURES
from tracker.congress_api import BASE_URL, BudgetExhausted, CongressApiClient, CongressApiError

KEY = "k3y-SECRET-abcdef0123456789"
BILL = f"{BASE_URL}/bill/119/hr/4321"


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def client(**kw):
    sleeps: list[float] = []
    kw.setdefault("sleep", sleeps.append)
    c = CongressApiClient(KEY, **kw)
    c.sleeps = sleeps
    return c


@responses.activate
def test_key_sent_as_header_never_in_url():
    responses.get(BILL, json={"bill": {"number": "4321"}})
    c = client()
    assert c.bill(119, "HR", 4321)["bill"]["number"] == "4321"
    call = responses.calls[0]
    assert call.request.headers["X-Api-Key"] == KEY
    assert KEY not in call.request.url and "api_key" not in call.request.url
    assert "format=json" in call.request.url
    assert KEY not in repr(c) and "***" in repr(c)


@responses.activate
def test_errors_mask_the_key(caplog):
    responses.get(BILL, status=403, body=f"API_KEY_INVALID: {KEY} is not valid")
    c = client()
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(CongressApiError) as ei:
            c.bill(119, "hr", 4321)
    assert "HTTP 403" in str(ei.value) and KEY not in str(ei.value) and "***" in str(ei.value)
    assert KEY not in caplog.text


def test_missing_key_is_one_clear_error(monkeypatch):
    monkeypatch.delenv("TRACKER_CONGRESS_API_KEY", raising=False)
    from tracker.settings import get_settings
    get_settings(fresh=True)
    with pytest.raises(CongressApiError, match="TRACKER_CONGRESS_API_KEY"):
        CongressApiClient()


def test_key_from_settings(monkeypatch):
    monkeypatch.setenv("TRACKER_CONGRESS_API_KEY", KEY)
    from tracker.settings import get_settings
    get_settings(fresh=True)
    try:
        c = CongressApiClient(sleep=lambda s: None)
        assert c._key == KEY and KEY not in repr(c)
    finally:
        monkeypatch.delenv("TRACKER_CONGRESS_API_KEY")
        get_settings(fresh=True)


@responses.activate
def test_paging_with_offset_and_limit():
    items = [{"actionDate": f"2025-01-{i + 1:02d}", "text": f"a{i}"} for i in range(5)]

    def page(request):
        q = dict(re.findall(r"([a-zA-Z]+)=([^&]*)", request.url.split("?", 1)[1]))
        off, lim = int(q["offset"]), int(q["limit"])
        return 200, {}, json.dumps({"actions": items[off:off + lim], "pagination": {"count": len(items)}})

    responses.add_callback(responses.GET, f"{BILL}/actions", callback=page)
    c = client()
    got = list(c.paginate("/bill/119/hr/4321/actions", "actions", limit=2))
    assert got == items
    offsets = [re.search(r"offset=(\d+)", call.request.url).group(1) for call in responses.calls]
    assert offsets == ["0", "2", "4"]
    assert all("limit=2" in call.request.url for call in responses.calls)


@responses.activate
def test_increments_use_from_datetime_and_sort():
    responses.get(f"{BASE_URL}/bill/119", json={"bills": [], "pagination": {"count": 0}})
    c = client()
    list(c.bills_updated_since(datetime(2025, 7, 1, 12, 0, tzinfo=timezone.utc), congress=119))
    url = responses.calls[0].request.url
    assert "fromDateTime=2025-07-01T12%3A00%3A00Z" in url
    assert "sort=updateDate+asc" in url


@responses.activate
def test_honours_retry_after_on_429():
    responses.get(BILL, status=429, headers={"Retry-After": "7"})
    responses.get(BILL, json={"bill": {"number": "4321"}})
    c = client()
    assert c.bill(119, "hr", 4321)["bill"]["number"] == "4321"
    assert c.sleeps == [7.0]
    assert len(responses.calls) == 2


@responses.activate
def test_retry_after_capped_and_retries_bounded():
    for _ in range(3):
        responses.get(BILL, status=429, headers={"Retry-After": "86400"})
    c = client(max_retries=2, max_retry_after=120)
    with pytest.raises(CongressApiError, match="HTTP 429"):
        c.bill(119, "hr", 4321)
    assert c.sleeps == [120, 120]


@responses.activate
def test_budget_stops_at_the_hourly_limit():
    responses.get(BILL, json={"bill": {}})
    clock = Clock()
    c = client(hourly_budget=3, clock=clock)
    for _ in range(3):
        c.bill(119, "hr", 4321)
    with pytest.raises(BudgetExhausted):
        c.bill(119, "hr", 4321)
    assert len(responses.calls) == 3  # the 4th was never sent
    clock.t += 3600
    c.bill(119, "hr", 4321)  # a rolling hour later, budget is back
    assert len(responses.calls) == 4


def test_default_budget_under_the_api_limit():
    c = CongressApiClient(KEY)
    assert c.hourly_budget == 4500 < 5000


def _register_bill_endpoints(bundle: dict, update: str = "2025-07-11T02:00:00Z"):
    responses.get(f"{BASE_URL}/bill/119", json={"bills": [{"congress": 119, "type": "HR", "number": "4321",
                                                           "updateDate": update}], "pagination": {"count": 1}})
    responses.get(BILL, json={"bill": bundle["bill"], "request": bundle["request"]})
    for endpoint, key in [("actions", "actions"), ("text", "textVersions"), ("cosponsors", "cosponsors")]:
        responses.get(f"{BILL}/{endpoint}", json={key: bundle.get(key, []), "pagination": {"count": len(bundle.get(key, []))}})
    for endpoint, key in [("committees", "committees"), ("relatedbills", "relatedBills"), ("summaries", "summaries"),
                          ("titles", "titles")]:
        responses.get(f"{BILL}/{endpoint}", json={key: [], "pagination": {"count": 0}})


@responses.activate
def test_job_records_bills_and_keeps_its_cursor(store):
    from scrapers.spiders import congress_api as job
    bundle = json.loads((OWN_FIXTURES / "bills" / "api_bundle_119_hr_4321.json").read_text())
    _register_bill_endpoints(bundle)
    rep = job.run(client(), congress=119)
    assert rep.stopped == "done" and rep.bills == 1 and rep.counts.inserted == 7
    assert rep.requests == 9  # the list, the detail and 7 endpoints (one page each)
    assert job.read_cursor(119) == "2025-07-11T02:00:00Z"
    assert KEY not in (store.scalar("select group_concat(url) from source_document") or "")
    # Next run: asks from the cursor; the same bill re-listed (updateDate only moved) records nothing.
    responses.calls.reset()
    rep2 = job.run(client(), congress=119)
    assert "fromDateTime=2025-07-11T02%3A00%3A00Z" in responses.calls[0].request.url
    assert (rep2.counts.inserted, rep2.counts.updated) == (0, 0)


@responses.activate
def test_job_stops_cleanly_on_budget(store):
    from scrapers.spiders import congress_api as job
    bundle = json.loads((OWN_FIXTURES / "bills" / "api_bundle_119_hr_4321.json").read_text())
    _register_bill_endpoints(bundle)
    rep = job.run(client(hourly_budget=4), congress=119)
    assert rep.stopped == "budget" and rep.bills == 0 and rep.requests == 4
    assert job.read_cursor(119) is None  # nothing stored, cursor unmoved
