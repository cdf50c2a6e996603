"""Classify aligned sections, find sub-provision changes and number changes, word redline.

Classification of every top-level section (see align.py for how sections are paired):

- ``unchanged``: paired, same header and same text. Renumbering alone (different section enum, the
  enclosing title renumbered/renamed, or references to renumbered sections: "section 10001" ->
  "section 10101" when 10001 is aligned with 10101) is NOT a change, nor are curly vs straight quotes
  (see xrefs.py).
- ``modified``: paired, header or text differs, and the section stayed in its group.
- ``moved``: paired and the section now sits in a different title/subtitle/part/chapter than the one
  its old group maps to (see :func:`tracker.diff.align.map_containers`). **A moved section that also
  changed is reported once, as ``moved``, with its ``details`` and ``numbers`` filled in and
  ``similarity`` < 1** (a moved section with the same content has similarity 1.0 and no details).
- ``removed`` / ``added``: unpaired.

Inside a paired section that changed, sub-provisions (subsection, paragraph, ...) are aligned the same
way on a small scale (same text, then same header, then same enum, then similarity) and reported as
``details``: removed / added sub-provisions, and ``modified`` for the deepest provision whose own text
changed. Numbers are paired inside the word diff of each aligned provision's own text (see numbers.py),
so "$4,000,000,000,000" -> "$5,000,000,000,000" is reported, never unrelated numbers of other provisions.

``changes`` are listed removed (old order), added (new order), modified, moved (new order).
"""

from __future__ import annotations

import gc
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from tracker.diff.align import Carry, align_sections, carried, map_containers, norm_header, shingles, words
from tracker.diff.numbers import extract_numbers, pair_numbers, tokenize
from tracker.diff.tree import BillText, Provision
from tracker.diff.xrefs import _HINT, renumber_refs, typo_key

EXCERPT = 240
CHILD_SIM_MIN = 0.4


@dataclass
class Change:
    change: str  # removed | added | modified | moved
    old: Provision | None
    new: Provision | None
    similarity: float
    numbers: list[tuple[str, str]] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    # set on a "moved" change whose section was merged into, split from or split into sections of the
    # other version (see :func:`tracker.diff.align.carried`): relation, share, parts
    carried: dict | None = None

    def to_json(self) -> dict:
        out = {
            "change": self.change,
            "old": _ref(self.old),
            "new": _ref(self.new),
            "similarity": round(self.similarity, 4),
            "numbers": [{"old": a, "new": b} for a, b in self.numbers],
            "details": list(self.details),
        }
        if self.carried is not None:
            out["carried"] = self.carried
        return out


def _ref(p: Provision | None) -> dict | None:
    if p is None:
        return None
    return {"enum": p.enum, "header": p.header, "path": p.path}


def _meta(bt: BillText) -> dict:
    return {"bill_id": bt.bill_id, "version": bt.version_code, "stage": bt.stage, "date": bt.date,
            "sections": len(bt.sections)}


@dataclass
class DiffResult:
    old: BillText
    new: BillText
    changes: list[Change]
    summary: dict
    stats: dict

    def to_json(self) -> dict:
        return {
            "old": _meta(self.old),
            "new": _meta(self.new),
            "summary": dict(self.summary),
            "changes": [c.to_json() for c in self.changes],
        }

    def render_text(self) -> str:
        from tracker.diff.render import render_text

        return render_text(self)

    def render_html(self) -> str:
        from tracker.diff.render import render_html

        return render_html(self)


# ----------------------------------------------------------------------------------------------
# word diff


