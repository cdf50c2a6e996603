"""Classify aligned sections, find sub-provision changes and number changes, word redline.

Classification of every top-level section (see align.py for how sections are paired):

- ``unchanged``: paired, same header and same text. Renumbering alone (different section enum, or the
  enclosing title renumbered/renamed) is NOT a change.
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

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from tracker.diff.align import align_sections, map_containers, norm_header, words
from tracker.diff.numbers import pair_numbers, tokenize
from tracker.diff.tree import BillText, Provision

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

    def to_json(self) -> dict:
        return {
            "change": self.change,
            "old": _ref(self.old),
            "new": _ref(self.new),
            "similarity": round(self.similarity, 4),
            "numbers": [{"old": a, "new": b} for a, b in self.numbers],
            "details": list(self.details),
        }


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
    return SequenceMatcher(None, a, b, autojunk=len(a) + len(b) > 4000).get_opcodes()


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


def _tokens_len(p: Provision) -> int:
    return len(tokenize(" ".join(x for x in (p.enum, p.header, p.full_text) if x)))


def _detail(change: str, p: Provision, excerpt: str) -> dict:
    return {"change": change, "enum": p.enum, "header": p.header, "path": p.path, "excerpt": excerpt}


def _body_excerpt(p: Provision) -> str:
    return _clip(" ".join(x for x in (p.header, p.full_text) if x), EXCERPT)


def _bigram_sim(a: Provision, b: Provision) -> float:
    wa = words(" ".join((a.header, a.full_text)))
    wb = words(" ".join((b.header, b.full_text)))
    sa = set(zip(wa, wa[1:])) if len(wa) > 1 else set(wa)
    sb = set(zip(wb, wb[1:])) if len(wb) > 1 else set(wb)
    if not sa and not sb:
        return 1.0
    if not sa or not sb:
        return 0.0
    return 2.0 * len(sa & sb) / (len(sa) + len(sb))


def _align_children(a: list[Provision], b: list[Provision], acc: _Acc):
    left_a = list(range(len(a)))
    left_b = set(range(len(b)))
    pairs: list[tuple[int, int]] = []

    def take(i, j):
        left_a.remove(i)
        left_b.discard(j)
        pairs.append((i, j))

    # 1. same header and text
    key_b: dict[tuple, list[int]] = {}
    for j, p in enumerate(b):
        key_b.setdefault((norm_header(p.header), p.full_text), []).append(j)
    for i in list(left_a):
        lst = key_b.get((norm_header(a[i].header), a[i].full_text))
        while lst and lst[0] not in left_b:
            lst.pop(0)
        if lst:
            take(i, lst.pop(0))
    # 2. same non-empty header, unique among the leftovers on both sides; 3. same enum
    for keyf in (lambda p: norm_header(p.header), lambda p: p.enum):
        ca = Counter(keyf(a[i]) for i in left_a)
        cb = Counter(keyf(b[j]) for j in left_b)
        jb = {keyf(b[j]): j for j in left_b}
        for i in list(left_a):
            k = keyf(a[i])
            if k and ca[k] == 1 and cb.get(k) == 1:
                j = jb[k]
                acc.comparisons += 1
                if _bigram_sim(a[i], b[j]) >= CHILD_SIM_MIN or (
                        norm_header(a[i].header) and norm_header(a[i].header) == norm_header(b[j].header)):
                    take(i, j)
    # 4. similarity among the few leftovers (bounded)
    if left_a and left_b and len(left_a) * len(left_b) <= 400:
        cand = []
        for i in left_a:
            for j in left_b:
                acc.comparisons += 1
                cand.append((_bigram_sim(a[i], b[j]), i, j))
        cand.sort(key=lambda x: (-x[0], x[1], x[2]))
        for s, i, j in cand:
            if s < CHILD_SIM_MIN:
                break
            if i in left_a and j in left_b:
                take(i, j)
    pairs.sort()
    return pairs, left_a, sorted(left_b)


def _compare(a: Provision, b: Provision, acc: _Acc, top: bool = False) -> None:
    """Compare two aligned provisions, recording details/numbers/word counts into ``acc``."""
    if a.full_text == b.full_text and a.header == b.header:
        n = _tokens_len(a)
        acc.same += n
        acc.total += n
        return
    ha, hb = a.header, b.header
    if norm_header(ha) != norm_header(hb):
        ta, tb = tokenize(ha), tokenize(hb)
        ops = word_opcodes(ta, tb)
        _count(ops, len(ta), len(tb), acc)
        acc.details.append(_detail("modified", b, f"header: \u201c{ha}\u201d \u2192 \u201c{hb}\u201d"))
    else:
        n = len(tokenize(ha))
        acc.same += n
        acc.total += n
    if a.text != b.text:
        ta, tb = tokenize(a.text), tokenize(b.text)
        ops = word_opcodes(ta, tb)
        _count(ops, len(ta), len(tb), acc)
        for tag, i1, i2, j1, j2 in ops:
            if tag == "replace":
                acc.numbers.extend(pair_numbers(ta, i1, i2, tb, j1, j2))
        acc.details.append(_detail("modified", b, _excerpt_from_ops(ta, tb, ops)))
    else:
        n = len(tokenize(a.text))
        acc.same += n
        acc.total += n
    pairs, rem, add = _align_children(a.children, b.children, acc)
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
        _compare(ca, cb, acc)


def _count(ops, la: int, lb: int, acc: _Acc) -> None:
    eq = sum(i2 - i1 for tag, i1, i2, _j1, _j2 in ops if tag == "equal")
    acc.same += eq
    acc.total += (la + lb) / 2.0


# ----------------------------------------------------------------------------------------------


def diff_versions(old: BillText, new: BillText) -> DiffResult:
    """Compare two parsed versions of a bill section by section."""
    o, n = old.sections, new.sections
    al = align_sections(o, n)
    cmap = map_containers(o, n, al.pairs)
    changes_rem = [Change("removed", o[i], None, 0.0) for i in al.removed]
    changes_add = [Change("added", None, n[j], 0.0) for j in al.added]
    modified: list[Change] = []
    moved: list[Change] = []
    unchanged = 0
    sub_comparisons = 0
    word_diffs = 0
    for p in al.pairs:
        a, b = o[p.old], n[p.new]
        was_moved = cmap.get(id(a.container), None) != id(b.container)
        same = a.full_text == b.full_text and a.header == b.header
        if same and not was_moved:
            unchanged += 1
            continue
        if same:
            moved.append(Change("moved", a, b, 1.0))
            continue
        acc = _Acc()
        _compare(a, b, acc, top=True)
        sub_comparisons += acc.comparisons
        word_diffs += 1
        sim = acc.same / acc.total if acc.total else 0.0
        sim = max(0.0, min(1.0, sim))
        if sim >= 1.0:
            sim = 0.9999
        ch = Change("moved" if was_moved else "modified", a, b, sim, _dedupe(acc.numbers), acc.details)
        (moved if was_moved else modified).append(ch)
    pos = {id(s): k for k, s in enumerate(n)}
    modified.sort(key=lambda c: pos.get(id(c.new), 0))
    moved.sort(key=lambda c: pos.get(id(c.new), 0))
    summary = {"removed": len(changes_rem), "added": len(changes_add), "modified": len(modified),
               "moved": len(moved), "unchanged": unchanged}
    stats = {"comparisons": al.comparisons, "sub_comparisons": sub_comparisons, "word_diffs": word_diffs,
             "aligned_by": dict(al.methods), "old_sections": len(o), "new_sections": len(n)}
    return DiffResult(old, new, changes_rem + changes_add + modified + moved, summary, stats)


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
