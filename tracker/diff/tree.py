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

from lxml import etree

from tracker.ids import bill_id as make_bill_id, version_code_for_name
from tracker.xmlsafe import UnsafeOrMalformedXML, parse_xml


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
# fast path: one libxslt pass (C) flattens the whole body into a marked-up string
#
# The stylesheet applies exactly the rules of :func:`_fill` / :func:`_flat` above (which stay as the
# reference implementation, and the fallback): a provision becomes START kind SEP enum SEP header SEP
# ...own text and child provisions... END; text elements are flattened with spaces at block
# boundaries and curly quotes around <quote>/<term>/<quoted-block>; <toc> and the other _SKIP
# elements vanish. Python then only normalises whitespace with C string calls and splits the string:
# no per-element Python work (tests check the result equals the reference walk on every real file).
# libxslt's translate() costs ~25x the whole transform, so whitespace is handled in Python.

_START, _SEP, _END = "\ue000", "\ue001", "\ue002"


def _xsl_names(names) -> str:
    return "|".join(sorted(names))


def _make_xslt() -> etree.XSLT:
    prov = _xsl_names(PROVISION_KINDS)
    any_prov = " or ".join(f"self::{k}" for k in sorted(PROVISION_KINDS))
    textlike = _xsl_names(_TEXTLIKE)
    skip_fill = _xsl_names(_SKIP)  # includes enum and header
    trans = _xsl_names(_TRANSPARENT)
    block = _xsl_names(_BLOCK - {"quoted-block"})
    xsl = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:param name="bodies" select="'bill'"/>
<xsl:template match="/">
  <xsl:choose>
    <xsl:when test="$bodies = 'bill'"><xsl:apply-templates select="/*/legis-body" mode="fill-in"/></xsl:when>
    <xsl:when test="$bodies = 'resolution'"><xsl:apply-templates select="/*/resolution-body|/*/legis-body" mode="fill-in"/></xsl:when>
    <xsl:otherwise><xsl:apply-templates select="//amendment-block" mode="fill-in"/></xsl:otherwise>
  </xsl:choose>
</xsl:template>
<xsl:template match="*" mode="fill-in"><xsl:apply-templates select="*" mode="fill"/></xsl:template>
<xsl:template match="{prov}" mode="fill">&#xE000;<xsl:value-of select="local-name()"/>&#xE001;<xsl:apply-templates select="enum[1]" mode="flat"/>&#xE001;<xsl:apply-templates select="header[1]" mode="flat"/>&#xE001;<xsl:apply-templates select="*" mode="fill"/>&#xE002;</xsl:template>
<xsl:template match="{skip_fill}" mode="fill"/>
<xsl:template match="{trans}" mode="fill"><xsl:apply-templates select="*" mode="fill"/></xsl:template>
<xsl:template match="{textlike}" mode="fill"><xsl:apply-templates select="." mode="flat"/></xsl:template>
<xsl:template match="*" mode="fill"><xsl:choose>
  <xsl:when test="descendant::*[{any_prov}][not(ancestor::quoted-block)]"><xsl:apply-templates select="*" mode="fill"/></xsl:when>
  <xsl:otherwise><xsl:apply-templates select="." mode="flat"/></xsl:otherwise>
