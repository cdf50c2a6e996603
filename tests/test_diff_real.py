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
    assert s == {"removed": 122, "added": 98, "modified": 161, "moved": 41, "unchanged": 10}, s
    # every section accounted for, on both sides
    assert s["removed"] + s["modified"] + s["moved"] + s["unchanged"] == 334
    assert s["added"] + s["modified"] + s["moved"] + s["unchanged"] == 310
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
    res = diff("eh", "eas")
    full = res.stats["old_sections"] * res.stats["new_sections"]
    assert full == 334 * 310
    assert res.stats["comparisons"] < 0.03 * full, res.stats


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
    assert t.splitlines()[0].startswith("hr1-119 eh 2025-05-22 -> hr1-119 eas 2025-07-01: 122 removed")
    assert "$4,000,000,000,000 -> $5,000,000,000,000" in t
    h = res.render_html()
    assert "<script" not in h.lower() and "<del>" in h and "<ins>" in h
    j = res.to_json()
    assert j["old"]["sections"] == 334 and j["new"]["sections"] == 310
    assert len(j["changes"]) == sum(v for k, v in j["summary"].items() if k != "unchanged")
