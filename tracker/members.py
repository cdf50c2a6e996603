"""Member resolution: any way a source names a Member of Congress -> one bioguide id, or None.

The ``member`` table (filled from congress-legislators by ``scrapers/importers/members.py``, current
and historical) is the reference. Sources name members in many ways:

- a bioguide id (House Clerk roll calls: ``legislator/@name-id``), taken as is when known;
- a Senate LIS id (``S428`` in senate.gov roll calls), mapped through ``member.lis_id``;
- a name in running text: ``Warren``, ``Elizabeth Warren``, ``Sen. Elizabeth Warren (D-Mass.)``,
  ``Ranking Member Ron Wyden, D-Ore.``, ``Wyden (D-OR)``, ``Ben Ray Lujan`` (senate.gov drops the
  accent of Luján), nicknames (``Chuck Grassley`` for Charles; ``member.nickname``).

Rules: names are compared case- and accent-insensitively; ``state`` / ``chamber`` / ``party`` narrow
the candidates (a candidate matches when one of its terms has that state, chamber and party);
when two or more members still match, the current member wins over former ones only if exactly
one is current; otherwise the answer is None: we never guess between two members.

Use :class:`Resolver` for bulk work (a roll call names 100-435 members): it loads the member
table once per connection (and caches the index per database until the table changes).
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import text

__all__ = ["resolve", "parse_member_mention", "Resolver", "normalize_name", "state_code", "party_code",
           "STATE_CODES"]

# --- vocabularies ---------------------------------------------------------------------------------

# Two-letter postal codes, full names, and the AP style abbreviations news copy and press releases
# use ("D-Mass.", "R-Calif.", "D-Ore."), plus older forms seen in congressional prose.
_STATES: dict[str, tuple[str, ...]] = {
    "AL": ("Alabama", "Ala."), "AK": ("Alaska",), "AZ": ("Arizona", "Ariz."), "AR": ("Arkansas", "Ark."),
    "CA": ("California", "Calif.", "Cal."), "CO": ("Colorado", "Colo."), "CT": ("Connecticut", "Conn."),
    "DE": ("Delaware", "Del."), "FL": ("Florida", "Fla."), "GA": ("Georgia", "Ga."), "HI": ("Hawaii",),
    "ID": ("Idaho",), "IL": ("Illinois", "Ill."), "IN": ("Indiana", "Ind."), "IA": ("Iowa",),
    "KS": ("Kansas", "Kan.", "Kans."), "KY": ("Kentucky", "Ky."), "LA": ("Louisiana", "La."), "ME": ("Maine",),
    "MD": ("Maryland", "Md."), "MA": ("Massachusetts", "Mass."), "MI": ("Michigan", "Mich."),
    "MN": ("Minnesota", "Minn."), "MS": ("Mississippi", "Miss."), "MO": ("Missouri", "Mo."),
    "MT": ("Montana", "Mont."), "NE": ("Nebraska", "Neb.", "Nebr."), "NV": ("Nevada", "Nev."),
    "NH": ("New Hampshire", "N.H."), "NJ": ("New Jersey", "N.J."), "NM": ("New Mexico", "N.M.", "N.Mex."),
    "NY": ("New York", "N.Y."), "NC": ("North Carolina", "N.C."), "ND": ("North Dakota", "N.D.", "N.Dak."),
    "OH": ("Ohio",), "OK": ("Oklahoma", "Okla."), "OR": ("Oregon", "Ore.", "Oreg."),
    "PA": ("Pennsylvania", "Pa.", "Penn."), "RI": ("Rhode Island", "R.I."), "SC": ("South Carolina", "S.C."),
    "SD": ("South Dakota", "S.D.", "S.Dak."), "TN": ("Tennessee", "Tenn."), "TX": ("Texas", "Tex."),
    "UT": ("Utah",), "VT": ("Vermont", "Vt."), "VA": ("Virginia", "Va."), "WA": ("Washington", "Wash."),
    "WV": ("West Virginia", "W.Va.", "W.V."), "WI": ("Wisconsin", "Wis.", "Wisc."), "WY": ("Wyoming", "Wyo."),
    "DC": ("District of Columbia", "D.C."), "PR": ("Puerto Rico", "P.R."), "GU": ("Guam",),
    "VI": ("Virgin Islands", "V.I.", "U.S. Virgin Islands"), "AS": ("American Samoa", "Am. Samoa"),
    "MP": ("Northern Mariana Islands", "N. Mariana Is.", "N. Mariana Islands", "CNMI"),
}
STATE_CODES = frozenset(_STATES)


def _state_key(s: str) -> str:
    return re.sub(r"[\s.]", "", s).lower()


_STATE_LOOKUP: dict[str, str] = {}
for _code, _names in _STATES.items():
    _STATE_LOOKUP[_code.lower()] = _code
    for _n in _names:
        _STATE_LOOKUP[_state_key(_n)] = _code


def state_code(value: str | None) -> str | None:
    """``Mass.`` / ``Massachusetts`` / ``MA`` / ``ma`` -> ``MA``; None when not a state."""
    if not value:
        return None
    return _STATE_LOOKUP.get(_state_key(value))


_PARTIES = {"d": "D", "dem": "D", "democrat": "D", "democratic": "D", "r": "R", "rep": "R",
            "republican": "R", "gop": "R", "i": "I", "ind": "I", "independent": "I", "id": "ID",
            "l": "L", "libertarian": "L", "independent democrat": "ID", "democratic-farmer-labor": "D",
            "dfl": "D", "popular democrat": "D", "new progressive": "R"}


def party_code(value: str | None) -> str | None:
    """``Democrat`` / ``Democratic`` / ``D`` -> ``D``; ``Republican`` -> ``R``; ``Independent`` ->
    ``I``. Unknown parties keep their first letter upper-cased (historical Whigs: ``W``)."""
    if not value:
        return None
    v = " ".join(value.replace(".", "").split()).lower()
    if v in _PARTIES:
        return _PARTIES[v]
    return v[:1].upper() or None


# Given names and their common short forms (both directions are used).
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "robert": ("bob", "bobby", "rob"), "william": ("bill", "billy", "will"), "charles": ("chuck", "charlie"),
    "james": ("jim", "jimmy", "jamie"), "richard": ("dick", "rick", "rich"), "thomas": ("tom", "tommy"),
    "joseph": ("joe",), "michael": ("mike",), "edward": ("ed", "ted", "eddie"), "theodore": ("ted",),
    "christopher": ("chris",), "daniel": ("dan", "danny"), "david": ("dave",), "steven": ("steve",),
    "stephen": ("steve",), "anthony": ("tony",), "kenneth": ("ken",), "ronald": ("ron",), "donald": ("don",),
    "gerald": ("jerry",), "jerome": ("jerry",), "lawrence": ("larry",), "patrick": ("pat",),
    "patricia": ("pat", "patty"), "elizabeth": ("liz", "beth", "betsy"), "margaret": ("maggie", "peggy"),
    "katherine": ("kathy", "kate"), "catherine": ("cathy", "kate"), "deborah": ("debbie", "deb"),
    "susan": ("sue",), "jennifer": ("jen", "jenny"), "timothy": ("tim",), "benjamin": ("ben",),
    "samuel": ("sam",), "nicholas": ("nick",), "gregory": ("greg",), "jeffrey": ("jeff",),
    "matthew": ("matt",), "andrew": ("andy",), "alexander": ("alex",), "raphael": ("ted",),
    "mitchell": ("mitch",), "addison": ("mitch",), "john": ("jack",), "frederick": ("fred",),
    "bernard": ("bernie",), "peter": ("pete",), "douglas": ("doug",), "gary": ("gary",),
}
_NICK_EQUIV: dict[str, set[str]] = {}
for _full, _shorts in _NICKNAMES.items():
    _NICK_EQUIV.setdefault(_full, set()).update(_shorts)
    for _s in _shorts:
        _NICK_EQUIV.setdefault(_s, set()).add(_full)

# Titles that precede a name in press releases, letters and news copy (longest first).
_TITLES = [
    "u.s. senator", "us senator", "united states senator", "senator", "sen.", "sen",
    "u.s. representative", "us representative", "representative", "rep.", "rep",
    "congresswoman", "congressman", "congressmember", "delegate", "del.", "resident commissioner",
    "senate majority leader", "senate minority leader", "house majority leader", "house minority leader",
    "majority leader", "minority leader", "majority whip", "minority whip", "assistant majority leader",
    "assistant minority leader", "democratic leader", "republican leader", "democratic whip",
    "republican whip", "speaker of the house", "speaker", "president pro tempore", "ranking member",
    "chairwoman", "chairman", "chair", "vice chair", "vice chairman", "leader", "whip",
    "the honorable", "honorable", "hon.", "dr.", "mr.", "mrs.", "ms.",
]
_TITLES.sort(key=len, reverse=True)
_SENATE_TITLES = {"u.s. senator", "us senator", "united states senator", "senator", "sen.", "sen",
                  "senate majority leader", "senate minority leader", "president pro tempore"}
_HOUSE_TITLES = {"u.s. representative", "us representative", "representative", "rep.", "rep",
                 "congresswoman", "congressman", "congressmember", "delegate", "del.", "resident commissioner",
                 "house majority leader", "house minority leader", "speaker of the house", "speaker"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "v", "md", "phd", "esq"}

# "(D-Mass.)", "(R-CA-12)", ", D-Ore.", "D-N.Y.", "(I-Vt.)" ; state may be several words ("D-New York").
_PARTY_STATE = re.compile(
    r"[\s,]*[(\[]?\s*(?P<party>D|R|I|ID|L|Dem|Rep|Ind)\s*[-\u2013\u2014,]\s*"
    r"(?P<state>[A-Z][A-Za-z.]*(?:\s+[A-Z][A-Za-z.]*){0,2}?)"
    r"(?:\s*[-\u2013]\s*(?P<district>\d{1,2}|AL|At[- ]Large))?\s*[)\]]?\s*[.,;:]?\s*$")


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def normalize_name(s: str | None) -> str:
    """Lower case, accents and punctuation dropped, hyphens kept as word joiners, single spaces:
    ``Luján`` -> ``lujan``, ``O'Rourke`` -> ``orourke``, ``Hyde-Smith`` -> ``hyde-smith``."""
    if not s:
        return ""
    s = _strip_accents(s).lower().replace("\u2019", "'")
    s = re.sub(r"['`.]", "", s)
    s = re.sub(r"[^a-z0-9\- ]+", " ", s)
    s = re.sub(r"\s*-\s*", "-", s)
    return " ".join(s.split())


