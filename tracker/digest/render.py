"""Render a worded digest: an HTML part (Jinja2 with autoescape, CSS inlined by css-inline) and a
plain-text part, from ``tracker/digest/templates/digest.{html,txt}.j2``.

Every value reaching a template is already plain, capped text (:mod:`tracker.digest.wording`);
autoescape escapes it in HTML. The only markup passed through is ``excerpt_html``, cleaned by nh3
(a few inline tags, ``<a href>`` with http(s) only). Links are http(s) only (``safe_url``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from tracker.digest.build import Digest
from tracker.digest.tokens import make_token
from tracker.digest.wording import Wording, cite, member_label, plain, safe_url, word_digest
from tracker.settings import Settings, get_settings

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        # Autoescape ON for the HTML template (and anything unknown); off only for the text part.
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), disabled_extensions=("txt.j2",),
                                     default_for_string=True, default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["safe_excerpt"] = lambda s: Markup(s)  # only for nh3-cleaned excerpt_html
    env.filters["host"] = lambda u: (urlsplit(u).hostname or "") if u else ""
    return env


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # Never fetch stylesheets over the network (premailer's default was to do so).
    return css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False, keep_link_tags=False)


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    unsubscribe_url: str
    wording: Wording


def unsubscribe_url(email: str, settings: Settings | None = None) -> str:
    st = settings or get_settings()
    base = st.public_url.rstrip("/")
    return f"{base}/unsubscribe?token={quote(make_token(email, secret=st.unsubscribe_secret.get_secret_value()))}"


def _follows(digest: Digest) -> list[str]:
    sub = digest.subscription
    out = []
    if sub.get("bills"):
        out.append("bills " + ", ".join(cite(b) for b in sub["bills"]))
    if sub.get("members"):
        out.append("members " + ", ".join(member_label(str(m), digest) for m in sub["members"]))
    if sub.get("keywords"):
        out.append("keywords " + ", ".join(f"“{plain(k, 100)}”" for k in sub["keywords"]))
    if sub.get("kinds"):
        out.append("kinds " + ", ".join(plain(k, 30) for k in sub["kinds"]))
    return out


def render(digest: Digest, settings: Settings | None = None) -> Rendered:
    """Word and render ``digest`` (not empty) into subject, text and HTML."""
    st = settings or get_settings()
    w = word_digest(digest)
    unsub = unsubscribe_url(digest.subscription["email"], st)
    ctx = dict(w=w, sub=digest.subscription, name=plain(digest.subscription.get("name"), 100),
               follows=_follows(digest), unsubscribe_url=unsub,
               home=safe_url(st.public_url) or "", generated=digest.now.strftime("%Y-%m-%d %H:%M UTC"))
    env = _env()
    text = env.get_template("digest.txt.j2").render(**ctx)
    html = env.get_template("digest.html.j2").render(**ctx)
    return Rendered(w.subject, text, _inliner().inline(html), unsub, w)


__all__ = ["render", "Rendered", "unsubscribe_url"]
