"""The schedule file: validation with one-line errors, and fire times from a fixed instant (no sleeping)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from schedules.config import ScheduleError, load_schedule, parse_duration, parse_schedule
from schedules.scheduler import missed_jobs

NY = ZoneInfo("America/New_York")
# Tuesday 1 July 2025, 12:00 UTC = 08:00 EDT (the day the Senate passed H.R. 1).
T0 = datetime(2025, 7, 1, 12, 0, tzinfo=timezone.utc)


def _one(spec: str) -> dict:
    import tomllib
    return tomllib.loads(spec)


def test_packaged_schedule_has_every_job_and_explicit_zones():
    s = load_schedule()
    ids = {j.id for j in s.jobs}
    assert {"senate_votes", "house_votes", "members", "billstatus", "bill_text", "newsroom", "news",
            "digest_daily", "digest_weekly"} <= ids
    for j in s.jobs:
        assert j.timezone == "America/New_York"
        assert j.timeout > 0 and j.misfire_grace > 0
    assert s.get("digest_daily").command == ("digest", "send", "--frequency", "daily")
    assert s.get("digest_weekly").command == ("digest", "send", "--frequency", "weekly")
    assert s.get("senate_votes").spider == "senate_votes"


def test_votes_hourly_on_weekdays_in_session_hours():
    job = load_schedule().get("senate_votes")
    fires = job.next_fire_times(T0, 30)
    assert fires[0] == datetime(2025, 7, 1, 9, 5, tzinfo=NY)
    assert fires[1] - fires[0] == timedelta(hours=1)
    assert all(f.weekday() < 5 for f in fires)                  # never on a weekend
    assert all(9 <= f.hour <= 23 and f.minute == 5 for f in fires)
    # Friday 4 July 2025, 23:05 -> next is Monday 7 July, 09:05 (weekend skipped).
    fri = datetime(2025, 7, 4, 23, 30, tzinfo=NY)
    assert job.next_fire_times(fri, 1)[0] == datetime(2025, 7, 7, 9, 5, tzinfo=NY)


def test_digests_daily_at_seven_and_weekly_on_saturday_across_dst():
    s = load_schedule()
    daily = s.get("digest_daily").next_fire_times(T0, 3)
    assert [d.isoformat() for d in daily] == ["2025-07-02T07:00:00-04:00", "2025-07-03T07:00:00-04:00",
                                              "2025-07-04T07:00:00-04:00"]
    weekly = s.get("digest_weekly").next_fire_times(T0, 2)
    assert [w.date().isoformat() for w in weekly] == ["2025-07-05", "2025-07-12"]
    assert all(w.weekday() == 5 and w.hour == 7 for w in weekly)
    # DST ends 2 November 2025: still 07:00 local, i.e. 12:00 UTC instead of 11:00.
    nov = s.get("digest_daily").next_fire_times(datetime(2025, 10, 31, 12, tzinfo=timezone.utc), 2)
    assert [n.astimezone(timezone.utc).hour for n in nov] == [11, 12]


def test_interval_jobs_are_anchored_so_restarts_do_not_shift_them():
    job = load_schedule().get("newsroom")
    a = job.next_fire_times(T0, 3)
    b = job.next_fire_times(T0 + timedelta(minutes=7), 3)
    assert a == b  # not "every 3 hours from whenever the scheduler started"
    assert a[1] - a[0] == timedelta(hours=3)


def test_previous_fire_time():
    s = load_schedule()
    # 08:00 EDT on a Tuesday: the last Senate vote tick was Monday 23:05.
    assert s.get("senate_votes").previous_fire_time(T0) == datetime(2025, 6, 30, 23, 5, tzinfo=NY)
    assert s.get("digest_weekly").previous_fire_time(T0) == datetime(2025, 6, 28, 7, 0, tzinfo=NY)
    # At the exact fire instant, that instant is the previous fire.
    at = datetime(2025, 7, 1, 7, 0, tzinfo=NY)
    assert s.get("digest_daily").previous_fire_time(at) == at


def test_catch_up_runs_a_missed_window_once_not_once_per_tick():
    s = load_schedule()
    job = s.get("senate_votes")
    now = datetime(2025, 7, 1, 15, 30, tzinfo=NY)  # ticks at 9:05 .. 15:05 missed: 7 of them
    last = {"senate_votes": datetime(2025, 7, 1, 8, 0, tzinfo=NY)}
    plan = missed_jobs([job], last, now)
    assert plan == [(job, datetime(2025, 7, 1, 15, 5, tzinfo=NY))]  # one entry, the latest window
    # Ran after the last tick: nothing to catch up. Never ran: catch up once.
    assert missed_jobs([job], {"senate_votes": datetime(2025, 7, 1, 15, 6, tzinfo=NY)}, now) == []
    assert len(missed_jobs([job], {}, now)) == 1
    # Weekly digest: last sent Saturday 28 June, now Tuesday 1 July -> nothing missed.
    weekly = s.get("digest_weekly")
    assert missed_jobs([weekly], {"digest_weekly": datetime(2025, 6, 28, 7, 0, 3, tzinfo=NY)}, T0) == []


@pytest.mark.parametrize("spec, message", [
    ('[jobs.a]\nspider = "x"\ncron = { hour = 1 }\n', "explicit timezone"),
    ('[jobs.a]\nspider = "x"\ntimezone = "Mars/Base"\ncron = { hour = 1 }\n', "unknown timezone"),
    ('[jobs.a]\nspider = "x"\ntimezone = "UTC"\n', "exactly one trigger"),
    ('[jobs.a]\nspider = "x"\ntimezone = "UTC"\ncron = { hour = 1 }\ninterval = { hours = 1 }\n', "exactly one trigger"),
    ('[jobs.a]\nspider = "x"\ntimezone = "UTC"\ncron = { day_of_week = "1-5" }\n', "day names"),
    ('[jobs.a]\nspider = "x"\ntimezone = "UTC"\ncron = { hour = "25" }\n', "cron:"),
    ('[jobs.a]\nspider = "x"\ntimezone = "UTC"\ncron = { hour = 1 }\ntimout = 5\n', "unknown key(s) timout"),
    ('[jobs.a]\nspider = "x"\ntimezone = "UTC"\ncron = { hour = 1 }\ntimeout = "soon"\n', "not a duration"),
    ('[jobs.a]\ncommand = "rm -rf /"\ntimezone = "UTC"\ncron = { hour = 1 }\n', "must start with 'tracker'"),
    ('[jobs.a]\nspider = "x"\ncommand = "tracker status"\ntimezone = "UTC"\ncron = { hour = 1 }\n', "exactly one of spider"),
    ('[jobs.A]\nspider = "x"\ntimezone = "UTC"\ncron = { hour = 1 }\n', "job ids"),
    ('[jobs.a]\nspider = "x"\ntimezone = "UTC"\ninterval = { hours = 0 }\n', "longer than zero"),
    ('[health]\nfailures_in_a_row = 0\n[jobs.a]\nspider = "x"\ntimezone = "UTC"\ncron = { hour = 1 }\n', "positive"),
    ('[scheduler]\ntimezone = "UTC"\n', "no jobs"),
])
def test_bad_schedules_give_one_line_errors(spec, message):
    with pytest.raises(ScheduleError) as exc:
        parse_schedule(_one(spec), "s.toml")
    text = str(exc.value)
    assert message in text and "\n" not in text and text.startswith("s.toml")


def test_file_errors(tmp_path):
    with pytest.raises(ScheduleError, match="not found"):
        load_schedule(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[jobs.a\n")
    with pytest.raises(ScheduleError, match="not valid TOML"):
        load_schedule(bad)


def test_durations():
    assert parse_duration(90) == 90
    assert parse_duration("90s") == 90
    assert parse_duration("20m") == 1200
    assert parse_duration("1h30m") == 5400
    assert parse_duration("1d") == 86400
    for bad in ("", "soon", 0, -1, True, "5 minutes"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_schedule_list_cli(cli, tmp_path):
    res = cli("schedule", "list", "--format", "json", "--count", "2", "--at", "2025-07-01T12:00:00+00:00")
    assert res.exit_code == 0, res.output
    import json
    rows = {r["job"]: r for r in json.loads(res.output)}
    assert rows["senate_votes"]["next"] == ["2025-07-01T09:05:00-04:00", "2025-07-01T10:05:00-04:00"]
    assert rows["digest_weekly"]["runs"] == "tracker digest send --frequency weekly"
    bad = tmp_path / "bad.toml"
    bad.write_text('[jobs.a]\nspider = "x"\ncron = { hour = 1 }\n')
    from typer.testing import CliRunner
    from tracker.cli import app
    r = CliRunner().invoke(app, ["schedule", "list", "--file", str(bad)])
    assert r.exit_code == 2
    assert "error:" in r.output and "explicit timezone" in r.output
