"""The read-only HTTP API (``tracker serve``; FastAPI, OpenAPI docs at ``/docs``).

Routes: ``/events`` (the filters of ``tracker events``), ``/bills/{bill_id}``,
``/bills/{bill_id}/diff?from=eh&to=eas``, ``/members/{member_id}/votes``, ``/search?q=``, and the
RFC 8058 one-click ``POST /unsubscribe?token=...`` (``GET`` shows a one-button form).

Read-only: every read opens the store read-only (SQLite ``mode=ro`` + ``query_only``; Postgres a
``READ ONLY`` transaction with a statement timeout, as ``TRACKER_ANALYST_DATABASE_URL``'s role when
that is set). Only ``POST /unsubscribe`` writes, through ``tracker.digest.subscriptions``. Lists are
paged with ``limit``/``offset`` and capped (:data:`MAX_PAGE`, :data:`MAX_OFFSET`). Bad parameters get
422 with ``{"error": "<one line>", "detail": [...]}``.
"""

from __future__ import annotations

import html
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional

from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

MAX_PAGE = 1000
DEFAULT_PAGE = 100
MAX_OFFSET = 1_000_000
CODE_PATTERN = r"^[a-z]{1,5}$"
KIND_RE = re.compile(r"^[a-z_]+(\.[a-z_]+)*(\.\*?)?$")

DESCRIPTION = __doc__.split("\n\n", 1)[1] if __doc__ else ""


