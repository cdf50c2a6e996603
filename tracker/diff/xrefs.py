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


def renumber_refs(text: str, renum: dict[str, str]) -> str:
    """Rewrite this bill's section references in ``text`` (old numbering) through ``renum``
    (old section number -> new section number); see the module docstring."""
    if not renum or "ec" not in text:
        return text

    def sub(m: re.Match) -> str:
        nums = m.group(3)
        if not any(k.group(0) in renum for k in _NUM.finditer(nums)):
            return m.group(0)
        of = _OF.match(text, m.end())
        if of is not None and of.group(1).lower() != "this":
            return m.group(0)  # a section of another law
        new = _NUM.sub(lambda k: renum.get(k.group(0), k.group(0)), nums)
        return m.group(1) + m.group(2) + new

    return _REF.sub(sub, text)
