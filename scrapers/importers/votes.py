"""Importer for :class:`VoteItem`: one ``vote.recorded`` event, a ``vote`` row and its positions.

- Members are resolved once per vote through :class:`tracker.members.Resolver`: Senate LIS ids via
  ``member.lis_id`` (then the name, accent-insensitive, scoped to the senator's state and party);
  a House ``name-id`` is a bioguide id and is used as is. An unresolved member is kept under its
  source id (``S428``) and listed in ``data.unresolved``; never dropped.
- ``data.against_party``: members whose decisive position (yea/nay, or a candidate in a Speaker
  election) differs from the majority of their own party on that vote (no majority on a tie).
- The position set of a vote is replaced as a whole (``EntityRecord(replace={"vote_id": ...})``),
  so a corrected roll call never keeps a stale position; the event's ``positions_hash`` changes
  with any position, so a correction appends a new revision of the event.
- A vote already recorded from the official source (senate.gov / the Clerk) is not overwritten by a
  secondary source (OpenStates-derived JSON).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from itertools import compress, repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import text

from db.records import EntityRecord, EventRecord
from scrapers.items.votes import VoteItem
from tracker import ids
from tracker.members import Resolver

_CHAMBER = {"h": "House", "s": "Senate"}
_DECISIVE_SKIP = {"present", "not_voting"}


def _resolver(ctx: Any) -> Resolver:
    """One Resolver per write transaction (shared by the documents of a batch)."""
    cache = getattr(ctx, "shared", None)
    r = cache.get("member_resolver") if cache is not None else None
    if r is None or r.conn is not ctx.conn:
        r = Resolver(ctx.conn)
        if cache is not None:
            cache["member_resolver"] = r
    return r


def _measure(item: VoteItem) -> str | None:
    if item.bill_id:
        return ids.parse_bill_id(item.bill_id).citation
    return item.document


def _outcome(result: str) -> bool | None:
    r = (result or "").lower()
    if any(w in r for w in ("fail", "reject", "not agreed", "not sustained", "defeated", "not invoked",
                            "not guilty", "not confirmed", "not well taken")):
        return False
    if any(w in r for w in ("pass", "agreed", "adopt", "confirm", "concur", "sustain", "invoked", "guilty",
                            "well taken")):
        return True
    return None


def _n(v: int | None) -> int:
    return v or 0


def vote_title(item: VoteItem) -> str:
    """One line a person would write: "Senate passed H.R. 1 51-50 with the Vice President breaking
    a 50-50 tie", "House agreed to the Senate amendment to H.R. 1 218-214", "Senate adopted
    S.Amdt. 14 to S. 5 70-25", "House elected Johnson (LA) Speaker with 218 votes ..."."""
    chamber = _CHAMBER[item.chamber]
    c = item.counts
    if item.election:
        ranked = sorted(((k, v or 0) for k, v in c.items() if k.lower() not in ("present", "not voting")),
                        key=lambda kv: -kv[1])
        if ranked:
            winner = item.result or ranked[0][0]
            top = dict(ranked).get(winner, ranked[0][1])
            rest = [f"{v} for {k}" for k, v in ranked if k != winner]
            tail = f" to {', '.join(rest[:-1]) + ' and ' if len(rest) > 1 else ''}{rest[-1]}" if rest else ""
            return f"{chamber} elected {winner} Speaker with {top} votes{tail}"
        return f"{chamber} election of the Speaker: {item.result}"
    if (item.vote_type or "").upper() == "QUORUM" or "quorum" in (item.question or "").lower():
        return f"{chamber} quorum call: {_n(c.get('present'))} present, {_n(c.get('not_voting'))} not voting"

    q = (item.question_short or item.question or "").lower()
    ok = _outcome(item.result)
    measure = _measure(item)
    yea, nay = _n(c.get("yea")), _n(c.get("nay"))
    tally = f"{yea}-{nay}"
    tie = ""
    if item.tie_breaker and item.tie_breaker.get("vote"):
        tv = item.tie_breaker["vote"].strip().lower()
        who = item.tie_breaker.get("by_whom") or "the Vice President"
        who = "the Vice President" if who.lower() in ("vice president", "the vice president") else who
        if tv in ("yea", "aye", "guilty"):
            tally = f"{yea + 1}-{nay}"
        elif tv in ("nay", "no", "not guilty"):
            tally = f"{yea}-{nay + 1}"
        tie = f" with {who} breaking a {yea}-{nay} tie"
    elif item.chamber == "s" and ok is True and yea == nay and yea > 0:
        # A Senate tie fails unless the Vice President votes (Const. art. I, sec. 3): a tie that
        # carried was broken by the VP even when the source does not record it (OpenStates'
        # vote_event for H.R. 1's passage lists the 50-50 senators and "pass", no tie-breaker).
        tie = " on a tie broken by the Vice President (not recorded in this source)"

    if item.amendment and "amendment" in q and "concur" not in q:
        target = f"{item.amendment} to {measure}" if measure and measure != item.amendment else item.amendment
        verb = "adopted" if ok else "rejected" if ok is False else "voted on"
        phrase = f"{verb} {target}"
    elif "concur" in q and measure:
        other = "Senate" if item.chamber == "h" else "House"
        what = f"the {other} amendment to {measure}" if "amendment" in q else measure
        phrase = f"{'agreed to' if ok else 'rejected' if ok is False else 'voted on'} {what}"
    elif "cloture" in q:
        target = f" on {measure}" if measure else ""
        phrase = f"{'invoked' if ok else 'rejected' if ok is False else 'voted on'} cloture{target}"
    elif "motion to proceed" in q and measure:
        phrase = f"{'agreed to proceed to' if ok else 'refused to proceed to' if ok is False else 'voted to proceed to'} {measure}"
    elif "nomination" in q:
        who = item.title or measure or "a nomination"
        phrase = f"{'confirmed' if ok else 'rejected' if ok is False else 'voted on'} {who}"
    elif "passage" in q or "pass" in q and measure:
        phrase = f"{'passed' if ok else 'rejected' if ok is False else 'voted on'} {measure or 'the measure'}"
    elif "resolution" in q and measure:
        phrase = f"{'adopted' if ok else 'rejected' if ok is False else 'voted on'} {measure}"
    else:
        label = item.question or "a question"
        return f"{chamber} vote {tally}{tie} on {label}: {item.result}"
    return f"{chamber} {phrase} {tally}{tie}"