def _tokens(name: str) -> list[str]:
    toks = normalize_name(name).split()
    while toks and toks[-1] in _SUFFIXES:
        toks.pop()
    return toks


def parse_member_mention(text_: str) -> dict[str, Any]:
    """Split a mention into parts::

        parse_member_mention("Sen. Elizabeth Warren (D-Mass.)")
        == {"name": "Elizabeth Warren", "party": "D", "state": "MA", "chamber": "senate", "title": "Sen."}

    Handles ``Ranking Member Ron Wyden, D-Ore.``, ``Wyden (D-OR)``, ``Rep. Jim Jordan (R-Ohio)``,
    ``Rep. Nancy Pelosi (D-CA-11)`` (a district means the House), ``Warren, Elizabeth``. Missing
    parts are None; ``name`` is the cleaned name ('' when nothing is left).
    """
    out: dict[str, Any] = {"name": "", "party": None, "state": None, "chamber": None, "title": None}
    s = " ".join((text_ or "").replace("\u00a0", " ").split())
    if not s:
        return out
    m = _PARTY_STATE.search(s)
    if m:
        st = state_code(m.group("state"))
        if st:
            out["party"] = party_code(m.group("party"))
            out["state"] = st
            if m.group("district"):
                out["chamber"] = "house"
            s = s[:m.start()].strip(" ,")
    # Titles, possibly several ("Senate Majority Leader Sen. John Thune").
    titles: list[str] = []
    changed = True
    while changed and s:
        changed = False
        low = s.lower()
        for t in _TITLES:
            if low.startswith(t) and (len(s) == len(t) or not s[len(t)].isalnum() or t.endswith(".")):
                titles.append(s[:len(t)])
                s = s[len(t):].lstrip(" ,:")
                changed = True
                break
    if titles:
        out["title"] = " ".join(titles)
        for t in titles:
            tl = t.lower()
            if tl in _SENATE_TITLES:
                out["chamber"] = "senate"
            elif tl in _HOUSE_TITLES and out["chamber"] is None:
                out["chamber"] = "house"
    # "Warren, Elizabeth" (surname first, as in roll-call listings).
    if "," in s:
        last, _, first = s.partition(",")
        first = first.strip()
        if first and " " not in last.strip() and normalize_name(first) not in _SUFFIXES:
            s = f"{first} {last.strip()}"
        else:
            s = last.strip() if normalize_name(first) in _SUFFIXES or not first else s
    out["name"] = s.strip(" ,")
    return out


