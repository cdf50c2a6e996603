"""Secrets never leak: one full run with sentinel values for ``TRACKER_CONGRESS_API_KEY``,
``TRACKER_SMTP_PASSWORD`` and ``TRACKER_UNSUBSCRIBE_SECRET``, then the sentinels are searched for in
every log line, every file the run wrote, every store row and every email sent.

The run: the congress.gov job (``scrapers/spiders/congress_api.py`` through
``tracker.congress_api``; api.congress.gov faked with ``responses``: a 429, bills, and an error
response whose body echoes the key), a Senate votes crawl through the scheduler's runner at DEBUG log
level with Scrapy's HTTP cache on (local replay server, 127.0.0.1), ``tracker subscribe``, ``tracker
digest send`` through a local aiosmtpd server that requires AUTH (the password must arrive, and only
there), ``tracker digest preview``, ``tracker status``, ``tracker events --format json``, ``tracker
export`` (csv and jsonl).

Each secret is proven to have been *used* (the API saw the key header, the SMTP server saw the
password, the unsubscribe token verifies only with the secret), so "not found" means "not leaked",
not "never loaded".
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
import responses

from tests.conftest import OWN_FIXTURES

API_KEY = "SENTINEL-apikey-Q7x2Lm9Vb4"
SMTP_PASSWORD = "SENTINEL-smtppw-Zr5Tk8Wn3H"
UNSUB_SECRET = "SENTINEL-unsub-Hc6Pd1Yq0J"
SECRETS = {"TRACKER_CONGRESS_API_KEY": API_KEY, "TRACKER_SMTP_PASSWORD": SMTP_PASSWORD,
           "TRACKER_UNSUBSCRIBE_SECRET": UNSUB_SECRET}
API = "https://api.congress.gov/v3"


def forms(secret: str) -> list[bytes]:
    """The secret as it could appear if leaked: raw, URL-quoted, base64 (alone or as SMTP AUTH PLAIN)."""
    raw = secret.encode()
    return [raw, quote(secret).encode(), base64.b64encode(raw), base64.urlsafe_b64encode(raw).rstrip(b"="),
            base64.b64encode(b"\0digest-bot\0" + raw)]


def leaks(blob: bytes | str, where: str) -> list[str]:
    data = blob.encode("utf-8", "replace") if isinstance(blob, str) else bytes(blob)
    found = []
    for name, secret in SECRETS.items():
        if any(f in data for f in forms(secret)):
            found.append(f"{name} in {where}")
    return found


# --- local servers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """aiosmtpd on 127.0.0.1 requiring AUTH (no TLS, test only); keeps each message's raw bytes."""

    def __init__(self, user: str, password: str) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
        self.messages: list[bytes] = []
        self.logins: list[tuple[bytes, bytes]] = []
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                box.messages.append(envelope.original_content or envelope.content)
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            if isinstance(auth_data, LoginPassword):
                box.logins.append((auth_data.login, auth_data.password))
                ok = auth_data.login == user.encode() and auth_data.password == password.encode()
                return AuthResult(success=ok)
            return AuthResult(success=False, handled=False)

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticator,
                                     auth_required=True, auth_require_tls=False)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@pytest.fixture