def _positions_hash(pairs: list[tuple[str, str]]) -> str:
    pairs = sorted(pairs)
    try:  # "".join(f"{mid}={pos};" ...), joined in C (ids and positions are strings)
        text_ = ";".join(map("=".join, pairs)) + ";" if pairs else ""
    except TypeError:
        text_ = "".join(f"{mid}={pos};" for mid, pos in pairs)
    return hashlib.sha1(text_.encode()).hexdigest()


def _official_exists(ctx: Any, vote_id: str) -> bool:
    row = ctx.conn.execute(text("SELECT data FROM vote WHERE vote_id = :v"), {"v": vote_id}).first()
    if row is None:
        return False
    data = row[0]
    if isinstance(data, str):
        import json
        data = json.loads(data)
    return (data or {}).get("source") in ("lis", "clerk")


# The fields of a position the importer reads, as columns (one C-level pass over the models). Read
# from each model's __dict__, where pydantic keeps the field values: BaseModel defines __getattr__,
# which puts every attribute read on the slower slot path (435 positions: ~180 us -> ~140 us).
_POSITION_FIELDS = itemgetter("member_id", "bioguide_id", "lis_id", "name", "first_name", "last_name", "party",
                              "state", "position", "position_raw")


def _resolve_columns(source_ids: tuple, bioguides: tuple, lis_ids: tuple, names: tuple, firsts: tuple,
                     lasts: tuple, parties: tuple, states: tuple, chamber: str,
                     resolver: Resolver) -> tuple[list[str], list[str | None]]:
    """(member id, bioguide id or None) per position, from the position columns: a House name-id is
    the bioguide id (authoritative); anything else is resolved (LIS id, then name, state, party)."""
    if all(map(ids.is_bioguide, bioguides)):
        # A House roll call: every name-id is a bioguide id (authoritative), nothing to look up.
        return list(bioguides), list(bioguides)
    resolve = resolver.resolve
    is_bioguide = ids.is_bioguide
    mids: list[str] = []
    bios: list[str | None] = []
    for mid, bio, lis, name, first, last, party, state in zip(source_ids, bioguides, lis_ids, names, firsts, lasts,
                                                              parties, states):
        if not (bio and is_bioguide(bio)):
            # " ".join(x for x in (first, last) if x) or name, without the generator
            bio = resolve(lis=lis, name=f"{first} {last}" if first and last else first or last or name, state=state,
                          chamber=chamber, party=party)
        mids.append(bio or mid)
        bios.append(bio)
    return mids, bios


