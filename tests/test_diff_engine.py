"""Diff engine on hand-made versions in the GPO format: every change type, exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.diff import diff_versions, extract_numbers, parse_bill_text
from tracker.diff.numbers import pair_numbers, tokenize

OWN = Path(__file__).parent / "fixtures" / "bill_text"


def own(code: str):
    return parse_bill_text((OWN / f"BILLS-119hr9999{code}.xml").read_bytes())


@pytest.fixture(scope="module")
def ih_eh():
    return diff_versions(own("ih"), own("eh"))


def by_change(res, kind):
    return [c for c in res.changes if c.change == kind]


def test_summary(ih_eh):
    assert ih_eh.summary == {"removed": 1, "added": 1, "modified": 2, "moved": 1, "unchanged": 2}


def test_removed_and_added(ih_eh):
    (rem,) = by_change(ih_eh, "removed")
    assert (rem.old.enum, rem.old.header, rem.new) == ("202", "Repeal of obsolete gadget program", None)
    (add,) = by_change(ih_eh, "added")
    assert (add.old, add.new.enum, add.new.header) == (None, "2102", "Pilot program for sprockets")
    assert add.new.path == "Title II > Sec. 2102"


def test_modified_amount(ih_eh):
    mod = {c.old.enum: c for c in by_change(ih_eh, "modified")}
    c = mod["101"]
    assert c.new.enum == "1101"
    assert c.numbers == [("$1,000,000", "$2,000,000")]
    assert 0.9 < c.similarity < 1.0
    assert [d["change"] for d in c.details] == ["modified"]


def test_sub_provisions_removed_and_added_inside_modified(ih_eh):
    mod = {c.old.enum: c for c in by_change(ih_eh, "modified")}
    c = mod["201"]
    assert c.numbers == []
    got = sorted((d["change"], d["enum"], d["header"]) for d in c.details)
    # (c) "Report" was relettered (b) with the same text: not a change
    assert got == [("added", "(c)", "Public availability"), ("removed", "(b)", "Consultation")]
    rem = [d for d in c.details if d["change"] == "removed"][0]
    assert rem["path"] == "Title II > Sec. 201 > (b)"
    assert rem["excerpt"].startswith("Consultation In conducting the study")


def test_moved_same_text(ih_eh):
    (mv,) = by_change(ih_eh, "moved")
    assert (mv.old.path, mv.new.path) == ("Title I > Sec. 103", "Title II > Sec. 2103")
    assert mv.similarity == 1.0 and mv.details == [] and mv.numbers == []


def test_renumbered_only_is_unchanged(ih_eh):
    listed = {c.old.enum for c in ih_eh.changes if c.old is not None}
    assert "102" not in listed  # Definitions: 102 -> 1102, same text
    assert "1" not in listed


def test_json_shape(ih_eh):
    j = ih_eh.to_json()
    json.dumps(j)
    assert set(j) == {"old", "new", "summary", "changes"}
    assert j["old"] == {"bill_id": "hr9999-119", "version": "ih", "stage": "Introduced in House",
                        "date": "2025-03-04", "sections": 6}
    assert j["new"]["version"] == "eh" and j["new"]["sections"] == 6
    assert set(j["summary"]) == {"removed", "added", "modified", "moved", "unchanged"}
    assert [c["change"] for c in j["changes"]] == ["removed", "added", "modified", "modified", "moved"]
    for c in j["changes"]:
        assert set(c) == {"change", "old", "new", "similarity", "numbers", "details"}
        assert 0.0 <= c["similarity"] <= 1.0
        for side in ("old", "new"):
            assert c[side] is None or set(c[side]) == {"enum", "header", "path"}
        for d in c["details"]:
            assert set(d) == {"change", "enum", "header", "path", "excerpt"}
    amt = [c for c in j["changes"] if c["numbers"]][0]
    assert amt["numbers"] == [{"old": "$1,000,000", "new": "$2,000,000"}]


def test_render_text(ih_eh):
    t = ih_eh.render_text()
    first = t.splitlines()[0]
    assert first == ("hr9999-119 ih 2025-03-04 -> hr9999-119 eh 2025-04-10: 1 removed, 1 added, 2 modified, "
                     "1 moved, 2 unchanged (6 -> 6 sections)")
    assert t.index("\nREMOVED (") < t.index("\nADDED (") < t.index("\nMODIFIED (") < t.index("\nMOVED (")
    assert "$1,000,000 -> $2,000,000" in t
    assert "Title II > Sec. 2103" in t and "was Title I > Sec. 103" in t


def test_render_html_escapes_and_redlines():
    old, new = own("ih"), own("eh")
    # hostile text in a header must come out escaped
    new.sections[1].header = "<script>alert(1)</script> & widgets"
    res = diff_versions(old, new)
    h = res.render_html()
    assert h.startswith("<!DOCTYPE html>")
    assert "<script" not in h.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; widgets" in h
    assert "<del>$1,000,000,</del>" in h and "<ins>$2,000,000,</ins>" in h


def test_amendment_doc_diff():
    res = diff_versions(own("eh"), own("eas"))
    assert res.summary == {"removed": 0, "added": 0, "modified": 1, "moved": 0, "unchanged": 5}
    (c,) = res.changes
    assert c.new.enum == "2102" and c.numbers == [("5", "7")]


def test_identical_versions():
    res = diff_versions(own("eh"), own("eh"))
    assert res.changes == [] and res.summary["unchanged"] == 6


def test_number_extraction():
    t = ("is increased by $4,000,000,000,000, to remain available until September 30, 2034, for fiscal year "
         "2026; 10 percent; the 10-year period; within 30 days; in 2029; section 1902 of the Act; 42 U.S.C. "
         "1396a; $1.5 billion")
    got = [(n.kind, n.text) for n in extract_numbers(t)]
    assert got == [("money", "$4,000,000,000,000"), ("date", "September 30, 2034"),
                   ("fiscal_year", "fiscal year 2026"), ("percent", "10 percent"), ("count", "10-year"),
                   ("count", "30 days"), ("year", "2029"), ("money", "$1.5 billion")]


def test_numbers_paired_by_position_not_set_difference():
    old, new = own("ih"), own("ih")
    s = new.sections[1]
    s.text = s.text.replace("$1,000,000", "$3,000,000").replace("September 30, 2030", "September 30, 2031")
    s._full = None
    res = diff_versions(old, new)
    (c,) = res.changes
    assert c.change == "modified"
    assert c.numbers == [("$1,000,000", "$3,000,000"), ("September 30, 2030", "September 30, 2031")]


def _bill(sections: str, number: str = "9998", stage: str = "eh") -> bytes:
    """A small bill in the GPO format with the given <section> markup in one title."""
    return (f'<?xml version="1.0"?><bill bill-stage="Engrossed-in-House"><form><congress>119th CONGRESS</congress>'
            f'<legis-num>H. R. {number}</legis-num></form><legis-body><title><enum>I</enum><header>Programs</header>'
            f'{sections}</title></legis-body></bill>').encode()


_FILLER = ("The Secretary of Agriculture shall keep a public register of every {w} grant, listing the "
           "recipient county, the number of acres served, the date of award, and the reasons given for it; "
           "each {w} grantee shall report its {w} outcomes to the Secretary within one year of the award.")


def _sec(enum: str, header: str, body: str) -> str:
    return f"<section><enum>{enum}.</enum><header>{header}</header>{body}</section>"


def _sub(enum: str, header: str, text: str) -> str:
    return f"<subsection><enum>({enum})</enum><header>{header}</header><text>{text}</text></subsection>"


def test_section_merged_into_another_is_a_move_with_its_lost_amount():
    """A section folded into a subsection of a bigger one is "moved" (merged into), compared with
    that subsection, and the earmark that did not survive is named."""
    old = _bill(_sec("101", "Orchard grants", f"<text>There is appropriated $40,000,000 for orchard grants. "
                     f"{_FILLER.format(w='orchard')}</text>")
                + _sec("102", "Vineyard grants", f"<text>{_FILLER.format(w='vineyard')}</text>"))
    new = _bill(_sec("101", "Vineyard grants", f"<text>{_FILLER.format(w='vineyard')}</text>"
                     + _sub("a", "Pooled amount", "There is appropriated $90,000,000 for specialty crops.")
                     + _sub("b", "Orchard grants", f"Funds may be used for orchard grants. "
                            f"{_FILLER.format(w='orchard')}")))
    res = diff_versions(parse_bill_text(old), parse_bill_text(new))
    assert res.summary["removed"] == 0 and res.summary["moved"] == 1, res.summary
    (c,) = [c for c in res.changes if c.carried]
    assert (c.old.enum, c.new.enum, c.new.header) == ("101", "(b)", "Orchard grants")
    assert c.carried["relation"] == "merged_into" and c.carried["compared"] is True
    assert "$40,000,000 of the old section is not in this text" in c.details[0]["excerpt"]
    assert "merged into" in res.render_text()


def test_subsection_split_out_as_a_section_is_a_move_and_a_real_removal_stays_removed():
    old = _bill(_sec("101", "Grant programs", _sub("a", "Orchard grants", _FILLER.format(w="orchard"))
                     + _sub("b", "Vineyard grants", _FILLER.format(w="vineyard") + " Each award is $5,000."))
                + _sec("102", "Report", "<text>The Secretary shall report on unrelated matters of forestry "
                       "policy, timber sales, and wildfire season staffing levels every year.</text>"))
    new = _bill(_sec("101", "Grant programs", _sub("a", "Orchard grants", _FILLER.format(w="orchard")))
                + _sec("102", "Vineyard grants", "<text>" + _FILLER.format(w="vineyard")
                       + " Each award is $7,500.</text>"))
    res = diff_versions(parse_bill_text(old), parse_bill_text(new))
    (c,) = [c for c in res.changes if c.carried]
    assert c.carried["relation"] == "split_from"
    assert (c.old.enum, c.old.header, c.new.enum) == ("(b)", "Vineyard grants", "102")
    assert c.numbers == [("$5,000", "$7,500")]
    assert [x.old.enum for x in res.changes if x.change == "removed"] == ["102"]
    assert not [x for x in res.changes if x.change == "added"]


_LOAN = ("For any period of instruction beginning on or after {d} student shall not be eligible to receive a "
         "Federal Direct Stafford loan under this part.")
_OLD_A = _LOAN.format(d="July 1, 2026\u2014 (i) an undergraduate")
_NEW_A = _LOAN.format(d="July 1, 2012, a graduate or professional")
_OLD_2012 = "Existing law applies on or after July 1, 2012, to a graduate student."
_NEW_2026 = "Parent loans end on or after July 1, 2026, for every dependent student."


@pytest.mark.parametrize("old_b, new_b, expected", [
    # (a) holds two provisions in one replaced stretch: different words next to the dates, and each date
    # is in both versions of the section (existing law from 2012 quoted, 2026 kept elsewhere); (b) too,
    # though the comma after its dates is shared
    (_OLD_2012, _NEW_2026, []),
    # July 1, 2012 is new to the section: a changed date
    ("Existing law applies to a graduate student.", _NEW_2026, [("July 1, 2026", "July 1, 2012")]),
    # July 1, 2026 is gone from the new section: a changed date
    (_OLD_2012, "Parent loans end for every dependent student.", [("July 1, 2026", "July 1, 2012")]),
])
def test_number_pair_needs_the_same_wording_or_a_figure_that_changed(old_b, new_b, expected):
    old = _bill(_sec("101", "Loan limits", _sub("a", "Loans", _OLD_A) + _sub("b", "Other", old_b)))
    new = _bill(_sec("101", "Loan limits", _sub("a", "Loans", _NEW_A) + _sub("b", "Other", new_b)))
    res = diff_versions(parse_bill_text(old), parse_bill_text(new))
    (c,) = res.changes
    assert c.change == "modified"
    assert c.numbers == expected


def test_number_pair_with_the_same_wording_is_kept_when_both_figures_are_elsewhere():
    """An amount both versions also hold elsewhere is still a change where the words around it agree;
    a figure next to the unchanged text agrees with words added on the other side."""
    a = tokenize("(1) $500 for orchards; (2) $900 for vineyards; for fiscal years 2025 through 2034, "
                 "5 percent")
    b = tokenize("(1) $900 for orchards; (2) $500 for vineyards; for each of fiscal years 2025 through 2033, "
                 "5 percent")
    both = lambda: (" ".join(a), " ".join(b))  # noqa: E731
    i, j = a.index("$500"), b.index("$900")
    assert pair_numbers(a, i, i + 1, b, j, j + 1, both) == [("$500", "$900")]
    i, j = a.index("fiscal years 2025 through 2034"), b.index("each")
    assert pair_numbers(a, i, i + 1, b, j, j + 3, both) == [("fiscal years 2025 through 2034",
                                                             "fiscal years 2025 through 2033")]


def test_number_pair_with_different_words_next_to_it_and_both_figures_kept_is_dropped():
    both = lambda: ("July 1, 2012 July 1, 2026", "July 1, 2026 July 1, 2012")  # noqa: E731
    a = tokenize("after July 1, 2026\u2014 (i) an undergraduate student")
    b = tokenize("after July 1, 2012, a graduate or professional student")
    assert pair_numbers(a, 1, 8, b, 1, 7, both) == []
    assert pair_numbers(a, 1, 8, b, 1, 7) == [("July 1, 2026", "July 1, 2012")]  # no scope: position only
    assert pair_numbers(a, 1, 8, b, 1, 7, lambda: ("", "")) == [("July 1, 2026", "July 1, 2012")]
    # a comma both versions have right after the dates: the words after it still differ
    a = tokenize("after July 1, 2026, an undergraduate student")
    b = tokenize("after July 1, 2012, a graduate student")
    assert pair_numbers(a, 1, 2, b, 1, 2, both) == []
    # the same words next to the dates: a changed date, wherever else the two dates are
    b = tokenize("after July 1, 2012, an undergraduate student")
    assert pair_numbers(a, 1, 2, b, 1, 2, both) == [("July 1, 2026", "July 1, 2012")]
