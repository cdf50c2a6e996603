"""Safe XML parsing for every parser in the project.

lxml with entities off, no network, no DTD loading (see ../shared/DESIGN.md, Reliability): a
billion-laughs document or an external entity pointing at a local file or URL is refused or left
unexpanded, never fetched. ``huge_tree`` stays off so pathological nesting is refused by libxml2.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from lxml import etree


class UnsafeOrMalformedXML(ValueError):
    """The bytes are not well-formed XML, or they try something we refuse (entities, DTD fetch)."""


def _parser(recover: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=recover,
    )


def _declares_entity(body: bytes | bytearray) -> bool:
    """``<!ENTITY`` (any case) among the first 64 KiB, where a DOCTYPE's internal subset is: each
    ``<!`` found (a DOCTYPE, a comment, CDATA: a few per document) is checked, instead of upper-casing
    a copy of the whole prefix."""
    end = min(len(body), 65536)
    i = body.find(b"<!", 0, end)
    while i != -1:
        if bytes(body[i + 2:i + 8]).upper() == b"ENTITY":
            return True
        i = body.find(b"<!", i + 2, end)
    return False


def parse_xml(body: bytes) -> etree._Element:
    """Parse ``body`` into an element tree root, or raise :class:`UnsafeOrMalformedXML` with a
    one-line reason. Documents that declare internal entities are refused outright (legitimate
    congressional XML never declares any; a declaration is how entity-expansion attacks start)."""
    if not isinstance(body, (bytes, bytearray)):
        raise UnsafeOrMalformedXML("expected bytes")
    if not body or body.isspace():  # (not body.strip(): no copy of the body)
        raise UnsafeOrMalformedXML("empty document")
    if _declares_entity(body):
        raise UnsafeOrMalformedXML("document declares XML entities (refused: entity expansion/external entity risk)")
    if b"\x00" in body and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsafeOrMalformedXML("document contains NUL bytes")
    try:
        root = etree.fromstring(bytes(body), parser=_parser())
    except etree.XMLSyntaxError as exc:
        msg = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise UnsafeOrMalformedXML(f"malformed XML: {msg}") from None
    except ValueError as exc:
        raise UnsafeOrMalformedXML(f"malformed XML: {exc}") from None
    if root is None:
        raise UnsafeOrMalformedXML("malformed XML: no root element")
    return root


def text_of(el: etree._Element | None) -> str:
    """All text under ``el`` with whitespace collapsed ('' for None)."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


# --- optional C speed-ups (setup.py builds them where a C compiler is present) -----------------------


def native_module(name: str) -> ModuleType | None:
    """Import the optional C extension ``name`` (``tracker._xmlcols``, ``tracker.diff._ctree``), or
    None: not built (no compiler at install time), built against other lxml/libxml2 versions than
    the ones running (they read lxml's and libxml2's structures, whose layout is per version), or
    turned off with ``TRACKER_PURE_PYTHON=1``. Callers keep a pure-Python path that gives the same
    results; tests compare the two."""
    if os.environ.get("TRACKER_PURE_PYTHON"):
        return None
    try:
        mod = importlib.import_module(name)
    except ImportError:
        return None
    if (mod.LXML_VERSION != etree.__version__
            or mod.LIBXML_VERSION != ".".join(map(str, etree.LIBXML_COMPILED_VERSION))):
        return None
    return mod


_COLS = native_module("tracker._xmlcols")
if _COLS is not None:
    _COLS.configure(etree._Element)


def columns(parent: etree._Element, row_tag: str,
            fields: tuple[tuple[str, str | None, bool], ...]) -> list[list[str | None]] | None:
    """Columns of the records ``parent/row_tag``: for each field ``(child_tag, attribute, normalise)``,
    one value per record: the attribute of the record's ``child_tag`` child (None when absent) or,
    with attribute None, that child's ``.text``; ``normalise`` gives ``" ".join(value.split())``
    ("" for none). Read in C (``tracker/_xmlcols.c``) without a Python object per element.

    None when the C reader is not available or a record is not plainly shaped (a field's child
    missing or repeated, a text field's element holding elements, an attribute made of entity
    references): the caller then reads the records with its own per-element loop, which must
    give the same values where both apply (tests compare them)."""
    if _COLS is None:
        return None
    return _COLS.columns(parent, row_tag, fields)