def _breakdown_and_against(member_ids: list[str], parties: tuple, positions: tuple
                           ) -> tuple[dict[str, dict[str, int]], list[str]]:
    """``item.party_breakdown()`` and the members who voted against their party's majority, from
    the (member, party, position) columns and one count of the (party, position) pairs: the same
    dicts as ``party_breakdown()``, in the same order (first appearance). Present / Not Voting are not
    decisive; a party split evenly has no majority (nobody is "against" it)."""
    pairs = Counter(zip(parties, positions))
    breakdown: dict[str, dict[str, int]] = {}
    tallies: dict[str, dict[str, int]] = {}
    for (party, pos), k in pairs.items():
        d = breakdown.setdefault(party or "?", {})
        d[pos] = d.get(pos, 0) + k
        if party and pos not in _DECISIVE_SKIP:
            t = tallies.setdefault(party, {})
            t[pos] = t.get(pos, 0) + k
    majority: dict[str, str] = {}
    for party, t in tallies.items():
        ranked = sorted(t.items(), key=lambda kv: -kv[1])
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            majority[party] = ranked[0][0]
    dissent = {pair for pair in pairs if pair[0] in majority and pair[1] not in _DECISIVE_SKIP
               and pair[1] != majority[pair[0]]}
    against = sorted(compress(member_ids, map(dissent.__contains__, zip(parties, positions)))) if dissent else []
    return breakdown, against


def import_vote(item: VoteItem, ctx: Any) -> list[Any]:
    if item.source == "openstates" and _official_exists(ctx, item.vote_id):
        return []  # the official roll call is richer (tie-breaker, names): keep it
    resolver = _resolver(ctx)
    # Position columns in one pass; the per-position work below runs on them (mostly in C):
    # member resolution, party breakdown, members against their party, the positions hash.
    n = len(item.positions)
    cols = tuple(zip(*map(_POSITION_FIELDS, map(vars, item.positions)))) if n else ((),) * 10
    source_ids, bioguides, lis_ids, names, firsts, lasts, parties, states, poss, raws = cols
    member_ids, bios = _resolve_columns(source_ids, bioguides, lis_ids, names, firsts, lasts, parties, states,
                                        "senate" if item.chamber == "s" else "house", resolver)
    if len(set(member_ids)) != n:
        # Two source ids resolving to one member would collide on the key: keep the source ids then.
        seen: dict[str, int] = {}
        for mid in member_ids:
            seen[mid] = seen.get(mid, 0) + 1
        resolved = [(mid, bio) if seen[mid] == 1 else (src, None)
                    for mid, bio, src in zip(member_ids, bios, source_ids)]
        member_ids = [mid for mid, _ in resolved]
        bios = [bio for _, bio in resolved]
    # The event's member links, the position rows, the members left unresolved.
    vid = item.vote_id
    pos_rows = list(zip(repeat(vid, n), member_ids, bios, lis_ids, names, parties, states, poss, raws))
    unresolved = sorted([src for src, bio in zip(source_ids, bios) if bio is None]) if None in bios else []
    breakdown, against = _breakdown_and_against(member_ids, parties, poss)
    title = vote_title(item)
    data = {
        "vote_id": item.vote_id, "chamber": item.chamber, "congress": item.congress, "session": item.session,
        "number": item.number, "question": item.question, "vote_type": item.vote_type, "result": item.result,
        "bill_id": item.bill_id, "amendment": item.amendment, "document": item.document,
        "counts": item.counts, "tie_breaker": item.tie_breaker, "election": item.election,
        "vacant_seats": item.vacant_seats,
        "party_breakdown": breakdown, "against_party": against, "unresolved": unresolved,
        "positions_hash": _positions_hash(list(zip(member_ids, poss))),
    }
    event = EventRecord(kind="vote.recorded", key=f"vote:{item.vote_id}", title=title, occurred_at=item.occurred_at,
                        bill_id=item.bill_id, member_ids=member_ids, source_url=item.source_url, data=data)
    c = item.counts
    vote_row = dict(
        vote_id=item.vote_id, chamber=item.chamber, congress=item.congress, session=item.session, number=item.number,
        year=item.year, occurred_at=item.occurred_at.isoformat(), question=item.question, vote_type=item.vote_type,
        result=item.result, bill_id=item.bill_id, amendment=item.amendment,
        yea=None if item.election else c.get("yea"), nay=None if item.election else c.get("nay"),
        present=c.get("present") if not item.election else c.get("Present"),
        not_voting=c.get("not_voting") if not item.election else c.get("Not Voting"),
        tie_breaker=item.tie_breaker, counts=item.counts,
        data={**item.model_dump(mode="json", exclude={"positions"}), "title_line": title,
              "party_breakdown": data["party_breakdown"], "against_party": against, "unresolved": unresolved},
        source_url=item.source_url)
    return [EntityRecord("vote", [vote_row], ("vote_id",)),
            EntityRecord("vote_position", pos_rows, ("vote_id", "member_id"), replace={"vote_id": vid},
                         columns=_POSITION_COLUMNS),
            event]


_POSITION_COLUMNS = ("vote_id", "member_id", "bioguide_id", "lis_id", "name", "party", "state", "position",
                     "position_raw")


IMPORTERS = {VoteItem: import_vote}
