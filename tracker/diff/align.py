"""Section alignment between two versions of a bill.

Stages, each only over what earlier stages left unmatched:

1. same normalised header *and* same body text (renumbered-only sections);
2. same normalised header: unique on both sides (accepted without scoring: identical header words
   alone score 0.25 > ``HEADER_MIN``), or disambiguated among duplicates ("Definitions", "Effective
   date") by text similarity plus a bonus for the same enclosing container header, accepted at
   score >= ``HEADER_MIN``;
3. same body text (full-text hash) with a different header;
4. similarity among the leftovers only, bucketed: an inverted index from word 3-shingles (those in at
   most ``_MAX_NEW_DF`` new leftover sections; boilerplate is dropped) and from rare header words to sections;
   for each old section the ``TOP_K`` new sections sharing the most shingles, and the ``TOP_K`` sharing
   the most rare header words, are scored. Greedy assignment by score, accepted at >= ``SIM_MIN``
   (measured on H.R. 1: below ~0.3 the pairs found are mostly wrong, e.g. the House AI-moratorium
   section against the Senate's unrelated "Transformational artificial intelligence models" at 0.18).
   Below ``SIM_STRONG`` (0.5) a pair must also share distinctive content (``RARE_MIN`` shingles found
   in at most 2 leftover sections per side, or a header word used in at most ``_RARE_HDF`` headers of
   both versions): appropriation boilerplate alone paired unrelated sections at 0.37-0.46.

Never all-pairs over the bill: :attr:`Alignment.comparisons` counts every scored pair, and the tests
assert it stays far below ``len(old) * len(new)`` on H.R. 1.

Containers (title/subtitle/part/...) are mapped old -> new (same header path, else a unique innermost
header, else the container most of its aligned sections went to) so that a section is *moved* only
when it left its group, not when a whole title was renumbered or renamed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import chain, compress, repeat
from operator import attrgetter, neg, not_
from dataclasses import dataclass, field

from tracker.diff.tree import Provision

HEADER_MIN = 0.08
SIM_MIN = 0.30
SIM_STRONG = 0.50  # below this a similarity match also needs distinctive shared content
WEAK_NEEDS_HEADER = 0.40  # below this a similarity match also needs a shared header word
RARE_MIN = 2
_RARE_HDF = 3
TOP_K = 4
_MAX_NEW_DF = 20
_MAX_HDF = 6
_STOP = frozenset("of the and for to in on a an by with or under certain from relating other".split())

_WORD = re.compile(r"\w+")
_PUNCT = re.compile(r"[^\w\s]")


# Fast path of ``\w+`` on lowered ASCII text: one C-level ``bytes.translate`` lowers letters, keeps
# digits and "_" and turns every other byte into a space; ``split()`` then yields exactly the ``\w+``
# runs. ~2.5x faster than ``_WORD.findall(text.lower())`` on H.R. 1. Texts that are not ASCII once
# the common typographic punctuation (none of it a word character) is blanked out take the regex.
_WORD_TABLE = bytes(
    (b | 0x20 if 65 <= b <= 90 else b) if (chr(b).isalnum() or b == 95) and b < 128 else 32 for b in range(256)
)
_NONWORD_TYPO = ("\u201c", "\u201d", "\u2019", "\u2018", "\u2014", "\u2013", "\u00a7")


def _ascii_words_text(text: str) -> str | None:
    """``text`` with the typographic punctuation blanked, or None when it is still not ASCII."""
    if text.isascii():
        return text
    for c in _NONWORD_TYPO:
        if c in text:
            text = text.replace(c, " ")
    return text if text.isascii() else None


def norm_header(h: str) -> str:
    """Lowered, punctuation -> space, whitespace collapsed (``[^\\w\\s]`` -> " ", then split/join)."""
    if not h:
        return ""
    a = _ascii_words_text(h)
    if a is not None:
        return " ".join(a.encode("ascii").translate(_WORD_TABLE).decode("ascii").split())
    return " ".join(_PUNCT.sub(" ", h.lower()).split())


def words(text: str) -> list[str]:
    """``\\w+`` runs of the lowered text."""
    a = _ascii_words_text(text)
    if a is not None:
        return a.encode("ascii").translate(_WORD_TABLE).decode("ascii").split()
    return _WORD.findall(text.lower())


def shingles(ws: list[str], vocab: dict | None = None) -> set:
    """Word 3-shingles (tuples; the set is built in C). ``vocab`` is accepted for compatibility."""
    if len(ws) < 3:
        return {tuple(ws)} if ws else set()
    return set(zip(ws, ws[1:], ws[2:]))


def dice(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    return 2.0 * len(a & b) / (len(a) + len(b))


@dataclass(slots=True)
class Pair:
    old: int
    new: int
    score: float
    method: str  # exact | header | text | similar


@dataclass
class Alignment:
    pairs: list[Pair]
    removed: list[int]
    added: list[int]
    comparisons: int = 0
    methods: Counter = field(default_factory=Counter)
    # (old, new, score) similarity candidates refused for lack of distinctive shared content
    rejected: list = field(default_factory=list)
    # the two sides' word shingles (computed once, reused by :func:`carried`)
    sides: tuple | None = field(default=None, repr=False)


class _Side:
    def __init__(self, sections: list[Provision], vocab: dict[str, str]):
        self.vocab = vocab
        self.sections = sections
        self.bodies = [s.full_text for s in sections]
        # normalised headers, computed on first need (sections matched in stage 1 by their raw header
        # never need theirs)
        self._hd: list[str | None] = [None] * len(sections)
        self._sh: dict[int, set] = {}
        self._hw: dict[int, set[str]] = {}

    def head(self, i: int) -> str:
        h = self._hd[i]
        if h is None:
            h = self._hd[i] = norm_header(self.sections[i].header)
        return h

    def sh(self, i: int) -> set:
        s = self._sh.get(i)
        if s is None:
            ws = words(self.bodies[i])
            # one str object per distinct word (the vocabulary is shared by both sides): hashing and
            # comparing the ~10^5 shingle tuples then touches a few thousand word objects instead of
            # one per occurrence, ~15% faster on H.R. 1 (cache misses dominate this stage)
            canon = self.vocab.setdefault
            s = self._sh[i] = shingles(list(map(canon, ws, ws)))
        return s

    def sh_in(self, i: int, pool: set) -> set:
        """``pool & self.sh(i)`` without keeping (or building) the whole shingle set of section ``i``
        when it is not known yet: each shingle is looked up as it is made (``zip`` reuses the tuple of
        a shingle not in ``pool``)."""
        s = self._sh.get(i)
        if s is not None:
            return pool & s
        ws = words(self.bodies[i])
        if len(ws) < 3:
            return pool & shingles(ws)
        return pool.intersection(zip(ws, ws[1:], ws[2:]))

    def hw(self, i: int) -> set[str]:
        s = self._hw.get(i)
        if s is None:
            s = self._hw[i] = set(self.head(i).split())
        return s

    def container_header(self, i: int) -> str:
        c = self.sections[i].container
        return norm_header(c.header) if c is not None else ""


def _score(o: _Side, n: _Side, i: int, j: int, inter: int | None = None) -> float:
    """Text similarity: Dice over word 3-shingles, the larger containment (a section that kept its
    text and grew), and header word overlap. ``inter``: the number of shared shingles, when the
    caller knows it already."""
    a, b = o.sh(i), n.sh(j)
    if a and b:
        if inter is None:
            inter = len(a & b)
        t = 2.0 * inter / (len(a) + len(b))
        cont = inter / min(len(a), len(b))
    else:
        t = cont = 1.0 if not a and not b else 0.0
    hw = dice(o.hw(i), n.hw(j))
    return 0.55 * t + 0.2 * cont + 0.25 * hw


def align_sections(old: list[Provision], new: list[Provision]) -> Alignment:
    vocab: dict[str, str] = {}
    o, n = _Side(old, vocab), _Side(new, vocab)
    left_o = set(range(len(old)))
    left_n = set(range(len(new)))
    pairs: list[Pair] = []
    comparisons = 0
    methods: Counter = Counter()
    rejected: list[tuple[int, int, float]] = []

    def take(i: int, j: int, score: float, method: str) -> None:
        left_o.discard(i)
        left_n.discard(j)
        pairs.append(Pair(i, j, score, method))
        methods[method] += 1

    # 1. same header and same body: for each old section (in order) the first remaining new section
    # with the same body and the same normalised header (equal raw headers need no normalising)
    by_body1: dict[str, list[int]] = defaultdict(list)
    for j, body in enumerate(n.bodies):
        by_body1[body].append(j)
    get = by_body1.get
    exact = 0
    for i, body in enumerate(o.bodies):
        lst = get(body)
        if not lst:
            continue
        hi = old[i].header
        for x, j in enumerate(lst):
            if new[j].header == hi or n.head(j) == o.head(i):
                del lst[x]
                left_o.discard(i)
                left_n.discard(j)
                pairs.append(Pair(i, j, 1.0, "exact"))
                exact += 1
                break
    if exact:
        methods["exact"] += exact

    # 2. same header (duplicates disambiguated by similarity + same container)
    oh: dict[str, list[int]] = defaultdict(list)
    nh: dict[str, list[int]] = defaultdict(list)
    for i in sorted(left_o):
        oh[o.head(i)].append(i)
    for j in sorted(left_n):
        nh[n.head(j)].append(j)
    for h, ois in oh.items():
        nis = nh.get(h)
        if not h or not nis:
            continue
        if len(ois) == 1 and len(nis) == 1:
            # A unique non-empty header on both sides: the score could not refuse it (identical header
            # words alone give 0.25 > HEADER_MIN), so it is not computed (no shingles, no comparison).
            take(ois[0], nis[0], 1.0, "header")
            continue
        cand = []
        for i in ois:
            for j in nis:
                comparisons += 1
                s = _score(o, n, i, j)
                bonus = 0.1 if o.container_header(i) == n.container_header(j) else 0.0
                cand.append((s + bonus, s, i, j))
        cand.sort(key=lambda x: (-x[0], x[2], x[3]))
        for _key, s, i, j in cand:
            if i in left_o and j in left_n and s >= HEADER_MIN:
                take(i, j, s, "header")

    # 3. same body, different header
    by_body: dict[str, list[int]] = defaultdict(list)
    for j in sorted(left_n):
        if n.bodies[j]:
            by_body[n.bodies[j]].append(j)
    for i in sorted(left_o):
        lst = by_body.get(o.bodies[i])
        while lst and lst[0] not in left_n:
            lst.pop(0)
        if lst:
            take(i, lst.pop(0), 1.0, "text")

    # 4. bucketed similarity among the leftovers
    if left_o and left_n:
        # inverted index shingle -> new sections; boilerplate (in more than _MAX_NEW_DF new leftovers)
        # is dropped. Document frequency is taken on the new side only: counting the old side too
        # cost a second pass over every old shingle (~1/4 of the whole H.R. 1 diff) for the same pairs.
        # Most shingles are in one new section only: ``first`` maps every shingle to the first new
        # leftover holding it (filled in C, a dict.fromkeys per section); ``more`` lists all holders,
        # ascending, of the shingles held by several (the only ones handled one by one in Python).
        first: dict = {}
        more: dict = {}
        fk = first.keys()
        for j in sorted(left_n):
            shj = n.sh(j)
            dup = fk & shj
            if dup:
                for s in dup:
                    lst = more.get(s)
                    if lst is None:
                        more[s] = [first[s], j]
                    else:
                        lst.append(j)
                first.update(dict.fromkeys(shj - dup, j))
            else:
                first.update(dict.fromkeys(shj, j))
        # boilerplate: held by more than _MAX_NEW_DF new leftovers, not indexed (selected in C)
        big = set(compress(more.keys(), map(_MAX_NEW_DF.__lt__, map(len, more.values()))))
        mk = more.keys()

        def df(s) -> int:
            """Number of new leftover sections holding shingle ``s``."""
            lst = more.get(s)
            return len(lst) if lst is not None else (1 if s in first else 0)
        hdf: Counter = Counter()
        for j in left_n:
            hdf.update(n.hw(j))
        hindex: dict[str, list[int]] = defaultdict(list)
        for j in sorted(left_n):
            for w in n.hw(j):
                if hdf[w] <= _MAX_HDF and w not in _STOP:
                    hindex[w].append(j)
        cand = []
        odf: Counter = Counter()  # old-side document frequency of the indexed shingles
        # header words over every section of both versions, computed on first need
        all_hdf: Counter = Counter()
        for i in sorted(left_o):
            # only the shingles that are in the index (set intersection in C), counted in C
            shi = o.sh(i)
            common = fk & shi  # indexed shingles of section i (all sets built in C)
            if big:
                common -= big
            odf.update(common)
            # hits[j] = indexed shingles shared with new section j
            multi = common & mk
            if multi:
                hits: Counter = Counter(map(first.__getitem__, common - multi))
                hits.update(chain.from_iterable(map(more.__getitem__, multi)))
            else:
                hits = Counter(map(first.__getitem__, common))
            # top TOP_K by (most hits, lowest j); the (-count, j) tuples are built and sorted in C
            todo = [j for _c, j in sorted(zip(map(neg, hits.values()), hits.keys()))[:TOP_K]]
            hh: Counter = Counter()
            for w in o.hw(i):
                for j in hindex.get(w, ()):
                    hh[j] += 1
            todo += [j for _c, j in sorted(zip(map(neg, hh.values()), hh.keys()))[:TOP_K] if j not in todo]
            # shared shingles = shared indexed ones (hits) + shared boilerplate ones (few)
            bi = shi & big if big else None
            for j in todo:
                comparisons += 1
                inter = hits.get(j, 0) + (len(bi & n.sh(j)) if bi else 0)
                sc = _score(o, n, i, j, inter)
                cand.append((sc, i, j))
        def distinctive(i: int, j: int) -> bool:
            """Below ``SIM_STRONG`` a pair must share something specific: at least ``RARE_MIN`` word
            3-shingles found in at most 2 new leftover sections, or a rare header word. Measured on
            H.R. 1: House 70116 (CBP gang-tattoo checks for unaccompanied children, $20M) scored 0.37
            against Senate 90007 (DHS border-support reimbursements, $10B) and House 70112 (ICE
            Principal Legal Advisor) 0.46 against Senate 90103 (OMB) on appropriation boilerplate
            alone ("In addition to amounts otherwise available ... out of any money in the Treasury
            not otherwise appropriated ..."); neither shares a single rare shingle."""
            rare = 0
            for sh_ in o.sh(i) & n.sh(j):
                if df(sh_) <= 2 and odf[sh_] <= 2:
                    rare += 1
                    if rare >= RARE_MIN:
                        return True
            if not all_hdf:
                for k in range(len(old)):
                    all_hdf.update(o.hw(k))
                for k in range(len(new)):
                    all_hdf.update(n.hw(k))
            for w in o.hw(i) & n.hw(j):
                if w not in _STOP and all_hdf[w] <= _RARE_HDF and len(w) > 3 and not w.isdigit():
                    return True
            return False

        cand.sort(key=lambda x: (-x[0], x[1], x[2]))
        for sc, i, j in cand:
            if sc < SIM_MIN:
                break
            if i in left_o and j in left_n:
                if sc < SIM_STRONG and not distinctive(i, j):
                    rejected.append((i, j, sc))
                    continue
                if sc < WEAK_NEEDS_HEADER and not (o.hw(i) - _STOP) & (n.hw(j) - _STOP):
                    # A weak match whose headers share no word is a different provision about the
                    # same law. Measured on H.R. 1: House 10101 "Safety net" scored 0.34 against
                    # Senate 10312 "Sugar program updates" (both amend the Agricultural Act of
                    # 2014); the Senate split the safety net into new sections instead.
                    rejected.append((i, j, sc))
                    continue
                take(i, j, sc, "similar")

    pairs.sort(key=lambda p: p.old)
    return Alignment(pairs, sorted(left_o), sorted(left_n), comparisons, methods, rejected, (o, n))


# ----------------------------------------------------------------------------------------------
# content carried by an unpaired section into (or out of) a section of the other version

CARRY_SHARE = 0.5
CARRY_DF = 3
CARRY_MIN = 10
CARRY_PART = 0.02  # a part of a split: this share of the distinctive shingles ...
CARRY_MIN_PART = 3  # ... and at least this many
CARRY_HEADER_SHARE = 0.2  # with a unique header match, this share of distinctive shingles ...
CARRY_HEADER_MIN = 5  # ... and at least this many (House sec. 1 "Short title" shares 3 with Senate 90101(a))
CARRY_HEADER_CONTAIN = 0.25  # or this share of all its shingles (short appropriations are mostly boilerplate)
CARRY_HEADER_SHINGLES = 10  # ... and at least this many
CARRY_CANDIDATES = 24  # sections of the other version judged per unpaired section (by raw hits)
_IDENTICAL = frozenset(("exact", "text"))  # alignment methods that pair identical bodies
_METHOD = attrgetter("method")


@dataclass(slots=True)
class Carry:
    """An unpaired section whose distinctive wording the other version kept elsewhere.

    ``kind``: ``"merged_into"``: old section ``index`` (unpaired) was folded into new section
    ``other``; ``"split_from"``: new section ``index`` (unpaired) was carved out of old section
    ``other``; ``"split_into"``: old section ``index`` (unpaired) was spread over several new sections,
    ``parts`` = [(new section, share)] in order of share, ``other`` the largest. ``share``: the fraction
    of its distinctive shingles found in ``other`` (``split_into``: in all ``parts`` together);
    ``distinctive``: those shingles (to find the sub-provision of ``other`` that holds them)."""

    kind: str
    index: int
    other: int
    share: float
    distinctive: set
    parts: list = field(default_factory=list)
    target: Provision | None = None  # the sub-provision of ``other`` that holds it, when known


def carried(al: Alignment) -> list[Carry]:
    """Unpaired sections whose wording the other version kept inside another section.

    A 1:1 alignment reports a section the other chamber folded into a bigger one as *removed*, and a
    section it carved out of a bigger one as *added*; both are wrong for a reader ("the Senate dropped
    the $650M for 287(g) agreements" when the Senate moved it into its ICE appropriation). Measured on
    H.R. 1 eh -> eas: House 80172 "Offshore commingling" is subsection (c) of Senate 50102, House
    70110 "Funding section 287(g)..." is paragraph (9) of Senate 100052, and the Senate's sections
    10301-10314 on commodity programs were subsections of House 10101 "Safety net".

    A section's *distinctive* shingles are its word 3-shingles found in at most ``CARRY_DF`` sections
    of both versions together (boilerplate such as "in addition to amounts otherwise available" is in
    dozens), not counting sections whose text is the same in both versions (they can neither give nor
    receive text). An unpaired section with at least ``CARRY_MIN`` of them, ``CARRY_SHARE`` of which sit in
    one section of the other version, was carried there; only wording that section did not already
    have from its own counterpart counts. Weaker evidence is enough when the unpaired section's header
    is, elsewhere, only the header of one sub-provision of the other section; an unpaired old section
    spread over several new sections is "split_into" them. Paired sections whose length changed by
    fewer than ``CARRY_MIN`` words are not candidates. Cost: one lookup of each shingle of the
    changed paired sections in the unpaired sections' pools (their whole shingle sets are not built),
    one set intersection per section, and a pass over the unpaired sections' shingles (~75 ms on
    H.R. 1 eh -> eas, ~5 ms on the bench's generated pair)."""
    if al.sides is None or not (al.removed or al.added):
        return []
    o, n = al.sides
    rem, add = al.removed, al.added
    pairs = al.pairs
    # document frequency of the unpaired sections' shingles over every section of both versions,
    # counted in C. The unpaired sections themselves are counted while the two pools are built (each
    # holder after the first on its side), instead of sending each whole section through the counter
    # again (~40% of this step on H.R. 1); a shingle in both pools has one uncounted holder per side.
    df: Counter = Counter()
    # shingles of each candidate section, per side: all of an unpaired section's; of a changed paired
    # section only those in the pools (the only ones any test below looks at: every set they meet is
    # made of an unpaired section's shingles)
    sh_o: dict[int, set] = {}
    sh_n: dict[int, set] = {}
    pool_o: set = set()  # shingles of the unpaired old sections
    for i in rem:
        sh = sh_o[i] = o.sh(i)
        df.update(pool_o & sh)
        pool_o |= sh
    pool_n: set = set()
    for j in add:
        sh = sh_n[j] = n.sh(j)
        df.update(pool_n & sh)
        pool_n |= sh
    # Sections whose text is the same in both versions (paired with an identical body) neither gave nor
    # received text: they are left out of the counts and of the candidates.
    # Likewise a paired section whose length changed by fewer than CARRY_MIN words: receiving (or
    # giving away) a provision with CARRY_MIN distinctive shingles makes a section that much longer (or
    # shorter). On a bill amended in a few places that is most of it: their shingles are never computed.
    # Only the pairs not matched on an identical body are looked at (selected in C).
    chg_o: list[int] = []  # paired sections that may have given or received text
    chg_n: list[int] = []
    ob, nb = o.bodies, n.bodies
    for p in compress(pairs, map(not_, map(_IDENTICAL.__contains__, map(_METHOD, pairs)))):
        a, b = ob[p.old], nb[p.new]
        if a != b and abs(a.count(" ") - b.count(" ")) >= CARRY_MIN:
            chg_o.append(p.old)
            chg_n.append(p.new)
    chg_o.sort()
    chg_n.sort()
    cand_o = sorted(chain(rem, chg_o))  # unpaired + changed paired
    cand_n = sorted(chain(add, chg_n))
    # shingles already held by more than CARRY_DF unpaired sections are boilerplate whatever else holds
    # them: not counted in the paired sections
    if chg_o or chg_n:
        pool = pool_o | pool_n
        big = set(compress(df.keys(), map((CARRY_DF - 1).__lt__, df.values())))
        for side, chg, shs in ((o, chg_o, sh_o), (n, chg_n, sh_n)):
            for k in chg:
                got = shs[k] = side.sh_in(k, pool)
                df.update(got - big if big and got else got)
    # over: held by more than CARRY_DF sections (a shingle in both pools: by more than CARRY_DF - 1
    # counted ones). Small sets: the pools are never copied
    over = set(compress(df.keys(), map((CARRY_DF - 1).__lt__, df.values())))
    two = set(compress(df.keys(), map((CARRY_DF - 2).__lt__, df.values())))
    if two:
        two &= pool_o
        two &= pool_n
        over |= two
    # headers of every provision of both versions (but the unchanged sections): an unpaired section
    # whose header is, elsewhere, only the header of one sub-provision of the other version (House 70112
    # "Office of the Principal Legal Advisor" -> paragraph (11) of Senate 100052) went there, if its
    # wording agrees. Each distinct raw header is normalised once; the counting is done in C.
    hcount: Counter = Counter()
    subs: list[dict] = []
    memo: dict[str, str] = {}
    for side, cands in ((o, cand_o), (n, cand_n)):
        secs = side.sections
        raw: list[str] = []
        loc: list[tuple] = []
        for k in cands:
            stack = list(secs[k].children)
            while stack:
                p = stack.pop()
                if p.header:
                    raw.append(p.header)
                    loc.append((k, p))
                if p.children:
                    stack.extend(p.children)
        hcount.update(map(side.head, cands))
        for x in raw:
            if x not in memo:
                memo[x] = norm_header(x)
        normed = list(map(memo.__getitem__, raw))
        hcount.update(normed)
        subs.append(dict(zip(normed, loc)))  # last holder of each header (only a unique one is used)
    out: list[Carry] = []
    for unpaired, side, mine, into, hs, sh_me, sh_other in ((rem, o, pool_o, True, subs[1], sh_o, sh_n),
                                                             (add, n, pool_n, False, subs[0], sh_n, sh_o)):
        if not unpaired:
            continue
        if over:
            mine = mine - over  # its distinctive shingles: held by at most CARRY_DF sections
        # distinctive shingle of an unpaired section -> the other version's sections holding it (most
        # are held by one: ``first`` is filled in C, only the others go through Python)
        holders: dict = {}
        for k in (cand_n if into else cand_o):
            got = mine & sh_other[k]
            if not got:
                continue
            dup = holders.keys() & got
            if dup:
                for s in dup:
                    holders[s] = holders[s] + (k,)
                got -= dup
            holders.update(dict.fromkeys(got, (k,)))
        get = holders.get
        kind = "merged_into" if into else "split_from"
        # other section -> its counterpart on this side: text the other section already had there is
        # no evidence that an unpaired section moved into (or out of) it (House 70116 shares its
        # wording with 70117, which still exists: deleting 70116 is not merging it into 70117)
        partner = (dict(zip(map(_NEW, pairs), map(_OLD, pairs))) if into
                   else dict(zip(map(_OLD, pairs), map(_NEW, pairs))))

        def informative(k: int, shingles_: set) -> set:
            """``shingles_`` without those other section ``k``'s counterpart on this side already had."""
            q = partner.get(k)
            return shingles_ - sh_me[q] if q is not None else shingles_

        held_keys = holders.keys()
        for i in unpaired:
            shi = sh_me[i]
            # its distinctive shingles ``dist`` = ``shi & mine``; when ``over`` is the smaller set
            # (most sections of a bill amended in a few places) only counted here, made when needed
            if len(over) < len(shi):
                dist = None
                nd = len(shi) - len(over & shi) if over else len(shi)
                # those held by a section of the other version (the smaller of the two is walked, in C)
                common = held_keys & shi
            else:
                dist = shi & mine
                nd = len(dist)
                common = held_keys & dist
            h = side.head(i)
            sub = hs.get(h) if h and hcount[h] == 2 else None
            if sub is not None:
                if dist is None:
                    dist = shi & mine
                k, p = sub
                inf = informative(k, dist)
                hk = len(inf & sh_other[k])
                inf_all = informative(k, shi)
                shared = len(inf_all & sh_other[k])
                if (hk >= max(CARRY_HEADER_MIN, CARRY_HEADER_SHARE * len(inf))
                        or shared >= max(CARRY_HEADER_SHINGLES, CARRY_HEADER_CONTAIN * len(inf_all))):
                    share = max(hk / len(inf) if inf else 0.0, shared / len(inf_all))
                    out.append(Carry(kind, i, k, share, dist, target=p))
                    continue
            if nd < CARRY_MIN or not common:
                continue
            hits = Counter(chain.from_iterable(map(get, common)))
            # candidates by raw hits (most first, then the lowest section index); each is judged on the
            # shingles its counterpart on this side did not have
            # a merge needs >= CARRY_SHARE * CARRY_MIN shingles in one section; a split into several
            # needs CARRY_SHARE of them held somewhere (checked in C first: usually far from it)
            need = CARRY_SHARE * CARRY_MIN
            split = into and len(common) >= CARRY_SHARE * nd
            floor = min(need, max(CARRY_PART * nd, CARRY_MIN_PART)) if split else need
            if max(hits.values()) < floor:
                continue
            if dist is None:
                dist = shi & mine
            ranked = sorted(zip(map(neg, hits.values()), hits.keys()))
            got = []
            for c, k in ranked[:CARRY_CANDIDATES]:
                if -c < floor:
                    break
                inf = informative(k, dist)
                g = inf & sh_other[k]
                got.append((len(g) / len(inf) if len(inf) >= CARRY_MIN else 0.0, len(g), k, g))
            if not got:
                continue
            best = max(got, key=lambda x: (x[0], -x[2]))
            if best[0] >= CARRY_SHARE:
                out.append(Carry(kind, i, best[2], best[0], dist))
            elif split:
                parts = [(k, n_ / nd) for _sh, n_, k, _g in got if n_ >= CARRY_PART * nd and n_ >= CARRY_MIN_PART]
                held = len(set().union(*(g for _sh, n_, _k, g in got
                                         if n_ >= CARRY_PART * nd and n_ >= CARRY_MIN_PART)))
                if len(parts) > 1 and held >= CARRY_SHARE * nd:
                    out.append(Carry("split_into", i, parts[0][0], held / nd, dist, parts))
    return out


# ----------------------------------------------------------------------------------------------
# containers


def _header_path(p: Provision | None) -> tuple[str, ...]:
    out = []
    while p is not None and p.kind != "body":
        out.append(norm_header(p.header))
        p = p.parent
    return tuple(reversed(out))


_OLD, _NEW = attrgetter("old"), attrgetter("new")


def map_containers(old: list[Provision], new: list[Provision], pairs: list[Pair],
                   containers: tuple[list, list] | None = None) -> dict[int, int]:
    """Map ``id(old container) -> id(new container)`` (``id(None)`` for the top of the bill).
    ``containers``: the sections' containers (old, new) when the caller has them already."""
    if containers is not None:
        oc, nc = containers
    else:
        oc = [s.container for s in old]
        nc = [s.container for s in new]
    old_c = {id(c): c for c in oc}
    new_c = {id(c): c for c in nc}
    mapping: dict[int, int] = {id(None): id(None)} if id(None) in old_c or id(None) in new_c else {}
    new_by_path: dict[tuple, list[int]] = defaultdict(list)
    new_by_head: dict[str, list[int]] = defaultdict(list)
    for k, c in new_c.items():
        if c is None:
            continue
        new_by_path[_header_path(c)].append(k)
        new_by_head[norm_header(c.header)].append(k)
    old_by_head = Counter(norm_header(c.header) for c in old_c.values() if c is not None)
    # votes[old container][new container] = aligned sections, each Counter in order of first vote
    # (most_common breaks ties by it); the (old, new) pairs are counted in C
    pair_votes = Counter(zip(map(id, map(oc.__getitem__, map(_OLD, pairs))),
                             map(id, map(nc.__getitem__, map(_NEW, pairs)))))
    votes: dict[int, Counter] = defaultdict(Counter)
    for (ko, kn), c in pair_votes.items():
        votes[ko][kn] = c
    for k, c in old_c.items():
        if c is None:
            continue
        hp = _header_path(c)
        h = norm_header(c.header)
        if len(new_by_path.get(hp, ())) == 1:
            mapping[k] = new_by_path[hp][0]
        elif h and old_by_head[h] == 1 and len(new_by_head.get(h, ())) == 1:
            mapping[k] = new_by_head[h][0]
        elif votes.get(k):
            mapping[k] = votes[k].most_common(1)[0][0]
    return mapping
