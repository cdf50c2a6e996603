"""Developer kit for adding sources (docs/adding-a-spider.md).

- ``tracker new-spider NAME --kind html|feed|xml|api --url URL``: spider, parser, fixture folder,
  a failing test to fill in, and a disabled schedule entry.
- ``tracker record URL... --to tests/fixtures/NAME/``: save responses (body + ``.meta.json`` sidecar).
- ``tracker check-spider NAME [--update]``: parser output vs golden JSON files, with a diff.
- ``tracker replay NAME``: run the whole crawl offline from the recorded responses.
- ``tracker smoke-check [NAME...]``: fetch each source's live sample page; a page that stopped
  matching its parser records a ``source.alarm`` event.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import typer


def err(message: str) -> None:
    """One line on stderr (as tracker.cli.err; not imported from there: tracker.cli imports this module)."""
    typer.echo(message, err=True)


def fail(message: str, code: int = 2) -> None:
    err(f"error: {message}")
    raise typer.Exit(code)

# Response headers never written to a fixture: cookies and credentials (they would end up in git).
DROPPED_HEADERS = {"set-cookie", "cookie", "authorization", "proxy-authorization", "x-api-key", "www-authenticate"}
# Query parameters that carry credentials (api.congress.gov accepts ?api_key=): redacted in sidecars.
SECRET_PARAMS = {"api_key", "apikey", "key", "token", "access_token", "auth", "signature", "sig", "password"}
MAX_RECORD_BYTES = 32 * 1024 * 1024  # the crawl's DOWNLOAD_MAXSIZE
SMOKE_JOB = "smoke_check"


# --- new-spider ----------------------------------------------------------------------------------

def _root() -> Path:
    from scrapers.devkit import project_root
    return project_root()


def schedule_path(root: Path | None = None) -> Path:
    return (root or _root()) / "schedules" / "schedule.toml"


def schedule_entry(job_id: str, spider: str, kind: str) -> str:
    """A disabled ``[jobs.<id>]`` table for a new spider, in schedules/schedule.toml's format
    (schedules/config.py validates it)."""
    # Newsrooms and feeds change a few times a day: every 6 hours, at a quiet minute, is polite.
    return (f'\n# --- {job_id}: added by `tracker new-spider --kind {kind}`; enable it once its tests pass\n'
            f'# (docs/adding-a-spider.md, "Schedule it").\n'
            f'[jobs.{job_id}]\n'
            f'description = "{job_id} ({kind}), scaffolded by tracker new-spider"\n'
            f'spider = "{spider}"\n'
            f'cron = {{ hour = "*/6", minute = 17 }}\n'
            f'timezone = "America/New_York"\n'
            f'timeout = "15m"\n'
            f'misfire_grace = "1h"\n'
            f'enabled = false\n')


def append_schedule_entry(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    sep = "" if (not old or old.endswith("\n")) else "\n"
    path.write_text(old + sep + text, encoding="utf-8")


def job_ids(path: Path) -> set[str]:
    """Job ids already in the schedule file (read with tomllib; empty when absent)."""
    import tomllib
    if not path.exists():
        return set()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    jobs = data.get("jobs", [])
    if isinstance(jobs, dict):  # [jobs.<id>] tables
        return set(jobs)
    return {str(j.get("id")) for j in jobs if isinstance(j, dict)}


def new_spider(name: str, kind: str, url: str, domain: str | None = None, root: Path | None = None) -> list[Path]:
    """Write the scaffold for a new source; returns the paths written. ValueError on any conflict."""
    from scrapers.templates import scaffold
    root = root or _root()
    files = scaffold(name, kind, url, domain)
    for rel in files:
        if (root / rel).exists():
            raise ValueError(f"{rel} already exists: pick another name or delete the old files first")
    sched = schedule_path(root)
    if name in job_ids(sched):
        raise ValueError(f"{sched.relative_to(root)} already has a job {name!r}")
    written = []
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
        written.append(p)
    fx = root / "tests" / "fixtures" / name
    fx.mkdir(parents=True, exist_ok=True)
    readme = fx / "README.md"
    if not readme.exists():
        readme.write_text(f"# Recorded responses of the {name} source\n\n"
                          f"Record: `tracker record {url} --to tests/fixtures/{name}/`\n"
                          f"Golden files (`*.golden.json`): `tracker check-spider {name} --update`\n", encoding="utf-8")
    written.append(fx)
    append_schedule_entry(schedule_entry(name, name, kind), sched)
    written.append(sched)
    return written


# --- record --------------------------------------------------------------------------------------

def redact_url(url: str) -> tuple[str, bool]:
    """The URL with credential-like query values replaced by REDACTED; (url, whether any was)."""
    parts = urlsplit(url)
    if not parts.query:
        return url, False
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    hit = any(k.lower() in SECRET_PARAMS for k, _ in pairs)
    if not hit:
        return url, False
    q = urlencode([(k, "REDACTED" if k.lower() in SECRET_PARAMS else v) for k, v in pairs])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, q, parts.fragment)), True


_EXT = (("json", ".json"), ("html", ".html"), ("xml", ".xml"), ("rss", ".xml"), ("atom", ".xml"),
        ("pdf", ".pdf"), ("plain", ".txt"), ("csv", ".csv"))


def fixture_filename(url: str, content_type: str | None) -> str:
    """A readable file name for a recorded URL: the path's slug, plus an extension from the type."""
    parts = urlsplit(url)
    slug = re.sub(r"[^A-Za-z0-9._]+", "-", parts.path.strip("/")).strip("-.") or "index"
    if parts.query:
        slug += "-" + re.sub(r"[^A-Za-z0-9]+", "-", parts.query).strip("-")[:40]
    slug = slug[-100:].lstrip("-.") or "index"
    if not re.search(r"\.[A-Za-z0-9]{2,5}$", slug):
        ctype = (content_type or "").lower()
        slug += next((ext for key, ext in _EXT if key in ctype), ".bin")
    return slug


