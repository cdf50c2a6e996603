"""Parse GPO bill XML (bill DTD ``<bill>``/``<resolution>`` and amend DTD ``<amendment-doc>``) into a
provision tree.

Rules (see docs/diff-engine.md):

- The provision hierarchy is division > title > subtitle > part > subpart > chapter > subchapter >
  section > subsection > paragraph > subparagraph > clause > subclause > item > subitem. Any other
  element is either text (``<text>``, ``<continuation-text>``, tables, ...) or, when it wraps provisions
  (``<legis-body>``, ``<amendment-block>``, ...), transparent.
- ``<quoted-block>`` holds amended law: its whole content (sections included) is *text* of the provision
  that contains it, never provisions of the bill. ``<toc>`` is skipped everywhere.
- Section ``id`` attributes are random per version and are ignored; the metadata ``<dc:title>`` is known
  to be wrong in real files and is never read.
- ``<amendment-doc>``: the text of the bill is the content of its ``<amendment-block>`` elements (for
  H.R. 1 the Senate struck all after the enacting clause and inserted a whole new text). The
  ``resolved`` preamble ("That the bill ... do pass with the following") is not a provision.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field

from tracker.ids import bill_id as make_bill_id, version_code_for_name
from tracker.xmlsafe import UnsafeOrMalformedXML, native_module, parse_xml


class BillTextError(ValueError):
    """The bytes are not (complete, well-formed) GPO bill text. The message is one line."""


CONTAINER_KINDS: tuple[str, ...] = ("division", "title", "subtitle", "part", "subpart", "chapter", "subchapter")
SUB_KINDS: tuple[str, ...] = ("subsection", "paragraph", "subparagraph", "clause", "subclause", "item", "subitem")
PROVISION_KINDS: frozenset[str] = frozenset(CONTAINER_KINDS + ("section",) + SUB_KINDS)
_CONTAINER_SET: frozenset[str] = frozenset(CONTAINER_KINDS)

_KIND_LABEL = {
    "division": "Division", "title": "Title", "subtitle": "Subtitle", "part": "Part", "subpart": "Subpart",
    "chapter": "Chapter", "subchapter": "Subchapter", "section": "Sec.",
}

# Elements that only wrap provisions: walked through, contribute no text of their own.
_TRANSPARENT = frozenset({
    "legis-body", "resolution-body", "amendment-block", "engrossed-amendment-body", "amendment-body",
    "amendment", "appropriations-major", "appropriations-intermediate", "appropriations-small",
})
# Elements whose text never belongs to a provision.
_SKIP = frozenset({"toc", "enum", "header", "amendment-instruction", "pagebreak", "metadata", "form"})
# Elements flattened whole into their provision's own text.
_TEXTLIKE = frozenset({"text", "quoted-block", "continuation-text", "after-quoted-block", "quote",
                       "quoted-block-continuation-text", "table", "proviso", "term"})
# Elements after which a space separates words (block-level in GPO rendering).
_BLOCK = frozenset({
    "enum", "header", "text", "continuation-text", "quoted-block-continuation-text", "after-quoted-block",
    "quoted-block", "section", "subsection", "paragraph", "subparagraph", "clause", "subclause", "item",
    "subitem", "division", "title", "subtitle", "part", "subpart", "chapter", "subchapter", "proviso",
    "entry", "row", "table", "tgroup", "thead", "tbody", "toc-entry", "formula", "graphic", "list",
    "list-item", "term-definition",
})

_WS = re.compile(r"\s+")

STAGE_NAMES = {
    "ih": "Introduced in House", "is": "Introduced in Senate", "rh": "Reported in House",
    "rs": "Reported in Senate", "eh": "Engrossed in House", "es": "Engrossed in Senate",
    "rfh": "Referred in House", "rfs": "Referred in Senate", "rdh": "Received in House",
    "rds": "Received in Senate", "pcs": "Placed on Calendar Senate", "pch": "Placed on Calendar House",
    "enr": "Enrolled Bill", "eah": "Engrossed Amendment House", "eas": "Engrossed Amendment Senate",
    "pp": "Public Print", "rch": "Reference Change House", "rcs": "Reference Change Senate",
    "cph": "Considered and Passed House", "cps": "Considered and Passed Senate",
    "ash": "Additional Sponsors House", "ass": "Additional Sponsors Senate", "re": "Reenrolled Bill",
}

_ORD_UNITS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
    "eightieth": 80, "ninetieth": 90, "hundredth": 100,
}
_CARD = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}


class _FullText:
    """``Provision.full_text``: own text followed by every descendant's enum, header and text
    (normalised whitespace). Computed on first access, then kept in the instance ``__dict__``: this is
    a non-data descriptor, so later reads are plain attribute lookups (the diff reads it ~10^4 times)."""

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        v = obj._full
        if v is None:
            parts = [obj.text] if obj.text else []
            for c in obj.children:
                if c.enum:
                    parts.append(c.enum)
                if c.header:
                    parts.append(c.header)
                ft = c.full_text
                if ft:
                    parts.append(ft)
            v = obj._full = " ".join(parts)
        obj.__dict__["full_text"] = v
        return v


@dataclass(eq=False)
class Provision:
    """One node of the provision tree. ``text`` is the provision's own text (its ``<text>``, quoted
    blocks, continuation text), excluding its enum, header and child provisions."""

    kind: str
    enum: str = ""
    header: str = ""
    path: str = ""
    text: str = ""
    children: list["Provision"] = field(default_factory=list)
    parent: "Provision | None" = field(default=None, repr=False)
    _full: str | None = field(default=None, repr=False)

    full_text = _FullText()

    @property
    def label(self) -> str:
        lab = _KIND_LABEL.get(self.kind)
        if lab is None:
            return self.enum or self.kind
        return f"{lab} {self.enum}".strip()

    @property
    def container(self) -> "Provision | None":
        """Innermost enclosing division/title/.../subchapter (None at the top of the bill)."""
        p = self.parent
        while p is not None and p.kind not in _CONTAINER_SET:
            p = p.parent
        return p

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(eq=False)
class BillText:
    bill_id: str | None
    version_code: str | None
    stage: str | None
    date: str | None
    official_title: str
    doc_type: str
    root: Provision
    sections: list[Provision]
    url: str | None = None

    @property
    def version_id(self) -> str | None:
        if self.bill_id and self.version_code:
            return f"{self.bill_id}:{self.version_code}"
        return None


# ----------------------------------------------------------------------------------------------
# text flattening


def _flat(el, out: list[str]) -> None:
    """Append the text under ``el`` to ``out`` with spaces at block boundaries and curly quotes around
    ``<quote>``/``<quoted-block>``; ``<toc>`` is skipped."""
    tag = el.tag
    if not isinstance(tag, str):  # comment / PI (normally removed by the parser)
        return
    if tag == "toc":
        return
    block = tag in _BLOCK
    if block:
        out.append(" ")
    if tag == "quote" or tag == "quoted-block" or tag == "term":
        # GPO prints <quote> and a defined <term> in curly quotes (eh writes <quote>widget</quote> where
        # eas writes <term>widget</term> for the same defined term in H.R. 1 sec. 112019/70603)
        out.append("\u201c")
    if el.text:
        out.append(el.text)
    for c in el:
        _flat(c, out)
        if c.tail:
            out.append(c.tail)
    if tag == "quote" or tag == "term":
        out.append("\u201d")
    elif tag == "quoted-block":
        out.append("\u201d ")
    elif block:
        out.append(" ")


_QUOTE_FIX = re.compile(r"\u201c\s+|\s+\u201d(?:\s+(?=[.,;:]))?")


def _norm(s: str) -> str:
    s = _WS.sub(" ", s).strip()
    if "\u201c" in s:
        s = _QUOTE_FIX.sub(lambda m: m.group(0).strip(), s)
    return s


def _flat_text(el) -> str:
    out: list[str] = []
    _flat(el, out)
    return _norm("".join(out))


def _clean_enum(s: str) -> str:
    s = _norm(s)
    if s.endswith(".") and not s.startswith("("):
        s = s[:-1]
    return s


def _has_provision(el) -> bool:
    for d in el.iter(*PROVISION_KINDS):
        # ignore provisions inside quoted blocks
        anc = d.getparent()
        inside_qb = False
        while anc is not None and anc is not el:
            if anc.tag == "quoted-block":
                inside_qb = True
                break
            anc = anc.getparent()
        if not inside_qb:
            return True
    return False


def _build(el, kind: str, parent: Provision | None, parent_path: str) -> Provision:
    prov = Provision(kind=kind, parent=parent)
    own: list[str] = []
    _fill(el, prov, own, parent_path)
    prov.text = _norm("".join(own))
    return prov


def _fill(el, prov: Provision, own: list[str], parent_path: str) -> None:
    """Walk the children of ``el`` into ``prov`` (enum, header, child provisions, own text)."""
    for c in el:
        tag = c.tag
        if not isinstance(tag, str):
            continue
        if tag in PROVISION_KINDS:
            child = Provision(kind=tag, parent=prov)
            child_own: list[str] = []
            # enum/header first so the child's path is known before its own children are built
            e = c.find("enum")
            h = c.find("header")
            child.enum = _clean_enum(_flat_text(e)) if e is not None else ""
            child.header = _flat_text(h) if h is not None else ""
            child.path = f"{parent_path} > {child.label}" if parent_path else child.label
            _fill(c, child, child_own, child.path)
            child.text = _norm("".join(child_own))
            prov.children.append(child)
        elif tag == "enum" or tag == "header":
            continue
        elif tag in _SKIP:
            continue
        elif tag in _TRANSPARENT:
            _fill(c, prov, own, parent_path)
        elif tag in _TEXTLIKE:
            _flat(c, own)
        elif _has_provision(c):
            _fill(c, prov, own, parent_path)
        else:
            _flat(c, own)


# ----------------------------------------------------------------------------------------------
# fast path: the same walk as :func:`_fill`, with the common cases inlined
#
# :func:`_fill` / :func:`_flat` above stay as the reference implementation (``_reference=True``;
# tests check the fast path builds exactly their tree on every real file and fixture). The fast walk
# is one Python loop per provision over its children: the usual ones (<enum>, <header> and <text>
# without child elements, child provisions) are read inline (no per-element function call, no
# ElementPath ``find``, no regex, no dataclass ``__init__``); text with child elements goes through
# :func:`_flat_fast` (``_flat`` with childless children written inline), anything rarer through the
# reference functions (``_has_provision``). Whitespace is normalised once per field with C-level
# string calls (see :func:`_clean`).
#
# (It replaced a libxslt pass that flattened the body into a marked-up string split in Python: the
# transform alone cost more instructions than this whole walk, and the split/clean work as much.)


def _clean(t: str) -> str:
    """``_norm(t)`` with C-level string calls.

    An ASCII string can hold no whitespace but space, tab, LF and CR (XML allows no other ASCII
    control character) and no curly quote, so ``in`` checks + ``strip`` settle the usual case;
    ``str.isascii`` is O(1). Any other string is split on every Unicode whitespace character (what
    ``\\s`` matches) and joined again, then :func:`_quote_fix_collapsed` applies ``_QUOTE_FIX``."""
    if t.isascii():
        if "  " in t or "\n" in t or "\t" in t or "\r" in t:
            return " ".join(t.split())
        return t.strip()
    t = " ".join(t.split())
    if "\u201c" in t:
        t = _quote_fix_collapsed(t)
    return t


def _quote_fix_collapsed(t: str) -> str:
    """``_QUOTE_FIX`` on a whitespace-collapsed, stripped string (single spaces only), with C-level
    replaces instead of the regex: "“ " -> "“" first (the regex consumes a space after “ before it can
    be the space before a ”), then " ” ." (and , ; :) -> "”.", then " ”" -> "”". Checked equal to the
    regex on every collapsed string of up to 9 characters over “ ” space . , ; : and a letter."""
    if "\u201c " in t:
        t = t.replace("\u201c ", "\u201c")
    if " \u201d" in t:
        for c in ".,;:":
            k = " \u201d " + c
            if k in t:
                t = t.replace(k, "\u201d" + c)
        t = t.replace(" \u201d", "\u201d")
    return t


def _field_text(el) -> str:
    """``_flat_text(el)`` (an <enum> or <header>)."""
    if len(el):
        return _flat_text_fast(el)
    t = el.text
    return _clean(t) if t else ""


def _enum_text(el) -> str:
    """``_clean_enum(_flat_text(el))``."""
    s = _field_text(el)
    if s.endswith(".") and not s.startswith("("):
        s = s[:-1]
    return s


def _path(kind: str, enum: str, parent_path: str) -> str:
    lab = _KIND_LABEL.get(kind)
    if lab is None:
        lab = enum or kind
    elif enum:
        lab = f"{lab} {enum}".strip()  # (as Provision.label: the enum may end in a space)
    return parent_path + " > " + lab if parent_path else lab


_object_new = object.__new__
_PROV = PROVISION_KINDS
_LABEL = _KIND_LABEL


def _new_provision(kind: str, enum: str, header: str, path: str, text: str, parent: Provision) -> Provision:
    """``Provision(kind, enum, header, path, text, [], parent)`` appended to ``parent.children``,
    without the dataclass ``__init__`` call: the same attributes stored in the same order (instances
    keep sharing one key table), ``_full`` left to the class default None as ``__init__`` leaves it.
    (Inlined, with :func:`_path`, in :func:`_adopt`, which makes every provision of the C walk.)"""
    p = _object_new(Provision)
    p.kind = kind
    p.enum = enum
    p.header = header
    p.path = path
    p.text = text
    p.children = []
    p.parent = parent
    parent.children.append(p)
    return p


# What :func:`_flat` writes around an element without child elements, by tag: (before, after) its
# text. <toc> writes nothing (not even its text); a comment/PI/entity node (non-str tag) neither.
_FLAT_WRAP: dict[str, tuple[str, str]] = {t: (" ", " ") for t in _BLOCK}
_FLAT_WRAP.update({"quote": ("\u201c", "\u201d"), "term": ("\u201c", "\u201d"),
                   "quoted-block": (" \u201c", "\u201d ")})
_NO_WRAP = ("", "")


def _flat_fast(el, out: list[str]) -> None:
    """``_flat(el, out)``, with its children that have no child elements written inline (a real
    bill's <text> holds many <quote>, <external-xref>, <term> leaves) instead of one call each."""
    tag = el.tag
    if not isinstance(tag, str) or tag == "toc":
        return
    before, after = _FLAT_WRAP.get(tag, _NO_WRAP)
    if before:
        out.append(before)
    if el.text:
        out.append(el.text)
    for c in el[:]:
        if len(c):
            _flat_fast(c, out)
        else:
            ctag = c.tag
            if isinstance(ctag, str) and ctag != "toc":
                b, a = _FLAT_WRAP.get(ctag, _NO_WRAP)
                t = c.text
                if b:
                    out.append(b)
                if t:
                    out.append(t)
                if a:
                    out.append(a)
        t = c.tail
        if t:
            out.append(t)
    if after:
        out.append(after)


def _flat_text_fast(el) -> str:
    out: list[str] = []
    _flat_fast(el, out)
    return _clean("".join(out))


def _open_provision(el, kind: str, enum: str | None, header: str | None, parent: Provision,
                    parent_path: str) -> tuple[str, str, Provision]:
    """(enum, path, Provision) of the provision element ``el`` when its first child provision needs
    it as parent: the enum seen so far, or ``el``'s first <enum> (as ``_fill`` finds it); the header
    seen so far ("" if none yet; a later <header> is set at the end)."""
    if enum is None:
        e = el.find("enum")
        enum = _enum_text(e) if e is not None else ""
    path = _path(kind, enum, parent_path)
    return enum, path, _new_provision(kind, enum, header or "", path, "", parent)


def _build_fast(el, kind: str, parent: Provision, parent_path: str) -> None:
    """The provision element ``el`` -> a Provision appended to ``parent.children``: :func:`_fill`'s
    provision branch (enum and header are ``el``'s first <enum>/<header> children, flattened; own
    text is the flattened text of its other non-provision children).

    The usual children (<enum>, <header>, <text> without child elements, child provisions) are
    handled in one loop over the children (the pure-Python path, where the C walk is not built);
    whitespace is normalised by :func:`_clean`. Anything else goes through :func:`_flat_fast` or the
    reference functions. The Provision is built (see :func:`_new_provision`) when its first child provision
    needs it as parent (the path needs the enum: if no <enum> was seen yet, the first one is looked
    up, as ``_fill`` does), else at the end with its text."""
    enum = header = p = path = None
    own1 = None  # the only own-text piece so far: text of a childless <text> (block: spaces around)
    own = None  # the own-text pieces once there are several, or any other kind
    for c in el[:]:  # (one C-level list of the children: cheaper than the child iterator)
        tag = c.tag
        if tag == "enum":
            if enum is None:
                enum = _enum_text(c)
        elif tag == "text":
            t = c.text
            if len(c):
                if own is None:
                    own = [] if own1 is None else [" ", own1, " "]
                _flat_fast(c, own)
            elif own is None and own1 is None:
                own1 = t or ""
            else:
                if own is None:
                    own = [" ", own1, " "]
                own += (" ", t or "", " ")
        elif tag == "header":
            if header is None:
                header = _field_text(c)
        elif tag in _PROV:
            if p is None:
                enum, path, p = _open_provision(el, kind, enum, header, parent, parent_path)
            _build_fast(c, tag, p, path)
        elif tag in _SKIP or not isinstance(tag, str):
            continue
        else:
            if own is None:
                own = [] if own1 is None else [" ", own1, " "]
            if tag in _TEXTLIKE:
                _flat_fast(c, own)
            elif tag in _TRANSPARENT or _has_provision(c):
                if p is None:
                    enum, path, p = _open_provision(el, kind, enum, header, parent, parent_path)
                _fill_fast(c, p, own, path)
            else:
                _flat_fast(c, own)
    if own is not None:
        text = _clean("".join(own))
    elif own1:
        text = _clean(own1)
    else:
        text = ""
    if p is None:
        enum = enum or ""
        _new_provision(kind, enum, header or "", _path(kind, enum, parent_path), text, parent)
    else:
        if header is not None:
            p.header = header  # (a <header> after the first child provision)
        p.text = text


def _fill_fast(el, prov: Provision, own: list[str], path: str) -> None:
    """:func:`_fill` for an element that only wraps provisions (the bill body, <amendment-block>,
    an unknown element holding provisions): its enum/header children are skipped."""
    for c in el[:]:  # (one C-level list of the children: cheaper than the child iterator)
        tag = c.tag
        if tag in _PROV:
            _build_fast(c, tag, prov, path)
        elif tag == "enum" or tag == "header" or tag in _SKIP or not isinstance(tag, str):
            continue
        elif tag in _TEXTLIKE:
            _flat_fast(c, own)
        elif tag in _TRANSPARENT or _has_provision(c):
            _fill_fast(c, prov, own, path)
        else:
            _flat_fast(c, own)


# ----------------------------------------------------------------------------------------------
# native walk: the optional C extension tracker/diff/_ctree.c
#
# The same walk as :func:`_fill_fast` over libxml2's nodes, without an lxml proxy object per element
# (on an H.R. 1-size bill the proxies and their tag strings cost as much as libxml2's parse). It
# returns plain tuples (kind, enum, header, own text, child tuples); :func:`_adopt` turns them into
# Provisions here, so the rules for enums, paths and whitespace stay in this file. Used only when
# built (``pip install`` compiles it where a C compiler is present; see setup.py) for the lxml and
# libxml2 versions running; ``TRACKER_PURE_PYTHON=1`` turns it off. Tests check it builds exactly
# the reference walk's tree.


def _native_spec() -> list[tuple[str, int, int]]:
    """(tag, class, wrapper) for every tag the walk treats specially; classes in :func:`_fill`'s
    order of precedence (provision, enum/header, skipped, transparent, text), wrappers as
    :func:`_flat` writes them."""
    from tracker.diff import _ctree as c

    out = []
    for tag in sorted(PROVISION_KINDS | _SKIP | _TRANSPARENT | _TEXTLIKE | _BLOCK | {"quote", "term"}):
        if tag in PROVISION_KINDS:
            kind = c.K_PROV
        elif tag == "enum":
            kind = c.K_ENUM
        elif tag == "header":
            kind = c.K_HEADER
        elif tag == "toc":
            kind = c.K_TOC
        elif tag in _SKIP:
            kind = c.K_SKIP
        elif tag in _TRANSPARENT:
            kind = c.K_TRANSPARENT
        elif tag in _TEXTLIKE:
            kind = c.K_TEXTLIKE
        else:
            kind = c.K_OTHER
        before, _ = _FLAT_WRAP.get(tag, _NO_WRAP)
        wrap = {" ": c.W_BLOCK, "\u201c": c.W_QUOTE, " \u201c": c.W_QUOTED_BLOCK, "": c.W_NONE}[before]
        out.append((tag, kind, wrap))
    return out


def _load_native():
    """The configured C walk, or None (not built, other lxml/libxml2 versions, or turned off)."""
    from lxml import etree

    mod = native_module("tracker.diff._ctree")
    if mod is not None:
        mod.configure(etree._Element, _native_spec())
    return mod


_NATIVE = _load_native()


def _adopt(kids: list[tuple], parent: Provision, parent_path: str) -> None:
    """The C walk's provision tuples -> Provisions under ``parent`` (as :func:`_build_fast` builds
    them). enum/header/own text come back cleaned when ASCII, raw otherwise (then :func:`_clean`)."""
    for kind, enum, header, text, sub in kids:
        if enum:
            if not enum.isascii():
                enum = _clean(enum)
            if enum[-1:] == "." and enum[:1] != "(":
                enum = enum[:-1]
        else:
            enum = ""
        lab = _LABEL.get(kind)
        if lab is None:
            lab = enum or kind
        elif enum:
            lab = f"{lab} {enum}".strip()  # (as Provision.label: the enum may end in a space)
        p = _object_new(Provision)
        p.kind = kind
        p.enum = enum
        p.header = (header if header.isascii() else _clean(header)) if header else ""
        p.path = path = parent_path + " > " + lab if parent_path else lab
        p.text = (text if text.isascii() else _clean(text)) if text else ""
        p.children = []
        p.parent = parent
        parent.children.append(p)
        if sub:
            _adopt(sub, p, path)


# ----------------------------------------------------------------------------------------------
# metadata


def _ordinal_words(s: str) -> int | None:
    words = re.findall(r"[a-z]+", s.lower())
    total = 0
    seen = False
    for w in words:
        if w in ("congress", "of", "the", "united", "states", "america", "and"):
            if seen and w == "congress":
                break
            continue
        if w == "hundred":
            total = (total or 1) * 100
            seen = True
        elif w in _CARD:
            total += _CARD[w]
            seen = True
        elif w in _ORD_UNITS:
            total += _ORD_UNITS[w]
            seen = True
            break
        elif seen:
            break
    return total or None


def _congress_number(s: str) -> int | None:
    m = re.search(r"(\d{1,3})\s*(?:st|nd|rd|th)\b", s, re.I)
    if m:
        return int(m.group(1))
    m = re.search(r"\b(\d{1,3})\b", s)
    if m:
        return int(m.group(1))
    return _ordinal_words(s)


_BODY_TAGS = frozenset({"legis-body", "resolution-body", "engrossed-amendment-body", "amendment-body"})


def _iter_meta(root, tag: str):
    for top in root:
        if top.tag not in _BODY_TAGS:
            yield from top.iter(tag)


def _first(root, tag: str):
    """First ``tag`` element in document order outside the bill body (metadata lives in <form>,
    <metadata>, <attestation>, ...; searching the body of a 10 MB bill would cost a full-tree scan)."""
    for top in root:
        if top.tag in _BODY_TAGS:
            continue
        for el in top.iter(tag):
            return el
    return None


def _bill_id(root) -> str | None:
    ln = _first(root, "legis-num")
    cg = _first(root, "congress")
    if ln is None or cg is None:
        return None
    num = _flat_text(ln)
    m = re.match(r"^(.*?)(\d{1,6})\s*$", num)
    if not m:
        return None
    congress = _congress_number(_flat_text(cg))
    if congress is None:
        return None
    try:
        return make_bill_id(m.group(1), int(m.group(2)), congress)
    except ValueError:
        return None


def _version_code(root, bid: str | None) -> str | None:
    code = version_code_for_name(root.get("bill-stage"))
    if code:
        return code
    chamber_el = _first(root, "current-chamber")
    chamber = _flat_text(chamber_el).lower() if chamber_el is not None else ""
    in_senate = "senate" in chamber
    in_house = "house" in chamber
    if root.tag == "amendment-doc":
        if (root.get("amend-type") or "").lower() == "engrossed-amendment":
            if in_senate:
                return "eas"
            if in_house:
                return "eah"
        return None
    lt = _first(root, "legis-type")
    legis_type = _flat_text(lt).upper() if lt is not None else ""
    origin_house = bool(bid) and bid.startswith("h")
    if legis_type.startswith("A BILL") or legis_type.startswith("RESOLUTION") or legis_type.startswith("JOINT"):
        if in_house:
            return "ih"
        if in_senate:
            return "is"
    if legis_type.startswith("AN ACT"):
        if in_house:
            return "eh" if origin_house else "rfh"
        if in_senate:
            return "rfs" if origin_house else "es"
    return None


def _date(root) -> str | None:
    for tag in ("action-date", "attestation-date"):
        for el in _iter_meta(root, tag):
            d = (el.get("date") or "").strip()
            if re.fullmatch(r"\d{8}", d):
                return f"{d[:4]}-{d[4:6]}-{d[6:]}"
        if tag == "action-date":
            for el in _iter_meta(root, "{http://purl.org/dc/elements/1.1/}date"):
                d = (el.text or "").strip()
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d):
                    return d
    return None


