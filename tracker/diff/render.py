"""Output of a :class:`~tracker.diff.engine.DiffResult`: plain text for staffers, JSON, standalone HTML.

HTML: every piece of document text goes through ``html.escape``; no scripts, no external resources.
"""

from __future__ import annotations

import html
import json

from tracker.diff.engine import Change, DiffResult, redline_html


def _label(bt) -> str:
    bits = [bt.bill_id or "unknown bill"]
    if bt.version_code:
        bits.append(bt.version_code)
    if bt.date:
        bits.append(bt.date)
    return " ".join(bits)


def short_ref(ref: dict | None) -> str:
    """A provision of a change's JSON (``{"enum", "header", "path"}``) as a citation a reader knows:
    "Sec. 70110", "Sec. 100052(9)" for a paragraph of a section (from its path), else its path."""
    if not ref:
        return ""
    segs = [x.strip() for x in (ref.get("path") or "").split(" > ") if x.strip()]
    for i in range(len(segs) - 1, -1, -1):
        if segs[i].startswith("Sec. "):
            return segs[i] + "".join(segs[i + 1:])
    enum = (ref.get("enum") or "").rstrip(".")
    if enum and not enum.startswith("("):
        return enum if enum.lower().startswith(("sec", "title", "subtitle", "part", "chapter", "division")) \
            else f"Sec. {enum}"
    return segs[-1] if segs else enum


def _where(p) -> str:
    return f"{p.path} \u2014 {p.header}" if p.header else p.path


def summary_line(res: DiffResult) -> str:
    s = res.summary
    return (f"{_label(res.old)} -> {_label(res.new)}: {s['removed']} removed, {s['added']} added, "
            f"{s['modified']} modified, {s['moved']} moved, {s['unchanged']} unchanged "
            f"({len(res.old.sections)} -> {len(res.new.sections)} sections)")


def render_text(res: DiffResult) -> str:
    lines = [summary_line(res)]
    groups = [("removed", "REMOVED"), ("added", "ADDED"), ("modified", "MODIFIED"), ("moved", "MOVED")]
    for key, title in groups:
        items = [c for c in res.changes if c.change == key]
        if not items:
            continue
        lines.append("")
        lines.append(f"{title} ({len(items)})")
        for c in items:
            lines.extend(_text_change(c))
    return "\n".join(lines) + "\n"


def _text_change(c: Change) -> list[str]:
    out: list[str] = []
    if c.change == "removed":
        out.append(f"  - {_where(c.old)}")
    elif c.change == "added":
        out.append(f"  + {_where(c.new)}")
    elif c.carried is not None and c.carried["relation"] == "split_into":
        out.append(f"  * {_where(c.old)}   [split into {len(c.carried['parts'])} sections, "
                   f"{c.carried['share']:.0%} of its distinctive wording]")
        for x in c.carried["parts"]:
            out.append(f"      > {x['path']} \u2014 {x['header']} ({x['share']:.0%})")
    else:
        head = f"  * {_where(c.new)}"
        if c.old.path != c.new.path or c.old.header != c.new.header:
            head += f"   (was {_where(c.old)})"
        if c.carried is not None:
            head += f"   [{c.carried['relation'].replace('_', ' ')}, {c.carried['share']:.0%} of its distinctive wording]"
        elif c.change == "moved" and c.similarity >= 1.0:
            head += "   [same text]"
        else:
            head += f"   [similarity {c.similarity:.2f}]"
        out.append(head)
        for a, b in c.numbers:
            out.append(f"      {a} -> {b}")
        for d in c.details[:12]:
            mark = {"removed": "-", "added": "+", "modified": "~", "moved": ">"}[d["change"]]
            out.append(f"      {mark} {d['path']}: {d['excerpt']}")
        if len(c.details) > 12:
            out.append(f"      ... and {len(c.details) - 12} more sub-provision changes")
    return out


def render_json(res: DiffResult, indent: int | None = 2) -> str:
    return json.dumps(res.to_json(), indent=indent, ensure_ascii=False)


_CSS = """
body{font-family:Georgia,serif;max-width:60em;margin:2em auto;line-height:1.45;color:#222}
h1{font-size:1.3em} h2{font-size:1.1em;border-bottom:1px solid #ccc;margin-top:2em}
h3{font-size:1em;margin-bottom:.2em} .path{color:#555;font-size:.9em}
del{background:#fdd;color:#900} ins{background:#dfd;color:#060;text-decoration:none}
.num{font-family:monospace} .text{white-space:pre-wrap}
"""


def render_html(res: DiffResult) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(_label(res.old))} vs {e(_label(res.new))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(res.old.official_title or '')}</h1>",
        f"<p>{e(summary_line(res))}</p>",
    ]
    for key, title in (("removed", "Removed sections"), ("added", "Added sections"),
                       ("modified", "Modified sections"), ("moved", "Moved sections")):
        items = [c for c in res.changes if c.change == key]
        if not items:
            continue
        parts.append(f"<h2>{e(title)} ({len(items)})</h2>")
        for c in items:
            p = c.new if c.new is not None else c.old
            parts.append(f"<section><h3>{e(p.label)}. {e(p.header)}</h3>")
            if c.old is not None and c.new is not None:
                parts.append(f'<div class="path">{e(c.old.path)} \u2192 {e(c.new.path)}</div>')
            else:
                parts.append(f'<div class="path">{e(p.path)}</div>')
            if c.numbers:
                parts.append("<ul>" + "".join(
                    f'<li class="num"><del>{e(a)}</del> \u2192 <ins>{e(b)}</ins></li>' for a, b in c.numbers
                ) + "</ul>")
            if c.change == "removed":
                parts.append(f'<p class="text"><del>{e(p.full_text)}</del></p>')
            elif c.change == "added":
                parts.append(f'<p class="text"><ins>{e(p.full_text)}</ins></p>')
            elif c.carried is not None and c.carried["relation"] == "split_into":
                parts.append("<p>Split into: " + ", ".join(
                    f"{e(x['path'])} ({e(x['header'])})" for x in c.carried["parts"]) + "</p>")
            elif c.carried is not None and not c.carried["compared"]:
                parts.append(f"<p>{e(c.details[0]['excerpt'])}</p>")
                parts.append(f'<p class="text">{e(c.old.full_text)}</p>')
            elif c.similarity < 1.0:
                old_t = f"{c.old.header}. {c.old.full_text}"
                new_t = f"{c.new.header}. {c.new.full_text}"
                parts.append(f'<p class="text">{redline_html(old_t, new_t)}</p>')
            else:
                parts.append("<p><em>Same text.</em></p>")
            parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
