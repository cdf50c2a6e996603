"""Pure text analysis for newsroom pages: member mentions (signers), letter signals, recipients,
agencies and the questions a letter asks. Vocabulary lives in ``scrapers/parsers/vocab/*.csv``.

Member names are only *extracted* here ("Sen. Elizabeth Warren (D-Mass.)", "Ranking Member Ron
Wyden, D-Ore.", "Sens. Warren, Wyden and Sanders", a signature block after "Sincerely,");
resolution to bioguide ids happens in the importer, inside the write transaction.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

VOCAB = Path(__file__).resolve().parent / "vocab"


def _rows(name: str) -> list[dict[str, str]]:
    with (VOCAB / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@lru_cache(maxsize=1)
def _states() -> dict[str, str]:
    """Every spelling -> USPS code: "Mass." "Mass" "MA" "Massachusetts" -> MA."""
    out: dict[str, str] = {}
    for r in _rows("ap_states.csv"):
        code = r["state"].strip()
        names = [code, r["ap"]] + [a for a in (r.get("aliases") or "").split("|") if a]
        for n in names:
            out[_state_norm(n)] = code
    return out


def _state_norm(s: str) -> str:
    return re.sub(r"[\s.]", "", s).lower()


def state_code(text: str | None) -> str | None:
    if not text:
        return None
    return _states().get(_state_norm(text))


@lru_cache(maxsize=1)
def signals() -> list[tuple[str, str, int]]:
    return [(r["signal"].lower(), r["where"], int(r["weight"])) for r in _rows("letter_signals.csv")]


@lru_cache(maxsize=1)
def _agencies() -> list[tuple[re.Pattern[str], str]]:
    pats: list[tuple[str, str, bool]] = []
    for r in _rows("agencies.csv"):
        name = r["name"].strip()
        pats.append((name, name, False))
        for a in (r.get("aliases") or "").split("|"):
            if a.strip():
                pats.append((a.strip(), name, False))
        if (r.get("acronym") or "").strip():
            pats.append((r["acronym"].strip(), name, True))
    pats.sort(key=lambda p: -len(p[0]))  # longest first: "Social Security Administration" before "Social Security"
    out = []
    for text, name, acronym in pats:
        rx = re.compile(r"(?<![\w])" + re.escape(text) + r"(?![\w])", 0 if acronym else re.I)
        out.append((rx, name))
    return out


def agency_in(text: str | None) -> str | None:
    """The canonical agency named in a phrase (first, longest match), or None."""
    if not text:
        return None
    # "Secretary of Labor" / "Labor Secretary" name the department.
    text = re.sub(r"\bSecretary of (the )?", r"Department of \1", text)
    text = re.sub(r"\b(Labor|Energy|Education|Commerce|Transportation|Agriculture|Defense|State|Treasury|Interior) "
                  r"Secretary\b", r"\1 Department", text)
    best: tuple[int, str] | None = None
    for rx, name in _agencies():
        m = rx.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


# --- member mentions ------------------------------------------------------------------------------

_UP = r"A-ZÀ-ÖØ-Þ"
_WORD = rf"(?:[{_UP}][\w'’\-]*\.?|Mc[{_UP}]\w+|O’[{_UP}]\w+)"
_NAME = rf"{_WORD}(?:\s+{_WORD}){{0,5}}"
_STATE = r"(?:[A-Z]\.\s?){1,3}(?:[A-Z][a-z]+\.)?|[A-Z][a-z]+\.?(?:\s[A-Z][a-z]+\.?)?|[A-Z]{2}"
_TAG_PAREN = re.compile(rf"({_NAME})\s*\(\s*([DRI])\s*[-–—]\s*({_STATE})\s*\)")
_TAG_COMMA = re.compile(rf"({_NAME}),\s*([DRI])\s*[-–—]\s*({_STATE})(?=[\s,;:)]|$)")
_TITLES = {
    "sen.": ("Sen.", "senate"), "senator": ("Sen.", "senate"), "sens.": ("Sen.", "senate"),
    "senators": ("Sen.", "senate"), "rep.": ("Rep.", "house"), "reps.": ("Rep.", "house"),
    "representative": ("Rep.", "house"), "representatives": ("Rep.", "house"),
    "congressman": ("Rep.", "house"), "congresswoman": ("Rep.", "house"), "del.": ("Del.", "house"),
    "delegate": ("Del.", "house"), "leader": ("Leader", None), "whip": ("Whip", None),
    "chairman": ("Chairman", None), "chairwoman": ("Chair", None), "chair": ("Chair", None),
    "member": ("Member", None), "ranking": ("Ranking Member", None), "speaker": ("Speaker", "house"),
}
_STOP_WORDS = {"u.s.", "us", "united", "states", "the", "and", "today", "ranking", "member", "members", "vice",
               "majority", "minority", "democratic", "republican", "committee", "senate", "house", "finance",
               "u.s", "dr.", "mr.", "ms.", "mrs.", "also", "both", "fellow", "colleagues", "joined", "by", "led",
               "with", "while", "in", "on", "of", "for", "a", "an", "as", "at", "washington", "d.c.", "–", "-", "—",
               "said", "yesterday", "this", "week", "last", "earlier", "new", "york", "when", "after", "before"}
_TITLED = re.compile(
    rf"\b(Sen\.|Sens\.|Senator|Senators|Rep\.|Reps\.|Representative|Representatives|Congressman|Congresswoman|"
    rf"Ranking Member|Chairman|Chairwoman|Chair|Leader|Whip|Speaker)\s+((?:{_WORD}(?:,\s*|\s*,?\s+and\s+|\s*&\s*|\s+)?){{1,16}})")
_NON_NAMES = {"Social", "Security", "Administration", "Commissioner", "Secretary", "Department", "Committee",
              "Congress", "Senate", "House", "Finance", "Act", "Bill", "Today", "Monday", "Tuesday", "Wednesday",
              "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June",
              "July", "August", "September", "October", "November", "December", "Republicans", "Democrats",
              "Republican", "Democrat", "Democratic", "President", "Trump", "Biden", "Administrator", "Director",
              "Americans", "American", "Federal", "National", "Office", "Letter", "Dear", "Sincerely", "Ranking",
              "Member", "Members", "Chairman", "Chair", "Leader", "Whip", "Speaker", "The", "Sen", "Senator",
              "Senators", "Sens", "Rep", "Reps", "Representative", "Representatives", "Congressman", "Congresswoman",
              "Read", "Full", "Text", "Click", "Here", "U.S.", "Elon", "Musk", "DOGE", "SSA", "Vice", "Majority",
              "Minority", "Washington", "Democratic", "Budget", "Appropriations", "Health", "Education", "Labor",
              "Pensions", "Judiciary", "Commerce", "Homeland", "Affairs", "Banking", "Intelligence", "Armed",
              "Services", "Agriculture", "Veterans", "Energy", "Natural", "Resources", "Environment", "Public",
              "Works", "Foreign", "Relations", "Rules", "Small", "Business", "Indian", "Aging", "Ethics", "Ways",
              "Means", "Oversight", "Reform", "Over", "One", "Big", "Beautiful", "Why", "How", "What", "New"}


def fold(s: str) -> str:
    """Accent-free lower case, for comparing names ("Luján" == "Lujan")."""
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).lower()


def _clean_name(raw: str) -> tuple[str, str | None, str | None] | None:
    """The trailing run of name words in a captured phrase, and the title just before it.
    "U.S. Senators Elizabeth Warren" -> ("Elizabeth Warren", "Sen.", "senate"). Returns None when
    no plausible name is left."""
    words = [w.strip(",") for w in raw.replace("\u00a0", " ").split()]
    words = [w for w in words if w]
    name_words: list[str] = []
    i = len(words) - 1
    while i >= 0 and len(name_words) < 4:
        w = words[i]
        lw = w.lower()
        if (lw in _TITLES or lw in _STOP_WORDS or w.rstrip(".") in _NON_NAMES or not w[0].isupper()
                or re.match(r"^[DRI]\s*[-–—]", w) or re.fullmatch(r"(?:[A-Z]\.)+", w)):
            break
        name_words.insert(0, w)
        i -= 1
    title = chamber = None
    j = i
    while j >= 0 and j >= i - 2:
        lw = words[j].lower()
        if lw in _TITLES:
            t, ch = _TITLES[lw]
            if lw == "member" and j > 0 and words[j - 1].lower() == "ranking":
                t = "Ranking Member"
            title, chamber = title or t, chamber or ch
        j -= 1
    if not name_words:
        return None
    name = " ".join(name_words)
    if len(name) < 2 or not re.search(r"[a-zà-ÿ]", name):
        return None
    return name, title, chamber


def _split_name(name: str) -> tuple[str | None, str]:
    parts = name.split()
    suffixes = {"jr.", "jr", "sr.", "iii", "ii", "iv"}
    while len(parts) > 1 and parts[-1].lower().strip(",") in suffixes:
        parts.pop()
    if len(parts) == 1:
        return None, parts[0]
    return parts[0], parts[-1]


def _mention(name: str, title: str | None, chamber: str | None, party: str | None, state: str | None,
             role: str) -> dict:
    first, last = _split_name(name)
    return {"name": name, "first_name": first, "last_name": last, "title": title, "party": party,
            "state": state, "chamber": chamber, "role": role}


def tagged_mentions(text: str, role: str = "signer") -> list[dict]:
    """Names with a party-state tag: "Elizabeth Warren (D-Mass.)", "Ron Wyden, D-Ore.,"."""
    out = []
    for rx in (_TAG_PAREN, _TAG_COMMA):
        for m in rx.finditer(text):
            st = state_code(m.group(3))
            if not st:
                continue
            cleaned = _clean_name(m.group(1))
            if not cleaned:
                continue
            name, title, chamber = cleaned
            pre = text[max(0, m.start() - 40):m.start() + len(m.group(1))]
            if title is None:
                tm = re.search(r"(Sen\.|Sens\.|Senators?|Rep\.|Reps\.|Representatives?|Congress(?:wo)?man|Ranking Member)"
                               r"[^.;]*$", pre)
                if tm:
                    title, chamber = _TITLES.get(tm.group(1).split()[0].lower(), (None, None))
            out.append((m.start(), _mention(name, title, chamber, m.group(2), st, role)))
    out.sort(key=lambda x: x[0])
    return [m for _, m in out]


def titled_mentions(text: str, role: str = "signer") -> list[dict]:
    """Names after a title, including lists: "Sen. Warren", "Sens. Warren, Wyden and Sanders"."""
    out = []
    for m in _TITLED.finditer(text):
        t, chamber = _TITLES.get(m.group(1).split()[0].lower(), (None, None))
        if m.group(1) == "Ranking Member":
            t = "Ranking Member"
        chunk = m.group(2)
        # Stop at a lower-case word (verbs, "today") already done by the regex; split the list.
        for piece in re.split(r",\s*|\s+and\s+|\s*&\s*", chunk):
            piece = piece.strip()
            if not piece:
                continue
            cleaned = _clean_name(piece)
            if not cleaned:
                continue
            name, t2, ch2 = cleaned
            if len(name.split()) > 3:
                continue
            out.append(_mention(name, t2 or t, ch2 or chamber, None, None, role))
    return out


def title_surnames(title: str, known_last: set[str]) -> list[dict]:
    """"Warren, Wyden, Sanders, Gillibrand Demand Answers ..." -> surname mentions (two or more, or
    one that is already known from the page)."""
    m = re.match(rf"^\s*((?:{_WORD})(?:\s*(?:,|&|\band\b)\s*(?:{_WORD}))*)\s+[A-Z]?[a-z]*", title)
    if not m:
        return []
    names = [n.strip() for n in re.split(r",|&|\band\b", m.group(1)) if n.strip()]
    names = [n for n in names if len(n.split()) == 1 and n not in _NON_NAMES and n[0].isupper()]
    if len(names) < 2 and not (names and fold(names[0]) in known_last):
        return []
    return [_mention(n, None, None, None, None, "signer") for n in names]


def signature_names(paras: list[str]) -> list[dict]:
    """Names in a letter's signature block: the lines after "Sincerely,"."""
    out = []
    for i, p in enumerate(paras):
        if re.match(r"^(sincerely|respectfully|best regards|regards|cordially)[,.]?$", p.strip(), re.I):
            for line in paras[i + 1:i + 60]:
                line = line.strip()
                if re.match(r"^(###|#\s*#\s*#|cc:|enclosure)", line, re.I):
                    break
                m = re.match(rf"^({_WORD}(?:\s+{_WORD}){{1,3}})(?:,\s*(.*))?$", line)
                if not m or len(line) > 90:
                    continue
                cleaned = _clean_name(m.group(1))
                if not cleaned:
                    continue
                name, title, chamber = cleaned
                if len(name.split()) < 2:
                    continue
                role_text = (m.group(2) or "").lower()
                if "senator" in role_text:
                    chamber = "senate"
                out.append(_mention(name, title, chamber, None, None, "signer"))
            break
    return out


