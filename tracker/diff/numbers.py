"""Numbers in bill text: dollar amounts, percentages, dates, fiscal years, years and counts near units.

:data:`TOKEN_RE` tokenises text for the word diff so that a whole number expression ("September 30,
2034", "$4,000,000,000,000", "fiscal year 2026", "10 percent", "10-year") is ONE token; a number that
changed then shows up as one replaced token and is paired with its counterpart by position inside the
same aligned provision (see engine.py), never by a set difference over the whole bill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_UNITS = (
    r"(?:years?|days?|months?|weeks?|hours?|minutes?|calendar\s+years?|fiscal\s+years?|acres?|miles?|"
    r"tons?|barrels?|gallons?|megawatts?|gigawatts?|kilowatts?|individuals?|persons?|employees?|"
    r"members?|percentage\s+points?|basis\s+points?|times|cents?|dollars?|units?|vehicles?|"
    r"megawatt\s+hours?|kilowatt\s+hours?|square\s+feet|feet|parcels?|leases?|sales?|positions?|"
    r"beds?|hospitals?|States?|counties|per\s+cent)"
)
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

_PATTERNS: list[tuple[str, str]] = [
    ("date", rf"{_MONTH}\s+\d{{1,2}},\s+\d{{4}}"),
    ("date", rf"{_MONTH}\s+\d{{4}}"),
    ("fiscal_year", r"fiscal\s+years\s+\d{4}(?:\s+(?:through|and)\s+\d{4})?|fiscal\s+year\s+\d{4}"),
    ("money", rf"\$\s?(?:{_NUM})(?:\s+(?:thousand|million|billion|trillion))?"),
    ("percent", rf"(?:{_NUM})(?:\s?%|\s+percent\b|\s+per\s+centum\b)"),
    ("count", rf"(?:{_NUM})(?:-|\s+){_UNITS}\b"),
    # a year: 1800-2199, not a section/title/law number (checked in code)
    ("year", r"\b(?:18|19|20|21)\d{2}\b(?![\d,(])"),
]
_NUMBER_RE = re.compile("|".join(f"(?P<{k}{i}>{p})" for i, (k, p) in enumerate(_PATTERNS)))
_KINDS = {f"{k}{i}": k for i, (k, _p) in enumerate(_PATTERNS)}

# Token regex for the word diff: number expressions first, then words, then single punctuation marks.
# Every number alternative starts with a digit, "$", a month name or "fiscal": the lookahead tries them
# only where a token starts with one of those characters (the same matches, ~1.8x faster than letting
# the regex engine try each alternative at every word of the text).
TOKEN_RE = re.compile(
    rf"(?=[\dJFMASONDf$])(?:{'|'.join(p for _k, p in _PATTERNS if _k != 'year')}"
    # a bare figure with thousands separators is one token ("at least 500" -> "at least 3,000" in H.R. 1
    # sec. 112021 -> 70415 was paired as 500 -> 3)
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d))"
    r"|\w+(?:[-'\u2019.]\w+)*|[^\w\s]"
)

_NOT_YEAR_BEFORE = re.compile(
    r"(?:section|sections|sec\.|title|chapter|part|subpart|subtitle|subchapter|law|no\.|u\.s\.c\.|"
    r"stat\.|paragraph|paragraphs|subparagraph|clause|code|act|rule|form|schedule|fr|reg\.|"
    r"(?:act|code|law|resolution)\s+of)\s*$",
    re.I,
)
# a figure right before these tokens is a citation (title of the Code, volume of the Federal Register
# or Statutes at Large), not an amount: "7 U.S.C. 2101", "90 FR 12942", "136 Stat. 2083"
_CITE_AFTER = frozenset({"U.S.C", "FR", "Fed", "Stat", "C.F.R", "CFR", "U.S"})
# ... and right after these: "Public Law 96-422", "90 FR 12942", "Fed. Reg. 27074", "No. 5"
_CITE_BEFORE = frozenset({"Law", "FR", "Reg", "Stat", "No", "\u2013", "-", "note", "U.S.C", "C.F.R", "CFR"})
# bare figures are paired only inside a short replaced stretch (a local substitution such as
# "2 or more" -> "10 or more"); in a long rewritten stretch they are paragraph numbers and citations
_BARE_SPAN_MAX = 8


@dataclass(frozen=True)
class Number:
    kind: str  # money | percent | date | fiscal_year | year | count (| number: bare figure, diff only)
    text: str
    start: int
    end: int


def extract_numbers(text: str) -> list[Number]:
    """Every number expression in ``text`` in order (years that look like section/law numbers skipped)."""
    out: list[Number] = []
    for m in _NUMBER_RE.finditer(text or ""):
        kind = _KINDS[m.lastgroup or ""]
        if kind == "year" and _NOT_YEAR_BEFORE.search(text[max(0, m.start() - 12):m.start()]):
            continue
        out.append(Number(kind, " ".join(m.group(0).split()), m.start(), m.end()))
    return out


_PLAIN_RE = re.compile(_NUM)


def is_number_token(tok: str) -> str | None:
    """The kind of number a diff token is (``number`` for a bare figure such as "5"), or None."""
    if tok.isalpha() or (len(tok) == 1 and not tok.isdecimal()):
        return None  # every number expression holds a digit (most tokens are words or punctuation)
    m = _NUMBER_RE.fullmatch(tok)
    if m:
        return _KINDS[m.lastgroup or ""]
    if _PLAIN_RE.fullmatch(tok):
        return "number"
    return None


def tokenize(text: str) -> list[str]:
    """Diff tokens: number expressions ("September 30, 2034", "$4,000,000,000,000") as one token,
    words, single punctuation marks."""
    if not text:
        return []
    return TOKEN_RE.findall(text)


def _span_numbers(tokens: list[str], i1: int, i2: int) -> list[tuple[int, str, str]]:
    out = []
    n = len(tokens)
    bare_ok = i2 - i1 <= _BARE_SPAN_MAX
    for i in range(i1, i2):
        k = is_number_token(tokens[i])
        if k is None:
            continue
        if k in ("year", "number"):
            prev = tokens[i - 1] if i > 0 else ""
            nxt = tokens[i + 1] if i + 1 < n else ""
            if prev == "(" and nxt == ")":
                continue  # a paragraph designation "(3)", not a number
            if prev == "." and i > 1:
                prev = tokens[i - 2]  # "132 Stat. 4906", "7 U.S.C. 2101"
            if nxt in _CITE_AFTER or prev in _CITE_BEFORE:
                continue
            if i > 0 and _NOT_YEAR_BEFORE.search(" ".join(tokens[max(0, i - 3):i])):
                continue  # "section 1902", "Act of 2014", "paragraph 2"
            if k == "number" and not bare_ok:
                continue
        out.append((i, tokens[i], k))
    return out


_PUNCT_RE = re.compile(r"[^\w$]+")


def _skip(tokens: list[str], k: int) -> bool:
    """Not wording: punctuation, a designation "(i)", another figure."""
    t = tokens[k]
    return bool(_PUNCT_RE.fullmatch(t) or is_number_token(t)
                or (0 < k < len(tokens) - 1 and tokens[k - 1] == "(" and tokens[k + 1] == ")"))


def _neighbour(tokens: list[str], i: int, lo: int, hi: int, other: list[str], olo: int, ohi: int,
               step: int) -> str | None:
    """The nearest word next to the figure ``tokens[i]`` of the replaced stretch ``tokens[lo:hi]``
    (step -1: before it, +1: after it), lower-cased; :func:`_skip` tokens are passed over. None when
    the figure's neighbour is text both versions share: past the edge of the stretch, the tokens from
    the edge on are the same as in ``other`` from the edge of its stretch ``other[olo:ohi]`` up to a
    token other than punctuation (a comma both versions have right after the figure does not make the
    different words after that comma shared)."""
    k = i + step
    while lo <= k < hi:
        if not _skip(tokens, k):
            return tokens[k].lower()
        k += step
    ok = ohi if step > 0 else olo - 1
    n, on = len(tokens), len(other)
    while 0 <= k < n:
        if not (0 <= ok < on and other[ok] == tokens[k]):
            break  # the shared text ends here (only punctuation of it was next to the figure)
        if not _PUNCT_RE.fullmatch(tokens[k]):
            return None
        k += step
        ok += step
    else:
        return None  # start or end of the text
    while 0 <= k < n:
        if not _skip(tokens, k):
            return tokens[k].lower()
        k += step
    return None


def same_context(old_tokens: list[str], i: int, i1: int, i2: int,
                 new_tokens: list[str], j: int, j1: int, j2: int) -> bool:
    """True when the figures ``old_tokens[i]`` and ``new_tokens[j]`` of the replaced stretches
    ``[i1:i2]`` / ``[j1:j2]`` have the same wording next to them: on each side (before, after), the
    nearest words (:func:`_neighbour`) are the same word, or either is text both versions share (the
    other version's extra words there were added or removed next to the figure: "for fiscal years
    2025 through 2034" -> "for each of fiscal years 2025 through 2033")."""
    for step in (-1, 1):
        a = _neighbour(old_tokens, i, i1, i2, new_tokens, j1, j2, step)
        if a is None:
            continue
        b = _neighbour(new_tokens, j, j1, j2, old_tokens, i1, i2, step)
        if b is not None and a != b:
            return False
    return True


def pair_numbers(old_tokens: list[str], i1: int, i2: int,
                 new_tokens: list[str], j1: int, j2: int,
                 scope: Callable[[], tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """Pair the numbers of a replaced stretch ``old_tokens[i1:i2]`` -> ``new_tokens[j1:j2]``: same
    kind, in order of appearance; equal values are not changes.

    A pair is evidence of a changed figure when the words around the two figures agree
    (:func:`same_context`), or when the old figure is gone from the new version or the new figure was
    not in the old one.
    ``scope`` returns the old and new texts a figure may survive in (the enclosing sections): a pair
    whose context differs and whose two figures are both in both texts is two different provisions
    that one replaced stretch happens to hold, not a change, and is not reported (House H.R. 1 sec.
    30011 "on or after July 1, 2026\u2014 (i) an undergraduate student" vs Senate 81001 "on or after
    July 1, 2012, a graduate or professional student", existing law the Senate quoted; July 1, 2026
    is still in 81001 and July 1, 2012 was already in 30011)."""
    olds = _span_numbers(old_tokens, i1, i2)
    news = _span_numbers(new_tokens, j1, j2)
    if (i2 - i1 > _BARE_SPAN_MAX) != (j2 - j1 > _BARE_SPAN_MAX):
        # bare figures only when both stretches are short
        olds = [x for x in olds if x[2] != "number"] if i2 - i1 <= _BARE_SPAN_MAX else olds
        news = [x for x in news if x[2] != "number"] if j2 - j1 <= _BARE_SPAN_MAX else news
    pairs: list[tuple[str, str]] = []
    if not olds or not news:
        return pairs
    used = [False] * len(news)
    texts: tuple[set[str], set[str]] | None = None
    for oi, ot, ok in olds:
        for j, (nj, nt, nk) in enumerate(news):
            if not used[j] and nk == ok:
                used[j] = True
                if ot != nt:
                    if scope is not None and not same_context(old_tokens, oi, i1, i2, new_tokens, nj, j1, j2):
                        if texts is None:
                            so, sn = scope()
                            texts = (set(tokenize(so)), set(tokenize(sn)))
                        if nt in texts[0] and ot in texts[1]:
                            break  # both figures are in both versions: not a change of one figure
                    pairs.append((ot, nt))
                break
    return pairs
