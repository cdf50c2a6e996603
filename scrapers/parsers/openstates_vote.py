"""OpenStates-style ``vote_event`` JSON (as written by the windy-civi usa-data-pipeline) -> VoteItem.

A secondary source: it carries the real positions of votes whose official XML we may not have
(e.g. Senate vote 372 of 2025, H.R. 1 passage 50-50), but no tie-breaker, no names beyond
``"Alsobrooks (D-MD)"`` (Senate) or ``"Adams"`` (House), and the member id in ``note`` (LIS id for
the Senate, bioguide id for the House). ``start_date`` is UTC; it is shown in Eastern time here.
The importer never lets this source overwrite a vote recorded from senate.gov or the Clerk.
"""

from __future__ import annotations

import re
from datetime import datetime

from scrapers.items.votes import VoteItem, VotePositionItem
from scrapers.parsers import _json
from scrapers.parsers.votes_common import EASTERN, bill_from_citation, eastern, normalize_position
from tracker import ids

KIND = "openstates_vote"
PRIORITY = 40

_NAME = re.compile(r"^(?P<name>.*?)\s*\((?P<party>[A-Z]{1,2})-(?P<state>[A-Z]{2})\)\s*$")


class OpenStatesVoteError(ValueError):
    """Not a readable OpenStates vote_event JSON."""


def detect(body: bytes, url: str | None) -> bool:
    head = body[:2048].lstrip()
    return head.startswith(b"{") and b'"motion_text"' in head and b'"identifier"' in head


def parse(body: bytes, url: str | None) -> list[VoteItem]:
    try:
        d = _json.loads(body)
    except ValueError as exc:
        raise OpenStatesVoteError(f"malformed JSON: {exc}") from None
    if not isinstance(d, dict) or not isinstance(d.get("votes"), list):
        raise OpenStatesVoteError("not a vote_event: no 'votes' list")
    ident = str(d.get("identifier") or "")
    org = str(d.get("organization") or "")
    chamber = "s" if "upper" in org or "-upper-" in ident else "h" if "lower" in org or "-lower-" in ident else None
    if chamber is None:
        raise OpenStatesVoteError(f"cannot tell the chamber of {ident!r}")
    extras = d.get("extras") or {}
    num = extras.get("senate-rollcall-num") or extras.get("house-rollcall-num") or ident.rsplit("-", 1)[-1]
    try:
        number = int(num)
        congress = int(d.get("legislative_session"))
        start = datetime.fromisoformat(str(d["start_date"]))
    except (TypeError, ValueError, KeyError):
        raise OpenStatesVoteError("missing roll call number, session or start_date") from None
    if start.tzinfo is None:
        occurred = eastern(start)
    else:
        occurred = eastern(start.astimezone(EASTERN).replace(tzinfo=None))
    year = occurred.year
    positions: list[VotePositionItem] = []
    for v in d["votes"]:
        raw = str(v.get("option") or "")
        sid = str(v.get("note") or "").strip().upper()
        name = str(v.get("voter_name") or "").strip()
        if not sid or not raw:
            raise OpenStatesVoteError(f"vote without member id or option: {name!r}")
        m = _NAME.match(name)
        party = state = None
        last = name
        if m:
            last, party, state = m.group("name"), m.group("party"), m.group("state")
        positions.append(VotePositionItem(
            member_id=sid[:16], bioguide_id=sid if ids.is_bioguide(sid) else None,
            lis_id=sid if ids.is_lis_id(sid) else None, name=name, last_name=last or None, party=party, state=state,
            position=normalize_position(raw) or "other:" + raw.lower(), position_raw=raw))
    counts: dict[str, int | None] = {}
    for c in d.get("counts") or []:
        key = normalize_position(str(c.get("option", ""))) or str(c.get("option"))
        counts[key] = (counts.get(key) or 0) + int(c.get("value") or 0)
    for k in ("yea", "nay", "present", "not_voting"):
        counts.setdefault(k, None)
    src = next((s.get("url") for s in d.get("sources") or [] if s.get("url")), None)
    try:
        return [VoteItem(
            vote_id=ids.vote_id(chamber, number, congress, year), chamber=chamber, congress=congress,
            session=ids.session_for_year(year), number=number, year=year, occurred_at=occurred,
            question=str(d.get("motion_text") or ""), question_short=str(d.get("motion_text") or "") or None,
            result=str(d.get("result") or ""), bill_id=bill_from_citation(d.get("bill_identifier"), congress),
            document=d.get("bill_identifier"), counts=counts, positions=positions, source="openstates",
            source_url=src or (url if url and url.startswith("http") else None))]
    except ValueError as exc:
        raise OpenStatesVoteError(" ".join(str(exc).split())[:300]) from None