def senate_site(tmp_path):
    """The hand-made senate.gov fixtures (menu + vote 372) served on 127.0.0.1."""
    root = tmp_path / "site"
    lists = root / "legislative/LIS/roll_call_lists"
    votes = root / "legislative/LIS/roll_call_votes/vote1191"
    lists.mkdir(parents=True)
    votes.mkdir(parents=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    shutil.copy(OWN_FIXTURES / "votes/vote_menu_119_1.xml", lists / "vote_menu_119_1.xml")
    shutil.copy(OWN_FIXTURES / "votes/vote_119_1_00372.xml", votes / "vote_119_1_00372.xml")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --- the run ----------------------------------------------------------------------------------------

def fake_congress_api(rsps: responses.RequestsMock, bundle: dict) -> None:
    bill = f"{API}/bill/119/hr/4321"
    listing = {"bills": [{"congress": 119, "type": "HR", "number": "4321", "updateDate": "2025-07-11T02:00:00Z"},
                         {"congress": 119, "type": "HR", "number": "4322", "updateDate": "2025-07-11T03:00:00Z"}],
               "pagination": {"count": 2}}
    rsps.get(f"{API}/bill/119", status=429, headers={"Retry-After": "0"},
                  body=f'{{"error": "rate limit exceeded for api_key {API_KEY}"}}')
    rsps.get(f"{API}/bill/119", json=listing)
    rsps.get(bill, json={"bill": bundle["bill"], "request": bundle["request"]})
    for endpoint, key in [("actions", "actions"), ("text", "textVersions"), ("cosponsors", "cosponsors"),
                          ("committees", "committees"), ("relatedbills", "relatedBills"), ("summaries", "summaries"),
                          ("titles", "titles")]:
        items = bundle.get(key, [])
        rsps.get(f"{bill}/{endpoint}", json={key: items, "pagination": {"count": len(items)}})
    # api.data.gov echoes the key it refused: the body must not travel into errors, logs or the store.
    rsps.get(f"{API}/bill/119/hr/4322", status=500,
                  body=f"<html><body>Internal error. API_KEY_INVALID: {API_KEY} (X-Api-Key: {API_KEY})</body></html>")


def crawl_through_runner(store_url: str, base: str, folder: Path):
    from schedules.config import load_schedule
    from schedules.runner import Runner
    cache = folder / "httpcache"
    sched = folder / "schedule.toml"
    sched.write_text(f"""
[scheduler]
timezone = "America/New_York"

[jobs.senate_votes]
spider = "senate_votes"
args = {{ congress = "119", session = "1", mode = "full", base_url = "{base}" }}
settings = {{ LOG_LEVEL = "DEBUG", DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, HTTPCACHE_ENABLED = true, HTTPCACHE_DIR = "{cache}" }}
cron = {{ day_of_week = "mon-fri", hour = "9-23", minute = 5 }}
timezone = "America/New_York"
timeout = "120s"
""")
    runner = Runner(load_schedule(sched), store_url)
    return runner.run(runner.schedule.get("senate_votes"), trigger="manual")


def dump_store(store) -> str:
    """Every row of every table as text; Compressed columns come back decompressed through the model
    types (source_document.content is the raw payload)."""
    from sqlmodel import SQLModel
    import db.models  # noqa: F401
    parts = []
    with store.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                for v in row:
                    if isinstance(v, (bytes, bytearray, memoryview)):
                        parts.append(bytes(v).decode("latin-1"))
                    elif isinstance(v, (dict, list)):
                        parts.append(json.dumps(v))
                    else:
                        parts.append(str(v))
    return "\n".join(parts)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_secrets_reach_no_log_file_row_or_email(store, tmp_path, monkeypatch, caplog, capsys, cli, senate_site):
    from tracker.digest.tokens import verify_token
    from tracker.settings import get_settings

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    mailbox = Mailbox("digest-bot", SMTP_PASSWORD)
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("TRACKER_SMTP_USER", "digest-bot")
    monkeypatch.setenv("TRACKER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRACKER_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("TRACKER_SMTP_TIMEOUT", "10")
    monkeypatch.setenv("TRACKER_MAIL_FROM", "Tracker <tracker@example.org>")
    monkeypatch.setenv("TRACKER_PUBLIC_URL", "https://tracker.example.org")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TRACKER_LOG_LEVEL", "DEBUG")
    get_settings(fresh=True)
    caplog.set_level(logging.DEBUG)
    outputs: list[tuple[str, str]] = []
    try:
        # 1. congress.gov: a 429 (honoured), one bill recorded, then a 500 that echoes the key.
        from scrapers.spiders import congress_api as job
        bundle = json.loads((OWN_FIXTURES / "bills/api_bundle_119_hr_4321.json").read_text())
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            fake_congress_api(rsps, bundle)
            rc = job.main(["--congress", "119"])
            sent_keys = {c.request.headers.get("X-Api-Key") for c in rsps.calls}
            urls = " ".join(c.request.url for c in rsps.calls)
        assert rc == 1  # stopped on the 500, the bill before it recorded
        assert sent_keys == {API_KEY}, "the API key was not used: the test would prove nothing"
        assert API_KEY not in urls
        api = capsys.readouterr()
        outputs += [("congress_api stdout", api.out), ("congress_api stderr", api.err)]
        assert "HTTP 500" in api.err and "***" in api.err  # the error is reported, the key masked
        assert store.scalar("SELECT count(*) FROM event WHERE bill_id = 'hr4321-119'") > 0

        # 2. a crawl at DEBUG through the scheduler's runner (a subprocess, its log kept), HTTP cache on.
        res = crawl_through_runner(store.url, senate_site, tmp_path)
        # (the local site's menu lists votes it does not serve: those 404s make the run degraded)
        assert res.status in ("ok", "degraded") and res.items >= 1, res.line()
        assert store.scalar("SELECT count(*) FROM vote WHERE vote_id = 's372-119.2025'") == 1
        assert any((tmp_path / "httpcache").rglob("response_body")), "the HTTP cache was not written"
        run_log = Path(res.log_path).read_text(errors="replace")
        assert "DEBUG" in run_log
        outputs.append(("crawl run log", run_log))

        # 3. digests: subscribe, send through SMTP with AUTH, preview.
        for args in (("subscribe", "staff@example.org", "--name", "A. Staffer", "--bill", "hr1-119", "--bill",
                      "hr4321-119"),
                     ("digest", "preview", "--to", "staff@example.org", "--out", str(tmp_path / "preview.eml")),
                     ("digest", "send"),
                     ("status", "--format", "json"),
                     ("events", "--format", "json", "--limit", "1000"),
                     ("export", "--format", "csv", "--out", str(tmp_path / "export_csv")),
                     ("export", "--format", "jsonl", "--out", str(tmp_path / "export_jsonl"))):
            r = cli(*args)
            outputs.append((f"tracker {' '.join(args[:2])}", r.output))
            assert r.exit_code == 0, (args, r.output)
        assert mailbox.logins == [(b"digest-bot", SMTP_PASSWORD.encode())], "SMTP AUTH did not use the password"
        assert len(mailbox.messages) == 1
        status = json.loads(outputs[-4][1])
        assert any(j["job"] == "senate_votes" for j in status["jobs"])
        events = json.loads(outputs[-3][1])
        assert len(events) > 5
    finally:
        mailbox.stop()
        get_settings(fresh=True)

    # The unsubscribe link was signed with the secret (verifies with it, not with another key).
    msg = mailbox.messages[0]
    import re
    token = re.search(rb"token=([A-Za-z0-9_\-.]+)", msg.replace(b"=\r\n", b"")).group(1).decode()
    assert verify_token(token, secret=UNSUB_SECRET) == "staff@example.org"
    assert verify_token(token, secret="change-me") is None

    found: list[str] = []
    # Logs: pytest's capture of every logger (DEBUG), the CLI outputs, the congress.gov job's output,
    # the crawl's own log file.
    # (not aiosmtpd's own "mail.log": the fake server logs the AUTH exchange it receives by design).
    tracker_logs = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records if not r.name.startswith("mail.log"))
    assert "senate_votes" in tracker_logs or "congress.gov" in tracker_logs
    found += leaks(tracker_logs, "log records")
    for where, text in outputs:
        found += leaks(text, where)
    # Every email, as the server received it.
    for i, m in enumerate(mailbox.messages):
        found += leaks(m, f"email {i}")
    # Every file the run wrote: HTTP cache, run logs and reports, exports, the preview, the store file.
    files = [p for p in tmp_path.rglob("*") if p.is_file()] + [p for p in data_dir.rglob("*") if p.is_file()]
    assert any("export_csv" in str(p) for p in files) and any("export_jsonl" in str(p) for p in files)
    for p in files:
        found += leaks(p.read_bytes(), str(p.relative_to(tmp_path)))
    # Every store row, payloads decompressed (source_document.content), crawl reports, outbox bytes.
    found += leaks(dump_store(store), "the store")
    assert not found, "secrets leaked: " + "; ".join(sorted(set(found)))
