"""Bill-text parsing and version diffing (see docs/diff-engine.md).

    bt = parse_bill_text(body_bytes)            # BillText (raises BillTextError)
    res = diff_versions(old_bt, new_bt)         # DiffResult
    res.to_json(); res.render_text(); res.render_html()
"""
from tracker.diff.engine import Change, DiffResult, diff_versions
from tracker.diff.numbers import extract_numbers
from tracker.diff.tree import BillText, BillTextError, Provision, parse_bill_text

__all__ = ["parse_bill_text", "diff_versions", "BillText", "DiffResult", "BillTextError", "Provision", "Change",
           "extract_numbers"]
