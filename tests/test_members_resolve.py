"""Member data ingest (congress-legislators) and tracker.members resolution."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from db.store import DocumentIn
from scrapers.ingest import ingest_document
from tests.conftest import OWN_FIXTURES, shared_fixture
from tracker.members import Resolver, parse_member_mention, resolve

VOTES = OWN_FIXTURES / "votes"


def _ingest(path, url=None):
    return ingest_document(DocumentIn(body=path.read_bytes(), url=url or path.resolve().as_uri(),
                                      fetched_at=datetime.now(timezone.utc)))


@pytest.fixture
def members(store):
    _ingest(VOTES / "legislators-current.yaml")
    _ingest(VOTES / "legislators-historical.yaml")
    return store


@pytest.mark.parametrize("text,expected", [
    ("Sen. Elizabeth Warren (D-Mass.)", {"name": "Elizabeth Warren", "party": "D", "state": "MA", "chamber": "senate", "title": "Sen."}),
    ("Ranking Member Ron Wyden, D-Ore.", {"name": "Ron Wyden", "party": "D", "state": "OR", "chamber": None, "title": "Ranking Member"}),
    ("Wyden (D-OR)", {"name": "Wyden", "party": "D", "state": "OR", "chamber": None, "title": None}),
    ("Rep. Nancy Pelosi (D-CA-11)", {"name": "Nancy Pelosi", "party": "D", "state": "CA", "chamber": "house", "title": "Rep."}),
    ("Rep. Jim Jordan (R-Ohio)", {"name": "Jim Jordan", "party": "R", "state": "OH", "chamber": "house", "title": "Rep."}),
    ("Sen. Ben Ray Luján (D-N.M.)", {"name": "Ben Ray Luján", "party": "D", "state": "NM", "chamber": "senate", "title": "Sen."}),
    ("Sen. Bernie Sanders (I-Vt.)", {"name": "Bernie Sanders", "party": "I", "state": "VT", "chamber": "senate", "title": "Sen."}),
    ("Senator Cindy Hyde-Smith (R-Miss.)", {"name": "Cindy Hyde-Smith", "party": "R", "state": "MS", "chamber": "senate", "title": "Senator"}),
    ("Warren, Elizabeth", {"name": "Elizabeth Warren", "party": None, "state": None, "chamber": None, "title": None}),
    ("Sen. Alex Padilla (D-Calif.)", {"name": "Alex Padilla", "party": "D", "state": "CA", "chamber": "senate", "title": "Sen."}),
])
def test_parse_member_mention(text, expected):
    assert parse_member_mention(text) == expected


def test_resolve_forms(members):
    with members.engine.connect() as conn:
        r = Resolver(conn)
        for text in ("Warren", "Elizabeth Warren", "Sen. Elizabeth Warren (D-Mass.)", "ELIZABETH WARREN",
                     "E. Warren", "Warren, Elizabeth"):
            assert r.resolve(name=text) == "W000817", text
        assert r.resolve(name="Ranking Member Ron Wyden, D-Ore.") == "W000779"
        assert r.resolve(name="Wyden (D-OR)") == "W000779"
        assert r.resolve(name="Ben Ray Lujan") == "L000570"       # accent-insensitive
        assert r.resolve(name="Luján") == "L000570"
        assert r.resolve(name="Chuck Grassley") == "G000386"      # member.nickname
        assert r.resolve(name="Charles Grassley") == "G000386"
        assert r.resolve(name="Lisa Blunt Rochester") == "B001303"
        assert r.resolve(lis="S428") == "A000382"
        assert r.resolve(lis="s428") == "A000382"
        assert r.resolve(bioguide="W000817") == "W000817"
        assert r.resolve(bioguide="Z999999") is None              # unknown bioguide, no other hint
        assert r.resolve(bioguide="Z999999", lis="S366") == "W000817"
        assert r.resolve(lis="S999", name="Warren", state="MA") == "W000817"


def test_ambiguous_and_scoped(members):
    with members.engine.connect() as conn:
        assert resolve(conn, name="Smith") is None                 # Tina Smith and Adam Smith: never guess
        assert resolve(conn, name="Smith", state="MN") == "S001203"
        assert resolve(conn, name="Smith", chamber="house") == "S000510"
        assert resolve(conn, name="Sen. Smith") == "S001203"       # the title scopes the chamber
        assert resolve(conn, name="Rep. Adam Smith (D-Wash.)") == "S000510"
        assert resolve(conn, name="Smith", party="R") is None
        assert resolve(conn, name="Warren", state="OR") is None    # scope excludes
        assert resolve(conn, name="Nobody Atall") is None
        # historical members resolve too (old votes)
        assert resolve(conn, lis="S350") == "R000595"
        assert resolve(conn, name="Marco Rubio") == "R000595"
        assert resolve(conn, name="Vance", chamber="senate", state="OH") == "V000137"


def test_resolver_sees_new_members(store):
    with store.engine.connect() as conn:
        assert resolve(conn, name="Warren") is None
    _ingest(VOTES / "legislators-current.yaml")
    with store.engine.connect() as conn:
        assert resolve(conn, name="Warren") == "W000817"


def test_member_rows(members):
    rows = members.rows("SELECT bioguide_id, lis_id, party, state, chamber, current, nickname FROM member ORDER BY bioguide_id")
    by = {r[0]: r for r in rows}
    assert by["G000386"][1:] == ("S153", "R", "IA", "senate", 1 if members.backend == "sqlite" else True, "Chuck")
    assert not by["R000595"][5]                                  # historical: not current
    assert by["S000510"][4] == "house"
    assert len(rows) == 10


def test_real_members_all_formats(store, cli):
    for name in ("legislators-current.yaml", "legislators-current.json", "legislators-current.csv",
                 "legislators-social-media.yaml"):
        res = cli("ingest", str(shared_fixture(f"members/{name}")))
        assert res.exit_code == 0 and "0 quarantined" in res.output, (name, res.output)
    assert store.scalar("SELECT count(*) FROM member") == 537
    assert store.scalar("SELECT count(*) FROM member WHERE lis_id IS NOT NULL") == 100
    assert store.scalar("SELECT count(*) FROM member WHERE chamber = 'senate'") == 100
    # the flattened CSV did not replace the full YAML record (term history)
    import json
    data = store.scalar("SELECT data FROM member WHERE bioguide_id = 'C000127'")
    data = data if isinstance(data, dict) else json.loads(data)
    assert len(data["terms"]) > 3 and "social" in data
    with store.engine.connect() as conn:
        assert resolve(conn, lis="S409") == "L000570"
        assert resolve(conn, name="Sen. Ben Ray Lujan (D-N.M.)") == "L000570"
        assert resolve(conn, name="Sen. Elizabeth Warren (D-Mass.)") == "W000817"
        assert resolve(conn, name="Ranking Member Ron Wyden, D-Ore.") == "W000779"
        assert resolve(conn, name="Chuck Grassley") == "G000386"


def test_yaml_aliases_and_garbage_quarantined(store):
    bomb = b"- id:\n    bioguide: A000001\n  name: &a {first: x}\n  terms: [*a, *a]\n"
    c = ingest_document(DocumentIn(body=bomb, url="file:///x/legislators-current.yaml"), kind="legislators")
    assert c.quarantined == 1 and "alias" in c.errors[0]
    bad = b"- id:\n    bioguide: nonsense\n  name: {first: x}\n"
    c = ingest_document(DocumentIn(body=bad, url="file:///x/legislators-current.yaml"), kind="legislators")
    assert c.quarantined == 1 and "bioguide" in c.errors[0]
    assert store.scalar("SELECT count(*) FROM member") == 0
