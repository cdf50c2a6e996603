"""The digest as an ``EmailMessage``: safe headers, a fixed Message-ID, text + HTML parts.

Headers never carry scraped text unsanitised. This machine's Python 3.11.7 has CVE-2024-6923 (fixed
in 3.11.10): the email generator can re-emit a newline hidden in an RFC 2047 encoded word
(``=?utf-8?q?x=0D=0ABcc:evil@x?=``) raw, injecting a header. So :func:`header_safe` removes CR, LF
and every control/format/line-separator character, breaks ``=?``/``?=`` so no encoded word can be
decoded from a value, and caps the length; and :func:`compose` re-parses the bytes it produced and
refuses to return a message whose header set is not exactly :data:`EXPECTED_HEADERS`.

The Message-ID is derived from the subscription and its event window (not ``make_msgid``, which mixes
in the time, pid and randomness): the same digest built twice -- by ``preview`` and by ``send``, or
rebuilt after a crash before the outbox write -- carries the same Message-ID, and the outbox stores
it before the first SMTP attempt, so a rare repeat delivery is recognisable as the same message.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP, default
from email.utils import format_datetime, parseaddr
from urllib.parse import quote

from tracker.digest.build import Digest
from tracker.digest.render import Rendered, render
from tracker.digest.tokens import make_token
from tracker.digest.wording import SUBJECT_CAP, plain
from tracker.settings import Settings, get_settings

EXPECTED_HEADERS = frozenset({"subject", "from", "to", "date", "message-id", "list-unsubscribe",
                              "list-unsubscribe-post", "auto-submitted", "mime-version", "content-type"})
# CRLF line ends; headers folded only beyond RFC 5322's 998 limit, so List-Unsubscribe's long URL is
# never turned into RFC 2047 encoded words (mail clients need it verbatim).
POLICY = SMTP.clone(max_line_length=998)
_DOMAIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


class UnsafeMessage(ValueError):
    """The composed message did not re-parse to exactly the expected headers (never sent)."""


def header_safe(value: object, cap: int = SUBJECT_CAP) -> str:
    """Text fit for a header value: one line, no control characters, no encoded words, capped."""
    s = plain(value, cap * 2)          # strips tags, Cc/Cf characters (CR, LF, NUL, ...), collapses whitespace
    s = s.replace("=?", "= ?").replace("?=", "? =")   # CVE-2024-6923: no RFC 2047 encoded word survives
    s = " ".join(s.split())            # U+2028/U+2029/U+0085 and friends count as whitespace here
    if len(s) > cap:
        s = s[: cap - 1].rstrip() + "…"
    return s


def sender(settings: Settings) -> tuple[str, str]:
    """(display name, address) of TRACKER_MAIL_FROM (operator configuration, still sanitised)."""
    name, addr = parseaddr(settings.mail_from)
    if not addr or "@" not in addr or any(ch.isspace() or ord(ch) < 33 for ch in addr):
        raise ValueError(f"TRACKER_MAIL_FROM is not an address: {settings.mail_from[:80]!r}")
    return header_safe(name, 80), addr


def mail_domain(settings: Settings) -> str:
    """The stable domain of Message-IDs: the From address's domain."""
    dom = sender(settings)[1].rpartition("@")[2].strip().lower()
    return dom if _DOMAIN_RE.match(dom) else "tracker.invalid"


def message_id(digest: Digest, settings: Settings) -> str:
    sub = digest.subscription
    h = hashlib.sha256(f"{sub['id']}:{sub['email']}:{digest.from_event}:{digest.to_event}".encode()).hexdigest()[:16]
    return f"<digest.{int(sub['id'])}.{int(digest.from_event)}-{int(digest.to_event)}.{h}@{mail_domain(settings)}>"


def list_unsubscribe(email: str, rendered: Rendered, settings: Settings) -> str:
    """``<https://.../unsubscribe?token=...>, <mailto:...?subject=unsubscribe%20TOKEN>`` (RFC 2369/8058)."""
    mailto = settings.unsubscribe_mailto or sender(settings)[1]
    mailto = mailto.removeprefix("mailto:")
    token = make_token(email, secret=settings.unsubscribe_secret.get_secret_value())
    return f"<{rendered.unsubscribe_url}>, <mailto:{quote(mailto, safe='@.+-_')}?subject={quote('unsubscribe ' + token)}>"


def compose(digest: Digest, *, settings: Settings | None = None, now: datetime | None = None,
            rendered: Rendered | None = None) -> tuple[EmailMessage, bytes]:
    """Build the message for a non-empty digest; returns it and its exact wire bytes (CRLF)."""
    st = settings or get_settings()
    r = rendered or render(digest, st)
    sub = digest.subscription
    from_name, from_addr = sender(st)
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = header_safe(r.subject) or "Legislative tracker digest"
    msg["From"] = Address(display_name=from_name, addr_spec=from_addr)
    msg["To"] = Address(display_name=header_safe(sub.get("name"), 80), addr_spec=sub["email"])
    msg["Date"] = format_datetime(now or digest.now)
    msg["Message-ID"] = message_id(digest, st)
    msg["List-Unsubscribe"] = list_unsubscribe(sub["email"], r, st)
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(r.text, cte="quoted-printable")
    msg.add_alternative(r.html, subtype="html", cte="quoted-printable")
    # A deterministic MIME boundary (the default is random): preview and send give the same bytes.
    msg.set_boundary("=_digest_" + hashlib.sha256((str(msg["Message-ID"]) + r.text + r.html).encode()).hexdigest()[:32])
    data = msg.as_bytes(policy=POLICY)
    check_headers(data)
    return msg, data


def check_headers(data: bytes) -> None:
    """Raise :class:`UnsafeMessage` unless the top-level headers are exactly the expected ones, each once."""
    parsed = BytesParser(policy=default).parsebytes(data)
    names = [k.lower() for k in parsed.keys()]
    if set(names) != EXPECTED_HEADERS or len(names) != len(set(names)):
        raise UnsafeMessage(f"unexpected header set: {sorted(set(names) ^ EXPECTED_HEADERS)}")
    for k in ("subject", "to", "from"):
        if any(ch in str(parsed[k]) for ch in "\r\n"):
            raise UnsafeMessage(f"{k} header spans lines")


__all__ = ["compose", "header_safe", "message_id", "check_headers", "EXPECTED_HEADERS", "UnsafeMessage"]
