"""Recorded responses, replayed offline.

``tracker record URL --to tests/fixtures/<source>/`` saves each response body next to a sidecar
``<file>.meta.json`` (``url``, ``date``, ``status``, ``headers`` without cookies or credentials).
This module reads such folders back and replays them two ways:

- :func:`write_httpcache` turns a fixture folder into Scrapy's filesystem HTTP cache, so a whole
  crawl runs offline (``TRACKER_HTTPCACHE_DIR``, ``HTTPCACHE_IGNORE_MISSING``: a URL that was not
  recorded is dropped, never fetched). ``tracker replay NAME`` does this for one spider.
- :class:`ReplayServer` serves fixture folders on 127.0.0.1 by URL path and query, for clients
  that are not Scrapy (``requests``) and for tests.

Files without a sidecar (hand-made fixtures) are served at ``/<file name>`` and have no URL.
"""

from __future__ import annotations

import json
import pickle
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

META_SUFFIX = ".meta.json"
GOLDEN_SUFFIX = ".golden.json"
# Headers describing the transfer of the original bytes, not the bytes we stored (requests
# decodes gzip/br and re-chunks): replaying them would make Scrapy decompress twice.
_TRANSFER_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass
class Recorded:
    """One recorded response: the body file and what its sidecar says."""

    path: Path
    meta: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def url(self) -> str | None:
        return self.meta.get("url")

    @property
    def status(self) -> int:
        return int(self.meta.get("status") or 200)

    @property
    def headers(self) -> dict[str, str]:
        return {k: v for k, v in (self.meta.get("headers") or {}).items() if k.lower() not in _TRANSFER_HEADERS}

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()

    @property
    def golden_path(self) -> Path:
        return self.path.with_name(self.path.name + GOLDEN_SUFFIX)


def is_document(path: Path) -> bool:
    """A fixture body (not a sidecar, a golden file, a README or a hidden file)."""
    n = path.name
    return (path.is_file() and not n.startswith(".") and not n.endswith((META_SUFFIX, GOLDEN_SUFFIX))
            and not n.lower().startswith("readme"))


def recorded(folder: str | Path) -> list[Recorded]:
    """The documents of a fixture folder (sorted by file name), with their sidecars when present."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.iterdir()):
        if not is_document(p):
            continue
        side = p.with_name(p.name + META_SUFFIX)
        meta = {}
        if side.is_file():
            try:
                meta = json.loads(side.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ValueError(f"{side}: bad sidecar JSON: {exc}") from None
        out.append(Recorded(p, meta))
    return out


# --- Scrapy HTTP cache ---------------------------------------------------------------------------

def write_httpcache(folders: Iterable[str | Path], cache_dir: str | Path, spider_name: str) -> int:
    """Write the recorded responses of ``folders`` as Scrapy ``FilesystemCacheStorage`` entries for
    ``spider_name`` under ``cache_dir``. Returns how many entries were written (documents without a
    URL are skipped). Entries are keyed by Scrapy's default request fingerprint of a GET."""
    from scrapy import Request
    from scrapy.http.headers import Headers
    from scrapy.utils.request import fingerprint

    n = 0
    for folder in folders:
        for rec in recorded(folder):
            if not rec.url:
                continue
            req = Request(rec.url)
            key = fingerprint(req).hex()
            rpath = Path(cache_dir) / spider_name / key[0:2] / key
            rpath.mkdir(parents=True, exist_ok=True)
            meta = {"url": rec.url, "method": "GET", "status": rec.status,
                    "response_url": rec.meta.get("final_url") or rec.url, "timestamp": time.time()}
            (rpath / "meta").write_bytes(repr(meta).encode("utf-8"))
            (rpath / "pickled_meta").write_bytes(pickle.dumps(meta, protocol=4))
            (rpath / "response_headers").write_bytes(_raw_headers(Headers(rec.headers)))
            (rpath / "response_body").write_bytes(rec.body)
            (rpath / "request_headers").write_bytes(_raw_headers(req.headers))
            (rpath / "request_body").write_bytes(b"")
            n += 1
    return n


def _raw_headers(headers) -> bytes:
    from scrapy.utils.python import to_bytes
    lines = []
    for k, vs in headers.items():
        for v in vs:
            lines.append(to_bytes(k) + b": " + to_bytes(v))
    return b"\r\n".join(lines)


# --- local replay server -------------------------------------------------------------------------

class ReplayServer:
    """Serve fixture folders on 127.0.0.1 (a free port) by URL path and query.

    ``with ReplayServer("tests/fixtures/paul_senate") as srv: requests.get(srv.url_for(original))``.
    Unknown paths get 404. ``routes`` maps extra paths to ``(status, headers, body)`` (tests use it
    for pages that changed or broke). Every request path is appended to ``hits``.
    """

    def __init__(self, *folders: str | Path, routes: dict[str, tuple[int, dict, bytes]] | None = None):
        self.routes: dict[str, tuple[int, dict, bytes]] = {}
        for folder in folders:
            for rec in recorded(folder):
                key = _path_key(rec.url) if rec.url else "/" + rec.name
                self.routes[key] = (rec.status, rec.headers, rec.body)
        self.routes.update(routes or {})
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                server.hits.append(self.path)
                status, headers, body = server.routes.get(self.path, (404, {"Content-Type": "text/plain"}, b"not recorded"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url_for(self, original: str) -> str:
        """The replay URL of an original URL (same path and query)."""
        return self.url + _path_key(original)

    def start(self) -> "ReplayServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replay-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _path_key(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
