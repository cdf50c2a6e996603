"""Letters and statements into the store: signer resolution, cross-posted copies as one event,
unresolved signers kept by name, `tracker ingest --source-url`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db.store import DocumentIn
from scrapers.ingest import ingest_document
from tests.conftest import shared_fixture

FIX = Path(__file__).parent / "fixtures" / "letters"
WARREN_URL = "https://www.warren.senate.gov/oversight/letters/warren-wyden-sanders-gillibrand-demand-answers"
FINANCE_URL = "https://www.finance.senate.gov/ranking-members-news/wyden-warren-sanders-and-gillibrand-press"
SSA_SIGNERS = ["G000555", "S000033", "W000779", "W000817"]


@pytest.fixture
def members(store, cli):
    res = cli("ingest", str(shared_fixture("members/legislators-current.yaml")))
    assert res.exit_code == 0, res.output
    return store


def _ingest(name: str, url: str | None):
    return ingest_document(DocumentIn(body=(FIX / name).read_bytes(), url=url))


def _events(store, kind):
    rows = store.rows("SELECT key, revision, data, source_url FROM event WHERE kind = :k ORDER BY id", k=kind)
    return [(k, r, json.loads(d) if isinstance(d, str) else d, u) for k, r, d, u in rows]


def _members_of(store, key):
    return sorted(r[0] for r in store.rows(
        "SELECT m.member_id FROM event_member m JOIN event e ON e.id = m.event_id WHERE e.key = :k "
        "AND e.revision = (SELECT max(revision) FROM event WHERE key = :k)", k=key))


def test_cross_posted_letter_is_one_event_with_all_sources(members):
    c1 = _ingest("warren_ssa_letter.html", WARREN_URL)
    c2 = _ingest("finance_ranking_ssa_letter.html", FINANCE_URL)
    assert (c1.inserted, c1.quarantined, c2.updated, c2.quarantined) == (1, 0, 1, 0)
    evs = _events(members, "letter.published")
    assert len({k for k, *_ in evs}) == 1
    key, rev, data, _ = evs[-1]
    assert data["sources"] == sorted([WARREN_URL, FINANCE_URL])
    assert sorted(s["member_id"] for s in data["signers"]) == SSA_SIGNERS
    assert data["unresolved"] == []
    assert data["agency"] == "Social Security Administration"
    assert "Bisignano" in data["recipient"]
    assert data["bills"] == ["hr1-119", "s770-119"]
    assert len(data["asks"]) == 4
    assert _members_of(members, key) == SSA_SIGNERS
    # the letter row and its signers
    assert members.scalar("SELECT count(*) FROM letter") == 1
    assert members.scalar("SELECT count(*) FROM letter_signer") == 4
    srcs = members.scalar("SELECT sources FROM letter")
    assert sorted(json.loads(srcs) if isinstance(srcs, str) else srcs) == sorted([WARREN_URL, FINANCE_URL])
    # a third copy (the same letter re-published on the committee page with a tracking query) adds a source
    c3 = ingest_document(DocumentIn(body=(FIX / "finance_ranking_ssa_letter.html").read_bytes() + b"\n<!-- v2 -->",
                                    url=FINANCE_URL + "?src=tw"))
    assert c3.updated == 1
    assert len(_events(members, "letter.published")[-1][2]["sources"]) == 3


def test_copies_in_either_order_converge(members, tmp_path):
    _ingest("finance_ranking_ssa_letter.html", FINANCE_URL)
    _ingest("warren_ssa_letter.html", WARREN_URL)
    key, rev, data, url = _events(members, "letter.published")[-1]
    assert rev == 2 and data["sources"] == sorted([WARREN_URL, FINANCE_URL])
    assert url == FINANCE_URL  # the first copy recorded stays primary
    assert len(data["asks"]) == 4  # the fuller copy's questions are kept
    # re-ingesting a copy already merged (changed bytes, same content) adds nothing
    again = ingest_document(DocumentIn(body=(FIX / "warren_ssa_letter.html").read_bytes() + b" ", url=WARREN_URL))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)


def _letter_page(lead: str, title: str = "Senators Write to the Secretary of Labor About Pensions") -> bytes:
    return f"""<html><head><title>{title}</title></head><body><main><article>
