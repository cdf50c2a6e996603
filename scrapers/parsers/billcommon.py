"""Shared by the BILLSTATUS and congress.gov API parsers (a helper: no ``KIND``).

- the action vocabulary (``vocab/actions.csv``) and :func:`classify`;
- :func:`merge_actions`: the same action listed by several source systems (or by both sources)
  becomes one :class:`~scrapers.items.bills.Action` with a natural key stable across re-fetches;
- text-version codes and GovInfo URLs; recorded votes -> vote ids; CRS summary HTML -> plain text.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo

from scrapers.items.bills import Action, RecordedVote, TextVersion
from tracker import ids

VOCAB = Path(__file__).resolve().parent / "vocab" / "actions.csv"
EASTERN = ZoneInfo("America/New_York")
LOC_SOURCE = "Library of Congress"


# --- vocabulary -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Vocabulary:
    codes: dict[str, str]                              # action code -> classification
    texts: tuple[tuple[str, re.Pattern], ...]          # (classification, pattern) in file order
    prefixes: tuple[re.Pattern, ...]                   # LOC headlines stripped before comparing


def load_vocabulary(path: str | Path = VOCAB) -> Vocabulary:
    """Read the action vocabulary CSV (comment lines start with ``#``). Raises ValueError with the
    line number on a bad row (unknown field, broken regular expression)."""
    codes: dict[str, str] = {}
    texts: list[tuple[str, re.Pattern]] = []
    prefixes: list[re.Pattern] = []
    with open(path, newline="", encoding="utf-8") as fh:
        lines = [(i, ln) for i, ln in enumerate(fh, 1) if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.reader([ln for _, ln in lines])
    header = next(reader, None)
    if header != ["classification", "field", "pattern"]:
        raise ValueError(f"{path}: header must be classification,field,pattern, got {header}")
    for (lineno, _), row in zip(lines[1:], reader):
        if len(row) < 3:
            raise ValueError(f"{path}:{lineno}: expected 3 columns, got {len(row)}")
        cls, fld, pat = row[0].strip(), row[1].strip(), ",".join(row[2:]).strip()
        try:
            if fld == "code":
                codes.setdefault(pat, cls)
            elif fld == "text":
                texts.append((cls, re.compile(pat, re.I)))
            elif fld == "prefix":
                prefixes.append(re.compile(pat, re.I))
            else:
                raise ValueError(f"unknown field {fld!r} (code, text or prefix)")
        except re.error as exc:
            raise ValueError(f"{path}:{lineno}: bad pattern {pat!r}: {exc}") from None
        except ValueError as exc:
            raise ValueError(f"{path}:{lineno}: {exc}") from None
    return Vocabulary(codes, tuple(texts), tuple(prefixes))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return load_vocabulary()


def classify(texts: Iterable[str], codes: Iterable[str] = ()) -> str:
    """Classification of an action from its codes (first) and texts, per ``vocab/actions.csv``."""
    vocab = vocabulary()
    for c in sorted(set(codes)):
        if c in vocab.codes:
            return vocab.codes[c]
    texts = list(texts)
    for cls, pat in vocab.texts:
        if any(pat.search(t) for t in texts):
            return cls
    return "other"


# --- normalisation and keys -----------------------------------------------------------------------

_CR_PAREN = re.compile(r"\((?:[^()]*?:\s*)?CR\s+[^()]*\)", re.I)   # "(consideration: CR H58-62)"
_NON_WORD = re.compile(r"[^a-z0-9]+")


def clean(text: str | None) -> str:
    """Whitespace collapsed, NFC; '' for None."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def normalise_action_text(text: str) -> str:
    """What two copies of one action share: the Library of Congress headline ("Passed/agreed to
    in House: ") and Congressional Record citations ("(text: CR H9369)", which one source system
    sometimes omits) removed, case, punctuation and spacing ignored."""
    t = clean(text)
    for p in vocabulary().prefixes:
        t = p.sub("", t, count=1)
    t = _CR_PAREN.sub(" ", t)
    return _NON_WORD.sub(" ", t.lower()).strip()


def action_key(bill_id: str, date: str, text: str) -> str:
    norm = normalise_action_text(text)
    return f"action:{bill_id}:{date}:{hashlib.sha1(norm.encode('utf-8')).hexdigest()[:10]}"


def chamber_of(source_name: str | None, code: str | None, text: str) -> str | None:
    """house / senate / None from the source system, else the LOC code range, else the text."""
    s = (source_name or "").lower()
    if s.startswith("house"):
        return "house"
    if s.startswith("senate"):
        return "senate"
    c = (code or "").strip()
    if c.isdigit():
        n = int(c)
        if 1000 <= n < 10000:
            return "house"
        if 10000 <= n < 20000:
            return "senate"
        return None
    if c[:1] == "H" and not c.startswith("E"):
        return "house"
    if re.search(r"\bin (the )?House\b", text):
        return "house"
    if re.search(r"\bin (the )?Senate\b", text):
        return "senate"
    return None


@dataclass
class RawAction:
    """One action copy as a source lists it, before merging."""

    date: str
    text: str
    code: str | None = None
    time: str | None = None
    source: str | None = None
    type: str | None = None
    committees: list[str] = field(default_factory=list)
    vote_ids: list[str] = field(default_factory=list)


def merge_actions(bill_id: str, raws: Iterable[RawAction]) -> list[Action]:
    """Group copies by (date, normalised text) into one Action each, newest first then by key.

    Everything about the merged action is a function of the *set* of copies (never of their
    order), so both sources and both schemas produce identical actions.
    """
    groups: dict[str, list[RawAction]] = {}
    for r in raws:
        if not r.date or not clean(r.text):
            continue
        groups.setdefault(action_key(bill_id, r.date, r.text), []).append(r)
    out: list[Action] = []
    for key, copies in groups.items():
        # The displayed text: a chamber system's copy (it keeps the CR citation) before the
        # Library of Congress headline copy; then the longest; then alphabetical.
        best = sorted(copies, key=lambda r: (r.source == LOC_SOURCE, -len(clean(r.text)), clean(r.text)))[0]
        codes = sorted({r.code for r in copies if r.code})
        chambers = sorted({c for c in (chamber_of(r.source, r.code, clean(r.text)) for r in copies) if c})
        times = sorted(r.time for r in copies if r.time)
        out.append(Action(
            key=key, date=copies[0].date, time=times[0] if times else None,
            chamber=chambers[0] if len(chambers) == 1 else (None if not chambers else _chamber_pref(copies)),
            text=clean(best.text), codes=codes,
            classification=classify([clean(r.text) for r in copies], codes),
            sources=sorted({r.source for r in copies if r.source}),
            committees=sorted({c for r in copies for c in r.committees}),
            vote_ids=sorted({v for r in copies for v in r.vote_ids}),
        ))
    out.sort(key=lambda a: (a.date, a.time or "", a.key), reverse=True)
    return out


def _chamber_pref(copies: list[RawAction]) -> str | None:
    for r in sorted(copies, key=lambda r: (r.source == LOC_SOURCE, r.source or "")):
        c = chamber_of(r.source, r.code, clean(r.text))
        if c:
            return c
    return None


def occurred_at(date: str, time: str | None = None) -> datetime:
    """An action's date (and Eastern time when known) as an aware datetime."""
    d = datetime.fromisoformat(date)
    if time:
        hh, mm, *ss = (time.split(":") + ["0"])[:3]
        d = d.replace(hour=int(hh), minute=int(mm), second=int(float(ss[0] or 0)))
    return d.replace(tzinfo=EASTERN)


# --- dates ----------------------------------------------------------------------------------------

def eastern_date(value: str | None) -> str | None:
    """``2021-02-12T05:00:00Z`` -> ``2021-02-12`` (the Eastern calendar day); a plain date passes."""
    v = clean(value)
    if not v:
        return None
    if len(v) == 10:
        return v
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return v[:10]
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(EASTERN).date().isoformat()


# --- recorded votes -------------------------------------------------------------------------------

def recorded_vote(chamber: str | None, roll: str | int | None, congress: str | int | None,
                  session: str | int | None, date: str | None, url: str | None = None) -> RecordedVote | None:
    """A BILLSTATUS/API recordedVote -> RecordedVote with its tracker vote id; None when incomplete.
    The year comes from the vote's date (Eastern), else from congress + session."""
    try:
        ch = {"house": "h", "senate": "s", "h": "h", "s": "s"}[clean(str(chamber or "")).lower()]
        n = int(str(roll).strip())
        c = int(str(congress).strip())
    except (KeyError, ValueError, TypeError):
        return None
    sess = None
    try:
        sess = int(str(session).strip()) if session not in (None, "") else None
    except ValueError:
        sess = None
    day = eastern_date(date)
    if day:
        year = int(day[:4])
    elif sess:
        year = 1789 + 2 * (c - 1) + (sess - 1)
    else:
        return None
    try:
        vid = ids.vote_id(ch, n, c, year)
    except ValueError:
        return None
    return RecordedVote(vote_id=vid, chamber=ch, roll=n, congress=c, session=sess, date=clean(date) or None,
                        url=clean(url) or None)


_ROLL_RE = re.compile(r"\bRoll no\.\s*(\d+)", re.I)
_RECORD_VOTE_RE = re.compile(r"\bRecord Vote (?:Number|No)\s*[:.]?\s*(\d+)", re.I)


def votes_named_in(text: str, chamber: str | None) -> list[tuple[str, int]]:
    """(h|s, roll) pairs an action's text cites: House "(Roll no. 62)", Senate "Record Vote Number: 12"."""
    out = [("h", int(m.group(1))) for m in _ROLL_RE.finditer(text)]
    out += [("s", int(m.group(1))) for m in _RECORD_VOTE_RE.finditer(text)]
    return out


# --- text versions --------------------------------------------------------------------------------

_PKG_RE = re.compile(r"BILLS-(\d+)([a-z]+?)(\d+)([a-z]+)(?:_uslm)?\.(?:xml|htm|html|pdf)", re.I)


def version_code(stage: str | None, urls: Iterable[str] = ()) -> str | None:
    """The GPO code of a text version: from a ``BILLS-117s35es.xml`` file name, else its name."""
    for u in urls:
        m = _PKG_RE.search(u or "")
        if m:
            return m.group(4).lower()
    return ids.version_code_for_name(clean(stage))


def govinfo_urls(congress: int, bill_type: str, number: int, code: str) -> dict[str, str]:
    pkg = f"BILLS-{congress}{bill_type}{number}{code}"
    base = f"https://www.govinfo.gov/content/pkg/{pkg}"
    return {"xml": f"{base}/xml/{pkg}.xml", "pdf": f"{base}/pdf/{pkg}.pdf", "html": f"{base}/html/{pkg}.htm"}


def text_version(bill: ids.BillId, stage: str | None, date: str | None, urls: Iterable[str]) -> TextVersion | None:
    code = version_code(stage, urls)
    if not code:
        return None
    try:
        vid = ids.version_id(str(bill), code)
    except ValueError:
        return None
    fm = govinfo_urls(bill.congress, bill.type, bill.number, code)
    return TextVersion(version_id=vid, code=code, stage=clean(stage) or None, date=eastern_date(date),
                       url=fm["xml"], formats=fm)


def sort_versions(versions: Iterable[TextVersion], bill_type: str) -> list[TextVersion]:
    """One per version id, in legislative order."""
    by_id: dict[str, TextVersion] = {}
    for v in versions:
        prev = by_id.get(v.version_id)
        if prev is None or (not prev.date and v.date):
            by_id[v.version_id] = v
    return sorted(by_id.values(), key=lambda v: (ids.stage_rank(v.code, bill_type), v.date or "", v.code))


# --- summaries ------------------------------------------------------------------------------------

_BLOCKS = ("p", "li", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "tr", "pre", "blockquote")


def html_to_text(fragment: str | None) -> str:
    """CRS summary HTML (inside CDATA in BILLSTATUS, a string in the API) -> plain text, one
    paragraph a line, no markup kept."""
    src = (fragment or "").strip()
    if not src:
        return ""
    import lxml.html
    try:
        root = lxml.html.fragment_fromstring(src, create_parent="div")
    except Exception:  # noqa: BLE001 - unparseable fragment: drop tags crudely
        return clean(re.sub(r"<[^>]*>", " ", src))
    for el in root.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
        if el.tag != "br":
            el.text = (el.text or "")
    text = root.text_content()
    lines = [clean(ln) for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


# --- misc -----------------------------------------------------------------------------------------

def chamber_name(value: str | None) -> str | None:
    v = clean(value).lower()
    if v.startswith("house") or v == "h":
        return "house"
    if v.startswith("senate") or v == "s":
        return "senate"
    if v.startswith("joint"):
        return "joint"
    return None


def congress_gov_url(bill: ids.BillId) -> str:
    """Canonical congress.gov page of a bill: the source_url of its actions, whichever source."""
    kinds = {"hr": "house-bill", "s": "senate-bill", "hres": "house-resolution", "sres": "senate-resolution",
             "hjres": "house-joint-resolution", "sjres": "senate-joint-resolution",
             "hconres": "house-concurrent-resolution", "sconres": "senate-concurrent-resolution"}
    n = bill.congress
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"https://www.congress.gov/bill/{n}{suffix}-congress/{kinds[bill.type]}/{bill.number}/all-actions"
