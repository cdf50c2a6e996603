"""GPO bill text XML (bill DTD ``<bill>``/``<resolution>`` and the Senate's ``<amendment-doc>``).

Source: https://www.govinfo.gov/content/pkg/BILLS-{congress}{type}{number}{version}/xml/... The bill
id and version code come from the document (never the file name, never the metadata title, which
can be wrong: the Senate H.R. 1 text's says "FEHB Protection Act of 2025"). Parsing is
``tracker.diff.parse_bill_text`` (entities off, no DTD).
"""

from __future__ import annotations

import re

from scrapers.items.texts import BillTextItem
from tracker.diff import BillTextError, parse_bill_text

KIND = "bill_text"
PRIORITY = 20

_ROOT = re.compile(rb"<(bill|resolution|amendment-doc)[\s>]")


def detect(body: bytes, url: str | None) -> bool:
    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    return head.lstrip().startswith(b"<") and bool(_ROOT.search(head))


def parse(body: bytes, url: str | None) -> list[BillTextItem]:
    bt = parse_bill_text(body, url)
    if not bt.bill_id:
        raise BillTextError("not bill text: no bill number and congress found in the document")
    if not bt.version_code:
        raise BillTextError("bill text without a recognisable version (bill-stage / amendment type)")
    return [BillTextItem(bill_id=bt.bill_id, version_code=bt.version_code, stage=bt.stage, date=bt.date,
                         official_title=bt.official_title or "", url=url, sections=len(bt.sections), tree=bt)]