def word_opcodes(a: list[str], b: list[str]):
    """Opcodes of a word diff. The common prefix and suffix are trimmed first (amendments mostly change
    a few words in place: SequenceMatcher then works on the changed middle only); ``autojunk`` on."""
    la, lb = len(a), len(b)
    p = 0
    m = min(la, lb)
    while p < m and a[p] == b[p]:
        p += 1
    q = 0
    m -= p
    while q < m and a[la - 1 - q] == b[lb - 1 - q]:
        q += 1
    ops = []
    if p:
        ops.append(("equal", 0, p, 0, p))
    mid_a, mid_b = a[p:la - q], b[p:lb - q]
    if mid_a or mid_b:
        if not mid_a:
            ops.append(("insert", p, p, p, lb - q))
        elif not mid_b:
            ops.append(("delete", p, la - q, p, p))
        elif set(mid_a).isdisjoint(mid_b):
            # no token in common: SequenceMatcher finds no match and reports one replace
            ops.append(("replace", p, la - q, p, lb - q))
        else:
            for tag, i1, i2, j1, j2 in SequenceMatcher(None, mid_a, mid_b, autojunk=True).get_opcodes():
                ops.append((tag, i1 + p, i2 + p, j1 + p, j2 + p))
    if q:
        ops.append(("equal", la - q, la, lb - q, lb))
    return ops


def _excerpt_from_ops(a: list[str], b: list[str], ops, limit: int = EXCERPT) -> str:
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        before = " ".join(a[max(0, i1 - 4):i1])
        seg = ("\u2026 " + before + " ") if before else ""
        if i2 > i1:
            seg += "[-" + _clip(" ".join(a[i1:i2]), 80) + "-]"
        if j2 > j1:
            seg += "{+" + _clip(" ".join(b[j1:j2]), 80) + "+}"
        parts.append(seg)
        if sum(len(p) for p in parts) > limit:
            break
    return _clip(" ".join(parts), limit)


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1].rstrip() + "\u2026"


# ----------------------------------------------------------------------------------------------
# sub-provisions


class _Acc:
    """Accumulates details, numbers and word counts over one section pair."""

    def __init__(self) -> None:
        self.details: list[dict] = []
        self.numbers: list[tuple[str, str]] = []
        self.same = 0
        self.total = 0
        self.comparisons = 0


