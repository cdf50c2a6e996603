"""Helpers shared by the roll-call vote parsers (no ``KIND``: not a document kind itself).

- the position vocabulary (``vocab/positions.csv``: raw text -> yea/nay/present/not_voting);
- Eastern-time parsing: senate.gov and the House Clerk publish wall-clock times in Washington;
  the offset (-05:00 / -04:00) is taken from the tz database for that day.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from tracker import ids

EASTERN = ZoneInfo("America/New_York")
SENATE_SEATS = 100
HOUSE_SEATS = 435

_VOCAB = Path(__file__).resolve().parent / "vocab" / "positions.csv"


@lru_cache(maxsize=1)
def position_vocab() -> dict[str, str]:
    with _VOCAB.open(newline="", encoding="utf-8") as fh:
        return {row["raw"].strip().lower(): row["position"].strip() for row in csv.DictReader(fh)}


def normalize_position(raw: str) -> str | None:
    """``Yea``/``Aye``/``Yes`` -> ``yea`` ... ; None when the text is not in the vocabulary
    (a Speaker-election candidate, or a term never seen before)."""
    return position_vocab().get(" ".join((raw or "").split()).lower())


def eastern(dt: datetime) -> datetime:
    """Attach Washington time and freeze the offset of that instant (``-04:00`` in July)."""
    aware = dt.replace(tzinfo=EASTERN)
    off = aware.utcoffset() or timedelta(0)
    return aware.replace(tzinfo=timezone(off))


_SENATE_DT = re.compile(r"^([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})(?:,\s*(\d{1,2}):(\d{2})\s*([AaPp][Mm]))?$")


def parse_senate_datetime(text: str) -> datetime:
    """``July 1, 2025,  11:56 AM`` (two spaces before the time) -> 2025-07-01T11:56-04:00."""
    s = " ".join((text or "").split())
    m = _SENATE_DT.match(s)
    if not m:
        raise ValueError(f"unreadable Senate vote date {text!r}")
    month, day, year, hh, mm, ampm = m.groups()
    try:
        d = datetime.strptime(f"{month} {day} {year}", "%B %d %Y")
    except ValueError:
        d = datetime.strptime(f"{month[:3]} {day} {year}", "%b %d %Y")
    if hh:
        h = int(hh) % 12 + (12 if ampm.lower() == "pm" else 0)
        d = d.replace(hour=h, minute=int(mm))
    return eastern(d)


def parse_house_datetime(date_text: str, time_etz: str | None, time_text: str | None = None) -> datetime:
    """``3-Jan-2025`` + ``time-etz="14:33"`` (24-hour Eastern) -> 2025-01-03T14:33-05:00."""
    s = (date_text or "").strip()
    try:
        d = datetime.strptime(s, "%d-%b-%Y")
    except ValueError:
        raise ValueError(f"unreadable House vote date {date_text!r}") from None
    t = (time_etz or "").strip()
    m = re.match(r"^(\d{1,2}):(\d{2})$", t)
    if m:
        d = d.replace(hour=int(m.group(1)), minute=int(m.group(2)))
    elif time_text:
        m = re.match(r"^(\d{1,2}):(\d{2})\s*([AaPp])\.?[Mm]\.?$", time_text.strip())
        if m:
            d = d.replace(hour=int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0), minute=int(m.group(2)))
    return eastern(d)


_AMDT = re.compile(r"^\s*([HS])\.?\s*Amdt\.?\s*(\d+)", re.I)


def bill_from_citation(text: str | None, congress: int) -> str | None:
    """``H.R. 1`` / ``S. 5`` / ``H RES 53`` / ``S.J.Res. 12`` -> a bill id of ``congress``; None
    for nominations (``PN12``), treaties, amendments, quorum calls."""
    s = " ".join((text or "").split())
    m = re.match(r"^([A-Za-z][A-Za-z. ]*?)\s*\.?\s*(\d{1,5})$", s)
    if not m:
        return None
    try:
        return ids.bill_id(m.group(1), m.group(2), congress)
    except ValueError:
        return None


def party_letter(value: str | None) -> str | None:
    v = (value or "").strip()
    if not v:
        return None
    full = {"republican": "R", "democratic": "D", "democrat": "D", "independent": "I"}
    return full.get(v.lower(), v.upper() if len(v) <= 2 else v[:1].upper())


def int_or_none(text: str | None) -> int | None:
    s = (text or "").strip()
    if not s:
        return None  # senate.gov writes an empty count as <present/>
    try:
        return int(s)
    except ValueError:
        raise ValueError(f"count is not a number: {s!r}") from None
