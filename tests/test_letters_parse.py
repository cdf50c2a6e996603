"""Newsroom article pages -> LetterItem: hand-made pages in the style of current senate.gov member
and committee newsrooms, the generic fallback, signer/recipient/bill extraction, hostile HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers import parsers
from scrapers.parsers import _mentions, newsroom
from tests.conftest import shared_fixture

FIX = Path(__file__).parent / "fixtures" / "letters"
WARREN_URL = "https://www.warren.senate.gov/oversight/letters/warren-wyden-sanders-gillibrand-demand-answers"


def _page(name: str) -> bytes:
    return (FIX / name).read_bytes()


def test_member_site_letter_fields():
    [it] = newsroom.parse(_page("warren_ssa_letter.html"), WARREN_URL)
    assert it.kind == "letter" and it.site == "warren"
    assert it.title.startswith("Warren, Wyden, Sanders, Gillibrand Demand Answers")
    assert it.published.isoformat() == "2025-07-03"
    assert it.recipient == "Social Security Administration Commissioner Frank Bisignano"
    assert it.agency == "Social Security Administration"
    assert it.bills == ["hr1-119", "s770-119"]
    assert len(it.asks) == 4 and all(a.endswith("?") for a in it.asks)
    assert {s.last_name for s in it.signers} == {"Warren", "Wyden", "Sanders", "Gillibrand"}
    warren = next(s for s in it.signers if s.last_name == "Warren")
    assert warren.bioguide == "W000817" and warren.state == "MA" and warren.party == "D"
    wyden = next(s for s in it.signers if s.last_name == "Wyden")
    assert wyden.bioguide is None and wyden.state == "OR"
    assert any(u.endswith(".pdf") for u in it.letter_links)


def test_body_is_plain_text_without_boilerplate():
    [it] = newsroom.parse(_page("warren_ssa_letter.html"), WARREN_URL)
    assert "Dear Commissioner Bisignano:" in it.body
    for leak in ("SIDEBAR-LEAK", "INJECTED-BY-SCRIPT", "dataLayer", "Privacy Policy", "Skip to content",
                 "Share on X", "Oversight Letters", "Hart Senate Office"):
        assert leak not in it.body, leak
    assert "<" not in it.body and "&ndash;" not in it.body


def test_committee_page_from_saved_file_uses_canonical_url():
    body = _page("finance_ranking_ssa_letter.html")
    assert newsroom.detect(body, "file:///tmp/saved.html")
    [it] = newsroom.parse(body, "file:///tmp/saved.html")
    assert it.site == "finance-ranking"
    assert it.url.startswith("https://www.finance.senate.gov/ranking-members-news/")
    assert it.kind == "letter" and it.published.isoformat() == "2025-07-03"
    assert it.recipient == "Social Security Commissioner Frank Bisignano"
    assert it.agency == "Social Security Administration"
    wyden = next(s for s in it.signers if s.last_name == "Wyden")
    assert (wyden.title, wyden.party, wyden.state, wyden.bioguide) == ("Ranking Member", "D", "OR", "W000779")
    names = {s.name for s in it.signers}
    assert names == {"Ron Wyden", "Elizabeth Warren", "Bernie Sanders", "Kirsten Gillibrand"}
    assert "Ranking Member's News" != it.title


def test_generic_fallback_without_site_config(tmp_path, monkeypatch):
    empty = tmp_path / "sites.toml"
    empty.write_text("# no sites\n")
    monkeypatch.setenv("TRACKER_SITES_FILE", str(empty))
    body = _page("finance_ranking_ssa_letter.html")
    url = "https://www.finance.senate.gov/ranking-members-news/wyden-warren-sanders-and-gillibrand-press"
    assert newsroom.detect(body, url)
    [it] = newsroom.parse(body, url)
    assert it.site == "generic"
    assert it.title == "Wyden, Warren, Sanders and Gillibrand Press Social Security Commissioner on Ending Phone Claims"
    assert it.published.isoformat() == "2025-07-03"
    assert "today wrote to Social Security Commissioner Frank Bisignano" in it.body
    assert "Related Issues" not in it.body and "Dirksen" not in it.body
    assert {s.last_name for s in it.signers} == {"Wyden", "Warren", "Sanders", "Gillibrand"}
    assert all(s.bioguide is None for s in it.signers)  # no config: nobody is pinned
    assert it.agency == "Social Security Administration"
    # another senator's site with no entry: generic extraction of the member-site layout
    [w] = newsroom.parse(_page("warren_ssa_letter.html"), "https://www.example.senate.gov/news/x")
    assert w.kind == "letter" and w.recipient and len(w.asks) == 4 and "SIDEBAR-LEAK" not in w.body


def test_statement_is_not_a_letter():
    [it] = newsroom.parse(_page("warren_statement_hr1.html"), None)
    assert it.kind == "statement"
    assert it.bills == ["hr1-119", "s5-119"]
    assert [s.bioguide for s in it.signers] == ["W000817"]
    assert it.recipient is None and it.asks == []
    assert "SIDEBAR-LEAK" not in it.body


def test_plain_html_that_is_not_an_article_is_not_a_statement():
    body = _page("senate_contact_page.html")
    url = "https://www.warren.senate.gov/contact"
    assert not newsroom.detect(body, url)
    assert parsers.detect(body, url) is None
    with pytest.raises(ValueError, match="no article body"):
        newsroom.parse(body, url)


def test_listing_page_is_not_an_article():
    body = shared_fixture("press_releases/statement_gem_2013_2015/rand_paul_press.html").read_bytes()
    url = "https://www.paul.senate.gov/news/press"
    assert not newsroom.detect(body, url)
    with pytest.raises(ValueError, match="listing"):
        newsroom.parse(body, url)


def test_non_official_pages_are_not_newsroom():
    assert not newsroom.detect(_page("warren_ssa_letter.html"), "https://www.capitolledger.example/a")


@pytest.mark.parametrize("text,expect", [
    ("Ranking Member Ron Wyden, D-Ore., and colleagues", ("Ron Wyden", "Ranking Member", "D", "OR")),
    ("Sen. Elizabeth Warren (D-Mass.) said", ("Elizabeth Warren", "Sen.", "D", "MA")),
    ("Rep. Alexandria Ocasio-Cortez (D-N.Y.) said", ("Alexandria Ocasio-Cortez", "Rep.", "D", "NY")),
    ("U.S. Senator Shelley Moore Capito (R-W.Va.) today", ("Shelley Moore Capito", "Sen.", "R", "WV")),
])
def test_tagged_mentions(text, expect):
    [m] = _mentions.tagged_mentions(text)
    assert (m["name"], m["title"], m["party"], m["state"]) == expect


def test_titled_list_and_title_surnames():
    ms = _mentions.titled_mentions("Sens. Warren, Wyden and Sanders wrote")
    assert [m["last_name"] for m in ms] == ["Warren", "Wyden", "Sanders"]
    assert all(m["chamber"] == "senate" for m in ms)
    ts = _mentions.title_surnames("Warren, Wyden, Sanders, Gillibrand Demand Answers from SSA", set())
    assert [m["name"] for m in ts] == ["Warren", "Wyden", "Sanders", "Gillibrand"]
    assert _mentions.title_surnames("Social Security Cuts Hurt Seniors", set()) == []


def test_hostile_scripts_are_never_text():
    page = (b"<html><head><title>x</title><script>alert('SCRIPT-TEXT')</script></head><body>"
            b"<article><h1>Senator Sends a Letter About Hostile Pages</h1><p>July 3, 2025</p>"
            b"<p onclick=\"alert('ATTR')\">Sen. Elizabeth Warren (D-Mass.) sent a letter to the Federal Trade "
            b"Commission Chair asking about scams that target seniors and their families across the nation.</p>"
            b"<iframe src=\"javascript:alert(1)\">IFRAME-TEXT</iframe><noscript>NOSCRIPT-TEXT</noscript>"
            b"<style>p{}</style><p>More text<img src=x onerror=alert(1)> follows here for the body to count.</p>"
            b"<svg><script>SVG-SCRIPT</script></svg></article></body></html>")
    [it] = newsroom.parse(page, "https://www.warren.senate.gov/newsroom/x")
    for bad in ("SCRIPT-TEXT", "ATTR", "IFRAME-TEXT", "NOSCRIPT-TEXT", "SVG-SCRIPT", "onerror", "<"):
        assert bad not in it.body
    assert it.agency == "Federal Trade Commission"


def test_oversize_page_refused_with_reason():
    from scrapers.parsers import _html
    huge = b"<html><body><article><h1>Big</h1>" + b"<p>" + b"x" * (_html.MAX_PAGE_BYTES + 10) + b"</p></article></body></html>"
    assert newsroom.detect(huge, "https://www.warren.senate.gov/newsroom/big")  # so it gets a clear reason
    with pytest.raises(ValueError, match="page too large"):
        newsroom.parse(huge, "https://www.warren.senate.gov/newsroom/big")


def test_broken_encodings_decode_safely():
    # Declared utf-8, shipped Windows-1252 smart quotes; plus stray invalid bytes and NULs.
    page = ("<html><head><meta charset='utf-8'><title>t</title></head><body><article>"
            "<h1>Warren Statement on the Budget Vote Today</h1><p>July 1, 2025</p>"
            "<p>\u201cThis budget hurts families,\u201d said Sen. Elizabeth Warren (D-Mass.) in a statement on "
            "the vote that the Senate held this week on the reconciliation bill.</p></article></body></html>"
            ).encode("cp1252") + b"\x00\x81\xff"
    [it] = newsroom.parse(page, "https://www.warren.senate.gov/newsroom/enc")
    assert "\u201cThis budget hurts families,\u201d" in it.body
    assert "\x00" not in it.body
    garbage = b"<html><body><h1>Title of a Page Here</h1><p>" + bytes(range(128, 256)) * 3 + b"</p></body></html>"
    [g] = newsroom.parse(garbage, "https://www.warren.senate.gov/newsroom/garbage")  # text, safely decoded
    assert g.title == "Title of a Page Here"
    assert not any(ord(c) < 32 and c not in "\n\t" for c in g.body)


def test_deep_nesting_does_not_crash():
    page = b"<html><body>" + b"<div>" * 20000 + b"deep" + b"</div>" * 20000 + b"</body></html>"
    try:
        newsroom.parse(page, "https://www.warren.senate.gov/newsroom/deep")
    except ValueError:
        pass
    assert newsroom.detect(page, "https://www.warren.senate.gov/newsroom/deep") is False