def _same_first(a: str, b: str) -> bool:
    """"Bernie" / "Bernard", "Tim" / "Timothy": same person; "Rick" / "Tim": not."""
    a, b = fold(a).strip("."), fold(b).strip(".")
    return a == b or a[:3] == b[:3] or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def merge_mentions(mentions: list[dict]) -> list[dict]:
    """One entry per person: "Warren" merges into "Elizabeth Warren (D-Mass.)" (richer wins)."""
    merged: list[dict] = []
    for m in mentions:
        key = fold(m["last_name"])
        hit = None
        for o in merged:
            if fold(o["last_name"]) != key:
                continue
            if m["first_name"] and o["first_name"] and not _same_first(m["first_name"], o["first_name"]):
                continue
            if m["state"] and o["state"] and m["state"] != o["state"]:
                continue
            hit = o
            break
        if hit is None:
            merged.append(dict(m))
            continue
        for k in ("first_name", "title", "party", "state", "chamber", "bioguide"):
            if not hit.get(k) and m.get(k):
                hit[k] = m[k]
        if len(m["name"]) > len(hit["name"]):
            hit["name"] = m["name"]
            hit["first_name"] = m["first_name"] or hit["first_name"]
        if m.get("role") == "lead":
            hit["role"] = "lead"
    return merged


