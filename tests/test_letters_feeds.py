"""The old senator press pages and feeds in ../shared/fixtures/press_releases (2013-2015)."""

from __future__ import annotations

import pytest

from scrapers import parsers
from scrapers.parsers import feed
from scrapers.parsers.newsroom_listing import parse_listing
from tests.conftest import shared_fixture

D = "press_releases/statement_gem_2013_2015/"


@pytest.mark.parametrize("name,url,count,next_page,first_date", [
    ("rand_paul_press.html", "https://www.paul.senate.gov/news/press", 20,
     "https://www.paul.senate.gov/news/press?PageNum_rs=2&", "2015-05-19"),
    ("bill_nelson_press.html", "http://www.billnelson.senate.gov/newsroom/press-releases?page=1", 10,
     "http://www.billnelson.senate.gov/newsroom/press-releases?page=2", "2015-03-09"),
    ("cowan_press.html", "http://www.cowan.senate.gov/press", 15, None, "2013-05-01"),
])
def test_listing_pages(name, url, count, next_page, first_date):
    listing = parse_listing(shared_fixture(D + name).read_bytes(), url)
    assert len(listing.entries) == count
    assert listing.next_page == next_page
    assert listing.entries[0].published.isoformat() == first_date
    assert all(e.published for e in listing.entries)
    assert all("/services" not in e.url and "/about" not in e.url for e in listing.entries)
    assert len({e.url for e in listing.entries}) == count


def test_cowan_hrefs_wrapped_in_whitespace_are_cleaned():
    listing = parse_listing(shared_fixture(D + "cowan_press.html").read_bytes(), "http://www.cowan.senate.gov/press")
    assert listing.entries[0].url == ("http://www.cowan.senate.gov/newsroom/press/"
                                      "248000-in-fema-grants-to-assist-first-responders-in-orleans-sudbury-and-winthrop")
    assert listing.entries[0].title.startswith("$248,000 in FEMA Grants")


def test_burr_feed_relative_links_and_lowercase_pubdate():
    body = shared_fixture(D + "richard_burr.xml").read_bytes()
    assert parsers.detect(body, None).kind == "feed"
    items = feed.parse(body, None)
    assert len(items) == 25
    first = items[0]
    assert first.title == "Senator Burr Congratulates Rep. Mel Watt On His Nomination As FHFA Director"
    assert first.url.startswith("http://www.burr.senate.gov/public/index.cfm?FuseAction=PressOffice.PressReleases")
    assert first.published.isoformat() == "2013-05-02"
    assert all(i.published for i in items) and all(i.url.startswith("http") for i in items)
    veterans = next(i for i in items if i.title.startswith("Sanders, Burr"))
    assert [s.name for s in veterans.signers] == ["Sanders", "Burr"]


def test_ruiz_feed_double_escaped_html_and_bills():
    items = feed.parse(shared_fixture(D + "ruiz_rss.xml").read_bytes(), "http://ruiz.house.gov/rss.xml")
    assert len(items) == 10
    first = items[0]
    assert first.published.isoformat() == "2013-04-15"   # "Monday, April 15, 2013 - 2:23pm"
    assert "&nbsp;" not in first.summary and "<" not in first.summary
    assert first.summary.startswith("Washington, DC")
    assert first.chamber == "house"
    for b in ("hr1413-113", "hr273-113", "hconres25-113", "s47-113"):
        assert b in first.bills


def test_feed_refuses_entities_and_oversize():
    evil = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel><item><title>&a;</title></item></channel></rss>'
    assert feed.detect(evil, None) is False  # not even offered to feedparser by ingest
    with pytest.raises(ValueError, match="entit"):
        feed.parse(evil, None)
    with pytest.raises(ValueError, match="too large"):
        feed.parse(b"<rss>" + b" " * (feed.MAX_FEED_BYTES + 1) + b"</rss>", None)