def _target(url: str, content_type: str | None, to: Path, safe_url: str) -> Path:
    """Where a recorded URL goes in ``to`` (a second URL with the same slug gets a hash suffix)."""
    name = fixture_filename(safe_url, content_type)  # never a credential in a file name
    target = to / name
    side = target.with_name(target.name + ".meta.json")
    if side.exists():
        try:
            prev = json.loads(side.read_text(encoding="utf-8")).get("url")
        except ValueError:
            prev = None
        if prev and prev != safe_url:  # same slug, different URL: keep both
            stem, dot, ext = name.rpartition(".")
            target = to / f"{stem}-{hashlib.sha1(safe_url.encode()).hexdigest()[:8]}{dot}{ext}"
    return target


def _write(target: Path, body: bytes, meta: dict) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    target.with_name(target.name + ".meta.json").write_text(
        json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


_TYPES = {".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".xml": "application/xml",
          ".rss": "application/rss+xml", ".json": "application/json", ".txt": "text/plain", ".pdf": "application/pdf"}


def record_file(url: str, source: Path, to: Path) -> tuple[Path, dict]:
    """Record a page saved by other means (a browser's "Save page as", for sites that refuse
    scripts) as the response of ``url``."""
    body = source.read_bytes()
    safe_url, _ = redact_url(url)
    ctype = _TYPES.get(source.suffix.lower(), "application/octet-stream")
    meta = {"url": safe_url, "final_url": safe_url, "status": 200,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "headers": {"Content-Type": ctype}, "recorded_by": f"tracker record --from-file {source.name}"}
    target = _target(url, ctype, to, safe_url)
    _write(target, body, meta)
    return target, meta


def record_url(url: str, to: Path, timeout: float = 30.0) -> tuple[Path, dict]:
    """Fetch one URL with requests and save body + sidecar under ``to``. Raises OSError-like
    ``requests.RequestException`` on transport errors and ValueError on an oversize body."""
    import requests
    from scrapers import settings as scrapy_settings
    resp = requests.get(url, timeout=timeout, stream=True, allow_redirects=True,
                        headers={"User-Agent": scrapy_settings.USER_AGENT})
    body = bytearray()
    for chunk in resp.iter_content(65536):
        body.extend(chunk)
        if len(body) > MAX_RECORD_BYTES:
            resp.close()
            raise ValueError(f"response larger than {MAX_RECORD_BYTES} bytes: not recorded")
    safe_url, _ = redact_url(url)
    final_url, _ = redact_url(resp.url)
    meta = {"url": safe_url, "final_url": final_url, "status": resp.status_code,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "headers": {k: v for k, v in resp.headers.items() if k.lower() not in DROPPED_HEADERS},
            "recorded_by": "tracker record"}
    target = _target(url, resp.headers.get("Content-Type"), to, safe_url)
    _write(target, bytes(body), meta)
    return target, meta


# --- smoke check ---------------------------------------------------------------------------------

def smoke_sources() -> list[str]:
    """Parser modules that declare live ``SAMPLE_URLS`` (the sources a smoke check can test)."""
    import importlib
    import pkgutil
    import scrapers.parsers as pkg
    out = []
    for mod in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"scrapers.parsers.{mod.name}")
        if getattr(module, "SAMPLE_URLS", None):
            out.append(mod.name)
    return sorted(out)


