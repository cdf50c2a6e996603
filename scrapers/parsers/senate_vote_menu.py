"""senate.gov session vote menu (``vote_menu_{congress}_{session}.xml``): navigation for the spider.

The menu lists every roll call of a session, newest first::

    <vote_summary><congress>119</congress><session>1</session><congress_year>2025</congress_year>
      <votes><vote><vote_number>00372</vote_number><vote_date>01-Jul</vote_date><issue>H.R. 1</issue>
        <question>On Passage of the Bill</question><result>Passed</result>
        <vote_tally><yeas>50</yeas><nays>50</nays></vote_tally><title>...</title></vote></votes>

Quirks: vote numbers are zero-padded; dates have no year (``01-Jul``: the year is
``congress_year``); questions carry trailing newlines and indentation.

:func:`parse_menu` is what the ``senate_votes`` spider uses. The module is also an ingestible kind
(``senate_vote_menu``) that records nothing: ``tracker ingest`` of a folder holding a saved menu next
to vote files then stores the menu as a parsed document (0 events) instead of quarantining it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tracker.xmlsafe import parse_xml

KIND = "senate_vote_menu"
PRIORITY = 20


class VoteMenuError(ValueError):
    """Not a readable senate.gov vote menu."""


@dataclass(frozen=True)
class MenuEntry:
    congress: int
    session: int
    year: int
    number: int
    date: date | None
    issue: str
    question: str
    result: str
    yeas: int | None
    nays: int | None
    title: str

    @property
    def url(self) -> str:
        return (f"https://www.senate.gov/legislative/LIS/roll_call_votes/vote{self.congress}{self.session}/"
                f"vote_{self.congress}_{self.session}_{self.number:05d}.xml")


def detect(body: bytes, url: str | None) -> bool:
    return b"<vote_summary" in body[:4096]


def _t(el, path: str) -> str:
    node = el.find(path) if el is not None else None
    return " ".join((node.text or "").split()) if node is not None else ""


def _int(s: str) -> int | None:
    try:
        return int(s)
    except ValueError:
        return None


def parse_menu(body: bytes) -> list[MenuEntry]:
    """Every vote of the menu (newest first, as published). Raises :class:`VoteMenuError`."""
    root = parse_xml(body)
    if root.tag != "vote_summary":
        raise VoteMenuError(f"expected <vote_summary>, found <{root.tag}>")
    congress, session, year = _int(_t(root, "congress")), _int(_t(root, "session")), _int(_t(root, "congress_year"))
    if not (congress and session and year):
        raise VoteMenuError("vote menu lacks congress/session/congress_year")
    out: list[MenuEntry] = []
    votes = root.find("votes")
    for v in (votes.iterfind("vote") if votes is not None else ()):
        n = _int(_t(v, "vote_number"))
        if not n:
            continue
        d = None
        ds = _t(v, "vote_date")
        if ds:
            try:
                # "01-Jul": the menu omits the year; it is the session's congress_year.
                d = datetime.strptime(f"{ds}-{year}", "%d-%b-%Y").date()
            except ValueError:
                d = None
        out.append(MenuEntry(congress, session, year, n, d, _t(v, "issue"), _t(v, "question"), _t(v, "result"),
                             _int(_t(v, "vote_tally/yeas")), _int(_t(v, "vote_tally/nays")), _t(v, "title")))
    return out


def parse(body: bytes, url: str | None) -> list:
    """Validate the menu and record nothing (it is navigation, not data)."""
    parse_menu(body)
    return []