class _DiffCache:
    """The last few diffs, keyed by the two stored documents (immutable, content-addressed)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._d: OrderedDict[tuple[int, int], dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int]) -> dict | None:
        with self._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
            return v

    def put(self, key: tuple[int, int], value: dict) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)


def _bad(message: str) -> HTTPException:
    return HTTPException(status_code=422, detail=message)


def _bill(value: str) -> str:
    from tracker import ids
    try:
        return str(ids.parse_bill_id(value.strip().lower()))
    except ValueError as exc:
        raise _bad(f"bill_id: {exc}") from None


def _page(items: list[Any], limit: int, offset: int, **extra: Any) -> dict[str, Any]:
    return {**extra, "items": items, "limit": limit, "offset": offset,
            "next_offset": offset + limit if len(items) == limit and offset + limit <= MAX_OFFSET else None}


def _plain(row: Any) -> dict[str, Any]:
    out = {}
    for k, v in dict(row).items():
        out[k] = v.isoformat() if hasattr(v, "isoformat") else v
    return out


def create_app(database_url: str | None = None) -> FastAPI:
    """The application. ``database_url`` defaults to ``TRACKER_DATABASE_URL`` (read at each request's
    connection, so tests can point it elsewhere)."""
    app = FastAPI(title="Legislative tracker API", version="1", description=DESCRIPTION,
                  docs_url="/docs", redoc_url=None, openapi_url="/openapi.json")
    diffs = _DiffCache()

    @contextmanager
    def read_conn() -> Iterator[Connection]:
        from tracker.readonly import read_only
        try:
            cm = read_only(database_url)
            conn = cm.__enter__()
        except (FileNotFoundError, ValueError) as exc:
            raise HTTPException(503, detail=f"store not available: {exc}") from None
        try:
            yield conn
        except BaseException as exc:
            if not cm.__exit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            cm.__exit__(None, None, None)

    # --- errors: one clear line ------------------------------------------------------------------

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                  for e in exc.errors()]
        line = "; ".join(f"{d['loc'][-1] if d['loc'] else 'request'}: {d['msg']}" for d in detail) or "invalid request"
        return JSONResponse(status_code=422, content={"error": f"invalid parameter {line}", "detail": detail})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"error": str(exc.detail)},
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def _db_down(_req: Request, exc: OperationalError) -> JSONResponse:
        msg = " ".join(str(exc.orig if exc.orig is not None else exc).split())[:200]
        if "statement timeout" in msg or "canceling statement" in msg:
            return JSONResponse(status_code=503, content={"error": "query took too long (statement timeout)"})
        return JSONResponse(status_code=503, content={"error": f"store not available: {msg}"})

    # --- routes ----------------------------------------------------------------------------------

    @app.get("/events", summary="Events, oldest first (the filters of `tracker events`)")
    def events(
        kind: Optional[List[str]] = Query(None, description="event kind, repeatable; `provision.*` matches a prefix",
                                          max_length=60),
        bill: Optional[str] = Query(None, description="bill id, e.g. hr1-119", max_length=40),
        member: Optional[str] = Query(None, description="bioguide id (or Senate LIS id), e.g. W000817", max_length=16),
        since: Optional[str] = Query(None, description="ISO date/time: occurred at or after", max_length=40),
        until: Optional[str] = Query(None, description="ISO date/time: occurred before", max_length=40),
        order: str = Query("asc", pattern="^(asc|desc)$", description="by occurrence time"),
        limit: int = Query(DEFAULT_PAGE, ge=1, le=MAX_PAGE),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> dict[str, Any]:
        from db.queries import parse_when, select_events
        from tracker import ids
        for k in kind or []:
            if not KIND_RE.match(k):
                raise _bad(f"kind: not an event kind {k!r} (e.g. vote.recorded or provision.*)")
        b = _bill(bill) if bill else None
        try:
            m = ids.member_id(member) if member else None
        except ValueError as exc:
            raise _bad(f"member: {exc}") from None
        try:
            s, u = parse_when(since), parse_when(until)
        except ValueError as exc:
            raise _bad(f"since/until: {exc}") from None
        with read_conn() as conn:
            rows = select_events(conn, kind=kind, bill=b, member=m, since=s, until=u, limit=limit, offset=offset,
                                 order=order)
        return _page(rows, limit, offset)

    @app.get("/bills/{bill_id}", summary="A bill: its record, text versions, votes and event counts")
    def bill(bill_id: str = Path(..., max_length=40, description="e.g. hr1-119")) -> dict[str, Any]:
        b = _bill(bill_id)
        with read_conn() as conn:
            row = conn.execute(text("SELECT * FROM bill WHERE bill_id = :b"), {"b": b}).mappings().first()
            versions = [_plain(r) for r in conn.execute(text(
                "SELECT version_id, code, stage, stage_rank, date, url, sections, document_id FROM text_version "
                "WHERE bill_id = :b ORDER BY stage_rank, date, version_id"), {"b": b}).mappings()]
            votes = [_plain(r) for r in conn.execute(text(
                "SELECT vote_id, chamber, occurred_at, question, result, yea, nay, present, not_voting FROM vote "
                "WHERE bill_id = :b ORDER BY occurred_at, vote_id LIMIT 500"), {"b": b}).mappings()]
            counts = {r[0]: r[1] for r in conn.execute(text(
                "SELECT kind, count(*) FROM bill_timeline WHERE bill_id = :b GROUP BY kind ORDER BY kind"), {"b": b})}
            span = conn.execute(text("SELECT min(occurred_at), max(occurred_at) FROM bill_timeline WHERE bill_id = :b"),
                                {"b": b}).first()
        if row is None and not versions and not votes and not counts:
            raise HTTPException(404, detail=f"no bill {b} in the store")
        return {"bill_id": b, "bill": _plain(row) if row else None, "versions": versions, "votes": votes,
                "event_counts": counts, "first_event_at": span[0] if span else None,
                "last_event_at": span[1] if span else None,
                "timeline": f"/events?bill={b}", "diffs": [
                    f"/bills/{b}/diff?from={versions[i]['code']}&to={versions[i + 1]['code']}"
                    for i in range(len(versions) - 1)]}

    @app.get("/bills/{bill_id}/diff", summary="What changed between two stored text versions (tracker diff --format json)")
    def bill_diff(
        bill_id: str = Path(..., max_length=40, description="e.g. hr1-119"),
        from_: str = Query(..., alias="from", pattern=CODE_PATTERN, description="GPO version code, e.g. eh"),
        to: str = Query(..., pattern=CODE_PATTERN, description="GPO version code, e.g. eas"),
    ) -> dict[str, Any]:
        b = _bill(bill_id)
        if from_ == to:
            raise _bad("from/to: pick two different versions")
        import db.models  # noqa: F401  (registers the tables)
        from sqlmodel import SQLModel
        doc = SQLModel.metadata.tables["source_document"]
        tv = SQLModel.metadata.tables["text_version"]
        with read_conn() as conn:
            found = {r.code: r for r in conn.execute(select(tv.c.code, tv.c.version_id, tv.c.document_id, tv.c.url)
                                                     .where(tv.c.bill_id == b))}
            missing = [c for c in (from_, to) if c not in found or found[c].document_id is None]
            if missing:
                have = ", ".join(sorted(c for c, r in found.items() if r.document_id is not None)) or "none"
                raise HTTPException(404, detail=f"no stored text of {b}:{missing[0]} (stored versions: {have})")
            key = (found[from_].document_id, found[to].document_id)
            cached = diffs.get(key)
            if cached is not None:
                return cached
            bodies = {}
            for c in (from_, to):
                r = conn.execute(select(doc.c.content, doc.c.url).where(doc.c.id == found[c].document_id)).first()
                if r is None or not r.content:
                    raise HTTPException(404, detail=f"the stored document of {b}:{c} has no content")
                bodies[c] = (r.content, r.url or found[c].url)
        try:
            from tracker.diff import diff_versions, parse_bill_text
        except ImportError as exc:
            raise HTTPException(503, detail=f"the diff engine is not available in this install: {exc}") from None
        try:
            old = parse_bill_text(*bodies[from_])
            new = parse_bill_text(*bodies[to])
        except ValueError as exc:  # BillTextError is a ValueError
            raise HTTPException(422, detail=f"a stored version of {b} cannot be read as bill text: {exc}") from None
        out = diff_versions(old, new).to_json()
        diffs.put(key, out)
        return out

    @app.get("/members/{member_id}/votes", summary="How a member voted, newest first (the member_votes view)")
    def member_votes(
        member_id: str = Path(..., max_length=16, description="bioguide id (or Senate LIS id), e.g. W000817"),
        bill: Optional[str] = Query(None, max_length=40, description="only votes on this bill"),
        limit: int = Query(DEFAULT_PAGE, ge=1, le=MAX_PAGE),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> dict[str, Any]:
        from tracker import ids
        try:
            m = ids.member_id(member_id)
        except ValueError as exc:
            raise _bad(f"member_id: {exc}") from None
        b = _bill(bill) if bill else None
        where = "(member_id = :m OR lis_id = :m)" + (" AND bill_id = :b" if b else "")
        with read_conn() as conn:
            member = conn.execute(text(
                "SELECT bioguide_id, lis_id, official_full, first_name, last_name, party, state, district, chamber, "
                "current FROM member WHERE bioguide_id = :m OR lis_id = :m"), {"m": m}).mappings().first()
            rows = [_plain(r) for r in conn.execute(text(
                f"SELECT * FROM member_votes WHERE {where} ORDER BY occurred_at DESC, vote_id DESC "
                "LIMIT :limit OFFSET :offset"), {"m": m, "b": b, "limit": limit, "offset": offset}).mappings()]
        if member is None and not rows and offset == 0:
            raise HTTPException(404, detail=f"no member {m} and no votes of {m} in the store")
        return _page(rows, limit, offset, member=_plain(member) if member else None)

    @app.get("/search", summary="Ranked full-text search over event titles, letters and provision text")
    def search(
        q: str = Query(..., min_length=1, max_length=1000,
                       description='web-search syntax: words, "a phrase", OR, -exclude'),
        kind: Optional[str] = Query(None, max_length=60, description="e.g. letter.published, provision.*, provision.text"),
        bill: Optional[str] = Query(None, max_length=40, description="e.g. hr1-119"),
        limit: int = Query(20, ge=1, le=200),
        offset: int = Query(0, ge=0, le=1000),
    ) -> dict[str, Any]:
        from db.search import search as run_search
        if kind and not KIND_RE.match(kind):
            raise _bad(f"kind: not an event kind {kind!r} (e.g. letter.published or provision.*)")
        b = _bill(bill) if bill else None
        with read_conn() as conn:
            try:
                rows = run_search(conn, q, kind=kind, bill=b, limit=limit, offset=offset)
            except ValueError as exc:
                raise _bad(str(exc)) from None
        return _page(rows, limit, offset, query=q)

    # --- one-click unsubscribe (RFC 8058): the only route that writes ------------------------------

    def _verify(token: str) -> str | None:
        try:
            from tracker.digest.tokens import verify_token
        except ImportError as exc:
            raise HTTPException(503, detail=f"digests are not available in this install: {exc}") from None
        try:
            return verify_token(token)
        except ValueError:
            return None

    @app.get("/unsubscribe", response_class=HTMLResponse, summary="A one-button page confirming the unsubscribe")
    def unsubscribe_form(token: str = Query(..., min_length=1, max_length=600)) -> HTMLResponse:
        if _verify(token) is None:
            return HTMLResponse(_UNSUB_PAGE.format(body="<p>This unsubscribe link is not valid.</p>"), status_code=400)
        action = "/unsubscribe?token=" + html.escape(_urlquote(token), quote=True)
        form = (f'<form method="post" action="{action}">'
                '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                '<button type="submit">Unsubscribe from these digests</button></form>')
        return HTMLResponse(_UNSUB_PAGE.format(body=form))

    @app.post("/unsubscribe", response_class=PlainTextResponse,
              summary="RFC 8058 one-click unsubscribe: no confirmation page, no cookies, no login")
    def unsubscribe(token: str = Query(..., min_length=1, max_length=600)) -> PlainTextResponse:
        email = _verify(token)
        if email is None:
            return PlainTextResponse("This unsubscribe link is not valid.\n", status_code=400)
        from tracker.digest.subscriptions import unsubscribe as do_unsubscribe
        try:
            do_unsubscribe(email)
        except DBAPIError:
            return PlainTextResponse("Could not unsubscribe right now; please try again later.\n", status_code=503)
        # The same answer whether or not the address was subscribed: reveals nothing.
        return PlainTextResponse("You are unsubscribed. No more digests will be sent to this address.\n")

    return app


def _urlquote(value: str) -> str:
    from urllib.parse import quote
    return quote(value, safe="")


_UNSUB_PAGE = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Unsubscribe</title></head>"
               "<body><h1>Unsubscribe</h1>{body}</body></html>")


def serve(host: str = "127.0.0.1", port: int = 8000, database_url: str | None = None) -> None:
    """Run the API with uvicorn (blocking)."""
    import uvicorn
    uvicorn.run(create_app(database_url), host=host, port=port, log_level="info", proxy_headers=False,
                server_header=False)
