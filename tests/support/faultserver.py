"""A local fault server (127.0.0.1 only) for crawl hardening tests.

Routes: /ok/<name> (a small XML document), /404, /flaky (500 once, then 200), /503 (forever),
/429s (429 with Retry-After: 1 once, then 200), /429d (429 with an HTTP-date 2 s ahead once, then
200), /reset (connection reset), /short (Content-Length larger than the body), /drip (a byte every
second, past any sane timeout), /gzipbomb and /brbomb (small compressed bodies that expand to
hundreds of MB), /huge (a 200 MB body streamed), /robots.txt. Every hit is logged with its time.
"""

from __future__ import annotations

import gzip
import io
import socket
import struct
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK_BODY = b'<?xml version="1.0"?><note><to>tracker</to><body>fine</body></note>'


def _bomb_gzip(mb: int) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as f:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(mb):
            f.write(chunk)
    return buf.getvalue()


def _bomb_brotli(mb: int) -> bytes:
    import brotli
    return brotli.compress(b"\0" * (mb * 1024 * 1024), quality=5)


class FaultServer:
    def __init__(self) -> None:
        self.hits: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        self._gz = _bomb_gzip(300)
        self._br = _bomb_brotli(300)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def _send(self, code, body=b"", headers=None):
                if body is OK_BODY:  # distinct bytes per path (the store de-duplicates by hash)
                    body = OK_BODY.replace(b"fine", self.path.encode("ascii", "replace"))
                self.send_response(code)
                hdrs = {"Content-Type": "application/xml", "Content-Length": str(len(body))}
                hdrs.update(headers or {})
                for k, v in hdrs.items():
                    self.send_header(k, v)
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def do_GET(self):  # noqa: C901 - a route table
                path = self.path.split("?")[0]
                with server.lock:
                    n = len(server.hits.setdefault(path, []))
                    server.hits[path].append(time.monotonic())
                if path == "/robots.txt":
                    return self._send(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
                if path.startswith("/ok/"):
                    return self._send(200, OK_BODY)
                if path == "/404":
                    return self._send(404, b"not here")
                if path == "/flaky":
                    return self._send(500 if n == 0 else 200, b"oops" if n == 0 else OK_BODY)
                if path == "/503":
                    return self._send(503, b"down")
                if path == "/429s":
                    return self._send(429, b"slow down", {"Retry-After": "1"}) if n == 0 else self._send(200, OK_BODY)
                if path == "/429d":
                    if n == 0:
                        return self._send(429, b"slow down", {"Retry-After": formatdate(time.time() + 2, usegmt=True)})
                    return self._send(200, OK_BODY)
                if path == "/reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    return None
                if path == "/short":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(OK_BODY) + 5000))
                    self.end_headers()
                    self.wfile.write(OK_BODY[:30])
                    self.wfile.flush()
                    self.close_connection = True
                    return None
                if path == "/drip":
                    self.send_response(200)
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    try:
                        for _ in range(30):
                            self.wfile.write(b"x")
                            self.wfile.flush()
                            time.sleep(1)
                    except OSError:
                        pass
                    return None
                if path == "/gzipbomb":
                    return self._send(200, server._gz, {"Content-Encoding": "gzip"})
                if path == "/brbomb":
                    return self._send(200, server._br, {"Content-Encoding": "br"})
                if path == "/huge":
                    size = 200 * 1024 * 1024
                    self.send_response(200)
                    self.send_header("Content-Length", str(size))
                    self.end_headers()
                    chunk = b"<x>" + b"a" * (1024 * 1024 - 3)
                    try:
                        for _ in range(200):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    return None
                return self._send(404, b"unknown route")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "FaultServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