def smoke_check_one(name: str, urls: list[str] | None = None, timeout: float = 30.0) -> list[tuple[str, list[str], str]]:
    """(url, problems, reason) per sample URL of a source; problems empty when the page matches."""
    import requests
    from scrapers import settings as scrapy_settings
    from scrapers.devkit import load_parser, smoke_problems
    module = load_parser(name)
    out = []
    for url in urls or list(getattr(module, "SAMPLE_URLS", [])):
        try:
            resp = requests.get(url, timeout=timeout, headers={"User-Agent": scrapy_settings.USER_AGENT})
        except requests.RequestException as exc:
            out.append((url, [f"fetch failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"], "fetch_failed"))
            continue
        if resp.status_code >= 400:
            out.append((url, [f"fetch failed: HTTP {resp.status_code}"], "fetch_failed"))
            continue
        problems = smoke_problems(module, resp.content, resp.url)
        out.append((url, problems, "layout_changed" if problems else "ok"))
    return out


def record_alarm(name: str, reason: str, details: str, url: str) -> None:
    """A ``source.alarm`` event (docs/event-kinds.md): one per source, reason and day."""
    from db.migrate import upgrade
    from db.records import EventRecord
    from db.store import record
    upgrade()
    now = datetime.now(timezone.utc)
    ev = EventRecord(kind="source.alarm", key=f"alarm:{name}:{reason}:{now.date().isoformat()}",
                     title=f"{name}: live page no longer matches its parser ({details})"[:300]
                     if reason == "layout_changed" else f"{name}: live sample page unreachable ({details})"[:300],
                     # The day, not the instant: re-running the check the same day finds the same
                     # event (identical content is a no-op), not a new revision per run.
                     occurred_at=datetime(now.year, now.month, now.day, tzinfo=timezone.utc), source_url=url,
                     data={"job": SMOKE_JOB, "spider": name, "reason": reason, "details": details, "run_id": None,
                           "url": url})
    record([ev])


# --- replay --------------------------------------------------------------------------------------

_STAT = re.compile(r"'(item_scraped_count|httpcache/hit|httpcache/miss|httpcache/ignore|tracker/[a-z]+)': (\d+)")


