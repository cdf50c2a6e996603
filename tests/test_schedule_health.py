"""Judging runs by their report (not the exit code), and source.alarm rules."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from schedules.config import HealthPolicy, Job
from schedules.health import check_run, evaluate, open_alarms
from schedules.runner import CRAWL_RUN, judge

SPIDER = Job(id="senate_votes", trigger_type="cron", trigger_fields={"hour": 1}, timezone="UTC", timeout=60,
             misfire_grace=60, spider="senate_votes")
COMMAND = Job(id="digest_daily", trigger_type="cron", trigger_fields={"hour": 7}, timezone="UTC", timeout=60,
              misfire_grace=60, command=("digest", "send", "--frequency", "daily"))


def _report(reason="finished", **stats):
    base = {"item_scraped_count": 3, "tracker/documents": 3, "tracker/inserted": 2, "tracker/unchanged": 1,
            "downloader/response_count": 3, "downloader/response_status_count/200": 3}
    base.update(stats)
    return {"finish_reason": reason, "stats": {k: v for k, v in base.items() if v is not None}, "errors": []}


def test_judge_ok_run_counts_from_report():
    v = judge(SPIDER, 0, _report())
    assert v["status"] == "ok" and v["items"] == 3 and v["inserted"] == 2 and v["unchanged"] == 1
    assert v["error_summary"] is None


def test_judge_exit_zero_but_every_response_403_is_a_failure():
    # scrapy exits 0 here: senate.gov answering 403 to every request.
    rep = _report(**{"item_scraped_count": None, "tracker/documents": None, "tracker/inserted": None,
                     "tracker/unchanged": None, "downloader/response_status_count/200": None,
                     "downloader/response_status_count/403": 3, "log_count/ERROR": 0})
    v = judge(SPIDER, 0, rep)
    assert v["status"] == "failed"
    assert "every response was an HTTP error (403: 3)" in v["error_summary"]


def test_judge_download_errors_and_empty_runs():
    rep = _report(**{"item_scraped_count": None, "tracker/documents": None, "downloader/response_count": None,
                     "downloader/response_status_count/200": None, "downloader/exception_count": 2,
                     "downloader/exception_type_count/twisted.internet.error.DNSLookupError": 2})
    v = judge(SPIDER, 0, rep)
    assert v["status"] == "failed" and "DNSLookupError" in v["error_summary"]
    empty = judge(SPIDER, 0, _report(**{"item_scraped_count": 0, "tracker/documents": 0}))
    assert empty["status"] == "degraded" and empty["error_summary"] == "no items"


def test_judge_quarantine_errors_and_finish_reasons():
    allq = judge(SPIDER, 0, _report(**{"tracker/quarantined": 3, "tracker/inserted": 0}))
    assert allq["status"] == "failed" and "every document quarantined" in allq["error_summary"]
    some = judge(SPIDER, 0, {**_report(**{"log_count/ERROR": 2}), "errors": ["Spider error processing <GET x>: KeyError: 'a'"]})
    assert some["status"] == "degraded" and some["errors"] == 2 and "KeyError" in some["error_summary"]
    closed = judge(SPIDER, 0, _report("closespider_errorcount"))
    assert closed["status"] == "degraded" and "closespider_errorcount" in closed["error_summary"]


def test_judge_missing_spider_timeout_kill_and_commands():
    tail = "Traceback (most recent call last):\n...\nKeyError: 'Spider not found: house_votes'\n"
    v = judge(SPIDER, 1, None, log_tail=tail)
    assert v["status"] == "failed" and v["finish_reason"] == "spider not found"
    assert "does not exist (yet)" in v["error_summary"]
    assert judge(SPIDER, None, None, timed_out=True)["status"] == "timeout"
    assert judge(SPIDER, -15, None, killed=True)["status"] == "killed"
    assert judge(COMMAND, 0, None)["status"] == "ok"
    bad = judge(COMMAND, 2, None, log_tail="Usage: tracker [OPTIONS]\nError: No such command 'digest'.\n")
    assert bad["status"] == "failed" and bad["error_summary"] == "Error: No such command 'digest'."


def _run(i, status="ok", items=5, documents=5, quarantined=0, job="senate_votes", spider="senate_votes"):
    return {"id": i, "job": job, "spider": spider, "status": status, "items": items, "documents": documents,
            "quarantined": quarantined, "finish_reason": "finished", "error_summary": None}


def test_rules():
    p = HealthPolicy()
    hist = [_run(i) for i in range(9, 0, -1)]
    assert evaluate(_run(10), hist, p) == []
    (reason, title, details), = evaluate(_run(10, items=0, documents=0, status="degraded"), hist, p)
    assert reason == "empty_run" and details["previous_items"] == 5 and "returned nothing" in title
    # Nothing before either: a source that never yielded is not "gone dark".
    assert evaluate(_run(10, items=0, documents=0), [_run(i, items=0, documents=0) for i in range(9, 0, -1)], p) == []
    # Commands have no items: never an empty_run.
    assert evaluate(_run(10, items=0, spider=None, job="digest_daily"), [_run(9, spider=None, job="digest_daily")], p) == []
    spike = evaluate(_run(10, documents=10, quarantined=6), hist, p)
    assert [s[0] for s in spike] == ["quarantine_spike"] and spike[0][2]["usual_share"] == 0
    # A source that usually quarantines 50% is not spiking at 60%.
    noisy = [_run(i, documents=10, quarantined=5) for i in range(9, 0, -1)]
    assert evaluate(_run(10, documents=10, quarantined=6), noisy, p) == []
    assert evaluate(_run(10, documents=4, quarantined=2), hist, p) == []  # below quarantine_min


def test_repeated_failure_streak_skips_killed_runs():
    p = HealthPolicy(failures_in_a_row=3)
    failed = lambda i: _run(i, status="failed", items=0)  # noqa: E731
    assert [r for r, *_ in evaluate(failed(3), [failed(2), _run(1)], p)] == ["empty_run"]
    reasons = [r for r, *_ in evaluate(failed(4), [failed(3), _run(2, status="killed"), failed(1)], p)]
    assert "repeated_failure" in reasons
    assert evaluate(_run(5, status="killed", items=0), [failed(4), failed(3)], p) == []


def _insert(store, **values):
    base = dict(job="senate_votes", spider="senate_votes", status="ok", items=5, documents=5,
                started_at=datetime.now(timezone.utc) - timedelta(minutes=values.pop("ago", 0)),
                finished_at=datetime.now(timezone.utc), report={})
    base.update(values)
    with store.engine.begin() as conn:
        return conn.execute(insert(CRAWL_RUN).values(**base).returning(CRAWL_RUN.c.id)).scalar_one()


def test_alarms_are_recorded_once_per_day_and_close_after_an_ok_run(any_store, cli):
    _insert(any_store, ago=60)
    r1 = _insert(any_store, ago=30, status="degraded", items=0, documents=0)
    titles = check_run(r1)
    assert titles and "returned nothing" in titles[0]
    r2 = _insert(any_store, ago=20, status="degraded", items=0, documents=0)
    assert check_run(r2) == []  # same job, reason and day: one alarm
    ev = any_store.rows("SELECT key, kind, data FROM event WHERE kind = 'source.alarm'")
    assert len(ev) == 1 and ev[0][0].startswith("alarm:senate_votes:empty_run:")
    import json
    data = ev[0][2] if isinstance(ev[0][2], dict) else json.loads(ev[0][2])
    assert data["job"] == "senate_votes" and data["reason"] == "empty_run" and data["run_id"] == r1
    assert data["spider"] == "senate_votes" and "details" in data
    assert [a["reason"] for a in open_alarms()] == ["empty_run"]
    res = cli("status", "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["alarms"][0]["job"] == "senate_votes"
    sv = next(j for j in out["jobs"] if j["job"] == "senate_votes")
    assert sv["last_run"]["id"] == r2 and sv["last_run"]["status"] == "degraded"
    _insert(any_store, ago=0)  # the source is back
    assert open_alarms() == []


def test_repeated_failures_raise_an_alarm(store):
    ids = [_insert(store, status="failed", items=0, documents=0, ago=10 - i, error_summary="HTTP 403") for i in range(3)]
    titles = check_run(ids[-1], HealthPolicy(failures_in_a_row=3))
    assert any("failed 3 times in a row: HTTP 403" in t for t in titles)

