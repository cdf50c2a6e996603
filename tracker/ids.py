"""Identifiers: the one place they are built and split.

Formats (see ../shared/DESIGN.md, borrowed from unitedstates/congress):

- bill:          ``{type}{number}-{congress}``          e.g. ``hr1-119``, ``hjres12-119``
- text version:  ``{bill_id}:{code}``                   e.g. ``hr1-119:eas``
- vote:          ``{h|s}{number}-{congress}.{year}``    e.g. ``s372-119.2025``
- member:        bioguide id ``W000817``; Senate LIS ids ``S428`` are kept alongside.

Every ``parse_*`` raises ``ValueError`` with a one-line reason on malformed input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

BILL_TYPES: tuple[str, ...] = ("hr", "s", "hres", "sres", "hjres", "sjres", "hconres", "sconres")

# How each bill type is written in citations ("H.R. 1", "S.J.Res. 12"). Longest first so that
# "H.Con.Res." wins over "H." when scanning text.
BILL_TYPE_CITATIONS: dict[str, str] = {
    "hr": "H.R.",
    "s": "S.",
    "hres": "H.Res.",
    "sres": "S.Res.",
    "hjres": "H.J.Res.",
    "sjres": "S.J.Res.",
    "hconres": "H.Con.Res.",
    "sconres": "S.Con.Res.",
}

# GPO bill-version codes grouped by legislative stage. Used to order the text versions of a bill
# because the metadata date is often empty. Source: GPO "Bill Versions" table (govinfo help).
# Within the engrossed-amendment tier the second chamber amends first: for a House bill the
# Senate amendment (eas) precedes a House amendment to it (eah); for a Senate bill the reverse.
VERSION_TIERS: tuple[tuple[str, ...], ...] = (
    ("ih", "is"),                                                     # introduced
    ("rih", "ris", "rh", "rs", "rch", "rcs", "rdh", "rds", "rth", "rts", "rah", "ras", "pch", "pcs",
     "cph", "cps", "sc", "pp", "pap", "lth", "lts", "hdh", "hds", "iph", "ips", "fph", "fps", "oph",
     "ops", "ath", "ats"),                                            # reported / committee stages
    ("eh", "es"),                                                     # engrossed in the first chamber
    ("rfh", "rfs", "eph", "eps"),                                     # referred to the second chamber
    ("ash", "ass", "eas", "eah"),                                     # engrossed amendments
    ("re", "enr"),                                                    # enrolled
)
_TIER = {code: i for i, codes in enumerate(VERSION_TIERS) for code in codes}

# GPO version names -> version codes, however a source spells them: BILLSTATUS and the congress.gov
# API ("Engrossed Amendment Senate"), the bill XML's bill-stage attribute ("Engrossed-in-House").
# Keys are normalised by :func:`version_code_for_name` (lower case, hyphens as spaces).
VERSION_NAMES: dict[str, str] = {
    "introduced in house": "ih", "introduced in senate": "is", "reported in house": "rh",
    "reported in senate": "rs", "reported to house": "rh", "reported to senate": "rs",
    "reported by house": "rh", "reported by senate": "rs",
    "engrossed in house": "eh", "engrossed in senate": "es", "referred in senate": "rfs",
    "referred in house": "rfh", "engrossed amendment senate": "eas", "engrossed amendment house": "eah",
    "enrolled bill": "enr", "re enrolled bill": "re", "placed on calendar senate": "pcs",
    "placed on calendar house": "pch", "received in senate": "rds", "received in house": "rdh",
    "public print": "pp", "committee discharged senate": "cds", "committee discharged house": "cdh",
    "considered and passed senate": "cps", "considered and passed house": "cph",
    "agreed to senate": "ats", "agreed to house": "ath", "reference change senate": "rcs",
    "reference change house": "rch", "additional sponsors house": "ash", "additional sponsors senate": "ass",
    "star print": "sp", "enrolled as agreed to or passed by both house and senate": "enr",
}


def version_code_for_name(name: str | None) -> str | None:
    """``"Engrossed Amendment Senate"`` or ``"engrossed-in-house"`` -> ``"eas"`` / ``"eh"``; None if unknown."""
    key = " ".join((name or "").replace("-", " ").lower().split())
    return VERSION_NAMES.get(key)


_BILL_RE = re.compile(r"^(hr|s|hres|sres|hjres|sjres|hconres|sconres)([1-9][0-9]{0,5})-([1-9][0-9]{0,2})$")
_VERSION_CODE_RE = re.compile(r"^[a-z]{2,4}$")
_VOTE_RE = re.compile(r"^([hs])([1-9][0-9]{0,4})-([1-9][0-9]{0,2})\.((?:17|18|19|20|21)[0-9]{2})$")
_BIOGUIDE_RE = re.compile(r"^[A-Z][0-9]{6}$")
_LIS_RE = re.compile(r"^S[0-9]{3}$")


@dataclass(frozen=True)
class BillId:
    type: str
    number: int
    congress: int

    def __str__(self) -> str:
        return bill_id(self.type, self.number, self.congress)

    @property
    def citation(self) -> str:
        """Human citation, e.g. ``H.R. 1`` (congress not included)."""
        return f"{BILL_TYPE_CITATIONS[self.type]} {self.number}"


@dataclass(frozen=True)
class VersionId:
    bill: BillId
    code: str

    def __str__(self) -> str:
        return f"{self.bill}:{self.code}"


@dataclass(frozen=True)
class VoteId:
    chamber: str  # "h" or "s"
    number: int
    congress: int
    year: int

    def __str__(self) -> str:
        return vote_id(self.chamber, self.number, self.congress, self.year)


def _int(value: object, what: str, lo: int, hi: int) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a whole number, got {value!r}") from None
    if not lo <= n <= hi:
        raise ValueError(f"{what} {n} out of range {lo}..{hi}")
    return n


def normalize_bill_type(value: str) -> str:
    """Map the many spellings of a bill type to ours: ``HR``, ``H.R.``, ``hjres``, ``H.J.Res.``,
    ``HCONRES``, ``S.Con.Res.`` -> ``hr``, ``hjres``, ``hconres``, ``sconres``."""
    if not isinstance(value, str):
        raise ValueError(f"bill type must be text, got {value!r}")
    t = re.sub(r"[\s.]", "", value).lower()
    if t not in BILL_TYPES:
        raise ValueError(f"unknown bill type {value!r} (expected one of {', '.join(BILL_TYPES)})")
    return t


def bill_id(bill_type: str, number: int | str, congress: int | str) -> str:
    """``bill_id("HR", 1, 119) == "hr1-119"``."""
    t = normalize_bill_type(bill_type)
    n = _int(number, "bill number", 1, 999_999)
    c = _int(congress, "congress", 1, 999)
    return f"{t}{n}-{c}"


def parse_bill_id(value: str) -> BillId:
    """Split ``hr1-119`` into its parts. Raises ``ValueError`` on anything else."""
    if not isinstance(value, str):
        raise ValueError(f"bill id must be text, got {value!r}")
    m = _BILL_RE.match(value.strip())
    if not m:
        raise ValueError(f"malformed bill id {value!r} (expected e.g. hr1-119, hjres12-119)")
    return BillId(m.group(1), int(m.group(2)), int(m.group(3)))


def is_bill_id(value: str) -> bool:
    try:
        parse_bill_id(value)
        return True
    except ValueError:
        return False


def version_id(bill: str | BillId, code: str) -> str:
    """``version_id("hr1-119", "EAS") == "hr1-119:eas"``."""
    b = parse_bill_id(str(bill))
    c = (code or "").strip().lower()
    if not _VERSION_CODE_RE.match(c):
        raise ValueError(f"malformed text version code {code!r} (expected e.g. ih, eh, eas, enr)")
    return f"{b}:{c}"


def parse_version_id(value: str) -> VersionId:
    """Split ``hr1-119:eas``."""
    if not isinstance(value, str) or value.count(":") != 1:
        raise ValueError(f"malformed text version id {value!r} (expected e.g. hr1-119:eas)")
    bill, code = value.strip().split(":")
    b = parse_bill_id(bill)
    if not _VERSION_CODE_RE.match(code):
        raise ValueError(f"malformed text version code {code!r} in {value!r}")
    return VersionId(b, code)


def stage_rank(code: str, bill_type: str = "hr") -> tuple[int, int]:
    """Sort key of a GPO version code in legislative order; unknown codes sort last.

    ``sorted(codes, key=lambda c: stage_rank(c, "hr"))`` puts ``eh`` before ``eas`` before ``enr``.
    """
    c = (code or "").lower()
    tier = _TIER.get(c, len(VERSION_TIERS))
    if tier == 4:
        house_origin = normalize_bill_type(bill_type).startswith("h")
        second = "s" if house_origin else "h"
        return tier, 0 if c.endswith(second) else 1
    return tier, 0


def vote_id(chamber: str, number: int | str, congress: int | str, year: int | str) -> str:
    """``vote_id("senate", 372, 119, 2025) == "s372-119.2025"``."""
    ch = (chamber or "").strip().lower()
    ch = {"house": "h", "senate": "s", "h": "h", "s": "s"}.get(ch)
    if ch is None:
        raise ValueError(f"unknown chamber {chamber!r} (expected h, s, house or senate)")
    n = _int(number, "roll call number", 1, 99_999)
    c = _int(congress, "congress", 1, 999)
    y = _int(year, "year", 1789, 2199)
    return f"{ch}{n}-{c}.{y}"


def parse_vote_id(value: str) -> VoteId:
    """Split ``s372-119.2025``."""
    if not isinstance(value, str):
        raise ValueError(f"vote id must be text, got {value!r}")
    m = _VOTE_RE.match(value.strip())
    if not m:
        raise ValueError(f"malformed vote id {value!r} (expected e.g. s372-119.2025)")
    return VoteId(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))


# Remembered: the same few hundred member ids come back in every roll call (435 per House vote).
@lru_cache(maxsize=8192)
def _bioguide_shape(value: str) -> bool:
    return bool(_BIOGUIDE_RE.match(value))


@lru_cache(maxsize=4096)
def _lis_shape(value: str) -> bool:
    return bool(_LIS_RE.match(value))


def is_bioguide(value: str) -> bool:
    return isinstance(value, str) and _bioguide_shape(value)


def is_lis_id(value: str) -> bool:
    return isinstance(value, str) and _lis_shape(value)


def member_id(value: str) -> str:
    """Validate a member id: a bioguide id (``W000817``) or, for a senator not yet resolved,
    a LIS id (``S428``). Returns it upper-cased."""
    v = (value or "").strip().upper() if isinstance(value, str) else ""
    if is_bioguide(v) or is_lis_id(v):
        return v
    raise ValueError(f"malformed member id {value!r} (expected a bioguide id like W000817 or a LIS id like S428)")


def congress_for_year(year: int) -> int:
    """The Congress sitting in January of ``year`` (119th: 2025-2026)."""
    y = _int(year, "year", 1789, 2199)
    return (y - 1789) // 2 + 1


def session_for_year(year: int) -> int:
    """1 in odd years, 2 in even years (ignores the rare third sessions)."""
    return 1 if _int(year, "year", 1789, 2199) % 2 == 1 else 2


_CITATION_RE = re.compile(
    r"\b(H\.?\s?R\.?|S\.?|H\.?\s?Res\.?|S\.?\s?Res\.?|H\.?\s?J\.?\s?Res\.?|S\.?\s?J\.?\s?Res\.?|"
    r"H\.?\s?Con\.?\s?Res\.?|S\.?\s?Con\.?\s?Res\.?)\s?(\d{1,5})\b",
    re.IGNORECASE,
)


def bill_ids_in_text(text: str, congress: int) -> list[str]:
    """Bill citations in running text (``H.R. 1``, ``S. 5``, ``H.J.Res. 12``) as bill ids of the
    given congress, in order of first mention, without duplicates."""
    out: list[str] = []
    for m in _CITATION_RE.finditer(text or ""):
        raw = m.group(1)
        # A lone "S" must be written "S." to count: avoids "U.S. 5" and "S 5" in prose.
        if re.fullmatch(r"s", raw, re.IGNORECASE):
            continue
        if m.start() > 0 and text[m.start() - 1] in ".":
            continue  # "U.S. 5"
        try:
            bid = bill_id(raw, m.group(2), congress)
        except ValueError:
            continue
        if bid not in out:
            out.append(bid)
    return out