</xsl:choose></xsl:template>
<xsl:template match="toc" mode="flat"/>
<xsl:template match="quote|term" mode="flat">&#x201C;<xsl:apply-templates mode="flat"/>&#x201D;</xsl:template>
<xsl:template match="quoted-block" mode="flat"><xsl:text> </xsl:text>&#x201C;<xsl:apply-templates mode="flat"/>&#x201D;<xsl:text> </xsl:text></xsl:template>
<xsl:template match="{block}" mode="flat"><xsl:text> </xsl:text><xsl:apply-templates mode="flat"/><xsl:text> </xsl:text></xsl:template>
<xsl:template match="*" mode="flat"><xsl:apply-templates mode="flat"/></xsl:template>
</xsl:stylesheet>"""
    # the stylesheet is our own constant text; the XSLT access control forbids any file/network access
    ac = etree.XSLTAccessControl.DENY_ALL
    return etree.XSLT(etree.XML(xsl), access_control=ac)


_XSLT: etree.XSLT | None = None


class _MarkerClash(Exception):
    pass


def _clean(t: str) -> str:
    """``_norm`` for one piece of the XSLT output (newlines, tabs and CRs already turned into " ").

    An ASCII piece can hold no other whitespace (XML allows no other ASCII control character) and
    no curly quote, so strip + rare runs of spaces is all it needs; ``str.isascii`` is O(1). Any other
    piece is split on every Unicode whitespace character (what ``\\s`` matches) and joined again."""
    if t.isascii():
        t = t.strip()
        if "  " in t:
            t = " ".join(t.split())
        return t
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


def _fill_fast(root, doc_type: str, top: Provision) -> None:
    """Build ``top``'s provision tree from one XSLT pass (see above)."""
    global _XSLT
    if _XSLT is None:
        _XSLT = _make_xslt()
    res = _XSLT(root.getroottree(), bodies=etree.XSLT.strparam(doc_type))
    # (searching the decoded str is ~10x faster than multi-byte needles in the UTF-8 bytes)
    flat = str(res)
    n = flat.count(_START)
    if flat.count(_END) != n or flat.count(_SEP) != 3 * n:
        # the document's own text holds our private-use marker characters: use the reference walk
        raise _MarkerClash
    # newlines/tabs/CRs -> " " (C-level replace); other whitespace and runs of spaces are handled per
    # piece by _clean
    if "\n" in flat:
        flat = flat.replace("\n", " ")
    if "\t" in flat:
        flat = flat.replace("\t", " ")
    if "\r" in flat:
        flat = flat.replace("\r", " ")
    chunks = flat.split(_START)
    stack: list[Provision] = [top]
    owns: list[list[str]] = [[chunks[0]]]
    kind_label = _KIND_LABEL
    clean = _clean
    prov = Provision
    SEP = _SEP
    END = _END
    for chunk in chunks[1:]:
        kind, enum, header, rest = chunk.split(SEP, 3)
        if enum:
            enum = clean(enum)
            if enum.endswith(".") and not enum.startswith("("):
                enum = enum[:-1]
        if header:
            header = clean(header)
        parent = stack[-1]
        lab = kind_label.get(kind)
        if lab is None:
            lab = enum or kind
        elif enum:
            lab = lab + " " + enum
        pp = parent.path
        p = prov(kind, enum, header, pp + " > " + lab if pp else lab, "", [], parent)
        parent.children.append(p)
        if END not in rest:
            stack.append(p)
            owns.append([rest])
            continue
        segs = rest.split(END)
        t = segs[0]
        if t:
            p.text = clean(t)
        # segs[1] follows p's END: text of the provision now innermost; each further END closes that one
        if segs[1] and segs[1] != " ":
            owns[-1].append(segs[1])
        for seg in segs[2:]:
            q = stack.pop()
            q.text = _own_join(owns.pop())
            if seg and seg != " ":
                owns[-1].append(seg)
    while len(stack) > 1:  # cannot happen (markers are balanced, checked above); never loop forever
        q = stack.pop()
        q.text = _own_join(owns.pop())
    top.text = _own_join(owns[0])


def _own_join(parts: list[str]) -> str:
    if not parts:
        return ""
    if len(parts) == 1:
        return _clean(parts[0])
    return _clean(" ".join(parts))


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


def parse_bill_text(body: bytes, url: str | None = None, *, _reference: bool = False) -> BillText:
    """Parse GPO bill-text XML into a :class:`BillText`. Raises :class:`BillTextError` (one line).

    ``_reference=True`` (tests only) builds the tree with the slow per-element Python walk that the
    XSLT fast path must reproduce exactly."""
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
    fast = not _reference
    if fast:
        # ~10k small linked objects: the cyclic GC would rescan them several times while they are built
        gc_was = gc.isenabled()
        gc.disable()
        try:
            _fill_fast(root, doc_type, top)
        except (_MarkerClash, ValueError):
            top = Provision(kind="body", header=top.header)
            fast = False
        finally:
            if gc_was:
                gc.enable()
    if not fast:
        own: list[str] = []
        for b in bodies:
            _fill(b, top, own, "")
        top.text = _norm("".join(own))
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
