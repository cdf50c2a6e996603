"""Safe XML parsing for every parser in the project.

lxml with entities off, no network, no DTD loading (see ../shared/DESIGN.md, Reliability): a
billion-laughs document or an external entity pointing at a local file or URL is refused or left
unexpanded, never fetched. ``huge_tree`` stays off so pathological nesting is refused by libxml2.
"""

from __future__ import annotations

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


def parse_xml(body: bytes) -> etree._Element:
    """Parse ``body`` into an element tree root, or raise :class:`UnsafeOrMalformedXML` with a
    one-line reason. Documents that declare internal entities are refused outright (legitimate
    congressional XML never declares any; a declaration is how entity-expansion attacks start)."""
    if not isinstance(body, (bytes, bytearray)):
        raise UnsafeOrMalformedXML("expected bytes")
    if not body.strip():
        raise UnsafeOrMalformedXML("empty document")
    if b"<!ENTITY" in bytes(body[:65536]).upper():
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
