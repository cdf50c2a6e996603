"""Subscriptions: a recipient and what they follow (bills, members, event kinds, keywords).

Semantics (also in docs/operations.md, "Mail and digests"): bills, members and keywords are
*follows* and add up (an event matching any of them is in the digest); ``kinds``, when given,
*restricts* the result to those kinds (``provision.*`` matches every provision kind). A subscription
with only kinds receives every event of those kinds. Frequency ``daily`` or ``weekly``; ``instant``
only mails floor votes (``vote.recorded``) on followed bills.

``unsubscribe(email) -> bool`` is what the HTTP API's one-click POST calls (after
``tracker.digest.tokens.verify_token``): it deactivates the subscription and cancels its unsent mail.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers tables)
from db.engine import get_engine
from tracker import ids

SUBSCRIPTION = SQLModel.metadata.tables["subscription"]
OUTBOX = SQLModel.metadata.tables["outbox"]

FREQUENCIES = ("daily", "weekly", "instant")
KINDS = ("bill.action", "text.published", "vote.recorded", "provision.removed", "provision.added",
         "provision.modified", "provision.moved", "letter.published", "statement.published",
         "news.published", "source.alarm")
KIND_PREFIXES = ("bill.*", "text.*", "vote.*", "provision.*", "letter.*", "statement.*", "news.*", "source.*")

# A deliberately plain address grammar: no quoted local parts, no comments, no display names, no
# whitespace or control characters -- the address goes into the To header and the SMTP envelope.
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def normalize_email(value: str) -> str:
    """Trimmed, lower-cased address; ``ValueError`` with a one-line reason when not a plain address."""
    email = (value or "").strip().lower()
    if len(email) > 254 or not _EMAIL_RE.match(email) or ".." in email:
        raise ValueError(f"not a plain email address: {value[:80]!r}")
    return email


def clean_keyword(value: str) -> str:
    """A keyword as matched: whitespace collapsed, control characters refused, 2..100 characters."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value if ch not in " \t"):
        raise ValueError(f"keyword has control characters: {value[:40]!r}")
    kw = " ".join(value.split())
    if not 2 <= len(kw) <= 100:
        raise ValueError(f"keyword must be 2 to 100 characters: {value[:40]!r}")
    return kw


def clean_name(value: str | None) -> str | None:
    if value is None:
        return None
    name = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split())[:100]
    return name or None


def check_kind(value: str) -> str:
    k = value.strip()
    if k in KINDS or k in KIND_PREFIXES:
        return k
    raise ValueError(f"unknown event kind {value!r} (one of {', '.join(KINDS)}, or a prefix like provision.*)")


def _merge(old: Iterable[str], new: Iterable[str]) -> list[str]:
    out = list(old or [])
    seen = {x.casefold() for x in out}
    for x in new:
        if x.casefold() not in seen:
            out.append(x)
            seen.add(x.casefold())
    return out


def _row(r: Any) -> dict[str, Any]:
    return {k: r[k] for k in ("id", "email", "name", "bills", "members", "keywords", "kinds", "frequency",
                              "active", "last_event_mailed", "created_at")}


def _engine(conn_or_engine: Connection | Engine | None) -> Engine | Connection:
    return conn_or_engine if conn_or_engine is not None else get_engine()


def _begin(target: Engine | Connection):
    if isinstance(target, Connection):
        return _Nested(target)
    return target.begin()


