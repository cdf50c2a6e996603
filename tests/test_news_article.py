"""News outlet article pages: reader comments and "latest news" / "Keep Reading" lists never leak
into the body; bills and members mentioned become the news.published event."""

from __future__ import annotations

import json
from pathlib import Path

from db.store import DocumentIn
from scrapers import parsers
from scrapers.ingest import ingest_document
from scrapers.parsers import news_article
from tests.conftest import shared_fixture

FIX = Path(__file__).parent / "fixtures" / "letters"
PAGE = FIX / "news_article_comments.html"
CANON = "https://www.capitolledger.example/2025/07/03/senators-press-social-security-chief-phone-claims"


def test_comments_and_latest_news_do_not_leak():
    [it] = news_article.parse(PAGE.read_bytes(), None)
    assert it.title == "Senators press Social Security chief over plan to end phone claims"
    for leak in ("COMMENT-LEAK", "LATEST-LEAK", "RECIRC-LEAK", "SCRIPT-LEAK", "STYLE-LEAK", "124 Comments",
                 "Latest News", "Keep Reading", "Post comment", "Subscribe", "Capitol Ledger\u00a0", "Privacy"):
        assert leak not in it.body, leak
    assert it.body.startswith("Four Democratic senators on Thursday demanded")
    assert it.body.endswith("\u201cremains available\u201d for those who need it.")
    assert it.body.count("\n\n") == 3  # four paragraphs
    assert it.bills == ["hr1-119"]            # H.R. 9999 appears only in a reader comment
    assert "Fake Person" not in [m.name for m in it.members]
    assert [m.last_name for m in it.members] == ["Warren", "Wyden", "Sanders", "Gillibrand"]
    assert it.author == "Dana Whitfield" and it.outlet == "The Capitol Ledger"
    assert it.url == CANON                    # og:url without ?utm_source, trailing slash dropped


def test_detect_by_url_official_vs_outlet():
    body = PAGE.read_bytes()
    assert parsers.detect(body, "https://www.capitolledger.example/x").kind == "news_article"
    # the same bytes claimed to come from a senate.gov page go to the newsroom parser, never to news
    assert not news_article.detect(body, "https://www.warren.senate.gov/newsroom/x")
    contact = (FIX / "senate_contact_page.html").read_bytes()
    assert not news_article.detect(contact, "https://www.capitolledger.example/contact")


def test_news_event_with_members_and_bills(store, cli):
    assert cli("ingest", str(shared_fixture("members/legislators-current.yaml"))).exit_code == 0
    c = ingest_document(DocumentIn(body=PAGE.read_bytes(), url=CANON + "/?utm_source=rss"))
    assert c.inserted == 1, c.errors
    ev = json.loads(cli("events", "--kind", "news.published", "--format", "json").output)
    assert len(ev) == 1
    e = ev[0]
    assert e["key"] == "news:" + CANON
    assert e["data"]["bills"] == ["hr1-119"] and e["bill_id"] == "hr1-119"
    assert sorted(e["member_ids"]) == ["G000555", "S000033", "W000779", "W000817"]
    assert e["data"]["outlet"] == "The Capitol Ledger" and e["data"]["author"] == "Dana Whitfield"
    body = store.scalar("SELECT body FROM news_item")
    assert "COMMENT-LEAK" not in body and "LATEST-LEAK" not in body and "<" not in body


def test_news_listing_page_is_not_an_article():
    listing = b"<html><head><meta property='og:type' content='article'></head><body><main>" + b"".join(
        f"<h2><a href='/2025/07/0{i}/story-{i}'>A fairly long headline number {i} about Congress</a></h2>"
        f"<p>Summary of story {i} with enough words to look like a paragraph of text for the scorer.</p>".encode()
        for i in range(1, 9)) + b"</main></body></html>"
    assert not news_article.detect(listing, "https://www.capitolledger.example/congress")
