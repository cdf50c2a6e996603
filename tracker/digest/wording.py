"""What a digest says: one sentence per event (or per text comparison), grouped, and a subject.

- Grouped by bill (events about a bill), then member (a followed member's letters, statements and
  votes without a bill), then topic (keyword matches), then other updates (kind-only follows);
  source alarms go to a short "Data gaps" section.
- A vote gives the tally (with the tie-breaker when there was one: the Senate publishes 50-50 and
  the Vice President's vote separately) and how the followed members voted (``vote_position``).
- The provision changes between two text versions become one item: provisions removed, added,
  changed (numbers as old -> new) and moved.
- A letter gives signers, recipient and the ask.
- The subject is computed from the lead group, e.g.
  ``H.R. 1: passed Senate 51-50 with VP tie-break; 12 provisions removed``.

Everything here is plain text taken from scraped data: HTML is stripped with nh3, control
characters removed, lengths capped. Escaping for HTML happens in the templates (autoescape);
header safety in :mod:`tracker.digest.mail`.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nh3

from tracker import ids
from tracker.diff.render import short_ref
from tracker.digest.build import Digest, EventRow

MAX_ITEMS = 40            # rendered items per digest; beyond: "N more updates not shown"
MAX_DETAILS = 25          # sub-lines per item (provision lists, asks)
TITLE_CAP = 300
SUBJECT_CAP = 150

_KIND_ORDER = {"vote.recorded": 0, "provision.*": 1, "text.published": 2, "bill.action": 3, "letter.published": 4,
               "statement.published": 5, "news.published": 6}
_CHAMBER = {"s": "Senate", "h": "House", "senate": "Senate", "house": "House"}
_ALLOWED_TAGS = {"b", "strong", "i", "em", "p", "br", "ul", "ol", "li", "blockquote", "a"}


# --- sanitising ----------------------------------------------------------------------------------

def plain(value: Any, cap: int = TITLE_CAP) -> str:
    """Scraped text as one safe plain line: tags stripped (nh3), entities decoded, control and
    format characters removed, whitespace collapsed, capped at ``cap`` characters with an ellipsis."""
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    s = s[: cap * 8]  # bound the work on 100 KB titles before cleaning
    if "<" in s or "&" in s:
        s = html.unescape(nh3.clean(s, tags=set()))
    s = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in s)
    s = " ".join(s.split())
    if len(s) > cap:
        s = s[: cap - 1].rstrip() + "…"
    return s


def clean_html(value: Any, cap: int = 2000) -> str:
    """A scraped HTML fragment reduced to a few harmless tags, links only http(s)."""
    if not value:
        return ""
    s = str(value)[: cap * 4]
    return nh3.clean(s, tags=_ALLOWED_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https"},
                     link_rel="noopener noreferrer nofollow")


def safe_url(value: Any) -> str | None:
    """The URL when it is an absolute http(s) URL without spaces or control characters, else None."""
    if not isinstance(value, str):
        return None
    u = value.strip()
    if not u or len(u) > 2000 or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in u):
        return None
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "\\" in u:
        return None
    return u


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def cite(bill_id: Any) -> str:
    """``hr1-119`` -> ``H.R. 1``; anything unparsable shown as safe plain text."""
    try:
        return ids.parse_bill_id(str(bill_id)).citation
    except (ValueError, TypeError):
        return plain(bill_id, 40)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def bill_heading(bill_id: str) -> str:
    try:
        b = ids.parse_bill_id(bill_id)
        return f"{b.citation} ({_ordinal(b.congress)} Congress)"
    except ValueError:
        return plain(bill_id, 40)


def _join(names: list[str], limit: int = 4) -> str:
    names = [n for n in names if n]
    if not names:
        return ""
    if len(names) > limit:
        return ", ".join(names[:limit - 1]) + f" and {len(names) - limit + 1} others"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


# --- the model -----------------------------------------------------------------------------------

@dataclass
class Item:
    kind: str
    sentence: str
    link: str | None = None
    details: list[str] = field(default_factory=list)
    excerpt: str = ""            # plain text
    excerpt_html: str = ""       # nh3-cleaned fragment
    when: str = ""
    event_ids: list[int] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)   # for the subject


@dataclass
class Group:
    kind: str                    # bill | member | topic | other
    key: str
    heading: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Wording:
    subject: str
    intro: str
    groups: list[Group]
    gaps: list[Item]
    more: int
    item_count: int


# --- people --------------------------------------------------------------------------------------

def member_label(mid: str, digest: Digest, fallback: dict[str, Any] | None = None) -> str:
    m = digest.members.get(mid)
    if m:
        name = m.get("official_full") or " ".join(x for x in (m.get("first_name"), m.get("last_name")) if x) or mid
        title = {"senate": "Sen. ", "house": "Rep. "}.get(m.get("chamber") or "", "")
        tag = f"{m.get('party') or ''}-{m.get('state') or ''}".strip("-")
        return plain(f"{title}{name}" + (f" ({tag})" if tag else ""), 80)
    if fallback and fallback.get("name"):
        tag = f"{fallback.get('party') or ''}-{fallback.get('state') or ''}".strip("-")
        return plain(fallback["name"] + (f" ({tag})" if tag else ""), 80)
    return plain(mid, 20)


# --- one sentence per kind -----------------------------------------------------------------------

def _tally(data: dict[str, Any]) -> tuple[str, str, bool]:
    """(tally like ``51-50``, tie note, vp) from counts as published plus the tie-breaker."""
    counts = data.get("counts") or {}
    if not isinstance(counts, dict):
        counts = {}
    yea, nay = _int(counts.get("yea")), _int(counts.get("nay"))
    tb = data.get("tie_breaker") if isinstance(data.get("tie_breaker"), dict) else None
    if yea is None or nay is None:
        parts = [f"{plain(k, 40)} {v}" for k, v in counts.items() if _int(v) is not None][:6]
        return ", ".join(parts), "", False
    note, vp = "", False
    if tb:
        by = plain(tb.get("by_whom") or "the presiding officer", 60)
        side = plain(tb.get("vote"), 20).lower()
        vp = "vice president" in by.lower()
        if yea == nay:
            note = f"with {'the ' if vp and not by.lower().startswith('the ') else ''}{by} breaking a {yea}-{nay} tie"
            if side in ("yea", "aye", "yes", "guilty"):
                yea += 1
            elif side in ("nay", "no", "not guilty"):
                nay += 1
        else:
            note = f"tie broken by {by} ({side or 'vote'})"
    return f"{yea}-{nay}", note, vp


def _outcome(result: str) -> str:
    r = result.lower()
    if "pass" in r:
        return "passed"
    if "confirm" in r:
        return "confirmed"
    if "agreed" in r:
        return "agreed to"
    if any(w in r for w in ("reject", "fail", "not ")):
        return "failed"
    return ""


def word_vote(e: EventRow, digest: Digest) -> Item:
    d = e.data
    chamber = _CHAMBER.get(str(d.get("chamber") or "").lower(), "")
    tally, note, vp = _tally(d)
    result = plain(d.get("result"), 80)
    question = plain(d.get("question"), 120)
    number = _int(d.get("number"))
    bill = cite(d.get("bill_id") or e.bill_id) if (d.get("bill_id") or e.bill_id) else ""
    head = f"{chamber} roll call {number}" if number is not None else f"{chamber} roll call".strip()
    on = f" on {bill}" if bill else ""
    q = f" ({question})" if question else ""
    res = ": " + ", ".join(x for x in (result, tally) if x) if (result or tally) else ""
    sentence = f"{head}{on}{q}{res}"
    if note:
        sentence += f", {note}"
    nv = _int((d.get("counts") or {}).get("not_voting")) if isinstance(d.get("counts"), dict) else None
    if nv:
        sentence += f"; {nv} not voting"
    sentence += "."
    followed = set(digest.subscription.get("members") or [])
    how = []
    for p in digest.positions.get(str(d.get("vote_id")), []):
        if p["member_id"] in followed or p.get("bioguide_id") in followed:
            mid = p.get("bioguide_id") or p["member_id"]
            how.append(f"{member_label(mid, digest, p)} {plain(p.get('position'), 30).replace('_', ' ')}")
    if how:
        sentence += " Your members: " + "; ".join(how) + "."
    if e.revision > 1:
        sentence = "Corrected: " + sentence
    outcome = _outcome(result)
    phrase = (f"{outcome} {chamber} {tally}" if outcome in ("passed", "failed") else
              f"{chamber} vote {tally}" + (f" ({result})" if result else "")).strip()
    if vp and note:
        phrase += " with VP tie-break"
    elif note:
        phrase += " with tie-break"
    return Item("vote.recorded", plain(sentence, 1000), safe_url(e.source_url), when=_date(e),
                event_ids=[e.id], facts={"phrase": phrase})


def _prov_label(side: Any) -> str:
    if not isinstance(side, dict):
        return ""
    enum = plain(side.get("enum"), 30)
    header = plain(side.get("header"), 160)
    if enum.startswith("("):
        # a sub-provision (a section merged into a paragraph of another): "Sec. 100052(9)"
        enum = plain(short_ref(side), 60)
    elif enum and not enum.lower().startswith(("sec", "title", "subtitle", "part", "chapter", "division")):
        enum = f"Sec. {enum}"
    return " ".join(x for x in (enum, header) if x) or plain(side.get("path"), 120)


def word_provisions(events: list[EventRow]) -> Item:
    """All provision changes between one pair of versions of one bill, as one item."""
    first = events[0].data
    bill = cite(first.get("bill_id") or events[0].bill_id)
    frm, to = plain(first.get("from_version"), 40), plain(first.get("to_version"), 40)
    n = {"removed": 0, "added": 0, "modified": 0, "moved": 0}
    lines: list[tuple[int, str]] = []
    order = {"removed": 0, "modified": 1, "added": 2, "moved": 3}
    for e in events:
        change = e.kind.split(".", 1)[1]
        n[change] = n.get(change, 0) + 1
        old, new = _prov_label(e.data.get("old")), _prov_label(e.data.get("new"))
        if change == "removed":
            line = f"Removed: {old}"
        elif change == "added":
            line = f"Added: {new}"
        elif change == "moved":
            rel = (e.data.get("carried") or {}).get("relation") if isinstance(e.data.get("carried"), dict) else None
            if rel == "merged_into":
                line = f"Merged: {old} into {new}"
            elif rel == "split_from":
                line = f"Split out: {old} -> {new}"
            elif rel == "split_into":
                line = f"Split up: {old} (into {new} and others)"
            else:
                line = f"Moved: {old} -> {new}"
        else:
            line = f"Changed: {new or old}"
            nums = [x for x in (e.data.get("numbers") or []) if isinstance(x, dict)]
            if nums:
                shown = "; ".join(f"{plain(x.get('old'), 40) or '(none)'} -> {plain(x.get('new'), 40) or '(none)'}"
                                  for x in nums[:3])
                line += f": {shown}" + (f" (+{len(nums) - 3} more numbers)" if len(nums) > 3 else "")
        lines.append((order.get(change, 4), plain(line, 400)))
    lines.sort(key=lambda t: t[0])
    details = [t[1] for t in lines[:MAX_DETAILS]]
    if len(lines) > MAX_DETAILS:
        details.append(f"... and {len(lines) - MAX_DETAILS} more provision changes")
    counts = [f"{n[k]} {label}" for k, label in (("removed", "removed"), ("added", "added"),
                                                 ("modified", "changed"), ("moved", "moved")) if n[k]]
    if counts:  # "12 provisions removed, 1 added"; "1 provision added"
        num, _, rest = counts[0].partition(" ")
        counts[0] = f"{num} provision{'s' if num != '1' else ''} {rest}"
    versions = f" ({frm} -> {to})" if frm or to else ""
    sentence = f"{bill}: text compared{versions}: " + ", ".join(counts) + "."
    link = next((u for u in (safe_url(e.source_url) for e in events) if u), None)
    total = sum(n.values())
    phrase = (f"{n['removed']} provision{'s' if n['removed'] != 1 else ''} removed" if n["removed"] else
              f"{total} provision{'s' if total != 1 else ''} changed")
    return Item("provision.*", plain(sentence, 600), link, details=details, when=_date(events[-1]),
                event_ids=[e.id for e in events], facts={"phrase": phrase, "removed": n["removed"]})


def word_text(e: EventRow) -> Item:
    d = e.data
    stage = plain(d.get("stage"), 80)
    code = plain(d.get("code") or str(d.get("version_id", "")).rpartition(":")[2], 10)
    date = plain(d.get("date"), 20)
    sentence = f"New text of {cite(d.get('bill_id') or e.bill_id)}: {stage or 'version'}" + \
               (f" ({code})" if code else "") + (f", dated {date}" if date else "") + "."
    return Item("text.published", sentence, safe_url(d.get("url")) or safe_url(e.source_url), when=_date(e),
                event_ids=[e.id], facts={"phrase": f"new text ({code})" if code else "new text"})


def word_action(e: EventRow) -> Item:
    d = e.data
    chamber = _CHAMBER.get(str(d.get("chamber") or "").lower(), "")
    text = plain(d.get("text") or e.title, 400)
    date = plain(d.get("date"), 20) or _date(e)
    sentence = f"{date}{f' ({chamber})' if chamber else ''}: {text}"
    if not sentence.endswith((".", "!", "?")):
        sentence += "."
    cls = plain(d.get("classification"), 30)
    return Item("bill.action", sentence, safe_url(e.source_url), when=date, event_ids=[e.id],
                facts={"phrase": plain(text, 70), "classification": cls})


def _signers(d: dict[str, Any], digest: Digest) -> str:
    names = []
    for s in d.get("signers") or []:
        if isinstance(s, dict):
            label = digest.members.get(str(s.get("member_id")))
            names.append(member_label(str(s.get("member_id")), digest, s) if label else plain(s.get("name"), 60))
        else:
            names.append(plain(s, 60))
    return _join([n for n in names if n])


def word_letter(e: EventRow, digest: Digest) -> Item:
    d = e.data
    who = _signers(d, digest) or "Members"
    recipient = plain(d.get("recipient"), 160)
    agency = plain(d.get("agency"), 120)
    to = recipient + (f" ({agency})" if agency and agency.lower() not in recipient.lower() else "") if recipient else agency
    title = plain(d.get("title") or e.title, 200)
    asks = [plain(a, 300) for a in (d.get("asks") or []) if plain(a, 300)]
    sentence = f"{who} wrote to {to or 'an unnamed recipient'}" + (f": “{title}”." if title else ".")
    if asks:
        sentence += f" They ask: {asks[0].rstrip('.')}" + (f" (+{len(asks) - 1} more)" if len(asks) > 1 else "") + "."
    details = [f"Asks: {a}" for a in asks[1:6]]
    link = safe_url(d.get("url")) or safe_url(e.source_url)
    return Item("letter.published", plain(sentence, 900), link, details=details,
                excerpt=plain(d.get("excerpt"), 500), excerpt_html=clean_html(d.get("excerpt")), when=_date(e),
                event_ids=[e.id], facts={"phrase": f"letter to {plain(to, 60) or 'officials'}"})


def word_statement(e: EventRow, digest: Digest) -> Item:
    d = e.data
    who = _signers(d, digest)
    title = plain(d.get("title") or e.title, 240)
    sentence = (f"Statement from {who}: {title}" if who else f"Statement: {title}").rstrip(".") + "."
    return Item("statement.published", sentence, safe_url(d.get("url")) or safe_url(e.source_url),
                excerpt=plain(d.get("excerpt"), 500), excerpt_html=clean_html(d.get("excerpt")), when=_date(e),
                event_ids=[e.id], facts={"phrase": "statement"})


def word_news(e: EventRow) -> Item:
    d = e.data
    outlet = plain(d.get("outlet"), 80)
    title = plain(e.title, 240)
    sentence = (f"{outlet}: {title}" if outlet else title).rstrip(".") + "."
    return Item("news.published", sentence, safe_url(d.get("url")) or safe_url(e.source_url),
                excerpt=plain(d.get("excerpt"), 400), when=_date(e), event_ids=[e.id], facts={"phrase": "in the news"})


_REASONS = {"empty_run": "yielded nothing where it usually yields something",
            "quarantine_spike": "had a spike of unreadable documents",
            "repeated_failure": "failed several runs in a row",
            "layout_changed": "stopped matching its parser (the page layout changed)"}


def word_alarm(e: EventRow) -> Item:
    d = e.data
    src = plain(d.get("spider") or d.get("job") or "A source", 80)
    reason = str(d.get("reason") or "")
    why = _REASONS.get(reason, plain(reason.replace("_", " "), 80) or "reported a problem")
    details = plain(d.get("details") if isinstance(d.get("details"), str) else "", 200)
    sentence = f"{src} {why}" + (f": {details}" if details else "") + "."
    return Item("source.alarm", sentence, safe_url(e.source_url), when=_date(e), event_ids=[e.id])


def word_event(e: EventRow, digest: Digest) -> Item:
    """One event as one item (provision events are worded together by :func:`word_provisions`)."""
    if e.kind == "vote.recorded":
        return word_vote(e, digest)
    if e.kind == "text.published":
        return word_text(e)
    if e.kind == "bill.action":
        return word_action(e)
    if e.kind == "letter.published":
        return word_letter(e, digest)
    if e.kind == "statement.published":
        return word_statement(e, digest)
    if e.kind == "news.published":
        return word_news(e)
    if e.kind == "source.alarm":
        return word_alarm(e)
    if e.kind.startswith("provision."):
        return word_provisions([e])
    return Item(e.kind, plain(e.title).rstrip(".") + ".", safe_url(e.source_url), when=_date(e), event_ids=[e.id])


def _date(e: EventRow) -> str:
    return plain((e.occurred_at or "")[:10], 10)


# --- grouping and subject ------------------------------------------------------------------------

def _group_key(e: EventRow) -> tuple[str, str]:
    if e.bill_id:
        return ("bill", e.bill_id)
    for why in e.matched:
        if why.startswith("member:"):
            return ("member", why.split(":", 1)[1])
    for why in e.matched:
        if why.startswith("keyword:"):
            return ("topic", why.split(":", 1)[1])
    return ("other", "")


def _items_for(events: list[EventRow], digest: Digest) -> list[Item]:
    provs: dict[tuple[str, str], list[EventRow]] = {}
    items: list[tuple[int, int, Item]] = []
    for e in events:
        if e.kind.startswith("provision."):
            provs.setdefault((str(e.data.get("from_version")), str(e.data.get("to_version"))), []).append(e)
        else:
            items.append((_KIND_ORDER.get(e.kind, 9), e.id, word_event(e, digest)))
    for evs in provs.values():
        items.append((_KIND_ORDER["provision.*"], evs[0].id, word_provisions(evs)))
    items.sort(key=lambda t: (t[0], t[1]))
    return [t[2] for t in items]


def word_digest(digest: Digest) -> Wording:
    """Group, word and title a built digest."""
    sub = digest.subscription
    groups: dict[tuple[str, str], Group] = {}
    buckets: dict[tuple[str, str], list[EventRow]] = {}
    for e in digest.events:
        buckets.setdefault(_group_key(e), []).append(e)
    bill_order = {b: i for i, b in enumerate(sub.get("bills") or [])}
    member_order = {m: i for i, m in enumerate(sub.get("members") or [])}
    kw_order = {k: i for i, k in enumerate(sub.get("keywords") or [])}

    def order(k: tuple[str, str]) -> tuple:
        kind, key = k
        rank = {"bill": 0, "member": 1, "topic": 2, "other": 3}[kind]
        within = {"bill": bill_order, "member": member_order, "topic": kw_order}.get(kind, {})
        return (rank, within.get(key, len(within)), buckets[k][0].id)

    for k in sorted(buckets, key=order):
        kind, key = k
        heading = {"bill": lambda: bill_heading(key), "member": lambda: member_label(key, digest),
                   "topic": lambda: f"Topic: “{plain(key, 100)}”", "other": lambda: "Other updates"}[kind]()
        groups[k] = Group(kind, key, heading, _items_for(buckets[k], digest))
    # Cap the number of items shown; what is cut is counted.
    shown = 0
    more = digest.more
    out_groups: list[Group] = []
    for g in groups.values():
        room = MAX_ITEMS - shown
        if room <= 0:
            more += sum(len(i.event_ids) for i in g.items)
            continue
        if len(g.items) > room:
            more += sum(len(i.event_ids) for i in g.items[room:])
            g.items = g.items[:room]
        shown += len(g.items)
        out_groups.append(g)
    gaps = [word_alarm(a) for a in digest.alarms][:10]
    return Wording(subject=subject_for(out_groups, shown), intro=_intro(digest, shown), groups=out_groups,
                   gaps=gaps, more=more, item_count=shown)


def _intro(digest: Digest, shown: int) -> str:
    n = len(digest.events)
    what = f"{n} new event{'s' if n != 1 else ''} on what you follow"
    if not digest.from_event:
        return f"Your first digest covers what the tracker recorded in the last 7 days: {what}."
    return f"Since your last digest: {what}."


def subject_for(groups: list[Group], shown: int) -> str:
    """A subject worth opening, from the lead group (plain text; mail.py makes it header-safe)."""
    if not groups:
        return "Legislative tracker digest"
    g = groups[0]
    parts: list[str] = []
    votes = [i for i in g.items if i.kind == "vote.recorded"]
    if votes:
        lead = next((v for v in reversed(votes) if v.facts.get("phrase", "").startswith(("passed", "failed"))), votes[-1])
        parts.append(lead.facts["phrase"])
    provs = [i for i in g.items if i.kind == "provision.*"]
    if provs:
        removed = sum(i.facts.get("removed", 0) for i in provs)
        parts.append(f"{removed} provision{'s' if removed != 1 else ''} removed" if removed else provs[-1].facts["phrase"])
    if not parts:
        for kind in ("bill.action", "text.published", "letter.published", "statement.published", "news.published"):
            hit = [i for i in g.items if i.kind == kind]
            if hit:
                parts.append(hit[-1].facts.get("phrase") or kind)
                break
    if not parts:
        parts.append(f"{len(g.items)} updates")
    label = {"bill": cite(g.key), "member": g.heading, "topic": f"“{plain(g.key, 60)}”", "other": "Updates"}[g.kind]
    subject = f"{label}: " + "; ".join(p for p in parts if p)
    rest = shown - len(g.items)
    if rest > 0:
        subject += f" (+{rest} more update{'s' if rest != 1 else ''})"
    return plain(subject, SUBJECT_CAP)


__all__ = ["word_digest", "word_event", "subject_for", "plain", "safe_url", "clean_html", "Item", "Group", "Wording",
           "MAX_ITEMS"]
