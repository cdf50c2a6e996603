"""Order independence: the same observations shuffled and duplicated converge on the same current
view as in-order delivery, and the event table only grows (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.records import EntityRecord, EventRecord

T0 = datetime(2025, 7, 1, tzinfo=timezone.utc)

# An observation: (thing number, observation time step, content variant)
obs_strategy = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6), st.integers(0, 3)), min_size=1, max_size=25,
                        unique_by=lambda o: (o[0], o[1]))


def _items(thing: int, variant: int):
    vid = f"s{thing + 1}-119.2025"
    return [
        EventRecord(kind="vote.recorded", key=f"vote:{vid}", title=f"Vote {thing} variant {variant}",
                    member_ids=[f"A{variant:06d}"], data={"variant": variant}),
        EntityRecord("vote", [dict(vote_id=vid, chamber="s", congress=119, session=1, number=thing + 1, year=2025,
                                   result=f"r{variant}")], ("vote_id",)),
        EntityRecord("vote_position", [dict(vote_id=vid, member_id=f"A{variant:06d}", position="yea")],
                     ("vote_id", "member_id"), replace={"vote_id": vid}),
    ]


def _current_view(url: str):
    from sqlalchemy import text
    from db.engine import get_engine
    with get_engine(url).connect() as conn:
        events = conn.execute(text(
            "SELECT key, data FROM event e WHERE NOT EXISTS (SELECT 1 FROM event f WHERE f.key = e.key AND "
            "(f.observed_at > e.observed_at OR (f.observed_at = e.observed_at AND f.revision > e.revision))) ORDER BY key")).all()
        votes = conn.execute(text("SELECT vote_id, result FROM vote ORDER BY vote_id")).all()
        pos = conn.execute(text("SELECT vote_id, member_id FROM vote_position ORDER BY vote_id, member_id")).all()
    import json
    return ([(k, d if isinstance(d, dict) else json.loads(d)) for k, d in events], [tuple(v) for v in votes],
            [tuple(p) for p in pos])


def _deliver(url: str, observations, counts_rows: list[int]):
    from db.engine import get_engine
    from db.store import record
    eng = get_engine(url)
    for thing, step, variant in observations:
        record(_items(thing, variant), engine=eng, observed_at=T0 + timedelta(hours=step))
        with eng.connect() as conn:
            from sqlalchemy import text
            counts_rows.append(conn.execute(text("SELECT count(*) FROM event")).scalar())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(observations=obs_strategy, seed=st.randoms(use_true_random=False), dup=st.integers(0, 3))
def test_shuffled_and_duplicated_delivery_converges(tmp_path_factory, observations, seed, dup):
    from db.migrate import upgrade
    d = tmp_path_factory.mktemp("order")
    in_order, shuffled = f"sqlite:///{d / 'a.db'}", f"sqlite:///{d / 'b.db'}"
    upgrade(in_order)
    upgrade(shuffled)
    ordered = sorted(observations, key=lambda o: o[1])
    mixed = list(observations) + [observations[i % len(observations)] for i in range(dup)]
    seed.shuffle(mixed)
    grow_a: list[int] = []
    grow_b: list[int] = []
    _deliver(in_order, ordered, grow_a)
    _deliver(shuffled, mixed, grow_b)
    assert _current_view(in_order) == _current_view(shuffled)
    assert grow_b == sorted(grow_b), "the event table must only grow"
    from db.engine import dispose_all
    dispose_all()