# --- the index -----------------------------------------------------------------------------------

@dataclass
class _Cand:
    bioguide: str
    last: str                       # normalised last name (may be several words)
    given: frozenset[str]           # normalised given-name forms (first, nickname, middle, official first)
    terms: tuple[tuple[str, str | None, str | None], ...]   # (chamber, state, party letter)
    current: bool


@dataclass
class _Index:
    bioguides: set[str] = field(default_factory=set)
    lis: dict[str, str] = field(default_factory=dict)
    by_last: dict[str, list[_Cand]] = field(default_factory=dict)
    max_last_words: int = 1


_CACHE: dict[tuple, _Index] = {}
_CACHE_LOCK = threading.Lock()


def _given_forms(first: str | None, nickname: str | None, middle: str | None, official: str | None,
                 last_norm: str) -> frozenset[str]:
    forms: set[str] = set()
    for v in (first, nickname, middle):
        toks = _tokens(v or "")
        if toks:
            forms.add(toks[0])
            forms.add(" ".join(toks))
    off = _tokens(official or "")
    lt = last_norm.split()
    if off and off[-len(lt):] == lt and len(off) > len(lt):
        given = off[:-len(lt)]
        forms.add(given[0])
        forms.add(" ".join(given))
    for f in list(forms):
        forms.update(_NICK_EQUIV.get(f, ()))
    return frozenset(f for f in forms if f)


