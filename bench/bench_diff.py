"""Bill-text parser and diff engine benchmarks (``python -m bench diff``).

- ``diff_billtext_parse``: :func:`tracker.diff.parse_bill_text` (its C walk where built) vs
  BeautifulSoup (``lxml-xml``) extracting the same (enum, header) of every bill section outside
  quoted blocks and tables of contents, on a ~2 MB
  generated H.R. 1-size bill (~1,100 sections, real GPO element names). Extra: a ~9 MB bill (NDAA size)
  must cost no more than 1.5x the time per MB of the 2 MB one. Extra (untimed): every section's text
  is checked against BeautifulSoup's text of the same section (same non-space characters).
- ``diff_hr1_size``: :func:`tracker.diff.diff_versions` on a generated H.R. 1-size pair vs
  ``difflib.ndiff`` over the same text lines (one line per provision, enums left out so renumbering is
  not a line change for either side). Common answer: the set of section headers touched (removed,
  added or changed). Extra: FAIL when our diff takes more than 0.5 s, on the generated pair and on the
  real H.R. 1 eh -> eas pair (../shared/fixtures, when present; median of 3).
"""

from __future__ import annotations

import difflib
import random
import statistics
import time

from bench.core import Benchmark, Result

WORDS = (
    "the Secretary shall amount appropriated fiscal year Treasury available until September program "
    "section subsection paragraph State eligible individual credit tax deduction taxable income amended "
    "striking inserting following Federal agency report Congress enactment date period loan grant fund "
    "rescinded unobligated balance purpose carry out including any other such term means under with "
    "respect applicable provision regulation requirement payment Medicaid assistance household benefit "
    "energy lease royalty offshore onshore land acre coal oil gas renewable project facility"
).split()
ENUMS_SUB = "abcdefghij"


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _amount(rng: random.Random) -> str:
    return "${:,}".format(rng.randint(1, 9000) * 1_000_000)