def _official_title(root) -> str:
    ot = _first(root, "official-title")
    if ot is not None:
        return _flat_text(ot)
    if root.tag == "amendment-doc":
        # "That the bill from the House of Representatives (H.R. 1) entitled "An Act to ..." do pass ..."
        for sec in root.iter("section"):
            if sec.get("section-type") == "resolved":
                q = sec.find(".//quote")
                if q is not None:
                    t = _flat_text(q).strip("\u201c\u201d ")
                    t = re.sub(r"^An Act to ", "To ", t)
                    return t.rstrip(".,") + "." if t else ""
    return ""


# ----------------------------------------------------------------------------------------------


def _sections_of(root: Provision) -> list[Provision]:
    out: list[Provision] = []
    stack = [root]

    def rec(p: Provision) -> None:
        for c in p.children:
            if c.kind == "section":
                out.append(c)
            elif c.kind in CONTAINER_KINDS:
                rec(c)

    rec(stack[0])
    return out


def parse_bill_text(body: bytes, url: str | None = None, *, _reference: bool = False,
                    _native: bool = True) -> BillText:
    """Parse GPO bill-text XML into a :class:`BillText`. Raises :class:`BillTextError` (one line).

    ``_reference=True`` (tests only) builds the tree with the slow per-element Python walk that the
    fast walks must reproduce exactly; ``_native=False`` (tests only) uses the pure-Python fast walk
    even where the C walk is built."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        root = parse_xml(body)
    except UnsafeOrMalformedXML as exc:
        raise BillTextError(f"not bill text: {exc}") from None
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == "bill":
        doc_type = "bill"
        bodies = [el for el in root if el.tag == "legis-body"]
        if not bodies:
            raise BillTextError("not bill text: <bill> has no <legis-body> (truncated or not a GPO bill)")
    elif tag == "resolution":
        doc_type = "resolution"
        bodies = [el for el in root if el.tag in ("resolution-body", "legis-body")]
        if not bodies:
            raise BillTextError("not bill text: <resolution> has no <resolution-body>")
    elif tag == "amendment-doc":
        doc_type = "amendment-doc"
        bodies = list(root.iter("amendment-block"))
        if not bodies:
            raise BillTextError("not bill text: <amendment-doc> has no <amendment-block> with bill text")
    else:
        raise BillTextError(
            f"not bill text: root element <{tag or '?'}> (expected <bill>, <resolution> or <amendment-doc>)"
        )
    bid = _bill_id(root)
    code = _version_code(root, bid)
    top = Provision(kind="body", header=_official_title(root))
    own: list[str] = []
    if _reference:
        for b in bodies:
            _fill(b, top, own, "")
        top.text = _norm("".join(own))
    else:
        # ~10k small linked objects: the cyclic GC would rescan them several times while they are built
        gc_was = gc.isenabled()
        gc.disable()
        try:
            if _NATIVE is not None and _native:
                for b in bodies:
                    kids, text = _NATIVE.fill(b)
                    _adopt(kids, top, "")
                    own.append(text)  # (raw: cleaned below)
            else:
                for b in bodies:
                    _fill_fast(b, top, own, "")
        finally:
            if gc_was:
                gc.enable()
        top.text = _clean("".join(own))
    sections = _sections_of(top)
    if not sections and not top.text and not top.children:
        raise BillTextError("not bill text: the document body holds no provisions or text")
    if not sections:
        # A body without <section>s (some resolutions): treat the whole body as one section so that
        # versions can still be compared.
        sec = Provision(kind="section", enum="", header="", path="Text", text=top.full_text, parent=top)
        sections = [sec]
    return BillText(
        bill_id=bid,
        version_code=code,
        stage=STAGE_NAMES.get(code or "", None) if code else (root.get("bill-stage") or None),
        date=_date(root),
        official_title=top.header,
        doc_type=doc_type,
        root=top,
        sections=sections,
        url=url,
    )