class _Keys:
    """Comparison keys of one diff, cached per provision: the old version's references to its own
    sections rewritten through the alignment's old->new section numbers, quotes in one form (see
    xrefs.py). Equal keys = no change; the raw texts stay for excerpts and the redline."""

    def __init__(self, renum: dict[str, str]):
        self.renum = renum
        self._full: dict[int, str] = {}
        self._text: dict[int, str] = {}
        self._header: dict[int, str] = {}
        self._t: dict[tuple, tuple] = {}
        self._bg: dict[int, set] = {}
        self._nh: dict[str, str] = {}
        self._rf: dict[int, bool] = {}

    def nh(self, h: str) -> str:
        """``norm_header(h)``, memoised for this diff (the same headers are normalised many times)."""
        v = self._nh.get(h)
        if v is None:
            v = self._nh[h] = norm_header(h)
        return v

    def _ref_free(self, p: Provision, what: str) -> bool:
        """True when ``p``'s text (what="text"/"full") or header cannot hold a section reference, known
        from ``p``'s or an ancestor's full text: a provision's text, its full text and its children's
        headers are all substrings of its full text, and :data:`~tracker.diff.xrefs._HINT` (which every
        reference matches) matches a substring only if it matches the whole. Saves scanning the same
        words again at every level of a compared section."""
        rf = self._rf
        par = p.parent
        if par is not None and rf.get(id(par)):
            if what != "header":
                rf[id(p)] = True
            return True
        if what == "header":
            return False
        v = rf.get(id(p))
        if v is None:
            ft = p.full_text
            v = rf[id(p)] = "ec" not in ft or _HINT.search(ft) is None
        return v

    def _make(self, p: Provision, raw: str, what: str, old: bool) -> str:
        if old and self.renum and not self._ref_free(p, what):
            raw = renumber_refs(raw, self.renum)
        return typo_key(raw)

    def full(self, p: Provision, old: bool) -> str:
        d = self._full
        v = d.get(id(p))
        if v is None:
            v = d[id(p)] = self._make(p, p.full_text, "full", old)
        return v

    def text(self, p: Provision, old: bool) -> str:
        d = self._text
        v = d.get(id(p))
        if v is None:
            v = d[id(p)] = self._make(p, p.text, "text", old)
        return v

    def header(self, p: Provision, old: bool) -> str:
        d = self._header
        v = d.get(id(p))
        if v is None:
            v = d[id(p)] = self._make(p, p.header, "header", old)
        return v

    def tokens(self, p: Provision, what: str, old: bool) -> tuple[list[str], list[str]]:
        """(display tokens, comparison tokens) of ``p.text`` (what="text") or ``p.header``: display
        tokens have the old references renumbered but the original quote characters; comparison tokens
        also have quotes in one form (a 1:1 character mapping, so both lists align token by token)."""
        k = (id(p), what + "#tok", old)
        v = self._t.get(k)
        if v is None:
            raw = p.text if what == "text" else p.header
            if old and self.renum and not self._ref_free(p, what):
                raw = renumber_refs(raw, self.renum)
            disp = tokenize(raw)
            if "\u201c" in raw or "\u201d" in raw or "\u2019" in raw or "\u2018" in raw:
                tt = _TYPO_TOK
                cmp = [tt.get(t, t) if len(t) == 1 else (t.replace("\u2019", "'").replace("\u2018", "'")
                                                          if "\u2019" in t or "\u2018" in t else t) for t in disp]
            else:
                cmp = disp
            v = self._t[k] = (disp, cmp)
        return v

    def bigrams(self, p: Provision) -> set:
        """Word bigrams of header + full text, built bottom-up from each provision's own words (each
        word is lowered/split once per diff however deep the tree; bigrams across a child boundary are
        left out)."""
        v = self._bg.get(id(p))
        if v is None:
            w = words(f"{p.enum} {p.header} {p.text}" if p.enum else f"{p.header} {p.text}")
            v = set(zip(w, w[1:])) if len(w) > 1 else set(w)
            for c in p.children:
                v |= self.bigrams(c)
            self._bg[id(p)] = v
        return v

    def same(self, a: Provision, b: Provision) -> bool:
        if a.full_text == b.full_text and a.header == b.header:
            return True
        return self.header(a, True) == self.header(b, False) and self.full(a, True) == self.full(b, False)


