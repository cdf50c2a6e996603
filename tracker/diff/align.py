"""Section alignment between two versions of a bill.

Stages, each only over what earlier stages left unmatched:

1. same normalised header *and* same body text (renumbered-only sections);
2. same normalised header: unique on both sides, or disambiguated among duplicates ("Definitions",
   "Effective date") by text similarity plus a bonus for the same enclosing container header; a
   header match is accepted only when the texts are not unrelated (score >= ``HEADER_MIN``);
3. same body text (full-text hash) with a different header;
4. similarity among the leftovers only, bucketed: an inverted index from word 3-shingles (those in at
   most ``_MAX_DF`` leftover sections; boilerplate is dropped) and from rare header words to sections;
   for each old section the ``TOP_K`` new sections sharing the most shingles, and the ``TOP_K`` sharing
   the most rare header words, are scored. Greedy assignment by score, accepted at >= ``SIM_MIN``
   (measured on H.R. 1: below ~0.3 the pairs found are mostly wrong, e.g. the House AI-moratorium
   section against the Senate's unrelated "Transformational artificial intelligence models" at 0.18).

Never all-pairs over the bill: :attr:`Alignment.comparisons` counts every scored pair, and the tests
assert it stays far below ``len(old) * len(new)`` on H.R. 1.

Containers (title/subtitle/part/...) are mapped old -> new (same header path, else a unique innermost
header, else the container most of its aligned sections went to) so that a section is *moved* only
when it left its group, not when a whole title was renumbered or renamed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tracker.diff.tree import Provision

HEADER_MIN = 0.08
SIM_MIN = 0.30
TOP_K = 4
_MAX_DF = 40
_MAX_HDF = 6
_STOP = frozenset("of the and for to in on a an by with or under certain from relating other".split())

_WORD = re.compile(r"\w+")
_PUNCT = re.compile(r"[^\w\s]")


def norm_header(h: str) -> str:
    return " ".join(_PUNCT.sub(" ", (h or "").lower()).split())


def words(text: str) -> list[str]:
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


@dataclass
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


class _Side:
    def __init__(self, sections: list[Provision], vocab: dict[str, int]):
        self.vocab = vocab
        self.sections = sections
        self.headers = [norm_header(s.header) for s in sections]
        self.bodies = [s.full_text for s in sections]
        self._sh: dict[int, set] = {}
        self._hw: dict[int, set[str]] = {}

    def sh(self, i: int) -> set:
        s = self._sh.get(i)
        if s is None:
            s = self._sh[i] = shingles(words(self.bodies[i]), self.vocab)
        return s

    def hw(self, i: int) -> set[str]:
        s = self._hw.get(i)
        if s is None:
            s = self._hw[i] = set(self.headers[i].split())
        return s

    def container_header(self, i: int) -> str:
        c = self.sections[i].container
        return norm_header(c.header) if c is not None else ""


def _score(o: _Side, n: _Side, i: int, j: int) -> float:
    """Text similarity: Dice over word 3-shingles, the larger containment (a section that kept its
    text and grew), and header word overlap."""
    a, b = o.sh(i), n.sh(j)
    if a and b:
        inter = len(a & b)
        t = 2.0 * inter / (len(a) + len(b))
        cont = inter / min(len(a), len(b))
    else:
        t = cont = 1.0 if not a and not b else 0.0
    hw = dice(o.hw(i), n.hw(j))
    return 0.55 * t + 0.2 * cont + 0.25 * hw


def align_sections(old: list[Provision], new: list[Provision]) -> Alignment:
    vocab: dict[str, int] = {}
    o, n = _Side(old, vocab), _Side(new, vocab)
    left_o = set(range(len(old)))
    left_n = set(range(len(new)))
    pairs: list[Pair] = []
    comparisons = 0
    methods: Counter = Counter()

    def take(i: int, j: int, score: float, method: str) -> None:
        left_o.discard(i)
        left_n.discard(j)
        pairs.append(Pair(i, j, score, method))
        methods[method] += 1

    # 1. same header and same body
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j in range(len(new)):
        by_key[(n.headers[j], n.bodies[j])].append(j)
    for i in range(len(old)):
        lst = by_key.get((o.headers[i], o.bodies[i]))
        if lst:
            take(i, lst.pop(0), 1.0, "exact")

    # 2. same header (duplicates disambiguated by similarity + same container)
    oh: dict[str, list[int]] = defaultdict(list)
    nh: dict[str, list[int]] = defaultdict(list)
    for i in sorted(left_o):
        oh[o.headers[i]].append(i)
    for j in sorted(left_n):
        nh[n.headers[j]].append(j)
    for h, ois in oh.items():
        nis = nh.get(h)
        if not h or not nis:
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
        df: Counter = Counter()
        for i in left_o:
            df.update(o.sh(i))
        for j in left_n:
            df.update(n.sh(j))
        index: dict[int, list[int]] = defaultdict(list)
        for j in sorted(left_n):
            for s in n.sh(j):
                if df[s] <= _MAX_DF:
                    index[s].append(j)
        hdf: Counter = Counter()
        for j in left_n:
            hdf.update(n.hw(j))
        hindex: dict[str, list[int]] = defaultdict(list)
        for j in sorted(left_n):
            for w in n.hw(j):
                if hdf[w] <= _MAX_HDF and w not in _STOP:
                    hindex[w].append(j)
        cand = []
        for i in sorted(left_o):
            hits: Counter = Counter()
            for s in o.sh(i):
                for j in index.get(s, ()):
                    hits[j] += 1
            todo = [j for j, _c in sorted(hits.items(), key=lambda x: (-x[1], x[0]))[:TOP_K]]
            hh: Counter = Counter()
            for w in o.hw(i):
                for j in hindex.get(w, ()):
                    hh[j] += 1
            todo += [j for j, _c in sorted(hh.items(), key=lambda x: (-x[1], x[0]))[:TOP_K] if j not in todo]
            for j in todo:
                comparisons += 1
                sc = _score(o, n, i, j)
                cand.append((sc, i, j))
        cand.sort(key=lambda x: (-x[0], x[1], x[2]))
        for sc, i, j in cand:
            if sc < SIM_MIN:
                break
            if i in left_o and j in left_n:
                take(i, j, sc, "similar")

    pairs.sort(key=lambda p: p.old)
    return Alignment(pairs, sorted(left_o), sorted(left_n), comparisons, methods)


# ----------------------------------------------------------------------------------------------
# containers


def _header_path(p: Provision | None) -> tuple[str, ...]:
    out = []
    while p is not None and p.kind != "body":
        out.append(norm_header(p.header))
        p = p.parent
    return tuple(reversed(out))


def map_containers(old: list[Provision], new: list[Provision], pairs: list[Pair]) -> dict[int, int]:
    """Map ``id(old container) -> id(new container)`` (``id(None)`` for the top of the bill)."""
    old_c = {id(s.container): s.container for s in old}
    new_c = {id(s.container): s.container for s in new}
    mapping: dict[int, int] = {id(None): id(None)} if id(None) in old_c or id(None) in new_c else {}
    new_by_path: dict[tuple, list[int]] = defaultdict(list)
    new_by_head: dict[str, list[int]] = defaultdict(list)
    for k, c in new_c.items():
        if c is None:
            continue
        new_by_path[_header_path(c)].append(k)
        new_by_head[norm_header(c.header)].append(k)
    old_by_head = Counter(norm_header(c.header) for c in old_c.values() if c is not None)
    votes: dict[int, Counter] = defaultdict(Counter)
    for p in pairs:
        votes[id(old[p.old].container)][id(new[p.new].container)] += 1
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