# --- letters --------------------------------------------------------------------------------------

_LETTER_VERBS = re.compile(
    r"\b(sent a letter|sent letters|wrote a letter|wrote to|in a letter to|led a letter|joined a letter|"
    r"penned a letter|sent a bipartisan letter|sent a joint letter|are demanding answers in a letter)\b", re.I)
_RECIPIENT_END = re.compile(
    r",|;|\.\s|\s[-–—]\s|\s(?:demanding|urging|requesting|asking|regarding|about|calling|seeking|that|"
    r"expressing|raising|after|following|to\s+(?:demand|request|ask|urge|express|raise|press)|on\s+(?:the|his|her|their))\b",
    re.I)


_ABBREV = {"sen", "sens", "rep", "reps", "dr", "mr", "ms", "mrs", "jr", "sr", "st", "no", "gov", "lt", "gen",
           "inc", "co", "vs", "corp", "dept", "sec", "u.s", "d.c", "h.r", "s", "res", "con", "j", "a.m", "p.m",
           "sept", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "oct", "nov", "dec"}
_SENT_END = re.compile(r"[.!?][\"”’)]*\s+(?=[A-Z“\"(])")


def split_sentences(text: str) -> list[str]:
    """Sentences, without splitting after "Sen.", "U.S.", "(D-Mass.)" or "H.R."."""
    out, start = [], 0
    for m in _SENT_END.finditer(text):
        before = text[start:m.start() + 1]
        word = re.search(r"([\w.\-]+)[.!?]$", before)
        w = (word.group(1) if word else "").lower().strip(".")
        last = w.rsplit("-", 1)[-1]
        if text[m.start()] == "." and (w in _ABBREV or last in _ABBREV or state_code(last + ".")
                                       or len(last) == 1 or re.fullmatch(r"(?:[a-z]\.)+[a-z]?", w)):
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def letter_sentence(paras: list[str]) -> tuple[str, int] | None:
    """The first sentence announcing a letter, and the offset of its letter verb."""
    for p in paras[:12]:
        for s in split_sentences(p):
            m = _LETTER_VERBS.search(s)
            if m:
                return s, m.start()
    return None


