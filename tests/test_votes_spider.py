"""The vote spiders against a local replay server (127.0.0.1 only) and their callbacks directly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy.http import Request, XmlResponse

from scrapers.items import RawDocument
from scrapers.parsers.senate_vote_menu import parse_menu
from scrapers.spiders.senate_votes import SenateVotesSpider, select_votes
from tests.conftest import OWN_FIXTURES, REPO, SHARED_FIXTURES

VOTES = OWN_FIXTURES / "votes"


class _Handler(SimpleHTTPRequestHandler):
    log: list[str] = []

    def log_message(self, *a):  # quiet
        pass

    def do_GET(self):
        type(self).log.append(self.path)
        return super().do_GET()


@pytest.fixture
def site(tmp_path):
    """A directory laid out like senate.gov / clerk.house.gov, served on 127.0.0.1."""
    root = tmp_path / "site"
    (root / "legislative/LIS/roll_call_lists").mkdir(parents=True)
    votes = root / "legislative/LIS/roll_call_votes/vote1191"
    votes.mkdir(parents=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    shutil.copy(VOTES / "vote_menu_119_1.xml", root / "legislative/LIS/roll_call_lists/vote_menu_119_1.xml")
    shutil.copy(VOTES / "vote_119_1_00372.xml", votes / "vote_119_1_00372.xml")
    real = SHARED_FIXTURES / "senate_votes"
    if not real.exists():
        pytest.skip("../shared/fixtures is absent")
    for n, name in ((1, "detail_119_1_00001_cloture.xml"), (3, "detail_119_1_00003_amendment.xml"),
                    (7, "detail_119_1_00007_bill.xml")):
        shutil.copy(real / name, votes / f"vote_119_1_{n:05d}.xml")
    evs = root / "evs/2025"
    evs.mkdir(parents=True)
    shutil.copy(SHARED_FIXTURES / "house_votes/trimmed_justabill/house-2025-roll001.xml", evs / "roll001.xml")
    shutil.copy(VOTES / "roll002_2025_speaker.xml", evs / "roll002.xml")
    _Handler.log = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Handler.log
    server.shutdown()
    server.server_close()


_RUN = """
import sys
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings
s = get_project_settings()
s.set("DOWNLOAD_DELAY", 0); s.set("AUTOTHROTTLE_ENABLED", False); s.set("LOG_LEVEL", "WARNING")
s.set("RETRY_ENABLED", False)
p = CrawlerProcess(s)
p.crawl(sys.argv[1], **dict(a.split("=", 1) for a in sys.argv[2:]))
p.start()
"""


def _crawl(store, spider: str, **args) -> None:
    env = dict(os.environ, TRACKER_DATABASE_URL=store.url, SCRAPY_SETTINGS_MODULE="scrapers.settings")
    proc = subprocess.run([sys.executable, "-c", _RUN, spider, *(f"{k}={v}" for k, v in args.items())],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_senate_spider_local_replay_incremental(store, site):
    base, log = site
    _crawl(store, "senate_votes", congress=119, session=1, base_url=base)
    assert store.scalar("SELECT count(*) FROM vote WHERE chamber='s'") == 4
    assert store.scalar("SELECT count(*) FROM event WHERE kind='vote.recorded'") == 4
    assert "/robots.txt" in log
    assert sum(p.startswith("/legislative/LIS/roll_call_votes/") for p in log) == 4
    log.clear()
    # Second run: only the votes newer than the stored cursor (none) plus the last 3 days (372).
    _crawl(store, "senate_votes", congress=119, session=1, base_url=base)
    fetched = [p for p in log if "roll_call_votes" in p]
    assert fetched == ["/legislative/LIS/roll_call_votes/vote1191/vote_119_1_00372.xml"]
    assert store.scalar("SELECT count(*) FROM event") == 4
    assert store.scalar("SELECT max(revision) FROM event") == 1


def test_house_spider_local_replay(store, site):
    base, log = site
    _crawl(store, "house_votes", year=2025, base_url=base)
    assert sorted(r[0] for r in store.rows("SELECT vote_id FROM vote")) == ["h1-119.2025", "h2-119.2025"]
    assert "/evs/2025/roll003.xml" in log  # walked until the 404
    log.clear()
    _crawl(store, "house_votes", year=2025, base_url=base)
    assert store.scalar("SELECT count(*) FROM event") == 2
    assert "/evs/2025/roll003.xml" in log


def test_senate_menu_callback_selects_new_and_recent(store):
    body = (VOTES / "vote_menu_119_1.xml").read_bytes()
    spider = SenateVotesSpider(congress=119, session=1, base_url="http://127.0.0.1:9")
    resp = XmlResponse(url="http://127.0.0.1:9/legislative/LIS/roll_call_lists/vote_menu_119_1.xml", body=body,
                       request=Request("http://127.0.0.1:9/x"))
    reqs = list(spider.parse_menu(resp))
    assert [r.url.rsplit("/", 1)[-1] for r in reqs] == ["vote_119_1_00001.xml", "vote_119_1_00003.xml",
                                                         "vote_119_1_00007.xml", "vote_119_1_00372.xml"]
    vote = XmlResponse(url=reqs[-1].url, body=(VOTES / "vote_119_1_00372.xml").read_bytes(), request=reqs[-1])
    [doc] = list(spider.parse_vote(vote, number=372))
    assert isinstance(doc, RawDocument) and doc.kind == "senate_vote"


def test_select_votes_on_the_real_menu():
    path = SHARED_FIXTURES / "senate_votes/vote_menu_119_1.xml"
    if not path.exists():
        pytest.skip("../shared/fixtures is absent")
    entries = parse_menu(path.read_bytes())
    fast = select_votes(entries, stored=set(range(1, 656)), recheck_days=3)
    assert [e.number for e in fast][-4:] == [656, 657, 658, 659]
    assert all(e.date.isoformat() >= "2025-12-15" for e in fast)
    assert len(select_votes(entries, set(), 3)) == 659
    assert len(select_votes(entries, set(range(1, 660)), 3, mode="full")) == 659
    # a gap below the newest stored vote (a killed run, one failed fetch) is filled by the next run
    gap = select_votes(entries, stored=set(range(1, 656)) - {17}, recheck_days=3)
    assert 17 in [e.number for e in gap]
