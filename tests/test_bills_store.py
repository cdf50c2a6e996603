"""Bills into the store: events by content, not updateDate; one action across sources; the CLI timeline."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from conftest import OWN_FIXTURES, shared_fixture
from db.records import EventRecord
from db.store import DocumentIn, record
from scrapers.ingest import ingest_document

BILLS = OWN_FIXTURES / "bills"
FIRST = (BILLS / "BILLSTATUS-119hr4321.xml").read_bytes()
SECOND = (BILLS / "BILLSTATUS-119hr4321-second.xml").read_bytes()
BUNDLE = (BILLS / "api_bundle_119_hr_4321.json").read_bytes()
URL = "https://www.govinfo.gov/bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr4321.xml"


def _ingest(body: bytes, url: str = URL, kind: str | None = None):
    return ingest_document(DocumentIn(body=body, url=url, fetched_at=datetime.now(timezone.utc)), kind=kind)


def test_first_ingest_records_actions_and_versions(store):
    c = _ingest(FIRST)
    assert (c.inserted, c.updated, c.quarantined) == (7, 0, 0)  # 5 actions + 2 text versions
    assert store.scalar("select count(*) from event where kind='bill.action'") == 5
    assert store.scalar("select count(*) from bill_action where bill_id='hr4321-119'") == 5
    row = store.rows("select title, short_title, sponsor_id, introduced_date, latest_action_date, summary "
                     "from bill where bill_id='hr4321-119'")[0]
    assert row[:5] == ("Lighthouse Keepers Recognition Act", "Lighthouse Keepers Recognition Act", "W000817",
                       "2025-06-02", "2025-07-08")
    assert "<" not in row[5] and row[5].endswith("Adds a public registry.")
    data = json.loads(store.scalar("select data from event where key='text:hr4321-119:eh'"))
    assert data["url"] == "https://www.govinfo.gov/content/pkg/BILLS-119hr4321eh/xml/BILLS-119hr4321eh.xml"
    assert data["version_id"] == "hr4321-119:eh" and data["code"] == "eh" and data["date"] == "2025-07-07"
    passed = json.loads(store.scalar("select data from event where kind='bill.action' and data like '%Roll no. 201%'"))
    assert passed["vote_ids"] == ["h201-119.2025"] and passed["classification"] == "passed"
    assert passed["codes"] == ["8000", "H37100"]
    assert store.scalar("select vote_id from bill_action where classification='passed'") == "h201-119.2025"
    # the sponsor is linked to the introduction only
    assert store.rows("select m.member_id from event_member m join event e on e.id=m.event_id") == [("W000817",)]
    assert store.scalar("select occurred_at from event where data like '%Roll no. 201%'") == "2025-07-07T16:45:12-04:00"


def test_rerun_unchanged_records_nothing(store):
    _ingest(FIRST)
    again = _ingest(FIRST)
    assert (again.inserted, again.updated, again.skipped) == (0, 0, 1)
    assert store.scalar("select count(*) from event") == 7


def test_only_update_date_changed_records_zero_events(store):
    _ingest(FIRST)
    touched = FIRST.replace(b"<updateDate>2025-07-10T14:02:11Z</updateDate>", b"<updateDate>2025-09-01T00:00:00Z</updateDate>")
    touched = touched.replace(b"<updateDateIncludingText>2025-07-10T14:02:11Z",
                              b"<updateDateIncludingText>2025-09-01T00:00:00Z")
    assert touched != FIRST
    c = _ingest(touched)
    assert c.skipped == 0 and c.quarantined == 0  # really parsed again (new bytes)...
    assert (c.inserted, c.updated, c.unchanged) == (0, 0, 7)  # ...and nothing new recorded
    assert store.scalar("select count(*) from event") == 7
    assert store.scalar("select count(*) from source_document where status='parsed'") == 2


def test_action_added_upstream_records_exactly_one_event(store):
    _ingest(FIRST)
    c = _ingest(SECOND)
    assert (c.inserted, c.updated) == (1, 0)
    new = store.rows("select title from event order by id desc limit 1")[0][0]
    assert new == "H.R. 4321: Read twice and referred to the Committee on Energy and Natural Resources."
    assert store.scalar("select latest_action_date from bill where bill_id='hr4321-119'") == "2025-07-14"


def test_same_actions_from_the_api_are_not_duplicated(store):
    _ingest(FIRST)
    c = _ingest(BUNDLE, url="https://api.congress.gov/v3/bill/119/hr/4321")
    assert c.quarantined == 0
    assert (c.inserted, c.updated) == (0, 0), "the API's copy of each action and version is the same event"
    assert store.scalar("select count(*) from event") == 7
    sources = json.loads(store.scalar("select data from bill where bill_id='hr4321-119'"))["sources"]
    assert sources == ["congress.gov", "govinfo"]


def test_api_first_then_billstatus(store):
    c = _ingest(BUNDLE, url="https://api.congress.gov/v3/bill/119/hr/4321")
    assert c.inserted == 7
    c2 = _ingest(FIRST)
    assert (c2.inserted, c2.updated) == (0, 0)


def test_partial_api_response_keeps_other_columns(store):
    _ingest(FIRST)
    actions_only = json.dumps({"request": {"congress": "119", "billType": "hr", "billNumber": "4321"},
                               "actions": json.loads(BUNDLE)["actions"]}).encode()
    c = _ingest(actions_only, url="https://api.congress.gov/v3/bill/119/hr/4321/actions")
    assert (c.inserted, c.updated) == (0, 0)  # sponsor found in the store: same introduction event
    assert store.scalar("select title from bill where bill_id='hr4321-119'") == "Lighthouse Keepers Recognition Act"
    assert store.scalar("select summary from bill where bill_id='hr4321-119'")


def test_real_fixtures_ingest_and_reingest(store):
    root = shared_fixture("billstatus")
    files = sorted(root.glob("v*/*.xml")) + sorted(root.glob("legacy*/*.xml"))
    first = [_ingest(f.read_bytes(), url=f.as_uri()) for f in files]
    assert sum(c.quarantined for c in first) == 0
    n = store.scalar("select count(*) from event")
    assert n > 100
    # The same bill in the other schema adds nothing for H.R. 1 (117th).
    assert store.scalar("select count(*) from event where bill_id='hr1-117' and revision > 1") == 0
    again = [_ingest(f.read_bytes(), url=f.as_uri()) for f in files]
    assert sum(c.inserted + c.updated for c in again) == 0
    assert store.scalar("select count(*) from event") == n


def test_cli_bill_timeline(store, cli):
    _ingest(FIRST)
    # A vote and a letter from other spiders, to show they join the timeline.
    record([EventRecord(kind="vote.recorded", key="vote:h201-119.2025", title="House passed H.R. 4321 402-11",
                        occurred_at=datetime(2025, 7, 7, 20, 45, tzinfo=timezone.utc), bill_id="hr4321-119",
                        data={"vote_id": "h201-119.2025"}),
            EventRecord(kind="letter.published", key="letter:abc", title="Senators urge NPS to fund lighthouse registry",
                        occurred_at=datetime(2025, 7, 9, tzinfo=timezone.utc),
                        data={"bills": ["hr4321-119"], "title": "x"})])
    r = cli("bill", "hr4321-119")
    assert r.exit_code == 0, r.output
    out = r.output
    assert out.splitlines()[0] == "H.R. 4321 (119th Congress): Lighthouse Keepers Recognition Act"
    lines = [ln for ln in out.splitlines() if ln[:4] == "2025"]
    kinds = [ln.split()[1] for ln in lines]
    assert kinds.count("action") == 5 and kinds.count("text") == 2 and "vote" in kinds and "letter" in kinds
    assert [ln[:10] for ln in lines] == sorted(ln[:10] for ln in lines)
    assert any("[passed]" in ln and "h201-119.2025" in ln for ln in lines)
    j = cli("bill", "hr4321-119", "--format", "json")
    doc = json.loads(j.output)
    assert doc["bill"]["bill_id"] == "hr4321-119" and len(doc["events"]) == 9


def test_cli_bill_with_only_some_kinds_and_errors(store, cli):
    record([EventRecord(kind="vote.recorded", key="vote:s9-119.2025", title="Senate vote on S. 9",
                        occurred_at=datetime(2025, 3, 1, tzinfo=timezone.utc), bill_id="s9-119", data={})])
    r = cli("bill", "s9-119")
    assert r.exit_code == 0 and "1 vote" in r.output and "Senate vote on S. 9" in r.output
    r = cli("bill", "hr77777-119")
    assert r.exit_code == 1 and "error: nothing known about hr77777-119" in r.output
    r = cli("bill", "not-a-bill")
    assert r.exit_code == 2 and "error: malformed bill id" in r.output


def test_reingest_bench_small():
    """The benchmark's input parses, and its candidate records nothing (small N; full run: python -m bench)."""
    from bench import bench_reingest as b
    env = b._Env(n=4)
    b._reset(env, "baseline")
    first = b._first(env)
    assert first["recorded"] == first["events"] > 4 * 20
    again = b._again(env)
    assert b._check(again, first)
    assert b.BENCHMARKS[0].mode == "at_most" and b.BENCHMARKS[0].target == 0.10
