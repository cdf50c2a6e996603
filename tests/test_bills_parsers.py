"""BILLSTATUS (every schema) and congress.gov API JSON -> the same BillItem."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import OWN_FIXTURES, shared_fixture
from scrapers import parsers
from scrapers.parsers import billcommon as bc
from scrapers.parsers import billstatus, congress_api

BILLS = OWN_FIXTURES / "bills"


def _one(mod, path: Path):
    items = mod.parse(path.read_bytes(), path.as_uri())
    assert len(items) == 1
    return items[0]


def _same(a, b, exclude=("source_url",)):
    return a.model_dump(exclude=set(exclude)) == b.model_dump(exclude=set(exclude))


def test_every_real_billstatus_file_parses():
    root = shared_fixture("billstatus")
    files = sorted(root.glob("*/*.xml"))
    assert len(files) >= 6
    for f in files:
        assert parsers.detect(f.read_bytes(), f.as_uri()).kind == "billstatus", f
        it = _one(billstatus, f)
        assert it.actions, f
        assert all(a.key.startswith(f"action:{it.bill_id}:{a.date}:") for a in it.actions)
        assert len({a.key for a in it.actions}) == len(it.actions)
        assert it.summary is None or ("<" not in it.summary and "&amp;" not in it.summary)
        assert it.sponsors and it.sponsors[0].bioguide_id


def test_same_bill_in_two_schemas_is_the_same_item():
    old = _one(billstatus, shared_fixture("billstatus/v1_pre2022/BILLSTATUS-117hr1.xml"))
    new = _one(billstatus, shared_fixture("billstatus/v3_2022plus/BILLSTATUS-117hr1.xml"))
    assert billstatus.schema_of(billstatus.parse_xml(shared_fixture("billstatus/v1_pre2022/BILLSTATUS-117hr1.xml").read_bytes()).find("bill")) == "v1"
    assert _same(old, new)
    assert old == new.model_copy(update={"source_url": old.source_url})
    # v1 lists votes at bill level only; they are linked to the actions citing "(Roll no. 62)"
    passage = [a for a in old.actions if "h62-117.2021" in a.vote_ids]
    assert len(passage) == 1 and passage[0].classification == "passed"
    assert sorted(passage[0].codes) == ["8000", "H37100"]
    assert sorted(passage[0].sources) == ["House floor actions", "Library of Congress"]
    assert [v.vote_id for v in old.votes] == ["h61-117.2021", "h62-117.2021"]
    assert [v.code for v in old.text_versions] == ["ih", "rds", "eh"]


def test_s35_two_schemas_same_actions_and_versions():
    # The two sample files were generated months apart: titles differ upstream; actions do not.
    old = _one(billstatus, shared_fixture("billstatus/v1_pre2022/BILLSTATUS-117s35.xml"))
    new = _one(billstatus, shared_fixture("billstatus/v3_2022plus/BILLSTATUS-117s35.xml"))
    assert old.actions == new.actions
    assert old.text_versions == new.text_versions
    assert old.summary == new.summary and old.summary.startswith("Officer Eugene Goodman")
    # The Senate's copy and the LOC copy ("Passed/agreed to in Senate: ...", code 17000) are one action.
    passed = [a for a in new.actions if a.classification == "passed"]
    assert len(passed) == 1 and passed[0].codes == ["17000"] and passed[0].chamber == "senate"
    assert passed[0].text.startswith("Passed Senate with an amendment")
    assert len(new.actions) == 8  # 10 listed, 2 duplicates


def test_legacy_and_amendment_vote_samples():
    leg = _one(billstatus, shared_fixture("billstatus/legacy_2016/DEV-BILLSTATUS-115s2269.xml"))
    assert leg.bill_id == "s2269-115"
    assert [v.code for v in leg.text_versions] == ["is", "rs", "es", "enr"]
    assert leg.text_versions[-1].date is None  # enrolled version listed without a date
    assert leg.text_versions[0].url == ("https://www.govinfo.gov/content/pkg/BILLS-115s2269is/xml/"
                                        "BILLS-115s2269is.xml")
    pr = _one(billstatus, shared_fixture("billstatus/v1_pre2022/BILLSTATUS-114hr5278.xml"))
    assert [v.vote_id for v in pr.votes] == ["h288-114.2016"]
    assert any("h288-114.2016" in a.vote_ids and a.classification == "passed" for a in pr.actions)


def test_summary_html_is_plain_text():
    it = _one(billstatus, BILLS / "BILLSTATUS-119hr4321.xml")
    assert it.summary == ("Lighthouse Keepers Recognition Act\nThis bill directs the National Park Service to list "
                          "historic lighthouses & their keepers, and to report to Congress within one year.\n"
                          "Adds a public registry.")
    assert it.summary_date == "2025-07-07"


def test_handmade_bill_duplicates_votes_versions():
    it = _one(billstatus, BILLS / "BILLSTATUS-119hr4321.xml")
    assert it.bill_id == "hr4321-119" and it.title == "Lighthouse Keepers Recognition Act"
    assert len(it.actions) == 5  # 7 listed: LOC passage copy and a second "Introduced" merged
    intro = [a for a in it.actions if a.classification == "introduced"]
    assert len(intro) == 1 and intro[0].codes == ["1000", "Intro-H"]
    passage = next(a for a in it.actions if a.classification == "passed")
    assert passage.vote_ids == ["h201-119.2025"] and passage.time == "16:45:12"
    assert "(text: CR H3120-3122)" in passage.text  # the chamber copy's text is kept
    assert [v.version_id for v in it.text_versions] == ["hr4321-119:ih", "hr4321-119:eh"]
    assert it.text_versions[1].url == ("https://www.govinfo.gov/content/pkg/BILLS-119hr4321eh/xml/"
                                       "BILLS-119hr4321eh.xml")
    assert [c.bioguide_id for c in it.cosponsors] == ["A000375"] and it.cosponsors[0].original is True
    assert it.related_bills[0].bill_id == "s77-119"
    assert [c.code for c in it.committees] == ["hsii00"]


def test_old_schema_without_text_versions():
    it = _one(billstatus, BILLS / "BILLSTATUS-119s77.xml")
    assert it.bill_id == "s77-119" and it.text_versions == [] and it.summary is None
    assert {a.classification for a in it.actions} == {"introduced", "referred"}


def test_api_and_billstatus_give_the_same_actions_and_versions():
    a = _one(billstatus, BILLS / "BILLSTATUS-119hr4321.xml")
    b = _one(congress_api, BILLS / "api_bundle_119_hr_4321.json")
    assert b.source == "congress.gov" and set(b.parts) >= {"detail", "actions", "text", "cosponsors"}
    assert a.actions == b.actions
    assert a.text_versions == b.text_versions
    assert a.votes == b.votes
    assert a.sponsors == b.sponsors and a.cosponsors == b.cosponsors


def test_real_api_json():
    root = shared_fixture("congress_api")
    detail = _one(congress_api, root / "bill_117_hr_21.txt")
    assert detail.bill_id == "hr21-117" and detail.parts == ["detail"] and detail.title == "FedRAMP Authorization Act"
    assert detail.sponsors[0].bioguide_id == "C001078"
    acts = _one(congress_api, root / "bill_117_hr_21_actions.txt")
    assert acts.parts == ["actions"] and len(acts.actions) == 8  # 10 listed, 2 duplicates merged
    intro = next(a for a in acts.actions if a.classification == "introduced")
    assert intro.codes == ["1000", "Intro-H"]
    passed = next(a for a in acts.actions if a.classification == "passed")
    assert passed.codes == ["8000", "H37300"] and passed.chamber == "house"
    text = _one(congress_api, root / "bill_117_hr_21_text.txt")
    assert [v.code for v in text.text_versions] == ["ih", "eh", "rfs"]
    assert text.text_versions[0].url.startswith("https://www.govinfo.gov/content/pkg/BILLS-117hr21ih/xml/")
    summ = _one(congress_api, root / "bill_117_hr_21_summaries.txt")
    assert summ.summary.startswith("Federal Risk and Authorization Management Program") and "<p>" not in summ.summary
    for name, part in [("cosponsors", "cosponsors"), ("committees", "committees"), ("relatedbills", "related"),
                       ("titles", "titles"), ("subjects", "subjects"), ("amendments", "amendments")]:
        assert _one(congress_api, root / f"bill_117_hr_21_{name}.txt").parts == [part]
    big = _one(congress_api, root / "swift_congress/bill119.json")
    assert big.bill_id == "hr1-119" and big.laws == ["Public Law 119-21"]
    page = _one(congress_api, root / "swift_congress/bill119-text-first.json")
    assert [v.code for v in page.text_versions] == ["eas", "enr"]


def test_api_parser_does_not_claim_other_json():
    root = shared_fixture("congress_api")
    for f in ["concord/detail_house_119_1_240.json", "concord/list_house_119_1.json",
              "swift_congress/amendment-117-samdt-2137-detail.json"]:
        assert not congress_api.detect((root / f).read_bytes(), None), f
    assert not billstatus.detect(b"<bill><form/></bill>", None)


@pytest.mark.parametrize("body,reason", [
    (b"<billStatus><bill><title>x</title></bill></billStatus>", "lacks its number"),
    (b"<billStatus/>", "without <bill>"),
    (b"<billStatus><bill>", "malformed"),
])
def test_bad_billstatus_raises_one_line(body, reason):
    with pytest.raises(ValueError, match=reason):
        billstatus.parse(body, None)


def test_vocabulary_is_data(tmp_path):
    v = bc.load_vocabulary()
    assert v.codes["8000"] == "passed" and v.codes["E40000"] == "became_law"
    assert bc.classify(["Became Public Law No: 119-21."]) == "became_law"
    assert bc.classify(["Signed by President."]) == "signed"
    assert bc.classify(["Vetoed by President."]) == "vetoed"
    assert bc.classify(["On motion that the House agree to the Senate amendment Agreed to by recorded vote: 218 - 214"]) == "concurred"
    assert bc.classify(["On motion to recommit Failed by the Yeas and Nays: 210 - 219 (Roll no. 61)."]) == "motion"
    assert bc.classify(["Failed of passage/not agreed to in House: On passage Failed by the Yeas and Nays"]) == "failed"
    assert bc.classify(["Something nobody has seen"]) == "other"
    bad = tmp_path / "actions.csv"
    bad.write_text("classification,field,pattern\npassed,regex,^x\n")
    with pytest.raises(ValueError, match=r"actions.csv:2: unknown field"):
        bc.load_vocabulary(bad)
    bad.write_text("# c\nclassification,field,pattern\npassed,text,(\n")
    with pytest.raises(ValueError, match="bad pattern"):
        bc.load_vocabulary(bad)


def test_action_key_ignores_loc_prefix_case_and_cr_citation():
    k = bc.action_key("hr1-119", "2025-05-22", "On passage Passed by recorded vote: 215 - 214 (Roll no. 145). (text: CR H2245)")
    assert k == bc.action_key("hr1-119", "2025-05-22",
                              "Passed/agreed to in House: On passage Passed by recorded vote: 215 - 214 (Roll no. 145).")
    assert k != bc.action_key("hr1-119", "2025-05-23", "On passage Passed by recorded vote: 215 - 214 (Roll no. 145).")
    assert k != bc.action_key("hr1-119", "2025-05-22", "On passage Failed by recorded vote: 215 - 214 (Roll no. 145).")


def test_vote_year_from_eastern_date():
    # 2021-01-01T03:00Z is still 31 December 2020 in Washington.
    v = bc.recorded_vote("House", 5, 116, 2, "2021-01-01T03:00:00Z")
    assert v.vote_id == "h5-116.2020"
    assert bc.recorded_vote("Senate", 372, 119, 1, None).vote_id == "s372-119.2025"
    assert bc.recorded_vote("Joint", 1, 119, 1, None) is None


def test_vocabulary_on_real_hr1_119_actions():
    """The 119th H.R. 1's actions (OpenStates' copy of BILLSTATUS-119hr1.xml) classify as staff expect."""
    import json
    data = json.loads(shared_fixture("billstatus/openstates_derived/HR1_metadata.json").read_text())
    got = {a["description"]: bc.classify([a["description"]]) for a in data["actions"]}
    assert got["Became Public Law No: 119-21."] == "became_law"
    assert got["Signed by President."] == "signed"
    assert got["Presented to President."] == "presented"
    by_start = {d[:40]: c for d, c in got.items()}
    assert by_start["On motion that the House agree to the Se"] == "concurred"
    assert by_start["Passed Senate with an amendment by Yea-N"] == "passed"
    assert by_start["Motion by Senator Warnock to commit to S"] == "motion"
    assert by_start["Mr. Arrington moved that the House agree"] != "concurred"  # a motion, not the vote
    # The LOC copies merge with the chamber copies (same key).
    desc = [a["description"] for a in data["actions"]]
    senate = [d for d in desc if "Record Vote Number: 372" in d]
    assert len(senate) == 2 and bc.action_key("hr1-119", "2025-07-01", senate[0]) == bc.action_key("hr1-119", "2025-07-01", senate[1])
    concur = [d for d in desc if "agree to the Senate amendment Agreed to" in d]
    assert len(concur) == 2 and len({bc.action_key("hr1-119", "2025-07-03", d) for d in concur}) == 1