_TYPO_TOK = {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"}


def _tokens_len(p: Provision) -> int:
    """Size of an unchanged/removed/added provision for the similarity share: whitespace-separated
    words of enum, header and full text (tokenising whole unchanged subtrees with TOKEN_RE cost ~60 ms
    per H.R. 1; the share only needs a size)."""
    return len(p.enum.split()) + len(p.header.split()) + _nwords(p.full_text)


def _nwords(s: str) -> int:
    """``len(s.split())`` without building the list of words when ``s`` is ASCII with single spaces
    between words and none around them (as the parser leaves every text)."""
    if (s.isascii() and s[:1] != " " and s[-1:] != " " and "  " not in s and "\n" not in s
            and "\t" not in s and "\r" not in s and "\x0b" not in s and "\x0c" not in s and "\x1c" not in s
            and "\x1d" not in s and "\x1e" not in s and "\x1f" not in s):
        return s.count(" ") + 1 if s else 0
    return len(s.split())


def _detail(change: str, p: Provision, excerpt: str) -> dict:
    return {"change": change, "enum": p.enum, "header": p.header, "path": p.path, "excerpt": excerpt}


def _body_excerpt(p: Provision) -> str:
    return _clip(" ".join(x for x in (p.header, p.full_text) if x), EXCERPT)


def _bigram_sim(a: Provision, b: Provision, keys: "_Keys | None" = None) -> float:
    if keys is not None:
        sa, sb = keys.bigrams(a), keys.bigrams(b)
    else:
        wa = words(" ".join((a.header, a.full_text)))
        wb = words(" ".join((b.header, b.full_text)))
        sa = set(zip(wa, wa[1:])) if len(wa) > 1 else set(wa)
        sb = set(zip(wb, wb[1:])) if len(wb) > 1 else set(wb)
    if not sa and not sb:
        return 1.0
    if not sa or not sb:
        return 0.0
    return 2.0 * len(sa & sb) / (len(sa) + len(sb))


def _align_children(a: list[Provision], b: list[Provision], acc: _Acc, keys: "_Keys"):
    left_a = list(range(len(a)))
    left_b = set(range(len(b)))
    pairs: list[tuple[int, int]] = []
    if not a or not b:
        return pairs, left_a, sorted(left_b)
    if len(a) == len(b) and all(x.header == y.header and x.full_text == y.full_text for x, y in zip(a, b)):
        # every child the same at the same place: stage 1 below pairs each with its counterpart
        return [(i, i) for i in range(len(a))], [], []
    nh = keys.nh

    def take(i, j):
        left_a.remove(i)
        left_b.discard(j)
        pairs.append((i, j))

    # 1. same header and text: raw first (most sub-provisions of a changed section are untouched),
    # then the comparison keys (renumbered references, quote styles) for the rest only
    for raw in (True, False):
        if not left_a or not left_b:
            break
        key_b: dict[tuple, list[int]] = {}
        for j in sorted(left_b):
            p = b[j]
            k = (p.header, p.full_text) if raw else (nh(keys.header(p, False)), keys.full(p, False))
            key_b.setdefault(k, []).append(j)
        for i in list(left_a):
            p = a[i]
            k = (p.header, p.full_text) if raw else (nh(keys.header(p, True)), keys.full(p, True))
            lst = key_b.get(k)
            while lst and lst[0] not in left_b:
                lst.pop(0)
            if lst:
                take(i, lst.pop(0))
    # 2. same non-empty header, unique among the leftovers on both sides; 3. same enum
    for by_header in (True, False):
        if not left_a or not left_b:
            break
        ka = {i: (nh(a[i].header) if by_header else a[i].enum) for i in left_a}
        kb = {j: (nh(b[j].header) if by_header else b[j].enum) for j in left_b}
        # occurrences of each key (None: every key occurs once, the usual case, checked in C)
        ca = None if len(set(ka.values())) == len(ka) else Counter(ka.values())
        cb = None if len(set(kb.values())) == len(kb) else Counter(kb.values())
        jb = {k: j for j, k in kb.items()}
        for i in list(left_a):
            k = ka[i]
            if k and k in jb and (ca is None or ca[k] == 1) and (cb is None or cb[k] == 1):
                j = jb[k]
                ha = nh(a[i].header)
                if ha and ha == nh(b[j].header):
                    take(i, j)  # same non-empty header: accepted whatever the similarity
                    continue
                acc.comparisons += 1
                if _bigram_sim(a[i], b[j], keys) >= CHILD_SIM_MIN:
                    take(i, j)
    # 4. similarity among the few leftovers (bounded)
    if left_a and left_b and len(left_a) * len(left_b) <= 400:
        cand = []
        for i in left_a:
            for j in left_b:
                acc.comparisons += 1
                cand.append((_bigram_sim(a[i], b[j], keys), i, j))
        cand.sort(key=lambda x: (-x[0], x[1], x[2]))
        for s, i, j in cand:
            if s < CHILD_SIM_MIN:
                break
            if i in left_a and j in left_b:
                take(i, j)
    pairs.sort()
    return pairs, left_a, sorted(left_b)


def _compare(a: Provision, b: Provision, acc: _Acc, top: bool = False, keys: "_Keys | None" = None) -> None:
    """Compare two aligned provisions, recording details/numbers/word counts into ``acc``. Decisions
    and numbers use the comparison keys (renumbered references and quote styles are not changes)."""
    if keys is None:
        keys = _Keys({})
    if keys.same(a, b):
        n = _tokens_len(a)
        acc.same += n
        acc.total += n
        return
    ha, hb = a.header, b.header
    if keys.nh(keys.header(a, True)) != keys.nh(keys.header(b, False)):
        _da, ta = keys.tokens(a, "header", True)
        _db, tb = keys.tokens(b, "header", False)
        ops = word_opcodes(ta, tb)
        _count(ops, len(ta), len(tb), acc)
        acc.details.append(_detail("modified", b, f"header: \u201c{ha}\u201d \u2192 \u201c{hb}\u201d"))
    else:
        n = len(ha.split())
        acc.same += n
        acc.total += n
    if keys.text(a, True) != keys.text(b, False):
        ra, ta = keys.tokens(a, "text", True)
        rb, tb = keys.tokens(b, "text", False)
        ops = word_opcodes(ta, tb)
        _count(ops, len(ta), len(tb), acc)

        def scope(a=a, b=b) -> tuple[str, str]:
            # the enclosing sections: a figure of this provision may survive elsewhere in them
            while a.parent is not None and a.kind != "section":
                a = a.parent
            while b.parent is not None and b.kind != "section":
                b = b.parent
            return keys.full(a, True), keys.full(b, False)

        for tag, i1, i2, j1, j2 in ops:
            if tag == "replace":
                for x, y in pair_numbers(ta, i1, i2, tb, j1, j2, scope):
                    acc.numbers.append((x, y))
        acc.details.append(_detail("modified", b, _excerpt_from_ops(ra, rb, ops)))
    else:
        n = _nwords(a.text)
        acc.same += n
        acc.total += n
    pairs, rem, add = _align_children(a.children, b.children, acc, keys)
    for i in rem:
        acc.details.append(_detail("removed", a.children[i], _body_excerpt(a.children[i])))
        acc.total += _tokens_len(a.children[i])
    for j in add:
        acc.details.append(_detail("added", b.children[j], _body_excerpt(b.children[j])))
        acc.total += _tokens_len(b.children[j])
    for i, j in pairs:
        ca, cb = a.children[i], b.children[j]
        if ca.enum != cb.enum:
            acc.total += 1  # a relettered sub-provision is not a change of its own
            acc.same += 1
        if ca.full_text == cb.full_text and ca.header == cb.header:
            n = _tokens_len(ca)  # what _compare does for an identical pair, without the call
            acc.same += n
            acc.total += n
            continue
        _compare(ca, cb, acc, keys=keys)


def _count(ops, la: int, lb: int, acc: _Acc) -> None:
    eq = sum(i2 - i1 for tag, i1, i2, _j1, _j2 in ops if tag == "equal")
    acc.same += eq
    acc.total += (la + lb) / 2.0


# ----------------------------------------------------------------------------------------------


def diff_versions(old: BillText, new: BillText) -> DiffResult:
    """Compare two parsed versions of a bill section by section."""
    # The diff allocates ~10^5 short-lived tuples (shingles, bigrams); with the cyclic GC on, each
    # collection re-traverses both provision trees (~20k objects for H.R. 1): measured 2-3x the whole
    # diff time. Nothing here creates garbage cycles, so the GC is paused for the call.
    gc_was = gc.isenabled()
    gc.disable()
    try:
        return _diff_versions(old, new)
    finally:
        if gc_was:
            gc.enable()


def _diff_versions(old: BillText, new: BillText) -> DiffResult:
    o, n = old.sections, new.sections
    al = align_sections(o, n)
    oc = [s.container for s in o]
    nc = [s.container for s in n]
    cmap = map_containers(o, n, al.pairs, (oc, nc))
    # old -> new section numbers of the aligned sections: references through it are not changes
    renum = {o[p.old].enum: n[p.new].enum for p in al.pairs
             if o[p.old].enum and n[p.new].enum and o[p.old].enum != n[p.new].enum}
    keys = _Keys(renum)
    raw_differs = 0
    modified: list[tuple[int, Change]] = []  # (position in the new version, change)
    moved: list[tuple[int, Change]] = []
    # unpaired sections whose wording the other version kept in another section are moves, not
    # removals/additions (merged into / split from / split into)
    carries = carried(al)
    gone = {c.index for c in carries if c.kind != "split_from"}
    new_from = {c.index for c in carries if c.kind == "split_from"}
    for c in carries:
        moved.append((c.index if c.kind == "split_from" else c.other, _carried_change(c, o, n, keys)))
    changes_rem = [Change("removed", o[i], None, 0.0) for i in al.removed if i not in gone]
    changes_add = [Change("added", None, n[j], 0.0) for j in al.added if j not in new_from]
    unchanged = 0
    sub_comparisons = 0
    word_diffs = 0
    for p in al.pairs:
        a, b = o[p.old], n[p.new]
        was_moved = cmap.get(id(oc[p.old]), None) != id(nc[p.new])
        # ("exact" pairs were matched on equal full texts: no need to compare those again)
        if (p.method == "exact" or a.full_text == b.full_text) and a.header == b.header:
            same = True
        else:
            same = keys.same(a, b)
            if same:
                raw_differs += 1  # only renumbered references / quote characters differ
        if same and not was_moved:
            unchanged += 1
            continue
        if same:
            moved.append((p.new, Change("moved", a, b, 1.0)))
            continue
        acc = _Acc()
        _compare(a, b, acc, top=True, keys=keys)
        sub_comparisons += acc.comparisons
        word_diffs += 1
        sim = _similarity(acc)
        ch = Change("moved" if was_moved else "modified", a, b, sim, _dedupe(acc.numbers), acc.details)
        (moved if was_moved else modified).append((p.new, ch))
    modified.sort(key=_first)
    moved.sort(key=_first)
    summary = {"removed": len(changes_rem), "added": len(changes_add), "modified": len(modified),
               "moved": len(moved), "unchanged": unchanged}
    stats = {"comparisons": al.comparisons, "sub_comparisons": sub_comparisons, "word_diffs": word_diffs,
             "aligned_by": dict(al.methods), "old_sections": len(o), "new_sections": len(n),
             "same_after_renumbering": raw_differs, "renumbered_sections": len(renum),
             "carried": dict(Counter(c.kind for c in carries))}
    return DiffResult(old, new, changes_rem + changes_add + [c for _k, c in modified] + [c for _k, c in moved],
                      summary, stats)


LOCATE_SHARE = 0.8
CARRIED_NUMBERS_MIN = 0.3  # a located pair compared below this similarity reports no number pairs


def _locate(sec: Provision, dist: set) -> Provision:
    """The deepest provision of ``sec`` holding at least ``LOCATE_SHARE`` of the distinctive shingles
    ``sec`` shares with a carried section (``sec`` itself when its children share them out). No size
    floor: the Senate condensed merged sections into short paragraphs (House 70110, 80 words ->
    Senate 100052(9), one sentence)."""
    p = sec
    total = None
    while p.children:
        if total is None:
            total = len(dist & shingles(words(p.full_text)))
            if not total:
                return p
        best, best_n = None, 0
        for c in p.children:
            k = len(dist & shingles(words(" ".join((c.enum, c.header, c.full_text)))))
            if k > best_n:
                best, best_n = c, k
        if best is None or best_n < LOCATE_SHARE * total:
            return p
        p, total = best, best_n
    return p


def _amounts(p: Provision) -> list[str]:
    """Dollar amounts of ``p`` (header and text), in order, once each."""
    seen: dict[str, None] = {}
    for num in extract_numbers(f"{p.header} {p.full_text}"):
        if num.kind == "money":
            seen.setdefault(" ".join(num.text.split()), None)
    return list(seen)


def _carried_change(c: Carry, o: list[Provision], n: list[Provision], keys: "_Keys") -> Change:
    """The "moved" change of an unpaired section the other version kept elsewhere. When the carried
    text sits in one sub-provision of the other section (a unique header match, or most of the shared
    wording), the two are compared like aligned sections (details, numbers, similarity)."""
    if c.kind == "split_from":
        sec_o, b = o[c.other], n[c.index]
        a = c.target or _locate(sec_o, c.distinctive)
        other_sec = sec_o
    else:
        a, sec_n = o[c.index], n[c.other]
        b = c.target or (_locate(sec_n, c.distinctive) if c.kind == "merged_into" else sec_n)
        other_sec = sec_n
    info: dict = {"relation": c.kind, "share": round(c.share, 4)}
    if c.kind == "split_into":
        info["parts"] = [dict(_ref(n[k]), share=round(sh, 4)) for k, sh in c.parts]
        where = ", ".join(f"Sec. {n[k].enum}" for k, _sh in c.parts[:8])
        more = f" and {len(c.parts) - 8} more" if len(c.parts) > 8 else ""
        note = (f"split into {where}{more}: {round(100 * c.share)}% of its distinctive wording is in "
                f"these sections of the new version")
        info["compared"] = False
        return Change("moved", a, b, c.share, [], [_detail("moved", b, note)], info)
    host = b if c.kind == "merged_into" else a
    pct = round(100 * c.share)
    if c.kind == "merged_into":
        note = f"the old Sec. {a.enum} ({a.header}) is here now: {pct}% of its distinctive wording"
        kept = set(_amounts(b))
        lost = [x for x in _amounts(a) if x not in kept]
        if lost:
            note += f"; {', '.join(lost[:4])} of the old section {'is' if len(lost) == 1 else 'are'} not in this text"
    else:
        note = f"the new Sec. {b.enum} ({b.header}) came from here: {pct}% of its distinctive wording"
    details = [_detail("moved", host, note)]
    if host is not other_sec:
        # one sub-provision of the other section holds it: compare the two like an aligned pair
        info["compared"] = True
        acc = _Acc()
        _compare(a, b, acc, top=True, keys=keys)
        sim = _similarity(acc)
        # numbers are paired by position inside the word diff: across a restructured text (House
        # 10101(c) -> Senate 10303 at 0.08, a new "(a) In general" level) the pairs are wrong
        # ("2014" -> "2023" of two different amendments); they are not reported
        nums = _dedupe(acc.numbers) if sim >= CARRIED_NUMBERS_MIN else []
        return Change("moved", a, b, sim, nums, details + acc.details, info)
    info["compared"] = False
    return Change("moved", a, b, c.share, [], details, info)


def _similarity(acc: _Acc) -> float:
    """Share of tokens unchanged over a compared pair, below 1 (the pair differs somewhere)."""
    sim = max(0.0, min(1.0, acc.same / acc.total)) if acc.total else 0.0
    return 0.9999 if sim >= 1.0 else sim


def _first(x: tuple) -> int:
    return x[0]


def _dedupe(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen = set()
    out = []
    for p in pairs:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


# ----------------------------------------------------------------------------------------------
# redline (used by render_html)

_TOKEN_WS = re.compile(r"\S+\s*")


def redline_html(old_text: str, new_text: str) -> str:
    """Word-level redline of two texts as escaped HTML with <del>/<ins>."""
    a = _TOKEN_WS.findall(old_text)
    b = _TOKEN_WS.findall(new_text)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, [x.strip() for x in a], [x.strip() for x in b],
                                                autojunk=len(a) + len(b) > 4000).get_opcodes():
        if tag == "equal":
            out.append(html.escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append("<del>" + html.escape("".join(a[i1:i2]).rstrip()) + "</del> ")
        if j2 > j1:
            out.append("<ins>" + html.escape("".join(b[j1:j2]).rstrip()) + "</ins> ")
    return "".join(out)