<h1>{title}</h1><span class="date">July 9, 2025</span>
<div class="body"><p>{lead} sent a letter to Secretary of Labor Lori Chavez-DeRemer demanding answers about
pension payments and the agency's plans for retirees across the country.</p>
<p>Dear Secretary Chavez-DeRemer:</p><p>We write with concerns about pension payment delays.</p>
<p>Sincerely,</p></div></article></main></body></html>""".encode()


def test_unresolved_and_ambiguous_signers_are_kept_by_name(members):
    page = _letter_page("U.S. Senators Elizabeth Warren (D-Mass.), Jane Nosuchperson (D-Mass.) and Sen. Scott")
    counts = ingest_document(DocumentIn(body=page, url="https://www.example.senate.gov/news/labor-letter"))
    assert counts.inserted == 1, counts.errors
    key, _, data, _ = _events(members, "letter.published")[-1]
    by_name = {s["name"]: s["member_id"] for s in data["signers"]}
    assert by_name["Elizabeth Warren"] == "W000817"
    assert by_name["Jane Nosuchperson"] is None          # unknown: kept, not dropped
    assert by_name["Scott"] is None                      # Rick Scott or Tim Scott: never guessed
    assert sorted(data["unresolved"]) == ["Jane Nosuchperson", "Scott"]
    assert data["agency"] == "Department of Labor"
    assert _members_of(members, key) == ["W000817"]
    ids = sorted(r[0] for r in members.rows("SELECT member_id FROM letter_signer"))
    assert ids == ["W000817", "name:Jane Nosuchperson", "name:Scott"]


def test_statement_event(members):
    c = _ingest("warren_statement_hr1.html", None)
    assert c.inserted == 1
    key, _, data, url = _events(members, "statement.published")[-1]
    assert key.startswith("statement:")
    assert url == "https://www.warren.senate.gov/newsroom/press-releases/warren-statement-on-senate-passage-of-hr-1"
    assert data["bills"] == ["hr1-119", "s5-119"]
    assert "recipient" not in data and "asks" not in data
    assert [s["member_id"] for s in data["signers"]] == ["W000817"]


def test_cli_ingest_source_url(store, cli):
    res = cli("ingest", "--source-url", FINANCE_URL, str(FIX / "finance_ranking_ssa_letter.html"))
    assert res.exit_code == 0
    assert "1 documents: 1 inserted, 0 updated, 0 unchanged, 0 quarantined" in res.output
    ev = json.loads(cli("events", "--kind", "letter.published", "--format", "json").output)
    assert len(ev) == 1 and ev[0]["source_url"] == FINANCE_URL
    # without a member table the signers stay unresolved, by name
    assert sorted(ev[0]["data"]["unresolved"]) == ["Bernie Sanders", "Elizabeth Warren", "Kirsten Gillibrand"]
    assert ev[0]["member_ids"] == ["W000779"]  # pinned by the site entry


def test_cli_non_article_page_is_quarantined_not_an_empty_statement(store, cli):
    res = cli("ingest", "--source-url", "https://www.warren.senate.gov/contact", str(FIX / "senate_contact_page.html"))
    assert "1 quarantined" in res.output
    assert store.scalar("SELECT count(*) FROM event WHERE kind LIKE '%.published'") == 0
    # forcing the kind gives a clear reason instead of an empty event
    res = cli("ingest", "--kind", "newsroom", "--source-url", "https://www.warren.senate.gov/contact2",
              str(FIX / "senate_contact_page.html"))
    assert "1 quarantined" in res.output
    assert store.scalar("SELECT count(*) FROM event") == 0
