"""docs/adding-a-spider.md, followed to the letter in a temporary copy of the repository.

The commands and file edits are read from the document's code blocks (see the comment at its top),
so the walk-through cannot rot: change the doc and this test runs the new version. Commands run as
subprocesses of /work/venv's Python on the copy (``python -m tracker``, ``python -m pytest``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import REPO, SHARED_FIXTURES

DOC = REPO / "docs" / "adding-a-spider.md"
NAME = "paul_senate"
EXAMPLE_PAGE = "press_releases/statement_gem_2013_2015/rand_paul_press.html"
SKIP_DIRS = {".git", "venv", ".venv", "__pycache__", ".pytest_cache", "node_modules", ".scrapy", "legislative_tracker.egg-info"}

_BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def doc_steps(text: str) -> list[tuple[str, dict, str]]:
    """(kind, attributes, body) for every runnable block, in order: kind is sh, python or diff."""
    steps = []
    for m in _BLOCK.finditer(text):
        info, body = m.group(1).split(), m.group(2)
        if not info:
            continue
        lang, attrs = info[0], dict(a.split("=", 1) for a in info[1:] if "=" in a)
        if lang == "sh" or (lang in ("python", "diff") and "file" in attrs):
            steps.append((lang, attrs, body))
    return steps


def copy_tree(dst: Path) -> None:
    def ignore(folder, names):
        return {n for n in names if n in SKIP_DIRS or n.endswith((".db", ".db-wal", ".db-shm", ".pyc"))}
    shutil.copytree(REPO, dst, ignore=ignore)


def snapshot(root: Path) -> dict[str, bytes]:
    out = {}
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if p.is_file() and not (set(rel.parts) & SKIP_DIRS) and not p.name.endswith(".pyc"):
            out[rel.as_posix()] = p.read_bytes()
    return out


def replace_region(text: str, region: str, body: str) -> str:
    start, end = f"# >>> {region}\n", f"# <<< {region}"
    i, j = text.index(start) + len(start), text.index(end)
    return text[:i] + body + text[j:]


def apply_diff(text: str, hunk: str) -> str:
    old, new = [], []
    for line in hunk.splitlines():
        tag, rest = line[:1], line[1:]
        if tag in (" ", "-"):
            old.append(rest)
        if tag in (" ", "+"):
            new.append(rest)
    before, after = "\n".join(old) + "\n", "\n".join(new) + "\n"
    assert text.count(before) == 1, f"the doc's diff does not apply exactly once:\n{before}"
    return text.replace(before, after)


def run(cmd: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    args = cmd.split()
    if args[0] == "tracker":
        argv = [sys.executable, "-m", "tracker", *args[1:]]
    elif args[0] == "pytest":
        argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args[1:]]
    else:
        raise AssertionError(f"the walk-through may only run tracker and pytest commands, not: {cmd}")
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_doc_has_runnable_steps():
    steps = doc_steps(DOC.read_text(encoding="utf-8"))
    kinds = [k for k, _, _ in steps]
    assert kinds.count("sh") >= 4 and "python" in kinds and "diff" in kinds
    commands = " ".join(b for k, _, b in steps if k == "sh")
    for verb in ("new-spider", "record", "check-spider", "replay"):
        assert f"tracker {verb}" in commands


def test_following_the_walkthrough_gives_a_tested_scheduled_spider(tmp_path):
    page = SHARED_FIXTURES / EXAMPLE_PAGE
    if not page.exists():
        pytest.skip(f"the walk-through's example page ../shared/fixtures/{EXAMPLE_PAGE} is absent")
    work = tmp_path / "clone"
    copy_tree(work)
    for stale in (work / f"scrapers/spiders/{NAME}.py", work / f"scrapers/parsers/{NAME}.py",
                  work / f"tests/test_spider_{NAME}.py"):
        assert not stale.exists(), f"{stale.name} already exists in the repository: the walk-through must create it"
    before = snapshot(work)
    env = dict(os.environ, PYTHONPATH=str(work), TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'walk.db'}",
               PYTHONDONTWRITEBYTECODE="1")
    env.pop("TRACKER_HTTPCACHE_DIR", None)

    for kind, attrs, body in doc_steps(DOC.read_text(encoding="utf-8")):
        if kind == "sh":
            expect_failure = False
            for line in body.splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    expect_failure = expect_failure or line == "# expect failure"
                    continue
                cmd = line.replace("../shared/fixtures/", f"{SHARED_FIXTURES}/")
                proc = run(cmd, work, env)
                if expect_failure:
                    assert proc.returncode != 0, f"`{line}` should fail at this point of the walk-through"
                    assert "TODO" in proc.stdout + proc.stderr, "the failing scaffold should say what is left to do"
                else:
                    assert proc.returncode == 0, f"`{line}` failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
                expect_failure = False
        else:
            target = work / attrs["file"]
            text = target.read_text(encoding="utf-8")
            if kind == "diff":
                text = apply_diff(text, body)
            elif "region" in attrs:
                text = replace_region(text, attrs["region"], body)
            else:
                text = body
            target.write_text(text, encoding="utf-8")

    # Only the scaffolded files, the fixtures and the schedule entry changed.
    after = snapshot(work)
    allowed = {f"scrapers/spiders/{NAME}.py", f"scrapers/parsers/{NAME}.py", f"tests/test_spider_{NAME}.py",
               "schedules/schedule.toml"}
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    outside = {p for p in changed if p not in allowed and not p.startswith(f"tests/fixtures/{NAME}/")}
    assert not outside, f"the walk-through touched files outside the scaffold: {sorted(outside)}"
    assert allowed <= changed | {"schedules/schedule.toml"}

    # A working, tested spider: its test passes, its golden file exists, the crawl recorded events.
    assert list((work / "tests" / "fixtures" / NAME).glob("*.golden.json"))
    final = run(f"pytest -q tests/test_spider_{NAME}.py", work, env)
    assert final.returncode == 0 and "6 passed" in final.stdout, final.stdout[-2000:]
    import sqlite3
    with sqlite3.connect(tmp_path / "walk.db") as conn:
        n = conn.execute("SELECT count(*) FROM event WHERE kind = 'statement.published'").fetchone()[0]
    assert n == 20

    # ... and scheduled: its job is in the schedule file, valid for the scheduler, enabled.
    sched = work / "schedules" / "schedule.toml"
    raw = tomllib.loads(sched.read_text(encoding="utf-8"))
    assert raw["jobs"][NAME]["enabled"] is True and raw["jobs"][NAME]["spider"] == NAME
    try:
        from schedules.config import load_schedule
    except ImportError:  # the scheduler is not there: the TOML check above is all we can do
        return
    job = load_schedule(sched).get(NAME)
    assert job.enabled and job.spider == NAME
