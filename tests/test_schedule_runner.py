"""One job run = one subprocess in its own process group, judged by its report, recorded in crawl_run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from schedules import lock as locks
from schedules.config import load_schedule
from schedules.runner import JobBusy, Runner
from tests.fixtures.schedule.probe import (REPO, ProbeServer, env_for, group_members, probe_job, wait_until,
                                          write_schedule)


@pytest.fixture
def server():
    s = ProbeServer()
    yield s
    s.close()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    return tmp_path


def _row(store, run_id):
    cols = ("job", "spider", "status", "finish_reason", "exit_status", "items", "documents", "inserted", "unchanged",
            "quarantined", "errors", "error_summary", "report", "started_at", "finished_at")
    r = store.rows(f"SELECT {', '.join(cols)} FROM crawl_run WHERE id = :i", i=run_id)[0]
    d = dict(zip(cols, r))
    if isinstance(d["report"], str):
        d["report"] = json.loads(d["report"])
    return d


def test_probe_crawl_is_judged_by_its_report(store, server, data_dir):
    s = write_schedule(data_dir / "s.toml", probe_job("probe", server.url, pages=3))
    runner = Runner(load_schedule(s), store.url)
    first = runner.run(runner.schedule.get("probe"), trigger="manual")
    assert first.status == "ok", first.line()
    assert (first.items, first.documents, first.quarantined) == (3, 3, 0)
    row = _row(store, first.run_id)
    assert row["status"] == "ok" and row["finish_reason"] == "finished" and row["exit_status"] == 0
    assert row["spider"] == "schedule_probe" and row["finished_at"] >= row["started_at"]
    assert row["report"]["stats"]["item_scraped_count"] == 3 and row["report"]["trigger"] == "manual"
    assert store.scalar("SELECT count(*) FROM event WHERE kind = 'text.published'") >= 1
    # The same pages again: nothing new, every document skipped as already stored.
    second = runner.run(runner.schedule.get("probe"))
    assert second.status == "ok" and second.inserted == 0 and second.unchanged >= 1


def test_exit_zero_with_every_response_an_http_error_is_a_failed_run(store, server, data_dir):
    server.status = 403  # senate.gov's answer to unknown clients
    s = write_schedule(data_dir / "s.toml", probe_job("probe", server.url, pages=2))
    runner = Runner(load_schedule(s), store.url)
    res = runner.run(runner.schedule.get("probe"))
    assert res.exit_status == 0  # scrapy itself says all is well
    assert res.status == "failed" and "every response was an HTTP error (403: 2)" in res.error_summary


def test_missing_spider_is_a_recorded_failed_run_not_a_crash(store, data_dir, tmp_path):
    # Like the packaged jobs whose spiders other engineers are still writing (never a live crawl here).
    s = write_schedule(tmp_path / "s.toml", """
[jobs.future_votes]
spider = "future_votes_not_written_yet"
timezone = "America/New_York"
cron = { day_of_week = "mon-fri", hour = "9-23", minute = 5 }
timeout = "60s"
""")
    runner = Runner(load_schedule(s), store.url)
    res = runner.run(runner.schedule.get("future_votes"))
    row = _row(store, res.run_id)
    assert row["status"] == "failed" and row["job"] == "future_votes" and row["exit_status"] != 0
    assert row["finish_reason"] == "spider not found"
    assert "'future_votes_not_written_yet' does not exist (yet)" in row["error_summary"]
    assert row["finished_at"] is not None


def test_timeout_kills_the_whole_process_group(store, server, data_dir):
    server.delay = 60  # the crawl hangs on its first response
    s = write_schedule(data_dir / "s.toml", probe_job("probe", server.url, timeout="3s", kill_grace="2s"))
    runner = Runner(load_schedule(s), store.url)
    res = runner.run(runner.schedule.get("probe"))
    assert res.status == "timeout" and res.duration < 15
    row = _row(store, res.run_id)
    assert row["finish_reason"] == "timeout after 3s"
    # guard and crawl both gone (a SIGKILLed process may take a moment to be reaped)
    assert wait_until(lambda: group_members(row["report"]["pid"]) == [], 5)


def test_command_jobs_and_busy_jobs(store, data_dir, tmp_path):
    s = write_schedule(tmp_path / "s.toml", """
[jobs.bad_verb]
command = "tracker no-such-verb"
timezone = "UTC"
cron = { hour = 3 }
timeout = "60s"
""")
    sched = load_schedule(s)
    runner = Runner(sched, store.url)
    res = runner.run(sched.get("bad_verb"))
    assert res.status == "failed" and res.exit_status == 2
    assert "No such command" in res.error_summary
    # Another process holds the job's run lock: the run is refused, nothing recorded.
    before = store.scalar("SELECT count(*) FROM crawl_run")
    with locks.acquire("job:bad_verb", store.url):
        with pytest.raises(JobBusy, match="already running in another process"):
            runner.run(sched.get("bad_verb"))
    assert store.scalar("SELECT count(*) FROM crawl_run") == before


def test_schedule_once_cli(store, server, data_dir):
    s = write_schedule(data_dir / "s.toml", probe_job("probe", server.url))
    env = env_for(store.url, data_dir)
    r = subprocess.run([sys.executable, "-m", "tracker", "schedule", "once", "probe", "--file", str(s)],
                       cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("probe run 1: ok (finished)") and "1 items" in r.stdout
    r = subprocess.run([sys.executable, "-m", "tracker", "schedule", "once", "nope", "--file", str(s)],
                       cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("error: no job 'nope'")


def test_reap_stale_runs_only_touches_dead_runs(store):
    import os
    import socket
    from sqlalchemy import insert
    from schedules.runner import CRAWL_RUN, reap_stale_runs
    host = socket.gethostname()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    reports = {
        "dead_guard": {"host": host, "pid": dead.pid, "scheduler_pid": dead.pid},
        "starting_elsewhere": {"host": host, "scheduler_pid": os.getppid()},  # a live process, not yet spawned
        "other_host": {"host": "elsewhere.example", "pid": dead.pid},
    }
    with store.engine.begin() as conn:
        for job, rep in reports.items():
            conn.execute(insert(CRAWL_RUN).values(job=job, status="running", report=rep))
    assert reap_stale_runs(store.url) == 1
    status = dict(store.rows("SELECT job, status FROM crawl_run"))
    assert status == {"dead_guard": "killed", "starting_elsewhere": "running", "other_host": "running"}