def recipient_from(sentence: str, verb_at: int) -> str | None:
    """"... sent a letter to Social Security Administration (SSA) Commissioner Frank Bisignano,
    demanding ..." -> "Social Security Administration (SSA) Commissioner Frank Bisignano"."""
    tail = sentence[verb_at:]
    m = re.search(r"\b(?:letter|letters|wrote)\s+to\s+(.+)", tail, re.I) or re.search(r"\bto\s+(.+)", tail, re.I)
    if not m:
        return None
    rest = m.group(1)
    end = _RECIPIENT_END.search(rest)
    phrase = rest[:end.start()] if end else rest
    phrase = re.sub(r"^(the|then|new|newly confirmed)\s+", "", phrase.strip(), flags=re.I).strip(" .\"“”")
    if not phrase or len(phrase) > 160 or not re.search(r"[A-Z]", phrase):
        return None
    return phrase


def salutation(paras: list[str]) -> str | None:
    """"Dear Commissioner Bisignano:" -> "Commissioner Bisignano"."""
    for p in paras:
        m = re.match(r"^Dear\s+(.{2,120}?)\s*[:,]\s*$", p.strip())
        if m:
            return m.group(1)
    return None


_QUESTION_INTRO = re.compile(r"(following questions|answer[s]? to (?:the|these)|questions by|respond to|"
                             r"we (?:request|ask|urge)|please provide|following information|following by)", re.I)


def asks_from_paras(paras: list[str], list_items: list[str]) -> list[str]:
    """Questions or demands: list items of the letter (numbered questions), else numbered paragraphs,
    else sentences ending with a question mark in the letter part."""
    items = [li for li in list_items if len(li) >= 15]
    if items:
        return items[:40]
    numbered = [re.sub(r"^\(?\d{1,2}[.)]\s*", "", p) for p in paras if re.match(r"^\(?\d{1,2}[.)]\s+\S", p)]
    if numbered:
        return numbered[:40]
    start = next((i for i, p in enumerate(paras) if p.startswith("Dear ")), None)
    scope = paras[start:] if start is not None else []
    qs = [s for p in scope for s in split_sentences(p) if s.endswith("?") and len(s) >= 20]
    return qs[:20]
