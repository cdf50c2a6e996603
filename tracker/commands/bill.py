"""``tracker bill BILL_ID``: one bill's readable timeline across every event kind in the store
(actions, votes, text versions, provision changes, letters/statements/news that mention it).

Reads the ``event`` table by ``bill_id`` (current revision of each key), plus letter, statement
and news events whose ``data`` cites the bill (they may concern several bills, so their
``bill_id`` can be empty). Any kind may be absent: the timeline shows what there is.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import typer

LABELS = {"bill.action": "action", "vote.recorded": "vote", "text.published": "text", "letter.published": "letter",
          "statement.published": "statement", "news.published": "news", "source.alarm": "alarm"}
MENTION_KINDS = ("letter.published", "statement.published", "news.published")


def timeline(conn: Any, bill_id: str) -> tuple[dict | None, list[dict]]:
    """(bill row or None, current events about the bill, oldest first)."""
    from sqlalchemy import String, cast, or_, select
    from sqlmodel import SQLModel
    import db.models  # noqa: F401
    ev = SQLModel.metadata.tables["event"]
    bill = SQLModel.metadata.tables["bill"]
    row = conn.execute(select(bill).where(bill.c.bill_id == bill_id)).mappings().first()
    needle = f'%"{bill_id}"%'
    q = (select(ev.c.id, ev.c.kind, ev.c.key, ev.c.revision, ev.c.occurred_at, ev.c.occurred_utc, ev.c.title,
                ev.c.source_url, ev.c.data, ev.c.bill_id)
         .where(or_(ev.c.bill_id == bill_id,
                    (ev.c.kind.in_(MENTION_KINDS)) & (cast(ev.c.data, String).like(needle))))
         .order_by(ev.c.id))
    latest: "OrderedDict[str, dict]" = OrderedDict()
    for r in conn.execute(q).mappings():
        prev = latest.get(r["key"])
        if prev is None or r["revision"] > prev["revision"]:
            latest[r["key"]] = dict(r)
    events = sorted(latest.values(), key=lambda e: (e["occurred_utc"] is None, str(e["occurred_utc"] or ""), e["id"]))
    return (dict(row) if row else None), events


def _day(e: dict) -> str:
    return (e.get("occurred_at") or "")[:10] or "----------"


def render_text(bill_id: str, bill: dict | None, events: list[dict], full: bool = False) -> list[str]:
    from tracker import ids
    b = ids.parse_bill_id(bill_id)
    head = f"{b.citation} ({b.congress}th Congress)"
    lines = []
    if bill:
        title = bill.get("short_title") or bill.get("title")
        lines.append(head + (f": {title}" if title else ""))
        facts = []
        if bill.get("sponsor_id"):
            facts.append(f"sponsor {bill['sponsor_id']}")
        if bill.get("introduced_date"):
            facts.append(f"introduced {bill['introduced_date']}")
        if bill.get("latest_action_date"):
            facts.append(f"latest action {bill['latest_action_date']}: {bill.get('latest_action_text') or ''}".rstrip(": "))
        if facts:
            lines.append("  " + "; ".join(facts))
    else:
        lines.append(head)
    counts: dict[str, int] = {}
    for e in events:
        k = "provision" if e["kind"].startswith("provision.") else LABELS.get(e["kind"], e["kind"])
        counts[k] = counts.get(k, 0) + 1
    lines.append("  " + (", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in counts.items()) or "no events"))
    lines.append("")
    shown_prov: dict[tuple, int] = {}
    hidden: dict[tuple, int] = {}
    for e in events:
        kind, data = e["kind"], e.get("data") or {}
        if kind.startswith("provision."):
            pair = (data.get("from_version"), data.get("to_version"))
            if not full and shown_prov.get(pair, 0) >= 5:
                hidden[pair] = hidden.get(pair, 0) + 1
                continue
            shown_prov[pair] = shown_prov.get(pair, 0) + 1
            lines.append(f"{_day(e)}  provision  {kind.split('.', 1)[1]}: {e['title']}")
            continue
        label = LABELS.get(kind, kind)
        extra = ""
        if kind == "bill.action":
            cls = data.get("classification")
            extra = f"[{cls}] " if cls and cls != "other" else ""
            if data.get("vote_ids"):
                extra += f"(votes: {', '.join(data['vote_ids'])}) "
        text = e["title"]
        if text.startswith(f"{b.citation}: "):
            text = text[len(b.citation) + 2:]
        lines.append(f"{_day(e)}  {label:<9}  {extra}{text}")
    for (frm, to), n in hidden.items():
        lines.append(f"            ... and {n} more provision changes {frm} -> {to} (--full shows all)")
    return lines


def register(app: typer.Typer) -> None:
    @app.command("bill", epilog="Example: tracker bill hr1-119\n\nExample: tracker bill s35-117 --format json")
    def bill_cmd(bill_id: str = typer.Argument(..., help="bill id, e.g. hr1-119"),
                 fmt: str = typer.Option("text", "--format", help="text|json"),
                 full: bool = typer.Option(False, "--full", help="list every provision change")) -> None:
        """A bill's timeline: actions, votes, text versions, provision changes and the letters,
        statements and news that mention it, oldest first."""
        from tracker import ids
        if fmt not in ("text", "json"):
            typer.echo(f"error: unknown format {fmt!r} (text or json)", err=True)
            raise typer.Exit(2)
        try:
            bid = str(ids.parse_bill_id(bill_id.strip().lower()))
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2)
        from db.engine import get_engine
        from db.migrate import upgrade
        try:
            upgrade()
            with get_engine().connect() as conn:
                bill, events = timeline(conn, bid)
        except Exception as exc:  # noqa: BLE001 - one clear line
            typer.echo(f"error: cannot read the store: {' '.join(str(exc).split())[:200]}", err=True)
            raise typer.Exit(1)
        if bill is None and not events:
            typer.echo(f"error: nothing known about {bid} (ingest its BILLSTATUS first: tracker ingest "
                       f"BILLSTATUS-....xml, or run the billstatus spider)", err=True)
            raise typer.Exit(1)
        if fmt == "json":
            out = {"bill_id": bid, "bill": {k: v for k, v in (bill or {}).items() if k != "observed_at"} or None,
                   "events": [{"id": e["id"], "kind": e["kind"], "key": e["key"], "revision": e["revision"],
                               "occurred_at": e["occurred_at"], "title": e["title"], "source_url": e["source_url"],
                               "data": e["data"]} for e in events]}
            typer.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
            return
        for line in render_text(bid, bill, events, full):
            typer.echo(line)