def _terms_of(data: dict[str, Any], chamber: str | None, state: str | None, party: str | None
              ) -> tuple[tuple[str, str | None, str | None], ...]:
    out: set[tuple[str, str | None, str | None]] = set()
    for t in data.get("terms") or []:
        if not isinstance(t, dict):
            continue
        ch = {"sen": "senate", "rep": "house"}.get(str(t.get("type", "")).lower())
        if ch:
            out.add((ch, state_code(t.get("state")), party_code(t.get("party"))))
    if not out and chamber:
        out.add((chamber, state, party))
    return tuple(sorted(out, key=lambda x: tuple(v or "" for v in x)))


def _fingerprint(conn: Any) -> tuple:
    row = conn.execute(text("SELECT count(*), max(observed_at) FROM member")).first()
    url = str(conn.engine.url)
    return (url, row[0], str(row[1]))


def _build(conn: Any) -> _Index:
    idx = _Index()
    rows = conn.execute(text(
        "SELECT bioguide_id, lis_id, first_name, last_name, nickname, official_full, party, state, chamber, "
        "current, data FROM member")).all()
    for r in rows:
        bio = r[0]
        idx.bioguides.add(bio)
        if r[1]:
            idx.lis[r[1].upper()] = bio
        data = r[10]
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                data = {}
        data = data or {}
        last = " ".join(_tokens(r[3] or ""))
        if not last:
            continue
        middle = ((data.get("name") or {}).get("middle") if isinstance(data.get("name"), dict) else None)
        cand = _Cand(bio, last, _given_forms(r[2], r[4], middle, r[5], last),
                     _terms_of(data, r[8], r[7], r[6]), bool(r[9]))
        keys = {last}
        # "Blunt Rochester" is also written "Rochester"; "Hyde-Smith" also "Hyde Smith".
        if "-" in last:
            keys.add(last.replace("-", " "))
        off = _tokens(r[5] or "")
        if off and len(off) >= 2 and off[-1] != last.split()[-1]:
            keys.add(off[-1])  # official_full ends differently (e.g. a married name)
        for k in keys:
            idx.by_last.setdefault(k, []).append(cand)
            idx.max_last_words = max(idx.max_last_words, len(k.split()))
    return idx


def _index(conn: Any) -> _Index:
    try:
        fp = _fingerprint(conn)
    except Exception:  # noqa: BLE001 - no member table yet: an empty index
        return _Index()
    with _CACHE_LOCK:
        idx = _CACHE.get(fp)
    if idx is None:
        idx = _build(conn)
        with _CACHE_LOCK:
            for k in [k for k in _CACHE if k[0] == fp[0]]:
                _CACHE.pop(k, None)
            _CACHE[fp] = idx
    return idx


