"""Sending digests exactly once, through the ``outbox`` table and SMTP (``TRACKER_SMTP_*``).

The protocol (docs/operations.md, "Mail and digests"):

1. Build the digest for the window ``(last_event_mailed, max(event.id)]`` and compose it with its
   Message-ID. In ONE transaction write the outbox row (``pending``, the bytes, ``high_water``) and a
   ``digest_run`` row. Nothing has been sent yet; a crash here leaves a pending row.
2. Claim the row (``sending``, ``attempts + 1``), then hand the stored bytes to the SMTP server.
3. After the server accepted, in ONE transaction mark the row ``sent`` and move the subscription's
   high-water mark to the row's ``high_water`` (never backwards).

A crash before 3 leaves the row ``pending``/``sending``: the next run sends those stored bytes first
(the same Message-ID) before building anything new for that subscription, so nothing is lost. The
only repeat possible is a crash in the instant between the server's acceptance and step 3, and
that repeat carries the same Message-ID. A 4xx (or an unreachable server) leaves the row
``pending`` for the next run; a 5xx for a recipient marks that row ``failed`` and goes on with the
others (the mark does not move: the events come again in that recipient's next, different digest).
An empty digest is never sent; its window is skipped (the mark moves: nothing in it matched).

Crash tests set ``TRACKER_FAULT_POINT`` to ``digest.after_outbox_write``,
``digest.after_smtp_accept`` or ``digest.after_mark`` (see db/faults.py).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.engine import get_engine
from db.faults import point as _fault
from tracker.digest.build import Digest, build_digest, current_upper
from tracker.digest.mail import compose, sender
from tracker.digest.wording import plain
from tracker.settings import Settings, get_settings

OUTBOX = SQLModel.metadata.tables["outbox"]
SUBSCRIPTION = SQLModel.metadata.tables["subscription"]
DIGEST_RUN = SQLModel.metadata.tables["digest_run"]

MAX_ATTEMPTS = 50  # 4xx retries before a message is given up as failed (about two weeks of hourly runs)
UNSENT = ("pending", "sending")


class TemporaryFailure(Exception):
    """4xx or a transport problem: retry this message in a later run."""


class TransportDown(TemporaryFailure):
    """The server cannot be reached at all: stop this run, every message stays pending."""


class PermanentFailure(Exception):
    """5xx for this message/recipient: mark it failed, go on with the others."""


@dataclass
class SendReport:
    built: int = 0
    empty: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"digests: {self.built} built, {self.empty} empty, {self.sent} sent, "
                f"{self.deferred} deferred, {self.failed} failed")


def _code_error(code: int, msg: Any) -> Exception:
    text = msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)
    line = f"{code} {plain(text, 300)}"
    return PermanentFailure(line) if 500 <= code < 600 else TemporaryFailure(line)


class Transport:
    """One SMTP connection per run (lazy, reconnected once), from ``TRACKER_SMTP_*``.

    The password is a SecretStr and never appears in errors or logs.
    """

    def __init__(self, settings: Settings):
        self.st = settings
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        st = self.st
        try:
            if st.smtp_ssl:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(st.smtp_host, st.smtp_port, timeout=st.smtp_timeout,
                                                      context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(st.smtp_host, st.smtp_port, timeout=st.smtp_timeout)
                if st.smtp_starttls:
                    conn.ehlo()
                    conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
            if st.smtp_user:
                pw = st.smtp_password.get_secret_value() if st.smtp_password else ""
                conn.login(st.smtp_user, pw)
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportDown(f"SMTP login refused ({exc.smtp_code})") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportDown(f"cannot reach SMTP {st.smtp_host}:{st.smtp_port}: {type(exc).__name__}: "
                                f"{plain(str(exc), 200)}") from None
        return conn

    def send(self, from_addr: str, to_addr: str, data: bytes) -> None:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = self._connect()
            try:
                self.conn.sendmail(from_addr, [to_addr], data)
                return
            except smtplib.SMTPRecipientsRefused as exc:
                code, msg = next(iter(exc.recipients.values()))
                self._reset()
                raise _code_error(code, msg) from None
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                self._reset()
                raise _code_error(exc.smtp_code, exc.smtp_error) from None
            except smtplib.SMTPResponseException as exc:
                self._reset()
                raise _code_error(exc.smtp_code, exc.smtp_error) from None
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                self.close()
                if attempt == 2:
                    raise TemporaryFailure(f"connection lost: {type(exc).__name__}") from None

    def _reset(self) -> None:
        try:
            if self.conn is not None:
                self.conn.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                try:
                    self.conn.close()
                except OSError:
                    pass
            self.conn = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def enqueue(engine: Engine, digest: Digest, message_id: str, subject: str, data: bytes) -> int | None:
    """Step 1: the outbox row and its digest_run, in one transaction. Returns the outbox id, or None
    when this exact message (same Message-ID) already failed permanently (not retried unchanged)."""
    sub = digest.subscription
    with engine.begin() as conn:
        old = conn.execute(select(OUTBOX.c.id, OUTBOX.c.status).where(OUTBOX.c.message_id == message_id)).first()
        if old is not None:
            if old.status in UNSENT:
                return old.id
            return None  # failed / cancelled / sent: never resend the identical message
        oid = conn.execute(insert(OUTBOX).values(
            message_id=message_id, subscription_id=sub["id"], to_addr=sub["email"], subject=subject, message=data,
            high_water=digest.to_event, created_at=_now(), status="pending", attempts=0)
            .returning(OUTBOX.c.id)).scalar_one()
        conn.execute(insert(DIGEST_RUN).values(
            subscription_id=sub["id"], frequency=sub.get("frequency") or "daily", started_at=_now(),
            from_event=digest.from_event, to_event=digest.to_event, event_count=len(digest.events), outbox_id=oid,
            status="built"))
    _fault("digest.after_outbox_write")
    return oid


def deliver(engine: Engine, transport: Transport, outbox_id: int, report: SendReport, settings: Settings) -> None:
    """Steps 2-3 for one outbox row. Raises :class:`TransportDown` when the server is unreachable."""
    with engine.begin() as conn:
        row = conn.execute(select(OUTBOX).where(OUTBOX.c.id == outbox_id)).mappings().first()
        if row is None or row["status"] not in UNSENT:
            return
        if row["subscription_id"] is not None:
            active = conn.execute(select(SUBSCRIPTION.c.active)
                                  .where(SUBSCRIPTION.c.id == row["subscription_id"])).scalar()
            if not active:
                conn.execute(update(OUTBOX).where(OUTBOX.c.id == outbox_id)
                             .values(status="cancelled", last_error="unsubscribed"))
                return
        if row["attempts"] >= MAX_ATTEMPTS:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id == outbox_id).values(
                status="failed", last_error=f"gave up after {row['attempts']} attempts: {row['last_error'] or ''}"[:500]))
            report.failed += 1
            return
        claimed = conn.execute(update(OUTBOX).where(OUTBOX.c.id == outbox_id, OUTBOX.c.status == row["status"],
                                                    OUTBOX.c.attempts == row["attempts"])
                               .values(status="sending", attempts=row["attempts"] + 1)).rowcount
        if not claimed:
            return  # another sender took it
    try:
        transport.send(sender(settings)[1], row["to_addr"], row["message"])
    except PermanentFailure as exc:
        with engine.begin() as conn:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id == outbox_id).values(status="failed", last_error=str(exc)[:500]))
            conn.execute(update(DIGEST_RUN).where(DIGEST_RUN.c.outbox_id == outbox_id).values(status="failed"))
        report.failed += 1
        report.errors.append(f"{row['to_addr']}: {exc}")
        return
    except TemporaryFailure as exc:
        with engine.begin() as conn:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id == outbox_id).values(status="pending", last_error=str(exc)[:500]))
        report.deferred += 1
        report.errors.append(f"{row['to_addr']}: deferred: {exc}")
        if isinstance(exc, TransportDown):
            raise
        return
    _fault("digest.after_smtp_accept")
    with engine.begin() as conn:
        conn.execute(update(OUTBOX).where(OUTBOX.c.id == outbox_id)
                     .values(status="sent", sent_at=_now(), last_error=None))
        if row["subscription_id"] is not None:
            conn.execute(update(SUBSCRIPTION).where(SUBSCRIPTION.c.id == row["subscription_id"],
                                                    SUBSCRIPTION.c.last_event_mailed < row["high_water"])
                         .values(last_event_mailed=row["high_water"]))
        conn.execute(update(DIGEST_RUN).where(DIGEST_RUN.c.outbox_id == outbox_id).values(status="sent"))
    _fault("digest.after_mark")
    report.sent += 1


def _subs(engine: Engine, frequency: str | None) -> list[dict[str, Any]]:
    from tracker.digest.subscriptions import list_subscriptions
    return list_subscriptions(frequency=frequency, active_only=True, engine=engine)


def _unsent(engine: Engine) -> list[tuple[int, int | None]]:
    with engine.connect() as conn:
        return [(r.id, r.subscription_id) for r in conn.execute(
            select(OUTBOX.c.id, OUTBOX.c.subscription_id).where(OUTBOX.c.status.in_(UNSENT)).order_by(OUTBOX.c.id))]


def _skip_empty(engine: Engine, digest: Digest) -> None:
    """Nothing matched in the window: record it and move the mark past it (conditionally)."""
    sub = digest.subscription
    with engine.begin() as conn:
        conn.execute(update(SUBSCRIPTION).where(SUBSCRIPTION.c.id == sub["id"],
                                                SUBSCRIPTION.c.last_event_mailed == digest.from_event)
                     .values(last_event_mailed=digest.to_event))


def send_due(frequency: str | None = None, *, engine: Engine | None = None, settings: Settings | None = None,
             now: datetime | None = None) -> SendReport:
    """Retry unsent outbox rows, then build, store and send the digests of active subscriptions
    (of ``frequency``, or all). Never raises for a mail problem; see the report."""
    eng = engine or get_engine()
    st = settings or get_settings()
    report = SendReport()
    transport = Transport(st)
    try:
        try:
            for oid, _sid in _unsent(eng):
                deliver(eng, transport, oid, report, st)
        except TransportDown:
            return report
        blocked = {sid for _oid, sid in _unsent(eng)}
        with eng.connect() as conn:
            upper = current_upper(conn)
        for sub in _subs(eng, frequency):
            if sub["id"] in blocked:
                continue
            try:
                with eng.connect() as conn:
                    digest = build_digest(conn, sub, now=now, upper=upper, settings=st)
                if digest.to_event <= digest.from_event:
                    continue
                if digest.empty:
                    report.empty += 1
                    _skip_empty(eng, digest)
                    continue
                msg, data = compose(digest, settings=st, now=now)
            except Exception as exc:  # noqa: BLE001 - one bad digest never stops the others
                # Nothing was written and the mark did not move: the next run tries again.
                report.failed += 1
                report.errors.append(f"{sub['email']}: digest not built: {type(exc).__name__}: {plain(str(exc), 200)}")
                continue
            oid = enqueue(eng, digest, str(msg["Message-ID"]), str(msg["Subject"]), data)
            if oid is None:
                continue
            report.built += 1
            try:
                deliver(eng, transport, oid, report, st)
            except TransportDown:
                # Keep building (every digest is safe in the outbox as pending), stop dialling.
                transport = _DownTransport()
    finally:
        transport.close()
    return report


class _DownTransport(Transport):
    """After the server proved unreachable in this run: every send is deferred at once."""

    def __init__(self) -> None:
        self.conn = None

    def send(self, from_addr: str, to_addr: str, data: bytes) -> None:
        raise TemporaryFailure("SMTP unreachable earlier in this run")


def preview(email: str, *, engine: Engine | None = None, settings: Settings | None = None,
            now: datetime | None = None) -> bytes | None:
    """The exact bytes ``send`` would send next to ``email`` (None when nothing is due). Writes nothing
    and never moves the high-water mark. An unsent outbox row is returned as stored; otherwise the
    digest is built from the current store at ``now`` (same Message-ID as a send over that window)."""
    from tracker.digest.subscriptions import get_subscription
    eng = engine or get_engine()
    st = settings or get_settings()
    sub = get_subscription(email, engine=eng)
    if sub is None:
        raise LookupError(f"no subscription for {email}")
    with eng.connect() as conn:
        row = conn.execute(select(OUTBOX.c.message).where(OUTBOX.c.subscription_id == sub["id"],
                                                          OUTBOX.c.status.in_(UNSENT))
                           .order_by(OUTBOX.c.id).limit(1)).first()
        if row is not None:
            return row.message
        digest = build_digest(conn, sub, now=now, settings=st)
    if digest.empty:
        return None
    return compose(digest, settings=st, now=now)[1]


__all__ = ["send_due", "preview", "deliver", "enqueue", "Transport", "SendReport", "TemporaryFailure",
           "PermanentFailure", "TransportDown"]