def replay_crawl(name: str, folders: list[Path], timeout: float = 300.0) -> tuple[int, dict[str, int], str]:
    """Run ``scrapy crawl NAME`` in a subprocess against an HTTP cache built from ``folders``
    (missing URLs ignored, never fetched). Returns (exit code, crawl stats, log tail)."""
    from scrapers.replay import write_httpcache
    root = _root()
    with tempfile.TemporaryDirectory(prefix=f"replay-{name}-") as cache:
        n = write_httpcache(folders, cache, name)
        if n == 0:
            raise ValueError(f"no recorded responses with a URL in {', '.join(map(str, folders))}")
        env = dict(os.environ, TRACKER_HTTPCACHE_DIR=cache, SCRAPY_SETTINGS_MODULE="scrapers.settings",
                   PYTHONPATH=os.pathsep.join([str(root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", name, "-s", "LOG_LEVEL=INFO"],
                              cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    stats = {k: int(v) for k, v in _STAT.findall(proc.stderr)}
    tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
    return proc.returncode, stats, tail


# --- CLI -----------------------------------------------------------------------------------------

def register(app: typer.Typer) -> None:
    @app.command("new-spider", epilog="Example: tracker new-spider paul_senate --kind html --url https://www.paul.senate.gov/news/press")
    def new_spider_cmd(
        name: str = typer.Argument(..., help="source name: lower-case letters, digits, _ (e.g. paul_senate)"),
        kind: str = typer.Option(..., "--kind", help="html|feed|xml|api"),
        url: str = typer.Option(..., "--url", help="live URL the spider starts from (also the smoke-check sample)"),
        domain: Optional[str] = typer.Option(None, "--domain", help="allowed domain (default: the URL's host)"),
    ) -> None:
        """Scaffold a new source: spider, parser, fixture folder, a failing test, a disabled schedule entry."""
        try:
            written = new_spider(name, kind, url, domain)
        except (ValueError, OSError) as exc:
            fail(" ".join(str(exc).split()))
        root = _root()
        for p in written:
            typer.echo(f"created  {p.relative_to(root)}" + ("/" if p.is_dir() else "")
                       if p.name != "schedule.toml" else f"appended {p.relative_to(root)} (job {name!r}, enabled = false)")
        typer.echo(f"next: tracker record {url} --to tests/fixtures/{name}/   (then docs/adding-a-spider.md)")

    @app.command("record", epilog="Example: tracker record https://www.paul.senate.gov/news/press --to tests/fixtures/paul_senate/")
    def record_cmd(
        urls: List[str] = typer.Argument(..., help="URLs to fetch"),
        to: Path = typer.Option(..., "--to", help="fixture folder, e.g. tests/fixtures/<source>/"),
        timeout: float = typer.Option(30.0, "--timeout", min=1.0, help="seconds per request"),
        from_file: Optional[Path] = typer.Option(None, "--from-file", help="record this saved file as the response of the (one) URL instead of fetching it"),
    ) -> None:
        """Save responses (body + a .meta.json sidecar with URL, date, status, headers) for offline tests.

        Cookies and credentials are never written; credential-like query values are redacted.
        Sites that refuse scripts (senate.gov can answer 403): save the page from a browser and
        record it with --from-file. Exit code 1 if any URL could not be fetched.
        """
        import requests
        if from_file is not None:
            if len(urls) != 1:
                fail("--from-file records exactly one URL")
            if not from_file.is_file():
                fail(f"{from_file}: no such file")
            path, meta = record_file(urls[0], from_file, to)
            typer.echo(f"recorded {meta['url']} -> {path} ({path.stat().st_size} bytes, from {from_file})")
            return
        failed = 0
        for url in urls:
            if urlsplit(url).scheme not in ("http", "https"):
                err(f"error: {url}: only http(s) URLs can be recorded")
                failed += 1
                continue
            try:
                path, meta = record_url(url, to, timeout)
            except (requests.RequestException, ValueError, OSError) as exc:
                err(f"error: {redact_url(url)[0]}: {' '.join(str(exc).split())[:300]}")
                failed += 1
                continue
            note = "" if 200 <= meta["status"] < 300 else f"  (warning: HTTP {meta['status']})"
            typer.echo(f"recorded {meta['url']} -> {path} ({path.stat().st_size} bytes){note}")
            if redact_url(url)[1]:
                err("warning: a credential in the query string was redacted from the sidecar: send API keys in a header")
        if failed:
            raise typer.Exit(1)

    @app.command("check-spider", epilog="Example: tracker check-spider paul_senate --update")
    def check_spider_cmd(
        name: str = typer.Argument(..., help="source name (its parser is scrapers/parsers/NAME.py)"),
        update: bool = typer.Option(False, "--update", help="rewrite the golden files with the parser's current output"),
        fixtures: Optional[Path] = typer.Option(None, "--fixtures", help="fixture folder (default tests/fixtures/NAME/)"),
    ) -> None:
        """Run the parser over every recorded fixture and diff against its golden JSON file.

        Exit 1 with a unified diff when any output differs or a golden file is missing.
        """
        from scrapers.devkit import check, fixture_dir
        folder = fixtures or fixture_dir(name)
        try:
            outcomes = check(name, folder, update=update)
        except LookupError as exc:
            fail(str(exc.args[0]))
        except ValueError as exc:
            fail(" ".join(str(exc).split()))
        if not outcomes:
            fail(f"no fixtures in {folder}: record some with `tracker record URL --to {folder}/`")
        for o in outcomes:
            typer.echo(o.line)
            if o.diff:
                typer.echo(o.diff, nl=not o.diff.endswith("\n"))
        if update:
            n = sum(o.status == "written" for o in outcomes)
            typer.echo(f"{n} golden file(s) written, {len(outcomes) - n} unchanged")
            return
        bad = [o for o in outcomes if o.status != "same"]
        if bad:
            err(f"error: {len(bad)} of {len(outcomes)} fixture(s) differ from their golden files "
                f"(intended? run: tracker check-spider {name} --update)")
            raise typer.Exit(1)
        typer.echo(f"{len(outcomes)} fixture(s) match their golden files")

    @app.command("replay", epilog="Example: tracker replay paul_senate")
    def replay_cmd(
        name: str = typer.Argument(..., help="spider name"),
        fixtures: Optional[List[Path]] = typer.Option(None, "--fixtures", help="fixture folder(s) (default tests/fixtures/NAME/)"),
        timeout: float = typer.Option(300.0, "--timeout", min=1.0),
    ) -> None:
        """Run the whole crawl offline: `scrapy crawl NAME` served from the recorded responses.

        URLs that were not recorded are skipped, never fetched. Items go to the store as in a live crawl.
        """
        from scrapers.devkit import fixture_dir
        folders = list(fixtures or [fixture_dir(name)])
        try:
            code, stats, tail = replay_crawl(name, folders, timeout)
        except ValueError as exc:
            fail(str(exc))
        except subprocess.TimeoutExpired:
            fail(f"replay of {name} did not finish in {timeout:.0f} s", code=1)
        if code != 0:
            err(tail)
            fail(f"scrapy crawl {name} exited with {code}", code=1)
        typer.echo(f"replayed {name} offline: {stats.get('httpcache/hit', 0)} recorded response(s), "
                   f"{stats.get('item_scraped_count', 0)} document(s); events: {stats.get('tracker/inserted', 0)} inserted, "
                   f"{stats.get('tracker/updated', 0)} updated, {stats.get('tracker/unchanged', 0)} unchanged, "
                   f"{stats.get('tracker/quarantined', 0)} quarantined")
        if not stats.get("item_scraped_count"):
            err(f"error: the replayed crawl yielded nothing (is the start URL recorded?)\n{tail}")
            raise typer.Exit(1)

    @app.command("smoke-check", epilog="Example: tracker smoke-check paul_senate")
    def smoke_check_cmd(
        names: Optional[List[str]] = typer.Argument(None, help="sources to check (default: every parser with SAMPLE_URLS)"),
        url: Optional[List[str]] = typer.Option(None, "--url", help="check this URL instead of the parser's SAMPLE_URLS (one source only)"),
        timeout: float = typer.Option(30.0, "--timeout", min=1.0),
    ) -> None:
        """Fetch each source's live sample page and run its parser; alarm when it stopped matching.

        No items, missing required fields, a parser error or an unreachable page records a
        source.alarm event (reason layout_changed or fetch_failed). Exit 1 when any alarm was recorded.
        """
        from scrapers.devkit import load_parser
        targets = list(names or smoke_sources())
        if url and len(targets) != 1:
            fail("--url needs exactly one source name")
        if not targets:
            typer.echo("no source declares SAMPLE_URLS: nothing to check")
            return
        for n in targets:
            try:
                load_parser(n)
            except LookupError as exc:
                fail(str(exc.args[0]))
        alarms = 0
        for n in targets:
            results = smoke_check_one(n, list(url) if url else None, timeout)
            if not results:
                typer.echo(f"skip   {n}: no SAMPLE_URLS in scrapers/parsers/{n}.py")
            for u, problems, reason in results:
                if problems:
                    alarms += 1
                    details = "; ".join(problems)
                    record_alarm(n, reason, details, u)
                    typer.echo(f"ALARM  {n} {u}: {details}")
                else:
                    typer.echo(f"ok     {n} {u}")
        if alarms:
            err(f"error: {alarms} sample page(s) stopped matching: source.alarm recorded")
            raise typer.Exit(1)