class Resolver:
    """Member resolution for one connection, the index built once (``Resolver(conn).resolve(...)``).

    The index is also shared between Resolvers of the same database until the member table changes
    (its row count or newest ``observed_at``), so per-document importers stay cheap.
    """

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._idx: _Index | None = None
        self._memo: dict[tuple, str | None] = {}

    @property
    def index(self) -> _Index:
        if self._idx is None:
            self._idx = _index(self.conn)
        return self._idx

    def known(self, bioguide: str | None) -> bool:
        """True when the bioguide id is in the member table."""
        return bool(bioguide) and bioguide.strip().upper() in self.index.bioguides

    def lis(self, lis_id: str | None) -> str | None:
        """LIS id (``S428``) -> bioguide id, or None."""
        if not lis_id:
            return None
        return self.index.lis.get(lis_id.strip().upper())

    def resolve(self, *, bioguide: str | None = None, lis: str | None = None, name: str | None = None,
                state: str | None = None, chamber: str | None = None, party: str | None = None) -> str | None:
        """A bioguide id or None. Tries the bioguide id (if known), then the LIS id, then the name
        (scoped by state / chamber / party when given). Ambiguous names give None."""
        key = (bioguide, lis, name, state, chamber, party)
        if key in self._memo:
            return self._memo[key]
        out = self._resolve(bioguide, lis, name, state, chamber, party)
        self._memo[key] = out
        return out

    def _resolve(self, bioguide, lis, name, state, chamber, party) -> str | None:
        idx = self.index
        if bioguide:
            b = bioguide.strip().upper()
            if b in idx.bioguides:
                return b
        if lis:
            b = idx.lis.get(lis.strip().upper())
            if b:
                return b
        if not name or not idx.by_last:
            return None
        mention = parse_member_mention(name)
        st = state_code(state) if state else mention["state"]
        pa = party_code(party) if party else mention["party"]
        ch = _chamber(chamber) if chamber else mention["chamber"]
        return self._by_name(mention["name"], st, ch, pa)

    def candidates(self, name: str, *, state: str | None = None, chamber: str | None = None,
                   party: str | None = None) -> list[str]:
        """Every bioguide id the name could denote under the scope (for reports of ambiguity)."""
        mention = parse_member_mention(name)
        st = state_code(state) if state else mention["state"]
        pa = party_code(party) if party else mention["party"]
        ch = _chamber(chamber) if chamber else mention["chamber"]
        return sorted({c.bioguide for c in self._matches(mention["name"], st, ch, pa)})

    def _matches(self, name: str, state, chamber, party) -> list[_Cand]:
        toks = _tokens(name)
        if not toks:
            return []
        idx = self.index
        # Longest surname first: "Lisa Blunt Rochester" is Blunt Rochester, not a Rochester.
        for k in range(min(len(toks), idx.max_last_words), 0, -1):
            last = " ".join(toks[-k:])
            given = toks[:-k]
            cands = idx.by_last.get(last) or []
            found = [c for c in cands if _given_ok(given, c) and _scope_ok(c, state, chamber, party)]
            if found:
                seen: dict[str, _Cand] = {}
                for c in found:
                    seen.setdefault(c.bioguide, c)
                return list(seen.values())
        return []

    def _by_name(self, name: str, state, chamber, party) -> str | None:
        found = self._matches(name, state, chamber, party)
        if len(found) == 1:
            return found[0].bioguide
        current = [c for c in found if c.current]
        if len(current) == 1:
            return current[0].bioguide
        return None


def _chamber(v: str | None) -> str | None:
    if not v:
        return None
    v = v.strip().lower()
    return {"s": "senate", "sen": "senate", "senate": "senate", "upper": "senate",
            "h": "house", "rep": "house", "house": "house", "lower": "house"}.get(v)


def _given_ok(given: list[str], c: _Cand) -> bool:
    if not given:
        return True
    g0 = given[0]
    if " ".join(given) in c.given or g0 in c.given:
        return True
    if len(g0) == 1:  # an initial: "E. Warren"
        return any(f.startswith(g0) for f in c.given)
    return False


def _scope_ok(c: _Cand, state, chamber, party) -> bool:
    if not (state or chamber or party):
        return True
    for ch, st, pa in c.terms:
        if state and st != state:
            continue
        if chamber and ch != chamber:
            continue
        if party and pa and pa != party and not (party == "I" and pa == "ID"):
            continue
        return True
    return False


def resolve(conn: Any, *, bioguide: str | None = None, lis: str | None = None, name: str | None = None,
            state: str | None = None, chamber: str | None = None, party: str | None = None) -> str | None:
    """One-off resolution (see :class:`Resolver` for bulk use): a bioguide id or None.

    Order: ``bioguide`` as is (if in the member table), ``lis`` through ``member.lis_id``, then
    ``name`` (any of the forms in the module doc), scoped by ``state`` (``MA`` or ``Mass.``),
    ``chamber`` (``senate``/``house``) and ``party`` (``D``/``Democrat``) when given. Ambiguous -> None.
    """
    return Resolver(conn).resolve(bioguide=bioguide, lis=lis, name=name, state=state, chamber=chamber,
                                  party=party)


def member_rows_for(conn: Any, bioguides: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Basic facts (name, party, state, chamber) for bioguide ids, for display."""
    ids = sorted(set(b for b in bioguides if b))
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        params = {f"b{j}": b for j, b in enumerate(chunk)}
        sql = ("SELECT bioguide_id, official_full, party, state, chamber FROM member WHERE bioguide_id IN ("
               + ",".join(f":b{j}" for j in range(len(chunk))) + ")")
        for r in conn.execute(text(sql), params):
            out[r[0]] = {"name": r[1], "party": r[2], "state": r[3], "chamber": r[4]}
    return out