def gen_sections(rng: random.Random, n_sections: int) -> list[dict]:
    """Abstract sections: header, container index, subsections of paragraphs (text), maybe a quote."""
    secs = []
    for k in range(n_sections):
        subs = []
        for a in range(rng.randint(2, 4)):
            paras = [f"{_words(rng, rng.randint(8, 20))} {_amount(rng)} {_words(rng, 5)}"
                     for _ in range(rng.randint(0, 3))]
            subs.append({"header": _words(rng, 3).capitalize(), "text": _words(rng, rng.randint(12, 28)),
                         "paras": paras})
        quote = _words(rng, rng.randint(20, 50)) if rng.random() < 0.25 else None
        secs.append({"header": f"{_words(rng, 4).capitalize()} {k}", "lead": _words(rng, 16), "subs": subs,
                     "quote": quote, "qenum": rng.randint(100, 999), "group": k * 24 // max(1, n_sections)})
    return secs


def to_xml(secs: list[dict], enum_base: int = 1000) -> bytes:
    out = ['<?xml version="1.0"?>\n<!DOCTYPE bill PUBLIC "-//US Congress//DTDs/bill.dtd//EN" "bill.dtd">\n'
           '<bill bill-stage="Engrossed-in-House" public-private="public" key="H" bill-type="olc">'
           '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dublinCore><dc:title>x</dc:title>'
           '</dublinCore></metadata><form><congress>119th CONGRESS</congress><legis-num>H. R. 1</legis-num>'
           '<legis-type>AN ACT</legis-type><official-title>To provide for benchmarks.</official-title></form>'
           '<legis-body style="OLC"><section id="S0" section-type="section-one"><enum>1.</enum><header>Table of '
           'contents</header><text>The table of contents is as follows:</text><toc>']
    out += [f'<toc-entry level="section" idref="S{k + 1}">Sec. {k}. {s["header"]}.</toc-entry>'
            for k, s in enumerate(secs[:200])]
    out.append("</toc></section>")
    groups = max(s["group"] for s in secs) + 1
    for t in range((groups + 1) // 2):
        out.append(f'<title id="T{t}"><enum>{t + 1}</enum><header>Title header {t}</header>')
        for st in range(2):
            part = [s for s in secs if s["group"] == 2 * t + st]
            out.append(f'<subtitle id="T{t}S{st}"><enum>{"AB"[st]}</enum><header>Subtitle {t}-{st}</header>')
            for s in part:
                k = enum_base + len(out)
                out.append(f'<section id="H{k}"><enum>{k}.</enum><header>{s["header"]}</header>'
                           f'<text display-inline="no-display-inline">{s["lead"]}</text>')
                for a, sub in enumerate(s["subs"]):
                    out.append(f'<subsection id="H{k}{a}"><enum>({ENUMS_SUB[a]})</enum><header>{sub["header"]}'
                               f'</header><text>{sub["text"]}</text>')
                    for p, para in enumerate(sub["paras"]):
                        out.append(f'<paragraph id="H{k}{a}{p}"><enum>({p + 1})</enum><text>{para}</text></paragraph>')
                    out.append("</subsection>")
                if s["quote"]:
                    out.append(f'<quoted-block style="OLC"><section><enum>{s["qenum"]}.</enum><header>Quoted</header>'
                               f'<text>{s["quote"]}</text></section></quoted-block><after-quoted-block>.'
                               f'</after-quoted-block>')
                out.append("</section>\n")
            out.append("</subtitle>")
        out.append("</title>")
    out.append("</legis-body></bill>\n")
    return "".join(out).encode()


def gen_bill(seed: int, target_mb: float) -> bytes:
    rng = random.Random(seed)
    n = int(1100 * target_mb / 2.0)
    return to_xml(gen_sections(rng, n))


# ---------------------------------------------------------------------------------------------- parse


def _ours_parse(body: bytes):
    from tracker.diff import parse_bill_text

    bt = parse_bill_text(body)
    return [(s.enum, s.header) for s in bt.sections]


def _bs4_parse(body: bytes):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "lxml-xml")
    out = []
    for sec in soup.find_all("section"):
        if sec.find_parent(["quoted-block", "toc"]) is not None:
            continue
        e = sec.find("enum", recursive=False)
        h = sec.find("header", recursive=False)
        enum = " ".join(e.get_text().split()) if e else ""
        if enum.endswith(".") and not enum.startswith("("):
            enum = enum[:-1]
        out.append((enum, " ".join(h.get_text().split()) if h else ""))
    return out


def _parse_setup():
    return gen_bill(20250704, 2.0)


def _chars(t: str) -> int:
    return sum(len(w) for w in t.replace("\u201c", " ").replace("\u201d", " ").split())


def _text_check(body: bytes) -> list[str]:
    """Untimed: our full text of every section has the same non-space characters as BeautifulSoup's
    text of that section (without its own enum/header and without the table of contents)."""
    from bs4 import BeautifulSoup

    from tracker.diff import parse_bill_text

    ours = [_chars(s.full_text) for s in parse_bill_text(body).sections]
    soup = BeautifulSoup(body, "lxml-xml")
    theirs = []
    for sec in soup.find_all("section"):
        if sec.find_parent(["quoted-block", "toc"]) is not None:
            continue
        for t in sec.find_all("toc"):
            t.extract()
        n = _chars(sec.get_text(" "))
        for tag in ("enum", "header"):
            e = sec.find(tag, recursive=False)
            if e is not None:
                n -= _chars(e.get_text(" "))
        theirs.append(n)
    if ours != theirs:
        bad = sum(1 for a, b in zip(ours, theirs) if a != b)
        return [f"FAIL: section text differs from BeautifulSoup's in {bad} sections"]
    return [f"texts of {len(ours)} sections match BeautifulSoup's"]


def _linearity(res: Result) -> list[str]:
    small = res.context["input"]
    big = gen_bill(20250705, 9.0)
    mb_s, mb_b = len(small) / 1e6, len(big) / 1e6
    ts, tb = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        _ours_parse(small)
        ts.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        n_big = len(_ours_parse(big))
        tb.append(time.perf_counter() - t0)
    per_s = statistics.median(ts) / mb_s
    per_b = statistics.median(tb) / mb_b
    growth = per_b / per_s
    note = (f"{mb_s:.1f}MB {len(_ours_parse(small))} sections: {per_s * 1e3:.0f}ms/MB; "
            f"{mb_b:.1f}MB {n_big} sections: {per_b * 1e3:.0f}ms/MB; growth {growth:.2f}x")
    from tracker.diff import tree

    walk = "walk: C (tracker/diff/_ctree.c)" if tree._NATIVE is not None else "walk: pure Python (no C walk built)"
    return ([note, walk] + ([f"FAIL: time per MB grew {growth:.2f}x (> 1.5x)"] if growth > 1.5 else [])
            + [_cpu_ratio(small)] + _text_check(small))


def _cpu_ratio(body: bytes) -> str:
    """Informational: the same comparison in process CPU time (the shared machine's load inflates
    wall-clock times unevenly). Not a pass/fail criterion."""
    ours, theirs = [], []
    for _ in range(3):
        t0 = time.process_time()
        _ours_parse(body)
        ours.append(time.process_time() - t0)
        t0 = time.process_time()
        _bs4_parse(body)
        theirs.append(time.process_time() - t0)
    o, b = statistics.median(ours), statistics.median(theirs)
    return f"cpu-time: ours {o * 1e3:.0f}ms vs bs4 {b * 1e3:.0f}ms = {b / o:.1f}x"


# ---------------------------------------------------------------------------------------------- diff


def _mutate(secs: list[dict], seed: int) -> tuple[list[dict], set[str]]:
    """Remove ~3%, add ~3%, change an amount in ~10% of the sections. Returns new sections and the set
    of headers touched (the expected answer)."""
    rng = random.Random(seed)
    new = []
    touched: set[str] = set()
    for s in secs:
        r = rng.random()
        if r < 0.03:
            touched.add(s["header"])
            continue
        if r < 0.13:
            s = {**s, "subs": [dict(sub) for sub in s["subs"]]}
            sub = rng.choice(s["subs"])
            sub["text"] = sub["text"] + f" not to exceed {_amount(rng)}"
            if r < 0.08:  # a rewritten subsection, as amendments do
                sub = rng.choice(s["subs"])
                sub["text"] = _words(rng, len(sub["text"].split()))
                sub["paras"] = [_words(rng, 12) + f" {_amount(rng)}" for _ in sub["paras"]]
            touched.add(s["header"])
        new.append(s)
        if rng.random() < 0.03:
            extra = gen_sections(rng, 1)[0]
            extra["header"] = f"Added provision {len(new)} {_words(rng, 2)}"
            extra["group"] = s["group"]
            new.append(extra)
            touched.add(extra["header"])
    return new, touched


def _lines(bt) -> list[str]:
    """The same text for the baseline: one line per provision, headers and text, no enums."""
    out = []
    for s in bt.sections:
        out.append(f"SECTION {s.header}\n")
        for p in s.walk():
            if p is s:
                if p.text:
                    out.append(p.text + "\n")
                continue
            out.append(" ".join(x for x in (p.header, p.text) if x) + "\n")
    return out


def _diff_setup():
    from tracker.diff import parse_bill_text

    secs = gen_sections(random.Random(119), 1100)
    new_secs, touched = _mutate(secs, 7)
    old_bt = parse_bill_text(to_xml(secs, enum_base=1000))
    new_bt = parse_bill_text(to_xml(new_secs, enum_base=5000))  # every section renumbered
    return {"old": old_bt, "new": new_bt, "old_lines": _lines(old_bt), "new_lines": _lines(new_bt),
            "expected": touched}


def _ours_diff(inp):
    from tracker.diff import diff_versions

    res = diff_versions(inp["old"], inp["new"])
    return {(c.new or c.old).header if c.change == "added" else c.old.header for c in res.changes}


def _ndiff(inp):
    touched: set[str] = set()
    cur = None
    for line in difflib.ndiff(inp["old_lines"], inp["new_lines"]):
        tag, body = line[:2], line[2:]
        if tag == "? ":
            continue
        if body.startswith("SECTION "):
            cur = body[8:].rstrip("\n")
        if tag in ("- ", "+ ") and cur is not None:
            touched.add(cur)
    return touched


def _diff_check(a, b) -> bool:
    return a == b


def _diff_extra(res: Result) -> list[str]:
    inp = res.context["input"]
    notes = [f"{len(inp['old'].sections)}->{len(inp['new'].sections)} sections, "
             f"{len(inp['expected'])} touched"]
    if _ours_diff(inp) != inp["expected"]:
        notes.append("FAIL: diff does not report exactly the generated edits")
    if res.candidate_s > 0.5:
        notes.append(f"FAIL: diff took {res.candidate_s:.2f}s (> 0.5 s)")
    notes.extend(_real_diff())
    return notes


def _real_diff() -> list[str]:
    """The real H.R. 1 eh -> eas diff (heavy Senate rewrite), when ../shared/fixtures is present."""
    from pathlib import Path

    from tracker.diff import diff_versions, parse_bill_text

    real = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "bill_text"
    if not (real / "BILLS-119hr1eh.xml").exists():
        return ["real H.R. 1 not found: skipped"]
    eh = parse_bill_text((real / "BILLS-119hr1eh.xml").read_bytes())
    eas = parse_bill_text((real / "BILLS-119hr1eas.xml").read_bytes())
    ts, cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        res = diff_versions(eh, eas)
        ts.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    t = statistics.median(ts)
    s = res.summary
    note = (f"real hr1 eh->eas {t * 1e3:.0f}ms (cpu {statistics.median(cpu) * 1e3:.0f}ms; {s['removed']} removed, {s['added']} added, {s['modified']} "
            f"modified, {s['moved']} moved, {s['unchanged']} unchanged; {res.stats['comparisons']} comparisons)")
    return [note] + ([f"FAIL: real eh->eas diff took {t:.2f}s (> 0.5 s)"] if t > 0.5 else [])


BENCHMARKS = [
    Benchmark("diff_billtext_parse", _parse_setup, _ours_parse, _bs4_parse, target=15, repeat=3,
              check=lambda a, b: a == b and len(a) > 1000, extra=_linearity),
    Benchmark("diff_hr1_size", _diff_setup, _ours_diff, _ndiff, target=5, repeat=3,
              check=_diff_check, extra=_diff_extra),
]
