"""`tracker new-spider`: the scaffold for each kind, its schedule entry, its refusals."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import REPO
from tracker.commands import devkit as dk
from scrapers.templates import KINDS, classname, scaffold

URL = "https://www.example-member.house.gov/media/press-releases"


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_renders_valid_python_with_the_conventions(kind):
    files = scaffold("demo_src", kind, URL)
    assert set(files) == {"scrapers/spiders/demo_src.py", "scrapers/parsers/demo_src.py", "tests/test_spider_demo_src.py"}
    for path, text in files.items():
        ast.parse(text, filename=path)
        assert "$" not in text.replace("$10", "") or kind == "api", f"unrendered placeholder in {path}"
    spider, parser, test = (files[f"scrapers/spiders/demo_src.py"], files["scrapers/parsers/demo_src.py"],
                            files["tests/test_spider_demo_src.py"])
    assert 'name = "demo_src"' in spider and 'kind="demo_src"' in spider and "class DemoSrcSpider" in spider
    assert 'allowed_domains = ["example-member.house.gov"]' in spider
    assert "RawDocument" in spider and "import scrapy" in spider
    for must in ('KIND = "demo_src"', "def detect(", "def parse(", f'SAMPLE_URLS = ["{URL}"]', "REQUIRED_FIELDS"):
        assert must in parser
    assert "scrapy" not in parser and "db." not in parser
    assert "# >>> expected" in test and "# <<< expected" in test and "TODO" in test


def test_api_spider_sends_the_key_as_a_header_not_in_the_url():
    spider = scaffold("demo_api", "api", "https://api.example.gov/v3/items")["scrapers/spiders/demo_api.py"]
    assert "api_key_header" in spider and "os.environ.get(self.api_key_env)" in spider


def test_classname_and_bad_input():
    assert classname("paul_senate") == "PaulSenateSpider"
    with pytest.raises(ValueError, match="bad spider name"):
        scaffold("Paul-Senate", "html", URL)
    with pytest.raises(ValueError, match="unknown kind"):
        scaffold("paul", "pdf", URL)
    with pytest.raises(ValueError, match="bad URL"):
        scaffold("paul", "html", "file:///etc/passwd")


def test_new_spider_writes_files_fixture_folder_and_a_disabled_job(tmp_path):
    (tmp_path / "schedules").mkdir()
    existing = '# the schedule\n[jobs.senate_votes]\nspider = "senate_votes"\ncron = { hour = 9 }\n'
    (tmp_path / "schedules" / "schedule.toml").write_text(existing)
    written = dk.new_spider("ruiz_house", "feed", "https://ruiz.house.gov/rss.xml", root=tmp_path)
    assert (tmp_path / "scrapers/spiders/ruiz_house.py").is_file()
    assert (tmp_path / "scrapers/parsers/ruiz_house.py").is_file()
    assert (tmp_path / "tests/test_spider_ruiz_house.py").is_file()
    assert (tmp_path / "tests/fixtures/ruiz_house").is_dir()
    assert len(written) == 5
    text = (tmp_path / "schedules" / "schedule.toml").read_text()
    assert text.startswith(existing)  # appended, nothing rewritten
    jobs = tomllib.loads(text)["jobs"]
    assert list(jobs) == ["senate_votes", "ruiz_house"]
    new = jobs["ruiz_house"]
    assert new["enabled"] is False and new["spider"] == "ruiz_house" and new["timezone"] == "America/New_York"
    assert new["timeout"] and new["cron"]
    # A second scaffold with the same name is refused, files untouched.
    (tmp_path / "scrapers/parsers/ruiz_house.py").write_text("# mine\n")
    with pytest.raises(ValueError, match="already exists"):
        dk.new_spider("ruiz_house", "feed", "https://ruiz.house.gov/rss.xml", root=tmp_path)
    assert (tmp_path / "scrapers/parsers/ruiz_house.py").read_text() == "# mine\n"


def test_a_name_already_in_the_schedule_is_refused(tmp_path):
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "schedule.toml").write_text('[jobs.votes]\nspider = "votes"\ncron = { hour = 9 }\n')
    with pytest.raises(ValueError, match="already has a job"):
        dk.new_spider("votes", "xml", "https://www.senate.gov/legislative/votes.htm", root=tmp_path)
    assert not (tmp_path / "scrapers").exists()


def test_the_entry_is_valid_for_the_scheduler():
    """The appended table passes schedules/config.py's validation, next to the real schedule."""
    config = pytest.importorskip("schedules.config")
    real = (REPO / "schedules" / "schedule.toml").read_text(encoding="utf-8")
    sched = config.parse_schedule(tomllib.loads(real + dk.schedule_entry("demo_src", "demo_src", "html")))
    job = sched.get("demo_src")
    assert job.spider == "demo_src" and job.enabled is False
    assert sched.get("smoke_check").enabled is False  # the live smoke check is off by default
    assert sched.get("smoke_check").command[:1] == ("smoke-check",)


def test_cli_errors_are_one_line(cli):
    r = cli("new-spider", "Bad Name", "--kind", "html", "--url", URL)
    assert r.exit_code == 2, r.output
    assert r.output.strip().splitlines()[-1].startswith("error: bad spider name")


def test_the_spider_template_is_a_genspider_template(tmp_path):
    """`scrapy genspider -t html` with TEMPLATES_DIR renders the same spider as new-spider."""
    proj = tmp_path / "proj"
    proc = subprocess.run([sys.executable, "-m", "scrapy", "genspider", "-s", f"TEMPLATES_DIR={REPO / 'scrapers' / 'templates'}",
                           "-t", "html", "demo_gen", "https://www.example.senate.gov/news"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    made = (tmp_path / "demo_gen.py").read_text()
    assert 'name = "demo_gen"' in made and 'kind="demo_gen"' in made and "class DemoGenSpider" in made
    assert proj.exists() is False


def test_scaffolded_test_fails_with_todo_until_filled(tmp_path):
    """Render the scaffold into a scratch project and run its test: every failure says TODO."""
    from test_devkit_walkthrough import copy_tree
    work = tmp_path / "clone"
    copy_tree(work)
    env = {"PYTHONPATH": str(work), "PATH": "/usr/bin:/bin", "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    subprocess.run([sys.executable, "-m", "tracker", "new-spider", "demo_feed", "--kind", "feed",
                    "--url", "https://demo.house.gov/rss.xml"], cwd=work, env=env, check=True, capture_output=True)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_spider_demo_feed.py"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "TODO: record a sample" in proc.stdout
    assert " passed" not in proc.stdout.splitlines()[-1] or "failed" in proc.stdout.splitlines()[-1]
