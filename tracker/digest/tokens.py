"""One-click unsubscribe tokens (RFC 8058): ``make_token(email)`` / ``verify_token(token)``.

A token is ``base64url(email) "." base64url(HMAC-SHA256(secret, "unsubscribe:" + email))`` keyed by
``TRACKER_UNSUBSCRIBE_SECRET``. It does not expire: an unsubscribe link in an old digest must keep
working. Rotating the secret invalidates every link already mailed.

The HTTP API's ``POST /unsubscribe?token=...`` calls :func:`verify_token` and then
:func:`tracker.digest.subscriptions.unsubscribe`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

from tracker.settings import get_settings

_PURPOSE = b"unsubscribe:"
MAX_TOKEN_LEN = 600


def _secret(secret: str | bytes | None) -> bytes:
    if secret is None:
        secret = get_settings().unsubscribe_secret.get_secret_value()
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(email: str, secret: bytes) -> bytes:
    return hmac.new(secret, _PURPOSE + email.encode("utf-8"), hashlib.sha256).digest()


def make_token(email: str, *, secret: str | bytes | None = None) -> str:
    """A URL-safe signed token for ``email`` (normalised: trimmed, lower-cased)."""
    from tracker.digest.subscriptions import normalize_email
    addr = normalize_email(email)
    return f"{_b64(addr.encode('utf-8'))}.{_b64(_mac(addr, _secret(secret)))}"


def verify_token(token: str, *, secret: str | bytes | None = None) -> str | None:
    """The email address a valid token was made for, or None (malformed, tampered, wrong secret)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LEN or token.count(".") != 1:
        return None
    head, sig = token.split(".")
    try:
        addr = _unb64(head).decode("utf-8")
        mac = _unb64(sig)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(mac, _mac(addr, _secret(secret))):
        return None
    return addr


def unsubscribe(conn_or_engine: Any, email: str) -> bool:
    """Deactivate ``email``'s subscription through ``conn_or_engine`` (a Connection or Engine, or
    None for the configured store); True when an active subscription was found."""
    from tracker.digest.subscriptions import unsubscribe as _unsub
    return _unsub(email, engine=conn_or_engine)


__all__ = ["make_token", "verify_token", "unsubscribe"]
