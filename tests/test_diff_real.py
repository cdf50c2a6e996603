"""The diff engine on the real H.R. 1 (119th) versions: eh (House), eas (Senate amendment), enr."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from tracker.diff import diff_versions, parse_bill_text
from tracker.diff.align import dice, shingles, words

REAL = Path(__file__).parents[1].parent / "shared" / "fixtures" / "bill_text"


@lru_cache(maxsize=None)
def version(code: str):
    p = REAL / f"BILLS-119hr1{code}.xml"
    if not p.exists():
        pytest.skip(f"real fixture {p} not found (../shared/fixtures is absent)")
    return parse_bill_text(p.read_bytes())


@lru_cache(maxsize=None)
def diff(a: str, b: str):
    return diff_versions(version(a), version(b))


def find(res, old_enum=None, new_enum=None):
    for c in res.changes:
        if old_enum and c.old is not None and c.old.enum == old_enum:
            return c
        if new_enum and c.new is not None and c.new.enum == new_enum:
            return c
    return None


def test_eh_eas_summary():
    res = diff("eh", "eas")
    s = res.summary
    # measured; a change here means the alignment changed: look at it before updating the numbers
    # (was 122/98/161/41/10 before boilerplate-only similarity matches were refused: House 70112, 70100,
    # 70116, 60004, 70114, 70121, 70123, 80303 are now removed instead of paired with unrelated Senate
    # appropriations; see test_boilerplate_matches_refused)
    # (was 127/103/160/38/9 before unpaired sections merged into / split out of other sections were
    # reported as moves: see test_merged_sections_are_moves_not_removals)
    assert s == {"removed": 115, "added": 79, "modified": 160, "moved": 74, "unchanged": 9}, s
    carried = res.stats["carried"]
    assert carried == {"merged_into": 11, "split_into": 1, "split_from": 24}, carried
    # every section accounted for, on both sides: a merged / split-up House section uses no Senate
    # section of its own, a Senate section split out of a House one uses no House section
    paired_moves = s["moved"] - sum(carried.values())
    assert s["removed"] + s["modified"] + paired_moves + carried["merged_into"] + carried["split_into"] \
        + s["unchanged"] == 334
    assert s["added"] + s["modified"] + paired_moves + carried["split_from"] + s["unchanged"] == 310
    # a healthy majority of the House sections found their Senate counterpart despite renumbering
    assert s["modified"] + s["moved"] + s["unchanged"] >= 0.6 * 334


def test_ai_moratorium_removed():
    res = diff("eh", "eas")
    c = find(res, old_enum="43201")
    assert c is not None and c.change == "removed"
    assert c.old.header == "Artificial intelligence and information technology modernization initiative"
    assert "10-year period" in version("eh").sections[[s.enum for s in version("eh").sections].index("43201")].full_text


def test_debt_limit_amount():
    res = diff("eh", "eas")
    c = find(res, old_enum="113001")
    assert c.change == "modified"  # Title XI Subtitle D -> Title VII Subtitle C: same group, renumbered
    assert c.new.enum == "72001"
    assert c.numbers == [("$4,000,000,000,000", "$5,000,000,000,000")]
    assert c.similarity > 0.9


def test_renumbered_sections_align():
    res = diff("eh", "eas")
    pairs = {c.old.enum: c.new.enum for c in res.changes if c.old is not None and c.new is not None}
    assert pairs["10001"] == "10101"      # Thrifty food plan -> Re-evaluation of thrifty food plan
    assert pairs["110004"] == "70104"     # child tax credit
    assert pairs["70004"] == "100004"     # Parole fee -> Immigration parole fee


def test_no_missed_alignment():
    """No removed House section has a near-identical Senate text among the added ones (all-pairs here,
    on purpose, as an independent check of the bucketed alignment)."""
    res = diff("eh", "eas")
    rem = [c.old for c in res.changes if c.change == "removed"]
    add = [c.new for c in res.changes if c.change == "added"]
    voc: dict = {}
    rs = [shingles(words(p.full_text), voc) for p in rem]
    ad = [shingles(words(p.full_text), voc) for p in add]
    worst = max((dice(a, b), i, j) for i, a in enumerate(rs) for j, b in enumerate(ad))
    assert worst[0] < 0.6, (rem[worst[1]].enum, add[worst[2]].enum, worst[0])


def test_comparisons_guard():
    """Never all sections against all sections: scored section pairs stay under 3% of 334 x 310, and
    sub-provision comparisons stay bounded too."""
    res = diff("eh", "eas")
    full = res.stats["old_sections"] * res.stats["new_sections"]
    assert full == 334 * 310
    assert 0 < res.stats["comparisons"] < 0.03 * full, res.stats
    assert res.stats["sub_comparisons"] < 4000, res.stats
    assert diff("eas", "enr").stats["comparisons"] == 0  # identical texts: hash matches only


def test_comparisons_guard_counts_every_scored_pair(monkeypatch):
    """The counter is honest: it equals the number of calls of the section scorer."""
    from tracker.diff import align

    calls = []
    real_score = align._score
    monkeypatch.setattr(align, "_score", lambda *a: calls.append(1) or real_score(*a))
    res = diff_versions(version("eh"), version("eas"))
    assert res.stats["comparisons"] == len(calls) < 0.03 * 334 * 310


def _section(code: str, enum: str):
    return {s.enum: s for s in version(code).sections}[enum]


def test_renumbered_reference_is_not_a_change():
    """House 44104 says "as amended by section 44103", Senate 71104 "as amended by section 71103"
    (44103 is aligned with 71103): not a change; the real changes of 71104 are still reported."""
    old, new = _section("eh", "44104"), _section("eas", "71104")
    assert "section 44103," in old.full_text and "section 71103," in new.full_text
    c = find(diff("eh", "eas"), old_enum="44104")
    assert c.change == "modified" and c.new.enum == "71104"
    assert c.numbers == [("January 1, 2028", "January 1, 2027")]
    assert not any("44103" in d["excerpt"] or "71103" in d["excerpt"] for d in c.details), c.details


def test_renumbering_with_references_rewritten_is_unchanged():
    """Renumber House 44103 -> 99103 and rewrite every reference to it (44104 says "as amended by
    section 44103"): nothing changed."""
    from lxml import etree

    from tracker.xmlsafe import parse_xml

    body = (REAL / "BILLS-119hr1eh.xml").read_bytes()
    root = parse_xml(body)
    hits = 0
    for el in root.iter("enum"):
        if el.getparent().tag == "section" and (el.text or "").strip() == "44103.":
            el.text = "99103."
            hits += 1
    for el in root.iter():
        for attr in ("text", "tail"):
            t = getattr(el, attr)
            if t and "section 44103" in t:
                setattr(el, attr, t.replace("section 44103", "section 99103"))
                hits += 1
    assert hits >= 2
    new = parse_bill_text(etree.tostring(root))
    assert "section 99103," in {s.enum: s for s in new.sections}["44104"].full_text
    res = diff_versions(version("eh"), new)
    assert res.changes == [] and res.summary["unchanged"] == 334, [c.to_json() for c in res.changes][:2]
    assert res.stats["same_after_renumbering"] == 1  # 44104: only its reference differs


def test_references_to_other_laws_are_not_renumbered():
    from tracker.diff.xrefs import renumber_refs

    renum = {"11011": "70001", "10101": "10312", "44103": "71103", "40001": "50001", "40002": "50002"}
    # eh cites section 11011 of Public Law 115-97 and section 10101 of the Inflation Reduction Act,
    # numbers that are also its own sections
    t = "section 11011 of Public Law 115\u201397 and section 10101 of the Act titled \u201cAn Act\u201d"
    assert renumber_refs(t, renum) == t
    assert renumber_refs("as amended by section 44103(b)(2), is", renum) == "as amended by section 71103(b)(2), is"
    assert renumber_refs("sections 40001, 40002, and 40003 of this Act", renum) == \
        "sections 50001, 50002, and 40003 of this Act"
    assert renumber_refs("section 1902(a)(11011) of", renum) == "section 1902(a)(11011) of"


def test_defined_term_markup_is_not_a_change():
    """eh writes the defined term as <quote>, eas as <term>: GPO prints both in quotes; same text."""
    c = find(diff("eh", "eas"), old_enum="112019")
    assert c.change == "moved" and c.new.enum == "70603" and c.similarity == 1.0 and c.details == []


def test_boilerplate_matches_refused():
    """Below 0.5 similarity a pair needs distinctive shared content. Verified by reading the XML:
    House 70116 (CBP gang-tattoo examinations of unaccompanied children, $20M) and Senate 90007 (DHS
    reimbursement for border support, $10B) share only the appropriation boilerplate; so do House
    70112 (ICE Office of the Principal Legal Advisor) and Senate 90103 (OMB)."""
    res = diff("eh", "eas")
    # 70112 is not paired with 90103: its text went into paragraph (11) of the Senate's ICE section
    c = find(res, old_enum="70112")
    assert c.carried["relation"] == "merged_into" and c.new.path.endswith("Sec. 100052 > (11)")
    pairs = {c.old.enum: c.new.enum for c in res.changes
             if c.old is not None and c.new is not None and c.carried is None}
    assert pairs.get("70116") != "90007"
    added = {c.new.enum for c in res.changes if c.change == "added"}
    assert {"90007", "90103"} <= added
    # genuine low-similarity pairs are kept: same NOAA rescission, same diesel-emissions rescission.
    assert pairs["80202"] == "40008" and pairs["42104"] == "60003"
    # House 70116 and 70119 were both folded into Senate 100051 (paragraphs (11) and (8)); a 1:1
    # alignment can pair only one of them, and it must be one of those two.
    assert {k for k, v in pairs.items() if v == "100051"} <= {"70116", "70119"}


def test_weak_match_needs_a_shared_header_word():
    """House 10101 "Safety net" scored 0.34 against Senate 10312 "Sugar program updates" (both amend
    the Agricultural Act of 2014): a different provision, so 10101 is removed, not "moved"."""
    res = diff("eh", "eas")
    c = find(res, old_enum="10101")
    assert c.carried["relation"] == "split_into"  # not paired with 10312 (see test_split_sections)
    assert all(x.old is None or x.old.enum != "10101" or x.carried for x in res.changes)


def test_number_pairs_are_amounts_not_paragraph_numbers():
    """Spot-checked on the real text: paragraph designations "(1)" -> "(3)", Code titles "7 U.S.C.",
    "Stat." pages and years in law names ("Act of 2014" -> "Act of 1938") are not number changes; a
    bare figure in a local substitution is ("at least 500" -> "at least 3,000")."""
    res = diff("eh", "eas")
    assert find(res, old_enum="10107").numbers == []        # was [("1", "3")]: paragraph numbers
    assert find(res, old_enum="10108").numbers == []        # was [("7", "1")]: 7 U.S.C.
    assert find(res, old_enum="10101").numbers == []        # was [("2014", "1938")]: Act of 2014
    assert find(res, old_enum="112021").numbers == [("7 percent", "4 percent"), ("$1,250,000", "$2,000,000"),
                                                    ("14 percent", "8 percent"), ("500", "3,000")]
    assert find(res, old_enum="110109").numbers == [("$5,000", "$1,700"), ("2", "10"),
                                                    ("December 31, 2025", "December 31, 2026")]
    for c in res.changes:
        for a, b in c.numbers:
            assert not (a.isdigit() and b.isdigit() and len(a) <= 2 and len(b) <= 2 and
                        c.old is not None and f"({a})" in c.old.full_text and f"({b})" in c.new.full_text
                        and c.old.enum not in ("110109",)), (c.old.enum, a, b)


def test_number_pair_of_two_provisions_in_one_stretch_is_not_a_change():
    """House 30011(a)(1) "on or after July 1, 2026\u2014 (i) an undergraduate student shall not ..." and
    Senate 81001(1)(B) "on or after July 1, 2012, a graduate or professional student shall not ..." (existing
    law the Senate quoted) fall in one short replaced stretch: the words next to the two dates differ
    ("undergraduate" / "graduate") and both dates are in both sections (July 1, 2026 is still in 81001,
    July 1, 2012 was already in 30011), so "July 1, 2026 -> July 1, 2012" is not reported. The same shape
    where the House date is gone from the Senate section, and a figure both versions hold elsewhere but
    with the same words around it, are still changes."""
    for new in ("eas", "enr"):
        res = diff("eh", new)
        c = find(res, old_enum="30011")
        assert c.new.enum == "81001"
        assert ("July 1, 2026", "July 1, 2012") not in c.numbers, new
        assert c.numbers == []
        # "on or after July 1, 2025, a monthly payment amount described" -> "on or after July 1, 2027
        # that are described": the context differs too, but July 1, 2025 is gone from Senate 82003
        assert find(res, old_enum="30023").numbers == [("July 1, 2025", "July 1, 2027")]
        # "(27) $500,000,000 for the expansion ..." -> "$1,000,000,000 for the expansion ...": both amounts
        # are elsewhere in both versions of sec. 20005, the words around them are the same
        assert ("$500,000,000", "$1,000,000,000") in find(res, old_enum="20005").numbers
        assert find(res, old_enum="110109").numbers[0] == ("$5,000", "$1,700")  # a 30-token stretch
        assert sum(len(x.numbers) for x in res.changes) == 82  # was 83: only the 30011 pair is gone


def test_eh_enr_matches_eh_eas():
    assert diff("eh", "enr").summary == diff("eh", "eas").summary


def test_eas_enr_unchanged():
    """Enrolled = the Senate text as the House concurred in it: every section unchanged."""
    res = diff("eas", "enr")
    assert res.summary == {"removed": 0, "added": 0, "modified": 0, "moved": 0, "unchanged": 310}
    assert res.changes == []


def test_real_renders():
    res = diff("eh", "eas")
    t = res.render_text()
    assert t.splitlines()[0].startswith("hr1-119 eh 2025-05-22 -> hr1-119 eas 2025-07-01: 115 removed")
    assert "[merged into, 64% of its distinctive wording]" in t and "[split into 12 sections" in t
    assert "$4,000,000,000,000 -> $5,000,000,000,000" in t
    h = res.render_html()
    assert "<script" not in h.lower() and "<del>" in h and "<ins>" in h
    j = res.to_json()
    assert j["old"]["sections"] == 334 and j["new"]["sections"] == 310
    assert len(j["changes"]) == sum(v for k, v in j["summary"].items() if k != "unchanged")


def test_merged_sections_are_moves_not_removals():
    """The Senate folded House sections into bigger ones; a 1:1 alignment reported them "removed".
    Each was checked by reading both texts: House 70110 ($650M for 287(g) agreements) is paragraph (9)
    "287(g) agreements" of Senate 100052 (one $29.85B ICE appropriation), 80173 (OCS revenue-sharing
    limits) is subsection (e) of Senate 50102, 80172 "Offshore commingling" is 50102(c), 70121 (drug
    trafficking, $500M) is 100054(2)."""
    res = diff("eh", "eas")
    want = {"70110": "Sec. 100052 > (9)", "80173": "Sec. 50102 > (e)", "80172": "Sec. 50102 > (c)",
            "70121": "Sec. 100054 > (2)", "70122": "Sec. 100054 > (3)"}
    for enum, where in want.items():
        c = find(res, old_enum=enum)
        assert c.change == "moved" and c.carried["relation"] == "merged_into", (enum, c.change)
        assert c.new.path.endswith(where), (enum, c.new.path)
        assert c.carried["compared"] is True and 0 < c.similarity < 1
    # the earmark that did not survive as such is said, not hidden
    c = find(res, old_enum="70110")
    assert "$650,000,000 of the old section is not in this text" in c.details[0]["excerpt"]
    assert c.to_json()["carried"]["relation"] == "merged_into"
    # not merged: a generic header shared with a subsection elsewhere is not enough (House sec. 1
    # "Short title" and Senate 90101(a) "Short title" of the FEHB Protection Act), nor a section the
    # Senate dropped (the AI moratorium), nor wording the other section already had from its own House
    # counterpart (80204 "Water conveyance enhancement" is a near-copy of 80203, which Senate 50501
    # continues: only 4 of its 9 shingles not in 80203 are in 50501)
    for enum in ("1", "43201", "80204"):
        assert find(res, old_enum=enum).change == "removed", enum


def test_split_sections():
    """House 10101 "Safety net" was split by the Senate into sections 10301-10314, 10401 and
    10501-10507 (each a subsection of 10101): 10101 is "split into", each Senate section "split from"
    its House subsection, compared with it (numbers: 10101(o) -> 10314 "$10,000,000" -> "$9,000,000")."""
    res = diff("eh", "eas")
    c = find(res, old_enum="10101")
    parts = {x["path"].rsplit("Sec. ", 1)[1] for x in c.carried["parts"]}
    assert {"10312", "10302", "10401", "10309"} <= parts and c.carried["share"] >= 0.75
    assert c.carried["compared"] is False and c.numbers == []  # not compared word by word with one part
    added = {x.new.enum for x in res.changes if x.change == "added"}
    split = {x.new.enum: x for x in res.changes if x.carried and x.carried["relation"] == "split_from"}
    for enum in ("10302", "10305", "10307", "10312", "10401", "10507"):
        assert enum in split and enum not in added, enum
        assert split[enum].old.path.startswith("Title I > Subtitle B > Sec. 10101 > ("), split[enum].old.path
    assert split["10302"].old.header == "Base acres"
    assert ("$10,000,000", "$9,000,000") in split["10314"].numbers
    # restructured (a new "(a) In general" level, similarity 0.08): no positional number pairs
    assert split["10303"].similarity < 0.3 and split["10303"].numbers == []
    # Senate 50203 (coal leases) came out of House 80141(b), Senate 80001 out of House 30002
    assert split["50203"].old.path.endswith("Sec. 80141 > (b)")
    assert "Sec. 30002" in split["80001"].old.path


def test_carried_distinctive_shingles_are_exact():
    """``carried`` counts document frequencies without sending unpaired sections through the counter
    twice; its distinctive shingles must equal a plain count over the sections it considers."""
    from collections import Counter

    from tracker.diff.align import CARRY_DF, CARRY_MIN, align_sections, carried

    o, n = version("eh").sections, version("eas").sections
    al = align_sections(o, n)
    cs = carried(al)
    so, sn = al.sides
    # pairs whose text is the same or whose length changed by < CARRY_MIN words are not counted
    same = [(p.old, p.new) for p in al.pairs
            if abs(o[p.old].full_text.count(" ") - n[p.new].full_text.count(" ")) < CARRY_MIN]
    assert len(same) > 9
    df = Counter()
    for side, secs, skip in ((so, o, {a for a, _b in same}), (sn, n, {b for _a, b in same})):
        for k in range(len(secs)):
            if k not in skip:
                df.update(side.sh(k))
    assert len(cs) == 36
    for c in cs:
        side = sn if c.kind == "split_from" else so
        assert c.distinctive == {s for s in side.sh(c.index) if df[s] <= CARRY_DF}, c
