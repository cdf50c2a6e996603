"""The config-driven newsroom spider: listing -> articles -> store, and source.alarm on layout changes.

The end-to-end test crawls a local HTTP server (127.0.0.1) in a subprocess (Twisted's reactor cannot
restart in-process) with a site table written for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scrapers.spiders.newsroom import NewsroomSpider, layout_alarms

REPO = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures" / "letters"


def test_layout_alarms_rules():
    counts = {
        "ok": {"listing_pages": 1, "links": 3, "articles": 3, "valid": 3},
        "empty": {"listing_pages": 2, "links": 0},
        "changed": {"listing_pages": 1, "links": 2, "articles": 2, "invalid": 2},
        "lost": {"listing_pages": 1, "links": 4, "articles": 4, "valid": 1, "incomplete": 3, "missing_published": 3},
        "dark": {"errors": 3},
    }
    alarms = {a.data["site"]: a for a in layout_alarms("newsroom", counts)}
    assert set(alarms) == {"empty", "changed", "lost", "dark"}
    assert alarms["empty"].data["reason"] == "empty_run"
    assert alarms["changed"].data["reason"] == "layout_changed"
    assert "published" in alarms["lost"].title
    assert alarms["dark"].data["reason"] == "fetch_failed"
    assert alarms["empty"].key.startswith("alarm:newsroom/empty:empty_run:")
    assert all(a.kind == "source.alarm" for a in alarms.values())


def test_unknown_site_argument_is_refused():
    with pytest.raises(ValueError, match="unknown newsroom site"):
        NewsroomSpider(sites="no-such-site").selected_sites()


def _listing(links: list[str]) -> str:
    items = "".join(f'<div class="item"><span class="date">07.0{i + 1}.25</span><h2 class="title">'
                    f'<a href="{u}">Press release number {i} with a long enough title</a></h2></div>'
                    for i, u in enumerate(links))
    return f"<html><body><nav><a href='/'>Home</a></nav><div id='list'>{items}</div></body></html>"


@pytest.fixture
def local_site(tmp_path):
    root = tmp_path / "www"
    for d in ("warren", "finance", "broken", "empty"):
        (root / d).mkdir(parents=True)
    (root / "warren" / "list.html").write_text(_listing(["/warren/letter.html", "/warren/statement.html"]))
    (root / "warren" / "letter.html").write_bytes((FIX / "warren_ssa_letter.html").read_bytes())
    (root / "warren" / "statement.html").write_bytes((FIX / "warren_statement_hr1.html").read_bytes())
    (root / "finance" / "list.html").write_text(_listing(["/finance/letter.html"]))
    (root / "finance" / "letter.html").write_bytes((FIX / "finance_ranking_ssa_letter.html").read_bytes())
    (root / "broken" / "list.html").write_text(_listing(["/broken/a.html", "/broken/b.html"]))
    for n in ("a", "b"):  # the newsroom moved its text into a script-rendered app: no body any more
        (root / "broken" / f"{n}.html").write_text(
            f"<html><head><title>Press {n}</title></head><body><div id='app'></div><script>render()</script></body></html>")
    (root / "empty" / "list.html").write_text("<html><body><p>Redesign in progress</p></body></html>")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    base = f"http://127.0.0.1:{port}"
    sites = tmp_path / "sites.toml"
    sites.write_text(f'''
[[site]]
id = "local-warren"
domains = ["127.0.0.1"]
paths = ["/warren"]
member = "W000817"
member_name = "Elizabeth Warren"
chamber = "senate"
listing = ["{base}/warren/list.html"]
item_links = "h2.title a"
title = "h1.page-title"
date = ".press-release-meta .date"
date_format = "%B %d, %Y"
body = ".press-release-body"

[[site]]
id = "local-finance"
domains = ["127.0.0.1"]
paths = ["/finance"]
member = "W000779"
member_name = "Ron Wyden"
chamber = "senate"
listing = ["{base}/finance/list.html"]
title = "#press h2.title"
date = "#press span.date"
date_format = "%m.%d.%y"
body = "#press .content"

[[site]]
id = "local-broken"
domains = ["127.0.0.1"]
paths = ["/broken"]
listing = ["{base}/broken/list.html"]

[[site]]
id = "local-empty"
domains = ["127.0.0.1"]
paths = ["/empty"]
listing = ["{base}/empty/list.html"]
''')
    yield base, sites
    server.shutdown()


def test_crawl_end_to_end_with_alarms(store, local_site):
    base, sites = local_site
    env = dict(os.environ, TRACKER_DATABASE_URL=store.url, TRACKER_SITES_FILE=str(sites))
    cmd = [sys.executable, "-m", "scrapy", "crawl", "newsroom", "-a", f"sites_file={sites}",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False",
           "-s", "LOG_LEVEL=WARNING"]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    kinds = dict(store.rows("SELECT kind, count(DISTINCT key) FROM event GROUP BY kind"))
    assert kinds.get("letter.published") == 1          # two copies, one letter
    assert kinds.get("statement.published") == 1
    data = store.scalar("SELECT data FROM event WHERE kind = 'letter.published' ORDER BY revision DESC LIMIT 1")
    data = json.loads(data) if isinstance(data, str) else data
    assert data["sources"] == [f"{base}/finance/letter.html", f"{base}/warren/letter.html"]
    alarms = {k: (json.loads(d) if isinstance(d, str) else d)
              for k, d in store.rows("SELECT key, data FROM event WHERE kind = 'source.alarm'")}
    reasons = {d["site"]: d["reason"] for d in alarms.values()}
    assert reasons == {"local-broken": "layout_changed", "local-empty": "empty_run"}
    # the broken pages were quarantined with a reason, never recorded as empty statements
    assert store.scalar("SELECT count(*) FROM source_document WHERE status = 'quarantined'") == 2
    assert store.scalar("SELECT count(*) FROM event WHERE source_url LIKE '%/broken/%'") == 0
