"""Parser tests: hand-made fixtures in the GPO format, the real H.R. 1 versions, malformed input."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from tracker.diff import BillTextError, parse_bill_text
from tracker.xmlsafe import parse_xml

OWN = Path(__file__).parent / "fixtures" / "bill_text"
REAL = Path(__file__).parents[1].parent / "shared" / "fixtures" / "bill_text"


def real(name: str) -> bytes:
    p = REAL / name
    if not p.exists():
        pytest.skip(f"real fixture {p} not found (../shared/fixtures is absent)")
    return p.read_bytes()


@lru_cache(maxsize=None)
def parsed(name: str):
    return parse_bill_text(real(name))


def own(name: str):
    return parse_bill_text((OWN / name).read_bytes())


# ---------------------------------------------------------------------------------------- own


def test_own_bill_metadata_from_document_not_dc_title():
    bt = own("BILLS-119hr9999ih.xml")
    assert bt.bill_id == "hr9999-119"
    assert bt.version_code == "ih"
    assert bt.stage == "Introduced in House"
    assert bt.date == "2025-03-04"
    assert bt.official_title.startswith("To provide for widgets")
    assert bt.doc_type == "bill"
    eh = own("BILLS-119hr9999eh.xml")  # dc:title says "101 HR 9999 EH: Some Other Title Entirely"
    assert (eh.bill_id, eh.version_code, eh.date) == ("hr9999-119", "eh", "2025-04-10")


def test_own_bill_tree_paths_quoted_blocks_and_toc():
    bt = own("BILLS-119hr9999ih.xml")
    assert [s.path for s in bt.sections] == [
        "Sec. 1", "Title I > Sec. 101", "Title I > Sec. 102", "Title I > Sec. 103",
        "Title II > Sec. 201", "Title II > Sec. 202",
    ]
    assert [s.enum for s in bt.sections] == ["1", "101", "102", "103", "201", "202"]
    s103 = bt.sections[3]
    # the quoted block's inner "section 502" is text of sec. 103, not a section of the bill
    assert s103.children == []
    assert "the following: \u201c502. Annual report Not later than 1 year" in s103.text
    assert s103.text.endswith("produced in each State.\u201d.")
    assert "502" not in [s.enum for s in bt.sections]
    # the table of contents is not text
    s1 = bt.sections[0]
    assert "Sec. 101. Appropriation" not in s1.full_text
    assert [c.enum for c in s1.children] == ["(a)", "(b)"]
    assert s1.children[1].path == "Sec. 1 > (b)"
    d = bt.sections[2]
    assert d.kind == "section" and d.header == "Definitions"
    assert [(c.kind, c.enum, c.header) for c in d.children] == [("paragraph", "(1)", "Widget"),
                                                                ("paragraph", "(2)", "Secretary")]
    assert d.children[0].path == "Title I > Sec. 102 > (1)"
    assert d.container.kind == "title" and d.container.header == "Widgets"
    # <term> is printed in curly quotes, as GPO prints it
    assert "(1) Widget The term \u201cwidget\u201d means" in d.full_text


def test_own_amendment_doc_parses_into_same_tree():
    eas = own("BILLS-119hr9999eas.xml")
    eh = own("BILLS-119hr9999eh.xml")
    assert eas.doc_type == "amendment-doc"
    assert (eas.bill_id, eas.version_code, eas.date) == ("hr9999-119", "eas", "2025-05-20")
    assert eas.official_title == eh.official_title
    assert [s.path for s in eas.sections] == [s.path for s in eh.sections]
    # the "resolved" preamble is not a provision
    assert all("do pass with the following" not in s.full_text for s in eas.sections)


def test_hr815_pair():
    ih = parse_bill_text(real("hr815_118/BILLS-118hr815ih.xml"))
    eh = parse_bill_text(real("hr815_118/BILLS-118hr815eh.xml"))
    assert (ih.bill_id, ih.version_code, ih.date) == ("hr815-118", "ih", "2023-02-02")
    assert (eh.bill_id, eh.version_code, eh.date) == ("hr815-118", "eh", "2023-03-07")
    assert [s.enum for s in ih.sections] == ["1", "2"]
    assert [s.enum for s in eh.sections] == ["1", "2", "3"]
    assert eh.sections[2].header == "Modification of certain housing loan fees"


# ---------------------------------------------------------------------------------------- real


def _independent_section_count(body: bytes) -> int:
    """Count <section> elements with XPath (not our walker): outside quoted blocks and tocs, and for an
    amendment-doc only inside the amendment-block."""
    root = parse_xml(body)
    xp = "//section[not(ancestor::quoted-block) and not(ancestor::toc)]"
    if root.tag == "amendment-doc":
        xp = "//amendment-block//section[not(ancestor::quoted-block) and not(ancestor::toc)]"
    return len(root.xpath(xp))


@pytest.mark.parametrize("name,count,first,last", [
    ("BILLS-119hr1eh.xml", 334, ("1", "Short title"), ("113001", "Modification of limitation on the public debt")),
    ("BILLS-119hr1eas.xml", 310, ("1", "Table of contents"), ("100205", "Limitations on claims")),
    ("BILLS-119hr1enr.xml", 310, ("1", "Table of contents"), ("100205", "Limitations on claims")),
])
def test_real_section_counts(name, count, first, last):
    body = real(name)
    bt = parsed(name)
    assert len(bt.sections) == count == _independent_section_count(body)
    assert (bt.sections[0].enum, bt.sections[0].header) == first
    assert (bt.sections[-1].enum, bt.sections[-1].header) == last
    assert bt.bill_id == "hr1-119"
    # no section of amended law (quoted blocks) leaked in: enums are unique
    assert len({s.enum for s in bt.sections}) == count


def test_real_metadata():
    eh, eas, enr = parsed("BILLS-119hr1eh.xml"), parsed("BILLS-119hr1eas.xml"), parsed("BILLS-119hr1enr.xml")
    assert (eh.version_code, eh.doc_type, eh.date) == ("eh", "bill", "2025-05-22")
    assert (eas.version_code, eas.doc_type, eas.date) == ("eas", "amendment-doc", "2025-07-01")
    assert (enr.version_code, enr.doc_type) == ("enr", "bill")  # enrolled congress is spelled out in words
    title = "To provide for reconciliation pursuant to title II of H. Con. Res. 14."
    assert eh.official_title == eas.official_title == enr.official_title == title
    assert "FEHB" not in eas.official_title


def test_real_paths_and_same_tree_kind():
    eh, eas, enr = parsed("BILLS-119hr1eh.xml"), parsed("BILLS-119hr1eas.xml"), parsed("BILLS-119hr1enr.xml")
    by = {s.enum: s for s in eh.sections}
    assert by["10001"].path == "Title I > Subtitle A > Sec. 10001"
    assert by["43201"].path == "Title IV > Subtitle C > Part 2 > Sec. 43201"
    assert by["44101"].path.startswith("Title IV > Subtitle D > Part 1 > Subpart A > Sec. 44101")
    assert by["113001"].path == "Title XI > Subtitle D > Sec. 113001"
    sby = {s.enum: s for s in eas.sections}
    assert sby["72001"].path == "Title VII > Subtitle C > Sec. 72001"
    assert sby["70311"].path == "Title VII > Subtitle A > Chapter 3 > Subchapter B > Part I > Sec. 70311"
    assert [s.path for s in eas.sections] == [s.path for s in enr.sections]
    assert [s.full_text for s in eas.sections] == [s.full_text for s in enr.sections]
    for bt in (eh, eas):
        kinds = {p.kind for s in bt.sections for p in s.walk()}
        assert kinds <= {"section", "subsection", "paragraph", "subparagraph", "clause", "subclause", "item",
                         "subitem"}
        assert bt.root.kind == "body"
    # the table of contents is not provision text
    assert "Sec. 10002. Able bodied" not in eh.sections[1].full_text


def test_real_text_amounts():
    eh, eas = parsed("BILLS-119hr1eh.xml"), parsed("BILLS-119hr1eas.xml")
    assert "is increased by $4,000,000,000,000" in eh.sections[-1].full_text
    assert "is increased by $5,000,000,000,000" in {s.enum: s for s in eas.sections}["72001"].full_text


# ---------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("frac", [0.0005, 0.1, 0.5, 0.9, 0.99999])
def test_truncated_real_file_raises(frac):
    body = real("BILLS-119hr1eh.xml")
    cut = body[: max(1, int(len(body) * frac))]
    with pytest.raises(BillTextError) as ei:
        parse_bill_text(cut)
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith("not bill text")


@pytest.mark.parametrize("body,needle", [
    (b"", "empty"),
    (b"   ", "empty"),
    (b"<html><body><p>Bill</p></body></html>", "root element <html>"),
    (b"<!DOCTYPE html><html><head><title>x</title></head><body><p>unclosed</body></html>", "malformed"),
    (b"<?xml version='1.0'?><rollcall-vote><vote-metadata/></rollcall-vote>", "root element <rollcall-vote>"),
    (b"<bill><form><legis-num>H. R. 1</legis-num></form></bill>", "no <legis-body>"),
    (b"<amendment-doc><engrossed-amendment-body/></amendment-doc>", "no <amendment-block>"),
    (b"<bill><legis-body></legis-body></bill>", "no provisions"),
    (b"not xml at all", "malformed"),
    (b'<?xml version="1.0"?><!DOCTYPE bill [<!ENTITY a "aaaa">]><bill>&a;</bill>', "entities"),
])
def test_not_bill_text_raises(body, needle):
    with pytest.raises(BillTextError) as ei:
        parse_bill_text(body)
    assert needle in str(ei.value)
    assert isinstance(ei.value, ValueError)


# ---------------------------------------------------------------------------------------- fast path


def _tree_signature(bt):
    return [(p.kind, p.enum, p.header, p.path, p.text, len(p.children)) for p in bt.root.walk()]


@pytest.mark.parametrize("name", [
    "BILLS-119hr1eh.xml", "BILLS-119hr1eas.xml", "BILLS-119hr1enr.xml",
    "hr815_118/BILLS-118hr815ih.xml", "hr815_118/BILLS-118hr815eh.xml",
])
def test_fast_parse_equals_reference_walk_real(name):
    """The one-pass XSLT parser builds exactly the tree of the per-element reference walk."""
    body = real(name)
    fast, ref = parse_bill_text(body), parse_bill_text(body, _reference=True)
    assert _tree_signature(fast) == _tree_signature(ref)
    assert (fast.bill_id, fast.version_code, fast.date, fast.official_title) == \
        (ref.bill_id, ref.version_code, ref.date, ref.official_title)


@pytest.mark.parametrize("name", ["BILLS-119hr9999ih.xml", "BILLS-119hr9999eh.xml", "BILLS-119hr9999eas.xml"])
def test_fast_parse_equals_reference_walk_own(name):
    body = (OWN / name).read_bytes()
    assert _tree_signature(parse_bill_text(body)) == _tree_signature(parse_bill_text(body, _reference=True))


def test_marker_characters_in_document_text_fall_back_safely():
    """Text holding the private-use characters the fast path uses as markers cannot forge structure."""
    body = (OWN / "BILLS-119hr9999ih.xml").read_bytes()
    forged = body.replace(b"for general purposes", b"for &#xE000;section&#xE001;9&#xE001;x&#xE001; purposes", 1)
    assert forged != body
    bt = parse_bill_text(forged)
    assert [s.enum for s in bt.sections] == ["1", "101", "102", "103", "201", "202"]
    assert _tree_signature(bt) == _tree_signature(parse_bill_text(forged, _reference=True))


def test_unicode_spaces_and_newlines_normalised():
    body = (b'<bill bill-stage="Introduced-in-House"><form><congress>119th CONGRESS</congress>'
            b'<legis-num>H. R. 5</legis-num></form><legis-body><section><enum>1.</enum>'
            b'<header>Short\n   title</header><text>This Act\xe2\x80\x82may be cited as the '
            b'<quote>  Widget\tAct </quote>.</text></section></legis-body></bill>')
    bt = parse_bill_text(body)
    s = bt.sections[0]
    assert (s.enum, s.header, s.text) == ("1", "Short title", "This Act may be cited as the \u201cWidget Act\u201d.")
    assert _tree_signature(bt) == _tree_signature(parse_bill_text(body, _reference=True))


# ---------------------------------------------------------------------------------------- native walk
#
# tracker/diff/_ctree.c (optional, built by pip where a C compiler is present) must build exactly
# the reference walk's tree, like the pure-Python fast walk.

from tracker.diff import tree as _tree  # noqa: E402


def _native_or_skip():
    if _tree._NATIVE is None:
        pytest.skip("the C walk tracker/diff/_ctree.c is not built here (or TRACKER_PURE_PYTHON is set)")


def test_native_walk_is_built_where_a_compiler_is():
    """CI installs with a compiler: a silently failed optional build would leave the slow walk."""
    import os
    import shutil

    if os.environ.get("TRACKER_PURE_PYTHON"):
        pytest.skip("TRACKER_PURE_PYTHON is set")
    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler on this machine: the pure-Python walk is the one installed")
    assert _tree._NATIVE is not None, "tracker/diff/_ctree.c was not built by the install (pip install -e .)"


def _three_ways(body: bytes):
    native = parse_bill_text(body)
    python = parse_bill_text(body, _native=False)
    ref = parse_bill_text(body, _reference=True)
    return native, python, ref


@pytest.mark.parametrize("name", [
    "BILLS-119hr1eh.xml", "BILLS-119hr1eas.xml", "BILLS-119hr1enr.xml",
    "hr815_118/BILLS-118hr815ih.xml", "hr815_118/BILLS-118hr815eh.xml",
])
def test_native_walk_equals_reference_real(name):
    _native_or_skip()
    native, python, ref = _three_ways(real(name))
    assert _tree_signature(native) == _tree_signature(ref) == _tree_signature(python)
    assert native.root.text == ref.root.text
    assert [s.full_text for s in native.sections] == [s.full_text for s in ref.sections]


@pytest.mark.parametrize("name", ["BILLS-119hr9999ih.xml", "BILLS-119hr9999eh.xml", "BILLS-119hr9999eas.xml"])
def test_native_walk_equals_reference_own(name):
    _native_or_skip()
    native, python, ref = _three_ways((OWN / name).read_bytes())
    assert _tree_signature(native) == _tree_signature(ref) == _tree_signature(python)


# Pieces of random documents: every rule of the walk (provisions, enum/header first-of, skipped,
# transparent and text-like elements, unknown wrappers with and without provisions, quoted blocks
# holding sections, <toc>, namespaced elements, CDATA, comments, processing
# instructions, tabs/CR/LF/double spaces, Unicode spaces and curly quotes, enums ending in " .").
_LEAF_TEXTS = ["plain words", "  padded\ttext\r\nover lines  ", "caf\u00e9 \u201cquoted\u201d", "a\u2002b\u00a0c",
               "", " ", "5 .", "(a)", "x  y", "\u201c lead", "tail \u201d .", "$1,000,000", "&amp; more",
               "<![CDATA[raw <cdata> & text]]>", "\u00e9\t\u00e9", "\u3000wide\u3000"]
_PROV = ["section", "subsection", "paragraph", "subparagraph", "clause", "title", "subtitle", "part", "division"]
_OTHER = ["text", "continuation-text", "quote", "term", "proviso", "toc", "pagebreak", "amendment-instruction",
          "after-quoted-block", "table", "entry", "external-xref", "italic", "metadata", "form", "legis-comment",
          "appropriations-small", "amendment-block", "list", "list-item", "header-in-text", "enum-in-header"]


def _rand_node(rng, depth: int) -> str:
    t = rng.random()
    if depth <= 0 or t < 0.25:
        return rng.choice(_LEAF_TEXTS)
    if t < 0.30:
        return "<!-- a comment -->" if rng.random() < 0.5 else "<?pi data?>"
    if t < 0.33:
        tag = rng.choice(["section", "text", "enum"])
        return f'<x:{tag} xmlns:x="urn:x"><enum>9</enum>{rng.choice(_LEAF_TEXTS)}</x:{tag}>'
    if t < 0.55:
        tag = rng.choice(_PROV)
    elif t < 0.62:
        tag = rng.choice(["enum", "header"])
    elif t < 0.68:
        tag = "quoted-block"
    else:
        tag = rng.choice(_OTHER)
    inner = "".join(_rand_node(rng, depth - 1) for _ in range(rng.randint(0, 4)))
    if tag in _PROV and rng.random() < 0.8:
        head = f"<enum>{rng.choice(_LEAF_TEXTS)}</enum>" if rng.random() < 0.85 else ""
        head += f"<header>{rng.choice(_LEAF_TEXTS)}</header>" if rng.random() < 0.7 else ""
        inner = head + inner
    return f"<{tag}>{inner}</{tag}>{rng.choice(_LEAF_TEXTS) if rng.random() < 0.3 else ''}"


def _rand_bill(seed: int) -> bytes:
    import random

    rng = random.Random(seed)
    root = rng.choice(["bill", "resolution", "amendment-doc"])
    body = "".join(_rand_node(rng, 5) for _ in range(rng.randint(2, 6)))
    wrapper = {"bill": "legis-body", "resolution": "resolution-body", "amendment-doc": "amendment-block"}[root]
    if root == "amendment-doc":
        body = f"<engrossed-amendment-body><section><enum>1</enum>x</section><amendment><{wrapper}>{body}" \
               f"</{wrapper}></amendment></engrossed-amendment-body>"
    else:
        body = f"<{wrapper}>{body}</{wrapper}>"
    doctype = f'<!DOCTYPE {root} PUBLIC "-//US Congress//DTDs/bill.dtd//EN" "bill.dtd">' if rng.random() < 0.5 else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<{root}><form><congress>119th CONGRESS</congress>'
            f"<legis-num>H. R. {seed % 9000 + 1}</legis-num></form>{body}</{root}>").encode()


def test_native_walk_equals_reference_on_random_documents():
    _native_or_skip()
    compared = 0
    for seed in range(600):
        body = _rand_bill(seed)
        try:
            ref = parse_bill_text(body, _reference=True)
        except BillTextError:
            with pytest.raises(BillTextError):
                parse_bill_text(body)
            continue
        native, python = parse_bill_text(body), parse_bill_text(body, _native=False)
        assert _tree_signature(native) == _tree_signature(ref), f"seed {seed}: {body[:300]!r}"
        assert _tree_signature(python) == _tree_signature(ref), f"seed {seed}"
        assert native.root.text == ref.root.text, f"seed {seed}"
        compared += 1
    assert compared > 450  # the generator makes mostly readable bills


def test_native_walk_refuses_other_objects():
    _native_or_skip()
    with pytest.raises(TypeError):
        _tree._NATIVE.fill("not an element")
