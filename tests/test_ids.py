"""tracker/ids.py: every bill type, versions, votes, members, malformed input."""

import pytest

from tracker import ids


@pytest.mark.parametrize("raw,typ,expected", [
    ("HR", "hr", "hr1-119"), ("H.R.", "hr", "hr1-119"), ("s", "s", "s1-119"), ("S.", "s", "s1-119"),
    ("HRES", "hres", "hres1-119"), ("H.Res.", "hres", "hres1-119"), ("SRES", "sres", "sres1-119"),
    ("HJRES", "hjres", "hjres1-119"), ("H.J.Res.", "hjres", "hjres1-119"), ("sjres", "sjres", "sjres1-119"),
    ("HCONRES", "hconres", "hconres1-119"), ("H.Con.Res.", "hconres", "hconres1-119"),
    ("SCONRES", "sconres", "sconres1-119"), ("S.Con.Res.", "sconres", "sconres1-119"),
])
def test_every_bill_type_roundtrips(raw, typ, expected):
    assert ids.normalize_bill_type(raw) == typ
    assert ids.bill_id(raw, 1, 119) == expected
    b = ids.parse_bill_id(expected)
    assert (b.type, b.number, b.congress) == (typ, 1, 119)
    assert str(b) == expected


@pytest.mark.parametrize("bad", ["", "hr-119", "hr0-119", "xx1-119", "hr1", "hr1-", "HR1-119", "hr1-119 x",
                                 "hr01-119", "hr1-0", "hr1_119", None, 5])
def test_malformed_bill_ids(bad):
    with pytest.raises(ValueError):
        ids.parse_bill_id(bad)


@pytest.mark.parametrize("args", [("hr", 0, 119), ("hr", "x", 119), ("hr", 1, 0), ("zz", 1, 119), ("hr", 1, 1000)])
def test_bad_bill_parts(args):
    with pytest.raises(ValueError):
        ids.bill_id(*args)


def test_versions():
    assert ids.version_id("hr1-119", "EAS") == "hr1-119:eas"
    v = ids.parse_version_id("hr1-119:eh")
    assert (str(v.bill), v.code) == ("hr1-119", "eh")
    for bad in ["hr1-119", "hr1-119:", "hr1-119:e", "hr1-119:toolong", "x:eh", "hr1-119:eh:x"]:
        with pytest.raises(ValueError):
            ids.parse_version_id(bad)


def test_stage_order_house_and_senate_bills():
    assert sorted(["enr", "eas", "eh", "ih", "rh", "rs", "eah"], key=lambda c: ids.stage_rank(c, "hr")) == \
        ["ih", "rh", "rs", "eh", "eas", "eah", "enr"]
    assert sorted(["enr", "eah", "es", "is", "eas"], key=lambda c: ids.stage_rank(c, "s")) == \
        ["is", "es", "eah", "eas", "enr"]
    assert ids.stage_rank("zz") > ids.stage_rank("enr")


def test_votes():
    assert ids.vote_id("senate", "00372", 119, 2025) == "s372-119.2025"
    assert ids.vote_id("h", 190, 119, 2025) == "h190-119.2025"
    v = ids.parse_vote_id("s372-119.2025")
    assert (v.chamber, v.number, v.congress, v.year) == ("s", 372, 119, 2025)
    for bad in ["s372-119", "x372-119.2025", "s0-119.2025", "s372-119.25", "S372-119.2025", ""]:
        with pytest.raises(ValueError):
            ids.parse_vote_id(bad)
    with pytest.raises(ValueError):
        ids.vote_id("joint", 1, 119, 2025)


def test_members():
    assert ids.member_id("w000817") == "W000817"
    assert ids.member_id("S428") == "S428"
    for bad in ["", "W00817", "WW00817", "S42", "warren", None]:
        with pytest.raises(ValueError):
            ids.member_id(bad)


def test_congress_and_session_for_year():
    assert ids.congress_for_year(2025) == 119 and ids.congress_for_year(2026) == 119
    assert ids.congress_for_year(2027) == 120
    assert ids.session_for_year(2025) == 1 and ids.session_for_year(2026) == 2


def test_bill_mentions_in_text():
    text = "Senators urged passage of H.R. 1 and S. 5, unlike H.J.Res. 12; see 42 U.S.C. 1395 and H. R. 1 again."
    assert ids.bill_ids_in_text(text, 119) == ["hr1-119", "s5-119", "hjres12-119"]
    assert ids.bill_ids_in_text("nothing here, U.S. 5", 119) == []


def test_version_names_from_every_source_spelling():
    assert ids.version_code_for_name("Engrossed Amendment Senate") == "eas"
    assert ids.version_code_for_name("Engrossed-in-House") == "eh"
    assert ids.version_code_for_name("  enrolled   bill ") == "enr"
    assert ids.version_code_for_name("Re-Enrolled-Bill") == "re"
    assert ids.version_code_for_name("nonsense") is None and ids.version_code_for_name(None) is None