class _Nested:
    """Use a caller's open connection as-is (the caller owns its transaction)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def __enter__(self) -> Connection:
        return self.conn

    def __exit__(self, *exc: Any) -> None:
        return None


def subscribe(email: str, *, name: str | None = None, bills: Iterable[str] = (), members: Iterable[str] = (),
              keywords: Iterable[str] = (), kinds: Iterable[str] = (), frequency: str | None = None,
              engine: Engine | Connection | None = None) -> dict[str, Any]:
    """Add a subscription or extend an existing one (lists are merged; name/frequency replaced when
    given; an unsubscribed address is reactivated). Raises ``ValueError`` on bad input."""
    addr = normalize_email(email)
    bill_ids = [str(ids.parse_bill_id(b.strip().lower())) for b in bills]
    member_ids = [ids.member_id(m.strip()) for m in members]
    kws = [clean_keyword(k) for k in keywords]
    knds = [check_kind(k) for k in kinds]
    if frequency is not None and frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r} (daily, weekly or instant)")
    nm = clean_name(name)
    with _begin(_engine(engine)) as conn:
        cur = conn.execute(select(SUBSCRIPTION).where(SUBSCRIPTION.c.email == addr)).mappings().first()
        if cur is None:
            conn.execute(insert(SUBSCRIPTION).values(
                email=addr, name=nm, bills=_merge([], bill_ids), members=_merge([], member_ids),
                keywords=_merge([], kws), kinds=_merge([], knds), frequency=frequency or "daily", active=True,
                last_event_mailed=0))
        else:
            values: dict[str, Any] = dict(
                bills=_merge(cur["bills"], bill_ids), members=_merge(cur["members"], member_ids),
                keywords=_merge(cur["keywords"], kws), kinds=_merge(cur["kinds"], knds), active=True)
            if nm is not None:
                values["name"] = nm
            if frequency is not None:
                values["frequency"] = frequency
            conn.execute(update(SUBSCRIPTION).where(SUBSCRIPTION.c.id == cur["id"]).values(**values))
        return _row(conn.execute(select(SUBSCRIPTION).where(SUBSCRIPTION.c.email == addr)).mappings().one())


def unsubscribe(email: str, *, engine: Engine | Connection | None = None) -> bool:
    """Deactivate the subscription of ``email`` and cancel its unsent outbox messages.

    Returns True when an active subscription was found (False for an unknown or already inactive
    address, so the one-click endpoint can answer 200 either way without revealing anything).
    Never raises on a malformed address: returns False.
    """
    try:
        addr = normalize_email(email)
    except ValueError:
        return False
    with _begin(_engine(engine)) as conn:
        sub = conn.execute(select(SUBSCRIPTION.c.id, SUBSCRIPTION.c.active)
                           .where(SUBSCRIPTION.c.email == addr)).first()
        if sub is None or not sub.active:
            return False
        conn.execute(update(SUBSCRIPTION).where(SUBSCRIPTION.c.id == sub.id).values(active=False))
        conn.execute(update(OUTBOX).where(OUTBOX.c.subscription_id == sub.id,
                                          OUTBOX.c.status.in_(("pending", "failed")))
                     .values(status="cancelled", last_error="unsubscribed"))
        return True


def get_subscription(email: str, *, engine: Engine | Connection | None = None) -> dict[str, Any] | None:
    addr = normalize_email(email)
    target = _engine(engine)
    if isinstance(target, Connection):
        r = target.execute(select(SUBSCRIPTION).where(SUBSCRIPTION.c.email == addr)).mappings().first()
        return _row(r) if r else None
    with target.connect() as conn:
        r = conn.execute(select(SUBSCRIPTION).where(SUBSCRIPTION.c.email == addr)).mappings().first()
        return _row(r) if r else None


def list_subscriptions(*, frequency: str | None = None, active_only: bool = False,
                       engine: Engine | None = None) -> list[dict[str, Any]]:
    """All subscriptions (ordered by id), optionally only active ones of one frequency."""
    q = select(SUBSCRIPTION).order_by(SUBSCRIPTION.c.id)
    if frequency:
        q = q.where(SUBSCRIPTION.c.frequency == frequency)
    if active_only:
        q = q.where(SUBSCRIPTION.c.active.is_(True))
    with (engine or get_engine()).connect() as conn:
        return [_row(r) for r in conn.execute(q).mappings()]


__all__ = ["subscribe", "unsubscribe", "get_subscription", "list_subscriptions", "normalize_email", "FREQUENCIES",
           "KINDS"]
