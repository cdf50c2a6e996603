"""Comparison keys for provision text: renumbered cross-references and typography are not changes.

"Renumbering alone is not a change": when the alignment pairs House section 10001 with Senate section
10101, a House reference "section 10001(b)" and a Senate reference "section 10101(b)" say the same thing.
:func:`renumber_refs` rewrites the old version's references to its own sections through the old->new
section-number map of the alignment, so that the comparison (unchanged/modified, details, numbers)
sees them as equal; the raw texts are kept for the redline.

A reference is rewritten only when it points into this bill: "section 10001", "sections 10001 and
10002", "sections 40001, 40002, and 40003", "section 10001(b)(2)", "section 10001 of this Act". A
reference followed by "of <another law>" ("section 10101 of the Act titled ...", "section 11011 of
Public Law 115-97", "section 1902 of the Social Security Act", "section 44801 of title 49") is left
alone even when the number happens to be one of this bill's section numbers (H.R. 1 eh cites
sections 11xxx of Public Law 115-97 and 10101 of Public Law 117-169, which are also its own numbers).

:func:`typo_key` maps curly and straight quotes and apostrophes to one form: eh and eas of H.R. 1 write
the same words with different quote characters.
"""

from __future__ import annotations

import re

# "section 10001", "sections 10001 and 10002", "section 10001(b)(2)", "sections 40001, 40002, and 40003",
# "sections 10001 through 10005"
_REF = re.compile(
    r"\b([Ss]ections?|[Ss]ecs?\.)(\s+)"
    r"(\d+[A-Za-z]?(?:\([^()\s]{1,8}\))*"
    r"(?:(?:,\s*|,?\s+(?:and|or|through)\s+)\d+[A-Za-z]?(?:\([^()\s]{1,8}\))*)*)"
)
# what follows a reference to another law: "of Public Law ...", "of the Social Security Act", "of title
# 49, United States Code", "of subtitle D of title II of such Act"; "of this Act"/"of this title" is ours
_OF = re.compile(
    r",?\s+of\s+(?:(?:division|title|subtitle|part|subpart|chapter|subchapter)\s+[\w-]+,?\s+of\s+)*(\w+)",
    re.I,
)
# a section number of the list, not a subdivision inside parentheses ("10001(b)(2)": only 10001)
_NUM = re.compile(r"(?<![(\w])\d+[A-Za-z]?")

def typo_key(text: str) -> str:
    """``text`` with quote characters and apostrophes in one form (a comparison key, not for display).
    Chained ``str.replace`` (C speed); ``str.translate`` with a dict costs ~10x more per character."""
    if "\u201c" in text or "\u201d" in text:
        text = text.replace("\u201c", '"').replace("\u201d", '"')
    if "\u2019" in text or "\u2018" in text:
        text = text.replace("\u2019", "'").replace("\u2018", "'")
    return text


# A necessary condition for a ``_REF`` match at the same position ("section"/"sec." + whitespace + a
# digit, without the word boundary). It is ~15x cheaper to search for than running ``_REF`` over the
# whole text (most provision texts say "section" many times but cite few section numbers), so
# :func:`renumber_refs` hops from hint to hint and tries ``_REF`` only there.
_HINT = re.compile(r"[Ss](?:ections?|ecs?\.)\s+\d")


def renumber_refs(text: str, renum: dict[str, str]) -> str:
    """Rewrite this bill's section references in ``text`` (old numbering) through ``renum``
    (old section number -> new section number); see the module docstring.

    Same result as ``_REF.sub`` over the whole text: a ``_REF`` match can only start where ``_HINT``
    matches, so the leftmost ``_REF`` match at or after a position starts at one of the hints."""
    if not renum or "ec" not in text:
        return text
    h = _HINT.search(text)
    if h is None:
        return text
    out: list[str] = []
    last = 0
    while h is not None:
        m = _REF.match(text, h.start())
        if m is None:
            h = _HINT.search(text, h.start() + 1)
            continue
        rep = _rewrite(text, m, renum)
        if rep is not None:
            out.append(text[last:m.start()])
            out.append(rep)
            last = m.end()
        h = _HINT.search(text, m.end())
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _rewrite(text: str, m: re.Match, renum: dict[str, str]) -> str | None:
    """The renumbered reference of ``_REF`` match ``m``, or None when it stays as it is."""
    nums = m.group(3)
    if not any(k.group(0) in renum for k in _NUM.finditer(nums)):
        return None
    of = _OF.match(text, m.end())
    if of is not None and of.group(1).lower() != "this":
        return None  # a section of another law
    new = _NUM.sub(lambda k: renum.get(k.group(0), k.group(0)), nums)
    return m.group(1) + m.group(2) + new
