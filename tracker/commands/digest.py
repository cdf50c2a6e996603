"""Subscriptions and digest mail: ``tracker subscribe|unsubscribe|subscriptions`` and
``tracker digest preview|send``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from tracker.cli import err, fail


def _when(value: Optional[str]):
    if not value:
        return None
    from db.queries import parse_when
    try:
        return parse_when(value)
    except ValueError as exc:
        fail(str(exc))


def register(app: typer.Typer) -> None:
    digest_app = typer.Typer(help="Preview and send digest emails.", no_args_is_help=True)
    app.add_typer(digest_app, name="digest")

    @app.command("subscribe", epilog="Example: tracker subscribe staff@example.org --name 'A. Staffer' "
                                     "--bill hr1-119 --member W000817 --keyword 'artificial intelligence' "
                                     "--frequency daily")
    def subscribe_cmd(
        email: str = typer.Argument(..., help="recipient address"),
        name: Optional[str] = typer.Option(None, "--name", help="recipient's name (shown in the greeting)"),
        bill: Optional[List[str]] = typer.Option(None, "--bill", help="follow a bill, e.g. hr1-119 (repeatable)"),
        member: Optional[List[str]] = typer.Option(None, "--member", help="follow a member by bioguide id (repeatable)"),
        keyword: Optional[List[str]] = typer.Option(None, "--keyword", help="follow a topic: text matched in titles, "
                                                    "letters and provisions, case-insensitive (repeatable)"),
        kind: Optional[List[str]] = typer.Option(None, "--kind", help="only these event kinds, e.g. vote.recorded, "
                                                 "provision.* (repeatable)"),
        frequency: Optional[str] = typer.Option(None, "--frequency", help="daily (default) | weekly | instant "
                                                "(instant: floor votes on followed bills only)"),
    ) -> None:
        """Add a subscription, or extend an existing one (follows are merged)."""
        from tracker.cli import _ensure_store
        from tracker.digest.subscriptions import subscribe
        _ensure_store()
        try:
            sub = subscribe(email, name=name, bills=bill or [], members=member or [], keywords=keyword or [],
                            kinds=kind or [], frequency=frequency)
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"subscribed {sub['email']} ({sub['frequency']}): {_describe(sub)}")

    @app.command("unsubscribe", epilog="Example: tracker unsubscribe staff@example.org")
    def unsubscribe_cmd(email: str = typer.Argument(..., help="recipient address")) -> None:
        """Stop all digests to an address (its unsent mail is cancelled)."""
        from tracker.cli import _ensure_store
        from tracker.digest.subscriptions import normalize_email, unsubscribe
        try:
            addr = normalize_email(email)
        except ValueError as exc:
            fail(str(exc))
        _ensure_store()
        if unsubscribe(addr):
            typer.echo(f"unsubscribed {addr}")
        else:
            fail(f"no active subscription for {addr}", code=1)

    @app.command("subscriptions", epilog="Example: tracker subscriptions")
    def subscriptions_cmd() -> None:
        """List subscriptions: address, frequency, state, high-water mark and what they follow."""
        from tracker.cli import _ensure_store
        from tracker.digest.subscriptions import list_subscriptions
        _ensure_store()
        subs = list_subscriptions()
        if not subs:
            typer.echo("no subscriptions")
            return
        for s in subs:
            state = "active" if s["active"] else "unsubscribed"
            typer.echo(f"{s['email']}  {s['frequency']}  {state}  mark={s['last_event_mailed']}  {_describe(s)}")

    @digest_app.command("preview", epilog="Example: tracker digest preview --to staff@example.org --out digest.eml")
    def preview_cmd(
        to: str = typer.Option(..., "--to", help="the subscriber's address"),
        out: Path = typer.Option(..., "--out", help="write the message here (.eml, exact wire bytes)"),
        now: Optional[str] = typer.Option(None, "--now", help="build as of this ISO time (reproducible previews)"),
    ) -> None:
        """Write exactly the message `digest send` would send next to one subscriber.

        Writes nothing to the store and never moves the high-water mark. A message already waiting in
        the outbox is written as stored; otherwise the digest is built from the current store: a send
        over the same window (with the same --now) produces the same bytes and the same Message-ID.
        """
        from tracker.cli import _ensure_store
        from tracker.digest.outbox import preview
        from tracker.digest.subscriptions import normalize_email
        try:
            addr = normalize_email(to)
        except ValueError as exc:
            fail(str(exc))
        at = _when(now)
        _ensure_store()
        try:
            data = preview(addr, now=at)
        except LookupError as exc:
            fail(str(exc))
        except ValueError as exc:
            fail(str(exc))
        if data is None:
            fail(f"nothing new for {addr}: no digest would be sent", code=1)
        try:
            out.write_bytes(data)
        except OSError as exc:
            fail(f"cannot write {out}: {exc.strerror or exc}")
        typer.echo(f"wrote {out} ({len(data)} bytes)")

    @digest_app.command("send", epilog="Example: tracker digest send --frequency daily")
    def send_cmd(
        frequency: Optional[str] = typer.Option(None, "--frequency", help="daily | weekly | instant (default: all)"),
        now: Optional[str] = typer.Option(None, "--now", help="build as of this ISO time (tests, reproducible runs)"),
    ) -> None:
        """Send due digests: first retry unsent mail from the outbox, then build and send new digests.

        Prints `digests: B built, E empty, S sent, D deferred, F failed`. Exit code 0 when nothing
        failed permanently; 1 when a message failed (5xx) or SMTP was unreachable (mail stays queued).
        """
        from tracker.cli import _ensure_store
        from tracker.digest.outbox import send_due
        from tracker.digest.subscriptions import FREQUENCIES
        if frequency is not None and frequency not in FREQUENCIES:
            fail(f"unknown frequency {frequency!r} (daily, weekly or instant)")
        at = _when(now)
        _ensure_store()
        try:
            report = send_due(frequency, now=at)
        except ValueError as exc:  # configuration (TRACKER_MAIL_FROM)
            fail(str(exc))
        for line in report.errors[:20]:
            err(line)
        typer.echo(report.summary())
        if report.failed or report.deferred:
            raise typer.Exit(1)


def _describe(sub: dict) -> str:
    parts = []
    for key in ("bills", "members", "keywords", "kinds"):
        if sub.get(key):
            parts.append(f"{key}=" + ",".join(sub[key]))
    return " ".join(parts) or "(follows nothing yet)"
